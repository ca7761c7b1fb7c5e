//! Retention and garbage collection: a session idle past the retention period is deleted with its
//! journal, snapshots, tokens and blob references, answers 404 from then on, and its document bytes
//! are deleted unless another session's document uses the same bytes; temporary files of unfinished
//! uploads are removed at start.
//!
//! Sessions are written by one server, then one of them is made 31 days idle by moving its stored
//! last activity back (the clock the sweep compares with), and a second server on the same folder
//! sweeps at start.

mod support;

use breakout_core::protocol::ErrorCode;
use breakout_server::DATABASE_FILE;
use std::path::Path;
use std::time::Duration;
use support::{failed_handshake, sha256_hex, TestServer, WsClient};

const ONLY_A: &[u8] = b"notes only session A uses";
const SHARED: &[u8] = b"slides both sessions use";

fn blob(documents: &Path, bytes: &[u8]) -> std::path::PathBuf {
    let sha = sha256_hex(bytes);
    documents.join(&sha[..2]).join(sha)
}

/// Rows stored for `session` in each table that holds per-session data.
fn rows_of(database: &Path, session: &str) -> Vec<(&'static str, i64)> {
    let conn = rusqlite::Connection::open(database).unwrap();
    [
        ("sessions", "id"),
        ("tokens", "session_id"),
        ("events", "session_id"),
        ("snapshots", "session_id"),
        ("blob_refs", "session_id"),
    ]
    .into_iter()
    .map(|(table, column)| {
        let n = conn
            .query_row(
                &format!("SELECT COUNT(*) FROM {table} WHERE {column} = ?1"),
                [session],
                |row| row.get(0),
            )
            .unwrap();
        (table, n)
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_deletes_an_idle_session_and_only_the_bytes_nobody_else_uses() {
    let first = TestServer::start().await;
    let api = &first.api;
    let a = api.create_session("Old", "Mona").await;
    let b = api.create_session("Recent", "Max").await;
    let a_id = a.session_id.0.as_str();
    let b_id = b.session_id.0.as_str();
    let (_, only_a) = api
        .upload(a_id, &a.token, "notes.txt", ONLY_A.to_vec())
        .await;
    api.upload(a_id, &a.token, "slides.pdf", SHARED.to_vec())
        .await;
    let (_, shared_in_b) = api
        .upload(b_id, &b.token, "deck.pdf", SHARED.to_vec())
        .await;
    let pat = api.join(a_id, &a.participant_code, "Pat").await;
    let dir = first.stop().await.unwrap();

    // A was last active 31 days ago; an upload cut short left a temporary file.
    let database = dir.path().join(DATABASE_FILE);
    let month_ago = now_ms() - 31 * 24 * 60 * 60 * 1000;
    rusqlite::Connection::open(&database)
        .unwrap()
        .execute(
            "UPDATE sessions SET last_active_at = ?2 WHERE id = ?1",
            rusqlite::params![a_id, month_ago],
        )
        .unwrap();
    let documents = dir.path().join("documents");
    let leftover = documents.join("tmp").join("upload-interrupted");
    std::fs::write(&leftover, b"half an upload").unwrap();
    assert!(rows_of(&database, a_id).iter().all(|(_, n)| *n > 0));

    let server = TestServer::start_in(dir, |c| c.blob_gc_grace = Duration::ZERO).await;
    let api = &server.api;
    api.wait_metric("breakout_retention_sweeps_total", |n| n >= 1.0)
        .await;
    assert!(!leftover.exists(), "temporary files are removed at start");
    assert_eq!(
        api.metric("breakout_sessions_deleted_total").await,
        Some(1.0)
    );
    assert_eq!(api.metric("breakout_blobs_deleted_total").await, Some(1.0));

    // A is gone everywhere: HTTP, WebSocket, the database, its unshared bytes.
    api.join_raw(a_id, &a.participant_code, "Quinn")
        .await
        .expect_error(404, ErrorCode::NotFound);
    api.download_raw(a_id, Some(&pat.token), &only_a.id)
        .await
        .expect_error(404, ErrorCode::NotFound);
    let (status, error) = failed_handshake(&WsClient::options(&server.base, a_id, &a.token)).await;
    assert_eq!((status, error.code), (404, ErrorCode::NotFound));
    assert!(rows_of(&server.data_dir.join(DATABASE_FILE), a_id)
        .iter()
        .all(|(_, n)| *n == 0));
    assert!(!blob(&server.documents_dir(), ONLY_A).exists());

    // B, recent, keeps its session and the bytes it shares with A.
    assert!(blob(&server.documents_dir(), SHARED).exists());
    let bytes = api
        .download_raw(b_id, Some(&b.token), &shared_in_b.id)
        .await
        .expect_status(200)
        .body
        .clone();
    assert_eq!(bytes, SHARED);
    let moderator = WsClient::connect(&server.base, b_id, &b.token).await;
    assert_eq!(moderator.replica.title, "Recent");
}

/// Wall-clock milliseconds, as the server stores last activity.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}
