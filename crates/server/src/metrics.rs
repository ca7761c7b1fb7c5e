//! Counters the endpoint exposes at `GET /metrics` in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Upper bounds (seconds) of the latency histograms' buckets.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];
/// Rejection codes, in the order of their counters.
const REJECTION_CODES: [&str; 9] = [
    "forbidden",
    "not_found",
    "invalid",
    "conflict",
    "rate_limited",
    "malformed",
    "unknown_message_type",
    "unknown_command",
    "too_large",
];

/// The per-client abuse limits, as counted in `breakout_rate_limited_total{limit="…"}`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Limit {
    Creations,
    Joins,
    WrongCodes,
    SocketsPerToken,
    SocketsPerIp,
    /// Uploads in progress in one session (429).
    UploadsPerSession,
    /// Uploads in progress on the endpoint (answered 503, counted here with the other bounds).
    Uploads,
}

impl Limit {
    const ALL: [Limit; 7] = [
        Limit::Creations,
        Limit::Joins,
        Limit::WrongCodes,
        Limit::SocketsPerToken,
        Limit::SocketsPerIp,
        Limit::UploadsPerSession,
        Limit::Uploads,
    ];

    fn label(self) -> &'static str {
        match self {
            Limit::Creations => "creations_per_ip",
            Limit::Joins => "joins_per_ip",
            Limit::WrongCodes => "wrong_codes_per_ip",
            Limit::SocketsPerToken => "websockets_per_token",
            Limit::SocketsPerIp => "websockets_per_ip",
            Limit::UploadsPerSession => "uploads_per_session",
            Limit::Uploads => "uploads",
        }
    }
}

/// Process-wide metrics; cheap to update from any task.
#[derive(Default)]
pub struct Metrics {
    connected_clients: AtomicI64,
    sessions_loaded: AtomicI64,
    events: AtomicU64,
    rejected: [AtomicU64; REJECTION_CODES.len()],
    rate_limited: [AtomicU64; Limit::ALL.len()],
    fanout: Histogram,
    commit: Histogram,
    lifecycle: Lifecycle,
}

/// What the retention sweep did (see `sweep.rs`).
#[derive(Default)]
struct Lifecycle {
    sweeps: AtomicU64,
    sessions_deleted: AtomicU64,
    blobs_deleted: AtomicU64,
}

/// A latency histogram in Prometheus' cumulative form.
#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, took: Duration) {
        let secs = took.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if secs <= *bound {
                bucket.fetch_add(1, Relaxed);
            }
        }
        self.count.fetch_add(1, Relaxed);
        self.micros.fetch_add(took.as_micros() as u64, Relaxed);
    }

    fn render(&self, name: &str, help: &str, out: &mut String) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Relaxed)
            );
        }
        let count = self.count.load(Relaxed);
        let sum = self.micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "{name}_bucket{{le=\"+Inf\"}} {count}\n{name}_sum {sum}\n{name}_count {count}"
        );
    }
}

impl Metrics {
    pub(crate) fn client_connected(&self) {
        self.connected_clients.fetch_add(1, Relaxed);
    }
    pub(crate) fn client_disconnected(&self) {
        self.connected_clients.fetch_sub(1, Relaxed);
    }
    pub(crate) fn session_loaded(&self) {
        self.sessions_loaded.fetch_add(1, Relaxed);
    }
    pub(crate) fn session_unloaded(&self) {
        self.sessions_loaded.fetch_sub(1, Relaxed);
    }
    pub(crate) fn events_applied(&self, n: usize) {
        self.events.fetch_add(n as u64, Relaxed);
    }

    /// Count a refused command by its code (unknown codes are not expected and are ignored).
    pub(crate) fn rejected(&self, code: &str) {
        if let Some(i) = REJECTION_CODES.iter().position(|c| *c == code) {
            self.rejected[i].fetch_add(1, Relaxed);
        }
    }

    /// Count a request refused by a per-client limit.
    pub(crate) fn rate_limited(&self, limit: Limit) {
        self.rate_limited[limit as usize].fetch_add(1, Relaxed);
    }

    /// Count one finished retention sweep and what it deleted.
    pub(crate) fn swept(&self, sessions_deleted: u64, blobs_deleted: u64) {
        let lifecycle = &self.lifecycle;
        lifecycle
            .sessions_deleted
            .fetch_add(sessions_deleted, Relaxed);
        lifecycle.blobs_deleted.fetch_add(blobs_deleted, Relaxed);
        lifecycle.sweeps.fetch_add(1, Relaxed);
    }

    /// Record how long one event took to reach every connection's queue.
    pub(crate) fn fanout(&self, took: Duration) {
        self.fanout.observe(took);
    }

    /// Record how long one request took from the owner picking it up to its events being
    /// durable: decide, apply, the messages for every connection made, the journal write.
    pub(crate) fn committed(&self, took: Duration) {
        self.commit.observe(took);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let lifecycle = &self.lifecycle;
        let samples = [
            (
                "breakout_connected_clients",
                "Open WebSocket connections.",
                "gauge",
                self.connected_clients.load(Relaxed).to_string(),
            ),
            (
                "breakout_sessions",
                "Sessions loaded in memory.",
                "gauge",
                self.sessions_loaded.load(Relaxed).to_string(),
            ),
            (
                "breakout_events_total",
                "Events applied and journaled (rate() gives events per second).",
                "counter",
                self.events.load(Relaxed).to_string(),
            ),
            (
                "breakout_retention_sweeps_total",
                "Retention sweeps finished (sessions idle past retention deleted, unreferenced blobs collected).",
                "counter",
                lifecycle.sweeps.load(Relaxed).to_string(),
            ),
            (
                "breakout_sessions_deleted_total",
                "Sessions deleted by retention.",
                "counter",
                lifecycle.sessions_deleted.load(Relaxed).to_string(),
            ),
            (
                "breakout_blobs_deleted_total",
                "Document files deleted because no session references them.",
                "counter",
                lifecycle.blobs_deleted.load(Relaxed).to_string(),
            ),
        ];
        for (name, help, kind, value) in samples {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP breakout_rejected_commands_total Commands and messages refused, by code.\n# TYPE breakout_rejected_commands_total counter"
        );
        for (code, n) in REJECTION_CODES.iter().zip(&self.rejected) {
            let _ = writeln!(
                out,
                "breakout_rejected_commands_total{{code=\"{code}\"}} {}",
                n.load(Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP breakout_rate_limited_total Requests refused by a per-client abuse limit, by limit.\n# TYPE breakout_rate_limited_total counter"
        );
        for (limit, n) in Limit::ALL.iter().zip(&self.rate_limited) {
            let _ = writeln!(
                out,
                "breakout_rate_limited_total{{limit=\"{}\"}} {}",
                limit.label(),
                n.load(Relaxed)
            );
        }
        self.commit.render(
            "breakout_commit_seconds",
            "Time from the session owner taking a request to its events being durable (decide, apply, messages made, journal write).",
            &mut out,
        );
        self.fanout.render(
            "breakout_fanout_seconds",
            "Time from an event being durable to it being queued for every connection.",
            &mut out,
        );
        crate::process::render(&mut out);
        out
    }
}
