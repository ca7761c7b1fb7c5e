//! Everything an operator (or a test) can tune about the endpoint, with the defaults we ship.

use crate::keys::CreateKeys;
use crate::tls::rustls;
use ipnet::IpNet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Settings of one endpoint instance.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the SQLite database and document files live.
    pub data_dir: PathBuf,
    /// Largest WebSocket message a client may send, in bytes.
    pub max_message_bytes: usize,
    /// WebSocket read buffer per connection, in bytes. Clients send short commands; a longer
    /// message just takes several reads. Every idle connection holds this buffer.
    pub read_buffer_bytes: usize,
    /// WebSocket write buffer per connection before a flush is forced, in bytes. The buffer keeps
    /// about twice this much once a long message went out in fragments, idle or not.
    pub write_buffer_bytes: usize,
    /// Hard cap on a connection's unsent bytes inside the WebSocket layer. It must hold the largest
    /// message whole (a welcome snapshot of a 20,000-person session is about 2 MB).
    pub max_write_buffer_bytes: usize,
    /// Messages queued for one connection before it counts as too slow and is resynced.
    pub outgoing_queue: usize,
    /// Largest document upload, in bytes.
    pub max_upload_bytes: u64,
    /// How long a participant stays "online" after their last connection closed.
    pub presence_grace: Duration,
    /// Presence changes are gathered this long and sent as one event.
    pub presence_batch: Duration,
    /// Commands per second a connection may send on average…
    pub commands_per_second: f64,
    /// …and in a burst.
    pub command_burst: f64,
    /// Wrong join codes one client address may send per minute (any session) before its joins are
    /// answered 429; other addresses can still join.
    pub failed_joins_per_minute: f64,
    /// Session creations one client address may make per hour.
    pub creations_per_ip_per_hour: f64,
    /// Joins one client address may make per minute (generous: a venue's whole audience may share
    /// one address).
    pub joins_per_ip_per_minute: f64,
    /// Open WebSocket connections per participant token.
    pub websockets_per_token: usize,
    /// Open WebSocket connections per client address.
    pub websockets_per_ip: usize,
    /// Client addresses remembered per rate limit; beyond it the idlest are forgotten.
    pub rate_limit_addresses: usize,
    /// Peers whose `X-Forwarded-For` is believed (reverse proxies): addresses or CIDR ranges.
    pub trusted_proxies: Vec<IpNet>,
    /// When set, only requests with one of these keys (`Authorization: Bearer`) create sessions.
    pub create_keys: Option<Arc<CreateKeys>>,
    /// Bytes of documents one session may hold; an upload over it is answered 507.
    pub session_quota_bytes: u64,

    /// Events kept in memory per session for resuming clients by replay.
    pub replay_window: usize,
    /// A snapshot is stored every this many events, so a restart replays a short journal tail.
    pub snapshot_every: u64,
    /// A session nobody has been connected to (and nothing happened in) for this long leaves
    /// memory; it is loaded again from storage on next use.
    pub idle_unload: Duration,
    /// Sessions with no activity (no command, join, presence change or upload) for this long are
    /// deleted with their documents; `None` keeps them forever.
    pub retention: Option<Duration>,
    /// How often retention and blob garbage collection run (also once at start).
    pub retention_sweep_every: Duration,
    /// A blob file no session references is deleted only once it is this old, so bytes an upload
    /// just wrote survive until its document is recorded.
    pub blob_gc_grace: Duration,
    /// Serve https/wss with this configuration ([`crate::tls::server_config_from_pem`]); plain
    /// http/ws when `None`.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// A TLS handshake that takes longer than this is dropped.
    pub tls_handshake_timeout: Duration,
    /// A connection must send a request's headers within this long of starting to wait for them
    /// (also how long an idle keep-alive connection stays open); otherwise it is closed.
    pub header_read_timeout: Duration,
    /// Idle time before TCP keepalive probes start on an accepted socket (the kernel then drops a
    /// peer that vanished without a FIN).
    pub tcp_keepalive: Duration,
    /// An upload whose body sends no byte for this long fails (`408 timeout`); nothing is kept.
    pub upload_idle_timeout: Duration,
    /// An upload slower than this on average over a [`Config::upload_rate_window`] fails
    /// (`408 timeout`); nothing is kept.
    pub min_upload_bytes_per_second: u64,
    /// The window over which the upload rate is measured.
    pub upload_rate_window: Duration,
    /// Uploads in progress on the whole endpoint; more are answered `503 unavailable`.
    pub max_uploads: usize,
    /// Uploads in progress per session; more are answered `429 rate_limited`.
    pub max_uploads_per_session: usize,
    /// The server pings each WebSocket this often, and closes one that answered nothing (no pong,
    /// no other frame) for two intervals in a row.
    pub ping_interval: Duration,
}

impl Config {
    /// The shipped defaults, storing data under `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            max_message_bytes: 64 * 1024,
            read_buffer_bytes: 1024,
            write_buffer_bytes: 2 * 1024,
            max_write_buffer_bytes: 16 * 1024 * 1024,
            outgoing_queue: 1024,
            max_upload_bytes: 100 * 1024 * 1024,
            presence_grace: Duration::from_secs(3),
            presence_batch: Duration::from_millis(100),
            commands_per_second: 20.0,
            command_burst: 100.0,
            failed_joins_per_minute: 20.0,
            creations_per_ip_per_hour: 30.0,
            joins_per_ip_per_minute: 600.0,
            websockets_per_token: 4,
            websockets_per_ip: 2000,
            rate_limit_addresses: 20_000,
            trusted_proxies: Vec::new(),
            create_keys: None,
            session_quota_bytes: 1024 * 1024 * 1024,
            replay_window: 4096,
            snapshot_every: 1000,
            idle_unload: Duration::from_secs(10 * 60),
            retention: Some(Duration::from_secs(30 * 24 * 60 * 60)),
            retention_sweep_every: Duration::from_secs(60 * 60),
            blob_gc_grace: Duration::from_secs(60 * 60),
            tls: None,
            tls_handshake_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(20),
            tcp_keepalive: Duration::from_secs(60),
            upload_idle_timeout: Duration::from_secs(30),
            min_upload_bytes_per_second: 1024,
            upload_rate_window: Duration::from_secs(20),
            max_uploads: 128,
            max_uploads_per_session: 16,
            ping_interval: Duration::from_secs(20),
        }
    }
}
