//! What the web view is told: the shapes of every command answer and event between the Rust side and
//! the UI. TypeScript types are generated from these (tests/bindings.rs), never written by hand.

use breakout_client::{ConnectionState, LinkSecurity};
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
    /// Whether the link to the endpoint is encrypted; the UI marks a plain link.
    pub security: LinkSecurity,
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

impl Invites {
    /// The invite links of `session` on `endpoint` for these join codes.
    pub fn new(
        endpoint: &breakout_client::Endpoint,
        session: &breakout_core::SessionId,
        codes: breakout_core::protocol::JoinCodes,
    ) -> Invites {
        let link = |code: String| {
            breakout_client::Invite {
                endpoint: endpoint.clone(),
                session: session.clone(),
                code,
            }
            .to_link()
        };
        Invites {
            participant: link(codes.participant_code),
            co_moderator: link(codes.co_moderator_code),
        }
    }
}

/// Preferences the user can change; stored in the app's data directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Settings {
    /// A hosted endpoint (`https://…`) to start sessions on; none means the embedded endpoint.
    pub hosted_endpoint: Option<String>,
    /// Let people on the local network join the embedded endpoint (binds the LAN address).
    pub share_on_lan: bool,
    /// The watched library folder; none means `Breakout` in the user's documents folder.
    pub library_folder: Option<String>,
    /// A PEM file of extra CA certificates to trust for the hosted endpoint (a private deployment).
    #[serde(default)]
    pub ca_file: Option<String>,
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
    /// Whether a key for creating sessions on the hosted endpoint is stored (the key itself never
    /// leaves the Rust side).
    pub has_create_key: bool,
}

/// Name of the event carrying every upload and download of this run, as a list of [`Transfer`]s.
pub const TRANSFERS_EVENT: &str = "transfers";
/// Name of the event carrying the local library ([`LibraryView`]) whenever its folder changes.
pub const LIBRARY_EVENT: &str = "library";

/// An upload or download with its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Transfer {
    /// Unique within this run of the app; used to cancel.
    pub id: u64,
    /// Upload or download.
    pub kind: TransferKind,
    /// File name.
    pub name: String,
    /// Bytes moved so far.
    pub done: u64,
    /// Bytes in all.
    pub total: u64,
    /// Where it stands.
    pub state: TransferState,
    /// Why it failed, for people.
    pub error: Option<String>,
}

/// Which way a transfer goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    /// To the session library.
    Upload,
    /// From the session to this computer.
    Download,
}

/// Where a transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TransferState {
    /// Moving bytes.
    Running,
    /// Finished and verified.
    Done,
    /// Stopped by an error (see `error`).
    Failed,
    /// Stopped by the user.
    Cancelled,
}

/// The moderator's local library: the files of the watched folder, available offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct LibraryView {
    /// The watched folder.
    pub folder: String,
    /// Its files (not sub-folders), by name.
    pub files: Vec<LibraryFile>,
    /// Why the folder cannot be read or watched, if it cannot.
    pub error: Option<String>,
    /// Grows with every reading of the folder: of two views, the one with the larger revision is
    /// newer (events and command answers may reach the UI out of order).
    pub revision: u64,
}

/// One file of the local library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct LibraryFile {
    /// File name (also how a plan refers to it).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Hex SHA-256 of its bytes (what tells whether the session already has it).
    pub sha256: String,
}

/// What applying a plan did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct ApplyReport {
    /// Library files uploaded now.
    pub uploaded: u32,
    /// Library files the session already had (same bytes), not sent again.
    pub already_uploaded: u32,
    /// Commands sent to set up rooms, shares and assignments.
    pub commands: u32,
    /// Planned documents missing from the library folder.
    pub missing_documents: Vec<String>,
}
