//! Reconnecting: resume by replay (`?epoch=&version=` → a welcome without snapshot, then exactly the
//! missed versions), the cases that fall back to a snapshot (another epoch, a version ahead of the
//! server, older than the replay window, more than a queue's worth), and presence — `online` while a
//! participant has a socket, `offline` only after the grace period once all of them closed.

mod support;

use breakout_core::protocol::{CreateSessionResponse, JoinResponse, ServerMessage};
use breakout_core::view::view_for;
use breakout_core::{Command, Event, Location, ParticipantId, RoomId, RoomSelection, Session};
use std::time::{Duration, Instant};
use support::{TestServer, WsClient};

/// Long enough that nobody goes offline during a test that is not about presence.
const NO_PRESENCE_CHANGES: Duration = Duration::from_secs(600);

/// A session with rooms 1 and 2, participant `p` (connected) in room 1 and `q` (not connected) in
/// room 2, and document "alpha-notes.txt" shared with room 1.
struct Scene {
    server: TestServer,
    s: CreateSessionResponse,
    p: JoinResponse,
    q: JoinResponse,
    moderator: WsClient,
    /// The participant's socket, until [`Scene::disconnect_participant`].
    participant: Option<WsClient>,
    rooms: [RoomId; 2],
    /// Makes every generated name unique.
    counter: usize,
}

impl Scene {
    async fn new(tune: impl FnOnce(&mut breakout_server::Config)) -> Scene {
        let server = TestServer::start_with(|c| {
            c.presence_grace = NO_PRESENCE_CHANGES;
            tune(c);
        })
        .await;
        let api = server.api.clone();
        let (s, mut moderator) = server.session_with_moderator("Reconnects").await;
        let id = s.session_id.0.clone();
        let p = api.join(&id, &s.participant_code, "Pat").await;
        let q = api.join(&id, &s.participant_code, "Quinn").await;
        let mut participant = WsClient::connect_online(&server.base, &id, &p.token).await;
        moderator.wait_presence(p.participant_id, true).await;
        let (_, alpha) = api
            .upload(&id, &s.token, "alpha-notes.txt", b"alpha".to_vec())
            .await;
        let rooms = moderator.open_rooms().await;
        for (who, room) in [(p.participant_id, rooms[0]), (q.participant_id, rooms[1])] {
            moderator
                .ack(Command::Move {
                    participant: who,
                    to: Location::Room(room),
                })
                .await;
        }
        moderator
            .ack(Command::ShareDocument {
                document: alpha.id,
                target: RoomSelection::Rooms(vec![rooms[0]]),
            })
            .await;
        participant.sync().await;
        Scene {
            server,
            s,
            p,
            q,
            moderator,
            participant: Some(participant),
            rooms,
            counter: 0,
        }
    }

    fn id(&self) -> String {
        self.s.session_id.0.clone()
    }

    /// Close the participant's socket and return its replica.
    async fn disconnect_participant(&mut self) -> Session {
        let client = self
            .participant
            .take()
            .expect("the participant is connected");
        client.close().await
    }

    /// Reconnect the participant, resuming from `replica`.
    async fn resume_participant(&self, replica: Session) -> WsClient {
        WsClient::resume(&self.server.base, &self.id(), &self.p.token, replica).await
    }

    /// Assert that `client`'s replica is the session as the participant may see it now.
    fn assert_participant_view(&self, client: &WsClient) {
        assert_eq!(
            Some(client.replica.clone()),
            view_for(&self.moderator.replica, self.p.participant_id)
        );
    }

    /// The moderator does one thing that makes exactly one event, cycling through kinds that reach
    /// the participant differently (seen, hidden, room-view only).
    async fn one_event(&mut self, kind: usize) {
        let before = self.moderator.replica.version;
        let rooms = self.rooms;
        self.counter += 1;
        let step = self.counter;
        let command = match kind % 6 {
            0 => Command::CallToAction {
                text: format!("Call {step} for room 1"),
                link: None,
                target: RoomSelection::Rooms(vec![rooms[0]]),
            },
            1 => Command::CallToAction {
                text: format!("Call {step} for room 2"),
                link: None,
                target: RoomSelection::Rooms(vec![rooms[1]]),
            },
            2 => Command::RenameRoom {
                room: rooms[step % 2],
                name: format!("Room name {step}"),
            },
            3 => Command::SetFreeMovement {
                on: !self.moderator.replica.free_movement,
            },
            4 => Command::Move {
                participant: self.q.participant_id,
                to: if self.located(self.q.participant_id) == Location::Main {
                    Location::Room(rooms[1])
                } else {
                    Location::Main
                },
            },
            _ => {
                let name = format!("bravo-{step}-room-2-only.txt");
                let (_, doc) = self
                    .server
                    .api
                    .upload(&self.id(), &self.s.token, &name, name.clone().into_bytes())
                    .await;
                self.moderator.wait_version(before + 1).await;
                Command::ShareDocument {
                    document: doc.id,
                    target: RoomSelection::Rooms(vec![rooms[1]]),
                }
            }
        };
        let version = self.moderator.ack(command).await;
        assert!(version > before);
    }

    fn located(&self, who: ParticipantId) -> Location {
        self.moderator.replica.participant(who).unwrap().location
    }

    /// Make events (one per command: no uploads) until the session is at `version`.
    async fn advance_to(&mut self, version: u64) {
        let mut step = 0;
        while self.moderator.replica.version < version {
            self.one_event(step % 5).await;
            step += 1;
        }
        assert_eq!(self.moderator.replica.version, version);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_replays_exactly_the_missed_events() {
    let mut t = Scene::new(|_| {}).await;
    let replica = t.disconnect_participant().await;
    let (epoch, version) = (replica.epoch, replica.version);
    for step in 0..13 {
        t.one_event(step).await;
    }
    let current = t.moderator.replica.version;
    assert!(current > version + 13);

    let mut back = t.resume_participant(replica).await;
    let welcome = back.first_welcome().clone();
    assert!(
        !welcome.snapshot,
        "within the window: a replay, not a snapshot"
    );
    assert_eq!((welcome.epoch, welcome.version), (epoch, current));
    back.wait_version(current).await;
    assert!(support::events_in(&back.sync().await).is_empty());
    let versions: Vec<u64> = back.events_since(0).iter().map(|u| u.version).collect();
    assert_eq!(versions, (version + 1..=current).collect::<Vec<_>>());
    t.assert_participant_view(&back);
    // A replay shows a participant nothing of another room's documents.
    for frame in &back.raw {
        assert!(!frame.contains("bravo-"), "leaked: {frame}");
    }

    // Staff resume the same way and see every event as it is.
    let mut staff = WsClient::connect(&t.server.base, &t.id(), &t.s.token).await;
    staff.sync().await;
    let staff_replica = staff.close().await;
    let staff_version = staff_replica.version;
    let r = t
        .server
        .api
        .join(&t.id(), &t.s.participant_code, "Rae")
        .await;
    t.one_event(0).await;
    let current = t.moderator.replica.version;
    let mut staff = WsClient::resume(&t.server.base, &t.id(), &t.s.token, staff_replica).await;
    assert!(!staff.first_welcome().snapshot);
    staff.wait_version(current).await;
    let replayed = staff.events_since(0);
    assert_eq!(replayed.len() as u64, current - staff_version);
    assert!(replayed
        .iter()
        .all(|u| u.event.is_some() && u.room_view.is_none()));
    assert!(matches!(
        &replayed[0].event,
        Some(Event::ParticipantJoined { participant }) if participant.id == r.participant_id
    ));
    assert_eq!(staff.replica, t.moderator.replica);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_with_nothing_missed_gets_a_bare_welcome() {
    let mut t = Scene::new(|_| {}).await;
    let replica = t.disconnect_participant().await;
    let version = replica.version;
    let mut back = t.resume_participant(replica.clone()).await;
    assert!(!back.first_welcome().snapshot);
    assert_eq!(back.first_welcome().version, version);
    assert!(support::events_in(&back.sync().await).is_empty());
    assert_eq!(back.replica, replica);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_from_another_epoch_or_the_future_gets_a_snapshot() {
    let mut t = Scene::new(|_| {}).await;
    let replica = t.disconnect_participant().await;
    for step in 0..3 {
        t.one_event(step).await;
    }
    let current = t.moderator.replica.version;
    let cases = [
        (replica.epoch + 1, replica.version),
        (replica.epoch.wrapping_sub(1), replica.version),
        (replica.epoch, current + 1),
        (replica.epoch, u64::MAX),
    ];
    for (epoch, version) in cases {
        let mut back = WsClient::options(&t.server.base, &t.id(), &t.p.token)
            .query(epoch, version)
            .replica(replica.clone())
            .connect()
            .await;
        let welcome = back.first_welcome().clone();
        assert!(
            welcome.snapshot,
            "epoch {epoch}, version {version}: a snapshot"
        );
        assert_eq!((welcome.epoch, welcome.version), (replica.epoch, current));
        assert!(support::events_in(&back.sync().await).is_empty());
        t.assert_participant_view(&back);
        back.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_older_than_the_replay_window_gets_a_snapshot() {
    const WINDOW: u64 = 4;
    let mut t = Scene::new(|c| c.replay_window = WINDOW as usize).await;

    // Exactly a window's worth missed: still a replay.
    let replica = t.disconnect_participant().await;
    let target = replica.version + WINDOW;
    t.advance_to(target).await;
    let mut back = t.resume_participant(replica).await;
    assert!(
        !back.first_welcome().snapshot,
        "{WINDOW} missed events are replayed"
    );
    back.wait_version(target).await;
    assert_eq!(back.events_since(0).len() as u64, WINDOW);
    t.assert_participant_view(&back);

    // One more than the window: a snapshot.
    let replica = back.close().await;
    let target = replica.version + WINDOW + 1;
    t.advance_to(target).await;
    let mut back = t.resume_participant(replica).await;
    assert!(
        back.first_welcome().snapshot,
        "older than the window: a snapshot"
    );
    assert_eq!(back.first_welcome().version, target);
    assert!(support::events_in(&back.sync().await).is_empty());
    t.assert_participant_view(&back);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_missing_a_full_queue_gets_a_snapshot() {
    const QUEUE: u64 = 8;
    let mut t = Scene::new(|c| c.outgoing_queue = QUEUE as usize).await;

    let replica = t.disconnect_participant().await;
    let target = replica.version + QUEUE - 1;
    t.advance_to(target).await;
    let back = t.resume_participant(replica).await;
    assert!(
        !back.first_welcome().snapshot,
        "fewer than a queue's worth: a replay"
    );
    let mut back = back;
    back.wait_version(target).await;

    let replica = back.close().await;
    let target = replica.version + QUEUE;
    t.advance_to(target).await;
    let mut back = t.resume_participant(replica).await;
    assert!(
        back.first_welcome().snapshot,
        "a queue's worth missed: a snapshot"
    );
    assert!(support::events_in(&back.sync().await).is_empty());
    t.assert_participant_view(&back);
}

/// Is this message "`who` went online/offline"?
fn presence_of(message: &ServerMessage, who: ParticipantId) -> Option<bool> {
    match message {
        ServerMessage::Event(update) => match &update.event {
            Some(Event::PresenceChanged {
                participants,
                online,
            }) if participants.contains(&who) => Some(*online),
            _ => None,
        },
        _ => None,
    }
}

/// The presence changes of `who` in a client's log, in order.
fn presence_log(client: &WsClient, who: ParticipantId) -> Vec<bool> {
    client
        .log
        .iter()
        .filter_map(|m| presence_of(m, who))
        .collect()
}

/// A server with this grace, a session with a connected moderator, and two joined participants
/// `p` and `q`, not connected yet.
struct PresenceScene {
    server: TestServer,
    s: CreateSessionResponse,
    moderator: WsClient,
    p: JoinResponse,
    q: JoinResponse,
}

impl PresenceScene {
    async fn new(grace: Duration) -> PresenceScene {
        let server = TestServer::start_with(|c| c.presence_grace = grace).await;
        let (s, moderator) = server.session_with_moderator("Presence").await;
        let id = s.session_id.0.as_str();
        let p = server.api.join(id, &s.participant_code, "Pat").await;
        let q = server.api.join(id, &s.participant_code, "Quinn").await;
        PresenceScene {
            server,
            s,
            moderator,
            p,
            q,
        }
    }

    /// Open one more socket for `who` (`p` or `q`).
    async fn connect(&self, who: &JoinResponse) -> WsClient {
        WsClient::connect(&self.server.base, &self.s.session_id.0, &who.token).await
    }

    /// Read the moderator's messages until one says that `who` went online (or offline).
    async fn wait_presence_event(&mut self, who: ParticipantId, online: bool) {
        self.moderator
            .wait_for(|m| presence_of(m, who) == Some(online))
            .await;
    }

    /// Is `who` online in the moderator's replica?
    fn online(&self, who: ParticipantId) -> bool {
        self.moderator.replica.participant(who).unwrap().online
    }

    /// Wait until the server has processed the closing of connections: the gauge drops to `open`.
    async fn wait_open_connections(&self, open: usize) {
        self.server
            .api
            .wait_metric("breakout_connected_clients", |v| v == open as f64)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_goes_offline_after_the_grace_once_every_socket_closed() {
    let grace = Duration::from_millis(300);
    let mut t = PresenceScene::new(grace).await;
    let (pid, qid) = (t.p.participant_id, t.q.participant_id);

    // Two sockets of the same participant: one online event.
    let first = t.connect(&t.p).await;
    t.wait_presence_event(pid, true).await;
    assert!(first.replica.participant(pid).is_some());
    let second = t.connect(&t.p).await;
    let witness = t.connect(&t.q).await;
    t.wait_presence_event(qid, true).await;
    assert!(t.online(pid));
    assert!(second.replica.participant(pid).unwrap().online);

    // Closing one of them changes nothing: the witness, closed after it, goes offline first.
    first.close().await;
    t.wait_open_connections(3).await;
    witness.close().await;
    t.wait_presence_event(qid, false).await;
    assert_eq!(presence_log(&t.moderator, pid), [true]);
    assert!(t.online(pid));

    // Closing the last one: offline, but only after the grace period.
    let closed_at = Instant::now();
    second.close().await;
    t.wait_presence_event(pid, false).await;
    assert!(
        closed_at.elapsed() >= grace,
        "offline after {:?}",
        closed_at.elapsed()
    );
    assert!(!t.online(pid));

    // And online again on the next connection.
    let again = t.connect(&t.p).await;
    t.wait_presence_event(pid, true).await;
    assert!(again.replica.participant(pid).is_some());
    assert_eq!(presence_log(&t.moderator, pid), [true, false, true]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quick_reconnect_within_the_grace_emits_no_offline() {
    let grace = Duration::from_secs(2);
    let mut t = PresenceScene::new(grace).await;
    let (pid, qid) = (t.p.participant_id, t.q.participant_id);
    let client = t.connect(&t.p).await;
    let witness = t.connect(&t.q).await;
    t.wait_presence_event(qid, true).await;

    let closed_at = Instant::now();
    let replica = client.close().await;
    t.wait_open_connections(2).await;
    let back = WsClient::resume(&t.server.base, &t.s.session_id.0, &t.p.token, replica).await;
    assert!(
        closed_at.elapsed() < grace,
        "the reconnect took {:?}, longer than the grace",
        closed_at.elapsed()
    );
    // The witness closes after P's old socket; its offline event comes after any of P's would.
    witness.close().await;
    t.wait_presence_event(qid, false).await;
    assert_eq!(
        presence_log(&t.moderator, pid),
        [true],
        "no offline, no second online"
    );
    assert!(t.online(pid));
    assert!(back.replica.participant(pid).unwrap().online);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_elses_connection_does_not_keep_a_leaver_online() {
    let grace = Duration::from_millis(300);
    let mut t = PresenceScene::new(grace).await;
    let (pid, qid) = (t.p.participant_id, t.q.participant_id);
    let client = t.connect(&t.p).await;
    t.wait_presence_event(pid, true).await;

    client.close().await;
    t.wait_open_connections(1).await;
    // Another participant connects during P's grace period.
    let _other = t.connect(&t.q).await;
    t.wait_presence_event(pid, false).await;
    assert!(!t.online(pid));
    assert!(t.online(qid));
}
