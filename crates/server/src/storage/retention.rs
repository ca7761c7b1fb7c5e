//! The SQLite side of a session's lifecycle: its last activity, the blobs its documents use, and
//! deleting it with everything stored for it. Kept apart from the journal code in `sqlite.rs`.

use super::{Batch, StorageError};
use breakout_core::{Event, SessionId, Timestamp};
use rusqlite::{params, Transaction};
use std::collections::HashSet;
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock time in milliseconds, as stored in `last_active_at`.
pub(super) fn now() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    Timestamp(ms)
}

/// Note what a committed batch means for the session's lifecycle: it was active now (unless it
/// only stores a snapshot), and every document it added uses its blob.
pub(super) fn record(
    tx: &Transaction<'_>,
    id: &SessionId,
    batch: &Batch,
) -> Result<(), StorageError> {
    if !batch.events.is_empty() || !batch.tokens.is_empty() {
        tx.prepare_cached(
            "UPDATE sessions SET last_active_at = MAX(last_active_at, ?2) WHERE id = ?1",
        )?
        .execute(params![id.0, now().0 as i64])?;
    }
    let mut insert =
        tx.prepare_cached("INSERT OR IGNORE INTO blob_refs (session_id, sha256) VALUES (?1, ?2)")?;
    for stored in &batch.events {
        if let Event::DocumentAdded { document } = &stored.event {
            insert.execute(params![id.0, document.sha256])?;
        }
    }
    Ok(())
}

pub(super) fn idle_sessions(
    tx: &Transaction<'_>,
    before: Timestamp,
    limit: usize,
) -> Result<Vec<SessionId>, StorageError> {
    let mut stmt = tx.prepare(
        "SELECT id FROM sessions WHERE last_active_at < ?1 ORDER BY last_active_at LIMIT ?2",
    )?;
    let ids = stmt
        .query_map(params![before.0 as i64, limit as i64], |row| {
            Ok(SessionId(row.get(0)?))
        })?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

pub(super) fn delete_if_idle(
    tx: &Transaction<'_>,
    id: &SessionId,
    before: Timestamp,
) -> Result<bool, StorageError> {
    let idle: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM sessions WHERE id = ?1 AND last_active_at < ?2)",
        params![id.0, before.0 as i64],
        |row| row.get(0),
    )?;
    if !idle {
        return Ok(false);
    }
    for table in ["blob_refs", "tokens", "events", "snapshots"] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE session_id = ?1"),
            params![id.0],
        )?;
    }
    tx.execute("DELETE FROM sessions WHERE id = ?1", params![id.0])?;
    Ok(true)
}

pub(super) fn referenced_blobs(tx: &Transaction<'_>) -> Result<HashSet<String>, StorageError> {
    let mut stmt = tx.prepare("SELECT DISTINCT sha256 FROM blob_refs")?;
    let used = stmt
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(used)
}

#[cfg(test)]
mod tests {
    use crate::storage::{Batch, SessionRecord, SqliteStorage, Storage, StoredEvent};
    use breakout_core::Timestamp;
    use breakout_core::{Document, DocumentId, Event, ParticipantId, Session, SessionId, Sharing};
    use std::path::Path;

    /// A session created at `created_at` with one document of these bytes, last active then.
    fn session(
        storage: &SqliteStorage,
        path: &Path,
        id: &str,
        created_at: u64,
        sha256: &str,
    ) -> SessionId {
        let id = SessionId(id.into());
        let record = SessionRecord {
            id: id.clone(),
            epoch: 1,
            participant_code_hash: "p".into(),
            co_moderator_code_hash: "c".into(),
            created_at: Timestamp(created_at),
        };
        let document = Document {
            id: DocumentId(sha256[..4].into()),
            name: "a.txt".into(),
            size: 1,
            sha256: sha256.into(),
            uploader: ParticipantId(1),
            sharing: Sharing::default(),
        };
        let batch = Batch {
            events: vec![StoredEvent {
                version: 1,
                command_id: None,
                event: Event::DocumentAdded { document },
            }],
            ..Batch::default()
        };
        let initial = Session::new(id.clone(), "T".into(), 1);
        storage
            .create_session(&record, &initial, &Batch::default())
            .unwrap();
        // Committing counts as activity now: move it back to the creation time for the test.
        storage.commit(&id, &batch, 10).unwrap();
        rusqlite::Connection::open(path)
            .unwrap()
            .execute(
                "UPDATE sessions SET last_active_at = ?2 WHERE id = ?1",
                rusqlite::params![id.0, created_at as i64],
            )
            .unwrap();
        id
    }

    #[test]
    fn only_sessions_idle_before_the_given_time_are_deleted_with_their_references() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let storage = SqliteStorage::open(&path).unwrap();
        let old = session(&storage, &path, "old", 1_000, "aaaa-shared");
        let young = session(&storage, &path, "young", 5_000, "aaaa-shared");
        session(&storage, &path, "other", 5_000, "bbbb-other");

        assert_eq!(
            storage.idle_sessions(Timestamp(2_000), 10).unwrap(),
            std::slice::from_ref(&old)
        );
        assert!(!storage
            .delete_session_if_idle(&young, Timestamp(2_000))
            .unwrap());
        assert!(!storage
            .delete_session_if_idle(&old, Timestamp(1_000))
            .unwrap());
        assert!(storage
            .delete_session_if_idle(&old, Timestamp(2_000))
            .unwrap());
        assert!(storage.load_session(&old, 10).unwrap().is_none());
        assert!(storage.load_session(&young, 10).unwrap().is_some());
        let used = storage.referenced_blobs().unwrap();
        assert!(used.contains("aaaa-shared") && used.contains("bbbb-other"));
        assert!(storage
            .delete_session_if_idle(&young, Timestamp(6_000))
            .unwrap());
        assert!(!storage.referenced_blobs().unwrap().contains("aaaa-shared"));
    }
}
