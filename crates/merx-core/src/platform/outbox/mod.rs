//! The outbox dispatcher: turns committed events into deliveries (one per interested subscriber,
//! webhook endpoint and the external bus), then delivers them at least once, in order per aggregate
//! and target, retrying with exponential back-off and dead-lettering after a limit.
//! Several processes may dispatch from one database: claims are leases taken with conditional
//! updates (`SKIP LOCKED` on Postgres), so each delivery is attempted by one process at a time.

mod dispatcher;
mod store;

use std::time::Duration;

pub use dispatcher::{DispatchReport, Dispatcher};
pub use store::{Delivery, DeliveryFilter, DeliveryStatus};

use merx_db::Db;
use merx_types::{DomainError, Page, PageRequest};

use crate::error::CoreResult;

/// Retry and batching policy.
#[derive(Debug, Clone)]
pub struct DispatchConfig {
    /// Attempts before a delivery is dead-lettered.
    pub max_attempts: i64,
    /// Delay before the first retry; doubles each attempt.
    pub base_backoff: Duration,
    /// Longest delay between attempts.
    pub max_backoff: Duration,
    /// How long a claimed delivery is reserved for the claiming process.
    pub lease: Duration,
    pub batch_size: i64,
    /// How often to look for work when not woken by an append.
    pub poll_interval: Duration,
    /// Timeout of one webhook request.
    pub webhook_timeout: Duration,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(3600),
            lease: Duration::from_secs(60),
            batch_size: 100,
            poll_interval: Duration::from_millis(250),
            webhook_timeout: Duration::from_secs(10),
        }
    }
}

impl DispatchConfig {
    /// Delay after the `attempts`-th failure: base × 2^(attempts−1), capped.
    pub fn backoff(&self, attempts: i64) -> Duration {
        let exp = attempts.clamp(1, 30) - 1;
        self.base_backoff
            .checked_mul(1u32 << exp)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }
}

/// Reading and replaying deliveries (the Admin API's view of the outbox).
#[derive(Clone)]
pub struct OutboxService {
    db: Db,
}

impl OutboxService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    pub async fn list_deliveries(
        &self,
        filter: &DeliveryFilter,
        page: PageRequest,
    ) -> CoreResult<Page<Delivery>> {
        Ok(store::list_deliveries(&self.db, filter, page).await?)
    }

    /// Puts a dead-lettered delivery back in the queue with a fresh attempt budget.
    pub async fn replay(&self, delivery_id: &str) -> CoreResult<Delivery> {
        let mut tx = self.db.begin().await?;
        let Some(d) = store::get_delivery(&mut tx, delivery_id).await? else {
            return Err(
                DomainError::not_found(format!("Delivery {delivery_id} was not found")).into(),
            );
        };
        if d.status != DeliveryStatus::Dead {
            return Err(DomainError::not_allowed(format!(
                "Delivery {delivery_id} is {}; only dead deliveries can be replayed",
                d.status.as_str()
            ))
            .into());
        }
        store::requeue(&mut tx, delivery_id).await?;
        let d = store::get_delivery(&mut tx, delivery_id).await?;
        tx.commit().await?;
        super::events::appended().notify_one();
        d.ok_or_else(|| DomainError::not_found("Delivery vanished").into())
    }

    /// Removes delivered deliveries and settled events older than `age` (a scheduled job).
    pub async fn prune(&self, age: std::time::Duration) -> CoreResult<u64> {
        let mut tx = self.db.begin().await?;
        let n = store::prune(&mut tx, merx_types::time::now() - age).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Replays every dead delivery (optionally for one target); returns how many.
    pub async fn replay_all_dead(&self, target: Option<&str>) -> CoreResult<u64> {
        let mut tx = self.db.begin().await?;
        let n = store::requeue_all_dead(&mut tx, target).await?;
        tx.commit().await?;
        super::events::appended().notify_one();
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let c = DispatchConfig {
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            ..DispatchConfig::default()
        };
        assert_eq!(c.backoff(1), Duration::from_secs(1));
        assert_eq!(c.backoff(2), Duration::from_secs(2));
        assert_eq!(c.backoff(4), Duration::from_secs(8));
        assert_eq!(c.backoff(10), Duration::from_secs(60));
        assert_eq!(c.backoff(1000), Duration::from_secs(60));
    }
}
