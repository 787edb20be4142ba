//! In-process subscribers: handlers registered by name for event-name patterns. Each runs inside a
//! transaction that also records the event id as processed, so its effect happens once even though
//! delivery is at least once.

use std::sync::Arc;

use merx_db::Tx;

use super::events::Event;
use super::{pattern_matches, BoxFuture};

/// A handler of events. Its writes go through `tx`, which commits only if it returns `Ok`.
pub trait Subscriber: Send + Sync + 'static {
    /// A stable name: delivery state and de-duplication are keyed by it.
    fn name(&self) -> &str;
    /// Event-name patterns (`order.placed`, `order.*`, `*`).
    fn events(&self) -> Vec<String>;
    fn handle<'a>(&'a self, event: &'a Event, tx: &'a mut Tx) -> BoxFuture<'a, anyhow::Result<()>>;
}

/// The subscribers of this process.
#[derive(Clone, Default)]
pub struct Subscribers {
    list: Vec<Arc<dyn Subscriber>>,
}

impl Subscribers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `subscriber`. Names must be unique.
    pub fn register(&mut self, subscriber: Arc<dyn Subscriber>) {
        assert!(
            !self.list.iter().any(|s| s.name() == subscriber.name()),
            "subscriber {:?} registered twice",
            subscriber.name()
        );
        self.list.push(subscriber);
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn Subscriber>> {
        self.list.iter().find(|s| s.name() == name)
    }

    /// Names of the subscribers interested in `event_name`.
    pub fn interested(&self, event_name: &str) -> Vec<String> {
        self.list
            .iter()
            .filter(|s| s.events().iter().any(|p| pattern_matches(p, event_name)))
            .map(|s| s.name().to_string())
            .collect()
    }
}
