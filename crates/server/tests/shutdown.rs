//! Graceful shutdown: completing the shutdown future passed to `breakout_server::run` closes every
//! connected socket with a close frame (1001, going away), answers requests still in flight with
//! `503 unavailable`, stops accepting, and makes `run` return.

mod support;

use breakout_core::protocol::ErrorCode;
use reqwest::Method;
use std::time::{Duration, Instant};
use support::{bearer, within, TestServer, WsClient};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// A short presence grace, so that closed sockets soon count as offline.
fn quick_presence(config: &mut breakout_server::Config) {
    config.presence_grace = Duration::from_millis(50);
}

/// Wait (bounded by `limit`) for `breakout_server::run` to return, and assert it returned Ok.
async fn assert_run_returns_ok(server: &mut TestServer, limit: Duration) {
    server.wait_stopped(limit).await.expect("run returns Ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_every_socket_with_1001_and_run_returns() {
    let mut server = TestServer::start_with(quick_presence).await;
    let api = server.api.clone();
    let s = api.create_session("Last call", "Mona").await;
    let other = api.create_session("Other session", "Olga").await;
    let id = &s.session_id.0;
    let p = api.join(id, &s.participant_code, "Pat").await;
    let mut clients = vec![
        WsClient::connect_online(&server.base, id, &s.token).await,
        WsClient::connect_online(&server.base, id, &p.token).await,
        WsClient::connect(&server.base, id, &p.token).await,
        WsClient::connect(&server.base, &other.session_id.0, &other.token).await,
    ];

    server.begin_shutdown();
    for client in &mut clients {
        let frame = client.expect_close_with(CloseCode::Away).await;
        assert_eq!(u16::from(frame.code), 1001);
    }
    assert_run_returns_ok(&mut server, Duration::from_secs(10)).await;
    // Nothing listens any more.
    let refused = api.try_send(api.request(Method::GET, "/healthz")).await;
    assert!(
        refused.is_err(),
        "still answering after shutdown: {refused:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_close_frames_say_the_server_is_shutting_down() {
    let mut server = TestServer::start_with(|c| {
        quick_presence(c);
        // Fifty sockets of one moderator, above the per-token default.
        c.websockets_per_token = 50;
    })
    .await;
    let api = server.api.clone();
    let s = api.create_session("Last call", "Mona").await;
    let id = &s.session_id.0;
    let mut clients = Vec::new();
    for _ in 0..50 {
        clients.push(WsClient::connect(&server.base, id, &s.token).await);
    }
    // Every socket has just written something when the shutdown begins.
    clients[0]
        .ack(breakout_core::Command::SetFreeMovement { on: true })
        .await;
    server.begin_shutdown();
    let mut reasons = Vec::new();
    for client in &mut clients {
        let frame = client.expect_close_with(CloseCode::Away).await;
        reasons.push(frame.reason.to_string());
    }
    assert!(
        reasons.iter().all(|r| r == "the server is shutting down"),
        "close reasons: {reasons:?}"
    );
    assert_run_returns_ok(&mut server, Duration::from_secs(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_in_flight_during_shutdown_is_answered_unavailable() {
    let mut server = TestServer::start_with(quick_presence).await;
    let api = server.api.clone();
    let (s, mut moderator) = server.session_with_moderator("Last call").await;
    let id = s.session_id.0.clone();

    // An upload whose body is still streaming when the shutdown begins.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    let request = bearer(
        api.request(Method::POST, &format!("/v1/sessions/{id}/documents")),
        Some(&s.token),
    )
    .header(breakout_core::protocol::FILE_NAME_HEADER, "late.txt")
    .body(reqwest::Body::wrap_stream(body));
    let upload = {
        let api = api.clone();
        tokio::spawn(async move { api.send(request).await })
    };
    tx.send(Ok(b"first part, ".to_vec())).await.unwrap();
    // The handler is past authentication and writing the body once its temporary file exists.
    let tmp = server.documents_dir().join("tmp");
    within("the upload to start", async {
        while std::fs::read_dir(&tmp).unwrap().next().is_none() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;

    server.begin_shutdown();
    // The shutdown has reached the session: its sockets are closed.
    moderator.expect_close_with(CloseCode::Away).await;
    tx.send(Ok(b"and the rest".to_vec())).await.unwrap();
    drop(tx);
    let reply = within("the upload's answer", upload).await.unwrap();
    reply.expect_error(503, ErrorCode::Unavailable);
    assert_run_returns_ok(&mut server, Duration::from_secs(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_does_not_wait_for_presence_grace_timers() {
    let mut server = TestServer::start_with(|c| c.presence_grace = Duration::from_secs(600)).await;
    let api = server.api.clone();
    let (_, client) = server.session_with_moderator("Last call").await;
    client.close().await;
    // The server has seen the socket close: the grace timer is running.
    api.wait_metric("breakout_connected_clients", |v| v == 0.0)
        .await;
    let started = Instant::now();
    server.begin_shutdown();
    assert_run_returns_ok(&mut server, Duration::from_secs(5)).await;
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restarted_on_its_data_directory_serves_the_same_sessions() {
    let server = TestServer::start_with(quick_presence).await;
    let (s, mut moderator) = server.session_with_moderator("Survivor").await;
    let id = s.session_id.0.clone();
    moderator.open_rooms::<2>().await;
    let before = moderator.replica.clone();
    let dir = server.stop().await.expect("the data directory");

    let server = TestServer::start_in(dir, quick_presence).await;
    let back = WsClient::connect_online(&server.base, &id, &s.token).await;
    assert_eq!(back.replica.rooms, before.rooms);
    assert_eq!(back.replica.breakouts, before.breakouts);
    assert_eq!(back.replica.participants.len(), before.participants.len());
    assert!(back.replica.version >= before.version);
}
