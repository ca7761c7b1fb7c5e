//! Documents through the app: three files uploaded from the (env-supplied) file dialog, one shared
//! with all rooms through "Share documents", one dragged into room 2's "Shared documents" field with
//! pointer actions; a participant bot can fetch only what its room may see, and moving rooms changes
//! that at once.

use crate::support::{self, id, App, Bot};
use breakout_client::{CancellationToken, ClientError, ProgressFn};
use breakout_core::Document;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Three distinct files in `dir`.
fn three_files(dir: &Path) -> Vec<PathBuf> {
    ["agenda.txt", "room-two-brief.txt", "spare notes.txt"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let path = dir.join(name);
            std::fs::write(&path, format!("document {i}: {name}\n").repeat(2_000)).unwrap();
            path
        })
        .collect()
}

async fn download(bot: &Bot, document: &Document, target: &Path) -> Result<(), ClientError> {
    let quiet: ProgressFn = Arc::new(|_| {});
    bot.api
        .download(&bot.who, document, target, quiet, CancellationToken::new())
        .await
}

#[tokio::test]
async fn documents_reach_only_the_rooms_they_are_shared_with() {
    let _turn = support::serial().await;
    let files = tempfile::tempdir().unwrap();
    let paths = three_files(files.path());
    let pick = std::env::join_paths(&paths).unwrap();
    let app = App::launch_with(&[("BREAKOUT_PICK_FILES", pick.to_str().unwrap())]).await;
    let (link, co_moderator_link) = app.start_session("Documents", "Mia Moderator").await;
    let observer = Bot::join(&co_moderator_link, "Olli Observer").await;
    let reader = Bot::join(&link, "Rita Reader").await;

    app.click("upload-documents").await;
    let state = observer
        .sees("three documents", |s| s.documents.len() == 3)
        .await;
    let named = |name: &str| {
        state
            .documents
            .iter()
            .find(|d| d.name == name)
            .cloned()
            .unwrap()
    };
    let (agenda, brief) = (named("agenda.txt"), named("room-two-brief.txt"));
    app.until("the library lists three documents", || async {
        app.all(&id("document-item")).await.len() >= 3
    })
    .await;

    let opened = observer.open_rooms(2).await;
    let [first, second] = opened[..] else {
        panic!("two rooms")
    };
    observer.place(reader.id(), first).await;
    support::open_dashboard(&app).await;

    // "Share documents" (top right) → the agenda goes to every room.
    app.click("share-documents").await;
    app.find(&format!(
        "{}[data-document-id='{}']",
        id("share-document-option"),
        agenda.id.0
    ))
    .await
    .click()
    .await
    .unwrap();
    app.click("share-documents-confirm").await;
    observer
        .sees("the agenda shared with all rooms", |s| {
            s.documents
                .iter()
                .any(|d| d.id == agenda.id && d.sharing.all_rooms)
        })
        .await;

    // The brief is dragged from the library into room 2's field.
    let card = App::room_card(second);
    app.find(&format!("{card} {}", id("room-documents-toggle")))
        .await
        .click()
        .await
        .unwrap();
    app.drag(
        &format!(
            "{} {}[data-document-id='{}']",
            id("dashboard-library"),
            id("document-item"),
            brief.id.0
        ),
        &format!("{card} {}", id("room-documents")),
    )
    .await;
    observer
        .sees("the brief shared with room 2 only", |s| {
            s.documents
                .iter()
                .any(|d| d.id == brief.id && d.sharing.rooms == [second] && !d.sharing.all_rooms)
        })
        .await;
    let in_field = format!(
        "{card} {}[data-document-id='{}']",
        id("room-document-item"),
        brief.id.0
    );
    app.until("room 2's field lists the brief", || async {
        !app.all(&in_field).await.is_empty()
    })
    .await;
    app.screenshot("7-documents").await;

    // The reader in room 1 sees and fetches the agenda, not the brief.
    reader
        .sees("the agenda but not the brief", |s| {
            s.documents.iter().any(|d| d.id == agenda.id)
                && !s.documents.iter().any(|d| d.id == brief.id)
        })
        .await;
    let downloads = files.path().join("downloads");
    std::fs::create_dir(&downloads).unwrap();
    download(&reader, &agenda, &downloads.join("agenda.txt"))
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(downloads.join("agenda.txt")).unwrap(),
        std::fs::read(&paths[0]).unwrap()
    );
    let refused = download(&reader, &brief, &downloads.join("brief.txt"))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ClientError::Api { status: 403, .. }),
        "{refused:?}"
    );
    assert!(!downloads.join("brief.txt").exists(), "nothing kept");

    // Moved to room 2, the reader sees and fetches the brief.
    observer.place(reader.id(), second).await;
    reader
        .sees("the brief", |s| {
            s.documents.iter().any(|d| d.id == brief.id)
        })
        .await;
    download(&reader, &brief, &downloads.join("brief.txt"))
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(downloads.join("brief.txt")).unwrap(),
        std::fs::read(&paths[1]).unwrap()
    );
    app.close().await;
}
