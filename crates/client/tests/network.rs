//! A cut link, a dead endpoint and a refused command, seen from the client: resume gets exactly the
//! missed events; commands wait while offline and fail clearly when they cannot be delivered; a
//! refused command rolls back and tells why.

mod support;

use breakout_client::connection::{self, Incoming};
use breakout_client::{ClientError, ClientOptions, ConnectionState, Endpoint};
use breakout_core::protocol::ServerMessage;
use breakout_core::view::view_for;
use breakout_core::{Command, Location, Rejection};
use std::time::Duration;
use support::{connect, session, within, InProcess, Proxy, ServerProcess};

fn addr_of(url: &str) -> std::net::SocketAddr {
    url.trim_start_matches("http://").parse().unwrap()
}

async fn next_message(receiver: &mut connection::Receiver) -> ServerMessage {
    match within("a message", receiver.next()).await.unwrap() {
        Incoming::Message(message, _) => *message,
        Incoming::Closed(reason) => panic!("closed: {reason:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_link_resumes_with_exactly_the_missed_events() {
    let server = InProcess::start().await;
    let proxy = Proxy::start(addr_of(&server.url)).await;
    let s = session(&server.url, 3).await;
    let moderator = connect(&server.url, &s.moderator).await;
    let through_proxy = connect(&proxy.url, &s.participants[1]).await;
    moderator
        .send(Command::OpenBreakouts {
            rooms: 2,
            duration_minutes: None,
        })
        .await
        .unwrap();
    let proxied = through_proxy.me();
    let online = |s: &breakout_core::Session| s.participant(proxied).is_some_and(|p| p.online);
    within(
        "the proxied client online",
        moderator.wait_until(support::WAIT, online),
    )
    .await
    .unwrap();

    let endpoint = Endpoint::parse(&proxy.url).unwrap();
    let who = &s.participants[0];
    let (_sender, mut receiver) = connection::open(&endpoint, who, None).await.unwrap();
    let ServerMessage::Welcome {
        snapshot: Some(replica),
        ..
    } = next_message(&mut receiver).await
    else {
        panic!("expected a welcome with a snapshot");
    };
    proxy.cut();
    let state = moderator.snapshot();
    let room = Location::Room(state.rooms[0].id);
    let mut last = 0;
    for p in &state.participants[1..] {
        last = moderator
            .send(Command::Move {
                participant: p.id,
                to: room,
            })
            .await
            .unwrap();
    }

    let resume = Some((replica.epoch, replica.version));
    let (_sender, mut receiver) = connection::open(&endpoint, who, resume).await.unwrap();
    let ServerMessage::Welcome {
        snapshot: None,
        version,
        ..
    } = next_message(&mut receiver).await
    else {
        panic!("expected a welcome without a snapshot (resume by replay)");
    };
    // The moves, and possibly presence changes the endpoint batched meanwhile.
    assert!(version >= last);
    let mut versions = Vec::new();
    while versions.last() != Some(&version) {
        if let ServerMessage::Event(update) = next_message(&mut receiver).await {
            versions.push(update.version);
        }
    }
    let missed: Vec<u64> = (replica.version + 1..=version).collect();
    assert_eq!(versions, missed, "exactly the missed versions, in order");

    // The high-level client through the same proxy healed by itself and converged (a last command's
    // ack marks the endpoint's latest state; the proxied client was online throughout).
    let last = moderator
        .send(Command::SetFreeMovement { on: true })
        .await
        .unwrap();
    let seen = within(
        "the proxied client",
        through_proxy.wait_until(support::WAIT, |s| s.version >= last),
    )
    .await
    .unwrap();
    assert_eq!(
        Some((*seen).clone()),
        view_for(&moderator.snapshot(), through_proxy.me())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_commands_time_out_and_the_queue_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(dir.path(), "127.0.0.1:0");
    let s = session(&server.url, 1).await;
    let options = ClientOptions {
        queue_limit: 2,
        backoff_start: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(200),
        ..ClientOptions::default()
    };
    let endpoint = Endpoint::parse(&server.url).unwrap();
    let client = breakout_client::Client::connect(endpoint, s.moderator.clone(), options)
        .await
        .unwrap();
    server.kill_hard();
    let mut link = client.connection();
    within(
        "offline",
        link.wait_for(|c| matches!(c, ConnectionState::Reconnecting { .. })),
    )
    .await
    .unwrap();
    let stop = || Command::SetFreeMovement { on: true };
    let wait = Duration::from_millis(600);
    let (a, b, c) = tokio::join!(
        client.send_within(stop(), wait),
        client.send_within(stop(), wait),
        async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            client.send_within(stop(), wait).await
        }
    );
    assert!(matches!(a, Err(ClientError::Timeout(_))), "{a:?}");
    assert!(matches!(b, Err(ClientError::Timeout(_))), "{b:?}");
    assert!(matches!(c, Err(ClientError::QueueFull(2))), "{c:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_command_rolls_back_with_its_reason() {
    let server = InProcess::start().await;
    let s = session(&server.url, 1).await;
    let moderator = connect(&server.url, &s.moderator).await;
    let participant = connect(&server.url, &s.participants[0]).await;
    moderator
        .send(Command::OpenBreakouts {
            rooms: 1,
            duration_minutes: None,
        })
        .await
        .unwrap();
    let version = moderator.snapshot().version;
    within(
        "the participant sees the rooms",
        participant.wait_until(support::WAIT, |s| s.version >= version),
    )
    .await
    .unwrap();
    let room = Location::Room(participant.snapshot().rooms[0].id);
    let me = participant.me();
    // Free movement is off: the endpoint refuses, and the participant stays in main.
    let refused = participant
        .send(Command::Move {
            participant: me,
            to: room,
        })
        .await;
    assert!(
        matches!(refused, Err(ClientError::Rejected(Rejection::Forbidden(_)))),
        "{refused:?}"
    );
    assert_eq!(
        participant.snapshot().participant(me).unwrap().location,
        Location::Main
    );
    assert!(participant.snapshot().version <= moderator.snapshot().version);
}
