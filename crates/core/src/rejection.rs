//! Why a command was refused. Every refusal names its kind (for programs) and says in words what was
//! wrong (for people). A rejected command changes nothing.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A refused command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize, TS)]
#[serde(tag = "code", content = "message", rename_all = "snake_case")]
pub enum Rejection {
    /// The acting participant's role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// A participant, room, document or request named in the command does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The command is malformed: empty or too long text, a count out of range, a bad link.
    #[error("{0}")]
    Invalid(String),
    /// The command does not fit the current state (e.g. rooms are not open).
    #[error("{0}")]
    Conflict(String),
}

impl Rejection {
    /// The machine-readable kind, as on the wire.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Forbidden(_) => "forbidden",
            Rejection::NotFound(_) => "not_found",
            Rejection::Invalid(_) => "invalid",
            Rejection::Conflict(_) => "conflict",
        }
    }
}
