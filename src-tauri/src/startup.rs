//! When the app started and how long the window took to show its first frame: the UI reports the
//! wall-clock time of its first paint, and this answers the time since the process began, for the
//! performance figures (BENCHMARKS.md).

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// The moment `run` began, as close to process start as the app can observe.
static STARTED_MS: OnceLock<f64> = OnceLock::new();

/// Remember now as the start (first call wins).
pub fn mark_start() {
    STARTED_MS.get_or_init(now_ms);
}

/// Milliseconds from the start to `painted_at_ms` (Unix milliseconds, as `Date.now()` gives).
pub fn since_start(painted_at_ms: f64) -> f64 {
    painted_at_ms - *STARTED_MS.get_or_init(now_ms)
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}
