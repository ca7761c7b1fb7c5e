//! Sessions in and out of memory: a session nobody uses leaves memory after `idle_unload` and comes
//! back on next use with the same state, version, tokens and replay window; loading one session
//! never holds up another (storage here is the real SQLite store behind a wrapper whose loads of
//! one session wait until the test opens a gate), and two requests for the same stored session
//! share one load and one owner.

mod support;

use breakout_core::protocol::ErrorCode;
use breakout_core::{Command, Location, SessionId};
use breakout_server::storage::{Call, Hook, Hooked, SqliteStorage, StorageError};
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use support::{within, TestServer, WsClient, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_leaves_memory_and_comes_back_intact() {
    let server = TestServer::start_with(|c| {
        c.idle_unload = Duration::from_millis(200);
        c.presence_grace = Duration::from_millis(50);
    })
    .await;
    let api = &server.api;
    let (s, mut moderator) = server.session_with_moderator("Idle").await;
    let id = s.session_id.0.as_str();
    let pat = api.join(id, &s.participant_code, "Pat").await;
    let [room, _] = moderator.open_rooms::<2>().await;
    moderator
        .ack(Command::Move {
            participant: pat.participant_id,
            to: Location::Room(room),
        })
        .await;
    let old = moderator.close().await;

    // The moderator's presence turns offline (one event), then the session leaves memory.
    api.wait_metric("breakout_sessions", |n| n == 0.0).await;
    let mut expected = old.clone();
    expected.version += 1;
    for p in &mut expected.participants {
        p.online = false;
    }
    let database = server.data_dir.join(breakout_server::DATABASE_FILE);
    let snapshot: i64 = rusqlite::Connection::open(&database)
        .unwrap()
        .query_row(
            "SELECT MAX(version) FROM snapshots WHERE session_id = ?1",
            [id],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(
        snapshot as u64, expected.version,
        "a snapshot was stored on unload"
    );

    // Resuming from before the unload replays the one missed event: the replay window survived.
    let mut back = WsClient::resume(&server.base, id, &s.token, old).await;
    assert!(!back.first_welcome().snapshot, "resumed by replay");
    assert_eq!(api.metric("breakout_sessions").await, Some(1.0));
    back.wait_version(expected.version).await;
    assert_eq!(back.replica, expected);
    // Pat's token still works and sees the same state; the version continues.
    back.wait_presence(s.participant_id, true).await;
    let fresh = WsClient::connect(&server.base, id, &pat.token).await;
    assert_eq!(
        Some(fresh.replica.clone()),
        breakout_core::view::view_for(&back.replica, pat.participant_id)
    );
    let version = back.ack(Command::SetFreeMovement { on: true }).await;
    assert!(version > expected.version);
    assert_eq!(api.list_documents(id, &pat.token).await, []);
}

/// Holds loads of one chosen session until the gate opens (on the real SQLite storage), and counts
/// the loads of each session.
struct Gated {
    held: SessionId,
    open: Mutex<bool>,
    opened: Condvar,
    /// Loads started, per session.
    loads: Mutex<HashMap<SessionId, usize>>,
}

impl Gated {
    fn loads_of(&self, id: &SessionId) -> usize {
        self.loads.lock().unwrap().get(id).copied().unwrap_or(0)
    }

    fn open_gate(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

impl Hook for Gated {
    fn before(&self, call: Call<'_>) -> Result<(), StorageError> {
        if let Call::LoadSession(id) = call {
            *self.loads.lock().unwrap().entry(id.clone()).or_default() += 1;
            if *id == self.held {
                let open = self.open.lock().unwrap();
                let (_open, wait) = self.opened.wait_timeout_while(open, WAIT, |o| !*o).unwrap();
                assert!(!wait.timed_out(), "the test never opened the gate");
            }
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_load_holds_up_no_other_session_and_happens_once() {
    // Two stored sessions, not in memory (written by a server that has stopped).
    let first = TestServer::start().await;
    let slow = first.api.create_session("Slow", "Mona").await;
    let quick = first.api.create_session("Quick", "Max").await;
    let dir = first.stop().await.unwrap();

    let storage = Arc::new(Hooked::new(
        SqliteStorage::open(&dir.path().join(breakout_server::DATABASE_FILE)).unwrap(),
        Gated {
            held: slow.session_id.clone(),
            open: Mutex::new(false),
            opened: Condvar::new(),
            loads: Mutex::new(HashMap::new()),
        },
    ));
    let server = TestServer::start_with_storage(dir, |_| {}, storage.clone()).await;
    let joins: Vec<_> = ["Ada", "Bo"]
        .into_iter()
        .map(|name| {
            let (api, id, code) = (
                server.api.clone(),
                slow.session_id.0.clone(),
                slow.participant_code.clone(),
            );
            tokio::spawn(async move { api.join(&id, &code, name).await })
        })
        .collect();
    within("the slow session's load to start", async {
        while storage.hook().loads_of(&slow.session_id) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;

    // Meanwhile another stored session loads and answers, and an unknown one answers 404.
    let api = &server.api;
    let cy = api
        .join(&quick.session_id.0, &quick.participant_code, "Cy")
        .await;
    let quick_moderator = WsClient::connect(&server.base, &quick.session_id.0, &quick.token).await;
    assert!(quick_moderator
        .replica
        .participant(cy.participant_id)
        .is_some());
    api.join_raw("nosuchsession", "AAAA-AAAA", "Dee")
        .await
        .expect_error(404, ErrorCode::NotFound);
    assert!(
        joins.iter().all(|join| !join.is_finished()),
        "the slow session is still loading"
    );

    storage.hook().open_gate();
    let mut joined = Vec::new();
    for join in joins {
        joined.push(within("a join of the slow session", join).await.unwrap());
    }
    assert_eq!(
        storage.hook().loads_of(&slow.session_id),
        1,
        "one load for both"
    );
    // One owner holds both joins: the moderator sees both people.
    let moderator = WsClient::connect(&server.base, &slow.session_id.0, &slow.token).await;
    for j in &joined {
        assert!(moderator.replica.participant(j.participant_id).is_some());
    }
    assert_ne!(joined[0].participant_id, joined[1].participant_id);
}
