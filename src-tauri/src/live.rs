//! The session this app is in: the breakout-client connection, and a task that forwards every change
//! of the replica or the link to the web view as a fresh [`LiveView`], and every notice as a toast
//! (plus an OS notification while the window is in the background).

use crate::notify;
use crate::view::{Invites, LiveView, NOTICE_EVENT, VIEW_EVENT};
use breakout_client::{Client, Endpoint};
use breakout_core::Role;
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Runtime};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::{CancellationToken, DropGuard};

/// A joined session.
pub struct Live {
    link: Arc<Link>,
    _forwarding: DropGuard,
}

/// The connection and what the view shows besides the session.
struct Link {
    client: Client,
    endpoint: Endpoint,
    invites: Option<Invites>,
}

impl Link {
    fn view(&self) -> LiveView {
        let session = self.client.snapshot();
        let me = self.client.me();
        let role = session
            .participant(me)
            .map(|p| p.role)
            .unwrap_or(Role::Participant);
        LiveView {
            me,
            role,
            endpoint: self.endpoint.to_string(),
            session: (*session).clone(),
            connection: self.client.connection().borrow().clone(),
            invites: self.invites.clone(),
        }
    }
}

impl Live {
    /// Take over a connected client and start forwarding its changes to `app`'s windows.
    pub fn new<R: Runtime>(
        app: AppHandle<R>,
        client: Client,
        endpoint: Endpoint,
        invites: Option<Invites>,
    ) -> Live {
        let link = Arc::new(Link {
            client,
            endpoint,
            invites,
        });
        let stop = CancellationToken::new();
        tokio::spawn(forward(app, link.clone(), stop.clone()));
        Live {
            link,
            _forwarding: stop.drop_guard(),
        }
    }

    /// The session as this user sees it now.
    pub fn view(&self) -> LiveView {
        self.link.view()
    }

    /// The connection, for sending commands.
    pub fn client(&self) -> &Client {
        &self.link.client
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.link.client.close();
    }
}

async fn forward<R: Runtime>(app: AppHandle<R>, live: Arc<Link>, stop: CancellationToken) {
    let mut state = live.client.state();
    let mut connection = live.client.connection();
    let mut notices = live.client.notices();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            changed = state.changed() => if changed.is_err() { return },
            changed = connection.changed() => if changed.is_err() { return },
            notice = notices.recv() => match notice {
                Ok(notice) => {
                    notify::in_background(&app, &notice, &live.client.snapshot());
                    let _ = app.emit(NOTICE_EVENT, notice);
                    continue;
                }
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            },
        }
        let _ = app.emit(VIEW_EVENT, live.view());
    }
}
