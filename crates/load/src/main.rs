//! `breakout-load`: measures a Breakout endpoint (started here as a separate process, or an
//! existing one) under one scenario: many real WebSocket clients receiving the moderator's moves
//! (`moves`), all of them dropping and resuming at once (`reconnect`), or one large document upload
//! (`upload`). Prints one summary line; `--json` writes the details. Loopback only, bounded in
//! count and time.

mod crowd;
mod disk_speed;
mod fleet;
mod mix;
mod moves;
mod proc_stats;
mod reconnect;
mod server_metrics;
mod server_process;
mod stats;
mod upload;

use anyhow::Context as _;
use breakout_client::Endpoint;
use clap::{Parser, ValueEnum};
use proc_stats::Probe;
use server_process::ServerProcess;
use std::path::PathBuf;

/// What to measure.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    /// The moderator moves people (or auto-assigns, or calls everyone back: `--action`); how long
    /// until every client has each event.
    Moves,
    /// Every client's connection drops at once and resumes; replay vs snapshot, time to converge.
    Reconnect,
    /// One large document upload against the disk's fsync'd write speed.
    Upload,
}

#[derive(Parser)]
#[command(about = "Load test a Breakout endpoint")]
struct Args {
    /// What to measure.
    #[arg(long, value_enum, default_value_t = Scenario::Moves)]
    scenario: Scenario,
    /// Participants to connect (each with its own WebSocket).
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// Moves the moderator makes (for `reconnect`: before the drop; during it, it keeps moving at
    /// the same rate until every client is back).
    #[arg(long, default_value_t = 200)]
    moves: usize,
    /// What the moderator does in the `moves` scenario: move one person, auto-assign everyone
    /// (use with `--rooms`), or send a call to action.
    #[arg(long, value_enum, default_value_t = crowd::Action::Move)]
    action: crowd::Action,
    /// Moves (or other actions) per second.
    #[arg(long, default_value_t = 20.0)]
    rate: f64,
    /// Participants who join but never connect, on top of `--clients`: they count in every
    /// auto-assign without a socket, so an assignment of 10,000 people can be timed on its own.
    #[arg(long, default_value_t = 0)]
    offline: usize,
    /// Breakout rooms to open.
    #[arg(long, default_value_t = 10)]
    rooms: u32,
    /// Size of the document the `upload` scenario sends, in MiB.
    #[arg(long, default_value_t = 1024)]
    upload_mib: u64,
    /// Use a running endpoint at this loopback address instead of starting one (then no server
    /// CPU or memory figures).
    #[arg(long)]
    endpoint: Option<String>,
    /// The server binary to start (default: breakout-server next to this binary).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Serve over TLS (https/wss) with a certificate from a throwaway CA, which the clients trust.
    #[arg(long)]
    tls: bool,
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
    anyhow::ensure!(
        args.rate > 0.0 && args.clients > 0,
        "--rate and --clients must be positive"
    );
    raise_fd_limit(args.clients)?;
    let server = match &args.endpoint {
        Some(_) => None,
        None => {
            let binary = match &args.server {
                Some(path) => path.clone(),
                None => server_process::sibling_server_binary()?,
            };
            // The upload scenario's document is larger than the default limit; leave it headroom.
            let max_upload =
                (args.scenario == Scenario::Upload).then(|| (args.upload_mib + 1) * 1024 * 1024);
            Some(ServerProcess::start(&binary, max_upload, args.tls).await?)
        }
    };
    let url = args
        .endpoint
        .clone()
        .or_else(|| server.as_ref().map(|s| s.url.clone()))
        .context("no endpoint")?;
    let mut endpoint = Endpoint::parse(&url)?;
    if let Some(ca_file) = server.as_ref().and_then(|s| s.ca_file.as_deref()) {
        endpoint = endpoint.with_ca_file(ca_file)?;
    }
    anyhow::ensure!(
        ["127.", "localhost", "[::1]"]
            .iter()
            .any(|p| url.split("://").nth(1).is_some_and(|h| h.starts_with(p))),
        "load tests only target loopback addresses"
    );
    let probe = Probe::new(server.as_ref().map(|s| s.pid));
    let result = match args.scenario {
        Scenario::Moves => moves::run(&args, &endpoint, &probe).await,
        Scenario::Reconnect => reconnect::run(&args, &endpoint, &probe).await,
        Scenario::Upload => {
            let data_dir = server.as_ref().map(ServerProcess::data_dir);
            upload::run(&args, &endpoint, &probe, data_dir.as_deref()).await
        }
    };
    if let Some(server) = server {
        server.stop().await;
    }
    let report = result?;
    let transport = if endpoint.is_encrypted() {
        "https/wss"
    } else {
        "http/ws"
    };
    println!(
        "{transport} | {}",
        report["summary"].as_str().unwrap_or_default()
    );
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
    }
    Ok(())
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
