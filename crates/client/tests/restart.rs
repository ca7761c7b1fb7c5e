//! Why this file exists: the endpoint promises that an acknowledged command is durable (a kill -9
//! right after the ack loses nothing) and clients promise to heal by themselves. Here the real
//! `breakout-server` process is killed with SIGKILL while clients are connected and restarted on the
//! same data directory and port: the clients must go Reconnecting → Online on their own, resume,
//! end equal to the endpoint, keep every command acknowledged before the kill, and apply a command
//! issued while the endpoint was down exactly once.

mod support;

use breakout_client::connection::{self, Incoming};
use breakout_client::{ConnectionState, Endpoint};
use breakout_core::protocol::ServerMessage;
use breakout_core::{Command, Event, Location, RoomSelection};
use support::{
    assert_converged, calls_with, connect, location_of, next_message, open_with_free_movement,
    session, within, ServerProcess, WAIT,
};

const WHILE_DOWN: &str = "sent while the endpoint was down";

fn call(text: &str) -> Command {
    support::call(text, RoomSelection::All)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_ride_out_a_killed_and_restarted_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(dir.path()).await;
    let s = session(&server.url, 3).await;
    let moderator = connect(&server.url, &s.moderator).await;
    let p0 = connect(&server.url, &s.participants[0]).await;
    let p1 = connect(&server.url, &s.participants[1]).await;
    let everyone = [&moderator, &p0, &p1];

    let free = open_with_free_movement(&moderator, 2).await;
    for p in [&p0, &p1] {
        within(
            "free movement reaching a participant",
            p.wait_until(WAIT, |s| s.version >= free),
        )
        .await
        .unwrap();
    }
    let state = moderator.snapshot();
    let room1 = Location::Room(state.rooms[0].id);
    let room2 = Location::Room(state.rooms[1].id);
    let absent = state
        .participants
        .iter()
        .find(|p| p.name == "P2")
        .unwrap()
        .id;

    // Acknowledged just before the kill: moves by the moderator and by participants, and a burst of
    // calls. The kill follows the last ack immediately.
    let burst: Vec<String> = (0..20)
        .map(|i| format!("acked before the kill #{i}"))
        .collect();
    let calls = futures_util::future::join_all(burst.iter().map(|t| moderator.send(call(t))));
    let (moved, p0_moved, p1_moved, calls) = tokio::join!(
        moderator.send(Command::Move {
            participant: absent,
            to: room2,
        }),
        p0.send(Command::Move {
            participant: p0.me(),
            to: room1,
        }),
        p1.send(Command::Move {
            participant: p1.me(),
            to: room2,
        }),
        calls,
    );
    let mut acked = moved.unwrap().max(p0_moved.unwrap()).max(p1_moved.unwrap());
    for version in calls {
        acked = acked.max(version.unwrap());
    }
    server.kill_hard().await;

    let mut links: Vec<_> = everyone.iter().map(|c| c.connection()).collect();
    for link in &mut links {
        within(
            "a client noticing the endpoint is gone",
            link.wait_for(|c| matches!(c, ConnectionState::Reconnecting { .. })),
        )
        .await
        .unwrap();
    }

    // Issued while the endpoint is down: queued (the replica shows them optimistically), then sent
    // once it is back.
    let queued_call = moderator.send_within(call(WHILE_DOWN), WAIT);
    let queued_move = p0.send_within(
        Command::Move {
            participant: p0.me(),
            to: room2,
        },
        WAIT,
    );
    let restart = async {
        moderator
            .wait_until(WAIT, |s| calls_with(s, WHILE_DOWN) == 1)
            .await
            .expect("the queued call shows optimistically");
        p0.wait_until(WAIT, |s| location_of(s, p0.me()) == room2)
            .await
            .expect("the queued move shows optimistically");
        assert!(
            matches!(
                *links[0].borrow(),
                ConnectionState::Reconnecting { .. } | ConnectionState::Connecting
            ),
            "still offline while the commands are queued"
        );
        server.restart().await;
    };
    let (queued_call, queued_move, ()) =
        within("the restart and the queued commands' answers", async {
            tokio::join!(queued_call, queued_move, restart)
        })
        .await;
    let call_version = queued_call.expect("the queued call is applied after the restart");
    queued_move.expect("the queued move is applied after the restart");

    for link in &mut links {
        within(
            "a client back online by itself",
            link.wait_for(|c| *c == ConnectionState::Online),
        )
        .await
        .unwrap();
    }

    let truth = assert_converged(&server.url, &s.moderator, &everyone).await;
    assert!(truth.version >= acked && truth.version >= call_version);
    assert_eq!(location_of(&truth, absent), room2, "acked before the kill");
    assert_eq!(location_of(&truth, p1.me()), room2, "acked before the kill");
    assert_eq!(location_of(&truth, p0.me()), room2, "queued while down");
    for text in &burst {
        assert_eq!(
            calls_with(&truth, text),
            1,
            "{text:?} was acked before the kill"
        );
    }
    assert_eq!(calls_with(&truth, WHILE_DOWN), 1, "applied exactly once");

    // The journal agrees: replayed from the start, every version once, and one call event for the
    // command queued while down.
    let endpoint = Endpoint::parse(&server.url).unwrap();
    let (_keep, mut replay) = connection::open(&endpoint, &s.moderator, Some((truth.epoch, 0)))
        .await
        .unwrap();
    let ServerMessage::Welcome {
        snapshot: None,
        version,
        ..
    } = next_message(&mut replay).await
    else {
        panic!("expected a replay");
    };
    assert!(version >= truth.version);
    let mut expected = 1;
    let mut while_down = 0;
    while expected <= truth.version {
        let Incoming::Message(message, _) = within("the replay", replay.next()).await.unwrap()
        else {
            panic!("closed during the replay");
        };
        let ServerMessage::Event(update) = *message else {
            continue;
        };
        assert_eq!(
            update.version, expected,
            "the journal has no gap and no repeat"
        );
        expected += 1;
        if let Some(Event::CallToActionSent { call }) = update.event {
            while_down += usize::from(call.text == WHILE_DOWN);
        }
    }
    assert_eq!(
        while_down, 1,
        "one call_to_action_sent for the queued command"
    );
}
