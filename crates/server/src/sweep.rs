//! The retention sweep, once at start and then every `Config::retention_sweep_every`: sessions with
//! no activity for `Config::retention` are deleted with everything stored for them, then blob files
//! no session references any more are garbage-collected.
//!
//! A session has no "ended" state (closing the breakout rooms is not the end of a session), so its
//! age is its last activity: its creation or the last thing it stored (a command, a join, a presence
//! change, an upload). A session in memory is never deleted; it leaves memory after
//! `Config::idle_unload` and is deleted by a later sweep.

use crate::registry::Registry;
use crate::storage::StorageError;
use breakout_core::Timestamp;
use std::sync::Arc;

/// Sessions deleted per sweep at most; the rest wait for the next one.
const SESSIONS_PER_SWEEP: usize = 10_000;

/// What one sweep deleted.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Swept {
    pub(crate) sessions: u64,
    pub(crate) blobs: u64,
}

/// Run the sweep periodically on the endpoint's task tracker until shutdown.
pub(crate) fn start(registry: Arc<Registry>) {
    let ctx = registry.context().clone();
    let every = ctx.config.retention_sweep_every;
    ctx.tasks.clone().spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ctx.shutdown.cancelled() => return,
                _ = ticks.tick() => {}
            }
            match sweep(&registry, crate::owner::now()).await {
                Ok(swept) => ctx.metrics.swept(swept.sessions, swept.blobs),
                Err(e) => tracing::error!("retention sweep: {e}"),
            }
        }
    });
}

/// Delete the sessions idle since before `now` minus the retention period, then the blob files no
/// session references.
pub(crate) async fn sweep(registry: &Registry, now: Timestamp) -> Result<Swept, StorageError> {
    let ctx = registry.context().clone();
    let mut swept = Swept::default();
    if let Some(retention) = ctx.config.retention {
        let retention = u64::try_from(retention.as_millis()).unwrap_or(u64::MAX);
        let before = Timestamp(now.0.saturating_sub(retention));
        let storage = ctx.storage.clone();
        let idle = blocking(move || storage.idle_sessions(before, SESSIONS_PER_SWEEP)).await?;
        for id in idle {
            if registry.delete_if_idle(&id, before).await? {
                tracing::info!(session = %id, "deleted after the retention period");
                swept.sessions += 1;
            }
        }
    }
    // The references are read before the files are listed: a blob stored after this read is
    // younger than the grace period, so it is kept.
    let storage = ctx.storage.clone();
    let referenced = blocking(move || storage.referenced_blobs()).await?;
    let grace = ctx.config.blob_gc_grace;
    let blobs = ctx.clone();
    swept.blobs = blocking(move || {
        blobs
            .blobs
            .collect_garbage(&referenced, grace)
            .map_err(StorageError::Io)
    })
    .await? as u64;
    Ok(swept)
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|join| Err(StorageError::Io(std::io::Error::other(join))))
}
