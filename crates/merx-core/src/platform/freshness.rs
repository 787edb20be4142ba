//! Versions of the read models that caches depend on. A cached answer remembers the versions it was
//! computed at and is served only while they are unchanged.
//!
//! A version moves on (1) in this process, right after a transaction that appended a relevant event
//! commits ([`crate::platform::events::append`] registers the bump), and (2) everywhere, when the
//! outbox dispatcher fans the event out: it sends the model's key through the
//! [`crate::platform::bus::Invalidator`], which bumps here and, with NATS, in every other process.
//! The versions are per process (not per `Core`): two services in one process only invalidate each
//! other more often, never less.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A family of data that cached reads depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadModel {
    /// Products and everything a product read shows: variants, options, images, taxonomy, prices,
    /// price lists, regions, tax rates, sales channels, the store's settings.
    Catalog,
    /// Stock: inventory items, levels, reservations, stock locations and their channels.
    Inventory,
    /// Where goods ship from and how: stock locations, the sales channels they serve, shipping
    /// options. Apart from `Inventory`, which every reservation moves on.
    Logistics,
    /// Who may call the Store API and what it reaches: publishable keys, their sales channels.
    Access,
}

impl ReadModel {
    pub const ALL: [ReadModel; 4] = [
        ReadModel::Catalog,
        ReadModel::Inventory,
        ReadModel::Logistics,
        ReadModel::Access,
    ];

    fn index(self) -> usize {
        match self {
            ReadModel::Catalog => 0,
            ReadModel::Inventory => 1,
            ReadModel::Logistics => 2,
            ReadModel::Access => 3,
        }
    }

    /// The invalidation key other processes receive.
    pub fn key(self) -> &'static str {
        match self {
            ReadModel::Catalog => "read_model:catalog",
            ReadModel::Inventory => "read_model:inventory",
            ReadModel::Logistics => "read_model:logistics",
            ReadModel::Access => "read_model:access",
        }
    }

    pub fn from_key(key: &str) -> Option<ReadModel> {
        ReadModel::ALL.into_iter().find(|m| m.key() == key)
    }

    /// Event-name prefixes that change the model.
    fn events(self) -> &'static [&'static str] {
        match self {
            ReadModel::Catalog => &[
                "product.",
                "product_",
                "price_list.",
                "price.",
                "price_preference.",
                "region.",
                "tax_rate.",
                "tax_region.",
                "sales_channel.",
                "store.",
            ],
            ReadModel::Inventory => &[
                "inventory.",
                "inventory_item.",
                "inventory_level.",
                "reservation.",
                "stock_location.",
            ],
            ReadModel::Logistics => &["stock_location.", "sales_channel.", "shipping_option."],
            ReadModel::Access => &["api_key.", "sales_channel."],
        }
    }
}

/// The read models an event named `name` changes.
pub fn models_of(name: &str) -> Vec<ReadModel> {
    ReadModel::ALL
        .into_iter()
        .filter(|m| m.events().iter().any(|p| name.starts_with(p)))
        .collect()
}

static VERSIONS: [AtomicU64; 4] = [
    AtomicU64::new(0),
    AtomicU64::new(0),
    AtomicU64::new(0),
    AtomicU64::new(0),
];

/// The current version of `model` in this process.
pub fn version(model: ReadModel) -> u64 {
    VERSIONS[model.index()].load(Ordering::Acquire)
}

/// Moves `model` on: answers cached at an earlier version are no longer served.
pub fn bump(model: ReadModel) {
    VERSIONS[model.index()].fetch_add(1, Ordering::AcqRel);
}

/// Values read from the database and kept in memory while `model` stays at the version they were
/// read at, and at most `ttl` (the bound on staleness should an invalidation from another process be
/// lost). Cheap to clone; clones share entries.
#[derive(Clone)]
pub struct Memo<V> {
    model: ReadModel,
    ttl: Duration,
    capacity: usize,
    entries: Arc<Mutex<HashMap<String, MemoEntry<V>>>>,
}

struct MemoEntry<V> {
    version: u64,
    read_at: Instant,
    value: V,
}

/// How long a memo trusts a value without hearing of a change: the staleness bound when several
/// processes share a database without NATS.
pub const MEMO_TTL: Duration = Duration::from_secs(10);

/// Entries kept before a memo starts over (keys are ids or places: few in a real store).
const MEMO_CAPACITY: usize = 4096;

impl<V: Clone> Memo<V> {
    pub fn new(model: ReadModel, ttl: Duration) -> Self {
        Self::with_capacity(model, ttl, MEMO_CAPACITY)
    }

    /// A memo that starts over once it holds `capacity` entries (for larger values, or keys that
    /// are as many as the catalogue's products).
    pub fn with_capacity(model: ReadModel, ttl: Duration, capacity: usize) -> Self {
        Self {
            model,
            ttl,
            capacity: capacity.max(1),
            entries: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The value under `key`, if it is still trusted.
    pub fn get(&self, key: &str) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let e = entries.get(key)?;
        (e.version == version(self.model) && e.read_at.elapsed() < self.ttl)
            .then(|| e.value.clone())
    }

    /// The value under `key` if it is still trusted, else what `read` reads (kept for next time).
    /// `read` only runs on a miss; the version is taken before it runs.
    pub async fn get_or_read<E>(
        &self,
        key: &str,
        read: impl std::future::Future<Output = Result<V, E>>,
    ) -> Result<V, E> {
        if let Some(hit) = self.get(key) {
            return Ok(hit);
        }
        let version = self.version();
        let value = read.await?;
        self.put(key, version, value.clone());
        Ok(value)
    }

    /// The model's version: take it before reading what [`Memo::put`] will keep.
    pub fn version(&self) -> u64 {
        version(self.model)
    }

    /// Keeps `value`, read at `read_version`, unless the model moved on meanwhile.
    pub fn put(&self, key: &str, read_version: u64, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if version(self.model) != read_version {
            return;
        }
        if entries.len() >= self.capacity && !entries.contains_key(key) {
            entries.clear();
        }
        entries.insert(
            key.to_string(),
            MemoEntry {
                version: read_version,
                read_at: Instant::now(),
                value,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_map_to_models() {
        assert_eq!(models_of("product.updated"), &[ReadModel::Catalog]);
        assert_eq!(models_of("product_variant.created"), &[ReadModel::Catalog]);
        assert_eq!(models_of("price_list.deleted"), &[ReadModel::Catalog]);
        assert_eq!(
            models_of("inventory.level_changed"),
            &[ReadModel::Inventory]
        );
        assert_eq!(
            models_of("stock_location.updated"),
            &[ReadModel::Inventory, ReadModel::Logistics]
        );
        assert_eq!(
            models_of("sales_channel.deleted"),
            &[ReadModel::Catalog, ReadModel::Logistics, ReadModel::Access]
        );
        assert_eq!(models_of("api_key.revoked"), &[ReadModel::Access]);
        assert_eq!(
            models_of("shipping_option.deleted"),
            &[ReadModel::Logistics]
        );
        assert!(models_of("reservation.created")
            .iter()
            .all(|m| *m != ReadModel::Logistics));
        assert!(models_of("order.placed").is_empty());
        assert!(models_of("cart.updated").is_empty());
        assert!(models_of("products.x").is_empty());
    }

    #[test]
    fn memo_keeps_values_until_their_model_moves_on() {
        let memo = Memo::new(ReadModel::Catalog, Duration::from_secs(60));
        let stale = memo.version();
        bump(ReadModel::Catalog);
        memo.put("a", stale, 1);
        assert_eq!(memo.get("a"), None, "read before a change, refused");
        // Other tests bump the catalog too: retry until a put lands between two bumps.
        let kept = (0..100).any(|_| {
            let v = memo.version();
            memo.put("b", v, 2);
            memo.get("b") == Some(2)
        });
        assert!(kept);
        bump(ReadModel::Catalog);
        assert_eq!(memo.get("b"), None);
        let expired = Memo::new(ReadModel::Catalog, Duration::ZERO);
        expired.put("c", expired.version(), 3);
        assert_eq!(expired.get("c"), None, "past its TTL");
    }

    #[test]
    fn keys_round_trip() {
        for m in ReadModel::ALL {
            assert_eq!(ReadModel::from_key(m.key()), Some(m));
        }
        assert_eq!(ReadModel::from_key("other"), None);
    }
}
