//! Schema migrations: a data folder written by an older server (the committed fixtures under
//! `tests/fixtures/`) is upgraded in place on open with its sessions intact and served as before; a
//! database written by a newer server is refused with an error naming both versions, by the
//! library and by the binary, and is left as it was.

mod support;

use breakout_core::protocol::CreateSessionResponse;
use breakout_core::{apply, Command, Location, RoomSelection, Session};
use breakout_server::storage::{SqliteStorage, Storage, StorageError, SCHEMA_VERSION};
use breakout_server::DATABASE_FILE;
use std::path::Path;
use std::time::{Duration, Instant};
use support::{sha256_hex, without_presence, TestServer, WsClient};

/// Copy the fixture folder `name` into a fresh temporary directory (fixtures are never written).
fn fixture(name: &str) -> tempfile::TempDir {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let dir = tempfile::tempdir().unwrap();
    for file in support::files_under(&from) {
        let to = dir.path().join(file.strip_prefix(&from).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&file, &to).unwrap();
    }
    dir
}

fn read_json<T: serde::de::DeserializeOwned>(dir: &Path, file: &str) -> T {
    serde_json::from_slice(&std::fs::read(dir.join(file)).unwrap()).unwrap()
}

fn user_version(database: &Path) -> u32 {
    rusqlite::Connection::open(database)
        .unwrap()
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_data_folder_opens_after_migration_with_its_session_intact() {
    let dir = fixture("v1");
    let created: CreateSessionResponse = read_json(dir.path(), "created.json");
    let before: Session = read_json(dir.path(), "state.json");
    let database = dir.path().join(DATABASE_FILE);
    assert_eq!(
        user_version(&database),
        0,
        "version 1 did not set user_version"
    );

    // The storage reads back exactly what the version-1 server read.
    let storage = SqliteStorage::open(&database).unwrap();
    assert_eq!(user_version(&database), SCHEMA_VERSION);
    let loaded = storage
        .load_session(&created.session_id, 0)
        .unwrap()
        .unwrap();
    let mut state = loaded.snapshot;
    for stored in loaded.events {
        apply(&mut state, &stored.event);
    }
    assert_eq!(state, before);
    let document = &before.documents[0];
    assert!(
        storage
            .referenced_blobs()
            .unwrap()
            .contains(&document.sha256),
        "the migration found the blob the session's document uses"
    );
    drop(storage);

    // The server serves it: concrete facts, the moderator's old token, the old join code, the bytes.
    let server = TestServer::start_in(dir, |_| {}).await;
    let id = created.session_id.0.as_str();
    let mut moderator = WsClient::connect_online(&server.base, id, &created.token).await;
    let now = moderator.replica.clone();
    assert_eq!(now.title, "Fixture workshop");
    let names: Vec<&str> = now.participants.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Mona", "Pat", "Quinn", "Cole"]);
    let rooms: Vec<&str> = now.rooms.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(rooms, ["Red", "Room 2"]);
    let red = now.rooms[0].id;
    assert_eq!(now.participants[1].location, Location::Room(red));
    assert!(now.free_movement && now.is_open());
    assert_eq!(now.calls.len(), 1);
    assert_eq!(now.documents.len(), 1);
    assert_eq!(now.documents[0].name, "agenda.txt");
    assert_eq!(now.documents[0].sharing.rooms, [red]);
    assert_eq!(without_presence(&now), without_presence(&before));
    assert!(now.version > before.version, "the version continues");

    let bytes = server
        .api
        .download_raw(id, Some(&created.token), &document.id)
        .await
        .expect_status(200)
        .body
        .clone();
    assert_eq!(sha256_hex(&bytes), document.sha256);
    let rita = server.api.join(id, &created.participant_code, "Rita").await;
    moderator.wait_presence(rita.participant_id, false).await;
    let version = moderator
        .ack(Command::CallToAction {
            text: "Welcome back".into(),
            link: None,
            target: RoomSelection::All,
        })
        .await;
    assert!(version > now.version);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_a_newer_server_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join(DATABASE_FILE);
    drop(SqliteStorage::open(&database).unwrap());
    let newer = SCHEMA_VERSION + 1;
    rusqlite::Connection::open(&database)
        .unwrap()
        .pragma_update(None, "user_version", newer)
        .unwrap();

    let error = SqliteStorage::open(&database).err().expect("refused");
    assert!(
        matches!(error, StorageError::TooNew { found, supported } if found == newer && supported == SCHEMA_VERSION),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains(&format!("version {newer}")), "{message}");
    assert!(
        message.contains(&format!("version {SCHEMA_VERSION}")),
        "{message}"
    );
    assert_eq!(user_version(&database), newer);

    // The binary prints it and exits non-zero instead of serving.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_breakout-server"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > support::WAIT {
            child.kill().unwrap();
            panic!("the server kept running on a newer database");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success());
    assert!(
        stderr.contains(&format!("schema version {newer}")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("version {SCHEMA_VERSION}")),
        "{stderr}"
    );
    assert_eq!(user_version(&database), newer);
}
