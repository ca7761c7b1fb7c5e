//! Document bytes, stored by content: each file is named by its SHA-256, so the same bytes uploaded
//! twice are stored once. Uploads stream into a temporary file while being hashed and counted, are
//! fsync'd, then renamed into place: a crash never leaves a partial document under a real name.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;

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
    /// True when these bytes were not stored before this upload.
    pub new: bool,
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

    /// Stream `body` into the store, refusing more than `limit` bytes.
    pub(crate) async fn store<S, E>(&self, body: S, limit: u64) -> Result<StoredBlob, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: std::fmt::Display,
    {
        let temp = self
            .root
            .join("tmp")
            .join(format!("upload-{}", crate::auth::new_token()));
        let result = self.write_temp(&temp, body, limit).await;
        let mut blob = match result {
            Ok(blob) => blob,
            Err(e) => {
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(e);
            }
        };
        let target = self.path_of(&blob.sha256);
        let dir = target.parent().expect("blob paths have a parent");
        tokio::fs::create_dir_all(dir).await?;
        if tokio::fs::try_exists(&target).await? {
            tokio::fs::remove_file(&temp).await?;
        } else {
            tokio::fs::rename(&temp, &target).await?;
            sync_dir(dir).await?;
            blob.new = true;
        }
        Ok(blob)
    }

    /// Delete a blob nothing refers to (best effort: a leftover file is harmless).
    pub(crate) async fn remove(&self, sha256: &str) {
        if let Err(e) = tokio::fs::remove_file(self.path_of(sha256)).await {
            tracing::warn!("could not remove unreferenced blob {sha256}: {e}");
        }
    }

    /// Feed `body` to a writer on a blocking thread, which hashes and writes it (so the runtime
    /// never waits on the disk and each chunk crosses threads once), then fsync the file.
    async fn write_temp<S, E>(
        &self,
        path: &Path,
        body: S,
        limit: u64,
    ) -> Result<StoredBlob, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: std::fmt::Display,
    {
        let path = path.to_owned();
        let (chunks, mut received) = mpsc::channel::<Bytes>(CHUNKS_IN_FLIGHT);
        let writer = tokio::task::spawn_blocking(move || {
            let mut file = std::fs::File::create(path)?;
            let mut hasher = Sha256::new();
            while let Some(chunk) = received.blocking_recv() {
                hasher.update(&chunk);
                file.write_all(&chunk)?;
            }
            Ok::<_, std::io::Error>((file, hasher))
        });
        let fed = feed(body, limit, &chunks).await;
        drop(chunks);
        let (file, hasher) = writer.await.map_err(std::io::Error::other)??;
        let size = fed?;
        tokio::task::spawn_blocking(move || file.sync_all())
            .await
            .map_err(std::io::Error::other)??;
        Ok(StoredBlob {
            sha256: hex::encode(hasher.finalize()),
            size,
            new: false,
        })
    }
}

/// Chunks queued between the socket and the writer. Hyper hands over chunks of at most a few
/// hundred KiB, so this bounds an upload's memory to about 2 MiB however fast the client sends.
/// (A separate hashing thread was tried: no faster on 2 cores, more memory.)
const CHUNKS_IN_FLIGHT: usize = 1;

/// Pass `body` to the writer, counting bytes and stopping at `limit`. Returns the total size. A
/// writer that stopped (a disk error) ends the feeding early; its error is reported by the caller.
async fn feed<S, E>(body: S, limit: u64, writer: &mpsc::Sender<Bytes>) -> Result<u64, BlobError>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::fmt::Display,
{
    let mut size = 0u64;
    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| BlobError::Interrupted(e.to_string()))?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(BlobError::TooLarge { limit });
        }
        if writer.send(chunk).await.is_err() {
            break;
        }
    }
    Ok(size)
}

/// Make a rename durable by syncing its directory.
async fn sync_dir(dir: &Path) -> std::io::Result<()> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
        .await
        .map_err(std::io::Error::other)?
}
