//! `breakout-load`: connects many real WebSocket clients to one session of a Breakout endpoint
//! (started here as a separate process, or an existing one), has a moderator move people at a
//! given rate, and measures how long each move takes to reach every client, plus the endpoint's
//! memory per idle connection and CPU. Prints one summary line; `--json` writes the details.
//! Loopback only, bounded in count and time.

mod fleet;
mod proc_stats;
mod server_process;
mod stats;

use anyhow::Context as _;
use breakout_client::{Api, Client, ClientOptions, Credentials, Endpoint};
use breakout_core::{Command, Location, ParticipantId, Role};
use clap::Parser;
use proc_stats::usage;
use serde_json::json;
use server_process::ServerProcess;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Load test a Breakout endpoint")]
struct Args {
    /// Participants to connect (each with its own WebSocket).
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// Moves the moderator makes.
    #[arg(long, default_value_t = 200)]
    moves: usize,
    /// Moves per second.
    #[arg(long, default_value_t = 20.0)]
    rate: f64,
    /// Breakout rooms to open.
    #[arg(long, default_value_t = 10)]
    rooms: u32,
    /// Use a running endpoint at this loopback address instead of starting one (then no server
    /// CPU or memory figures).
    #[arg(long)]
    endpoint: Option<String>,
    /// The server binary to start (default: breakout-server next to this binary).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Handshakes and joins in flight at once.
    #[arg(long, default_value_t = 64)]
    parallel: usize,
    /// Write the full results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    raise_fd_limit(args.clients)?;
    let server = match &args.endpoint {
        Some(_) => None,
        None => {
            let binary = match &args.server {
                Some(path) => path.clone(),
                None => server_process::sibling_server_binary()?,
            };
            Some(ServerProcess::start(&binary).await?)
        }
    };
    let url = args
        .endpoint
        .clone()
        .or_else(|| server.as_ref().map(|s| s.url.clone()))
        .context("no endpoint")?;
    let endpoint = Endpoint::parse(&url)?;
    anyhow::ensure!(
        ["127.", "localhost", "[::1]"]
            .iter()
            .any(|p| url.split("://").nth(1).is_some_and(|h| h.starts_with(p))),
        "load tests only target loopback addresses"
    );
    let result = run(&args, &endpoint, server.as_ref()).await;
    if let Some(server) = server {
        server.stop().await;
    }
    let report = result?;
    println!("{}", report["summary"].as_str().unwrap_or_default());
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
    }
    Ok(())
}

async fn run(
    args: &Args,
    endpoint: &Endpoint,
    server: Option<&ServerProcess>,
) -> anyhow::Result<serde_json::Value> {
    let server_pid = server.map(|s| s.pid.to_string());
    let server_usage = || server_pid.as_deref().and_then(|pid| usage(pid).ok());
    let api = Api::new(endpoint.clone());
    let created = api.create_session("Load test", "Moderator").await?;
    let moderator = Client::connect(
        endpoint.clone(),
        Credentials {
            session: created.session_id.clone(),
            token: created.token.clone(),
        },
        ClientOptions::default(),
    )
    .await?;
    moderator
        .send(Command::OpenBreakouts {
            rooms: args.rooms,
            duration_minutes: None,
        })
        .await?;

    let before_clients = server_usage();
    let mut fleet = fleet::start(
        endpoint,
        &created.session_id,
        &created.participant_code,
        args.clients,
        args.parallel,
    )
    .await?;
    // Presence events of the last connections settle; then the endpoint is idle.
    let everyone = args.clients + 1;
    moderator
        .wait_until(Duration::from_secs(120), |s| {
            s.participants.len() == everyone && s.participants.iter().all(|p| p.online)
        })
        .await
        .context("not every client came online")?;
    quiesce(&mut fleet).await;
    let idle = server_usage();

    // The scenario: the moderator moves participants between rooms at the given rate.
    let state = moderator.snapshot();
    let people: Vec<ParticipantId> = state
        .participants
        .iter()
        .filter(|p| p.role == Role::Participant)
        .map(|p| p.id)
        .collect();
    let rooms: Vec<Location> = state.rooms.iter().map(|r| Location::Room(r.id)).collect();
    let cpu_before = (server_usage(), usage("self").ok());
    let interval = Duration::from_secs_f64(1.0 / args.rate);
    let mut sent_at: HashMap<u64, Instant> = HashMap::new();
    let mut ticker = tokio::time::interval(interval);
    let scenario_started = Instant::now();
    for i in 0..args.moves {
        ticker.tick().await;
        let command = Command::Move {
            participant: people[(i * 7919) % people.len()],
            to: rooms[i % rooms.len()],
        };
        let started = Instant::now();
        let version = moderator.send(command).await?;
        sent_at.insert(version, started);
    }
    let scenario_time = scenario_started.elapsed();
    let last_version = moderator.snapshot().version;
    let waited = tokio::time::timeout(Duration::from_secs(60), async {
        while fleet.newest.load(std::sync::atomic::Ordering::Relaxed) < last_version {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    anyhow::ensure!(
        waited.is_ok(),
        "clients did not receive every event within 60 s"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cpu_after = (server_usage(), usage("self").ok());

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
    let idle_per_client = match (before_clients, idle) {
        (Some(b), Some(i)) => {
            Some(i.rss_bytes.saturating_sub(b.rss_bytes) as f64 / args.clients as f64)
        }
        _ => None,
    };
    let cpu = |pair: (Option<proc_stats::Usage>, Option<proc_stats::Usage>)| pair.0.zip(pair.1);
    let server_cpu = cpu((cpu_before.0, cpu_after.0)).map(|(a, b)| (b.cpu - a.cpu).as_secs_f64());
    let load_cpu = cpu((cpu_before.1, cpu_after.1)).map(|(a, b)| (b.cpu - a.cpu).as_secs_f64());
    let summary = format!(
        "clients={} moves={} rate={}/s | move→all p50={:.2}ms p90={:.2}ms p99={:.2}ms max={:.2}ms | each delivery p99={:.2}ms | complete={}/{} | events/s delivered={:.0} | connect {:.0}/s | idle RSS/client={} | server RSS={} | CPU during moves: server {} load {}",
        args.clients,
        args.moves,
        args.rate,
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
        "summary": summary,
        "clients": args.clients,
        "moves": args.moves,
        "rate_per_s": args.rate,
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

/// Drain arrivals until none came for a second (the connect-time presence events are done).
async fn quiesce(fleet: &mut fleet::Fleet) {
    while let Ok(Some(_)) =
        tokio::time::timeout(Duration::from_secs(1), fleet.arrivals.recv()).await
    {}
}

/// Allow one file descriptor per client plus headroom (the server process inherits the limit).
fn raise_fd_limit(clients: usize) -> anyhow::Result<()> {
    let wanted = clients as u64 + 512;
    let (soft, hard) = rlimit::Resource::NOFILE.get()?;
    if soft < wanted {
        let new = wanted.min(hard);
        rlimit::Resource::NOFILE.set(new, hard)?;
        anyhow::ensure!(
            new >= wanted,
            "the hard file limit {hard} is below the {wanted} needed"
        );
    }
    Ok(())
}
