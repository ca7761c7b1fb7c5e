//! Durable storage of sessions behind a trait, so a PostgreSQL implementation can serve several
//! server nodes later. A session is its record (title, join-code hashes, last activity), its token
//! hashes, an event journal, periodic snapshots and the blobs its documents use (for garbage
//! collection by reference). `commit` returning Ok means durable: the server acknowledges a command
//! only after it. The schema changes only through `migrations.rs`.

mod hooked;
mod migrations;
mod retention;
mod sqlite;

pub use hooked::{Call, Hook, Hooked};
pub use migrations::LATEST as SCHEMA_VERSION;
pub use sqlite::SqliteStorage;

use breakout_core::{Event, ParticipantId, Session, SessionId, Timestamp};
use std::collections::HashSet;

/// What storage can fail with. Callers treat every variant as "nothing was stored".
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// Stored JSON could not be read back (corruption or an incompatible version).
    #[error("stored data is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// The data directory could not be prepared.
    #[error("data directory error: {0}")]
    Io(#[from] std::io::Error),
    /// The database was written by a newer server; it is left untouched.
    #[error(
        "the database has schema version {found}, newer than version {supported} that this server \
         understands; run a newer server on this data folder"
    )]
    TooNew {
        /// The version found in the database.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
}

/// The fixed facts of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The session.
    pub id: SessionId,
    /// Changes only if history is ever rewritten; replicas of another epoch resync.
    pub epoch: u64,
    /// SHA-256 of the normalized participant join code.
    pub participant_code_hash: String,
    /// SHA-256 of the normalized co-moderator join code.
    pub co_moderator_code_hash: String,
    /// When it was created.
    pub created_at: Timestamp,
}

/// One journaled event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The session version this event produced.
    pub version: u64,
    /// The command that caused it, for applying retried commands once.
    pub command_id: Option<String>,
    /// The event.
    pub event: Event,
}

/// What one commit writes, all or nothing.
#[derive(Debug, Default)]
pub struct Batch {
    /// New journal entries, in version order.
    pub events: Vec<StoredEvent>,
    /// New tokens: (SHA-256 of the token, its participant).
    pub tokens: Vec<(String, ParticipantId)>,
    /// A snapshot of the state after these events, when one is due.
    pub snapshot: Option<Session>,
    /// Participants removed from the session: every token of theirs is deleted.
    pub revoked: Vec<ParticipantId>,
    /// New join-code hashes replacing the session's (a rotation).
    pub codes: Option<CodeHashes>,
}

/// The stored hashes of a session's two join codes (`salt$hash`; see `auth::hash_join_code`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeHashes {
    /// Of the participant code.
    pub participant: String,
    /// Of the co-moderator code.
    pub co_moderator: String,
}

/// A session as read back from storage.
#[derive(Debug)]
pub struct LoadedSession {
    /// Its record.
    pub record: SessionRecord,
    /// The latest snapshot.
    pub snapshot: Session,
    /// Journal entries that follow the snapshot's version, plus up to `keep_tail` before it (for replay).
    pub events: Vec<StoredEvent>,
    /// Every token: (SHA-256 of the token, its participant).
    pub tokens: Vec<(String, ParticipantId)>,
}

/// Where sessions live between restarts.
pub trait Storage: Send + Sync + 'static {
    /// Store a new session: its record, an initial snapshot and the first batch, atomically.
    fn create_session(
        &self,
        record: &SessionRecord,
        initial: &Session,
        batch: &Batch,
    ) -> Result<(), StorageError>;

    /// Read a session back, or None if it does not exist. `keep_tail` events before the snapshot
    /// are returned too, for resuming clients.
    fn load_session(
        &self,
        id: &SessionId,
        keep_tail: u64,
    ) -> Result<Option<LoadedSession>, StorageError>;

    /// Append a batch to a session durably. A snapshot in the batch allows pruning journal entries
    /// older than `keep_tail` events before it.
    fn commit(&self, id: &SessionId, batch: &Batch, keep_tail: u64) -> Result<(), StorageError>;

    /// Up to `limit` sessions whose last activity (creation or commit) is before `before`, oldest
    /// first: candidates for deletion by retention.
    fn idle_sessions(
        &self,
        before: Timestamp,
        limit: usize,
    ) -> Result<Vec<SessionId>, StorageError>;

    /// Delete a session with everything stored for it (journal, snapshots, tokens, its references
    /// to blobs), atomically, if it has still had no activity since `before`. True if deleted.
    fn delete_session_if_idle(
        &self,
        id: &SessionId,
        before: Timestamp,
    ) -> Result<bool, StorageError>;

    /// The SHA-256 of every blob some session's documents use. A blob file not in this set may be
    /// garbage-collected.
    fn referenced_blobs(&self) -> Result<HashSet<String>, StorageError>;

    /// A cheap read that succeeds only while the store can be used (for `/healthz`).
    fn check(&self) -> Result<(), StorageError>;
}
