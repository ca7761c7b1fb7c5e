//! `--scenario reconnect`: a reconnect storm. With N participants connected and idle, and versions
//! advanced by the moderator's moves, every participant's socket closes at once and each comes back
//! resuming from the last (epoch, version) it saw, while the moderator keeps moving people at the
//! given rate until all are back. Measures how many resumed by replay rather than by a snapshot,
//! how long until all were back and all had the moderator's last version, and the endpoint's memory
//! and CPU meanwhile.

use crate::proc_stats::{usage, Probe};
use crate::{crowd, stats, Args};
use anyhow::Context as _;
use breakout_client::{ClientError, Endpoint};
use futures_util::stream::{FuturesUnordered, StreamExt};
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::time::MissedTickBehavior;

/// How long everyone may take to have the moderator's moves before the drop.
const SETTLE_LIMIT: Duration = Duration::from_secs(60);
/// How long the storm may last until every client reported back (each gives up after 90 s).
const STORM_LIMIT: Duration = Duration::from_secs(150);
/// How long after the storm every client may take to reach the moderator's last version.
const CONVERGE_LIMIT: Duration = Duration::from_secs(60);
/// How long a move during the storm may wait for its answer (the endpoint may be busy greeting
/// thousands of connections; a move that timed out could still be applied, unseen).
const ANSWER_LIMIT: Duration = Duration::from_secs(60);
/// How often convergence is checked.
const POLL: Duration = Duration::from_millis(5);

/// Run the scenario; the report's "summary" is its one-line result.
pub async fn run(
    args: &Args,
    endpoint: &Endpoint,
    probe: &Probe,
) -> anyhow::Result<serde_json::Value> {
    let mut crowd = crowd::gather(args, endpoint, probe).await?;
    let interval = Duration::from_secs_f64(1.0 / args.rate);

    // Versions advance while everyone is connected, so the resume points are not the start.
    let mut ticker = tokio::time::interval(interval);
    for i in 0..args.moves {
        ticker.tick().await;
        crowd.moderator.send(crowd.command(args.action, i)).await?;
    }
    let before_drop = crowd.moderator.snapshot().version;
    converge(&crowd.fleet, before_drop, SETTLE_LIMIT)
        .await
        .context("the clients did not receive the moves made before the drop")?;
    // Arrival times are not needed here; stop collecting them.
    crowd.fleet.arrivals.close();
    while crowd.fleet.arrivals.try_recv().is_ok() {}

    let resyncs_before = crowd.fleet.resyncs.load(Ordering::Relaxed);
    let idle = probe.usage();
    let load_before = usage("self").ok();
    let peak = probe.peak_rss();
    eprintln!("dropping all {} connections", args.clients);
    let dropped = Instant::now();
    crowd.fleet.drop_all();

    // The storm: the moderator keeps moving people at the rate, not waiting for answers (as the
    // app does not), until every client reported back; then the moves' answers are awaited.
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticker.reset_immediately();
    let mut pending = FuturesUnordered::new();
    let mut answers = Answers::default();
    let mut storm_moves = 0;
    let everyone = args.clients as u64;
    while crowd.fleet.reported.load(Ordering::Relaxed) < everyone {
        anyhow::ensure!(
            Instant::now() < dropped + STORM_LIMIT,
            "only {} of {} clients reported back within {STORM_LIMIT:?}",
            crowd.fleet.reported.load(Ordering::Relaxed),
            args.clients
        );
        tokio::select! {
            _ = ticker.tick() => {
                let command = crowd.command(args.action, args.moves + storm_moves);
                let moderator = &crowd.moderator;
                pending.push(async move {
                    let sent = Instant::now();
                    let answer = moderator.send_within(command, ANSWER_LIMIT).await;
                    (answer, sent.elapsed())
                });
                storm_moves += 1;
            }
            Some(answer) = pending.next() => answers.add(answer),
        }
    }
    eprintln!(
        "all reported back after {:.1}s; waiting for answers and convergence",
        dropped.elapsed().as_secs_f64()
    );
    // Each answer comes within ANSWER_LIMIT.
    while let Some(answer) = pending.next().await {
        answers.add(answer);
    }
    drop(pending);
    let last_version = answers.last_version.unwrap_or(before_drop);
    let answered = stats::summarize(&mut answers.latencies);
    let converged = converge(&crowd.fleet, last_version, CONVERGE_LIMIT)
        .await
        .ok()
        .map(|at| at.saturating_duration_since(dropped));
    let (server_after, load_after) = (probe.usage(), usage("self").ok());
    let gone = crowd.fleet.gone();
    let peak_rss = peak.finish();
    let (mut back, mut failed, mut first_failure) = (Vec::new(), 0, None);
    while let Ok(report) = crowd.fleet.rejoins.try_recv() {
        match report {
            Ok(rejoin) => back.push(rejoin),
            Err(e) => {
                failed += 1;
                first_failure.get_or_insert(format!("{e:#}"));
            }
        }
    }

    let resumed = back.iter().filter(|r| r.snapshot_bytes.is_none()).count();
    let snapshots = back.len() - resumed;
    let snapshot_bytes = back.iter().filter_map(|r| r.snapshot_bytes).max();
    let retried = back.iter().filter(|r| r.attempts > 1).count();
    let most_attempts = back.iter().map(|r| r.attempts).max().unwrap_or(0);
    let mut back_after: Vec<Duration> = back
        .iter()
        .map(|r| r.at.saturating_duration_since(dropped))
        .collect();
    let back_after = stats::summarize(&mut back_after);
    let all_back = (failed == 0).then_some(back_after.max_ms / 1e3);
    let resumed_pct = 100.0 * resumed as f64 / args.clients as f64;
    let live_resyncs = crowd.fleet.resyncs.load(Ordering::Relaxed) - resyncs_before;
    let server_cpu = idle
        .zip(server_after)
        .map(|(a, b)| (b.cpu - a.cpu).as_secs_f64());
    let load_cpu = load_before
        .zip(load_after)
        .map(|(a, b)| (b.cpu - a.cpu).as_secs_f64());
    let mb = |b: u64| format!("{:.1} MB", b as f64 / 1e6);
    let secs = |s: Option<f64>| s.map_or("n/a".into(), |s| format!("{s:.2}s"));
    let summary = format!(
        "scenario=reconnect clients={} moves before={} rate={}/s | resumed by replay {:.1}% ({}), by snapshot {} ({}), failed {}, retried {} (max {} attempts), gone {} | all back in {} (p50 {:.0}ms p99 {:.0}ms) | all converged in {} | storm moves {} (answered p50 {:.0}ms max {:.0}ms, {} failed), live resyncs {} | server RSS idle {} peak {} | CPU drop→converged: server {} load {} | first welcome (snapshot) {} bytes",
        args.clients,
        args.moves,
        args.rate,
        resumed_pct,
        resumed,
        snapshots,
        snapshot_bytes.map_or("no snapshot sent".into(), |b| format!("{b} bytes max")),
        failed,
        retried,
        most_attempts,
        gone,
        secs(all_back),
        back_after.p50_ms,
        back_after.p99_ms,
        secs(converged.map(|d| d.as_secs_f64())),
        storm_moves,
        answered.p50_ms,
        answered.max_ms,
        answers.failed,
        live_resyncs,
        idle.map_or("n/a".into(), |u| mb(u.rss_bytes)),
        peak_rss.map_or("n/a".into(), mb),
        secs(server_cpu),
        secs(load_cpu),
        crowd.fleet.first_welcome_bytes,
    );
    Ok(json!({
        "scenario": "reconnect",
        "summary": summary,
        "clients": args.clients,
        "moves_before_drop": args.moves,
        "rate_per_s": args.rate,
        "resumed_by_replay": resumed,
        "resumed_by_replay_percent": resumed_pct,
        "resumed_by_snapshot": snapshots,
        "snapshot_welcome_bytes_max": snapshot_bytes,
        "failed": failed,
        "first_failure": first_failure,
        "retried": retried,
        "most_attempts": most_attempts,
        "gone": gone,
        "back_after_drop": back_after,
        "all_back_seconds": all_back,
        "all_converged_seconds": converged.map(|d| d.as_secs_f64()),
        "version_before_drop": before_drop,
        "last_moderator_version": last_version,
        "storm_moves": storm_moves,
        "storm_moves_failed": answers.failed,
        "storm_moves_first_failure": answers.first_failure,
        "storm_move_answered": answered,
        "events_until_last_move": last_version - before_drop,
        "live_resyncs": live_resyncs,
        "server_rss_bytes_idle": idle.map(|u| u.rss_bytes),
        "server_rss_bytes_peak": peak_rss,
        "server_cpu_seconds_drop_to_converged": server_cpu,
        "load_cpu_seconds_drop_to_converged": load_cpu,
        "first_welcome_bytes": crowd.fleet.first_welcome_bytes,
        "join_seconds": crowd.fleet.join_time.as_secs_f64(),
        "connect_seconds": crowd.fleet.connect_time.as_secs_f64(),
    }))
}

/// The moderator's answers to its moves during the storm.
#[derive(Default)]
struct Answers {
    /// From each move's send to its answer.
    latencies: Vec<Duration>,
    /// Moves refused or not answered in time…
    failed: usize,
    /// …and the first one's reason.
    first_failure: Option<String>,
    /// The highest version a move reached.
    last_version: Option<u64>,
}

impl Answers {
    fn add(&mut self, (answer, took): (Result<u64, ClientError>, Duration)) {
        match answer {
            Ok(version) => {
                self.last_version = self.last_version.max(Some(version));
                self.latencies.push(took);
            }
            Err(e) => {
                self.failed += 1;
                self.first_failure.get_or_insert(e.to_string());
            }
        }
    }
}

/// Wait until every client still connected has seen `version`; when that happened.
async fn converge(
    fleet: &crate::fleet::Fleet,
    version: u64,
    limit: Duration,
) -> anyhow::Result<Instant> {
    tokio::time::timeout(limit, async {
        while fleet.oldest_seen() < version {
            tokio::time::sleep(POLL).await;
        }
        Instant::now()
    })
    .await
    .with_context(|| format!("not every client reached version {version} within {limit:?}"))
}
