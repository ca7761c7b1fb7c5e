//! breakout-server: the sync endpoint that keeps every Breakout desktop in step.
//!
//! A library (the desktop app embeds it) and a binary. [`run`] serves the HTTP API and WebSocket on
//! a listener you bind (bind port 0 in tests) until the shutdown future completes, then stops
//! accepting, closes every socket with a close frame and waits for session owners to finish.
//!
//! Inside: one owner task per session holds the authoritative state (see `owner`); HTTP handlers
//! and sockets talk to it through a handle; storage is a trait with a SQLite implementation;
//! document bytes are content-addressed files.

mod auth;
mod blobs;
pub mod certs;
mod config;
mod context;
mod error;
mod http;
mod keys;
mod limits;
mod metrics;
mod owner;
mod process;
mod rate_limit;
mod registry;
mod slots;
pub mod storage;
mod sweep;
pub mod tls;
mod uploads;

pub use blobs::BlobError;
pub use config::Config;
pub use error::HttpError;
pub use keys::{CreateKeys, KeysError};
pub use metrics::Metrics;

use context::Context;
use registry::Registry;
use std::future::Future;
use std::sync::Arc;
use storage::{SqliteStorage, Storage, StorageError};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Why the endpoint could not start or stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The data directory or database could not be opened.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// Serving the listener failed.
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
}

/// File name of the SQLite database inside the data directory.
pub const DATABASE_FILE: &str = "breakout.sqlite3";

/// Serve on `listener` with SQLite storage in `config.data_dir` until `shutdown` completes.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let storage = SqliteStorage::open(&config.data_dir.join(DATABASE_FILE))?;
    run_with_storage(listener, config, Arc::new(storage), shutdown).await
}

/// Like [`run`], with `/metrics` (and `/healthz`) served in plain http on `metrics_listener` (a
/// private address) and not on `listener`.
pub async fn run_with_metrics_listener(
    listener: TcpListener,
    metrics_listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let storage = SqliteStorage::open(&config.data_dir.join(DATABASE_FILE))?;
    serve_endpoint(
        listener,
        Some(metrics_listener),
        config,
        Arc::new(storage),
        shutdown,
    )
    .await
}

/// Like [`run`], with any [`Storage`].
pub async fn run_with_storage(
    listener: TcpListener,
    config: Config,
    storage: Arc<dyn Storage>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    serve_endpoint(listener, None, config, storage, shutdown).await
}

async fn serve_endpoint(
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    config: Config,
    storage: Arc<dyn Storage>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let blobs = blobs::BlobStore::open(config.data_dir.join("documents"))?;
    let leftovers = blobs.remove_temporary_files()?;
    if leftovers > 0 {
        tracing::info!(files = leftovers, "removed unfinished uploads");
    }
    let metrics = Arc::new(Metrics::default());
    let ctx = Arc::new(Context {
        uploads: uploads::UploadGate::new(&config),
        limits: limits::Limits::new(&config, metrics.clone()),
        config,
        storage,
        blobs,
        metrics,
        shutdown: CancellationToken::new(),
        tasks: TaskTracker::new(),
    });
    let token = ctx.shutdown.clone();
    tokio::spawn(async move {
        shutdown.await;
        token.cancel();
    });
    let registry = Arc::new(Registry::new(ctx.clone()));
    sweep::start(registry.clone());
    let app = http::router(registry.clone(), metrics_listener.is_none());
    if let Some(metrics_listener) = metrics_listener {
        let ops = http::ops_router(registry);
        let stop = ctx.shutdown.clone();
        ctx.tasks.spawn(async move {
            let served = axum::serve(metrics_listener, ops)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await;
            if let Err(e) = served {
                tracing::error!("the metrics listener failed: {e}");
            }
        });
    }
    http::serve(listener, app, &ctx.config, ctx.shutdown.clone()).await;
    ctx.tasks.close();
    ctx.tasks.wait().await;
    tracing::info!("stopped");
    Ok(())
}
