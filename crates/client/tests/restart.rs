//! The endpoint process dies (SIGKILL) and comes back on the same data directory and port while
//! clients are connected: they reconnect by themselves, resume, lose no acknowledged command, and a
//! command issued while the endpoint was down is applied exactly once.

mod support;

use breakout_client::connection::{self, Incoming};
use breakout_client::{ConnectionState, Endpoint};
use breakout_core::protocol::ServerMessage;
use breakout_core::view::view_for;
use breakout_core::{Command, Event, Location};
use std::time::Duration;
use support::{connect, session, within, ServerProcess};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_survive_a_killed_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(dir.path(), "127.0.0.1:0");
    let s = session(&server.url, 2).await;
    let moderator = connect(&server.url, &s.moderator).await;
    let participant = connect(&server.url, &s.participants[0]).await;
    moderator
        .send(Command::OpenBreakouts {
            rooms: 2,
            duration_minutes: None,
        })
        .await
        .unwrap();
    let state = moderator.snapshot();
    let (room1, room2) = (
        Location::Room(state.rooms[0].id),
        Location::Room(state.rooms[1].id),
    );
    let (p0, p1) = (participant.me(), state.participants[2].id);
    moderator
        .send(Command::Move {
            participant: p0,
            to: room1,
        })
        .await
        .unwrap();

    server.kill_hard();
    let mut link = moderator.connection();
    within(
        "the client noticing",
        link.wait_for(|c| matches!(c, ConnectionState::Reconnecting { .. })),
    )
    .await
    .unwrap();
    // Issued while the endpoint is down: queued, then sent on reconnect.
    let queued = {
        let command = Command::Move {
            participant: p1,
            to: room2,
        };
        let moderator = &moderator;
        async move {
            moderator
                .send_within(command, Duration::from_secs(20))
                .await
        }
    };
    let restart = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        ServerProcess::start(dir.path(), &server.addr.to_string())
    };
    let (queued, _server) = within("restart and the queued command", async {
        tokio::join!(queued, restart)
    })
    .await;
    let version = queued.expect("the queued command is applied after the restart");

    let mut link = moderator.connection();
    within(
        "back online",
        link.wait_for(|c| *c == ConnectionState::Online),
    )
    .await
    .unwrap();
    let server_state = within(
        "the moderator catching up",
        moderator.wait_until(support::WAIT, |s| s.version >= version),
    )
    .await
    .unwrap();
    assert_eq!(
        server_state.participant(p0).unwrap().location,
        room1,
        "acked before the kill"
    );
    assert_eq!(
        server_state.participant(p1).unwrap().location,
        room2,
        "queued while down"
    );

    // Once both reconnected clients show as online again, nothing else is moving: a last command's
    // ack then marks the endpoint's latest state.
    let both_online = |s: &breakout_core::Session| {
        [moderator.me(), p0]
            .iter()
            .all(|id| s.participant(*id).is_some_and(|p| p.online))
    };
    within(
        "presence after the restart",
        moderator.wait_until(support::WAIT, both_online),
    )
    .await
    .unwrap();
    let last = moderator
        .send(Command::SetFreeMovement { on: true })
        .await
        .unwrap();
    let seen = within(
        "the participant catching up",
        participant.wait_until(support::WAIT, |s| s.version >= last),
    )
    .await
    .unwrap();
    let server_state = moderator.snapshot();
    assert_eq!(Some((*seen).clone()), view_for(&server_state, p0));

    // The journal holds the queued move exactly once.
    let endpoint = Endpoint::parse(&server.url).unwrap();
    let (_keep, mut replay) =
        connection::open(&endpoint, &s.moderator, Some((server_state.epoch, 0)))
            .await
            .unwrap();
    let mut moves_of_p1 = 0;
    let mut last = 0;
    while last < server_state.version {
        let Incoming::Message(message, _) = within("the replay", replay.next()).await.unwrap()
        else {
            panic!("closed during the replay");
        };
        if let ServerMessage::Event(update) = *message {
            last = update.version;
            if let Some(Event::ParticipantsMoved { placements, .. }) = update.event {
                moves_of_p1 += placements
                    .iter()
                    .filter(|p| p.to == room2 && p.participants.contains(&p1))
                    .count();
            }
        }
    }
    assert_eq!(moves_of_p1, 1);
}
