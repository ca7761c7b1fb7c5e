//! The session this app is in: the breakout-client connection, and a task that forwards every change
//! of the replica or the link to the web view as a fresh [`LiveView`], and every notice as a toast
//! (plus an OS notification while the window is in the background).

use crate::notify;
use crate::view::{Invites, LiveView, NOTICE_EVENT, VIEW_EVENT};
use breakout_client::{Api, Client, ClientError, Credentials, Endpoint};
use breakout_core::plan::{late_joiner_move, RoomPlan};
use breakout_core::{ParticipantId, Role};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::{AppHandle, Emitter, Runtime};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, DropGuard};

/// A joined session.
pub struct Live {
    link: Arc<Link>,
    _forwarding: DropGuard,
    late_joiners: Mutex<Option<DropGuard>>,
}

/// The connection and what the view shows besides the session.
struct Link {
    client: Client,
    endpoint: Endpoint,
    who: Credentials,
    /// Replaced when staff rotate the join codes from this app.
    invites: Mutex<Option<Invites>>,
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
            security: self.endpoint.security(),
            session: (*session).clone(),
            connection: self.client.connection().borrow().clone(),
            invites: self.invites.lock().expect("not poisoned").clone(),
        }
    }
}

impl Live {
    /// Take over a connected client and start forwarding its changes to `app`'s windows.
    pub fn new<R: Runtime>(
        app: AppHandle<R>,
        client: Client,
        endpoint: Endpoint,
        who: Credentials,
        invites: Option<Invites>,
    ) -> Live {
        let link = Arc::new(Link {
            client,
            endpoint,
            who,
            invites: Mutex::new(invites),
        });
        let stop = CancellationToken::new();
        tokio::spawn(forward(app, link.clone(), stop.clone()));
        Live {
            link,
            _forwarding: stop.drop_guard(),
            late_joiners: Mutex::new(None),
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

    /// HTTP access to the session's endpoint (documents).
    pub fn api(&self) -> Api {
        Api::new(self.link.endpoint.clone())
    }

    /// Who this app is in the session.
    pub fn credentials(&self) -> &Credentials {
        &self.link.who
    }

    /// Replace the session's join codes (staff only; the endpoint checks): the old invite links
    /// stop working and this app shows the new ones from now on.
    pub async fn rotate_codes(&self) -> Result<LiveView, ClientError> {
        let link = &self.link;
        let codes = self.api().rotate_codes(&link.who).await?;
        let invites = Invites::new(&link.endpoint, &link.who.session, codes);
        *link.invites.lock().expect("not poisoned") = Some(invites);
        Ok(link.view())
    }

    /// From now on, place everyone who joins as `plan` says (replacing an earlier plan).
    pub fn place_late_joiners(&self, plan: RoomPlan) {
        let stop = CancellationToken::new();
        tokio::spawn(place_late_joiners(self.link.clone(), plan, stop.clone()));
        *self.late_joiners.lock().expect("not poisoned") = Some(stop.drop_guard());
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.link.client.close();
    }
}

/// The web view gets a fresh view at most this often: a storm of changes (a thousand people joining)
/// is shown as it stands every couple of frames instead of being parsed and rendered a thousand times.
const VIEW_INTERVAL: Duration = Duration::from_millis(33);

async fn forward<R: Runtime>(app: AppHandle<R>, live: Arc<Link>, stop: CancellationToken) {
    let mut state = live.client.state();
    let mut connection = live.client.connection();
    let mut notices = live.client.notices();
    let mut next_view = Instant::now();
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
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep_until(next_view) => {}
        }
        // What changed while waiting is in the view sent now; only later changes call for another.
        state.borrow_and_update();
        connection.borrow_and_update();
        let _ = app.emit(VIEW_EVENT, live.view());
        next_view = Instant::now() + VIEW_INTERVAL;
    }
}

/// Watch the session and send each newcomer where the plan puts them. People present when the plan
/// was applied were placed by the apply itself.
async fn place_late_joiners(link: Arc<Link>, plan: RoomPlan, stop: CancellationToken) {
    let mut state = link.client.state();
    let mut seen: HashSet<ParticipantId> = state
        .borrow_and_update()
        .participants
        .iter()
        .map(|p| p.id)
        .collect();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            changed = state.changed() => if changed.is_err() { return },
        }
        let session = state.borrow_and_update().clone();
        for participant in &session.participants {
            if !seen.insert(participant.id) {
                continue;
            }
            if let Some(command) = late_joiner_move(&plan, &session, participant) {
                if let Err(error) = link.client.send(command).await {
                    eprintln!("breakout: could not place {}: {error}", participant.name);
                }
            }
        }
    }
}
