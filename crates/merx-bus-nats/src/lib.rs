//! NATS JetStream for multi-process deployments (`MERX_NATS_URL`):
//! - every dispatched event is published to the `MERX_EVENTS` stream as `merx.events.<name>`, with the
//!   event id as `Nats-Msg-Id` so JetStream drops the duplicates at-least-once delivery can cause;
//! - cache invalidations are broadcast on `merx.cache.invalidate` to every `merx serve` process.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_nats::jetstream;
use futures_util::StreamExt;
use merx_core::platform::bus::{EventBus, Invalidator, RemoteInvalidation};
use merx_core::platform::events::Event;
use merx_core::platform::BoxFuture;

/// The JetStream stream holding Merx's events.
pub const STREAM: &str = "MERX_EVENTS";
/// Subject prefix of events: `merx.events.order.placed`.
pub const EVENT_SUBJECT_PREFIX: &str = "merx.events.";
/// Subject of cache invalidations.
pub const INVALIDATE_SUBJECT: &str = "merx.cache.invalidate";

/// A connection to NATS, shared by the event bus and cache invalidation.
#[derive(Clone)]
pub struct Nats {
    client: async_nats::Client,
    js: jetstream::Context,
    /// Identifies this process, so it ignores its own invalidations.
    node: String,
}

impl Nats {
    /// Connects and makes sure the event stream exists (7 days of events, 2 minutes of
    /// de-duplication).
    pub async fn connect(url: &str) -> anyhow::Result<Nats> {
        let client = async_nats::ConnectOptions::new()
            .name("merx")
            .connection_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .with_context(|| format!("connecting to NATS at {url}"))?;
        let js = jetstream::new(client.clone());
        let config = jetstream::stream::Config {
            name: STREAM.to_string(),
            subjects: vec![format!("{EVENT_SUBJECT_PREFIX}>")],
            max_age: Duration::from_secs(7 * 24 * 3600),
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        };
        if let Err(create) = js.get_or_create_stream(config).await {
            // Processes starting together race to create it: the loser finds the winner's.
            js.get_stream(STREAM)
                .await
                .map_err(|_| create)
                .context("creating the MERX_EVENTS JetStream stream")?;
        }
        Ok(Nats {
            client,
            js,
            node: ulid::Ulid::new().to_string(),
        })
    }

    /// The event bus for the outbox dispatcher.
    pub fn event_bus(&self) -> Arc<dyn EventBus> {
        Arc::new(self.clone())
    }

    /// Connects `invalidator` to every other process: local invalidations are broadcast, remote
    /// ones are delivered locally. Returns the connected invalidator.
    pub async fn connect_invalidator(
        &self,
        invalidator: Invalidator,
    ) -> anyhow::Result<Invalidator> {
        let mut sub = self
            .client
            .subscribe(INVALIDATE_SUBJECT)
            .await
            .context("subscribing to cache invalidations")?;
        let local = invalidator.clone();
        let node = self.node.clone();
        tokio::spawn(async move {
            while let Some(msg) = sub.next().await {
                let text = String::from_utf8_lossy(&msg.payload);
                if let Some((from, key)) = text.split_once('\n') {
                    if from != node {
                        local.deliver_local(key);
                    }
                }
            }
        });
        Ok(invalidator.with_remote(Arc::new(self.clone())))
    }
}

impl EventBus for Nats {
    fn publish<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let mut headers = async_nats::HeaderMap::new();
            headers.insert("Nats-Msg-Id", event.id.as_str());
            headers.insert("Merx-Event", event.name.as_str());
            let body = merx_core::platform::webhooks::send::body(event);
            self.js
                .publish_with_headers(
                    format!("{EVENT_SUBJECT_PREFIX}{}", event.name),
                    headers,
                    body.into(),
                )
                .await
                .context("publishing to JetStream")?
                .await
                .context("waiting for JetStream's acknowledgement")?;
            Ok(())
        })
    }
}

impl RemoteInvalidation for Nats {
    fn publish<'a>(&'a self, key: &'a str) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            self.client
                .publish(INVALIDATE_SUBJECT, format!("{}\n{key}", self.node).into())
                .await
                .context("publishing a cache invalidation")?;
            Ok(())
        })
    }
}
