//! Serialized Store API answers kept in memory, so a storefront's repeated reads (the first page of
//! products, a popular product) cost a lookup instead of a dozen queries.
//!
//! An answer is served only while the read models it was computed from are at the versions they
//! had *before* it was computed (see `merx_core::platform::freshness`): a write that commits during
//! the computation leaves the entry stale from birth. It also expires at a deadline: the configured
//! TTL, or earlier when a price list starts or ends. Memory is bounded by `max_bytes`; the oldest
//! entries go first.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use merx_core::platform::freshness::{self, ReadModel};
use time::OffsetDateTime;

/// The read-model versions an answer was computed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    catalog: u64,
    /// `None`: the answer does not show stock.
    inventory: Option<u64>,
}

impl Versions {
    /// The current versions; take them before reading the database.
    pub fn snapshot() -> Self {
        Self {
            catalog: freshness::version(ReadModel::Catalog),
            inventory: Some(freshness::version(ReadModel::Inventory)),
        }
    }

    /// For an answer that does not show stock.
    pub fn without_inventory(self) -> Self {
        Self {
            inventory: None,
            ..self
        }
    }

    fn current(self) -> bool {
        self.catalog == freshness::version(ReadModel::Catalog)
            && self
                .inventory
                .is_none_or(|v| v == freshness::version(ReadModel::Inventory))
    }
}

struct Entry {
    body: Bytes,
    versions: Versions,
    expires: Instant,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    /// Keys in insertion order, for eviction (a key may appear again after being replaced).
    order: VecDeque<String>,
    bytes: usize,
}

/// The cache. `max_bytes == 0` turns it off.
pub struct ReadCache {
    inner: Mutex<Inner>,
    max_bytes: usize,
    ttl: Duration,
    /// The next price-list start or end, as read at a catalog version.
    price_window: Mutex<Option<(u64, Option<OffsetDateTime>)>>,
    /// One lock per key being computed, so concurrent misses for the same answer wait for the
    /// first instead of all computing it (after an invalidation every reader misses at once).
    filling: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// Held while computing the answer for a key (see [`ReadCache::get_or_fill`]); dropped, it lets the
/// next waiter look again.
pub struct Filling {
    cache: Arc<ReadCache>,
    key: String,
    lock: Arc<tokio::sync::Mutex<()>>,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for Filling {
    fn drop(&mut self) {
        let mut filling = self.cache.filling.lock().unwrap_or_else(|p| p.into_inner());
        // Only this fill's own lock: a later fill may have put a new one under the key.
        if filling
            .get(&self.key)
            .is_some_and(|l| Arc::ptr_eq(l, &self.lock))
        {
            filling.remove(&self.key);
        }
    }
}

impl ReadCache {
    pub fn new(max_bytes: usize, ttl: Duration) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            max_bytes,
            ttl,
            price_window: Mutex::new(None),
            filling: Mutex::new(HashMap::new()),
        }
    }

    /// The cached answer under `key`, or, on a miss, the right to compute it: a second caller for the
    /// same key waits until the first has put its answer (or given up) and looks again.
    pub async fn get_or_fill(self: &Arc<Self>, key: &str) -> Result<Bytes, Option<Filling>> {
        if let Some(body) = self.get(key) {
            return Ok(body);
        }
        if !self.enabled() {
            return Err(None);
        }
        let lock = self
            .filling
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.to_string())
            .or_default()
            .clone();
        let guard = lock.clone().lock_owned().await;
        match self.get(key) {
            Some(body) => Ok(body),
            None => Err(Some(Filling {
                cache: self.clone(),
                key: key.to_string(),
                lock,
                _guard: guard,
            })),
        }
    }

    /// The next price-list start or end remembered at `versions`' catalog version, if it is still
    /// ahead of `now` (`Some(None)`: there is none).
    pub fn price_window(
        &self,
        versions: Versions,
        now: OffsetDateTime,
    ) -> Option<Option<OffsetDateTime>> {
        let window = self.price_window.lock().unwrap_or_else(|p| p.into_inner());
        match *window {
            Some((v, next)) if v == versions.catalog && next.is_none_or(|t| t > now) => Some(next),
            _ => None,
        }
    }

    pub fn set_price_window(&self, versions: Versions, next: Option<OffsetDateTime>) {
        *self.price_window.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((versions.catalog, next));
    }

    pub fn enabled(&self) -> bool {
        self.max_bytes > 0 && !self.ttl.is_zero()
    }

    /// The answer cached under `key`, if it is still current.
    pub fn get(&self, key: &str) -> Option<Bytes> {
        if !self.enabled() {
            return None;
        }
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let entry = inner.entries.get(key)?;
        (entry.versions.current() && entry.expires > Instant::now()).then(|| entry.body.clone())
    }

    /// Keeps `body` under `key` until the versions move on, the TTL passes or `until` (a moment
    /// after which the answer may differ without any write, e.g. a price list starting).
    pub fn put(&self, key: String, body: Bytes, versions: Versions, until: Option<Duration>) {
        let size = key.len() + body.len();
        if !self.enabled() || size > self.max_bytes / 8 || !versions.current() {
            return;
        }
        let ttl = until.map_or(self.ttl, |u| u.min(self.ttl));
        let entry = Entry {
            body,
            versions,
            expires: Instant::now() + ttl,
        };
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = inner.entries.insert(key.clone(), entry) {
            inner.bytes -= key.len() + old.body.len();
        } else {
            inner.order.push_back(key);
        }
        inner.bytes += size;
        while inner.bytes > self.max_bytes {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            if let Some(old) = inner.entries.remove(&oldest) {
                inner.bytes -= oldest.len() + old.body.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The versions are process-wide: these tests take turns.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn body(n: usize) -> Bytes {
        Bytes::from(vec![b'x'; n])
    }

    #[test]
    fn serves_until_the_catalog_moves_on() {
        let _turn = serial();
        let cache = ReadCache::new(1 << 20, Duration::from_secs(60));
        let v = Versions::snapshot();
        cache.put("a".into(), body(10), v, None);
        assert_eq!(cache.get("a").map(|b| b.len()), Some(10));
        freshness::bump(ReadModel::Catalog);
        assert!(cache.get("a").is_none());
    }

    #[test]
    fn stock_only_matters_to_answers_that_show_it() {
        let cache = ReadCache::new(1 << 20, Duration::from_secs(60));
        let _turn = serial();
        let v = Versions::snapshot();
        cache.put("with".into(), body(1), v, None);
        cache.put("without".into(), body(1), v.without_inventory(), None);
        assert!(cache.get("with").is_some());
        freshness::bump(ReadModel::Inventory);
        assert!(cache.get("with").is_none());
        assert!(cache.get("without").is_some());
    }

    #[test]
    fn stale_from_birth_is_not_kept() {
        let _turn = serial();
        let cache = ReadCache::new(1 << 20, Duration::from_secs(60));
        let v = Versions::snapshot();
        freshness::bump(ReadModel::Catalog);
        cache.put("a".into(), body(1), v, None);
        assert!(cache.get("a").is_none());
    }

    #[test]
    fn deadlines_and_size_bound() {
        let _turn = serial();
        let cache = ReadCache::new(1000, Duration::from_secs(60));
        cache.put(
            "soon".into(),
            body(1),
            Versions::snapshot(),
            Some(Duration::ZERO),
        );
        assert!(cache.get("soon").is_none());
        for i in 0..20 {
            cache.put(format!("k{i:02}"), body(99), Versions::snapshot(), None);
        }
        let inner = cache.inner.lock().unwrap();
        assert!(inner.bytes <= 1000, "{} bytes kept", inner.bytes);
        assert!(!inner.entries.contains_key("k00"));
    }

    #[tokio::test]
    async fn concurrent_misses_compute_once() {
        let cache = Arc::new(ReadCache::new(1 << 20, Duration::from_secs(60)));
        let first = match cache.get_or_fill("k").await {
            Err(Some(f)) => f,
            other => panic!(
                "the first miss fills: {:?}",
                other.map(|b| b.len()).map_err(|f| f.is_some())
            ),
        };
        let waiter = {
            let cache = cache.clone();
            tokio::spawn(async move { cache.get_or_fill("k").await.map_err(|f| f.is_some()) })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "a second miss waits for the first");
        cache.put("k".into(), body(3), Versions::snapshot(), None);
        drop(first);
        let got = waiter.await.unwrap();
        // Served the first fill's answer (unless a concurrent bump made it stale: then it fills).
        assert!(matches!(got, Ok(ref b) if b.len() == 3) || got == Err(true));
        assert!(
            cache.filling.lock().unwrap().is_empty(),
            "no lock left behind"
        );
    }

    #[test]
    fn off_when_sized_zero() {
        let _turn = serial();
        let cache = ReadCache::new(0, Duration::from_secs(60));
        cache.put("a".into(), body(1), Versions::snapshot(), None);
        assert!(cache.get("a").is_none());
    }
}
