//! The endpoint's own timing of commands, read from its `GET /metrics` before and after a run:
//! how long the session owner took from taking a command to its events being durable (decide,
//! apply, the messages for every connection made, journal write), which the client cannot see
//! apart from the delivery.

use breakout_client::{Api, Endpoint};

/// The histogram's name in the exposition.
const COMMIT: &str = "breakout_commit_seconds";

/// A reading of the commit-time histogram (cumulative buckets, as Prometheus keeps them).
#[derive(Debug, Clone, Default)]
pub struct CommitTimes {
    buckets: Vec<(f64, u64)>,
    count: u64,
    sum_seconds: f64,
}

/// What happened between two readings.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct CommitSummary {
    /// Commits in between.
    pub count: u64,
    /// Their mean, in ms.
    pub mean_ms: f64,
    /// The smallest bucket bound that half of them stayed under, in ms.
    pub p50_at_most_ms: Option<f64>,
    /// The smallest bucket bound that 99 % of them stayed under, in ms.
    pub p99_at_most_ms: Option<f64>,
}

/// Read the histogram (None when the endpoint does not serve its metrics here).
pub async fn read(endpoint: &Endpoint) -> Option<CommitTimes> {
    let text = Api::new(endpoint.clone()).metrics().await.ok()?;
    Some(parse(&text))
}

fn parse(text: &str) -> CommitTimes {
    let mut times = CommitTimes::default();
    for line in text.lines().filter(|l| l.starts_with(COMMIT)) {
        let Some((key, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(value) = value.parse::<f64>() else {
            continue;
        };
        if let Some(bound) = key
            .strip_prefix(&format!("{COMMIT}_bucket{{le=\""))
            .and_then(|b| b.strip_suffix("\"}"))
            .and_then(|b| b.parse::<f64>().ok())
        {
            times.buckets.push((bound, value as u64));
        } else if key == format!("{COMMIT}_count") {
            times.count = value as u64;
        } else if key == format!("{COMMIT}_sum") {
            times.sum_seconds = value;
        }
    }
    times
}

impl CommitTimes {
    /// The commits since `earlier`.
    pub fn since(&self, earlier: &CommitTimes) -> CommitSummary {
        let count = self.count.saturating_sub(earlier.count);
        let sum = self.sum_seconds - earlier.sum_seconds;
        let before = |bound: f64| {
            earlier
                .buckets
                .iter()
                .find(|(b, _)| *b == bound)
                .map_or(0, |(_, n)| *n)
        };
        let at_most_ms = |share: f64| {
            let wanted = (count as f64 * share).ceil() as u64;
            self.buckets
                .iter()
                .find(|(bound, n)| count > 0 && n.saturating_sub(before(*bound)) >= wanted)
                .map(|(bound, _)| bound * 1000.0)
        };
        CommitSummary {
            p50_at_most_ms: at_most_ms(0.5),
            p99_at_most_ms: at_most_ms(0.99),
            count,
            mean_ms: if count > 0 {
                sum * 1000.0 / count as f64
            } else {
                0.0
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "breakout_commit_seconds_bucket{le=\"0.001\"} 1\nbreakout_commit_seconds_bucket{le=\"0.005\"} 1\nbreakout_commit_seconds_sum 0.0005\nbreakout_commit_seconds_count 1\nbreakout_fanout_seconds_count 9\n";
    const AFTER: &str = "breakout_commit_seconds_bucket{le=\"0.001\"} 2\nbreakout_commit_seconds_bucket{le=\"0.005\"} 101\nbreakout_commit_seconds_sum 0.3005\nbreakout_commit_seconds_count 101\n";

    #[test]
    fn the_difference_of_two_readings_gives_mean_and_bounds() {
        let summary = parse(AFTER).since(&parse(BEFORE));
        assert_eq!(summary.count, 100);
        assert!((summary.mean_ms - 3.0).abs() < 1e-9);
        assert_eq!(summary.p50_at_most_ms, Some(5.0));
        assert_eq!(summary.p99_at_most_ms, Some(5.0));
    }

    #[test]
    fn no_commits_in_between_give_no_bound() {
        let summary = parse(BEFORE).since(&parse(BEFORE));
        assert_eq!((summary.count, summary.p99_at_most_ms), (0, None));
        assert_eq!(summary.p50_at_most_ms, None);
    }
}
