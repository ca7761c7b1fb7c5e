//! Leaving memory when idle: once nobody has been connected and nothing has happened for
//! `Config::idle_unload`, the owner stores a snapshot (so the next load replays nothing) and ends,
//! if the registry agrees that nobody holds its handle. Its next request loads it again from
//! storage, with the same state, version, tokens and replay window.

use super::Owner;
use crate::storage::{Batch, StorageError};

impl Owner {
    /// Nobody is connected and no presence change or breakout timer is pending: the idle time runs.
    pub(super) fn is_quiet(&self) -> bool {
        self.subscribers.is_empty()
            && self.connections.is_empty()
            && self.presence_due.is_empty()
            && self.breakouts_deadline().is_none()
    }

    /// When to try leaving memory, if the session is idle.
    pub(super) fn unload_at(&self) -> Option<tokio::time::Instant> {
        self.idle_since
            .map(|since| since + self.ctx.config.idle_unload)
    }

    /// Store a snapshot and ask to leave memory. True: this task must end now without writing
    /// anything more. False: someone still uses the session; the idle time starts again.
    pub(super) async fn unload(&mut self) -> bool {
        if self.state.participants.iter().any(|p| p.online) {
            // A presence grace period is still running; its change must be stored first.
            return false;
        }
        if self.since_snapshot > 0 {
            match self.store_snapshot().await {
                Ok(()) => self.since_snapshot = 0,
                // The journal holds everything; the next load just replays more.
                Err(e) => tracing::warn!(session = %self.state.id, "snapshot before unload: {e}"),
            }
        }
        let leave = (self.retire)();
        if leave {
            tracing::debug!(session = %self.state.id, "unloaded after being idle");
        }
        leave
    }

    async fn store_snapshot(&self) -> Result<(), StorageError> {
        let batch = Batch {
            snapshot: Some(self.state.clone()),
            ..Batch::default()
        };
        let storage = self.ctx.storage.clone();
        let id = self.state.id.clone();
        let keep_tail = self.ctx.config.replay_window as u64;
        tokio::task::spawn_blocking(move || storage.commit(&id, &batch, keep_tail))
            .await
            .unwrap_or_else(|join| Err(StorageError::Io(std::io::Error::other(join))))
    }
}
