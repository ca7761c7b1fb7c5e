//! What the client can fail with, as one typed enum so callers (the desktop shell, the CLI) can show
//! a precise reason and decide whether to retry.

use breakout_core::protocol::ErrorCode;
use breakout_core::Rejection;

/// A failed client operation.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The endpoint URL is not a usable http(s) address.
    #[error("invalid endpoint address: {0}")]
    BadEndpoint(String),
    /// A CA certificate file that cannot be used.
    #[error("invalid CA certificate file: {0}")]
    BadCaFile(String),
    /// The endpoint's TLS certificate is not trusted, or is not the one the invite link names.
    #[error("untrusted server: {0}")]
    Untrusted(String),
    /// An invite link that cannot be used.
    #[error("invalid invite link: {0}")]
    BadInvite(String),
    /// The endpoint answered with an error.
    #[error("{message} ({status})")]
    Api {
        /// HTTP status.
        status: u16,
        /// The endpoint's error code.
        code: ErrorCode,
        /// The endpoint's explanation.
        message: String,
    },
    /// The endpoint could not be reached or the connection broke.
    #[error("endpoint unreachable: {0}")]
    Network(String),
    /// The session refused the command; nothing changed.
    #[error("{0}")]
    Rejected(Rejection),
    /// The endpoint answered a command with a protocol error.
    #[error("{message}")]
    Server {
        /// The endpoint's error code.
        code: ErrorCode,
        /// The endpoint's explanation.
        message: String,
    },
    /// No answer within the time the caller allowed. A command that was already sent may still be
    /// applied later; one that was still queued was withdrawn.
    #[error("no answer within {0:?}")]
    Timeout(std::time::Duration),
    /// Too many commands are waiting for a connection.
    #[error("too many commands are waiting to be sent ({0}); try again when online")]
    QueueFull(usize),
    /// The client stopped for good (closed, or the session no longer accepts this participant).
    #[error("disconnected: {0}")]
    Closed(String),
    /// The operation was cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
    /// A downloaded file did not match its SHA-256; it was not kept.
    #[error("download corrupted: expected sha256 {expected}, got {actual}")]
    Checksum {
        /// What the document should hash to.
        expected: String,
        /// What arrived.
        actual: String,
    },
    /// A local file could not be read or written.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// The endpoint sent something this client does not understand.
    #[error("unexpected message from the endpoint: {0}")]
    Protocol(String),
}

impl From<reqwest::Error> for ClientError {
    fn from(e: reqwest::Error) -> Self {
        crate::tls::certificate_problem(&e)
            .unwrap_or_else(|| ClientError::Network(network_detail(&e)))
    }
}

impl From<tokio_tungstenite::tungstenite::Error> for ClientError {
    fn from(e: tokio_tungstenite::tungstenite::Error) -> Self {
        crate::tls::certificate_problem(&e).unwrap_or_else(|| ClientError::Network(e.to_string()))
    }
}

/// A network error with its causes ("error sending request" alone does not say what went wrong).
fn network_detail(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        next = cause.source();
    }
    text
}
