//! The database schema as a list of migrations, numbered by SQLite's `user_version`. Opening a
//! database brings it to the latest version in place, one migration per transaction (a failed step
//! leaves the previous version intact); a database written by a newer server is refused, so an old
//! binary never misreads or damages newer data.

use super::StorageError;
use breakout_core::{Event, Session};
use rusqlite::{params, Connection, Transaction};
use std::collections::BTreeSet;

/// One step from version `to - 1` to `to`.
struct Migration {
    to: u32,
    run: fn(&Transaction<'_>) -> Result<(), StorageError>,
}

/// Every migration, in order. Append new ones; never edit one that has shipped.
const MIGRATIONS: &[Migration] = &[
    Migration {
        to: 1,
        run: v1_sessions_journal_snapshots_tokens,
    },
    Migration {
        to: 2,
        run: v2_activity_and_blob_references,
    },
];

/// The schema version this build writes.
pub const LATEST: u32 = 2;

/// Bring the database behind `conn` to [`LATEST`], or refuse a newer one.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StorageError> {
    let found = current_version(conn)?;
    if found > LATEST {
        return Err(StorageError::TooNew {
            found,
            supported: LATEST,
        });
    }
    for migration in MIGRATIONS.iter().filter(|m| m.to > found) {
        let tx = conn.transaction()?;
        (migration.run)(&tx)?;
        tx.pragma_update(None, "user_version", migration.to)?;
        tx.commit()?;
        tracing::info!(version = migration.to, "database schema migrated");
    }
    Ok(())
}

/// The stored `user_version`. Servers before migrations left it at 0 with the version-1 tables in
/// place; such a database counts as version 1.
fn current_version(conn: &Connection) -> Result<u32, StorageError> {
    let version: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version > 0 {
        return Ok(version);
    }
    let has_sessions: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sessions')",
        [],
        |row| row.get(0),
    )?;
    Ok(u32::from(has_sessions))
}

fn v1_sessions_journal_snapshots_tokens(tx: &Transaction<'_>) -> Result<(), StorageError> {
    tx.execute_batch(
        "
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            epoch INTEGER NOT NULL,
            participant_code_hash TEXT NOT NULL,
            co_moderator_code_hash TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE tokens (
            token_hash TEXT PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES sessions(id),
            participant_id INTEGER NOT NULL
        );
        CREATE INDEX tokens_by_session ON tokens(session_id);
        CREATE TABLE events (
            session_id TEXT NOT NULL REFERENCES sessions(id),
            version INTEGER NOT NULL,
            command_id TEXT,
            event TEXT NOT NULL,
            PRIMARY KEY (session_id, version)
        ) WITHOUT ROWID;
        CREATE TABLE snapshots (
            session_id TEXT NOT NULL REFERENCES sessions(id),
            version INTEGER NOT NULL,
            state TEXT NOT NULL,
            PRIMARY KEY (session_id, version)
        ) WITHOUT ROWID;
        ",
    )?;
    Ok(())
}

/// Each session's last activity (for retention) and the blobs each session's documents use (for
/// garbage collection by reference). Sessions stored before count as active at the upgrade, so an
/// upgrade never deletes anything by itself.
fn v2_activity_and_blob_references(tx: &Transaction<'_>) -> Result<(), StorageError> {
    tx.execute_batch(
        "
        ALTER TABLE sessions ADD COLUMN last_active_at INTEGER NOT NULL DEFAULT 0;
        UPDATE sessions SET last_active_at = MAX(created_at, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
        CREATE INDEX sessions_by_activity ON sessions(last_active_at);
        CREATE TABLE blob_refs (
            session_id TEXT NOT NULL REFERENCES sessions(id),
            sha256 TEXT NOT NULL,
            PRIMARY KEY (session_id, sha256)
        ) WITHOUT ROWID;
        CREATE INDEX blob_refs_by_sha256 ON blob_refs(sha256);
        ",
    )?;
    // A document never leaves a session, so the latest snapshot's documents plus every journaled
    // `DocumentAdded` are all the blobs a session uses.
    let mut used = BTreeSet::new();
    let mut snapshots = tx.prepare(
        "SELECT s.session_id, s.state FROM snapshots s
         WHERE s.version = (SELECT MAX(version) FROM snapshots WHERE session_id = s.session_id)",
    )?;
    let rows = snapshots.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (session, state) = row?;
        let state: Session = serde_json::from_str(&state)?;
        used.extend(
            state
                .documents
                .into_iter()
                .map(|d| (session.clone(), d.sha256)),
        );
    }
    let mut events = tx
        .prepare(r#"SELECT session_id, event FROM events WHERE event LIKE '%"document_added"%'"#)?;
    let rows = events.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (session, event) = row?;
        if let Event::DocumentAdded { document } = serde_json::from_str(&event)? {
            used.insert((session, document.sha256));
        }
    }
    let mut insert = tx.prepare("INSERT INTO blob_refs (session_id, sha256) VALUES (?1, ?2)")?;
    for (session, sha256) in used {
        insert.execute(params![session, sha256])?;
    }
    Ok(())
}
