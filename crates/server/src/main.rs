//! The `breakout-server` binary: flags and environment → [`breakout_server::run`], with logs on
//! stderr and the bound address as the first line on stdout.

mod hosting_flags;

use anyhow::Context as _;
use breakout_server::Config;
use clap::Parser;
use hosting_flags::{Hosting, LogFormat};
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
    #[command(flatten)]
    transport: Transport,
    #[command(flatten)]
    hosting: Hosting,
}

/// TLS, timeouts and upload bounds; a flag left out keeps `Config`'s default.
#[derive(clap::Args)]
struct Transport {
    /// Serve https/wss with this PEM certificate chain (leaf first); needs --tls-key.
    #[arg(long, env = "BREAKOUT_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "BREAKOUT_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Seconds a connection may take to send a request's headers (and to stay idle between
    /// requests).
    #[arg(long, env = "BREAKOUT_HEADER_READ_TIMEOUT_SECONDS", value_parser = seconds)]
    header_read_timeout_seconds: Option<Duration>,
    /// Seconds an upload may send no data before it fails.
    #[arg(long, env = "BREAKOUT_UPLOAD_IDLE_TIMEOUT_SECONDS", value_parser = seconds)]
    upload_idle_timeout_seconds: Option<Duration>,
    /// Slowest upload accepted, in bytes per second averaged over 20 s; 0 for no minimum.
    #[arg(long, env = "BREAKOUT_MIN_UPLOAD_BYTES_PER_SECOND")]
    min_upload_bytes_per_second: Option<u64>,
    /// Uploads in progress on the endpoint at once.
    #[arg(long, env = "BREAKOUT_MAX_UPLOADS", value_parser = clap::value_parser!(u64).range(1..))]
    max_uploads: Option<u64>,
    /// Uploads in progress per session at once.
    #[arg(long, env = "BREAKOUT_MAX_UPLOADS_PER_SESSION",
          value_parser = clap::value_parser!(u64).range(1..))]
    max_uploads_per_session: Option<u64>,
    /// Seconds between WebSocket pings; a client silent for two of them is disconnected.
    #[arg(long, env = "BREAKOUT_PING_INTERVAL_SECONDS", value_parser = seconds)]
    ping_interval_seconds: Option<Duration>,
}

impl Transport {
    fn apply(self, config: &mut Config) -> anyhow::Result<()> {
        if let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) {
            config.tls = Some(breakout_server::tls::server_config_from_pem_files(
                cert, key,
            )?);
        }
        let set = |field: &mut Duration, value: Option<Duration>| {
            if let Some(value) = value {
                *field = value;
            }
        };
        set(
            &mut config.header_read_timeout,
            self.header_read_timeout_seconds,
        );
        set(
            &mut config.upload_idle_timeout,
            self.upload_idle_timeout_seconds,
        );
        set(&mut config.ping_interval, self.ping_interval_seconds);
        if let Some(rate) = self.min_upload_bytes_per_second {
            config.min_upload_bytes_per_second = rate;
        }
        if let Some(max) = self.max_uploads {
            config.max_uploads = usize::try_from(max)?;
        }
        if let Some(max) = self.max_uploads_per_session {
            config.max_uploads_per_session = usize::try_from(max)?;
        }
        Ok(())
    }
}

/// A positive whole number of seconds.
fn seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<u64>() {
        Ok(n) if n > 0 => Ok(Duration::from_secs(n)),
        _ => Err(format!(
            "{text:?} is not a positive whole number of seconds"
        )),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        );
    match args.hosting.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
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
    args.transport.apply(&mut config)?;
    args.hosting.apply(&mut config)?;
    #[cfg(unix)]
    if let Some(keys) = &config.create_keys {
        hosting_flags::reload_keys_on_sighup(keys.clone())?;
    }
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on {scheme}://{addr}")?;
    stdout.flush()?;
    tracing::info!(%addr, data_dir = %config.data_dir.display(), "serving");
    match args.hosting.metrics_listen {
        Some(metrics_addr) => {
            let metrics = tokio::net::TcpListener::bind(metrics_addr)
                .await
                .with_context(|| format!("cannot listen on {metrics_addr} for metrics"))?;
            tracing::info!(addr = %metrics.local_addr()?, "serving metrics");
            breakout_server::run_with_metrics_listener(
                listener,
                metrics,
                config,
                shutdown_signal(),
            )
            .await?;
        }
        None => breakout_server::run(listener, config, shutdown_signal()).await?,
    }
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
