//! The session model: who is in the session, which rooms exist, where everyone is, the document
//! library, and the breakout state. This is the state that `decide` reads and `apply` changes; the
//! server holds the authoritative copy and every client holds a (viewer-projected) replica.

use crate::ids::{CallId, DocumentId, HelpId, ParticipantId, RoomId, SessionId, Timestamp};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One live session with its breakout rooms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Session {
    /// Chosen by the server.
    pub id: SessionId,
    /// Shown to everyone.
    pub title: String,
    /// Changes when the server can no longer replay history to old replicas (they must resync).
    pub epoch: u64,
    /// The number of events applied so far; every event raises it by one.
    pub version: u64,
    /// Everyone in the session, sorted by id.
    pub participants: Vec<Participant>,
    /// The breakout rooms, in display order.
    pub rooms: Vec<Room>,
    /// The main-room document library, in upload order, with what is shared where.
    pub documents: Vec<Document>,
    /// May participants move themselves between rooms?
    pub free_movement: bool,
    /// Whether breakout rooms are running.
    pub breakouts: Breakouts,
    /// The most recent calls-to-action (at most [`crate::limits::MAX_KEPT_CALLS`]).
    pub calls: Vec<CallToAction>,
    /// Help requests that are not resolved yet, oldest first.
    pub help: Vec<HelpRequest>,
    /// Counters for the ids the core hands out, so every replica names new things identically.
    pub next_ids: NextIds,
}

/// The next free id of the kinds every replica sees created. (Help requests and calls, which only
/// some viewers see, take the version of the event that creates them as their id instead.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NextIds {
    /// Next participant id.
    pub participant: u64,
    /// Next room id.
    pub room: u32,
}

/// A person in the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Participant {
    /// Stable within the session.
    pub id: ParticipantId,
    /// What others see.
    pub name: String,
    /// What this person may do.
    pub role: Role,
    /// True while at least one of this person's connections is open.
    pub online: bool,
    /// Where this person is: the main room or exactly one breakout room.
    pub location: Location,
}

/// What a participant may do (see the permission table in DESIGN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Created the session; may do everything.
    Moderator,
    /// Invited to help run the session; may do everything a moderator may.
    CoModerator,
    /// Attends; sees the dashboard, moves only itself and only when free movement is on.
    Participant,
}

impl Role {
    /// Moderators and co-moderators run the rooms; participants do not.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Moderator | Role::CoModerator)
    }
}

/// Where a participant is. Holding one value per participant makes "exactly one place" structural.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// The main room, where the session itself happens.
    Main,
    /// One breakout room.
    Room(RoomId),
}

/// A breakout room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Room {
    /// Stable for the life of the room; never reused in the session.
    pub id: RoomId,
    /// Shown on the room card; editable by staff.
    pub name: String,
}

/// Whether breakout rooms are running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Breakouts {
    /// Everyone is in the main room.
    Closed,
    /// Rooms are open; they stop by themselves at `ends_at` if one is set.
    Open {
        /// When the rooms stop by themselves, if a duration was given.
        ends_at: Option<Timestamp>,
    },
}

/// A document of the main-room library and where it is shared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Document {
    /// Chosen by the server (derived from the content).
    pub id: DocumentId,
    /// File name as uploaded.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// Who uploaded it.
    pub uploader: ParticipantId,
    /// Which rooms can see it.
    pub sharing: Sharing,
}

/// Where a document is shared. Unshared documents are visible to staff only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Sharing {
    /// Shared with every room (and everyone in the main room).
    pub all_rooms: bool,
    /// Shared with these rooms in particular, sorted.
    pub rooms: Vec<RoomId>,
}

impl Sharing {
    /// Can someone at `location` see a document shared like this?
    pub fn reaches(&self, location: Location) -> bool {
        self.all_rooms || matches!(location, Location::Room(room) if self.rooms.contains(&room))
    }
}

/// A set of rooms a moderator action is aimed at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RoomSelection {
    /// Every room (for a call-to-action: everyone, the main room included).
    All,
    /// These rooms only.
    Rooms(Vec<RoomId>),
}

impl RoomSelection {
    /// Does this selection include someone standing at `location`?
    pub fn includes(&self, location: Location) -> bool {
        match self {
            RoomSelection::All => true,
            RoomSelection::Rooms(rooms) => {
                matches!(location, Location::Room(room) if rooms.contains(&room))
            }
        }
    }
}

/// A broadcast from staff to the participants of some rooms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CallToAction {
    /// Assigned by the core.
    pub id: CallId,
    /// The message.
    pub text: String,
    /// An optional http(s) link shown as a button.
    pub link: Option<String>,
    /// Who receives it.
    pub target: RoomSelection,
    /// Who sent it.
    pub sent_by: ParticipantId,
    /// When it was sent (server time).
    pub sent_at: Timestamp,
}

/// A participant in a breakout room asking staff for help.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HelpRequest {
    /// Assigned by the core.
    pub id: HelpId,
    /// Who asked.
    pub participant: ParticipantId,
    /// The room they asked from.
    pub room: RoomId,
    /// When they asked (server time).
    pub asked_at: Timestamp,
    /// Whether someone is on it.
    pub state: HelpState,
}

/// The progress of a help request. Resolved requests leave the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HelpState {
    /// Nobody has taken it yet.
    Open,
    /// A moderator or co-moderator is on it.
    TakenBy(ParticipantId),
}

impl Session {
    /// A new session with nobody in it yet (the server then joins the moderator).
    pub fn new(id: SessionId, title: String, epoch: u64) -> Session {
        Session {
            id,
            title,
            epoch,
            version: 0,
            participants: Vec::new(),
            rooms: Vec::new(),
            documents: Vec::new(),
            free_movement: false,
            breakouts: Breakouts::Closed,
            calls: Vec::new(),
            help: Vec::new(),
            next_ids: NextIds {
                participant: 1,
                room: 1,
            },
        }
    }

    /// Where the participant with this id sits in `participants` (sorted by id), if present.
    pub(crate) fn slot_of(&self, id: ParticipantId) -> Option<usize> {
        self.participants.binary_search_by_key(&id, |p| p.id).ok()
    }

    /// The participant with this id, if any.
    pub fn participant(&self, id: ParticipantId) -> Option<&Participant> {
        self.slot_of(id).map(|i| &self.participants[i])
    }

    /// The participant with this id, mutably.
    pub(crate) fn participant_mut(&mut self, id: ParticipantId) -> Option<&mut Participant> {
        self.slot_of(id).map(|i| &mut self.participants[i])
    }

    /// The room with this id, if any.
    pub fn room(&self, id: RoomId) -> Option<&Room> {
        self.rooms.iter().find(|r| r.id == id)
    }

    /// The document with this id, if any.
    pub fn document(&self, id: &DocumentId) -> Option<&Document> {
        self.documents.iter().find(|d| &d.id == id)
    }

    /// The documents someone at `location` may see if they are a participant.
    pub fn documents_reaching(&self, location: Location) -> impl Iterator<Item = &Document> {
        self.documents
            .iter()
            .filter(move |d| d.sharing.reaches(location))
    }

    /// Are breakout rooms running?
    pub fn is_open(&self) -> bool {
        matches!(self.breakouts, Breakouts::Open { .. })
    }
}
