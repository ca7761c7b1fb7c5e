//! `--scenario upload`: how fast one large document reaches the endpoint's disk, against how fast
//! the disk itself takes fsync'd writes, and how much memory the endpoint needs for it. The file is
//! written (and its write speed measured) next to the endpoint's data, then uploaded by the
//! moderator through `Api::upload`, as the desktop app does.

use crate::proc_stats::Probe;
use crate::{disk_speed, Args};
use anyhow::Context as _;
use breakout_client::{Api, CancellationToken, Credentials, Endpoint, Progress, ProgressFn};
use serde_json::json;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// Bytes in a MiB.
const MIB: u64 = 1024 * 1024;
/// The longest the upload may take (1 GiB at 2 MiB/s).
const UPLOAD_LIMIT: Duration = Duration::from_secs(600);
/// The size of the upload made before measuring, so the endpoint's one-time costs (its first
/// blocking-pool threads and their allocator arenas) count as idle memory, not as the upload's.
const WARM_UP_BYTES: u64 = 8 * MIB;

/// Run the scenario against the endpoint whose data lives in `data_dir` (None: unknown, then the
/// disk is measured in the system's temporary folder); the report's "summary" is its one line.
pub async fn run(
    args: &Args,
    endpoint: &Endpoint,
    probe: &Probe,
    data_dir: Option<&Path>,
) -> anyhow::Result<serde_json::Value> {
    let bytes = args.upload_mib * MIB;
    let mib = bytes as f64 / MIB as f64;
    let dir = data_dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let (file, disk_time) = disk_speed::write_synced(&dir, bytes).await?;
    let disk_speed = mib / disk_time.as_secs_f64();

    let api = Api::new(endpoint.clone());
    let created = api.create_session("Upload test", "Moderator").await?;
    let who = Credentials {
        session: created.session_id,
        token: created.token,
    };
    // The first progress step marks the first byte sent: before it the client lists the library
    // (and hashes the file only if a document of the same size is there).
    let first_byte = Arc::new(OnceLock::new());
    let progress: ProgressFn = {
        let first_byte = first_byte.clone();
        Arc::new(move |_: Progress| {
            first_byte.get_or_init(Instant::now);
        })
    };
    let (warm_up, _) = disk_speed::write_synced(&dir, WARM_UP_BYTES).await?;
    let no_progress: ProgressFn = Arc::new(|_: Progress| {});
    tokio::time::timeout(
        UPLOAD_LIMIT,
        api.upload(&who, warm_up.path(), no_progress, CancellationToken::new()),
    )
    .await
    .context("the warm-up upload timed out")?
    .context("the warm-up upload failed")?;
    drop(warm_up);

    let idle = probe.usage();
    let peak = probe.peak_rss();
    let started = Instant::now();
    let uploaded = tokio::time::timeout(
        UPLOAD_LIMIT,
        api.upload(&who, file.path(), progress, CancellationToken::new()),
    )
    .await;
    let elapsed = started.elapsed();
    let peak_rss = peak.finish();
    drop(file);
    let document = uploaded
        .with_context(|| format!("the upload took over {UPLOAD_LIMIT:?}"))?
        .context("the upload failed")?;
    anyhow::ensure!(
        document.size == bytes,
        "the endpoint stored {} bytes of {bytes}",
        document.size
    );

    let speed = mib / elapsed.as_secs_f64();
    let before_first_byte = first_byte
        .get()
        .map(|at| at.saturating_duration_since(started));
    let sending = before_first_byte.map(|h| elapsed.saturating_sub(h));
    let rss_increase = idle
        .zip(peak_rss)
        .map(|(idle, peak)| peak.saturating_sub(idle.rss_bytes));
    let secs = |d: Option<Duration>| d.map_or("n/a".into(), |d| format!("{:.2}s", d.as_secs_f64()));
    let summary = format!(
        "scenario=upload size={} MiB | disk write+fsync {:.0} MiB/s ({:.2}s) | upload end to end {:.0} MiB/s ({:.2}s) = {:.0}% of disk | before the first byte {}, sending+storing {} ({}) | server RSS +{} at peak (idle {}, after an 8 MiB warm-up upload)",
        args.upload_mib,
        disk_speed,
        disk_time.as_secs_f64(),
        speed,
        elapsed.as_secs_f64(),
        100.0 * speed / disk_speed,
        secs(before_first_byte),
        secs(sending),
        sending.map_or("n/a".into(), |s| format!("{:.0} MiB/s", mib / s.as_secs_f64())),
        rss_increase.map_or("n/a".into(), |b| format!("{:.2} MiB", b as f64 / MIB as f64)),
        idle.map_or("n/a".into(), |u| format!("{:.1} MB", u.rss_bytes as f64 / 1e6)),
    );
    Ok(json!({
        "scenario": "upload",
        "summary": summary,
        "bytes": bytes,
        "disk_dir": dir,
        "disk_write_fsync_seconds": disk_time.as_secs_f64(),
        "disk_write_fsync_mib_per_s": disk_speed,
        "upload_seconds": elapsed.as_secs_f64(),
        "upload_mib_per_s": speed,
        "upload_percent_of_disk": 100.0 * speed / disk_speed,
        "before_first_byte_seconds": before_first_byte.map(|d| d.as_secs_f64()),
        "sending_and_storing_seconds": sending.map(|d| d.as_secs_f64()),
        "server_rss_bytes_idle": idle.map(|u| u.rss_bytes),
        "server_rss_bytes_peak": peak_rss,
        "server_rss_increase_bytes": rss_increase,
    }))
}
