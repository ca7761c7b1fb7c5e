//! The `breakout-server` binary: flags and environment → [`breakout_server::run`], with logs on
//! stderr and the bound address as the first line on stdout.

use anyhow::Context as _;
use breakout_server::Config;
use clap::Parser;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Breakout's sync endpoint.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "BREAKOUT_LISTEN", default_value = "127.0.0.1:7878")]
    listen: SocketAddr,
    /// Where the database and documents are kept.
    #[arg(long, env = "BREAKOUT_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// Largest document upload in bytes.
    #[arg(long, env = "BREAKOUT_MAX_UPLOAD_BYTES")]
    max_upload_bytes: Option<u64>,
    /// Largest WebSocket message a client may send, in bytes.
    #[arg(long, env = "BREAKOUT_MAX_MESSAGE_BYTES")]
    max_message_bytes: Option<usize>,
    /// A session nobody is connected to leaves memory after this many idle minutes (it is loaded
    /// again on next use).
    #[arg(long, env = "BREAKOUT_IDLE_UNLOAD_MINUTES", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    idle_unload_minutes: u64,
    /// Sessions with no activity for this many days are deleted with their documents; 0 keeps
    /// them forever.
    #[arg(long, env = "BREAKOUT_RETENTION_DAYS", default_value_t = 30)]
    retention_days: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    // One file descriptor per connected client: allow as many as the system lets us.
    if let Ok((soft, hard)) = rlimit::Resource::NOFILE.get() {
        if soft < hard && rlimit::Resource::NOFILE.set(hard, hard).is_err() {
            tracing::warn!("could not raise the open-file limit from {soft}");
        }
    }
    let mut config = Config::new(args.data_dir);
    if let Some(bytes) = args.max_upload_bytes {
        config.max_upload_bytes = bytes;
    }
    if let Some(bytes) = args.max_message_bytes {
        config.max_message_bytes = bytes;
    }
    config.idle_unload = Duration::from_secs(args.idle_unload_minutes.saturating_mul(60));
    config.retention = (args.retention_days > 0)
        .then(|| Duration::from_secs(args.retention_days.saturating_mul(24 * 60 * 60)));
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on http://{addr}")?;
    stdout.flush()?;
    tracing::info!(%addr, data_dir = %config.data_dir.display(), "serving");
    breakout_server::run(listener, config, shutdown_signal()).await?;
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
