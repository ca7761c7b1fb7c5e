//! Resource use of a process read from Linux's /proc: resident memory and CPU time, once or as the
//! peak over a while. Used to report what the endpoint and the load generator each cost.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often [`Probe::peak_rss`] samples.
const SAMPLE_EVERY: Duration = Duration::from_millis(50);

/// A reading of one process.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// Resident set size in bytes.
    pub rss_bytes: u64,
    /// User + system CPU time.
    pub cpu: Duration,
}

/// Read `/proc/<pid>/status` and `/proc/<pid>/stat` ("self" for this process).
pub fn usage(pid: &str) -> std::io::Result<Usage> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let rss_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 overall.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let clock_ticks_per_second = 100; // USER_HZ on Linux
    let cpu_ticks = ticks(11) + ticks(12);
    Ok(Usage {
        rss_bytes: rss_kib * 1024,
        cpu: Duration::from_millis(cpu_ticks * 1000 / clock_ticks_per_second),
    })
}

/// The endpoint's process, when the tool knows it (not for an `--endpoint` started elsewhere).
#[derive(Debug, Clone, Default)]
pub struct Probe {
    pid: Option<String>,
}

impl Probe {
    /// Watch the process `pid`, or nothing.
    pub fn new(pid: Option<u32>) -> Probe {
        Probe {
            pid: pid.map(|p| p.to_string()),
        }
    }

    /// Its usage now, if known and readable.
    pub fn usage(&self) -> Option<Usage> {
        usage(self.pid.as_deref()?).ok()
    }

    /// Start sampling its resident memory every 50 ms, keeping the highest reading.
    pub fn peak_rss(&self) -> PeakRss {
        let peak = Arc::new(AtomicU64::new(0));
        let sampler = self.pid.clone().map(|pid| {
            let peak = peak.clone();
            tokio::spawn(async move {
                let mut ticker = tokio::time::interval(SAMPLE_EVERY);
                loop {
                    ticker.tick().await;
                    if let Ok(u) = usage(&pid) {
                        peak.fetch_max(u.rss_bytes, Ordering::Relaxed);
                    }
                }
            })
        });
        PeakRss {
            probe: self.clone(),
            peak,
            sampler,
        }
    }
}

/// A running peak-memory sampler; [`PeakRss::finish`] stops it.
pub struct PeakRss {
    probe: Probe,
    peak: Arc<AtomicU64>,
    sampler: Option<JoinHandle<()>>,
}

impl PeakRss {
    /// Stop sampling; the highest resident memory seen in bytes, including a last reading now.
    pub fn finish(self) -> Option<u64> {
        let last = self.probe.usage()?.rss_bytes;
        Some(self.peak.load(Ordering::Relaxed).max(last))
    }
}

impl Drop for PeakRss {
    fn drop(&mut self) {
        if let Some(sampler) = &self.sampler {
            sampler.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_this_process() {
        let u = super::usage("self").unwrap();
        assert!(u.rss_bytes > 0);
    }

    #[tokio::test]
    async fn peak_is_at_least_the_current_reading() {
        let me = super::Probe::new(Some(std::process::id()));
        let sampler = me.peak_rss();
        tokio::time::sleep(std::time::Duration::from_millis(120)).await;
        assert!(sampler.finish().unwrap() > 0);
        assert_eq!(super::Probe::new(None).peak_rss().finish(), None);
    }
}
