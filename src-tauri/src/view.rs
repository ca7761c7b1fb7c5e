//! What the web view is told: the shapes of every command answer and event between the Rust side and
//! the UI. TypeScript types are generated from these (tests/bindings.rs), never written by hand.

use breakout_client::ConnectionState;
use breakout_core::{ParticipantId, Role, Session};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Name of the event carrying a fresh [`LiveView`] whenever the session or the link changes.
pub const VIEW_EVENT: &str = "view";
/// Name of the event carrying a [`breakout_client::Notice`] for this user (a toast; an OS notification if unfocused).
pub const NOTICE_EVENT: &str = "notice";
/// Name of the event carrying an invite link the OS handed to the app (a clicked `breakout://` link).
pub const INVITE_EVENT: &str = "invite";

/// The session this app is in, as this user sees it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LiveView {
    /// Who this app acts as.
    pub me: ParticipantId,
    /// This user's role.
    pub role: Role,
    /// The endpoint address in use (the embedded one or a hosted one).
    pub endpoint: String,
    /// The session, including this user's commands the endpoint has not answered yet.
    pub session: Session,
    /// The link to the endpoint.
    pub connection: ConnectionState,
    /// Invite links; only for the moderator who started the session.
    pub invites: Option<Invites>,
}

/// The two invite links of a session.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Invites {
    /// `breakout://join?...` with the participant code.
    pub participant: String,
    /// `breakout://join?...` with the co-moderator code.
    pub co_moderator: String,
}

/// Preferences the user can change; stored in the app's data directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Settings {
    /// A hosted endpoint (`https://…`) to start sessions on; none means the embedded endpoint.
    pub hosted_endpoint: Option<String>,
    /// Let people on the local network join the embedded endpoint (binds the LAN address).
    pub share_on_lan: bool,
}

/// The settings and what overrides them.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SettingsView {
    /// The stored preferences.
    pub settings: Settings,
    /// `BREAKOUT_ENDPOINT`, which wins over the stored hosted endpoint.
    pub endpoint_from_env: Option<String>,
    /// Where the app keeps its data.
    pub data_dir: String,
}
