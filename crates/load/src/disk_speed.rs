//! The disk's durable write speed: how fast bytes reach stable storage when written to a new file
//! and fsync'd. The endpoint fsyncs every document it stores, so this is the ceiling for uploads to
//! a data directory on the same filesystem.

use anyhow::Context as _;
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};
use tempfile::NamedTempFile;

/// Bytes per `write` call.
const CHUNK: usize = 1024 * 1024;
/// The longest the measurement may take (1 GiB at 5 MiB/s).
const LIMIT: Duration = Duration::from_secs(200);

/// Write `bytes` bytes of varied (incompressible) data to a new temporary file in `dir` and fsync
/// it. Returns the file (removed when dropped) and how long writing and syncing took.
pub async fn write_synced(dir: &Path, bytes: u64) -> anyhow::Result<(NamedTempFile, Duration)> {
    let dir = dir.to_path_buf();
    let work = tokio::task::spawn_blocking(move || write_blocking(&dir, bytes));
    tokio::time::timeout(LIMIT, work)
        .await
        .with_context(|| format!("writing {bytes} bytes took over {LIMIT:?}"))??
}

fn write_blocking(dir: &Path, bytes: u64) -> anyhow::Result<(NamedTempFile, Duration)> {
    let mut chunk: Vec<u8> = (0..CHUNK / 8)
        .flat_map(|i| crate::mix::spread(i as u64).to_le_bytes())
        .collect();
    let mut file = NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    let started = Instant::now();
    let mut left = bytes;
    let mut index = 0u64;
    while left > 0 {
        // Every chunk differs, so nothing below could store repeated chunks once.
        chunk[..8].copy_from_slice(&index.to_le_bytes());
        let n = left.min(CHUNK as u64) as usize;
        file.write_all(&chunk[..n])?;
        left -= n as u64;
        index += 1;
    }
    file.as_file().sync_all()?;
    Ok((file, started.elapsed()))
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn writes_exactly_the_bytes_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let (file, _) = super::write_synced(dir.path(), 3 * 1024 * 1024 + 5)
            .await
            .unwrap();
        assert_eq!(
            file.as_file().metadata().unwrap().len(),
            3 * 1024 * 1024 + 5
        );
        let path = file.path().to_path_buf();
        drop(file);
        assert!(!path.exists());
    }
}
