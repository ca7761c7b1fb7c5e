//! What the app holds between commands: its settings, the embedded endpoint once started, and the
//! session it is in. Starting and joining are sequences of client calls; the rules themselves live
//! in breakout-core and the endpoint.

use crate::embedded::EmbeddedEndpoint;
use crate::error::AppError;
use crate::live::Live;
use crate::settings::SettingsStore;
use crate::view::{Invites, LiveView};
use breakout_client::{Api, Client, ClientOptions, Credentials, Endpoint, Invite};
use breakout_core::protocol::JoinCodes;
use std::sync::Arc;
use tauri::{AppHandle, Runtime};
use tokio::sync::Mutex;

/// Managed by Tauri; one per app.
pub struct AppState {
    settings: SettingsStore,
    embedded: Mutex<Option<EmbeddedEndpoint>>,
    live: Mutex<Option<Arc<Live>>>,
    launch_invite: std::sync::Mutex<Option<String>>,
}

impl AppState {
    /// An app with no session yet, keeping its data as `settings` says.
    pub fn new(settings: SettingsStore) -> AppState {
        AppState {
            settings,
            embedded: Mutex::new(None),
            live: Mutex::new(None),
            launch_invite: std::sync::Mutex::new(None),
        }
    }

    /// The preferences store.
    pub fn settings(&self) -> &SettingsStore {
        &self.settings
    }

    /// Remember the invite link the app was launched with.
    pub fn set_launch_invite(&self, link: String) {
        *self.launch_invite.lock().expect("not poisoned") = Some(link);
    }

    /// The invite link the app was launched with, handed out once.
    pub async fn take_launch_invite(&self) -> Option<String> {
        self.launch_invite.lock().expect("not poisoned").take()
    }

    /// The session the app is in, if any.
    pub async fn live(&self) -> Option<Arc<Live>> {
        self.live.lock().await.clone()
    }

    /// The session the app is in, or the error a command needing one reports.
    pub async fn require_live(&self) -> Result<Arc<Live>, AppError> {
        self.live().await.ok_or_else(AppError::not_in_session)
    }

    /// Create a session (on the hosted endpoint if one is set, else the embedded one) and enter it as
    /// its moderator.
    pub async fn start_session<R: Runtime>(
        &self,
        app: AppHandle<R>,
        title: &str,
        name: &str,
    ) -> Result<LiveView, AppError> {
        let (endpoint, create_key) = match self.settings.hosted()? {
            Some(hosted) => (hosted.endpoint, hosted.create_key),
            None => (self.embedded_endpoint().await?, None),
        };
        let created = Api::new(endpoint.clone())
            .with_create_key(create_key.as_deref())
            .create_session(title, name)
            .await?;
        let codes = JoinCodes {
            participant_code: created.participant_code.clone(),
            co_moderator_code: created.co_moderator_code.clone(),
        };
        let invites = Invites::new(&endpoint, &created.session_id, codes);
        let who = Credentials {
            session: created.session_id.clone(),
            token: created.token.clone(),
        };
        self.enter(app, endpoint, who, Some(invites)).await
    }

    /// Join the session an invite link points to, under `name`.
    pub async fn join_session<R: Runtime>(
        &self,
        app: AppHandle<R>,
        link: &str,
        name: &str,
    ) -> Result<LiveView, AppError> {
        let invite = Invite::parse(link)?;
        let endpoint = self.settings.trusting_ca_file(invite.endpoint)?;
        let joined = Api::new(endpoint.clone())
            .join(&invite.session, &invite.code, name)
            .await?;
        let who = Credentials {
            session: invite.session.clone(),
            token: joined.token,
        };
        self.enter(app, endpoint, who, None).await
    }

    /// Leave the current session (the connection closes; the endpoint keeps serving others).
    pub async fn leave(&self) {
        self.live.lock().await.take();
    }

    /// Leave any session and stop the embedded endpoint, waiting until its data is on disk.
    pub async fn shut_down(&self) {
        self.leave().await;
        if let Some(embedded) = self.embedded.lock().await.take() {
            embedded.stop().await;
        }
    }

    async fn enter<R: Runtime>(
        &self,
        app: AppHandle<R>,
        endpoint: Endpoint,
        who: Credentials,
        invites: Option<Invites>,
    ) -> Result<LiveView, AppError> {
        let client =
            Client::connect(endpoint.clone(), who.clone(), ClientOptions::default()).await?;
        let live = Arc::new(Live::new(app, client, endpoint, who, invites));
        let view = live.view();
        *self.live.lock().await = Some(live);
        Ok(view)
    }

    /// The embedded endpoint's address, starting it (or restarting it with the current LAN setting
    /// while no session is open) as needed.
    async fn embedded_endpoint(&self) -> Result<Endpoint, AppError> {
        let on_lan = self.settings.load().share_on_lan;
        let in_session = self.live.lock().await.is_some();
        let mut embedded = self.embedded.lock().await;
        if let Some(running) = embedded.as_ref() {
            if running.on_lan() == on_lan || in_session {
                return Ok(running.endpoint().clone());
            }
        }
        if let Some(previous) = embedded.take() {
            previous.stop().await;
        }
        let started =
            EmbeddedEndpoint::start(&self.settings.data_dir().join("endpoint"), on_lan).await?;
        let endpoint = started.endpoint().clone();
        *embedded = Some(started);
        Ok(endpoint)
    }
}
