//! The background work of a `merx serve` process: the outbox dispatcher and the job scheduler
//! (workflow recovery, settling payment operations a dead process left pending, pruning of
//! delivered events and old idempotency keys).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::bus::{EventBus, Invalidator};
use super::jobs::{Job, Scheduler};
use super::outbox::{DispatchConfig, Dispatcher};
use super::subscribers::Subscribers;
use crate::Core;

/// Running background tasks; [`Background::stop`] ends them after their current pass.
pub struct Background {
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// What to run.
pub struct BackgroundConfig {
    pub dispatch: DispatchConfig,
    pub subscribers: Subscribers,
    pub bus: Option<Arc<dyn EventBus>>,
    /// Carries read-model invalidations to other processes (NATS); local-only when not set.
    pub invalidator: Option<Invalidator>,
    /// How often the scheduler looks for due jobs.
    pub tick: Duration,
}

impl Default for BackgroundConfig {
    fn default() -> Self {
        Self {
            dispatch: DispatchConfig::default(),
            subscribers: Subscribers::new(),
            bus: None,
            invalidator: None,
            tick: Duration::from_secs(1),
        }
    }
}

/// The standard subscribers every process runs, with `extra` (the embedder's own).
pub fn standard_subscribers(core: &Core, extra: Subscribers) -> Subscribers {
    let mut all = extra;
    all.register(std::sync::Arc::new(
        crate::notification::OrderNotifications {
            notifier: core.notifier.clone(),
            orders: core.orders.clone(),
        },
    ));
    all
}

/// The standard jobs every process schedules.
pub fn standard_jobs(core: &Core) -> Vec<Job> {
    let workflows = core.workflows.clone();
    let outbox = core.outbox.clone();
    let idempotency = core.idempotency.clone();
    let inventory = core.inventory.clone();
    let payments = core.payments.clone();
    vec![
        // Longer than any provider call takes (Stripe's client gives up after 30 s), so only
        // operations whose process died are asked again.
        Job::new("payments.settle", Duration::from_secs(60), move || {
            let payments = payments.clone();
            Box::pin(async move {
                payments
                    .settle_stale_operations(Duration::from_secs(300))
                    .await?;
                Ok(())
            })
        }),
        Job::new(
            "inventory.expire_reservations",
            Duration::from_secs(30),
            move || {
                let inventory = inventory.clone();
                Box::pin(async move {
                    inventory.expire_reservations().await?;
                    Ok(())
                })
            },
        ),
        Job::new("workflows.recover", Duration::from_secs(10), move || {
            let workflows = workflows.clone();
            Box::pin(async move {
                workflows.recover().await?;
                Ok(())
            })
        }),
        Job::new("outbox.prune", Duration::from_secs(3600), move || {
            let outbox = outbox.clone();
            Box::pin(async move {
                outbox.prune(Duration::from_secs(7 * 24 * 3600)).await?;
                Ok(())
            })
        }),
        Job::new("idempotency.prune", Duration::from_secs(3600), move || {
            let idempotency = idempotency.clone();
            Box::pin(async move {
                idempotency.prune(Duration::from_secs(24 * 3600)).await?;
                Ok(())
            })
        }),
    ]
}

impl Background {
    pub fn start(core: &Core, config: BackgroundConfig) -> Background {
        let (shutdown, rx) = watch::channel(false);
        let subscribers = standard_subscribers(core, config.subscribers);
        let mut dispatcher = Dispatcher::new(core.db.clone(), subscribers, config.dispatch);
        if let Some(bus) = config.bus {
            dispatcher = dispatcher.with_bus(bus);
        }
        dispatcher = dispatcher.with_invalidator(config.invalidator.unwrap_or_default());
        let mut scheduler = Scheduler::new(core.db.clone());
        for job in standard_jobs(core) {
            scheduler.add(job);
        }
        let tasks = vec![
            tokio::spawn(dispatcher.run(rx.clone())),
            tokio::spawn(scheduler.run(config.tick, rx)),
        ];
        Background { shutdown, tasks }
    }

    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}
