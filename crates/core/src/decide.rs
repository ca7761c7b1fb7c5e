//! `decide`: the one place where commands are checked against roles and state and turned into events.
//! It reads the state and never changes it, so a rejected command changes nothing by construction.

use crate::actor::Actor;
use crate::assign::auto_assign;
use crate::command::{AssignRules, AutoAssign, Command};
use crate::event::{Event, Placement};
use crate::ids::{DocumentId, ParticipantId, RoomId, Timestamp};
use crate::limits::{
    MAX_CALL_CHARS, MAX_DOCUMENTS, MAX_DOCUMENT_NAME_CHARS, MAX_DURATION_MINUTES, MAX_NAME_CHARS,
    MAX_PARTICIPANTS, MAX_ROOMS, MAX_RULE_GROUPS,
};
use crate::rejection::Rejection;
use crate::session::{
    Breakouts, CallToAction, Document, HelpRequest, HelpState, Location, Participant, Role, Room,
    RoomSelection, Session, Sharing,
};
use crate::validate;

/// Check `command` from `actor` against `state` at time `now`; return the events it causes (possibly
/// none, when it asks for what already is) or why it is refused.
pub fn decide(
    state: &Session,
    actor: Actor,
    now: Timestamp,
    command: &Command,
) -> Result<Vec<Event>, Rejection> {
    let me = authorize(state, actor, command)?;
    match command {
        Command::Join { name, role } => join(state, name, *role),
        Command::Leave { participant } => {
            if me.is_some_and(|me| me.id != *participant) {
                return Err(Rejection::Forbidden(
                    "you can only remove yourself from a session".into(),
                ));
            }
            known_participant(state, *participant)?;
            Ok(vec![Event::ParticipantLeft {
                participant: *participant,
            }])
        }
        Command::RemoveParticipant { participant } => remove(state, staff_member(me), *participant),
        Command::RotateJoinCodes => Ok(vec![Event::JoinCodesRotated { by: staff(me) }]),
        Command::SetPresence {
            participants,
            online,
        } => {
            let mut changed = Vec::new();
            for id in participants {
                if known_participant(state, *id)?.online != *online {
                    changed.push(*id);
                }
            }
            if changed.is_empty() {
                return Ok(vec![]);
            }
            changed.sort();
            changed.dedup();
            Ok(vec![Event::PresenceChanged {
                participants: changed,
                online: *online,
            }])
        }
        Command::OpenBreakouts {
            rooms,
            duration_minutes,
        } => {
            if state.is_open() {
                return Err(Rejection::Conflict(
                    "breakout rooms are already open".into(),
                ));
            }
            check_room_count(*rooms)?;
            if let Some(minutes) = duration_minutes {
                if !(1..=MAX_DURATION_MINUTES).contains(minutes) {
                    return Err(Rejection::Invalid(format!(
                        "duration must be between 1 and {MAX_DURATION_MINUTES} minutes"
                    )));
                }
            }
            let mut events = resize(state, *rooms);
            events.push(Event::BreakoutsOpened {
                ends_at: duration_minutes.map(|m| now.plus_minutes(m)),
            });
            Ok(events)
        }
        Command::SetRoomCount { rooms } => {
            check_room_count(*rooms)?;
            Ok(resize(state, *rooms))
        }
        Command::RenameRoom { room, name } => {
            let current = known_room(state, *room)?;
            let name = validate::single_line("room name", name, MAX_NAME_CHARS)?;
            Ok(unless_same(&current.name, &name, || Event::RoomRenamed {
                room: *room,
                name: name.clone(),
            }))
        }
        Command::AutoAssign(params) => decide_auto_assign(state, params),
        Command::Move { participant, to } => move_participant(state, me, *participant, *to),
        Command::SetFreeMovement { on } => Ok(unless_same(state.free_movement, *on, || {
            Event::FreeMovementSet { on: *on }
        })),
        Command::AddDocument {
            id,
            name,
            size,
            sha256,
        } => {
            let name = validate::single_line("document name", name, MAX_DOCUMENT_NAME_CHARS)?;
            validate::sha256_hex(sha256)?;
            if id.0.is_empty() {
                return Err(Rejection::Invalid("document id must not be empty".into()));
            }
            if state.document(id).is_some() {
                return Ok(vec![]);
            }
            if state.documents.len() >= MAX_DOCUMENTS {
                return Err(Rejection::Conflict(format!(
                    "the library is full ({MAX_DOCUMENTS} documents)"
                )));
            }
            Ok(vec![Event::DocumentAdded {
                document: Document {
                    id: id.clone(),
                    name,
                    size: *size,
                    sha256: sha256.clone(),
                    uploader: staff(me),
                    sharing: Sharing::default(),
                },
            }])
        }
        Command::ShareDocument { document, target } => {
            let doc = known_document(state, document)?;
            check_selection(state, target)?;
            let mut sharing = doc.sharing.clone();
            match target {
                RoomSelection::All => sharing.all_rooms = true,
                // Already everywhere: naming rooms changes nothing.
                RoomSelection::Rooms(_) if sharing.all_rooms => {}
                RoomSelection::Rooms(rooms) => sharing.rooms.extend(rooms),
            }
            Ok(set_sharing(doc, sharing))
        }
        Command::UnshareDocument { document, target } => {
            let doc = known_document(state, document)?;
            check_selection(state, target)?;
            let sharing = match target {
                RoomSelection::All => Sharing::default(),
                RoomSelection::Rooms(rooms) => {
                    let still_shared = |r: &RoomId| !rooms.contains(r);
                    let rooms = if doc.sharing.all_rooms {
                        state
                            .rooms
                            .iter()
                            .map(|r| r.id)
                            .filter(still_shared)
                            .collect()
                    } else {
                        doc.sharing
                            .rooms
                            .iter()
                            .copied()
                            .filter(still_shared)
                            .collect()
                    };
                    Sharing {
                        all_rooms: false,
                        rooms,
                    }
                }
            };
            Ok(set_sharing(doc, sharing))
        }
        Command::BringBack { target } => {
            require_open(state)?;
            check_selection(state, target)?;
            let participants: Vec<ParticipantId> = state
                .participants
                .iter()
                .filter(|p| p.location != Location::Main && target.includes(p.location))
                .map(|p| p.id)
                .collect();
            Ok(moved(Location::Main, participants))
        }
        Command::StopBreakouts => {
            require_open(state)?;
            Ok(vec![Event::BreakoutsStopped])
        }
        Command::CallToAction { text, link, target } => {
            let text = validate::text("message", text, MAX_CALL_CHARS)?;
            let link = link.as_deref().map(validate::link).transpose()?;
            check_selection(state, target)?;
            Ok(vec![Event::CallToActionSent {
                call: CallToAction {
                    id: crate::ids::CallId(state.version + 1),
                    text,
                    link,
                    target: target.clone(),
                    sent_by: staff(me),
                    sent_at: now,
                },
            }])
        }
        Command::AskForHelp => {
            let me = me.expect("authorize lets only participants ask for help");
            let Location::Room(room) = me.location else {
                return Err(Rejection::Conflict(
                    "you can ask for help from a breakout room".into(),
                ));
            };
            if state.help.iter().any(|h| h.participant == me.id) {
                return Err(Rejection::Conflict(
                    "you already asked for help; someone will come".into(),
                ));
            }
            Ok(vec![Event::HelpRequested {
                request: HelpRequest {
                    id: crate::ids::HelpId(state.version + 1),
                    participant: me.id,
                    room,
                    asked_at: now,
                    state: HelpState::Open,
                },
            }])
        }
        Command::TakeHelp { request } => {
            let by = staff(me);
            let req = known_help(state, *request)?;
            match req.state {
                HelpState::Open => Ok(vec![Event::HelpTaken {
                    request: *request,
                    asker: req.participant,
                    by,
                }]),
                HelpState::TakenBy(taker) if taker == by => Ok(vec![]),
                HelpState::TakenBy(taker) => Err(Rejection::Conflict(format!(
                    "{} already took this request",
                    name_of(state, taker)
                ))),
            }
        }
        Command::ResolveHelp { request } => {
            let me = me.expect("authorize lets only participants resolve help");
            let req = known_help(state, *request)?;
            if !me.role.is_staff() && req.participant != me.id {
                return Err(Rejection::Forbidden(
                    "only staff or the person who asked can resolve a help request".into(),
                ));
            }
            Ok(vec![Event::HelpResolved {
                request: *request,
                asker: req.participant,
                by: me.id,
            }])
        }
        Command::Tick => Ok(match state.breakouts {
            Breakouts::Open { ends_at: Some(end) } if now >= end => vec![Event::BreakoutsStopped],
            _ => vec![],
        }),
    }
}

/// Check who may issue `command`; return the acting participant (None for the system).
fn authorize<'s>(
    state: &'s Session,
    actor: Actor,
    command: &Command,
) -> Result<Option<&'s Participant>, Rejection> {
    let Actor::Participant(id) = actor else {
        return if command.is_system_only() || matches!(command, Command::Leave { .. }) {
            Ok(None)
        } else {
            Err(Rejection::Forbidden(
                "the server only issues joins, leaves, presence and timers".into(),
            ))
        };
    };
    let me = state
        .participant(id)
        .ok_or_else(|| Rejection::NotFound(format!("participant {id} is not in this session")))?;
    if command.is_system_only() {
        return Err(Rejection::Forbidden(
            "only the server may issue this command".into(),
        ));
    }
    if command.needs_staff() && !me.role.is_staff() {
        return Err(Rejection::Forbidden(
            "only moderators and co-moderators may do this".into(),
        ));
    }
    Ok(Some(me))
}

/// The acting staff member of a staff-only command (authorize has ensured there is one).
fn staff(me: Option<&Participant>) -> ParticipantId {
    staff_member(me).id
}

fn staff_member(me: Option<&Participant>) -> &Participant {
    me.expect("authorize requires a participant for staff commands")
}

/// Who may remove whom: staff remove anyone but themselves, and only a moderator removes a moderator.
fn remove(
    state: &Session,
    me: &Participant,
    participant: ParticipantId,
) -> Result<Vec<Event>, Rejection> {
    let who = known_participant(state, participant)?;
    if who.id == me.id {
        return Err(Rejection::Forbidden(
            "you cannot remove yourself; leave the session instead".into(),
        ));
    }
    if who.role == Role::Moderator && me.role != Role::Moderator {
        return Err(Rejection::Forbidden(
            "a co-moderator cannot remove the moderator".into(),
        ));
    }
    Ok(vec![Event::ParticipantRemoved {
        participant,
        by: me.id,
    }])
}

fn join(state: &Session, name: &str, role: Role) -> Result<Vec<Event>, Rejection> {
    let name = validate::display_name(name)?;
    if state.participants.len() >= MAX_PARTICIPANTS {
        return Err(Rejection::Conflict(format!(
            "the session is full ({MAX_PARTICIPANTS} people)"
        )));
    }
    Ok(vec![Event::ParticipantJoined {
        participant: Participant {
            id: ParticipantId(state.next_ids.participant),
            name,
            role,
            online: false,
            location: Location::Main,
        },
    }])
}

fn move_participant(
    state: &Session,
    me: Option<&Participant>,
    participant: ParticipantId,
    to: Location,
) -> Result<Vec<Event>, Rejection> {
    let me = me.expect("authorize lets only participants move people");
    let who = known_participant(state, participant)?;
    if !me.role.is_staff() {
        if who.id != me.id {
            return Err(Rejection::Forbidden(
                "participants can only move themselves".into(),
            ));
        }
        if !state.free_movement {
            return Err(Rejection::Forbidden(
                "the moderator has not allowed moving between rooms".into(),
            ));
        }
    }
    if let Location::Room(room) = to {
        require_open(state)?;
        known_room(state, room)?;
    }
    Ok(if who.location == to {
        vec![]
    } else {
        moved(to, vec![participant])
    })
}

fn decide_auto_assign(state: &Session, params: &AutoAssign) -> Result<Vec<Event>, Rejection> {
    require_open(state)?;
    check_rules(state, &params.rules)?;
    let assignment = auto_assign(state, params);
    if assignment.placements.is_empty() && assignment.broken_rules.is_empty() {
        return Ok(vec![]);
    }
    Ok(vec![Event::ParticipantsMoved {
        placements: assignment.placements,
        broken_rules: assignment.broken_rules,
    }])
}

fn check_rules(state: &Session, rules: &AssignRules) -> Result<(), Rejection> {
    for (what, groups) in [("together", &rules.together), ("apart", &rules.apart)] {
        if groups.len() > MAX_RULE_GROUPS || groups.iter().any(|g| g.len() > MAX_RULE_GROUPS) {
            return Err(Rejection::Invalid(format!(
                "at most {MAX_RULE_GROUPS} keep-{what} groups of at most {MAX_RULE_GROUPS} people"
            )));
        }
        for member in groups.iter().flatten() {
            known_participant(state, *member)?;
        }
    }
    if rules.max_per_room == Some(0) {
        return Err(Rejection::Invalid(
            "the maximum per room must be at least 1".into(),
        ));
    }
    Ok(())
}

/// Events that make the room list `count` long: new rooms at the end, or the last rooms removed.
fn resize(state: &Session, count: u32) -> Vec<Event> {
    let count = count as usize;
    let have = state.rooms.len();
    if count > have {
        let first = state.next_ids.room;
        let rooms = (have..count)
            .zip(first..)
            .map(|(position, id)| Room {
                id: RoomId(id),
                name: format!("Room {}", position + 1),
            })
            .collect();
        vec![Event::RoomsAdded { rooms }]
    } else if count < have {
        let rooms = state.rooms[count..].iter().map(|r| r.id).collect();
        vec![Event::RoomsRemoved { rooms }]
    } else {
        vec![]
    }
}

fn check_room_count(rooms: u32) -> Result<(), Rejection> {
    if (1..=MAX_ROOMS).contains(&rooms) {
        Ok(())
    } else {
        Err(Rejection::Invalid(format!(
            "the number of rooms must be between 1 and {MAX_ROOMS}"
        )))
    }
}

fn check_selection(state: &Session, target: &RoomSelection) -> Result<(), Rejection> {
    if let RoomSelection::Rooms(rooms) = target {
        if rooms.is_empty() {
            return Err(Rejection::Invalid("choose at least one room".into()));
        }
        for room in rooms {
            known_room(state, *room)?;
        }
    }
    Ok(())
}

fn require_open(state: &Session) -> Result<(), Rejection> {
    if state.is_open() {
        Ok(())
    } else {
        Err(Rejection::Conflict("breakout rooms are not open".into()))
    }
}

fn set_sharing(doc: &Document, mut sharing: Sharing) -> Vec<Event> {
    sharing.rooms.sort();
    sharing.rooms.dedup();
    unless_same(&doc.sharing, &sharing, || Event::DocumentSharingSet {
        document: doc.id.clone(),
        sharing: sharing.clone(),
    })
}

fn moved(to: Location, participants: Vec<ParticipantId>) -> Vec<Event> {
    if participants.is_empty() {
        return vec![];
    }
    vec![Event::ParticipantsMoved {
        placements: vec![Placement { to, participants }],
        broken_rules: vec![],
    }]
}

/// No event when the command asks for what already is: idempotent commands, quiet journals.
fn unless_same<T: PartialEq>(current: T, wanted: T, event: impl FnOnce() -> Event) -> Vec<Event> {
    if current == wanted {
        vec![]
    } else {
        vec![event()]
    }
}

fn known_participant(state: &Session, id: ParticipantId) -> Result<&Participant, Rejection> {
    state
        .participant(id)
        .ok_or_else(|| Rejection::NotFound(format!("no participant {id} in this session")))
}

fn known_room(state: &Session, id: RoomId) -> Result<&Room, Rejection> {
    state
        .room(id)
        .ok_or_else(|| Rejection::NotFound(format!("no room {id} in this session")))
}

fn known_document<'s>(state: &'s Session, id: &DocumentId) -> Result<&'s Document, Rejection> {
    state
        .document(id)
        .ok_or_else(|| Rejection::NotFound(format!("no document {id} in the library")))
}

fn known_help(state: &Session, id: crate::ids::HelpId) -> Result<&HelpRequest, Rejection> {
    state
        .help
        .iter()
        .find(|h| h.id == id)
        .ok_or_else(|| Rejection::NotFound(format!("no open help request {id}")))
}

fn name_of(state: &Session, id: ParticipantId) -> &str {
    state.participant(id).map_or("someone", |p| p.name.as_str())
}
