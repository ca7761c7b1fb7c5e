//! Moderator safety tools through the app: the moderator removes a bot from the participant list
//! (behind a confirmation; Cancel changes nothing) and the bot's client stops with the removal
//! reason; then "New invite codes" shows new links, the old link is refused and the new one works.

use crate::support::{self, id, App, Bot};
use breakout_client::{ClientError, ConnectionState, Invite, Notice};
use breakout_core::protocol::REMOVED_REASON;

#[tokio::test]
async fn the_moderator_removes_someone_and_replaces_the_invite_links() {
    let _turn = support::serial().await;
    let moderator = App::launch().await;
    let (link, co_moderator_link) = moderator.start_session("Safety", "Mia Moderator").await;
    let observer = Bot::join(&co_moderator_link, "Olli Observer").await;
    let mut troll = Bot::join(&link, "Tom Troll").await;
    observer
        .sees("Tom joined", |s| s.participant(troll.id()).is_some())
        .await;
    let remove = format!(
        "{}[data-participant-id='{}'] {}",
        id("participant-row"),
        troll.id().0,
        id("remove-participant")
    );

    // Cancel first: nothing happens.
    moderator.find(&remove).await.click().await.unwrap();
    moderator.find(&id("confirm-dialog")).await;
    moderator.click("cancel").await;
    moderator
        .until("the dialog closes", || async {
            moderator.all(&id("confirm-dialog")).await.is_empty()
        })
        .await;

    moderator.find(&remove).await.click().await.unwrap();
    moderator.screenshot("9-confirm-removal").await;
    moderator.click("confirm").await;
    let Notice::Removed { reason } = troll
        .notified(|n| matches!(n, Notice::Removed { .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(reason, REMOVED_REASON);
    assert!(matches!(
        *troll.client.connection().borrow(),
        ConnectionState::Removed { .. }
    ));
    observer
        .sees("Tom is gone", |s| s.participant(troll.id()).is_none())
        .await;
    moderator
        .until("Tom's row is gone", || async {
            moderator.all(&remove).await.is_empty()
        })
        .await;

    // New invite codes: the links change, the old one is refused, the new one works.
    moderator.click("rotate-codes").await;
    moderator.click("confirm").await;
    moderator
        .until("the invite link changes", || async {
            moderator.input_value("invite-link").await != link
        })
        .await;
    let new_link = moderator.input_value("invite-link").await;
    assert_ne!(
        moderator.input_value("co-moderator-invite-link").await,
        co_moderator_link
    );
    moderator.screenshot("9-new-invite-links").await;
    let old = Invite::parse(&link).unwrap();
    match observer
        .api
        .join(&old.session, &old.code, "Tom Again")
        .await
    {
        Err(ClientError::Api { status: 403, .. }) => {}
        other => panic!("the old invite link must be refused, got {other:?}"),
    }
    let newcomer = Bot::join(&new_link, "Nina Newcomer").await;
    observer
        .sees("Nina joined", |s| s.participant(newcomer.id()).is_some())
        .await;
    moderator.close().await;
}
