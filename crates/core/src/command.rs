//! Commands: what someone asks the session to do. A command is an intent; `decide` checks it against
//! the acting participant's role and the current state and turns it into events, or rejects it.

use crate::ids::{DocumentId, HelpId, ParticipantId, RoomId};
use crate::session::{Location, Role, RoomSelection};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Everything that can be asked of a session. Variants marked "system" are issued by the server
/// itself (joins, presence, timers) and are forbidden to participants on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// System: add a person who presented a valid join code.
    Join {
        /// Display name.
        name: String,
        /// Role granted by the code they used.
        role: Role,
    },
    /// A person leaves the session (themselves, or the system on their behalf).
    Leave {
        /// Who leaves.
        participant: ParticipantId,
    },
    /// Staff: remove someone from the session for good. Their token stops working and their
    /// connections are closed. Nobody removes themselves this way (that is `Leave`), and a
    /// co-moderator cannot remove the moderator.
    RemoveParticipant {
        /// Who is removed.
        participant: ParticipantId,
    },
    /// Staff: replace both join codes; invite links with the old codes stop working. The new codes
    /// are secrets of the endpoint, returned only to the caller of the HTTP route that issues this.
    RotateJoinCodes,
    /// System: people's connections opened, or all of theirs closed (batched: one event for many).
    SetPresence {
        /// Whose presence changed.
        participants: Vec<ParticipantId>,
        /// Online now?
        online: bool,
    },
    /// Staff: open breakout rooms with this many rooms.
    OpenBreakouts {
        /// How many rooms (1 to [`crate::limits::MAX_ROOMS`]).
        rooms: u32,
        /// Stop the rooms by themselves after this many minutes.
        duration_minutes: Option<u32>,
    },
    /// Staff: grow (adds rooms) or shrink (people of removed rooms go to main) the room list.
    SetRoomCount {
        /// The new number of rooms.
        rooms: u32,
    },
    /// Staff: rename a room.
    RenameRoom {
        /// Which room.
        room: RoomId,
        /// Its new name.
        name: String,
    },
    /// Staff: spread participants over the rooms.
    AutoAssign(AutoAssign),
    /// Move someone to a room or to main. Participants may move only themselves, only when free
    /// movement is on.
    Move {
        /// Who moves.
        participant: ParticipantId,
        /// Where to.
        to: Location,
    },
    /// Staff: allow or forbid participants to move themselves.
    SetFreeMovement {
        /// Allowed?
        on: bool,
    },
    /// Staff: record an uploaded document in the library (issued by the server after an upload).
    AddDocument {
        /// Document id chosen by the server.
        id: DocumentId,
        /// File name.
        name: String,
        /// Size in bytes.
        size: u64,
        /// Hex SHA-256 of the bytes.
        sha256: String,
    },
    /// Staff: share a library document with all rooms or with some rooms.
    ShareDocument {
        /// Which document.
        document: DocumentId,
        /// With which rooms.
        target: RoomSelection,
    },
    /// Staff: stop sharing a document with all rooms (everywhere) or with some rooms.
    UnshareDocument {
        /// Which document.
        document: DocumentId,
        /// From which rooms; `all` unshares it everywhere.
        target: RoomSelection,
    },
    /// Staff: bring the people of all or some rooms back to main (rooms stay open).
    BringBack {
        /// Whose rooms.
        target: RoomSelection,
    },
    /// Staff: stop the breakout rooms; everyone returns to main.
    StopBreakouts,
    /// Staff: broadcast a message to all or some rooms.
    CallToAction {
        /// The message.
        text: String,
        /// An optional http(s) link.
        link: Option<String>,
        /// Who receives it.
        target: RoomSelection,
    },
    /// A participant in a breakout room asks staff for help.
    AskForHelp,
    /// Staff: take a help request ("I'll take it").
    TakeHelp {
        /// Which request.
        request: HelpId,
    },
    /// Staff (or the person who asked): mark a help request resolved.
    ResolveHelp {
        /// Which request.
        request: HelpId,
    },
    /// System: time passed; stop rooms whose end time has come.
    Tick,
}

/// Parameters of an automatic assignment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AutoAssign {
    /// The same seed on the same state gives the same assignment.
    pub seed: u64,
    /// Leave participants who are already in a room where they are.
    pub keep_existing: bool,
    /// Optional constraints.
    #[serde(default)]
    pub rules: AssignRules,
}

/// Constraints for an automatic assignment. When they cannot all be met the result says which broke.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AssignRules {
    /// Each group should end up in one room.
    #[serde(default)]
    pub together: Vec<Vec<ParticipantId>>,
    /// The members of each group should end up in different rooms.
    #[serde(default)]
    pub apart: Vec<Vec<ParticipantId>>,
    /// No room should hold more participants than this.
    #[serde(default)]
    pub max_per_room: Option<u32>,
}

impl Command {
    /// Commands only the server may issue; a client sending one is rejected.
    pub fn is_system_only(&self) -> bool {
        matches!(
            self,
            Command::Join { .. } | Command::SetPresence { .. } | Command::Tick
        )
    }

    /// Commands that need a moderator or co-moderator.
    pub fn needs_staff(&self) -> bool {
        !matches!(
            self,
            Command::Leave { .. }
                | Command::Move { .. }
                | Command::AskForHelp
                | Command::ResolveHelp { .. }
        ) && !self.is_system_only()
    }
}
