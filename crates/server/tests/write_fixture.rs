//! Writes a data folder with the server as it is built, for upgrade tests: the folders under
//! `tests/fixtures/` were each written by this program at one schema version and are kept as they
//! are, so `tests/migrations.rs` can prove that a later server opens them. Run by hand (see
//! `tests/fixtures/README.md`); it is ignored in normal test runs.

mod support;

use breakout_core::{apply, Command, Location, RoomSelection, Session};
use breakout_server::storage::{SqliteStorage, Storage};
use std::path::PathBuf;
use support::{TestServer, WsClient};

/// The bytes of the fixture's one document.
const DOCUMENT: &[u8] = b"Agenda: 1. warm-up 2. breakout 3. share back\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes a fixture; run by hand with BREAKOUT_FIXTURE_OUT set"]
async fn write_fixture() {
    let out = PathBuf::from(
        std::env::var("BREAKOUT_FIXTURE_OUT").expect("BREAKOUT_FIXTURE_OUT names the folder"),
    );
    // A snapshot every 5 events, so the journal holds events after a snapshot.
    let server = TestServer::start_with(|c| c.snapshot_every = 5).await;
    let api = &server.api;
    let s = api.create_session("Fixture workshop", "Mona").await;
    let id = s.session_id.0.as_str();
    let pat = api.join(id, &s.participant_code, "Pat").await;
    let quinn = api.join(id, &s.participant_code, "Quinn").await;
    api.join(id, &s.co_moderator_code, "Cole").await;
    let mut moderator = WsClient::connect_online(&server.base, id, &s.token).await;
    let [red, blue] = moderator.open_rooms::<2>().await;
    moderator
        .ack(Command::RenameRoom {
            room: red,
            name: "Red".into(),
        })
        .await;
    for (who, room) in [(pat.participant_id, red), (quinn.participant_id, blue)] {
        moderator
            .ack(Command::Move {
                participant: who,
                to: Location::Room(room),
            })
            .await;
    }
    let (_, document) = api
        .upload(id, &s.token, "agenda.txt", DOCUMENT.to_vec())
        .await;
    moderator
        .ack(Command::ShareDocument {
            document: document.id,
            target: RoomSelection::Rooms(vec![red]),
        })
        .await;
    moderator.ack(Command::SetFreeMovement { on: true }).await;
    moderator
        .ack(Command::CallToAction {
            text: "Five minutes left".into(),
            link: None,
            target: RoomSelection::All,
        })
        .await;
    moderator.close().await;
    let dir = server.stop().await.expect("the server's temporary folder");

    // The state as this build reads it back: the latest snapshot plus the journal after it.
    let database = dir.path().join(breakout_server::DATABASE_FILE);
    let storage = SqliteStorage::open(&database).unwrap();
    let loaded = storage.load_session(&s.session_id, 0).unwrap().unwrap();
    assert!(!loaded.events.is_empty(), "events follow the snapshot");
    let mut state: Session = loaded.snapshot;
    for stored in loaded.events {
        apply(&mut state, &stored.event);
    }
    drop(storage);
    // Fold the write-ahead log into the database file, so the fixture is one file.
    let conn = rusqlite::Connection::open(&database).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    drop(conn);

    std::fs::create_dir_all(out.join("documents")).unwrap();
    std::fs::copy(&database, out.join(breakout_server::DATABASE_FILE)).unwrap();
    let blob = format!("{}/{}", &document.sha256[..2], document.sha256);
    std::fs::create_dir_all(out.join("documents").join(&document.sha256[..2])).unwrap();
    std::fs::copy(
        dir.path().join("documents").join(&blob),
        out.join("documents").join(&blob),
    )
    .unwrap();
    std::fs::write(out.join("created.json"), pretty(&s)).unwrap();
    std::fs::write(out.join("state.json"), pretty(&state)).unwrap();
}

fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap() + "\n"
}
