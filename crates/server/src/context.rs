//! What every part of a running endpoint shares: configuration, storage, metrics, and the shutdown
//! signal with the tracker that waits for every task to finish.

use crate::blobs::BlobStore;
use crate::config::Config;
use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::storage::Storage;
use crate::uploads::UploadGate;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Shared by handlers, session owners and sockets.
pub(crate) struct Context {
    pub(crate) config: Config,
    pub(crate) storage: Arc<dyn Storage>,
    pub(crate) blobs: BlobStore,
    /// Bounds on uploads in progress.
    pub(crate) uploads: UploadGate,
    /// The per-client abuse limits.
    pub(crate) limits: Limits,
    pub(crate) metrics: Arc<Metrics>,
    /// Cancelled when the endpoint stops: owners flush and sockets send a close frame.
    pub(crate) shutdown: CancellationToken,
    /// Every session owner and socket task, so shutdown can wait for them.
    pub(crate) tasks: TaskTracker,
}
