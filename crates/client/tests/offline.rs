//! Why this file exists: while the endpoint is unreachable, commands wait in a bounded queue and the
//! caller decides how long to wait. The promises tested here: a command that cannot be delivered in
//! time fails with `ClientError::Timeout` after the caller's timeout and is withdrawn (never applied
//! later); the queue limit answers `ClientError::QueueFull` at once; once the endpoint is back a
//! queued command goes through. Also: a reconnection attempt whose handshake never completes must
//! not block the client forever.

mod support;

use breakout_client::{ClientError, ClientOptions, ConnectionState};
use breakout_core::{Command, RoomSelection};
use std::time::{Duration, Instant};
use support::{
    calls_with, connect, connect_with, options, server_state, session, within, InProcess, Proxy,
    ServerProcess, WAIT,
};

fn call(text: &str) -> Command {
    support::call(text, RoomSelection::All)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_commands_time_out_and_the_queue_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(dir.path()).await;
    let s = session(&server.url, 0).await;
    let client = connect_with(
        &server.url,
        &s.moderator,
        ClientOptions {
            queue_limit: 2,
            ..options()
        },
    )
    .await;

    server.kill_hard().await;
    let mut link = client.connection();
    within(
        "the client noticing",
        link.wait_for(|c| matches!(c, ConnectionState::Reconnecting { .. })),
    )
    .await
    .unwrap();

    let timeout = Duration::from_millis(600);
    let started = Instant::now();
    let third = async {
        // Both first commands are queued (the replica shows them on top)…
        client
            .wait_until(WAIT, |s| calls_with(s, "a") == 1 && calls_with(s, "b") == 1)
            .await
            .unwrap();
        // …so a third does not fit: refused at once, without waiting for its timeout.
        let asked = Instant::now();
        let answer = client.send_within(call("c"), timeout).await;
        (answer, asked.elapsed())
    };
    let (a, b, (c, c_took)) = within("the queued commands' answers", async {
        tokio::join!(
            client.send_within(call("a"), timeout),
            client.send_within(call("b"), timeout),
            third,
        )
    })
    .await;
    let waited = started.elapsed();
    assert!(matches!(a, Err(ClientError::Timeout(_))), "{a:?}");
    assert!(matches!(b, Err(ClientError::Timeout(_))), "{b:?}");
    assert!(
        waited >= timeout && waited < timeout + Duration::from_secs(2),
        "the timeout is the caller's: waited {waited:?} for {timeout:?}"
    );
    assert!(matches!(c, Err(ClientError::QueueFull(2))), "{c:?}");
    assert!(c_took < timeout, "QueueFull comes at once, took {c_took:?}");

    // Timed-out commands were withdrawn: gone from the replica, and the queue has room again.
    within(
        "the withdrawn commands leaving the replica",
        client.wait_until(WAIT, |s| calls_with(s, "a") + calls_with(s, "b") == 0),
    )
    .await
    .unwrap();
    let queued = client.send_within(call("d"), WAIT);
    let restart = async {
        client
            .wait_until(WAIT, |s| calls_with(s, "d") == 1)
            .await
            .unwrap();
        server.restart().await;
    };
    let (d, ()) = within("the restart", async { tokio::join!(queued, restart) }).await;
    d.expect("a queued command goes through once the endpoint is back");
    within(
        "back online",
        link.wait_for(|c| *c == ConnectionState::Online),
    )
    .await
    .unwrap();

    let truth = server_state(&server.url, &s.moderator).await;
    assert_eq!(calls_with(&truth, "d"), 1);
    for withdrawn in ["a", "b", "c"] {
        assert_eq!(
            calls_with(&truth, withdrawn),
            0,
            "{withdrawn:?} failed, so it must never be applied"
        );
    }
}

/// A command still queued when its timeout passes is withdrawn, also when the timeout passes while a
/// connection attempt is under way: it must not be sent once the attempt succeeds, since its caller
/// was told it failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_that_timed_out_while_queued_is_never_applied() {
    let Stalled {
        server,
        proxy,
        s,
        client,
        mut link,
    } = stalled_reconnection().await;
    let answer = client
        .send_within(call("withdrawn"), Duration::from_millis(300))
        .await;
    assert!(matches!(answer, Err(ClientError::Timeout(_))), "{answer:?}");

    // The network comes back; the attempt completes.
    proxy.flow();
    within(
        "back online",
        link.wait_for(|c| *c == ConnectionState::Online),
    )
    .await
    .unwrap();
    // Commands go out in order: once this one is acked, the withdrawn one would have been too.
    client.send(call("after")).await.unwrap();
    let truth = server_state(&server.url, &s.moderator).await;
    assert_eq!(calls_with(&truth, "after"), 1);
    assert_eq!(
        calls_with(&truth, "withdrawn"),
        0,
        "the caller was told Timeout, yet the command was applied"
    );
}

/// A reconnection whose handshake never completes (the endpoint's host stopped answering) is given
/// up after the connect timeout and retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_handshake_is_given_up_and_retried() {
    // Everything is kept alive to the end: only the link state is looked at.
    let Stalled {
        server: _server,
        proxy: _proxy,
        client: _client,
        mut link,
        ..
    } = stalled_reconnection().await;
    let retried = tokio::time::timeout(
        Duration::from_secs(30),
        link.wait_for(|c| matches!(c, ConnectionState::Reconnecting { .. })),
    )
    .await;
    assert!(
        retried.is_ok(),
        "still Connecting 30 s into a handshake that gets no answer"
    );
}

/// A connected client whose link was just cut, with its next handshake hanging (the proxy accepts
/// but forwards nothing) and the client caught in that attempt.
struct Stalled {
    server: InProcess,
    proxy: Proxy,
    s: support::TestSession,
    client: breakout_client::Client,
    link: tokio::sync::watch::Receiver<ConnectionState>,
}

async fn stalled_reconnection() -> Stalled {
    let server = InProcess::start().await;
    let proxy = Proxy::start(server.addr).await;
    let s = session(&server.url, 0).await;
    let client = connect(&proxy.url, &s.moderator).await;
    proxy.stall();
    proxy.cut();
    let mut link = client.connection();
    within(
        "a reconnection attempt under way",
        link.wait_for(|c| *c == ConnectionState::Connecting),
    )
    .await
    .unwrap();
    Stalled {
        server,
        proxy,
        s,
        client,
        link,
    }
}
