//! Platform services every area uses: the transactional outbox and its dispatcher, in-process
//! subscribers, outbound webhooks, the workflow (saga) engine, idempotency keys, scheduled jobs and
//! the seams for an external bus (NATS). Delivery guarantees are documented in `docs/events.md`.

pub mod background;
pub mod bus;
pub mod db_invalidation;
pub mod events;
pub mod freshness;
pub mod idempotency;
pub mod jobs;
pub mod outbox;
pub mod subscribers;
pub mod webhooks;
pub mod workflow;

use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future: what trait objects (subscribers, steps, buses) return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Whether an event `name` matches a subscription `pattern`: `*` matches everything, `order.*` every
/// event whose name starts with `order.`, anything else only itself.
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

#[cfg(test)]
mod tests {
    use super::pattern_matches;

    #[test]
    fn patterns() {
        assert!(pattern_matches("*", "order.placed"));
        assert!(pattern_matches("order.*", "order.placed"));
        assert!(!pattern_matches("order.*", "orders.placed"));
        assert!(pattern_matches("order.placed", "order.placed"));
        assert!(!pattern_matches("order.placed", "order.placed2"));
    }
}
