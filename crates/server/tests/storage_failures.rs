//! When storage fails the endpoint answers `internal` (HTTP 500 / WebSocket `error`), leaks no
//! detail, and changes nothing: memory is reloaded from what is durable and every connection resyncs
//! from a snapshot. Storage is the real SQLite store behind a wrapper that fails on demand
//! (`breakout_server::run_with_storage`).

mod support;

use breakout_core::protocol::{ErrorCode, ServerMessage};
use breakout_core::{Command, ParticipantId};
use breakout_server::storage::{Call, Hook, Hooked, SqliteStorage, StorageError};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use support::{without_presence, Answer, Incoming, TestServer, WsClient};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// Switches that make each operation of the real SQLite storage fail.
#[derive(Default)]
struct Flaky {
    fail_create: AtomicBool,
    fail_commit: AtomicBool,
    fail_load: AtomicBool,
}

const SECRET_DETAIL: &str = "injected failure at /secret/path";

impl Hook for Flaky {
    /// The injected failure (an I/O error carrying [`SECRET_DETAIL`]) while the call's switch is
    /// on. The health check reads the database, so it fails while reading does.
    fn before(&self, call: Call<'_>) -> Result<(), StorageError> {
        let switch = match call {
            Call::CreateSession => &self.fail_create,
            Call::Commit(_) => &self.fail_commit,
            Call::LoadSession(_) | Call::Check => &self.fail_load,
        };
        if switch.load(SeqCst) {
            return Err(StorageError::Io(std::io::Error::other(SECRET_DETAIL)));
        }
        Ok(())
    }
}

async fn flaky_server() -> (TestServer, Arc<Hooked<Flaky>>) {
    let dir = tempfile::tempdir().unwrap();
    let storage = Arc::new(Hooked::new(
        SqliteStorage::open(&dir.path().join(breakout_server::DATABASE_FILE)).unwrap(),
        Flaky::default(),
    ));
    let server = TestServer::start_with_storage(dir, |_| {}, storage.clone()).await;
    (server, storage)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_writes_are_internal_errors_that_change_nothing() {
    let (server, storage) = flaky_server().await;
    let api = &server.api;

    storage.hook().fail_create.store(true, SeqCst);
    let error = api
        .create_session_raw("Doomed", "Mona")
        .await
        .expect_error(500, ErrorCode::Internal);
    assert!(
        !error.message.contains("secret"),
        "details leaked: {error:?}"
    );
    assert_eq!(api.metric("breakout_sessions").await, Some(0.0));
    storage.hook().fail_create.store(false, SeqCst);

    let s = api.create_session("Sturdy", "Mona").await;
    let id = s.session_id.0.as_str();
    let p = api.join(id, &s.participant_code, "Pat").await;
    let mut moderator = WsClient::connect_online(&server.base, id, &s.token).await;
    let mut participant = WsClient::connect_online(&server.base, id, &p.token).await;
    moderator.wait_presence(p.participant_id, true).await;
    participant.sync().await;
    let before = moderator.replica.clone();

    storage.hook().fail_commit.store(true, SeqCst);
    // HTTP: a join and an upload fail as a whole.
    api.join_raw(id, &s.participant_code, "Quinn")
        .await
        .expect_error(500, ErrorCode::Internal);
    api.upload_raw(id, Some(&s.token), Some("a.txt"), b"a".to_vec())
        .await
        .expect_error(500, ErrorCode::Internal);
    // WebSocket: the command is answered `internal`, then every connection resyncs.
    let command = moderator
        .command(Command::SetFreeMovement { on: true })
        .await;
    let answer = moderator.wait_answer(&command).await;
    let Answer::Error { code, message } = answer else {
        panic!("expected an internal error, got {answer:?}");
    };
    assert_eq!(code, ErrorCode::Internal);
    assert!(!message.contains("secret"));
    for client in [&mut moderator, &mut participant] {
        client
            .wait_for(|m| {
                matches!(
                    m,
                    ServerMessage::Welcome {
                        snapshot: Some(_),
                        ..
                    }
                )
            })
            .await;
    }
    storage.hook().fail_commit.store(false, SeqCst);
    assert!(moderator.welcomes.len() >= 2 && participant.welcomes.len() >= 2);
    moderator.sync().await;
    participant.sync().await;
    assert_eq!(moderator.replica, before, "nothing changed");
    assert_eq!(
        Some(participant.replica.clone()),
        breakout_core::view::view_for(&before, p.participant_id)
    );
    let fresh = WsClient::connect(&server.base, id, &s.token).await;
    assert_eq!(fresh.replica, before);

    // The same id works once storage does: a failed command was not remembered as applied.
    moderator
        .command_with_id(command.clone(), Command::SetFreeMovement { on: true })
        .await;
    let version = moderator.wait_answer(&command).await.ack();
    assert_eq!(version, before.version + 1);
    assert!(moderator.replica.free_movement);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_cannot_reload_closes_its_sockets_and_comes_back_from_disk() {
    let (server, storage) = flaky_server().await;
    let (s, mut moderator) = server.session_with_moderator("Sturdy").await;
    let id = s.session_id.0.as_str();
    moderator.open_rooms::<3>().await;
    let before = moderator.replica.clone();

    storage.hook().fail_commit.store(true, SeqCst);
    storage.hook().fail_load.store(true, SeqCst);
    let command = moderator.command(Command::StopBreakouts).await;
    assert_eq!(
        moderator.wait_answer(&command).await.error_code(),
        ErrorCode::Internal
    );
    moderator.expect_close_with(CloseCode::Away).await;
    assert!(matches!(
        moderator.next_incoming().await,
        Incoming::Ended(_)
    ));

    // Storage is back: the session loads afresh from disk, without the failed command.
    storage.hook().fail_commit.store(false, SeqCst);
    storage.hook().fail_load.store(false, SeqCst);
    let mut back = WsClient::connect_online(&server.base, id, &s.token).await;
    assert!(back.replica.is_open(), "the failed stop was not applied");
    assert_eq!(without_presence(&back.replica), without_presence(&before));
    let me: ParticipantId = s.participant_id;
    assert!(back.replica.participant(me).unwrap().online);
    back.ack(Command::StopBreakouts).await;
    assert!(!back.replica.is_open());
}

#[tokio::test]
async fn healthz_answers_503_while_storage_fails() {
    let (server, storage) = flaky_server().await;
    server.api.get("/healthz", None).await.expect_status(200);
    storage.hook().fail_load.store(true, SeqCst);
    let error = server
        .api
        .get("/healthz", None)
        .await
        .expect_error(503, ErrorCode::Unavailable);
    assert!(
        !error.message.contains("secret"),
        "details leaked: {error:?}"
    );
    storage.hook().fail_load.store(false, SeqCst);
    server.api.get("/healthz", None).await.expect_status(200);
}
