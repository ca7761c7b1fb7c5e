//! Resource use of a process read from Linux's /proc: resident memory and CPU time. Used to report
//! what the endpoint and the load generator each cost.

use std::time::Duration;

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

#[cfg(test)]
mod tests {
    #[test]
    fn reads_this_process() {
        let u = super::usage("self").unwrap();
        assert!(u.rss_bytes > 0);
    }
}
