//! Why this file exists: the UI shows a drag at once (optimistic) but the endpoint's order is the
//! truth. A command the endpoint refuses must roll back by itself and give its caller the typed
//! reason (`ClientError::Rejected(Rejection::Forbidden(_))` for a participant moving while free
//! movement is off) — including the hard case where the replica still believed the move was allowed
//! and showed it. And when a caller gets an answer, the state it reads next should already reflect
//! it.

mod support;

use breakout_client::ClientError;
use breakout_core::{Command, Location, Rejection, RoomSelection};
use support::{
    assert_converged, calls_with, connect, location_of, session, within, InProcess, Proxy, WAIT,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_move_rolls_back_to_where_the_endpoint_says() {
    let server = InProcess::start().await;
    let proxy = Proxy::start(server.addr).await;
    let s = session(&server.url, 1).await;
    let moderator = connect(&server.url, &s.moderator).await;
    let participant = connect(&proxy.url, &s.participants[0]).await;
    let me = participant.me();
    let opened = moderator
        .send(Command::OpenBreakouts {
            rooms: 2,
            duration_minutes: None,
        })
        .await
        .unwrap();
    participant
        .wait_until(WAIT, |s| s.version >= opened)
        .await
        .unwrap();
    let room = Location::Room(participant.snapshot().rooms[0].id);
    let move_me = Command::Move {
        participant: me,
        to: room,
    };

    // Free movement is off and the replica knows it: refused, and the participant stays in main.
    let refused = participant.send(move_me.clone()).await;
    assert!(
        matches!(refused, Err(ClientError::Rejected(Rejection::Forbidden(_)))),
        "{refused:?}"
    );
    assert_converged(&server.url, &s.moderator, &[&moderator, &participant]).await;
    assert_eq!(location_of(&participant.snapshot(), me), Location::Main);

    // Now the replica believes moving is allowed, but the endpoint has just forbidden it: the news
    // is held up on the way to the participant (the proxy holds what the endpoint sends).
    let allowed = moderator
        .send(Command::SetFreeMovement { on: true })
        .await
        .unwrap();
    participant
        .wait_until(WAIT, |s| s.version >= allowed)
        .await
        .unwrap();
    proxy.stall_downstream();
    moderator
        .send(Command::SetFreeMovement { on: false })
        .await
        .unwrap();
    let sent = participant.send(move_me);
    let watch = async {
        // The move shows at once, optimistically…
        let shown = participant
            .wait_until(WAIT, |s| location_of(s, me) == room)
            .await
            .expect("the move shows optimistically");
        assert!(shown.free_movement, "the replica has not heard yet");
        // …then the endpoint's answer gets through.
        proxy.flow();
    };
    let (refused, ()) = within("the refusal", async { tokio::join!(sent, watch) }).await;
    assert!(
        matches!(refused, Err(ClientError::Rejected(Rejection::Forbidden(_)))),
        "{refused:?}"
    );
    // Rolled back by itself: back in main, where the endpoint has the participant.
    let rolled_back = within(
        "the rollback",
        participant.wait_until(WAIT, |s| location_of(s, me) == Location::Main),
    )
    .await
    .unwrap();
    assert!(!rolled_back.free_movement);
    let truth = assert_converged(&server.url, &s.moderator, &[&moderator, &participant]).await;
    assert_eq!(location_of(&truth, me), Location::Main);
}

/// When `send` returns, the state the caller reads already includes the answer: right after an ack
/// the command is not shown twice (optimistically on top of its confirmed effect), and right after
/// a rejection the refused move no longer shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_reflects_an_answer_as_soon_as_the_caller_has_it() {
    let server = InProcess::start().await;
    let s = session(&server.url, 0).await;
    let moderator = connect(&server.url, &s.moderator).await;
    for i in 0..60 {
        let text = format!("call {i}");
        let command = Command::CallToAction {
            text: text.clone(),
            link: None,
            target: RoomSelection::All,
        };
        moderator.send(command).await.unwrap();
        assert_eq!(
            calls_with(&moderator.snapshot(), &text),
            1,
            "right after its ack, call {i} shows {} times",
            calls_with(&moderator.snapshot(), &text)
        );
    }
}
