//! Why this file exists: networks drop links in the middle of a stream, and the protocol's answer is
//! resume — reconnect with (epoch, version) and receive exactly the missed events — plus retries
//! under the same command id, applied once. These tests cut links through a TCP proxy while events
//! flow and check, on the wire (a raw `breakout_client::connection`) and through the high-level
//! `Client`, that nothing is lost, repeated or reordered; and they pin down how the client handles
//! answers that never arrive.

mod support;

use breakout_client::connection::{self, Incoming};
use breakout_client::{ClientError, ClientOptions, ConnectionState, Endpoint};
use breakout_core::protocol::{ErrorCode, ServerMessage};
use breakout_core::view::{apply_update, view_for};
use breakout_core::{CallId, Command, Location, RoomSelection};
use futures_util::future::join_all;
use std::time::Duration;
use support::{
    assert_converged, call, calls_with, connect, connect_with, location_of, next_message,
    open_with_free_movement, options, server_state, session, within, InProcess, Proxy, WAIT,
};

/// A raw connection through the proxy is cut while events stream to it. Reconnecting with the
/// (epoch, version) it reached gives a welcome without a snapshot, then exactly the versions it
/// missed, in order, then the live stream — and the replica kept from these updates equals the
/// endpoint's view.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_mid_stream_resumes_with_exactly_the_missed_events() {
    let server = InProcess::start().await;
    let proxy = Proxy::start(server.addr).await;
    let s = session(&server.url, 3).await;
    let moderator = connect(&server.url, &s.moderator).await;
    moderator
        .send(Command::OpenBreakouts {
            rooms: 2,
            duration_minutes: None,
        })
        .await
        .unwrap();
    let state = moderator.snapshot();
    let rooms = [
        Location::Room(state.rooms[0].id),
        Location::Room(state.rooms[1].id),
    ];
    let people: Vec<_> = state.participants.iter().map(|p| p.id).collect();

    let endpoint = Endpoint::parse(&proxy.url).unwrap();
    let who = &s.participants[0];
    let (_sender, mut receiver) = connection::open(&endpoint, who, None).await.unwrap();
    let ServerMessage::Welcome {
        you,
        epoch,
        snapshot: Some(mut replica),
        ..
    } = next_message(&mut receiver).await
    else {
        panic!("a fresh connection starts with a snapshot");
    };
    let start = replica.version;

    // The moderator (on a direct link) keeps the events coming: moves of everyone, the raw
    // connection's participant included, and calls to one room or to all.
    let (cut_tx, mut cut_rx) = tokio::sync::watch::channel(false);
    let churn = async {
        let mut last = 0;
        for i in 0..60usize {
            if i == 20 {
                // Most of the stream comes after the cut, whatever the scheduling.
                cut_rx.wait_for(|cut| *cut).await.unwrap();
            }
            let command = if i % 4 == 3 {
                let target = if i % 8 == 3 {
                    RoomSelection::All
                } else {
                    RoomSelection::Rooms(vec![state.rooms[0].id])
                };
                call(&format!("call {i}"), target)
            } else {
                Command::Move {
                    participant: people[i % people.len()],
                    to: if i % 3 == 0 {
                        Location::Main
                    } else {
                        rooms[i % 2]
                    },
                }
            };
            last = moderator.send(command).await.unwrap();
        }
        last
    };

    let reader = async {
        // Read until the link is cut, after 15 events; everything that arrives is consecutive.
        let mut received = 0;
        while let Ok(Incoming::Message(message, _)) = receiver.next().await {
            let ServerMessage::Event(update) = *message else {
                panic!("only events are expected on this connection");
            };
            assert_eq!(update.version, replica.version + 1, "in order, no gap");
            apply_update(&mut replica, &update);
            received += 1;
            if received == 15 {
                proxy.cut();
                cut_tx.send_replace(true);
            }
        }
        let reached = replica.version;
        assert!(reached >= start + 15);
        // Make sure some events are missed while disconnected.
        moderator
            .wait_until(WAIT, |s| s.version >= reached + 5)
            .await
            .unwrap();

        let resume = Some((epoch, reached));
        let (sender, mut receiver) = connection::open(&endpoint, who, resume).await.unwrap();
        let ServerMessage::Welcome {
            snapshot: None,
            version: current,
            you: again,
            ..
        } = next_message(&mut receiver).await
        else {
            panic!("resuming within the window replays: a welcome without a snapshot");
        };
        assert_eq!(again, you);
        // (The moderator's replica may show its one unanswered command on top.)
        assert!(
            current >= reached + 4,
            "missed events at v{reached}, now v{current}"
        );
        // Exactly the missed versions reached+1 ..= current, in order.
        while replica.version < current {
            let ServerMessage::Event(update) = next_message(&mut receiver).await else {
                panic!("only events follow the welcome");
            };
            assert_eq!(
                update.version,
                replica.version + 1,
                "exactly the missed events"
            );
            apply_update(&mut replica, &update);
        }
        (sender, receiver, reached, current)
    };
    let (last, (_sender, mut receiver, reached, current)) =
        within("the churn and the reader", async {
            tokio::join!(churn, reader)
        })
        .await;
    assert!(start < reached && reached < current && current <= last);

    // Then the live stream goes on without a gap up to the end of the churn.
    while replica.version < last {
        let ServerMessage::Event(update) = next_message(&mut receiver).await else {
            panic!("only events are expected on this connection");
        };
        assert_eq!(
            update.version,
            replica.version + 1,
            "live events follow the replay"
        );
        apply_update(&mut replica, &update);
    }
    let truth = server_state(&server.url, &s.moderator).await;
    assert_eq!(truth.version, last);
    assert_eq!(Some(replica), view_for(&truth, you));
}

/// A high-level client behind the proxy loses its link while its own commands and the moderator's
/// are in flight: it goes Reconnecting → Online by itself, every command gets an answer, and it ends
/// equal to the endpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_reconnects_after_a_cut_and_converges() {
    let server = InProcess::start().await;
    let proxy = Proxy::start(server.addr).await;
    let s = session(&server.url, 2).await;
    let moderator = connect(&server.url, &s.moderator).await;
    // A slow first retry, so "Reconnecting" lasts long enough to be seen.
    let slow_retry = ClientOptions {
        backoff_start: Duration::from_millis(300),
        ..options()
    };
    let client = connect_with(&proxy.url, &s.participants[0], slow_retry).await;
    let free = open_with_free_movement(&moderator, 3).await;
    client
        .wait_until(WAIT, |s| s.version >= free)
        .await
        .unwrap();
    let state = moderator.snapshot();
    let rooms: Vec<_> = state.rooms.iter().map(|r| Location::Room(r.id)).collect();
    let other = state
        .participants
        .iter()
        .find(|p| p.name == "P1")
        .map(|p| p.id)
        .unwrap();

    let mut states = Vec::new();
    let mut link = client.connection();
    let watcher = async {
        loop {
            states.push(link.borrow_and_update().clone());
            if states.len() > 1 && *states.last().unwrap() == ConnectionState::Online {
                break;
            }
            link.changed().await.unwrap();
        }
    };

    let me = client.me();
    let move_to = |i: usize| Command::Move {
        participant: me,
        to: if i.is_multiple_of(4) {
            Location::Main
        } else {
            rooms[i % 3]
        },
    };
    let (cut_tx, cut_rx) = tokio::sync::watch::channel(false);
    let work = async {
        let moves = async {
            let mut answers = Vec::new();
            for i in 0..10 {
                answers.push(client.send(move_to(i)).await);
            }
            // Ten more at once, right after the cut: queued while offline, sent on reconnect.
            cut_rx.clone().wait_for(|cut| *cut).await.unwrap();
            answers.extend(join_all((10..20).map(|i| client.send(move_to(i)))).await);
            answers
        };
        let churn = async {
            for i in 0..30usize {
                if i == 15 {
                    cut_rx.clone().wait_for(|cut| *cut).await.unwrap();
                }
                let command = if i % 2 == 0 {
                    call(&format!("call {i}"), RoomSelection::All)
                } else {
                    Command::Move {
                        participant: other,
                        to: rooms[i % 3],
                    }
                };
                moderator.send(command).await.unwrap();
            }
        };
        let cutter = async {
            client
                .wait_until(WAIT, |s| s.version >= free + 10)
                .await
                .unwrap();
            proxy.cut();
            cut_tx.send_replace(true);
        };
        tokio::join!(moves, churn, cutter).0
    };
    let ((), answers) = within("the work across a cut", async {
        tokio::join!(watcher, work)
    })
    .await;
    assert_eq!(answers.len(), 20);
    for answer in answers {
        answer.expect("a move of one's own with free movement on is applied, cut or not");
    }
    assert_eq!(states[0], ConnectionState::Online);
    let dropped = states
        .iter()
        .position(|c| matches!(c, ConnectionState::Reconnecting { .. }))
        .expect("the cut was noticed");
    assert_eq!(states.last(), Some(&ConnectionState::Online));
    assert!(dropped < states.len() - 1);
    assert!(proxy.accepted() >= 2, "the client opened a new link");

    let truth = assert_converged(&server.url, &s.moderator, &[&moderator, &client]).await;
    assert_eq!(location_of(&truth, me), rooms[19 % 3], "the last move won");
}

/// The command reaches the endpoint and is applied, but its ack is lost with the link. The client
/// resends it under the same id after reconnecting; the endpoint acks it again with the version it
/// reached and does not apply it twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_ack_is_answered_on_retry_and_applied_once() {
    let server = InProcess::start().await;
    let proxy = Proxy::start(server.addr).await;
    let s = session(&server.url, 1).await;
    let moderator = connect(&proxy.url, &s.moderator).await;
    let observer = connect(&server.url, &s.participants[0]).await;
    within(
        "presence to settle",
        moderator.wait_until(WAIT, |s| s.participants.iter().all(|p| p.online)),
    )
    .await
    .unwrap();

    const ONCE: &str = "apply me once";
    proxy.stall_downstream();
    let sent = moderator.send(call(ONCE, RoomSelection::All));
    let mut link = moderator.connection();
    let network = async {
        // The endpoint applied it (the observer sees the call), but the ack is held by the proxy…
        observer
            .wait_until(WAIT, |s| calls_with(s, ONCE) == 1)
            .await
            .unwrap();
        // …and dropped with the link.
        proxy.cut();
        link.wait_for(|c| *c != ConnectionState::Online)
            .await
            .unwrap();
        proxy.flow();
    };
    let (answer, ()) = within("the retried command's answer", async {
        tokio::join!(sent, network)
    })
    .await;
    let version = answer.expect("the retry is acked");

    let truth = assert_converged(&server.url, &s.moderator, &[&moderator, &observer]).await;
    assert_eq!(calls_with(&truth, ONCE), 1, "applied once");
    let applied = truth.calls.iter().find(|c| c.text == ONCE).unwrap();
    // A call's id is the version of the event that sent it: the ack names that same version.
    assert_eq!(
        applied.id,
        CallId(version),
        "acked with the version it reached"
    );
}

/// After a storage failure the endpoint answers the failing command `error internal`, reloads the
/// session and sends every connection a fresh welcome with a snapshot — and answers to commands it
/// handled in between are lost. protocol.md ("Welcome, resume and replay"): "After a `welcome` with a
/// snapshot that was not asked for, resend the commands still waiting for an answer, with the same
/// ids". So the second command is answered (applied once) and does not linger in the optimistic
/// state on top of a replica that already holds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_commands_are_resent_after_an_unasked_for_snapshot() {
    let (server, storage) = InProcess::start_flaky().await;
    let s = session(&server.url, 0).await;
    let moderator = connect(&server.url, &s.moderator).await;
    within(
        "presence to settle",
        moderator.wait_until(WAIT, |s| s.participants.iter().all(|p| p.online)),
    )
    .await
    .unwrap();

    storage.hook().fail_next_commit();
    let (failed, second) = tokio::join!(
        moderator.send(call("hits the storage failure", RoomSelection::All)),
        moderator.send_within(
            call("right behind it", RoomSelection::All),
            Duration::from_secs(5)
        ),
    );
    assert!(
        matches!(
            failed,
            Err(ClientError::Server {
                code: ErrorCode::Internal,
                ..
            })
        ),
        "{failed:?}"
    );
    let truth = server_state(&server.url, &s.moderator).await;
    assert_eq!(calls_with(&truth, "hits the storage failure"), 0);
    assert_eq!(
        calls_with(&truth, "right behind it"),
        1,
        "the endpoint applied it"
    );
    second.expect("a command the endpoint applied is answered (after a resend)");
    assert_converged(&server.url, &s.moderator, &[&moderator]).await;
}

/// A link that goes silent (no FIN, no RST: a sleeping laptop, a dead Wi-Fi) must be noticed:
/// protocol.md says the server sends no pings and has no idle timeout, so the client's heartbeat
/// pings are what detect it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silently_dead_link_is_noticed() {
    let server = InProcess::start().await;
    let proxy = Proxy::start(server.addr).await;
    let s = session(&server.url, 0).await;
    let moderator = connect(&proxy.url, &s.moderator).await;
    proxy.stall();
    let mut link = moderator.connection();
    let noticed = tokio::time::timeout(
        Duration::from_secs(30),
        link.wait_for(|c| *c != ConnectionState::Online),
    )
    .await;
    assert!(
        noticed.is_ok(),
        "still Online 30 s after the link went silent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_healthy_link_stays_online() {
    // The endpoint answers the client's pings, so quiet is not mistaken for death.
    let server = InProcess::start().await;
    let s = session(&server.url, 0).await;
    let quick_heartbeat = ClientOptions {
        heartbeat: Duration::from_millis(100),
        ..options()
    };
    let client = connect_with(&server.url, &s.moderator, quick_heartbeat).await;
    let mut link = client.connection();
    link.borrow_and_update();
    let dropped = tokio::time::timeout(Duration::from_millis(1500), link.changed()).await;
    assert!(
        dropped.is_err(),
        "the link changed state: {:?}",
        *link.borrow()
    );
    assert_eq!(*client.connection().borrow(), ConnectionState::Online);
}
