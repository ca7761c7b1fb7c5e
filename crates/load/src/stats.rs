//! Percentiles of measured durations.

use std::time::Duration;

/// p50 / p90 / p99 / max of a set of durations, in milliseconds.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Summary {
    /// How many values.
    pub count: usize,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest.
    pub max_ms: f64,
}

/// Summarize `values` (sorted in place).
pub fn summarize(values: &mut [Duration]) -> Summary {
    if values.is_empty() {
        return Summary::default();
    }
    values.sort();
    let at = |q: f64| {
        let i = ((values.len() as f64 * q).ceil() as usize).clamp(1, values.len()) - 1;
        values[i].as_secs_f64() * 1e3
    };
    Summary {
        count: values.len(),
        p50_ms: at(0.50),
        p90_ms: at(0.90),
        p99_ms: at(0.99),
        max_ms: at(1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_one_to_hundred() {
        let mut v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let s = summarize(&mut v);
        assert_eq!(
            (s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms),
            (50.0, 90.0, 99.0, 100.0)
        );
        assert_eq!(summarize(&mut []).count, 0);
    }
}
