//! The default storage: one SQLite file in WAL mode with `synchronous=FULL`, so a committed
//! transaction survives a crash or power cut. One connection behind a mutex: the server calls it
//! from blocking threads, and each session already batches its writes into one transaction.

use super::{migrations, retention};
use super::{Batch, LoadedSession, SessionRecord, Storage, StorageError, StoredEvent};
use breakout_core::{ParticipantId, Session, SessionId, Timestamp};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::collections::HashSet;
use std::path::Path;
use std::sync::Mutex;

/// Sessions in a SQLite database file.
pub struct SqliteStorage {
    conn: Mutex<Connection>,
}

impl SqliteStorage {
    /// Open (or create) the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteStorage, StorageError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // First, so a newer database is refused before anything (even its journal mode) changes.
        migrations::migrate(&mut conn)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        Ok(SqliteStorage {
            conn: Mutex::new(conn),
        })
    }

    fn with_transaction<T>(
        &self,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let tx = conn.transaction()?;
        let out = work(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

fn write_batch(tx: &Transaction<'_>, id: &SessionId, batch: &Batch) -> Result<(), StorageError> {
    let mut insert_event = tx.prepare_cached(
        "INSERT INTO events (session_id, version, command_id, event) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for e in &batch.events {
        let json = serde_json::to_string(&e.event)?;
        insert_event.execute(params![id.0, e.version as i64, e.command_id, json])?;
    }
    let mut insert_token = tx.prepare_cached(
        "INSERT INTO tokens (token_hash, session_id, participant_id) VALUES (?1, ?2, ?3)",
    )?;
    for (hash, participant) in &batch.tokens {
        insert_token.execute(params![hash, id.0, participant.0 as i64])?;
    }
    if let Some(snapshot) = &batch.snapshot {
        write_snapshot(tx, snapshot)?;
    }
    write_revocations_and_codes(tx, id, batch)?;
    retention::record(tx, id, batch)
}

/// Moderator safety tools: a removed participant's tokens are deleted (never authenticated again,
/// also after a restart) and rotated join codes replace the stored hashes, in the batch's
/// transaction. No schema change: the existing columns hold the new `salt$hash` values.
fn write_revocations_and_codes(
    tx: &Transaction<'_>,
    id: &SessionId,
    batch: &Batch,
) -> Result<(), StorageError> {
    let mut revoke =
        tx.prepare_cached("DELETE FROM tokens WHERE session_id = ?1 AND participant_id = ?2")?;
    for participant in &batch.revoked {
        revoke.execute(params![id.0, participant.0 as i64])?;
    }
    if let Some(codes) = &batch.codes {
        tx.execute(
            "UPDATE sessions SET participant_code_hash = ?2, co_moderator_code_hash = ?3 WHERE id = ?1",
            params![id.0, codes.participant, codes.co_moderator],
        )?;
    }
    Ok(())
}

fn write_snapshot(tx: &Transaction<'_>, snapshot: &Session) -> Result<(), StorageError> {
    tx.execute(
        "INSERT OR REPLACE INTO snapshots (session_id, version, state) VALUES (?1, ?2, ?3)",
        params![
            snapshot.id.0,
            snapshot.version as i64,
            serde_json::to_string(snapshot)?
        ],
    )?;
    Ok(())
}

impl Storage for SqliteStorage {
    fn create_session(
        &self,
        record: &SessionRecord,
        initial: &Session,
        batch: &Batch,
    ) -> Result<(), StorageError> {
        self.with_transaction(|tx| {
            tx.execute(
                "INSERT INTO sessions (id, epoch, participant_code_hash, co_moderator_code_hash, created_at, last_active_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![
                    record.id.0,
                    record.epoch as i64,
                    record.participant_code_hash,
                    record.co_moderator_code_hash,
                    record.created_at.0 as i64
                ],
            )?;
            write_snapshot(tx, initial)?;
            write_batch(tx, &record.id, batch)
        })
    }

    fn load_session(
        &self,
        id: &SessionId,
        keep_tail: u64,
    ) -> Result<Option<LoadedSession>, StorageError> {
        self.with_transaction(|tx| {
            let record = tx
                .query_row(
                    "SELECT epoch, participant_code_hash, co_moderator_code_hash, created_at
                     FROM sessions WHERE id = ?1",
                    params![id.0],
                    |row| {
                        Ok(SessionRecord {
                            id: id.clone(),
                            epoch: row.get::<_, i64>(0)? as u64,
                            participant_code_hash: row.get(1)?,
                            co_moderator_code_hash: row.get(2)?,
                            created_at: Timestamp(row.get::<_, i64>(3)? as u64),
                        })
                    },
                )
                .optional()?;
            let Some(record) = record else {
                return Ok(None);
            };
            let snapshot_json: String = tx.query_row(
                "SELECT state FROM snapshots WHERE session_id = ?1 ORDER BY version DESC LIMIT 1",
                params![id.0],
                |row| row.get(0),
            )?;
            let snapshot: Session = serde_json::from_str(&snapshot_json)?;
            let from = snapshot.version.saturating_sub(keep_tail);
            let mut stmt = tx.prepare(
                "SELECT version, command_id, event FROM events
                 WHERE session_id = ?1 AND version > ?2 ORDER BY version",
            )?;
            let rows = stmt.query_map(params![id.0, from as i64], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?;
            let mut events = Vec::new();
            for row in rows {
                let (version, command_id, json) = row?;
                events.push(StoredEvent {
                    version: version as u64,
                    command_id,
                    event: serde_json::from_str(&json)?,
                });
            }
            let mut stmt =
                tx.prepare("SELECT token_hash, participant_id FROM tokens WHERE session_id = ?1")?;
            let tokens = stmt
                .query_map(params![id.0], |row| {
                    Ok((row.get(0)?, ParticipantId(row.get::<_, i64>(1)? as u64)))
                })?
                .collect::<Result<_, _>>()?;
            Ok(Some(LoadedSession {
                record,
                snapshot,
                events,
                tokens,
            }))
        })
    }

    fn commit(&self, id: &SessionId, batch: &Batch, keep_tail: u64) -> Result<(), StorageError> {
        self.with_transaction(|tx| {
            write_batch(tx, id, batch)?;
            if let Some(snapshot) = &batch.snapshot {
                let version = snapshot.version as i64;
                tx.execute(
                    "DELETE FROM snapshots WHERE session_id = ?1 AND version < ?2",
                    params![id.0, version],
                )?;
                tx.execute(
                    "DELETE FROM events WHERE session_id = ?1 AND version <= ?2",
                    params![id.0, version - keep_tail as i64],
                )?;
            }
            Ok(())
        })
    }

    fn idle_sessions(
        &self,
        before: Timestamp,
        limit: usize,
    ) -> Result<Vec<SessionId>, StorageError> {
        self.with_transaction(|tx| retention::idle_sessions(tx, before, limit))
    }

    fn delete_session_if_idle(
        &self,
        id: &SessionId,
        before: Timestamp,
    ) -> Result<bool, StorageError> {
        self.with_transaction(|tx| retention::delete_if_idle(tx, id, before))
    }

    fn referenced_blobs(&self) -> Result<HashSet<String>, StorageError> {
        self.with_transaction(retention::referenced_blobs)
    }

    fn check(&self) -> Result<(), StorageError> {
        self.with_transaction(|tx| {
            tx.query_row(
                "SELECT count(*) FROM (SELECT 1 FROM sessions LIMIT 1)",
                [],
                |_| Ok(()),
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use breakout_core::{Event, Location, Participant, Role};

    fn record() -> SessionRecord {
        SessionRecord {
            id: SessionId("s1".into()),
            epoch: 7,
            participant_code_hash: "p".into(),
            co_moderator_code_hash: "c".into(),
            created_at: Timestamp(1),
        }
    }

    fn joined(id: u64) -> Event {
        Event::ParticipantJoined {
            participant: Participant {
                id: ParticipantId(id),
                name: format!("P{id}"),
                role: Role::Participant,
                online: false,
                location: Location::Main,
            },
        }
    }

    #[test]
    fn a_session_reads_back_as_written_and_a_failed_batch_stores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(&dir.path().join("db.sqlite")).unwrap();
        let initial = Session::new(SessionId("s1".into()), "T".into(), 7);
        let first = Batch {
            events: vec![StoredEvent {
                version: 1,
                command_id: Some("c1".into()),
                event: joined(1),
            }],
            tokens: vec![("hash".into(), ParticipantId(1))],
            ..Batch::default()
        };
        storage.create_session(&record(), &initial, &first).unwrap();
        // Version 1 again: the primary key refuses it, and the token of the same batch is not kept.
        let clash = Batch {
            events: first.events.clone(),
            tokens: vec![("other".into(), ParticipantId(2))],
            ..Batch::default()
        };
        assert!(storage.commit(&initial.id, &clash, 10).is_err());

        let loaded = storage.load_session(&initial.id, 10).unwrap().unwrap();
        assert_eq!(loaded.record, record());
        assert_eq!(loaded.snapshot, initial);
        assert_eq!(loaded.events, first.events);
        assert_eq!(loaded.tokens, vec![("hash".to_string(), ParticipantId(1))]);
        assert!(storage
            .load_session(&SessionId("nope".into()), 10)
            .unwrap()
            .is_none());
    }
}
