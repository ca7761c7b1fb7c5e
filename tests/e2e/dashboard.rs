//! The breakout dashboard: starting and joining, auto-assign, pointer and keyboard moves, free
//! movement, bring back and stop, a second app as a participant, and refused input.

use crate::support::{self, id, location, room_sizes, rooms, App, Bot};
use breakout_client::{ClientError, Notice};
use breakout_core::{Command, Location, Rejection};
use fantoccini::key::Key;

/// The moderator's app with a started session, 12 bots in it, the dashboard open with 3 rooms and
/// everyone auto-assigned; `observer` is a co-moderator bot whose replica is the endpoint's state.
struct Dashboard {
    app: App,
    bots: Vec<Bot>,
    observer: Bot,
}

async fn dashboard_with_assigned_rooms() -> Dashboard {
    let app = App::launch().await;
    let (link, co_moderator_link) = app.start_session("Workshop", "Mia Moderator").await;
    let observer = Bot::join(&co_moderator_link, "Olli Observer").await;
    let mut bots = Vec::new();
    for n in 1..=12 {
        bots.push(Bot::join(&link, &format!("Participant {n:02}")).await);
    }
    // Everyone shows up in the moderator's participant list.
    app.until("14 people are listed", || async {
        app.all(&id("participant-row")).await.len() == 14
    })
    .await;

    app.click("open-breakout-dashboard").await;
    app.find(&id("dashboard")).await;
    app.fill("room-count", "3").await;
    app.click("apply-room-count").await;
    app.until("3 room cards show", || async {
        app.all(&id("room-card")).await.len() == 3
    })
    .await;
    app.click("auto-assign").await;
    let state = observer
        .sees("everyone assigned", |s| room_sizes(s) == [4, 4, 4])
        .await;
    for room in &state.rooms {
        app.until("the dashboard shows 4 people per room", || async {
            app.chips_in(&App::room_card(room.id)).await.len() == 4
        })
        .await;
    }
    Dashboard {
        app,
        bots,
        observer,
    }
}

/// Every bot's replica agrees that `who` is at `at`.
async fn all_bots_see(bots: &[Bot], who: breakout_core::ParticipantId, at: Location) {
    for bot in bots {
        bot.sees("the move", |s| location(s, who) == at).await;
    }
}

#[tokio::test]
async fn auto_assign_fills_three_rooms_evenly() {
    let _turn = support::serial().await;
    let d = dashboard_with_assigned_rooms().await;
    let state = d.observer.client.snapshot();
    assert_eq!(room_sizes(&state), [4, 4, 4]);
    for bot in &d.bots {
        assert!(
            matches!(location(&state, bot.id()), Location::Room(_)),
            "{} was left in the main room",
            bot.name
        );
    }
    assert!(
        d.app.chips_in(&id("main-room-area")).await.len() <= 2,
        "only staff stay in the main room"
    );
    d.app.screenshot("1-auto-assign").await;
    d.app.close().await;
}

#[tokio::test]
async fn dragging_a_chip_moves_the_participant_everywhere() {
    let _turn = support::serial().await;
    let d = dashboard_with_assigned_rooms().await;
    let state = d.observer.client.snapshot();
    let [first, second, _] = rooms(&state)[..] else {
        panic!("three rooms")
    };
    let who = d.app.chips_in(&App::room_card(first)).await[0];

    d.app.drag(&App::chip(who), &App::room_card(second)).await;

    d.observer
        .sees("the dragged participant in room 2", |s| {
            location(s, who) == Location::Room(second)
        })
        .await;
    all_bots_see(&d.bots, who, Location::Room(second)).await;
    d.app
        .until("the chip sits in room 2's card", || async {
            d.app.chips_in(&App::room_card(second)).await.contains(&who)
        })
        .await;
    d.app.screenshot("2-pointer-drag").await;
    d.app.close().await;
}

#[tokio::test]
async fn a_chip_moves_from_the_keyboard() {
    let _turn = support::serial().await;
    let d = dashboard_with_assigned_rooms().await;
    let state = d.observer.client.snapshot();
    let [first, _, third] = rooms(&state)[..] else {
        panic!("three rooms")
    };
    let who = d.app.chips_in(&App::room_card(first)).await[0];

    let chip = d.app.find(&App::chip(who)).await;
    chip.send_keys(&Key::Enter.to_string()).await.unwrap();
    d.app.find(&id("move-menu")).await;
    let option = d
        .app
        .find(&format!(
            "{}[data-location='{}']",
            id("move-option"),
            third.0
        ))
        .await;
    option.send_keys(&Key::Enter.to_string()).await.unwrap();

    d.observer
        .sees("the participant in room 3", |s| {
            location(s, who) == Location::Room(third)
        })
        .await;
    all_bots_see(&d.bots, who, Location::Room(third)).await;
    d.app
        .until("the chip sits in room 3's card", || async {
            d.app.chips_in(&App::room_card(third)).await.contains(&who)
        })
        .await;
    d.app.screenshot("3-keyboard-move").await;
    d.app.close().await;
}

#[tokio::test]
async fn participants_move_themselves_only_when_allowed() {
    let _turn = support::serial().await;
    let d = dashboard_with_assigned_rooms().await;
    let state = d.observer.client.snapshot();
    let bot = &d.bots[0];
    let here = location(&state, bot.id());
    let elsewhere = rooms(&state)
        .into_iter()
        .map(Location::Room)
        .find(|room| *room != here)
        .unwrap();
    let move_myself = Command::Move {
        participant: bot.id(),
        to: elsewhere,
    };

    let refused = bot.client.send(move_myself.clone()).await.unwrap_err();
    assert!(
        matches!(refused, ClientError::Rejected(Rejection::Forbidden(_))),
        "{refused:?}"
    );
    assert_eq!(location(&d.observer.client.snapshot(), bot.id()), here);

    let switch = d.app.find(&id("free-movement")).await;
    assert_eq!(
        switch.attr("aria-checked").await.unwrap().as_deref(),
        Some("false")
    );
    switch.click().await.unwrap();
    bot.sees("free movement on", |s| s.free_movement).await;
    d.app
        .until("the switch shows on", || async {
            d.app
                .find(&id("free-movement"))
                .await
                .attr("aria-checked")
                .await
                .unwrap()
                .as_deref()
                == Some("true")
        })
        .await;

    bot.client.send(move_myself).await.unwrap();
    let Location::Room(target) = elsewhere else {
        unreachable!()
    };
    d.app
        .until("the self-move shows on the dashboard", || async {
            d.app
                .chips_in(&App::room_card(target))
                .await
                .contains(&bot.id())
        })
        .await;
    d.app.screenshot("4-free-movement").await;
    d.app.close().await;
}

#[tokio::test]
async fn bring_back_one_room_then_stop_returns_everyone() {
    let _turn = support::serial().await;
    let mut d = dashboard_with_assigned_rooms().await;
    let state = d.observer.client.snapshot();
    let second = rooms(&state)[1];
    let card = App::room_card(second);
    let group = d.app.chips_in(&card).await;
    assert_eq!(group.len(), 4);

    d.app
        .find(&format!("{card} {}", id("bring-back-room")))
        .await
        .click()
        .await
        .unwrap();
    d.observer
        .sees("room 2's group back in main", |s| {
            group.iter().all(|p| location(s, *p) == Location::Main) && room_sizes(s) == [4, 0, 4]
        })
        .await;
    d.app
        .until(
            "room 2's card is empty and main holds its people",
            || async {
                let main = d.app.chips_in(&id("main-room-area")).await;
                d.app.chips_in(&card).await.is_empty() && group.iter().all(|p| main.contains(p))
            },
        )
        .await;

    d.app.click("stop-breakouts").await;
    d.observer
        .sees("everyone in main", |s| {
            s.participants.iter().all(|p| p.location == Location::Main)
        })
        .await;
    for bot in &mut d.bots {
        bot.notified(|n| matches!(n, Notice::BreakoutsStopped))
            .await;
    }
    d.app.find(&id("notification")).await;
    d.app.screenshot("5-stopped").await;
    d.app.close().await;
}

#[tokio::test]
async fn a_second_app_joins_as_participant_through_the_invite_link() {
    let _turn = support::serial().await;
    let moderator = App::launch().await;
    let (link, co_moderator_link) = moderator.start_session("Seminar", "Mia Moderator").await;
    let observer = Bot::join(&co_moderator_link, "Olli Observer").await;
    let other = Bot::join(&link, "Bea Bot").await;

    let participant = App::launch().await;
    participant.fill("join-link", &link).await;
    participant.fill("join-name", "Pat Participant").await;
    participant.click("join-session").await;
    participant.find(&id("main-view")).await;
    let state = observer
        .sees("Pat joined", |s| {
            s.participants.iter().any(|p| p.name == "Pat Participant")
        })
        .await;
    let pat = state
        .participants
        .iter()
        .find(|p| p.name == "Pat Participant")
        .unwrap()
        .id;

    moderator.click("open-breakout-dashboard").await;
    moderator.fill("room-count", "2").await;
    moderator.click("apply-room-count").await;
    let state = observer.sees("two rooms", |s| s.rooms.len() == 2).await;
    let [first, second] = rooms(&state)[..] else {
        panic!("two rooms")
    };
    moderator
        .drag(&App::chip(other.id()), &App::room_card(first))
        .await;
    observer
        .sees("Bea in room 1", |s| {
            location(s, other.id()) == Location::Room(first)
        })
        .await;

    // The participant's dashboard: everyone visible, nobody else draggable.
    support::open_dashboard(&participant).await;
    participant
        .until("Bea shows in room 1", || async {
            participant
                .chips_in(&App::room_card(first))
                .await
                .contains(&other.id())
        })
        .await;
    let bea = participant.find(&App::chip(other.id())).await;
    assert_eq!(
        bea.attr("aria-disabled").await.unwrap().as_deref(),
        Some("true"),
        "a participant cannot drag someone else"
    );
    participant
        .drag(&App::chip(other.id()), &App::room_card(second))
        .await;
    participant
        .drag(&App::chip(pat), &App::room_card(second))
        .await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let now = observer.client.snapshot();
    assert_eq!(location(&now, other.id()), Location::Room(first));
    assert_eq!(location(&now, pat), Location::Main, "no free movement yet");
    participant.screenshot("6-participant-locked").await;

    moderator.click("free-movement").await;
    observer.sees("free movement", |s| s.free_movement).await;
    participant
        .until("the switch reached the participant", || async {
            participant
                .find(&App::chip(pat))
                .await
                .attr("aria-disabled")
                .await
                .unwrap()
                .as_deref()
                != Some("true")
        })
        .await;
    participant
        .drag(&App::chip(pat), &App::room_card(second))
        .await;
    observer
        .sees("Pat in room 2", |s| {
            location(s, pat) == Location::Room(second)
        })
        .await;
    moderator
        .until("the moderator's dashboard shows Pat in room 2", || async {
            moderator
                .chips_in(&App::room_card(second))
                .await
                .contains(&pat)
        })
        .await;
    participant.screenshot("6-participant-dashboard").await;

    participant.click("close-dashboard").await;
    participant
        .until("the dashboard closed", || async {
            participant.all(&id("dashboard")).await.is_empty()
        })
        .await;
    participant.find(&id("main-view")).await;
    participant.close().await;
    moderator.close().await;
}

#[tokio::test]
async fn bad_input_is_refused_with_a_reason_and_changes_nothing() {
    let _turn = support::serial().await;
    let app = App::launch().await;

    app.fill("join-link", "https://example.org/not-an-invite")
        .await;
    app.fill("join-name", "Pat").await;
    app.click("join-session").await;
    let error = app.find(&id("join-error")).await.text().await.unwrap();
    assert!(error.contains("invite link"), "{error}");

    app.fill("start-title", "Workshop").await;
    app.fill("start-name", "   ").await;
    app.click("start-session").await;
    let error = app.find(&id("start-error")).await.text().await.unwrap();
    assert!(error.to_lowercase().contains("name"), "{error}");
    assert!(app.all(&id("main-view")).await.is_empty());
    app.screenshot("0-start-refused").await;

    // The same screen then starts a session normally: nothing was left half-done.
    let (link, _) = app.start_session("Workshop", "Mia Moderator").await;
    let bot = Bot::join(&link, "Ann").await;
    let state = bot.sees("two people", |s| s.participants.len() == 2).await;
    assert_eq!(state.title, "Workshop");
    app.until("Ann is listed", || async {
        app.all(&id("participant-row")).await.len() == 2
    })
    .await;
    app.screenshot("0-main-room").await;
    app.close().await;
}
