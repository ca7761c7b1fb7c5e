//! The owner of one session: a task that alone holds the authoritative state. Requests arrive in its
//! mailbox one at a time, so there are no locks around session state; each command is decided,
//! applied, journaled durably, fanned out and only then acknowledged.

mod fanout;
mod handle;
mod recent;
mod safety;
mod unload;
mod welcome;

pub(crate) use fanout::encode;
pub(crate) use handle::{ConnId, NewDocument, Outbox, Request, ResumePoint, SessionHandle};

use crate::context::Context;
use crate::error::HttpError;
use crate::slots::Retire;
use crate::storage::{Batch, LoadedSession, SessionRecord, StorageError, StoredEvent};
use breakout_core::protocol::{CommandId, ErrorCode, JoinResponse, ServerMessage};
use breakout_core::view::{replay_update, room_view, Projection};
use breakout_core::{
    apply, decide, Actor, Command, Event, Participant, ParticipantId, Rejection, Role, Session,
    Timestamp,
};
use fanout::Subscriber;
use recent::RecentCommands;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// Requests queued for one session before senders wait.
const MAILBOX: usize = 4096;
/// Command ids remembered for retries.
const RECENT_COMMANDS: usize = 10_000;

/// Server time as the core wants it.
pub(crate) fn now() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    Timestamp(ms)
}

/// Why a command did not go through.
enum Failure {
    Rejected(Rejection),
    Storage(StorageError),
}

/// The session owner's state.
struct Owner {
    ctx: Arc<Context>,
    record: SessionRecord,
    state: Session,
    /// SHA-256 of each token → its participant.
    tokens: HashMap<String, ParticipantId>,
    /// The latest events, for resuming clients by replay.
    ring: VecDeque<(u64, Arc<Event>)>,
    recent: RecentCommands,
    subscribers: HashMap<ConnId, Subscriber>,
    /// Open connections per participant (presence).
    connections: HashMap<ParticipantId, usize>,
    /// Per participant, bumped each time their last connection closes, so an older grace timer
    /// knows it is stale.
    away_since: HashMap<ParticipantId, u64>,
    /// Presence changes waiting to be flushed as one event each way.
    presence_due: std::collections::BTreeMap<ParticipantId, bool>,
    /// When they will be flushed.
    presence_flush_at: Option<tokio::time::Instant>,
    next_conn: ConnId,
    since_snapshot: u64,
    mailbox: mpsc::WeakSender<Request>,
    /// Set after a restore from storage: every connection resyncs from a snapshot once the current
    /// request has been answered.
    resync_everyone: bool,
    /// People who left since the last [`Owner::settle`]: their connections get nothing more.
    left: Vec<ParticipantId>,
    /// People staff removed while this owner ran: their connections close with the removal reason.
    removed: HashSet<ParticipantId>,
    /// Serialized welcome snapshots of the current version.
    snapshots: welcome::Snapshots,
    /// Set when storage failed and memory could not be brought back in line: the task stops and the
    /// registry loads the session afresh on next use.
    broken: bool,
    /// Since when nobody has been connected and nothing has happened (see `unload.rs`).
    idle_since: Option<tokio::time::Instant>,
    /// Asks the registry whether this owner may leave memory.
    retire: Retire,
}

/// Start the owner task of a session read from storage (or just created) and return its handle.
/// When idle, the owner asks `retire` whether to leave memory.
pub(crate) fn spawn(
    ctx: Arc<Context>,
    loaded: LoadedSession,
    retire: Retire,
) -> Result<SessionHandle, HttpError> {
    let LoadedSession {
        record,
        snapshot,
        events,
        tokens,
    } = loaded;
    let mut state = snapshot;
    let mut ring = VecDeque::new();
    let mut recent = RecentCommands::new(RECENT_COMMANDS);
    for stored in events {
        if stored.version > state.version {
            if stored.version != state.version + 1 {
                return Err(HttpError::internal(
                    "journal",
                    format!(
                        "gap after version {} in session {}",
                        state.version, state.id
                    ),
                ));
            }
            apply(&mut state, &stored.event);
        }
        if let Some(key) = stored.command_id {
            recent.insert(key, stored.version);
        }
        ring.push_back((stored.version, Arc::new(stored.event)));
    }
    breakout_core::invariants::check(&state)
        .map_err(|broken| HttpError::internal("restored session is inconsistent", broken))?;

    let (tx, rx) = mpsc::channel(MAILBOX);
    let owner = Owner {
        ctx: ctx.clone(),
        record,
        state,
        tokens: tokens.into_iter().collect(),
        ring,
        recent,
        subscribers: HashMap::new(),
        connections: HashMap::new(),
        away_since: HashMap::new(),
        presence_due: std::collections::BTreeMap::new(),
        presence_flush_at: None,
        next_conn: 1,
        since_snapshot: 0,
        mailbox: tx.downgrade(),
        broken: false,
        idle_since: None,
        retire,
        resync_everyone: false,
        left: Vec::new(),
        removed: HashSet::new(),
        snapshots: welcome::Snapshots::default(),
    };
    ctx.metrics.session_loaded();
    ctx.tasks.spawn(owner.run(rx));
    Ok(SessionHandle { tx })
}

impl Owner {
    async fn run(mut self, mut mailbox: mpsc::Receiver<Request>) {
        let shutdown = self.ctx.shutdown.clone();
        // Nobody is connected to a freshly loaded session: clear presence left over from a crash.
        let stale: Vec<ParticipantId> = self
            .state
            .participants
            .iter()
            .filter(|p| p.online)
            .map(|p| p.id)
            .collect();
        self.set_presence(stale, false).await;
        loop {
            self.idle_since = self.is_quiet().then(tokio::time::Instant::now);
            let deadline = self.breakouts_deadline();
            tokio::select! {
                _ = shutdown.cancelled() => break,
                request = mailbox.recv() => match request {
                    Some(request) => self.handle(request).await,
                    None => break,
                },
                _ = sleep_until(self.presence_flush_at) => self.flush_presence().await,
                _ = sleep_until(deadline) => {
                    if let Err(Failure::Storage(e)) = self.execute(Actor::System, &Command::Tick, None).await {
                        tracing::error!(session = %self.state.id, "timer: {e}");
                    }
                }
                _ = sleep_until(self.unload_at()) => if self.unload().await {
                    break;
                },
            }
            self.settle();
            if self.broken {
                tracing::error!(session = %self.state.id, "session stopped after a storage failure");
                break;
            }
        }
        self.ctx.metrics.session_unloaded();
    }

    /// When the breakout timer fires, if it is set.
    fn breakouts_deadline(&self) -> Option<tokio::time::Instant> {
        match self.state.breakouts {
            breakout_core::Breakouts::Open { ends_at: Some(end) } => {
                let wait = end.0.saturating_sub(now().0);
                Some(tokio::time::Instant::now() + std::time::Duration::from_millis(wait))
            }
            _ => None,
        }
    }

    /// After each request or timer: connections of people who left get nothing more (their
    /// sockets close when they try to resync), and after a restore everyone resyncs. Costs nothing
    /// when neither happened, which is almost always: the owner must not scan every connection
    /// per request (a reconnect storm brings several requests per connection).
    fn settle(&mut self) {
        let everyone = std::mem::take(&mut self.resync_everyone);
        if !everyone && self.left.is_empty() {
            return;
        }
        let left: HashSet<ParticipantId> = self.left.drain(..).collect();
        for sub in self.subscribers.values_mut() {
            if everyone || left.contains(&sub.participant) {
                sub.queue = None;
            }
        }
    }

    /// Handle one request.
    async fn handle(&mut self, request: Request) {
        match request {
            Request::Authenticate { token_hash, reply } => {
                let who = self
                    .tokens
                    .get(&token_hash)
                    .and_then(|id| self.state.participant(*id))
                    .cloned()
                    .ok_or(HttpError::Unauthorized);
                let _ = reply.send(who);
            }
            Request::Join { code, name, reply } => {
                let answer = self.join(&code, &name).await;
                let _ = reply.send(answer);
            }
            Request::Connect {
                participant,
                resume,
                reply,
            } => {
                let answer = self.connect(participant, resume).await;
                let _ = reply.send(answer);
            }
            Request::Resync { conn, reply } => {
                let answer = self.resync(conn);
                let _ = reply.send(answer);
            }
            Request::Resume { conn, at } => {
                if let Some(participant) = self.subscribers.get(&conn).map(|s| s.participant) {
                    for bytes in self.greeting(participant, Some(at)) {
                        fanout::send(&mut self.subscribers, conn, bytes);
                    }
                }
            }
            Request::Disconnect { conn } => self.disconnect(conn),
            Request::GraceExpired {
                participant,
                generation,
            } => {
                let still_away = self.connections.get(&participant).copied().unwrap_or(0) == 0;
                let current = self.away_since.get(&participant) == Some(&generation);
                if current && still_away {
                    self.note_presence(participant, false);
                }
            }
            Request::Command { conn, id, command } => self.command(conn, id, command).await,
            Request::RotateCodes { actor, reply } => {
                let answer = self.rotate_codes(actor).await;
                let _ = reply.send(answer);
            }
            Request::AddDocument {
                actor,
                document,
                reply,
            } => {
                let command = Command::AddDocument {
                    id: document.id.clone(),
                    name: document.name,
                    size: document.size,
                    sha256: document.sha256,
                };
                let answer = match self
                    .execute(Actor::Participant(actor), &command, None)
                    .await
                {
                    Ok(events) => self
                        .state
                        .document(&document.id)
                        .cloned()
                        .map(|doc| (doc, events > 0))
                        .ok_or(HttpError::Internal),
                    Err(failure) => Err(self.failure_to_http(failure)),
                };
                let _ = reply.send(answer);
            }
            Request::OpenDocument {
                actor,
                document,
                reply,
            } => {
                let answer = self.participant(actor).and_then(|me| {
                    let doc = self.state.document(&document).ok_or_else(|| {
                        HttpError::NotFound(format!("no document {document} in this session"))
                    })?;
                    if me.role.is_staff() || doc.sharing.reaches(me.location) {
                        Ok(doc.clone())
                    } else {
                        Err(HttpError::Forbidden(
                            "this document is not shared with your room".into(),
                        ))
                    }
                });
                let _ = reply.send(answer);
            }
            Request::ListDocuments { actor, reply } => {
                let answer = self.participant(actor).map(|me| {
                    if me.role.is_staff() {
                        self.state.documents.clone()
                    } else {
                        room_view(&self.state, me.location).documents
                    }
                });
                let _ = reply.send(answer);
            }
        }
    }

    fn participant(&self, id: ParticipantId) -> Result<&Participant, HttpError> {
        self.state.participant(id).ok_or(HttpError::Unauthorized)
    }

    fn failure_to_http(&self, failure: Failure) -> HttpError {
        match failure {
            Failure::Rejected(r) => {
                self.ctx.metrics.rejected(r.code());
                r.into()
            }
            Failure::Storage(e) => HttpError::internal("storage", e),
        }
    }

    async fn join(&mut self, code: &str, name: &str) -> Result<JoinResponse, HttpError> {
        let started = Instant::now();
        use crate::auth::join_code_matches;
        let role = if join_code_matches(&self.record.participant_code_hash, code) {
            Role::Participant
        } else if join_code_matches(&self.record.co_moderator_code_hash, code) {
            Role::CoModerator
        } else {
            return Err(HttpError::WrongCode);
        };
        let command = Command::Join {
            name: name.to_owned(),
            role,
        };
        let events = decide(&self.state, Actor::System, now(), &command)
            .map_err(|r| self.failure_to_http(Failure::Rejected(r)))?;
        let Some(Event::ParticipantJoined { participant }) = events.first() else {
            return Err(HttpError::internal("join", "decide produced no join event"));
        };
        let participant_id = participant.id;
        let token = crate::auth::new_token();
        let secrets = Batch {
            tokens: vec![(crate::auth::hash_secret(&token), participant_id)],
            ..Batch::default()
        };
        self.commit(started, events, None, secrets)
            .await
            .map_err(|e| HttpError::internal("storage", e))?;
        Ok(JoinResponse {
            participant_id,
            token,
            role,
        })
    }

    async fn connect(
        &mut self,
        participant: ParticipantId,
        resume: Option<ResumePoint>,
    ) -> Result<(ConnId, Outbox), HttpError> {
        self.participant(participant)?;
        let conn = self.next_conn;
        self.next_conn += 1;
        let outbox = self.subscribe(conn, participant, resume);
        let count = self.connections.entry(participant).or_insert(0);
        *count += 1;
        if *count == 1 {
            self.note_presence(participant, true);
        }
        Ok((conn, outbox))
    }

    /// Give `conn` a fresh queue holding its greeting.
    fn subscribe(
        &mut self,
        conn: ConnId,
        participant: ParticipantId,
        resume: Option<ResumePoint>,
    ) -> Outbox {
        let (tx, rx) = mpsc::channel(self.ctx.config.outgoing_queue);
        for bytes in self.greeting(participant, resume) {
            // The queue is new and a greeting never exceeds its capacity (see `replay`).
            let _ = tx.try_send(bytes);
        }
        self.subscribers.insert(
            conn,
            Subscriber {
                participant,
                queue: Some(tx),
            },
        );
        rx
    }

    fn resync(&mut self, conn: ConnId) -> Result<Outbox, HttpError> {
        let participant = self
            .subscribers
            .get(&conn)
            .map(|s| s.participant)
            .ok_or(HttpError::Unauthorized)?;
        if self.state.participant(participant).is_none() {
            return Err(self.gone(participant));
        }
        Ok(self.subscribe(conn, participant, None))
    }

    fn disconnect(&mut self, conn: ConnId) {
        let Some(sub) = self.subscribers.remove(&conn) else {
            return;
        };
        let participant = sub.participant;
        let count = self.connections.entry(participant).or_insert(1);
        *count -= 1;
        if *count > 0 {
            return;
        }
        self.connections.remove(&participant);
        let generation = {
            let g = self.away_since.entry(participant).or_insert(0);
            *g += 1;
            *g
        };
        let grace = self.ctx.config.presence_grace;
        let mailbox = self.mailbox.clone();
        let shutdown = self.ctx.shutdown.clone();
        self.ctx.tasks.spawn(async move {
            // Shutting down ends the wait: nobody is left to tell.
            tokio::select! {
                _ = tokio::time::sleep(grace) => {}
                _ = shutdown.cancelled() => return,
            }
            if let Some(mailbox) = mailbox.upgrade() {
                let _ = mailbox
                    .send(Request::GraceExpired {
                        participant,
                        generation,
                    })
                    .await;
            }
        });
    }

    /// Remember a presence change; changes are flushed together shortly after, so a thousand people
    /// connecting cost a handful of events instead of a thousand fanned out to everyone.
    fn note_presence(&mut self, participant: ParticipantId, online: bool) {
        self.presence_due.insert(participant, online);
        if self.presence_flush_at.is_none() {
            self.presence_flush_at =
                Some(tokio::time::Instant::now() + self.ctx.config.presence_batch);
        }
    }

    async fn flush_presence(&mut self) {
        self.presence_flush_at = None;
        let due = std::mem::take(&mut self.presence_due);
        let (online, offline): (Vec<_>, Vec<_>) = due.into_iter().partition(|(_, on)| *on);
        self.set_presence(online.into_iter().map(|(p, _)| p).collect(), true)
            .await;
        self.set_presence(offline.into_iter().map(|(p, _)| p).collect(), false)
            .await;
    }

    async fn set_presence(&mut self, mut participants: Vec<ParticipantId>, online: bool) {
        // Someone may have left since their change was noted.
        participants.retain(|p| self.state.participant(*p).is_some());
        if participants.is_empty() {
            return;
        }
        let command = Command::SetPresence {
            participants,
            online,
        };
        if let Err(Failure::Storage(e)) = self.execute(Actor::System, &command, None).await {
            tracing::error!(session = %self.state.id, "presence: {e}");
        }
    }

    async fn command(&mut self, conn: ConnId, id: CommandId, command: Command) {
        let Some(participant) = self.subscribers.get(&conn).map(|s| s.participant) else {
            return;
        };
        let key = format!("{}:{}", participant, id.0);
        let answer = if let Some(rejection) = safety::http_only(&command) {
            ServerMessage::Rejected { id, rejection }
        } else if let Some(version) = self.recent.get(&key) {
            ServerMessage::Ack { id, version }
        } else {
            match self
                .execute(Actor::Participant(participant), &command, Some(key))
                .await
            {
                Ok(_) => ServerMessage::Ack {
                    id,
                    version: self.state.version,
                },
                Err(Failure::Rejected(rejection)) => {
                    self.ctx.metrics.rejected(rejection.code());
                    ServerMessage::Rejected { id, rejection }
                }
                Err(Failure::Storage(e)) => {
                    tracing::error!(session = %self.state.id, "storage: {e}");
                    ServerMessage::Error {
                        id: Some(id),
                        code: ErrorCode::Internal,
                        message: "the command could not be stored; nothing changed".into(),
                    }
                }
            }
        };
        fanout::send(&mut self.subscribers, conn, encode(&answer));
    }

    /// Decide a command and commit its events. Ok holds how many events it caused.
    async fn execute(
        &mut self,
        actor: Actor,
        command: &Command,
        command_key: Option<String>,
    ) -> Result<usize, Failure> {
        let started = Instant::now();
        let events = decide(&self.state, actor, now(), command).map_err(Failure::Rejected)?;
        let count = events.len();
        if count > 0 {
            self.commit(started, events, command_key, Batch::default())
                .await
                .map_err(Failure::Storage)?;
        }
        Ok(count)
    }

    /// Apply events, journal them durably, then queue them for every connection. If storage fails,
    /// the session is restored from storage and the events are dropped: nothing was acknowledged.
    /// `started` is when the request behind them was taken up (for the commit-time metric).
    /// `secrets` carries new tokens or join-code hashes to store with them; the tokens of people
    /// who leave or are removed are revoked in the same transaction.
    async fn commit(
        &mut self,
        started: Instant,
        events: Vec<Event>,
        command_key: Option<String>,
        mut secrets: Batch,
    ) -> Result<(), StorageError> {
        let mut outbox = Vec::new();
        let mut stored = Vec::with_capacity(events.len());
        for event in events {
            if let Some(gone) = self.note_departure(&event) {
                secrets.revoked.push(gone);
            }
            let projection = Projection::prepare(&self.state, &event);
            apply(&mut self.state, &event);
            fanout::render(&projection, &self.state, &self.subscribers, &mut outbox);
            drop(projection);
            stored.push(StoredEvent {
                version: self.state.version,
                command_id: command_key.clone(),
                event,
            });
        }
        self.since_snapshot += stored.len() as u64;
        let snapshot_due = self.since_snapshot >= self.ctx.config.snapshot_every;
        let batch = Batch {
            events: stored,
            snapshot: snapshot_due.then(|| self.state.clone()),
            ..secrets
        };
        let storage = self.ctx.storage.clone();
        let id = self.state.id.clone();
        let keep_tail = self.ctx.config.replay_window as u64;
        let written = tokio::task::spawn_blocking(move || {
            storage.commit(&id, &batch, keep_tail).map(|()| batch)
        })
        .await
        .unwrap_or_else(|join| Err(StorageError::Io(std::io::Error::other(join))));
        let batch = match written {
            Ok(batch) => batch,
            Err(e) => {
                if let Err(restore) = self.restore().await {
                    tracing::error!(session = %self.state.id, "restore failed: {restore}");
                    self.broken = true;
                }
                return Err(e);
            }
        };
        if snapshot_due {
            self.since_snapshot = 0;
        }
        self.ctx.metrics.committed(started.elapsed());
        let queued_from = Instant::now();
        self.ctx.metrics.events_applied(batch.events.len());
        self.store_secrets(&batch);
        for stored in batch.events {
            if let Some(key) = stored.command_id {
                self.recent.insert(key, stored.version);
            }
            self.ring
                .push_back((stored.version, Arc::new(stored.event)));
        }
        while self.ring.len() > self.ctx.config.replay_window {
            self.ring.pop_front();
        }
        for (conn, bytes) in outbox {
            fanout::send(&mut self.subscribers, conn, bytes);
        }
        self.ctx.metrics.fanout(queued_from.elapsed());
        Ok(())
    }

    /// Reload state from storage after a failed write, so memory matches what is durable.
    async fn restore(&mut self) -> Result<(), StorageError> {
        let storage = self.ctx.storage.clone();
        let id = self.state.id.clone();
        let keep_tail = self.ctx.config.replay_window as u64;
        let loaded = tokio::task::spawn_blocking(move || storage.load_session(&id, keep_tail))
            .await
            .unwrap_or_else(|join| Err(StorageError::Io(std::io::Error::other(join))))?
            .ok_or_else(|| StorageError::Io(std::io::Error::other("session vanished")))?;
        let mut state = loaded.snapshot;
        self.ring.clear();
        for stored in loaded.events {
            if stored.version > state.version {
                apply(&mut state, &stored.event);
            }
            self.ring
                .push_back((stored.version, Arc::new(stored.event)));
        }
        self.state = state;
        self.resync_everyone = true;
        Ok(())
    }

    /// What a connection receives first: a welcome with a snapshot, or, when resuming within the
    /// replay window, a welcome without one followed by exactly the missed events.
    fn greeting(
        &mut self,
        participant: ParticipantId,
        resume: Option<ResumePoint>,
    ) -> Vec<Utf8Bytes> {
        let Some(me) = self.state.participant(participant) else {
            return Vec::new();
        };
        if let Some(replay) = resume.and_then(|at| self.replay(me, at)) {
            return replay;
        }
        vec![self.snapshots.welcome(&self.state, self.record.epoch, me)]
    }

    fn replay(&self, me: &Participant, at: ResumePoint) -> Option<Vec<Utf8Bytes>> {
        let current = self.state.version;
        if at.epoch != self.record.epoch || at.version > current {
            return None;
        }
        let missed = (current - at.version) as usize;
        if missed >= self.ctx.config.outgoing_queue {
            return None;
        }
        let first_kept = self.ring.front().map_or(current + 1, |(v, _)| *v);
        if missed > 0 && at.version + 1 < first_kept {
            return None;
        }
        let mut updates: Vec<_> = self
            .ring
            .iter()
            .filter(|(v, _)| *v > at.version)
            .map(|(v, e)| replay_update(e, *v, me))
            .collect();
        if let Some(last) = updates.last_mut() {
            if !me.role.is_staff() {
                last.room_view = Some(room_view(&self.state, me.location));
            }
        }
        let mut out = vec![welcome::without_snapshot(
            &self.state,
            self.record.epoch,
            me.id,
        )];
        out.extend(
            updates
                .into_iter()
                .map(|u| encode(&ServerMessage::Event(u))),
        );
        Some(out)
    }
}

/// Sleep until `deadline`, or forever when there is none.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
