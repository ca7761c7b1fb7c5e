//! Identifiers and time values shared by the model, the commands and the wire.
//!
//! Numeric ids are assigned by the core itself (from counters kept in the session), so every replica
//! names things the same way. String ids come from outside: the server picks session ids and derives
//! document ids from content hashes.

use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

/// A participant of one session (moderators and co-moderators are participants too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
pub struct ParticipantId(pub u64);

/// A breakout room of one session. The main room has no id: it is `Location::Main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
pub struct RoomId(pub u32);

/// A help request raised by a participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
pub struct HelpId(pub u64);

/// A call-to-action broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
pub struct CallId(pub u64);

/// A session, chosen by the server (opaque to the core).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
pub struct SessionId(pub String);

/// A document of the session library, chosen by the server (opaque to the core).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
pub struct DocumentId(pub String);

/// Milliseconds since the Unix epoch. The core never reads a clock: callers pass time in.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS,
)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// This instant plus a number of minutes (saturating, so a huge value cannot wrap around).
    pub fn plus_minutes(self, minutes: u32) -> Timestamp {
        Timestamp(self.0.saturating_add(u64::from(minutes) * 60_000))
    }
}

macro_rules! display_as_inner {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}
display_as_inner!(ParticipantId, RoomId, HelpId, CallId, SessionId, DocumentId);
