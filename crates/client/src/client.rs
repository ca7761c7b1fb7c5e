//! The connected client: a replica of the session kept in step with the endpoint, commands with
//! optimistic local effect, and a connection that heals itself.
//!
//! A background task owns the WebSocket. It applies the endpoint's events to the *confirmed*
//! replica and publishes what the user should see: the confirmed replica with the still-unanswered
//! commands applied on top (optimistic). An ack or a rejection removes a command from that list, so
//! a rejected move rolls back by itself while its caller gets the reason. When the link drops, the
//! task reconnects with exponential backoff and jitter, resumes from its (epoch, version), and sends
//! the unanswered commands again under their original ids — the endpoint applies each once.

use crate::connection::{self, Incoming, Sender};
use crate::credentials::Credentials;
use crate::endpoint::Endpoint;
use crate::error::ClientError;
use crate::notice::{notices_for, Notice};
use breakout_core::protocol::{ClientMessage, CommandId, ServerMessage, CLOSE_REMOVED};
use breakout_core::view::apply_update;
use breakout_core::{apply, decide, Actor, Command, ParticipantId, Session, Timestamp};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

/// Tunables of a client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Most commands waiting for an answer (sent or queued while offline).
    pub queue_limit: usize,
    /// How long `send` waits for an answer.
    pub command_timeout: Duration,
    /// First reconnection delay; it doubles on each failure…
    pub backoff_start: Duration,
    /// …up to this.
    pub backoff_cap: Duration,
    /// A connection attempt (TCP and WebSocket handshake) that takes longer is given up.
    pub connect_timeout: Duration,
    /// A ping goes out after this long without traffic; a link silent for twice this is dead.
    pub heartbeat: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            queue_limit: 256,
            command_timeout: Duration::from_secs(10),
            backoff_start: Duration::from_millis(250),
            backoff_cap: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(10),
            heartbeat: Duration::from_secs(10),
        }
    }
}

/// The link to the endpoint, as a user interface shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConnectionState {
    /// Opening the connection.
    Connecting,
    /// Connected and in step.
    Online,
    /// Lost; the next attempt starts in `retry_in_ms`.
    Reconnecting {
        /// Failed attempts so far.
        attempt: u32,
        /// Delay before the next attempt.
        retry_in_ms: u64,
    },
    /// Stopped for good (closed, left the session, token no longer valid).
    Offline {
        /// Why.
        reason: String,
    },
    /// Staff removed this participant from the session: the token is revoked, so the client
    /// stopped for good and does not reconnect.
    Removed {
        /// What the endpoint said (its close reason), for people.
        reason: String,
    },
}

/// A command handed to the background task.
struct Queued {
    id: CommandId,
    command: Command,
    reply: oneshot::Sender<Result<u64, ClientError>>,
    deadline: Instant,
}

/// A command not answered yet.
struct Pending {
    id: CommandId,
    command: Command,
    reply: Option<oneshot::Sender<Result<u64, ClientError>>>,
    deadline: Instant,
    sent: bool,
}

/// A live connection to one session as one participant.
pub struct Client {
    me: ParticipantId,
    options: ClientOptions,
    commands: mpsc::Sender<Queued>,
    state: watch::Receiver<Arc<Session>>,
    connection: watch::Receiver<ConnectionState>,
    notices: broadcast::Sender<Notice>,
    stop: CancellationToken,
}

impl Client {
    /// Connect to a session and wait for its first snapshot.
    pub async fn connect(
        endpoint: Endpoint,
        who: Credentials,
        options: ClientOptions,
    ) -> Result<Client, ClientError> {
        let (sender, mut receiver) = open(&endpoint, &who, None, options.connect_timeout).await?;
        let (me, snapshot) = match receiver.next().await? {
            Incoming::Message(message, _) => match *message {
                ServerMessage::Welcome {
                    you,
                    snapshot: Some(snapshot),
                    ..
                } => (you, snapshot),
                other => {
                    return Err(ClientError::Protocol(format!(
                        "expected a welcome with a snapshot, got {other:?}"
                    )))
                }
            },
            other => {
                return Err(ClientError::Protocol(format!(
                    "expected a welcome with a snapshot, got {other:?}"
                )))
            }
        };
        let (state_tx, state) = watch::channel(Arc::new(snapshot.clone()));
        let (connection_tx, connection) = watch::channel(ConnectionState::Online);
        let (notices, _) = broadcast::channel(256);
        let (commands, commands_rx) = mpsc::channel(64);
        let stop = CancellationToken::new();
        let runtime = Runtime {
            endpoint,
            who,
            options: options.clone(),
            me,
            confirmed: snapshot,
            pending: VecDeque::new(),
            state_tx,
            connection_tx,
            notices: notices.clone(),
            commands: commands_rx,
            stop: stop.clone(),
            resuming: false,
        };
        tokio::spawn(runtime.run((sender, receiver)));
        Ok(Client {
            me,
            options,
            commands,
            state,
            connection,
            notices,
            stop,
        })
    }

    /// The participant this client acts as.
    pub fn me(&self) -> ParticipantId {
        self.me
    }

    /// The session as this participant sees it, including commands not yet answered.
    pub fn state(&self) -> watch::Receiver<Arc<Session>> {
        self.state.clone()
    }

    /// The current state once.
    pub fn snapshot(&self) -> Arc<Session> {
        self.state.borrow().clone()
    }

    /// The link to the endpoint.
    pub fn connection(&self) -> watch::Receiver<ConnectionState> {
        self.connection.clone()
    }

    /// Happenings to announce (subscribe before they happen).
    pub fn notices(&self) -> broadcast::Receiver<Notice> {
        self.notices.subscribe()
    }

    /// Send a command and wait (up to the default timeout) for the endpoint's answer: the session
    /// version its events reached, or why it was refused.
    pub async fn send(&self, command: Command) -> Result<u64, ClientError> {
        self.send_within(command, self.options.command_timeout)
            .await
    }

    /// Like [`Client::send`], waiting at most `timeout`. While offline the command waits in a queue;
    /// if the timeout passes before it could be sent it is withdrawn.
    pub async fn send_within(
        &self,
        command: Command,
        timeout: Duration,
    ) -> Result<u64, ClientError> {
        let (reply, answer) = oneshot::channel();
        let queued = Queued {
            id: new_command_id(),
            command,
            reply,
            deadline: Instant::now() + timeout,
        };
        let stopped = || ClientError::Closed("the client has stopped".into());
        self.commands.send(queued).await.map_err(|_| stopped())?;
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(stopped()),
            Err(_) => Err(ClientError::Timeout(timeout)),
        }
    }

    /// Wait until the state satisfies `ready`, at most `timeout`.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut ready: impl FnMut(&Session) -> bool,
    ) -> Result<Arc<Session>, ClientError> {
        let mut state = self.state.clone();
        let waited = tokio::time::timeout(timeout, async {
            loop {
                let now = state.borrow_and_update().clone();
                if ready(&now) {
                    return Ok(now);
                }
                if state.changed().await.is_err() {
                    return Err(ClientError::Closed("the client has stopped".into()));
                }
            }
        })
        .await;
        waited.unwrap_or(Err(ClientError::Timeout(timeout)))
    }

    /// Disconnect.
    pub fn close(&self) {
        self.stop.cancel();
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A random UUID (version 4) for a command.
fn new_command_id() -> CommandId {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the OS random number generator is available");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    CommandId(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

/// Why a connection ended.
enum End {
    /// The client was closed or dropped.
    Stopped,
    /// The endpoint will not take this participant any more.
    Refused(String),
    /// Staff removed this participant (close code [`CLOSE_REMOVED`]).
    Removed(String),
    /// The link broke; reconnect.
    Lost,
}

/// The background task behind a [`Client`].
struct Runtime {
    endpoint: Endpoint,
    who: Credentials,
    options: ClientOptions,
    me: ParticipantId,
    confirmed: Session,
    pending: VecDeque<Pending>,
    state_tx: watch::Sender<Arc<Session>>,
    connection_tx: watch::Sender<ConnectionState>,
    notices: broadcast::Sender<Notice>,
    commands: mpsc::Receiver<Queued>,
    stop: CancellationToken,
    /// A resume was requested after a gap; do not ask again until events line up.
    resuming: bool,
}

impl Runtime {
    async fn run(mut self, first: (Sender, connection::Receiver)) {
        let mut link = Some(first);
        // `Client::connect` read the first connection's welcome already.
        let mut welcomed = true;
        let mut attempt: u32 = 0;
        loop {
            if let Some((sender, receiver)) = link.take() {
                self.set_connection(ConnectionState::Online);
                let served = self.serve(sender, receiver, &mut attempt, welcomed).await;
                welcomed = false;
                match served {
                    End::Stopped => break,
                    End::Refused(reason) => {
                        self.go_offline(reason);
                        return;
                    }
                    End::Removed(reason) => {
                        self.stop_removed(reason);
                        return;
                    }
                    End::Lost => {}
                }
            }
            attempt += 1;
            let delay = backoff(attempt, &self.options);
            self.set_connection(ConnectionState::Reconnecting {
                attempt,
                retry_in_ms: delay.as_millis() as u64,
            });
            if !self.wait_offline(delay).await {
                break;
            }
            self.set_connection(ConnectionState::Connecting);
            let resume = Some((self.confirmed.epoch, self.confirmed.version));
            match open(
                &self.endpoint,
                &self.who,
                resume,
                self.options.connect_timeout,
            )
            .await
            {
                Ok(opened) => link = Some(opened),
                Err(ClientError::Api {
                    status: 401 | 403 | 404,
                    message,
                    ..
                })
                | Err(ClientError::Untrusted(message)) => {
                    self.go_offline(message);
                    return;
                }
                Err(_) => {}
            }
        }
        self.go_offline("closed".into());
    }

    /// Pump one live connection until it ends.
    async fn serve(
        &mut self,
        mut sender: Sender,
        mut receiver: connection::Receiver,
        attempt: &mut u32,
        welcomed: bool,
    ) -> End {
        self.resuming = false;
        // Commands whose callers gave up while we were away are withdrawn, not sent.
        self.expire_unsent();
        if self.send_pending(&mut sender).await.is_err() {
            return End::Lost;
        }
        // The first welcome of a connection follows the resend above; a later one with a snapshot
        // (after a resync) means unanswered commands may be lost and must go again.
        let mut greeted = welcomed;
        let heartbeat = self.options.heartbeat;
        let mut last_heard = tokio::time::Instant::now();
        let mut ping = tokio::time::interval_at(last_heard + heartbeat, heartbeat);
        loop {
            tokio::select! {
                _ = self.stop.cancelled() => {
                    sender.close().await;
                    return End::Stopped;
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() >= heartbeat * 2 || sender.ping().await.is_err() {
                        return End::Lost;
                    }
                }
                incoming = receiver.next() => {
                    last_heard = tokio::time::Instant::now();
                    match incoming {
                        Ok(Incoming::Message(message, _)) => {
                            *attempt = 0;
                            let resync = matches!(*message, ServerMessage::Welcome { snapshot: Some(_), .. }) && greeted;
                            greeted = true;
                            if let Some(reply) = self.on_message(*message) {
                                if sender.send(&reply).await.is_err() {
                                    return End::Lost;
                                }
                            }
                            if resync && self.send_pending(&mut sender).await.is_err() {
                                return End::Lost;
                            }
                        }
                        Ok(Incoming::Alive) => {}
                        // 1008: the endpoint will not serve this participant any more.
                        Ok(Incoming::Closed(Some((1008, reason)))) => return End::Refused(reason),
                        Ok(Incoming::Closed(Some((CLOSE_REMOVED, reason)))) => return End::Removed(reason),
                        Ok(Incoming::Closed(_)) | Err(_) => return End::Lost,
                    }
                }
                queued = self.commands.recv() => {
                    let Some(queued) = queued else {
                        sender.close().await;
                        return End::Stopped;
                    };
                    if let Some(message) = self.accept(queued, true) {
                        if sender.send(&message).await.is_err() {
                            return End::Lost;
                        }
                    }
                }
            }
        }
    }

    /// Send every unanswered command again under its id (the endpoint applies each once).
    async fn send_pending(&mut self, sender: &mut Sender) -> Result<(), ClientError> {
        for p in &mut self.pending {
            let message = ClientMessage::Command {
                id: p.id.clone(),
                command: p.command.clone(),
            };
            sender.send(&message).await?;
            p.sent = true;
        }
        Ok(())
    }

    /// Wait out a reconnection delay, queueing commands and withdrawing those whose time ran out.
    /// False when the client stopped meanwhile.
    async fn wait_offline(&mut self, delay: Duration) -> bool {
        let until = tokio::time::Instant::now() + delay;
        loop {
            self.expire_unsent();
            tokio::select! {
                _ = self.stop.cancelled() => return false,
                _ = tokio::time::sleep_until(until) => return true,
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                queued = self.commands.recv() => match queued {
                    Some(queued) => {
                        self.accept(queued, false);
                    }
                    None => return false,
                },
            }
        }
    }

    /// Take a new command into the pending list; returns the message to send when online.
    fn accept(&mut self, queued: Queued, online: bool) -> Option<ClientMessage> {
        if queued.deadline <= Instant::now() || queued.reply.is_closed() {
            let _ = queued.reply.send(Err(ClientError::Timeout(Duration::ZERO)));
            return None;
        }
        if self.pending.len() >= self.options.queue_limit {
            let _ = queued
                .reply
                .send(Err(ClientError::QueueFull(self.options.queue_limit)));
            return None;
        }
        let message = ClientMessage::Command {
            id: queued.id.clone(),
            command: queued.command.clone(),
        };
        self.pending.push_back(Pending {
            id: queued.id,
            command: queued.command,
            reply: Some(queued.reply),
            deadline: queued.deadline,
            sent: online,
        });
        self.publish();
        online.then_some(message)
    }

    fn expire_unsent(&mut self) {
        let now = Instant::now();
        let before = self.pending.len();
        self.pending.retain_mut(|p| {
            let abandoned = p.reply.as_ref().is_none_or(|r| r.is_closed());
            let expired = !p.sent && (p.deadline <= now || abandoned);
            if expired {
                if let Some(reply) = p.reply.take() {
                    let _ = reply.send(Err(ClientError::Timeout(Duration::ZERO)));
                }
            }
            !expired
        });
        if self.pending.len() != before {
            self.publish();
        }
    }

    /// Handle one server message; returns a message to send back (a resume after a gap).
    fn on_message(&mut self, message: ServerMessage) -> Option<ClientMessage> {
        let answer = match message {
            ServerMessage::Welcome { snapshot, .. } => {
                if let Some(snapshot) = snapshot {
                    self.confirmed = snapshot;
                    self.resuming = false;
                }
                None
            }
            ServerMessage::Event(update) => {
                let expected = self.confirmed.version + 1;
                if update.version < expected {
                    return None;
                }
                if update.version > expected {
                    if self.resuming {
                        return None;
                    }
                    self.resuming = true;
                    return Some(ClientMessage::Resume {
                        epoch: self.confirmed.epoch,
                        version: self.confirmed.version,
                    });
                }
                self.resuming = false;
                apply_update(&mut self.confirmed, &update);
                if let Some(event) = &update.event {
                    for notice in notices_for(event, self.me, &self.confirmed) {
                        let _ = self.notices.send(notice);
                    }
                }
                None
            }
            ServerMessage::Ack { id, version } => Some((id, Ok(version))),
            ServerMessage::Rejected { id, rejection } => {
                Some((id, Err(ClientError::Rejected(rejection))))
            }
            ServerMessage::Error {
                id: Some(id),
                code,
                message,
            } => Some((id, Err(ClientError::Server { code, message }))),
            ServerMessage::Error { id: None, .. } => None,
        };
        // The answered command leaves the optimistic state before its caller hears back, so a caller
        // reading the state right after the answer sees it as it now is.
        let reply = answer.and_then(|(id, result)| {
            let i = self.pending.iter().position(|p| p.id == id)?;
            let reply = self.pending.remove(i)?.reply?;
            Some((reply, result))
        });
        self.publish();
        if let Some((reply, result)) = reply {
            let _ = reply.send(result);
        }
        None
    }

    /// Publish the confirmed replica with unanswered commands applied on top.
    fn publish(&self) {
        let mut view = self.confirmed.clone();
        let now = Timestamp(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
        );
        for p in &self.pending {
            if let Ok(events) = decide(&view, Actor::Participant(self.me), now, &p.command) {
                for event in &events {
                    apply(&mut view, event);
                }
            }
        }
        let _ = self.state_tx.send(Arc::new(view));
    }

    /// Publish the link's state, waking watchers only when it really changes.
    fn set_connection(&self, state: ConnectionState) {
        self.connection_tx.send_if_modified(|current| {
            let changed = *current != state;
            *current = state;
            changed
        });
    }

    fn go_offline(&mut self, reason: String) {
        self.fail_pending(&reason);
        self.set_connection(ConnectionState::Offline { reason });
    }

    /// Removed by staff: announce it, fail what waits, and stop for good.
    fn stop_removed(&mut self, reason: String) {
        self.fail_pending(&reason);
        let _ = self.notices.send(Notice::Removed {
            reason: reason.clone(),
        });
        self.set_connection(ConnectionState::Removed { reason });
    }

    fn fail_pending(&mut self, reason: &str) {
        for p in self.pending.drain(..) {
            if let Some(reply) = p.reply {
                let _ = reply.send(Err(ClientError::Closed(reason.to_owned())));
            }
        }
    }
}

/// Open a connection, giving up after `limit`.
async fn open(
    endpoint: &Endpoint,
    who: &Credentials,
    resume: Option<(u64, u64)>,
    limit: Duration,
) -> Result<(Sender, connection::Receiver), ClientError> {
    tokio::time::timeout(limit, connection::open(endpoint, who, resume))
        .await
        .unwrap_or_else(|_| {
            Err(ClientError::Network(format!(
                "no answer from the endpoint within {limit:?}"
            )))
        })
}

/// Exponential backoff with ±50 % jitter, capped.
fn backoff(attempt: u32, options: &ClientOptions) -> Duration {
    let base = options
        .backoff_start
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(options.backoff_cap);
    let mut byte = [0u8; 1];
    let _ = getrandom::fill(&mut byte);
    let factor = 0.5 + f64::from(byte[0]) / 255.0;
    base.mul_f64(factor).min(options.backoff_cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let options = ClientOptions::default();
        assert!(backoff(1, &options) <= Duration::from_millis(375));
        assert!(backoff(3, &options) >= Duration::from_millis(500));
        for attempt in 1..40 {
            assert!(backoff(attempt, &options) <= options.backoff_cap);
        }
    }

    #[test]
    fn command_ids_are_version_4_uuids() {
        let a = new_command_id();
        assert_eq!(a.0.len(), 36);
        assert_eq!(&a.0[14..15], "4");
        assert_ne!(a, new_command_id());
    }
}
