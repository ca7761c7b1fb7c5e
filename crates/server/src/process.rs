//! This process's own resource use, read from Linux's /proc for `/metrics`: resident memory, open
//! file descriptors (one per connected client, so the figure to compare with the open-file limit)
//! and CPU time. Elsewhere (no /proc) the figures are simply left out.

use std::fmt::Write;

/// Append the process figures in the Prometheus text format (nothing if /proc is unreadable).
pub(crate) fn render(out: &mut String) {
    let Some(usage) = read() else {
        return;
    };
    let mut metric = |name: &str, help: &str, kind: &str, value: String| {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    };
    metric(
        "process_resident_memory_bytes",
        "Resident memory size in bytes.",
        "gauge",
        usage.rss_bytes.to_string(),
    );
    metric(
        "process_open_fds",
        "Open file descriptors (sockets included).",
        "gauge",
        usage.open_fds.to_string(),
    );
    if let Some(limit) = usage.max_fds {
        metric(
            "process_max_fds",
            "The open-file limit.",
            "gauge",
            limit.to_string(),
        );
    }
    metric(
        "process_cpu_seconds_total",
        "User and system CPU time spent, in seconds.",
        "counter",
        usage.cpu_seconds.to_string(),
    );
}

struct Usage {
    rss_bytes: u64,
    open_fds: usize,
    max_fds: Option<u64>,
    cpu_seconds: f64,
}

fn read() -> Option<Usage> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let rss_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())?;
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 overall.
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok());
    let cpu_ticks = ticks(11)? + ticks(12)?;
    let ticks_per_second = rustix::param::clock_ticks_per_second().max(1) as f64;
    let open_fds = std::fs::read_dir("/proc/self/fd").ok()?.count();
    let max_fds = rlimit::Resource::NOFILE.get().ok().map(|(soft, _)| soft);
    Some(Usage {
        rss_bytes: rss_kib * 1024,
        open_fds,
        max_fds,
        cpu_seconds: cpu_ticks as f64 / ticks_per_second,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_process_figures_are_read_on_linux() {
        let mut out = String::new();
        super::render(&mut out);
        for name in [
            "process_resident_memory_bytes",
            "process_open_fds",
            "process_cpu_seconds_total",
        ] {
            let value: f64 = out
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name} ")))
                .unwrap_or_else(|| panic!("{name} missing in {out}"))
                .parse()
                .unwrap();
            assert!(value >= 0.0);
        }
        assert!(
            out.contains("process_resident_memory_bytes ")
                && !out.contains("process_resident_memory_bytes 0\n")
        );
    }
}
