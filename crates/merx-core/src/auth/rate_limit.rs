//! Attempt counters for logins, registrations and reset requests, per key (a client address, or an
//! identity at one address). Per process: with N processes an attacker gets at most N times the
//! budget.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Entries kept before the oldest are forgotten, so a flood of keys cannot grow memory without
/// bound.
const MAX_KEYS: usize = 100_000;

/// Drops entries `stale` calls stale; when that is not enough, the half least recently touched.
fn prune<V>(
    map: &mut HashMap<String, V>,
    stale: impl Fn(&V) -> bool,
    touched: impl Fn(&V) -> Instant,
) {
    if map.len() < MAX_KEYS {
        return;
    }
    map.retain(|_, v| !stale(v));
    if map.len() >= MAX_KEYS / 2 {
        let mut times: Vec<Instant> = map.values().map(&touched).collect();
        times.sort_unstable();
        let cutoff = times[times.len() - MAX_KEYS / 2];
        map.retain(|_, v| touched(v) >= cutoff);
    }
}

/// At most `limit` attempts per key in each fixed window.
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

    /// Counts an attempt; when `key` has used up its window, how long until the next one opens.
    pub fn attempt(&self, key: &str) -> Result<(), Duration> {
        let Ok(mut counts) = self.counts.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        let window = self.window;
        prune(
            &mut counts,
            |(start, _)| now.duration_since(*start) >= window,
            |(start, _)| *start,
        );
        let entry = counts.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            return Err(window.saturating_sub(now.duration_since(entry.0)));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// Exponential back-off after repeated failures: the first `free` attempts for a key are
/// unhindered; after that each attempt must wait `base`, doubling with every further failure up to
/// `cap`, counted from the previous attempt. A success forgets the key; so does a day without
/// attempts.
#[derive(Clone)]
pub struct Backoff {
    free: u32,
    base: Duration,
    cap: Duration,
    failures: Arc<Mutex<HashMap<String, (Instant, u32)>>>,
}

/// How long a key's failures are remembered after its last attempt.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);

impl Backoff {
    pub fn new(free: u32, base: Duration, cap: Duration) -> Self {
        Self {
            free,
            base,
            cap,
            failures: Arc::default(),
        }
    }

    /// The wait required after `failures` failures.
    fn delay(&self, failures: u32) -> Duration {
        if failures < self.free {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free).min(31);
        self.base.saturating_mul(1 << doublings).min(self.cap)
    }

    /// Starts an attempt, counted as a failure until [`Backoff::succeeded`] says otherwise (so
    /// concurrent attempts cannot all slip in before the first is judged); when `key` must still
    /// wait, how long.
    pub fn begin(&self, key: &str) -> Result<(), Duration> {
        let Ok(mut failures) = self.failures.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        prune(
            &mut failures,
            |(last, _)| now.duration_since(*last) >= FORGET_AFTER,
            |(last, _)| *last,
        );
        let entry = failures.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= FORGET_AFTER {
            *entry = (now, 0);
        }
        let wait = self
            .delay(entry.1)
            .saturating_sub(now.duration_since(entry.0));
        if !wait.is_zero() {
            return Err(wait);
        }
        *entry = (now, entry.1.saturating_add(1));
        Ok(())
    }

    /// Forgets `key`'s failures (after a successful login).
    pub fn succeeded(&self, key: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key_and_window() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        assert!(l.attempt("a").is_ok() && l.attempt("a").is_ok());
        let wait = l.attempt("a").unwrap_err();
        assert!(wait > Duration::from_secs(59) && wait <= Duration::from_secs(60));
        assert!(l.attempt("b").is_ok());
    }

    #[test]
    fn backoff_doubles_after_the_free_attempts_up_to_the_cap() {
        let b = Backoff::new(3, Duration::from_secs(10), Duration::from_secs(60));
        assert_eq!(
            (0..6).map(|n| b.delay(n).as_secs()).collect::<Vec<_>>(),
            [0, 0, 0, 10, 20, 40]
        );
        assert_eq!(b.delay(7), Duration::from_secs(60));
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(60));
        for _ in 0..3 {
            assert!(b.begin("a").is_ok());
        }
        let wait = b.begin("a").unwrap_err();
        assert!(wait > Duration::from_secs(9) && wait <= Duration::from_secs(10));
        assert!(b.begin("b").is_ok(), "other keys are not held back");
        b.succeeded("a");
        assert!(b.begin("a").is_ok());
    }

    #[test]
    fn a_flood_of_keys_is_pruned() {
        let l = RateLimiter::new(1, Duration::from_secs(60));
        for i in 0..MAX_KEYS + 10 {
            let _ = l.attempt(&i.to_string());
        }
        assert!(l.counts.lock().unwrap().len() <= MAX_KEYS / 2 + 11);
    }
}
