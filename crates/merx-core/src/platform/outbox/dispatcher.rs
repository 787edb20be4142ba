use std::sync::Arc;

use merx_db::Db;
use merx_types::time::now;
use tokio::sync::watch;

use super::store::{self, Claimed};
use super::DispatchConfig;
use crate::error::CoreResult;
use crate::platform::bus::{EventBus, Invalidator};
use crate::platform::events::appended;
use crate::platform::freshness::{self, ReadModel};
use crate::platform::pattern_matches;
use crate::platform::subscribers::Subscribers;
use crate::platform::webhooks::{self, store as webhook_store};

/// Target names, as stored in `outbox_delivery.target`.
const SUBSCRIBER: &str = "sub:";
const WEBHOOK: &str = "webhook:";
const BUS: &str = "bus";
/// Marks a failure that no retry can fix: the delivery is dead-lettered at once.
const PERMANENT: &str = "permanent: ";

/// How long a pass woken by an append waits for more appends to join it.
const COALESCE: std::time::Duration = std::time::Duration::from_millis(25);

/// What one fan-out batch did.
#[derive(Default)]
struct FannedOut {
    events: usize,
    deliveries: usize,
}

/// What one pass of the dispatcher did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DispatchReport {
    pub fanned_out: usize,
    pub delivered: usize,
    pub failed: usize,
}

/// Moves events from the outbox to their targets. Run one per process; several may share a database.
#[derive(Clone)]
pub struct Dispatcher {
    db: Db,
    subscribers: Subscribers,
    bus: Option<Arc<dyn EventBus>>,
    invalidator: Option<Invalidator>,
    http: reqwest::Client,
    config: DispatchConfig,
}

impl Dispatcher {
    pub fn new(db: Db, subscribers: Subscribers, config: DispatchConfig) -> Self {
        Self {
            db,
            subscribers,
            bus: None,
            invalidator: None,
            http: reqwest::Client::new(),
            config,
        }
    }

    /// Also publishes every event to an external bus.
    pub fn with_bus(mut self, bus: Arc<dyn EventBus>) -> Self {
        self.bus = Some(bus);
        self
    }

    /// Also invalidates the read models each fanned-out event changes, in every process the
    /// invalidator reaches.
    pub fn with_invalidator(mut self, invalidator: Invalidator) -> Self {
        self.invalidator = Some(invalidator);
        self
    }

    pub fn config(&self) -> &DispatchConfig {
        &self.config
    }

    /// Creates deliveries for one batch of new events; returns how many events it handled.
    pub async fn fan_out(&self) -> CoreResult<usize> {
        Ok(self.fan_out_batch().await?.events)
    }

    async fn fan_out_batch(&self) -> CoreResult<FannedOut> {
        let mut done = FannedOut::default();
        let mut tx = self.db.begin().await?;
        let events = store::unfanned_events(&mut tx, self.config.batch_size).await?;
        if events.is_empty() {
            return Ok(done);
        }
        let endpoints = webhook_store::active_in(&mut tx).await?;
        for event in &events {
            for name in self.subscribers.interested(&event.name) {
                store::insert_delivery(&mut tx, event, &format!("{SUBSCRIBER}{name}")).await?;
                done.deliveries += 1;
            }
            for endpoint in &endpoints {
                if endpoint
                    .events
                    .iter()
                    .any(|p| pattern_matches(p, &event.name))
                {
                    store::insert_delivery(&mut tx, event, &format!("{WEBHOOK}{}", endpoint.id))
                        .await?;
                    done.deliveries += 1;
                }
            }
            if self.bus.is_some() {
                store::insert_delivery(&mut tx, event, BUS).await?;
                done.deliveries += 1;
            }
        }
        let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
        store::mark_fanned_out(&mut tx, &seqs).await?;
        tx.commit().await?;
        if let Some(invalidator) = &self.invalidator {
            let mut models: Vec<ReadModel> = Vec::new();
            for event in &events {
                for m in freshness::models_of(&event.name) {
                    if !models.contains(&m) {
                        models.push(m);
                    }
                }
            }
            for m in models {
                invalidator.invalidate(m.key()).await;
            }
        }
        done.events = events.len();
        Ok(done)
    }

    /// Claims and attempts one batch of due deliveries; returns (delivered, failed).
    pub async fn deliver_due(&self) -> CoreResult<(usize, usize)> {
        let lease_until = now() + self.config.lease;
        let mut tx = self.db.begin().await?;
        let claimed = store::claim_due(&mut tx, self.config.batch_size, lease_until).await?;
        tx.commit().await?;
        let (mut delivered, mut failed) = (0, 0);
        for c in claimed {
            match self.attempt(&c).await {
                Ok(()) => delivered += 1,
                Err(error) => {
                    failed += 1;
                    self.record_failure(&c, &error).await?;
                }
            }
        }
        Ok((delivered, failed))
    }

    /// Fans out and delivers until nothing is due (bounded, so one pass always ends).
    pub async fn run_once(&self) -> CoreResult<DispatchReport> {
        self.pass(true).await
    }

    /// One pass. A pass woken by an append only delivers when it created deliveries itself: the
    /// process that appended an event fans it out, and retries are picked up by the polling
    /// passes, so checkout's events do not each cost an empty delivery query.
    async fn pass(&self, deliver_always: bool) -> CoreResult<DispatchReport> {
        let mut report = DispatchReport::default();
        let mut deliveries = 0;
        for _ in 0..100 {
            let batch = self.fan_out_batch().await?;
            report.fanned_out += batch.events;
            deliveries += batch.deliveries;
            if (batch.events as i64) < self.config.batch_size {
                break;
            }
        }
        if !deliver_always && deliveries == 0 {
            return Ok(report);
        }
        for _ in 0..100 {
            let (d, f) = self.deliver_due().await?;
            report.delivered += d;
            report.failed += f;
            // Not "a batch that was not full": a delivery may have been waiting for the one
            // before it on the same aggregate.
            if d + f == 0 {
                break;
            }
        }
        Ok(report)
    }

    /// Dispatches until `shutdown` turns true: woken by appends, polling otherwise.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut woken = false;
        let mut last_full = std::time::Instant::now();
        loop {
            // Under steady appends the poll timer never fires, so due retries are looked for at
            // least once per poll interval regardless.
            let full = !woken || last_full.elapsed() >= self.config.poll_interval;
            if full {
                last_full = std::time::Instant::now();
            }
            if let Err(e) = self.pass(full).await {
                tracing::warn!(error = %e, "outbox dispatch failed; will retry");
            }
            tokio::select! {
                _ = appended().notified() => {
                    // Let the appending transaction commit, and let a busy store's appends gather
                    // into one batch, before looking.
                    tokio::time::sleep(COALESCE).await;
                    woken = true;
                }
                _ = tokio::time::sleep(self.config.poll_interval) => woken = false,
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
    }

    async fn attempt(&self, c: &Claimed) -> Result<(), String> {
        if let Some(name) = c.target.strip_prefix(SUBSCRIBER) {
            self.to_subscriber(name, c).await
        } else if let Some(endpoint_id) = c.target.strip_prefix(WEBHOOK) {
            self.to_webhook(endpoint_id, c).await
        } else if c.target == BUS {
            self.to_bus(c).await
        } else {
            Err(format!("unknown delivery target {:?}", c.target))
        }
    }

    async fn to_subscriber(&self, name: &str, c: &Claimed) -> Result<(), String> {
        let Some(subscriber) = self.subscribers.get(name) else {
            return Err(format!("no subscriber named {name:?} in this process"));
        };
        let mut tx = self.db.begin().await.map_err(|e| e.to_string())?;
        // Recorded first: the record and the effect commit together or not at all.
        let first = store::mark_processed(&mut tx, name, &c.event.id)
            .await
            .map_err(|e| e.to_string())?;
        if first {
            subscriber
                .handle(&c.event, &mut tx)
                .await
                .map_err(|e| format!("{e:#}"))?;
        }
        store::mark_delivered(&mut tx, &c.delivery_id)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())
    }

    async fn to_webhook(&self, endpoint_id: &str, c: &Claimed) -> Result<(), String> {
        let endpoint = webhook_store::get(&self.db, endpoint_id)
            .await
            .map_err(|e| e.to_string())?;
        let Some(endpoint) = endpoint.filter(|e| e.is_active) else {
            return Err(PERMANENT.to_string() + "the endpoint was deleted or deactivated");
        };
        let outcome = webhooks::send(
            &self.http,
            &endpoint,
            &c.event,
            &c.delivery_id,
            c.attempts,
            self.config.webhook_timeout,
        )
        .await;
        let mut tx = self.db.begin().await.map_err(|e| e.to_string())?;
        webhook_store::record_attempt(
            &mut tx,
            endpoint_id,
            &c.delivery_id,
            &c.event.id,
            &c.event.name,
            c.attempts,
            &outcome,
        )
        .await
        .map_err(|e| e.to_string())?;
        if outcome.succeeded {
            store::mark_delivered(&mut tx, &c.delivery_id)
                .await
                .map_err(|e| e.to_string())?;
        }
        tx.commit().await.map_err(|e| e.to_string())?;
        match outcome.error {
            None if outcome.succeeded => Ok(()),
            Some(e) => Err(e),
            None => Err("delivery failed".to_string()),
        }
    }

    async fn to_bus(&self, c: &Claimed) -> Result<(), String> {
        let Some(bus) = &self.bus else {
            return Err("no external bus is configured in this process".to_string());
        };
        bus.publish(&c.event).await.map_err(|e| format!("{e:#}"))?;
        let mut tx = self.db.begin().await.map_err(|e| e.to_string())?;
        store::mark_delivered(&mut tx, &c.delivery_id)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())
    }

    async fn record_failure(&self, c: &Claimed, error: &str) -> CoreResult<()> {
        let (error, permanent) = match error.strip_prefix(PERMANENT) {
            Some(rest) => (rest, true),
            None => (error, false),
        };
        let dead = permanent || c.attempts >= self.config.max_attempts;
        let retry_at = now() + self.config.backoff(c.attempts);
        if dead {
            tracing::warn!(delivery = %c.delivery_id, target = %c.target, event = %c.event.name, error, "delivery dead-lettered");
        } else {
            tracing::info!(delivery = %c.delivery_id, target = %c.target, event = %c.event.name, attempt = c.attempts, error, "delivery failed; will retry");
        }
        let mut tx = self.db.begin().await?;
        store::mark_failed(&mut tx, &c.delivery_id, error, retry_at, dead).await?;
        tx.commit().await?;
        Ok(())
    }
}
