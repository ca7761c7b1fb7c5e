//! Everything an operator (or a test) can tune about the endpoint, with the defaults we ship.

use std::path::PathBuf;
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
    /// Wrong join codes a session accepts per minute before answering 429.
    pub failed_joins_per_minute: f64,
    /// Events kept in memory per session for resuming clients by replay.
    pub replay_window: usize,
    /// A snapshot is stored every this many events, so a restart replays a short journal tail.
    pub snapshot_every: u64,
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
            replay_window: 4096,
            snapshot_every: 1000,
        }
    }
}
