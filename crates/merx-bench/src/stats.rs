//! Latencies and errors, recorded per worker and merged at the end (no locks on the hot path).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::http::CallError;

/// What one worker (or a whole scenario, once merged) saw.
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    /// Latencies of the successful requests, in microseconds.
    latencies_us: Vec<u64>,
    /// Failed requests by label (status code, `transport`, `unexpected`).
    pub errors: BTreeMap<String, u64>,
    /// The first response seen for each label, to show what went wrong.
    pub samples: BTreeMap<String, String>,
}

impl Recorder {
    pub fn ok(&mut self, elapsed: Duration) {
        self.latencies_us
            .push(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
    }

    pub fn error(&mut self, label: String, detail: impl FnOnce() -> String) {
        *self.errors.entry(label.clone()).or_default() += 1;
        self.samples.entry(label).or_insert_with(detail);
    }

    pub fn call_error(&mut self, e: &CallError) {
        self.error(e.label(), || e.detail());
    }

    pub fn merge(&mut self, other: Recorder) {
        self.latencies_us.extend(other.latencies_us);
        for (k, n) in other.errors {
            *self.errors.entry(k).or_default() += n;
        }
        for (k, s) in other.samples {
            self.samples.entry(k).or_insert(s);
        }
    }

    pub fn successes(&self) -> u64 {
        self.latencies_us.len() as u64
    }

    pub fn failures(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Percentiles of the successful requests (`None` when there were none).
    pub fn latency(&self) -> Option<Latency> {
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        let at = |q: f64| -> f64 {
            // Nearest rank: the smallest value with at least q of the samples at or below it.
            let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
            sorted[rank - 1] as f64 / 1000.0
        };
        (!sorted.is_empty()).then(|| Latency {
            p50_ms: at(0.50),
            p95_ms: at(0.95),
            p99_ms: at(0.99),
            max_ms: at(1.0),
        })
    }
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Latency {
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let mut r = Recorder::default();
        for ms in 1..=100 {
            r.ok(Duration::from_millis(ms));
        }
        let l = r.latency().expect("samples");
        assert_eq!(
            (l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms),
            (50.0, 95.0, 99.0, 100.0)
        );
        assert!(Recorder::default().latency().is_none());
    }

    #[test]
    fn merging_adds_errors_and_keeps_first_sample() {
        let mut a = Recorder::default();
        a.error("409".into(), || "first".into());
        let mut b = Recorder::default();
        b.error("409".into(), || "second".into());
        b.ok(Duration::from_millis(1));
        a.merge(b);
        assert_eq!(a.errors["409"], 2);
        assert_eq!(a.samples["409"], "first");
        assert_eq!((a.successes(), a.failures()), (1, 2));
    }
}
