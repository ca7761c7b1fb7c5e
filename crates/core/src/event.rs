//! Events: facts that happened to a session. `decide` produces them, `apply` folds them into the
//! state, the server journals them and fans them out. They carry everything a replica needs, so
//! applying the same events in the same order gives the same state everywhere.

use crate::ids::{DocumentId, HelpId, ParticipantId, RoomId, Timestamp};
use crate::session::{CallToAction, Document, HelpRequest, Location, Participant, Room, Sharing};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One change to a session. Each event raises the session's version by one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Someone joined (in the main room).
    ParticipantJoined {
        /// The new participant.
        participant: Participant,
    },
    /// Someone left; their help requests are dropped and requests they had taken reopen.
    ParticipantLeft {
        /// Who left.
        participant: ParticipantId,
    },
    /// A staff member removed someone; as for a leave, their help requests are dropped and requests
    /// they had taken reopen. Their token no longer works.
    ParticipantRemoved {
        /// Who was removed.
        participant: ParticipantId,
        /// The staff member who removed them.
        by: ParticipantId,
    },
    /// A staff member replaced both join codes (the codes themselves are never in an event).
    JoinCodesRotated {
        /// Who rotated them.
        by: ParticipantId,
    },
    /// People came online or went offline.
    PresenceChanged {
        /// Whose presence changed.
        participants: Vec<ParticipantId>,
        /// Online now?
        online: bool,
    },
    /// Rooms were appended to the room list.
    RoomsAdded {
        /// The new rooms, in display order.
        rooms: Vec<Room>,
    },
    /// Rooms were removed; their people went to main, shares and help requests for them were dropped.
    RoomsRemoved {
        /// The removed rooms.
        rooms: Vec<RoomId>,
    },
    /// A room got a new name.
    RoomRenamed {
        /// Which room.
        room: RoomId,
        /// Its new name.
        name: String,
    },
    /// Breakout rooms opened.
    BreakoutsOpened {
        /// When they stop by themselves, if set.
        ends_at: Option<Timestamp>,
    },
    /// Breakout rooms stopped; everyone is back in main and the help queue is empty.
    BreakoutsStopped,
    /// People moved (one drag, a bring-back, or a whole auto-assignment: always one event).
    ParticipantsMoved {
        /// Grouped by destination.
        placements: Vec<Placement>,
        /// Auto-assign rules that could not be met (empty otherwise).
        broken_rules: Vec<BrokenRule>,
    },
    /// Free movement was switched on or off.
    FreeMovementSet {
        /// Allowed now?
        on: bool,
    },
    /// A document entered the library (unshared).
    DocumentAdded {
        /// The document.
        document: Document,
    },
    /// A document's sharing changed; this is its whole new sharing.
    DocumentSharingSet {
        /// Which document.
        document: DocumentId,
        /// Where it is shared now.
        sharing: Sharing,
    },
    /// A call-to-action went out.
    CallToActionSent {
        /// The call.
        call: CallToAction,
    },
    /// A participant asked for help.
    HelpRequested {
        /// The request.
        request: HelpRequest,
    },
    /// A staff member took a help request.
    HelpTaken {
        /// Which request.
        request: HelpId,
        /// Who asked for help (so the asker can be told without looking the request up).
        asker: ParticipantId,
        /// Who took it.
        by: ParticipantId,
    },
    /// A help request was resolved and left the queue.
    HelpResolved {
        /// Which request.
        request: HelpId,
        /// Who asked for help.
        asker: ParticipantId,
        /// Who resolved it.
        by: ParticipantId,
    },
}

/// Several people moving to the same place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Placement {
    /// Where they go.
    pub to: Location,
    /// Who goes there.
    pub participants: Vec<ParticipantId>,
}

/// An auto-assign rule that could not be satisfied, so the users know what to fix by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum BrokenRule {
    /// A keep-together group is not in one room (larger than the cap, or kept apart already).
    Together {
        /// Index of the group in `rules.together`.
        group: u32,
    },
    /// Two members of a keep-apart group share a room (more members than rooms, or kept together).
    Apart {
        /// Index of the group in `rules.apart`.
        group: u32,
    },
    /// The room cap could not be kept: people stayed in main, or kept people already overfill rooms.
    MaxPerRoom {
        /// How many people could not be placed and stayed in the main room.
        unplaced: u32,
        /// Rooms holding more than the cap (because their people were kept).
        rooms_over: Vec<RoomId>,
    },
}
