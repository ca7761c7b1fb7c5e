//! `--scenario moves` (the default): with N participants connected and idle, the moderator moves
//! people between rooms (or auto-assigns everyone, or sends calls to action: `--action`) at a given
//! rate; measures how long the endpoint takes to answer each command (decide, apply, persist), how
//! long each event takes to reach every client, the endpoint's memory per idle connection, and CPU.

use crate::proc_stats::{usage, Probe, Usage};
use crate::{crowd, server_metrics, stats, Args};
use breakout_client::Endpoint;
use clap::ValueEnum as _;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How long the last move may take to reach everyone.
const DELIVERY_LIMIT: Duration = Duration::from_secs(60);

/// Run the scenario; the report's "summary" is its one-line result.
pub async fn run(
    args: &Args,
    endpoint: &Endpoint,
    probe: &Probe,
) -> anyhow::Result<serde_json::Value> {
    let mut crowd = crowd::gather(args, endpoint, probe).await?;
    let cpu_before = (probe.usage(), usage("self").ok());
    let commits_before = server_metrics::read(endpoint).await;
    let interval = Duration::from_secs_f64(1.0 / args.rate);
    let mut sent_at: HashMap<u64, Instant> = HashMap::new();
    let mut answered = Vec::with_capacity(args.moves);
    let mut ticker = tokio::time::interval(interval);
    let scenario_started = Instant::now();
    for i in 0..args.moves {
        ticker.tick().await;
        let command = crowd.command(args.action, i);
        let started = Instant::now();
        let version = crowd.moderator.send_within(command, DELIVERY_LIMIT).await?;
        answered.push(started.elapsed());
        sent_at.insert(version, started);
    }
    let scenario_time = scenario_started.elapsed();
    let last_version = crowd.moderator.snapshot().version;
    let fleet = &mut crowd.fleet;
    let waited = tokio::time::timeout(DELIVERY_LIMIT, async {
        while fleet.newest.load(Ordering::Relaxed) < last_version {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    anyhow::ensure!(
        waited.is_ok(),
        "clients did not receive every event within {DELIVERY_LIMIT:?}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cpu_after = (probe.usage(), usage("self").ok());
    let commits = server_metrics::read(endpoint)
        .await
        .zip(commits_before)
        .map(|(after, before)| after.since(&before));

    let mut per_event_last: HashMap<u64, Instant> = HashMap::new();
    let mut deliveries = Vec::new();
    let mut delivered: HashMap<u64, usize> = HashMap::new();
    while let Ok(arrival) = fleet.arrivals.try_recv() {
        if let Some(sent) = sent_at.get(&arrival.version) {
            deliveries.push(arrival.at.saturating_duration_since(*sent));
            *delivered.entry(arrival.version).or_default() += 1;
            let last = per_event_last.entry(arrival.version).or_insert(arrival.at);
            *last = (*last).max(arrival.at);
        }
    }
    let complete = delivered.values().filter(|n| **n == args.clients).count();
    let mut to_all: Vec<Duration> = per_event_last
        .iter()
        .map(|(v, last)| last.saturating_duration_since(sent_at[v]))
        .collect();
    let to_all = stats::summarize(&mut to_all);
    let each = stats::summarize(&mut deliveries);
    let answered = stats::summarize(&mut answered);
    let action = args
        .action
        .to_possible_value()
        .expect("no action is skipped");
    let action = action.get_name();
    let idle_per_client = match (crowd.before_clients, crowd.idle) {
        (Some(b), Some(i)) => {
            Some(i.rss_bytes.saturating_sub(b.rss_bytes) as f64 / args.clients as f64)
        }
        _ => None,
    };
    let cpu = |pair: (Option<Usage>, Option<Usage>)| pair.0.zip(pair.1);
    let server_cpu = cpu((cpu_before.0, cpu_after.0)).map(|(a, b)| (b.cpu - a.cpu).as_secs_f64());
    let load_cpu = cpu((cpu_before.1, cpu_after.1)).map(|(a, b)| (b.cpu - a.cpu).as_secs_f64());
    let idle = crowd.idle;
    let summary = format!(
        "clients={} offline={} {action}s={} rate={}/s rooms={} | answered p50={:.2}ms p99={:.2}ms | endpoint commit (decide+apply+render+persist) {} | {action}→all p50={:.2}ms p90={:.2}ms p99={:.2}ms max={:.2}ms | each delivery p99={:.2}ms | complete={}/{} | events/s delivered={:.0} | connect {:.0}/s | idle RSS/client={} | server RSS={} | CPU during moves: server {} load {}",
        args.clients,
        args.offline,
        args.moves,
        args.rate,
        args.rooms,
        answered.p50_ms,
        answered.p99_ms,
        commits.map_or("n/a".into(), |c| format!(
            "mean {:.2}ms p50 ≤ {} p99 ≤ {}",
            c.mean_ms,
            bound(c.p50_at_most_ms),
            bound(c.p99_at_most_ms)
        )),
        to_all.p50_ms,
        to_all.p90_ms,
        to_all.p99_ms,
        to_all.max_ms,
        each.p99_ms,
        complete,
        args.moves,
        each.count as f64 / scenario_time.as_secs_f64(),
        args.clients as f64 / fleet.connect_time.as_secs_f64(),
        idle_per_client.map_or("n/a".into(), |b| format!("{:.1} KB", b / 1000.0)),
        idle.map_or("n/a".into(), |u| format!("{:.1} MB", u.rss_bytes as f64 / 1e6)),
        server_cpu.map_or("n/a".into(), |s| format!("{s:.2}s")),
        load_cpu.map_or("n/a".into(), |s| format!("{s:.2}s")),
    );
    Ok(json!({
        "scenario": "moves",
        "summary": summary,
        "clients": args.clients,
        "offline": args.offline,
        "moves": args.moves,
        "action": action,
        "rooms": args.rooms,
        "rate_per_s": args.rate,
        "answered": answered,
        "endpoint_commit": commits,
        "move_to_all_clients": to_all,
        "each_delivery": each,
        "events_complete": complete,
        "join_seconds": fleet.join_time.as_secs_f64(),
        "connect_seconds": fleet.connect_time.as_secs_f64(),
        "idle_rss_bytes_per_client": idle_per_client,
        "server_rss_bytes_idle": idle.map(|u| u.rss_bytes),
        "server_cpu_seconds_during_moves": server_cpu,
        "load_cpu_seconds_during_moves": load_cpu,
        "scenario_seconds": scenario_time.as_secs_f64(),
    }))
}

/// A histogram bucket bound for the summary line.
fn bound(ms: Option<f64>) -> String {
    ms.map_or("n/a".into(), |b| format!("{b}ms"))
}
