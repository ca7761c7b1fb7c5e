//! The binary's flags for hosting on the internet: who may create sessions, the per-address abuse
//! limits, the per-session disk quota, where metrics are served and the log format. A flag left out
//! keeps `Config`'s default. (Part of the `breakout-server` binary, not of the library.)

use anyhow::Context as _;
use breakout_server::{Config, CreateKeys};
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

/// Log line format on stderr.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(clap::Args)]
pub(crate) struct Hosting {
    /// Only requests with one of the keys in this file (one per line; blank lines and # comments
    /// ignored) as `Authorization: Bearer` may create sessions. Re-read on SIGHUP.
    #[arg(long, env = "BREAKOUT_CREATE_KEYS_FILE")]
    create_keys_file: Option<PathBuf>,
    /// A reverse proxy whose X-Forwarded-For is believed: an address or a CIDR range; repeat the
    /// flag or separate with commas.
    #[arg(long = "trusted-proxy", env = "BREAKOUT_TRUSTED_PROXIES", value_delimiter = ',',
          value_parser = proxy)]
    trusted_proxies: Vec<IpNet>,
    /// Session creations per client address per hour.
    #[arg(long, env = "BREAKOUT_CREATIONS_PER_IP_PER_HOUR",
          value_parser = clap::value_parser!(u32).range(1..))]
    creations_per_ip_per_hour: Option<u32>,
    /// Joins per client address per minute.
    #[arg(long, env = "BREAKOUT_JOINS_PER_IP_PER_MINUTE",
          value_parser = clap::value_parser!(u32).range(1..))]
    joins_per_ip_per_minute: Option<u32>,
    /// Wrong join codes per client address per minute.
    #[arg(long, env = "BREAKOUT_WRONG_CODES_PER_IP_PER_MINUTE",
          value_parser = clap::value_parser!(u32).range(1..))]
    wrong_codes_per_ip_per_minute: Option<u32>,
    /// Open WebSocket connections per participant token.
    #[arg(long, env = "BREAKOUT_WEBSOCKETS_PER_TOKEN",
          value_parser = clap::value_parser!(u64).range(1..))]
    websockets_per_token: Option<u64>,
    /// Open WebSocket connections per client address.
    #[arg(long, env = "BREAKOUT_WEBSOCKETS_PER_IP",
          value_parser = clap::value_parser!(u64).range(1..))]
    websockets_per_ip: Option<u64>,
    /// Bytes of documents one session may hold.
    #[arg(long, env = "BREAKOUT_SESSION_QUOTA_BYTES")]
    session_quota_bytes: Option<u64>,
    /// Serve /metrics (and /healthz) on this address, in plain http, instead of on --listen.
    #[arg(long, env = "BREAKOUT_METRICS_LISTEN")]
    pub(crate) metrics_listen: Option<SocketAddr>,
    /// Log format on stderr.
    #[arg(long, env = "BREAKOUT_LOG_FORMAT", value_enum, default_value = "text")]
    pub(crate) log_format: LogFormat,
}

/// An address (a single-address network) or a CIDR range.
fn proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{text:?} is neither an IP address nor a CIDR range"))
}

impl Hosting {
    /// Set the config from the flags; the keys file is read now (an unusable one stops the start).
    pub(crate) fn apply(&self, config: &mut Config) -> anyhow::Result<()> {
        if let Some(path) = &self.create_keys_file {
            let keys = CreateKeys::load(path).context("cannot start")?;
            config.create_keys = Some(Arc::new(keys));
        }
        config.trusted_proxies = self.trusted_proxies.clone();
        let rate = |value: Option<u32>, field: &mut f64| {
            if let Some(value) = value {
                *field = f64::from(value);
            }
        };
        rate(
            self.creations_per_ip_per_hour,
            &mut config.creations_per_ip_per_hour,
        );
        rate(
            self.joins_per_ip_per_minute,
            &mut config.joins_per_ip_per_minute,
        );
        rate(
            self.wrong_codes_per_ip_per_minute,
            &mut config.failed_joins_per_minute,
        );
        if let Some(max) = self.websockets_per_token {
            config.websockets_per_token = usize::try_from(max)?;
        }
        if let Some(max) = self.websockets_per_ip {
            config.websockets_per_ip = usize::try_from(max)?;
        }
        if let Some(bytes) = self.session_quota_bytes {
            config.session_quota_bytes = bytes;
        }
        Ok(())
    }
}

/// Re-read the keys file on every SIGHUP, keeping the old keys when the new file is unusable.
#[cfg(unix)]
pub(crate) fn reload_keys_on_sighup(keys: Arc<CreateKeys>) -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = signal(SignalKind::hangup()).context("cannot listen for SIGHUP")?;
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            match keys.reload() {
                Ok(count) => tracing::info!(keys = count, "reloaded the create-keys file"),
                Err(e) => tracing::error!("{e}; keeping the keys in use"),
            }
        }
    });
    Ok(())
}
