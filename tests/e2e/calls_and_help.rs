//! Call-to-action and help requests through the app: a call aimed at room 1 reaches room 1's bots and
//! a second app instance there (as a banner), not room 2; a bot's help request shows in the
//! moderator's queue live, and taking it tells the bot who is coming.

use crate::support::{self, id, App, Bot};
use breakout_client::Notice;
use breakout_core::{Command, HelpState};
use std::time::Duration;

#[tokio::test]
async fn a_call_to_action_reaches_only_the_rooms_it_targets() {
    let _turn = support::serial().await;
    let moderator = App::launch().await;
    let (link, co_moderator_link) = moderator.start_session("Calls", "Mia Moderator").await;
    let observer = Bot::join(&co_moderator_link, "Olli Observer").await;
    let mut in_first = Bot::join(&link, "Fay First").await;
    let mut in_second = Bot::join(&link, "Sam Second").await;
    let participant = App::launch().await;
    participant.fill("join-link", &link).await;
    participant.fill("join-name", "Pat Participant").await;
    participant.click("join-session").await;
    participant.find(&id("main-view")).await;
    let state = observer
        .sees("Pat joined", |s| s.participants.len() == 5)
        .await;
    let pat = state
        .participants
        .iter()
        .find(|p| p.name == "Pat Participant")
        .unwrap()
        .id;

    let opened = observer.open_rooms(2).await;
    let [first, second] = opened[..] else {
        panic!("two rooms")
    };
    for (who, room) in [
        (in_first.id(), first),
        (pat, first),
        (in_second.id(), second),
    ] {
        observer.place(who, room).await;
    }

    // Opening the rooms shows the dashboard by itself; send the call from there.
    support::open_dashboard(&moderator).await;
    moderator.click("call-to-action").await;
    moderator
        .fill("cta-text", "Five minutes left: write up your findings")
        .await;
    moderator
        .find(&format!(
            "{}[data-room-id='{}']",
            id("cta-target-room"),
            first.0
        ))
        .await
        .click()
        .await
        .unwrap();
    moderator.click("cta-send").await;

    let is_call = |n: &Notice| matches!(n, Notice::CallToAction { .. });
    let Notice::CallToAction { call } = in_first.notified(is_call).await else {
        unreachable!()
    };
    assert_eq!(call.text, "Five minutes left: write up your findings");
    let banner = participant.find(&id("cta-banner")).await;
    participant
        .until("the banner shows the call", || async {
            banner
                .text()
                .await
                .is_ok_and(|t| t.contains("Five minutes left"))
        })
        .await;
    participant.screenshot("8-cta-banner").await;
    moderator.screenshot("8-cta-sent").await;
    // Room 2 heard nothing (its bot has had the same time as room 1's and the app's banner).
    let nothing = tokio::time::timeout(Duration::from_millis(500), async {
        loop {
            match in_second.notices.recv().await {
                Ok(notice) if is_call(&notice) => return notice,
                Ok(_) => continue,
                Err(e) => panic!("{e}"),
            }
        }
    })
    .await;
    assert!(nothing.is_err(), "room 2 got {nothing:?}");
    participant.close().await;
    moderator.close().await;
}

#[tokio::test]
async fn a_help_request_is_queued_live_and_taken() {
    let _turn = support::serial().await;
    let app = App::launch().await;
    let (link, co_moderator_link) = app.start_session("Help", "Mia Moderator").await;
    let observer = Bot::join(&co_moderator_link, "Olli Observer").await;
    let asker = Bot::join(&link, "Hana Helpme").await;
    let opened = observer.open_rooms(2).await;
    observer.place(asker.id(), opened[1]).await;
    support::open_dashboard(&app).await;

    asker.client.send(Command::AskForHelp).await.unwrap();
    let item = app
        .find(&format!("{} {}", id("help-queue"), id("help-item")))
        .await;
    let text = item.text().await.unwrap();
    assert!(text.contains("Hana Helpme"), "{text}");
    app.screenshot("9-help-queue").await;

    app.find(&format!("{} {}", id("help-queue"), id("help-take")))
        .await
        .click()
        .await
        .unwrap();
    let seen = asker
        .sees("someone took the request", |s| {
            s.help
                .iter()
                .any(|h| matches!(h.state, HelpState::TakenBy(_)))
        })
        .await;
    let HelpState::TakenBy(helper) = seen.help[0].state else {
        unreachable!()
    };
    assert_eq!(
        seen.participant(helper).map(|p| p.name.as_str()),
        Some("Mia Moderator"),
        "the bot sees who took it"
    );
    observer
        .sees("the co-moderator sees it taken", |s| {
            s.help.iter().all(|h| h.state == HelpState::TakenBy(helper))
        })
        .await;
    app.until("the queue shows who took it", || async {
        !app.all(&id("help-taken-by")).await.is_empty()
    })
    .await;
    app.screenshot("9-help-taken").await;
    app.close().await;
}
