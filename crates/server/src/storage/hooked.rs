//! The real SQLite storage with a hook that runs before each call touching a session: the one way
//! tests make storage fail (a full disk) or wait (a slow load) on demand, without re-implementing
//! every method of [`Storage`] in each test. Retention's calls pass straight through.

use super::{Batch, LoadedSession, SessionRecord, SqliteStorage, Storage, StorageError};
use breakout_core::{Session, SessionId, Timestamp};
use std::collections::HashSet;

/// Which call is about to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call<'a> {
    /// [`Storage::create_session`].
    CreateSession,
    /// [`Storage::load_session`] of this session.
    LoadSession(&'a SessionId),
    /// [`Storage::commit`] to this session.
    Commit(&'a SessionId),
    /// [`Storage::check`].
    Check,
}

/// Decides, before a call, whether it fails (or makes it wait).
pub trait Hook: Send + Sync + 'static {
    /// Return an error to fail the call without running it.
    fn before(&self, call: Call<'_>) -> Result<(), StorageError>;
}

/// [`SqliteStorage`] behind a [`Hook`].
pub struct Hooked<H> {
    inner: SqliteStorage,
    hook: H,
}

impl<H: Hook> Hooked<H> {
    /// `inner`, asking `hook` first.
    pub fn new(inner: SqliteStorage, hook: H) -> Hooked<H> {
        Hooked { inner, hook }
    }

    /// The hook (to flip its switches).
    pub fn hook(&self) -> &H {
        &self.hook
    }
}

impl<H: Hook> Storage for Hooked<H> {
    fn create_session(
        &self,
        record: &SessionRecord,
        initial: &Session,
        batch: &Batch,
    ) -> Result<(), StorageError> {
        self.hook.before(Call::CreateSession)?;
        self.inner.create_session(record, initial, batch)
    }

    fn load_session(
        &self,
        id: &SessionId,
        keep_tail: u64,
    ) -> Result<Option<LoadedSession>, StorageError> {
        self.hook.before(Call::LoadSession(id))?;
        self.inner.load_session(id, keep_tail)
    }

    fn commit(&self, id: &SessionId, batch: &Batch, keep_tail: u64) -> Result<(), StorageError> {
        self.hook.before(Call::Commit(id))?;
        self.inner.commit(id, batch, keep_tail)
    }

    fn idle_sessions(
        &self,
        before: Timestamp,
        limit: usize,
    ) -> Result<Vec<SessionId>, StorageError> {
        self.inner.idle_sessions(before, limit)
    }

    fn delete_session_if_idle(
        &self,
        id: &SessionId,
        before: Timestamp,
    ) -> Result<bool, StorageError> {
        self.inner.delete_session_if_idle(id, before)
    }

    fn referenced_blobs(&self) -> Result<HashSet<String>, StorageError> {
        self.inner.referenced_blobs()
    }

    fn check(&self) -> Result<(), StorageError> {
        self.hook.before(Call::Check)?;
        self.inner.check()
    }
}
