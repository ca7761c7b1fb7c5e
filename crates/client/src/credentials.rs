//! Who the client acts as: a session id and that participant's secret token. The token never shows
//! up in logs or debug output.

use breakout_core::SessionId;
use std::fmt;

/// A session and a bearer token for it.
#[derive(Clone)]
pub struct Credentials {
    /// The session.
    pub session: SessionId,
    /// The participant's secret token.
    pub token: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("session", &self.session)
            .field("token", &"<redacted>")
            .finish()
    }
}
