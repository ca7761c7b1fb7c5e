//! Who is acting: a participant of the session, or the server itself (joins, presence, timers).

use crate::ids::ParticipantId;
use serde::{Deserialize, Serialize};

/// The author of a command. Roles are looked up in the session, never trusted from the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Actor {
    /// The server: allowed the system-only commands.
    System,
    /// A participant of the session, authenticated by the server.
    Participant(ParticipantId),
}
