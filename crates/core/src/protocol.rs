//! The wire contract between clients and the sync endpoint: WebSocket messages in both directions and
//! the JSON bodies of the HTTP API. docs/protocol.md describes each one; the TypeScript types in
//! `ui/src/generated/` are generated from these definitions.

use crate::command::Command;
use crate::ids::{ParticipantId, SessionId};
use crate::rejection::Rejection;
use crate::session::{Role, Session};
use crate::view::ViewerUpdate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Raised on any incompatible change to the messages below; sent in `welcome`.
pub const PROTOCOL_VERSION: u32 = 1;

/// A client-chosen command id (a UUID). A command retried with the same id is applied once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
pub struct CommandId(pub String);

/// Client → server WebSocket messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Ask the session to do something; answered by `ack` or `rejected` with the same id.
    Command {
        /// Chosen by the client; retries reuse it.
        id: CommandId,
        /// What to do.
        command: Command,
    },
    /// After reconnecting: send me what I missed since this point.
    Resume {
        /// The epoch of the client's replica.
        epoch: u64,
        /// The version of the client's replica.
        version: u64,
    },
}

/// Server → client WebSocket messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// First message on every connection, and the answer to a resume that cannot be replayed.
    Welcome {
        /// [`PROTOCOL_VERSION`] of the server.
        protocol: u32,
        /// The connected participant.
        you: ParticipantId,
        /// The session's epoch now.
        epoch: u64,
        /// The session's version now.
        version: u64,
        /// The session as this participant may see it; null when the connection resumes by replay
        /// (the missed events follow, the last one with the current room view).
        snapshot: Option<Session>,
    },
    /// One event, as this participant may see it.
    Event(ViewerUpdate),
    /// The command with this id was applied; the session reached `version`.
    Ack {
        /// The command's id.
        id: CommandId,
        /// Session version once the command's events were applied.
        version: u64,
    },
    /// The command with this id was refused and changed nothing.
    Rejected {
        /// The command's id.
        id: CommandId,
        /// Why.
        rejection: Rejection,
    },
    /// A problem with the connection or a message that could not be read as a command.
    Error {
        /// The command this answers, when the message had a readable id.
        id: Option<CommandId>,
        /// Machine-readable kind.
        code: ErrorCode,
        /// For people.
        message: String,
    },
}

/// Kinds of protocol-level errors, shared by the HTTP API (as JSON bodies) and the WebSocket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body or message is not valid JSON of the expected shape.
    Malformed,
    /// A WebSocket message with an unknown `type`.
    UnknownMessageType,
    /// A `command` whose command `type` is unknown.
    UnknownCommand,
    /// A field is out of range or otherwise invalid.
    Invalid,
    /// Missing, malformed or unknown token.
    Unauthorized,
    /// Wrong join code, or a role that may not do this.
    Forbidden,
    /// No such session, document or route.
    NotFound,
    /// A message or upload over the size limit.
    TooLarge,
    /// Too many requests or commands; slow down.
    RateLimited,
    /// The state does not allow this now.
    Conflict,
    /// The server is shutting down, busy, or the session is not available; retry later.
    Unavailable,
    /// A request was too slow: its body stalled or arrived below the minimum rate. Nothing was kept.
    Timeout,
    /// The upload would take the session's documents over its disk quota. Nothing was kept.
    InsufficientStorage,
    /// Something failed on the server; nothing was changed.
    Internal,
}

/// JSON body of every HTTP error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ApiError {
    /// Machine-readable kind.
    pub code: ErrorCode,
    /// For people.
    pub message: String,
}

/// `POST /v1/sessions`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CreateSessionRequest {
    /// Session title.
    pub title: String,
    /// The moderator's display name.
    pub moderator_name: String,
}

/// Answer to `POST /v1/sessions` (201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CreateSessionResponse {
    /// The new session.
    pub session_id: SessionId,
    /// The moderator's participant id.
    pub participant_id: ParticipantId,
    /// The moderator's secret token (Bearer); shown once.
    pub token: String,
    /// Code for participants to join with.
    pub participant_code: String,
    /// Code for co-moderators to join with.
    pub co_moderator_code: String,
}

/// `POST /v1/sessions/{id}/join`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct JoinRequest {
    /// A participant or co-moderator join code.
    pub code: String,
    /// Display name.
    pub name: String,
}

/// Answer to `POST /v1/sessions/{id}/join`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct JoinResponse {
    /// The new participant's id.
    pub participant_id: ParticipantId,
    /// Their secret token (Bearer); shown once.
    pub token: String,
    /// The role the code granted.
    pub role: Role,
}

/// Answer to `POST /v1/sessions/{id}/codes` (staff): the new join codes; the old ones stop working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct JoinCodes {
    /// Code for participants to join with.
    pub participant_code: String,
    /// Code for co-moderators to join with.
    pub co_moderator_code: String,
}

/// WebSocket close code of a connection whose participant was removed from the session (an
/// application code, 4000–4999). A client receiving it stops reconnecting: its token is revoked.
pub const CLOSE_REMOVED: u16 = 4001;

/// The close reason sent with [`CLOSE_REMOVED`], for people.
pub const REMOVED_REASON: &str = "You were removed from this session";

/// HTTP header carrying an upload's file name, percent-encoded UTF-8 (headers are ASCII).
pub const FILE_NAME_HEADER: &str = "x-file-name";

/// Percent-encode a file name for [`FILE_NAME_HEADER`]: every byte but RFC 3986's unreserved ones.
pub fn encode_file_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decode a percent-encoded file name; None when the escapes or the UTF-8 are malformed.
pub fn decode_file_name(encoded: &str) -> Option<String> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::{decode_file_name, encode_file_name};

    #[test]
    fn file_names_round_trip_and_garbage_is_refused() {
        let name = "Übung 1 (final).pdf";
        assert_eq!(
            decode_file_name(&encode_file_name(name)).as_deref(),
            Some(name)
        );
        assert_eq!(decode_file_name("%zz"), None);
        assert_eq!(decode_file_name("%C3"), None);
    }
}
