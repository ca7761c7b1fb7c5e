//! Offline preparation: with no endpoint running, files dropped into the library folder show up and a
//! room plan is edited (rooms, per-room documents, CSV pre-assignments); then a session starts and
//! the plan is applied — documents uploaded once (a second apply uploads nothing), rooms and shares
//! as planned — and bots named in the plan land in their rooms as they join.

use crate::support::{self, id, location, App, Bot};
use breakout_core::{Location, Session};

fn room_named(session: &Session, name: &str) -> Option<breakout_core::RoomId> {
    session.rooms.iter().find(|r| r.name == name).map(|r| r.id)
}

#[tokio::test]
async fn a_plan_prepared_offline_is_applied_to_a_live_session() {
    let _turn = support::serial().await;
    let library = tempfile::tempdir().unwrap();
    let app = App::launch().await;

    app.click("open-prepare").await;
    app.find(&id("prepare-screen")).await;
    app.fill("library-folder", library.path().to_str().unwrap())
        .await;
    app.click("library-folder-save").await;
    std::fs::write(library.path().join("red-brief.txt"), "for the red room\n").unwrap();
    std::fs::write(library.path().join("blue-brief.txt"), "for the blue room\n").unwrap();
    app.until("both files are in the library", || async {
        app.all(&id("library-file")).await.len() == 2
    })
    .await;

    app.fill("plan-room-count", "2").await;
    app.until("two planned rooms", || async {
        app.all(&id("plan-room")).await.len() == 2
    })
    .await;
    for (index, (name, file)) in [("Red", "red-brief.txt"), ("Blue", "blue-brief.txt")]
        .into_iter()
        .enumerate()
    {
        let row = format!("{}[data-index='{index}']", id("plan-room"));
        let input = app.find(&format!("{row} {}", id("plan-room-name"))).await;
        app.replace_text(&input, name).await;
        app.find(&format!(
            "{row} {}[data-name='{file}']",
            id("plan-room-document")
        ))
        .await
        .click()
        .await
        .unwrap();
    }
    app.click("plan-save").await;
    app.find(&id("plan-saved")).await;
    app.fill("plan-csv", "name,room\nAnn,Red\nBob,Blue\n").await;
    app.click("plan-csv-import").await;
    app.until("the import put Ann in Red", || async {
        let members = app
            .find(&format!(
                "{}[data-index='0'] {}",
                id("plan-room"),
                id("plan-room-members")
            ))
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        members.contains("Ann")
    })
    .await;
    app.screenshot("10-offline-plan").await;
    app.click("close-prepare").await;

    let (link, co_moderator_link) = app.start_session("Planned", "Mia Moderator").await;
    let observer = Bot::join(&co_moderator_link, "Olli Observer").await;
    app.click("open-prepare").await;
    app.click("apply-plan").await;
    let report = app.find(&id("apply-plan-result")).await;
    app.until("the first apply uploaded both files", || async {
        report.text().await.is_ok_and(|t| t.contains("Uploaded 2"))
    })
    .await;
    let state = observer
        .sees("rooms and shares as planned", |s| {
            let (Some(red), Some(blue)) = (room_named(s, "Red"), room_named(s, "Blue")) else {
                return false;
            };
            let shared = |name: &str, room| {
                s.documents
                    .iter()
                    .any(|d| d.name == name && d.sharing.rooms == [room])
            };
            s.rooms.len() == 2
                && s.documents.len() == 2
                && shared("red-brief.txt", red)
                && shared("blue-brief.txt", blue)
        })
        .await;
    let version = state.version;

    app.click("apply-plan").await;
    app.until("the second apply uploaded nothing", || async {
        app.find(&id("apply-plan-result"))
            .await
            .text()
            .await
            .is_ok_and(|t| t.contains("Uploaded 0"))
    })
    .await;
    let again = observer.client.snapshot();
    assert_eq!(again.documents.len(), 2, "nothing uploaded twice");
    assert_eq!(again.version, version, "nothing changed the second time");

    let ann = Bot::join(&link, "Ann").await;
    let bob = Bot::join(&link, "Bob").await;
    let cy = Bot::join(&link, "Cy").await;
    // The observer may hear of a join after the moves that followed it: wait until all three are in.
    let state = observer
        .sees("the planned people in their rooms", |s| {
            let at = |who| s.participant(who).map(|p| p.location);
            at(cy.id()).is_some()
                && at(ann.id()) == room_named(s, "Red").map(Location::Room)
                && at(bob.id()) == room_named(s, "Blue").map(Location::Room)
        })
        .await;
    assert_eq!(location(&state, cy.id()), Location::Main, "not in the plan");
    app.click("close-prepare").await;
    support::open_dashboard(&app).await;
    app.screenshot("10-plan-applied").await;
    app.close().await;
}
