//! Seams to the world outside this process: an external event bus (NATS JetStream when
//! configured) that receives every dispatched event, and cache invalidation that reaches every
//! `merx serve` process.

use std::sync::Arc;

use tokio::sync::broadcast;

use super::events::Event;
use super::freshness::{self, ReadModel};
use super::BoxFuture;

/// Publishes dispatched events to an external stream.
pub trait EventBus: Send + Sync + 'static {
    fn publish<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, anyhow::Result<()>>;
}

/// Carries invalidation keys to the other processes.
pub trait RemoteInvalidation: Send + Sync + 'static {
    fn publish<'a>(&'a self, key: &'a str) -> BoxFuture<'a, anyhow::Result<()>>;
}

/// Cache invalidation: caches subscribe here; [`Invalidator::invalidate`] reaches this process's
/// caches at once and other processes' through the remote transport, when there is one.
#[derive(Clone)]
pub struct Invalidator {
    local: broadcast::Sender<String>,
    remote: Option<Arc<dyn RemoteInvalidation>>,
}

impl Default for Invalidator {
    fn default() -> Self {
        Self::new()
    }
}

impl Invalidator {
    pub fn new() -> Self {
        Self {
            local: broadcast::channel(1024).0,
            remote: None,
        }
    }

    /// Sends invalidations to other processes too.
    pub fn with_remote(mut self, remote: Arc<dyn RemoteInvalidation>) -> Self {
        self.remote = Some(remote);
        self
    }

    /// Keys invalidated from now on, in this process and (via the transport) in others.
    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.local.subscribe()
    }

    /// Invalidates `key` everywhere. A transport failure is logged: caches also expire on their own.
    pub async fn invalidate(&self, key: &str) {
        self.deliver_local(key);
        if let Some(remote) = &self.remote {
            if let Err(e) = remote.publish(key).await {
                tracing::warn!(error = %e, key, "remote cache invalidation failed");
            }
        }
    }

    /// Called by the transport for a key that came from another process.
    pub fn deliver_local(&self, key: &str) {
        if let Some(model) = ReadModel::from_key(key) {
            freshness::bump(model);
        }
        // No receivers is fine: nothing is cached yet.
        let _ = self.local.send(key.to_string());
    }
}
