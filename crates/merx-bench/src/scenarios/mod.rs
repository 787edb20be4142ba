//! The scenarios, and the loop that runs C workers against a shared budget of time and requests.

mod checkout;
mod flash;
mod reads;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cli::Scenario;
use crate::fixture::Fixture;
use crate::http::Api;
use crate::report::ScenarioReport;
use crate::stats::Recorder;

/// What every scenario gets.
#[derive(Clone)]
pub struct Ctx {
    /// The (first) server.
    pub api: Api,
    /// Every server started on the database (`--servers`), the first one first.
    pub apis: Vec<Api>,
    pub fixture: Arc<Fixture>,
    pub concurrency: usize,
    pub duration: Duration,
    pub max_requests: u64,
    pub buyers: usize,
}

/// Why merchandising scenarios do not run.
const NOT_IN_BUILD: &str = "not available in this build (Merx has no merchandising routes yet)";

pub async fn run(ctx: &Ctx, scenario: Scenario) -> ScenarioReport {
    match scenario {
        Scenario::Ceiling => reads::ceiling(ctx).await,
        Scenario::List => reads::list(ctx).await,
        Scenario::StarterList => reads::starter_list(ctx).await,
        Scenario::Detail => reads::detail(ctx).await,
        Scenario::Search => reads::search(ctx).await,
        Scenario::Checkout => checkout::run(ctx).await,
        Scenario::FlashSale => flash::run(ctx).await,
        Scenario::Spots | Scenario::Feed | Scenario::All => {
            ScenarioReport::skipped(scenario.name(), NOT_IN_BUILD)
        }
    }
}

/// Whether a scenario's result breaks an invariant (the run then exits non-zero).
pub fn failed(report: &ScenarioReport) -> bool {
    report
        .extra
        .get("invariants")
        .and_then(|i| i.get("ok"))
        .and_then(|ok| ok.as_bool())
        == Some(false)
}

/// Time and request allowance shared by a scenario's workers: whichever runs out first ends it.
pub struct Budget {
    /// `None` when the duration is too long to add to now (it then never runs out).
    deadline: Option<Instant>,
    max: u64,
    taken: AtomicU64,
}

impl Budget {
    fn new(duration: Duration, max: u64) -> Self {
        Budget {
            deadline: Instant::now().checked_add(duration),
            max,
            taken: AtomicU64::new(0),
        }
    }

    /// Claims one more request, or says the scenario is over.
    pub fn take(&self) -> bool {
        self.deadline.is_none_or(|d| Instant::now() < d)
            && self.taken.fetch_add(1, Ordering::Relaxed) < self.max
    }
}

/// Runs `worker(index, budget)` on `concurrency` tasks and merges what they recorded; returns the
/// merged result and the seconds from start until the last worker finished.
pub async fn drive<W, F, T>(ctx: &Ctx, worker: W) -> (Vec<T>, f64)
where
    W: Fn(usize, Arc<Budget>) -> F,
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let budget = Arc::new(Budget::new(ctx.duration, ctx.max_requests));
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..ctx.concurrency {
        set.spawn(worker(i, budget.clone()));
    }
    let mut results = Vec::with_capacity(ctx.concurrency);
    while let Some(joined) = set.join_next().await {
        // A panicking worker loses its samples; the others still count.
        if let Ok(r) = joined {
            results.push(r);
        }
    }
    (results, started.elapsed().as_secs_f64())
}

/// Merges the workers' recorders.
pub fn merged(parts: Vec<Recorder>) -> Recorder {
    let mut all = Recorder::default();
    for p in parts {
        all.merge(p);
    }
    all
}

/// xorshift64: deterministic picks per worker without a `rand` dependency.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        // Spread small seeds (worker indexes) over the state; the state must never be zero.
        XorShift(seed.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        let i = (self.next_u64() % items.len() as u64) as usize;
        items.get(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xorshift_is_deterministic_and_spread() {
        let items: Vec<u32> = (0..10).collect();
        let a: Vec<u32> = {
            let mut r = XorShift::new(3);
            (0..20).map(|_| *r.pick(&items).unwrap_or(&0)).collect()
        };
        let b: Vec<u32> = {
            let mut r = XorShift::new(3);
            (0..20).map(|_| *r.pick(&items).unwrap_or(&0)).collect()
        };
        assert_eq!(a, b);
        let distinct: std::collections::BTreeSet<_> = a.iter().collect();
        assert!(distinct.len() > 3);
        assert!(XorShift::new(0).pick::<u32>(&[]).is_none());
    }

    #[test]
    fn budget_stops_at_max_requests() {
        let b = Budget::new(Duration::from_secs(60), 3);
        assert_eq!((0..5).filter(|_| b.take()).count(), 3);
    }
}
