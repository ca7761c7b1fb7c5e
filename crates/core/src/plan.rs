//! A room plan, prepared offline before a session: room names, the documents each room gets (by file
//! name in the moderator's library), who goes where (by display name), and what happens to people the
//! plan does not name. Applying it to a live session is a sequence of ordinary commands; this module
//! computes them from the plan and the session, so the rules stay pure and testable.

use crate::limits::{MAX_NAME_CHARS, MAX_ROOMS};
use crate::session::{Location, Participant, Role, Session, Sharing};
use crate::{validate, Command, DocumentId, Rejection, RoomId, RoomSelection};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use ts_rs::TS;

/// The plan for a session's breakout rooms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RoomPlan {
    /// The rooms, in order; their number is the room count.
    pub rooms: Vec<PlannedRoom>,
    /// Where participants the plan does not name go when they join.
    pub late_joiners: LateJoiners,
}

/// One planned room.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PlannedRoom {
    /// The room's name.
    pub name: String,
    /// File names from the library to share with this room only.
    pub documents: Vec<String>,
    /// Display names of the participants who belong here.
    pub members: Vec<String>,
}

/// Where unplanned participants go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LateJoiners {
    /// They wait in the main room for the moderator.
    #[default]
    StayInMain,
    /// They go to the room with the fewest participants.
    FillEmptiest,
}

/// Names compare without case and surrounding blanks: "ana " is "Ana".
fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

impl RoomPlan {
    /// The plan with names trimmed, or why it cannot be used (nothing is kept from a bad plan).
    pub fn validated(&self) -> Result<RoomPlan, Rejection> {
        if self.rooms.len() > MAX_ROOMS as usize {
            return Err(Rejection::Invalid(format!(
                "a plan has at most {MAX_ROOMS} rooms"
            )));
        }
        let mut rooms = Vec::with_capacity(self.rooms.len());
        let mut placed: HashMap<String, String> = HashMap::new();
        for room in &self.rooms {
            let name = validate::single_line("room name", &room.name, MAX_NAME_CHARS)?;
            if rooms
                .iter()
                .any(|r: &PlannedRoom| same_name(&r.name, &name))
            {
                return Err(Rejection::Invalid(format!(
                    "two rooms are called \"{name}\""
                )));
            }
            let mut members = Vec::new();
            for member in room.members.iter().filter(|m| !m.trim().is_empty()) {
                let member = validate::single_line("participant name", member, MAX_NAME_CHARS)?;
                if let Some(other) = placed.insert(member.to_lowercase(), name.clone()) {
                    return Err(Rejection::Invalid(format!(
                        "{member} is planned for both \"{other}\" and \"{name}\""
                    )));
                }
                members.push(member);
            }
            let mut documents: Vec<String> = room
                .documents
                .iter()
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty())
                .collect();
            documents.dedup();
            rooms.push(PlannedRoom {
                name,
                documents,
                members,
            });
        }
        Ok(RoomPlan {
            rooms,
            late_joiners: self.late_joiners,
        })
    }

    /// This plan with the `name,room` lines of a CSV file applied: each named participant moves to
    /// that room (created at the end if the plan has no room of that name). A first line `name,room`
    /// is a header. Any bad line refuses the whole import, naming the line.
    pub fn with_csv(&self, csv: &str) -> Result<RoomPlan, Rejection> {
        let mut plan = self.clone();
        for (index, line) in csv.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || (index == 0 && same_name(line, "name,room")) {
                continue;
            }
            let bad = |why: &str| Rejection::Invalid(format!("line {}: {why}", index + 1));
            let (name, room) = line
                .split_once(',')
                .ok_or_else(|| bad("expected name,room"))?;
            let (name, room) = (unquote(name), unquote(room));
            if name.is_empty() || room.is_empty() || room.contains(',') {
                return Err(bad("expected name,room"));
            }
            for planned in &mut plan.rooms {
                planned.members.retain(|m| !same_name(m, name));
            }
            match plan.rooms.iter_mut().find(|r| same_name(&r.name, room)) {
                Some(planned) => planned.members.push(name.to_owned()),
                None => plan.rooms.push(PlannedRoom {
                    name: room.to_owned(),
                    documents: vec![],
                    members: vec![name.to_owned()],
                }),
            }
        }
        plan.validated()
    }

    /// The planned room for a participant called `name`, by position in the plan.
    fn room_index_of(&self, name: &str) -> Option<usize> {
        self.rooms
            .iter()
            .position(|room| room.members.iter().any(|m| same_name(m, name)))
    }
}

fn unquote(field: &str) -> &str {
    field.trim().trim_matches('"').trim()
}

/// The first step of applying `plan`: make the session have exactly the planned number of rooms and
/// open them. Empty when the session already matches.
pub fn room_setup(plan: &RoomPlan, session: &Session) -> Vec<Command> {
    let count = plan.rooms.len() as u32;
    if count == 0 {
        return vec![];
    }
    if !session.is_open() {
        return vec![Command::OpenBreakouts {
            rooms: count,
            duration_minutes: None,
        }];
    }
    if session.rooms.len() as u32 != count {
        return vec![Command::SetRoomCount { rooms: count }];
    }
    vec![]
}

/// The second step, once the rooms exist: rename them, share each room's documents (given the
/// session's document id for each library file name), and move every present participant the plan
/// names into their room. Only what differs from the session is returned, so applying twice sends
/// nothing the second time.
pub fn room_details(
    plan: &RoomPlan,
    session: &Session,
    documents: &BTreeMap<String, DocumentId>,
) -> Vec<Command> {
    let mut commands = Vec::new();
    for (planned, room) in plan.rooms.iter().zip(&session.rooms) {
        if room.name != planned.name {
            commands.push(Command::RenameRoom {
                room: room.id,
                name: planned.name.clone(),
            });
        }
        for file in &planned.documents {
            let Some(id) = documents.get(file) else {
                continue;
            };
            let shared = session
                .documents
                .iter()
                .find(|d| d.id == *id)
                .is_some_and(|d| shared_with(&d.sharing, room.id));
            if !shared {
                commands.push(Command::ShareDocument {
                    document: id.clone(),
                    target: RoomSelection::Rooms(vec![room.id]),
                });
            }
        }
    }
    for participant in &session.participants {
        if let Some(command) = planned_move(plan, session, participant) {
            commands.push(command);
        }
    }
    commands
}

/// Where a participant who just joined goes: their planned room, or per the late-joiner rule.
pub fn late_joiner_move(
    plan: &RoomPlan,
    session: &Session,
    participant: &Participant,
) -> Option<Command> {
    if participant.role != Role::Participant
        || participant.location != Location::Main
        || !session.is_open()
    {
        return None;
    }
    planned_move(plan, session, participant).or_else(|| match plan.late_joiners {
        LateJoiners::StayInMain => None,
        LateJoiners::FillEmptiest => emptiest_room(session).map(|room| Command::Move {
            participant: participant.id,
            to: Location::Room(room),
        }),
    })
}

fn planned_move(plan: &RoomPlan, session: &Session, participant: &Participant) -> Option<Command> {
    if participant.role != Role::Participant || !session.is_open() {
        return None;
    }
    let room = session.rooms.get(plan.room_index_of(&participant.name)?)?;
    (participant.location != Location::Room(room.id)).then_some(Command::Move {
        participant: participant.id,
        to: Location::Room(room.id),
    })
}

fn shared_with(sharing: &Sharing, room: RoomId) -> bool {
    sharing.all_rooms || sharing.rooms.contains(&room)
}

fn emptiest_room(session: &Session) -> Option<RoomId> {
    session.rooms.iter().map(|r| r.id).min_by_key(|id| {
        session
            .participants
            .iter()
            .filter(|p| p.location == Location::Room(*id))
            .count()
    })
}
