//! The one error type commands hand to the UI: a stable code and a sentence for people. Every
//! failure below (a refused command, an unreachable endpoint, a bad link) is translated here once.

use breakout_client::ClientError;
use serde::Serialize;
use ts_rs::TS;

/// A failed command, as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// Machine-readable kind: `forbidden`, `invalid`, `conflict`, `not_found`, `network`,
    /// `timeout`, `not_in_session`, `storage`, `closed`, `untrusted` (a certificate), …
    pub code: String,
    /// What went wrong, for the user.
    pub message: String,
}

impl AppError {
    /// An error with `code` and `message`.
    pub fn new(code: &str, message: impl Into<String>) -> AppError {
        AppError {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// The user asked for something that needs a session while not in one.
    pub fn not_in_session() -> AppError {
        AppError::new("not_in_session", "you are not in a session")
    }
}

impl From<ClientError> for AppError {
    fn from(error: ClientError) -> AppError {
        let message = error.to_string();
        let code = match &error {
            ClientError::Rejected(rejection) => return rejection.clone().into(),
            ClientError::Api { code, .. } | ClientError::Server { code, .. } => wire_name(code),
            ClientError::BadEndpoint(_) | ClientError::BadInvite(_) | ClientError::BadCaFile(_) => {
                "invalid".into()
            }
            ClientError::Untrusted(_) => "untrusted".into(),
            ClientError::Network(_) => "network".into(),
            ClientError::Timeout(_) => "timeout".into(),
            ClientError::QueueFull(_) => "busy".into(),
            ClientError::Closed(_) => "closed".into(),
            ClientError::Cancelled => "cancelled".into(),
            ClientError::Checksum { .. } | ClientError::Io(_) => "storage".into(),
            ClientError::Protocol(_) => "protocol".into(),
        };
        AppError { code, message }
    }
}

impl From<breakout_core::Rejection> for AppError {
    fn from(rejection: breakout_core::Rejection) -> AppError {
        AppError::new(rejection.code(), rejection.to_string())
    }
}

fn wire_name(code: &impl Serialize) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "error".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use breakout_core::Rejection;

    #[test]
    fn client_errors_keep_their_wire_codes_and_reasons() {
        let refused = AppError::from(ClientError::Rejected(Rejection::Forbidden(
            "participants can only move themselves".into(),
        )));
        assert_eq!(
            refused,
            AppError::new("forbidden", "participants can only move themselves")
        );
        let api = AppError::from(ClientError::Api {
            status: 403,
            code: breakout_core::protocol::ErrorCode::Forbidden,
            message: "wrong join code".into(),
        });
        assert_eq!(api.code, "forbidden");
        assert!(api.message.contains("wrong join code"));
        let down = AppError::from(ClientError::Network("connection refused".into()));
        assert_eq!(down.code, "network");
    }
}
