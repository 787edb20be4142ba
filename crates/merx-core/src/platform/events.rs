//! Events: appended to the outbox inside the transaction that makes the change, so an event exists
//! if and only if its change committed.

use merx_db::{query, DbResult, Row, Tx};
use merx_types::id::{new_id, prefix};
use merx_types::time::now;
use serde_json::Value;
use time::OffsetDateTime;

use std::sync::OnceLock;

use super::freshness;
use tokio::sync::Notify;

/// A committed event, as subscribers, webhooks and the external bus receive it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Position in the outbox: the global order of appends.
    pub seq: i64,
    pub id: String,
    /// e.g. `order.placed`, `inventory.level_changed`.
    pub name: String,
    /// The kind of thing that changed (`order`, `inventory_level`); ordering is per aggregate.
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub payload: Value,
    pub created_at: OffsetDateTime,
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub name: String,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub payload: Value,
}

impl NewEvent {
    pub fn new(
        name: impl Into<String>,
        aggregate_type: impl Into<String>,
        aggregate_id: impl Into<String>,
        payload: Value,
    ) -> Self {
        Self {
            name: name.into(),
            aggregate_type: aggregate_type.into(),
            aggregate_id: aggregate_id.into(),
            payload,
        }
    }
}

/// Wakes the dispatcher early; it also polls, so a missed wake-up only delays delivery.
pub(crate) fn appended() -> &'static Notify {
    static NOTIFY: OnceLock<Notify> = OnceLock::new();
    NOTIFY.get_or_init(Notify::new)
}

/// Appends `event` in the caller's transaction; returns its id. Rolled back with the transaction.
pub async fn append(tx: &mut Tx, event: NewEvent) -> DbResult<String> {
    let id = new_id(prefix::EVENT);
    let models = freshness::models_of(&event.name);
    if !models.is_empty() {
        tx.after_commit(move || models.into_iter().for_each(freshness::bump));
    }
    tx.execute(
        query(
            "INSERT INTO outbox_event (id, name, aggregate_type, aggregate_id, payload, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(event.name)
        .bind(event.aggregate_type)
        .bind(event.aggregate_id)
        .bind(event.payload)
        .bind(now()),
    )
    .await?;
    appended().notify_one();
    Ok(id)
}

pub(crate) const EVENT_COLUMNS: &str =
    "seq, id, name, aggregate_type, aggregate_id, payload, created_at";

pub(crate) fn event_from_row(r: &Row) -> DbResult<Event> {
    Ok(Event {
        seq: r.int("seq")?,
        id: r.text("id")?,
        name: r.text("name")?,
        aggregate_type: r.text("aggregate_type")?,
        aggregate_id: r.text("aggregate_id")?,
        payload: r.json("payload")?,
        created_at: r.time("created_at")?,
    })
}
