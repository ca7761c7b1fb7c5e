//! Document bytes, stored by content: each file is named by its SHA-256, so the same bytes uploaded
//! twice are stored once. Uploads stream into a temporary file while being hashed and counted, are
//! fsync'd, then renamed into place: a crash never leaves a partial document under a real name.

use crate::uploads::{Meter, Pace};
use bytes::Bytes;
use futures_util::Stream;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Why an upload was not stored.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The body went over the size limit; nothing was kept.
    #[error("the document is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The client's body stream failed (e.g. the connection dropped); nothing was kept.
    #[error("the upload was interrupted: {0}")]
    Interrupted(String),
    /// No byte arrived for too long; nothing was kept.
    #[error("the upload stalled: no data for {} s", idle.as_secs_f64())]
    Stalled {
        /// The longest wait allowed.
        idle: Duration,
    },
    /// The body arrived slower than the minimum rate; nothing was kept.
    #[error(
        "the upload was too slow: {received} bytes in {} s, at least {min_bytes_per_second} bytes/s are required",
        window.as_secs_f64()
    )]
    TooSlow {
        /// Bytes received in the window that was too slow.
        received: u64,
        /// The window the rate is averaged over.
        window: Duration,
        /// The minimum rate.
        min_bytes_per_second: u64,
    },
    /// The disk failed.
    #[error("storage error: {0}")]
    Io(#[from] std::io::Error),
}

/// A stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// Content-addressed files under one folder.
pub(crate) struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    /// Use (and create) `root` for blobs.
    pub(crate) fn open(root: PathBuf) -> std::io::Result<BlobStore> {
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(BlobStore { root })
    }

    /// Where the blob with this hash lives.
    pub(crate) fn path_of(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }

    /// Stream `body` into the store, refusing more than `limit` bytes or a body slower than `pace`.
    pub(crate) async fn store<S, E>(
        &self,
        body: S,
        limit: u64,
        pace: Pace,
    ) -> Result<StoredBlob, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: std::fmt::Display,
    {
        let temp = self
            .root
            .join("tmp")
            .join(format!("upload-{}", crate::auth::new_token()));
        let result = self.write_temp(&temp, body, limit, pace).await;
        let blob = match result {
            Ok(blob) => blob,
            Err(e) => {
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(e);
            }
        };
        let target = self.path_of(&blob.sha256);
        let dir = target.parent().expect("blob paths have a parent");
        tokio::fs::create_dir_all(dir).await?;
        if refresh(&target).await? {
            tokio::fs::remove_file(&temp).await?;
        } else {
            tokio::fs::rename(&temp, &target).await?;
            sync_dir(dir).await?;
        }
        Ok(blob)
    }

    /// Write `body` to a new file at `path` while hashing it, then fsync the file. Each chunk is
    /// hashed and written on a blocking thread while the next one is read from the network, so the
    /// runtime never waits on the disk and no thread is held while the client is slow.
    async fn write_temp<S, E>(
        &self,
        path: &Path,
        body: S,
        limit: u64,
        pace: Pace,
    ) -> Result<StoredBlob, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: std::fmt::Display,
    {
        let path = path.to_owned();
        let file = blocking(move || std::fs::File::create(path)).await?;
        let mut idle = Some(Writer {
            file,
            hasher: Sha256::new(),
        });
        let mut writing: Option<tokio::task::JoinHandle<std::io::Result<Writer>>> = None;
        let mut size = 0u64;
        let mut body = std::pin::pin!(body);
        let mut meter = Meter::start(pace);
        loop {
            let next = meter.next(&mut body).await;
            // The previous chunk's write has to finish before anything else happens, so no write
            // is left running when this returns (and the caller removes the file).
            if let Some(job) = writing.take() {
                idle = Some(job.await.map_err(std::io::Error::other)??);
            }
            let Some(chunk) = next? else { break };
            size += chunk.len() as u64;
            if size > limit {
                return Err(BlobError::TooLarge { limit });
            }
            let writer = idle.take().expect("no write is running");
            writing = Some(tokio::task::spawn_blocking(move || writer.write(chunk)));
        }
        let Writer { file, hasher } = idle.expect("no write is running");
        blocking(move || file.sync_all()).await?;
        Ok(StoredBlob {
            sha256: hex::encode(hasher.finalize()),
            size,
        })
    }
}

/// An upload's file and the hash of what was written to it so far; it moves to a blocking thread
/// for each chunk and back. At most one chunk is in flight while the next is read from the
/// network, so an upload holds about two chunks (hyper's are at most a few hundred KiB) however
/// fast the client sends.
struct Writer {
    file: std::fs::File,
    hasher: Sha256,
}

impl Writer {
    fn write(mut self, chunk: Bytes) -> std::io::Result<Writer> {
        self.hasher.update(&chunk);
        self.file.write_all(&chunk)?;
        Ok(self)
    }
}

/// Run blocking file work on tokio's blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(std::io::Error::other)?
}

/// Make a rename durable by syncing its directory.
async fn sync_dir(dir: &Path) -> std::io::Result<()> {
    let dir = dir.to_owned();
    blocking(move || std::fs::File::open(dir)?.sync_all()).await
}

/// Garbage collection: a blob is deleted only when no session references it (the database's
/// `blob_refs`, see `sweep.rs`) and it has not been written or stored again for a grace period, so
/// an upload that just brought (or re-brought) these bytes keeps them until its document is
/// recorded. Uploads never delete blobs themselves: the same bytes may serve another document.
impl BlobStore {
    /// Delete the temporary files of uploads cut short by a stop or crash. Call before serving.
    pub(crate) fn remove_temporary_files(&self) -> std::io::Result<usize> {
        let mut removed = 0;
        for entry in std::fs::read_dir(self.root.join("tmp"))? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Delete every blob file not in `referenced` (read from the database before this call) and
    /// untouched for `grace`. Blocking: run it on a blocking thread. Returns how many were deleted.
    pub(crate) fn collect_garbage(
        &self,
        referenced: &HashSet<String>,
        grace: Duration,
    ) -> std::io::Result<usize> {
        let now = SystemTime::now();
        let mut deleted = 0;
        for dir in std::fs::read_dir(&self.root)? {
            let dir = dir?;
            if dir.file_name() == "tmp" || !dir.file_type()?.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(dir.path())? {
                let file = file?;
                let name = file.file_name();
                if name.to_str().is_some_and(|sha| referenced.contains(sha)) {
                    continue;
                }
                let modified = file.metadata()?.modified()?;
                if now.duration_since(modified).unwrap_or_default() >= grace {
                    std::fs::remove_file(file.path())?;
                    deleted += 1;
                }
            }
        }
        Ok(deleted)
    }
}

/// When the blob at `path` exists, mark it as just stored (its modification time is what
/// [`BlobStore::collect_garbage`]'s grace period counts from) and return true; false when absent.
async fn refresh(path: &Path) -> std::io::Result<bool> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || match std::fs::File::open(&path) {
        Ok(file) => file.set_modified(SystemTime::now()).map(|()| true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    })
    .await
    .map_err(std::io::Error::other)?
}

#[cfg(test)]
mod gc_tests {
    use super::*;

    async fn store(blobs: &BlobStore, bytes: &'static [u8]) -> StoredBlob {
        let body = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(bytes))]);
        let pace = crate::uploads::Pace::of(&crate::Config::new(&blobs.root));
        blobs.store(body, 1024, pace).await.unwrap()
    }

    fn age(path: &Path, by: Duration) {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - by).unwrap();
    }

    #[tokio::test]
    async fn only_old_unreferenced_blobs_go_and_storing_the_same_bytes_again_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path().to_owned()).unwrap();
        let (kept, dropped) = (
            store(&blobs, b"in use").await,
            store(&blobs, b"unused").await,
        );
        let hour = Duration::from_secs(3600);
        for blob in [&kept, &dropped] {
            age(&blobs.path_of(&blob.sha256), 2 * hour);
        }
        let unfinished = dir.path().join("tmp").join("upload-cut-short");
        std::fs::write(&unfinished, b"half").unwrap();
        // An upload of the unused bytes arrives: they count as just stored.
        store(&blobs, b"unused").await;
        let referenced = HashSet::from([kept.sha256.clone()]);
        assert_eq!(blobs.collect_garbage(&referenced, hour).unwrap(), 0);
        assert!(
            unfinished.exists(),
            "garbage collection leaves uploads in progress alone"
        );

        age(&blobs.path_of(&dropped.sha256), 2 * hour);
        assert_eq!(blobs.collect_garbage(&referenced, hour).unwrap(), 1);
        assert!(!blobs.path_of(&dropped.sha256).exists());
        assert!(blobs.path_of(&kept.sha256).exists());
        assert_eq!(blobs.remove_temporary_files().unwrap(), 1);
        assert!(!unfinished.exists());
    }
}
