//! Uploads and downloads in flight: each runs as a task with a cancel token, reports progress into
//! one shared list, and the list goes to the UI as a `transfers` event (progress at most ten times a
//! second per transfer, state changes at once). At most [`UPLOADS_AT_ONCE`] uploads send at a time
//! (the rest wait their turn): an endpoint bounds uploads per session, and forty dropped files
//! should arrive one after another rather than be refused.

use crate::error::AppError;
use crate::view::{Transfer, TransferKind, TransferState, TRANSFERS_EVENT};
use breakout_client::{Api, ClientError, Credentials, Progress, ProgressFn};
use breakout_core::Document;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tauri::{AppHandle, Emitter, Runtime};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// Uploads sending at once; well under the endpoint's default bound per session (16).
const UPLOADS_AT_ONCE: usize = 4;

/// Every transfer of this run of the app.
pub struct Transfers<R: Runtime> {
    app: AppHandle<R>,
    next_id: AtomicU64,
    inner: Mutex<Inner>,
    upload_slots: Arc<Semaphore>,
}

#[derive(Default)]
struct Inner {
    list: Vec<Transfer>,
    cancels: HashMap<u64, CancellationToken>,
}

impl<R: Runtime> Transfers<R> {
    /// An empty list reporting to `app`.
    pub fn new(app: AppHandle<R>) -> Arc<Transfers<R>> {
        Arc::new(Transfers {
            app,
            next_id: AtomicU64::new(1),
            inner: Mutex::new(Inner::default()),
            upload_slots: Arc::new(Semaphore::new(UPLOADS_AT_ONCE)),
        })
    }

    /// All transfers, oldest first.
    pub fn list(&self) -> Vec<Transfer> {
        self.inner.lock().expect("not poisoned").list.clone()
    }

    /// Stop a running transfer; unknown or finished ones are left alone.
    pub fn cancel(&self, id: u64) {
        if let Some(cancel) = self.inner.lock().expect("not poisoned").cancels.get(&id) {
            cancel.cancel();
        }
    }

    /// Upload `path` to the session library in the background.
    pub fn upload(self: &Arc<Self>, api: Api, who: Credentials, path: PathBuf) -> Transfer {
        let name = file_name(&path);
        let (transfer, progress, cancel) = self.begin(TransferKind::Upload, name, &path);
        let this = self.clone();
        let id = transfer.id;
        tokio::spawn(async move {
            let result = this
                .upload_in_turn(&api, &who, &path, progress, cancel)
                .await;
            this.finish(id, &result);
        });
        transfer
    }

    /// Wait for an upload slot (or the cancel), then upload.
    async fn upload_in_turn(
        &self,
        api: &Api,
        who: &Credentials,
        path: &Path,
        progress: ProgressFn,
        cancel: CancellationToken,
    ) -> Result<Document, ClientError> {
        let _slot = tokio::select! {
            slot = self.upload_slots.clone().acquire_owned() => {
                slot.map_err(|_| ClientError::Cancelled)?
            }
            () = cancel.cancelled() => return Err(ClientError::Cancelled),
        };
        api.upload(who, path, progress, cancel).await
    }

    /// Upload `path` and wait for the outcome (used when applying a plan).
    pub async fn upload_and_wait(
        self: &Arc<Self>,
        api: &Api,
        who: &Credentials,
        path: &Path,
    ) -> Result<Document, AppError> {
        let (transfer, progress, cancel) = self.begin(TransferKind::Upload, file_name(path), path);
        let result = self.upload_in_turn(api, who, path, progress, cancel).await;
        self.finish(transfer.id, &result);
        result.map_err(AppError::from)
    }

    /// Download `document` to `target`, verified, and wait for the outcome.
    pub async fn download(
        self: &Arc<Self>,
        api: &Api,
        who: &Credentials,
        document: &Document,
        target: &Path,
    ) -> Result<(), AppError> {
        let (transfer, progress, cancel) =
            self.begin(TransferKind::Download, document.name.clone(), target);
        let result = api.download(who, document, target, progress, cancel).await;
        self.finish(transfer.id, &result);
        result.map_err(AppError::from)
    }

    fn begin(
        self: &Arc<Self>,
        kind: TransferKind,
        name: String,
        path: &Path,
    ) -> (Transfer, ProgressFn, CancellationToken) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let total = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let transfer = Transfer {
            id,
            kind,
            name,
            done: 0,
            total,
            state: TransferState::Running,
            error: None,
        };
        let cancel = CancellationToken::new();
        {
            let mut inner = self.inner.lock().expect("not poisoned");
            inner.list.push(transfer.clone());
            inner.cancels.insert(id, cancel.clone());
        }
        self.publish();
        let this = self.clone();
        let last = Mutex::new(Instant::now() - PROGRESS_EVERY);
        let progress: ProgressFn = Arc::new(move |step: Progress| {
            let mut last = last.lock().expect("not poisoned");
            if step.done < step.total && last.elapsed() < PROGRESS_EVERY {
                return;
            }
            *last = Instant::now();
            this.update(id, |t| {
                t.done = step.done;
                t.total = step.total;
            });
        });
        (transfer, progress, cancel)
    }

    fn finish<T>(&self, id: u64, result: &Result<T, ClientError>) {
        self.inner.lock().expect("not poisoned").cancels.remove(&id);
        self.update(id, |t| match result {
            Ok(_) => {
                t.state = TransferState::Done;
                t.done = t.total;
            }
            Err(ClientError::Cancelled) => t.state = TransferState::Cancelled,
            Err(error) => {
                t.state = TransferState::Failed;
                t.error = Some(error.to_string());
            }
        });
    }

    fn update(&self, id: u64, change: impl FnOnce(&mut Transfer)) {
        if let Some(t) = self
            .inner
            .lock()
            .expect("not poisoned")
            .list
            .iter_mut()
            .find(|t| t.id == id)
        {
            change(t);
        }
        self.publish();
    }

    fn publish(&self) {
        let _ = self.app.emit(TRANSFERS_EVENT, self.list());
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
