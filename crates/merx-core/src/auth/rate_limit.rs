//! Fixed-window attempt counters for login and reset requests, per key (identity or client
//! address). Per process: with N processes an attacker gets at most N times the budget.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    counts: Arc<Mutex<HashMap<String, (Instant, u32)>>>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            counts: Arc::default(),
        }
    }

    /// Counts an attempt; false when `key` has used up its window.
    pub fn attempt(&self, key: &str) -> bool {
        let Ok(mut counts) = self.counts.lock() else {
            return true;
        };
        let now = Instant::now();
        if counts.len() > 100_000 {
            counts.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = counts.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.limit
    }

    /// Forgets `key` (after a successful login).
    pub fn reset(&self, key: &str) {
        if let Ok(mut counts) = self.counts.lock() {
            counts.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key_and_window() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        assert!(l.attempt("a") && l.attempt("a"));
        assert!(!l.attempt("a"));
        assert!(l.attempt("b"));
        l.reset("a");
        assert!(l.attempt("a"));
    }
}
