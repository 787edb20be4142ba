//! SQL for the outbox and its deliveries.

use merx_db::{query, sql::placeholders, Backend, Db, DbResult, Row, Tx};
use merx_types::id::new_id;
use merx_types::time::now;
use merx_types::{Page, PageRequest};
use time::OffsetDateTime;

use crate::platform::events::{event_from_row, Event, EVENT_COLUMNS};

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Dead,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "dead" => Some(Self::Dead),
            _ => None,
        }
    }
}

/// One event on its way to one target.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: String,
    pub event_id: String,
    pub event_seq: i64,
    pub event_name: String,
    /// `sub:<name>`, `webhook:<endpoint id>` or `bus`.
    pub target: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
    pub delivered_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

const DELIVERY_COLUMNS: &str =
    "d.id, d.event_id, d.event_seq, e.name AS event_name, d.target, d.status, \
     d.attempts, d.next_attempt_at, d.last_error, d.delivered_at, d.created_at";

fn delivery_from_row(r: &Row) -> DbResult<Delivery> {
    Ok(Delivery {
        id: r.text("id")?,
        event_id: r.text("event_id")?,
        event_seq: r.int("event_seq")?,
        event_name: r.text("event_name")?,
        target: r.text("target")?,
        status: DeliveryStatus::parse(&r.text("status")?).unwrap_or(DeliveryStatus::Pending),
        attempts: r.int("attempts")?,
        next_attempt_at: r.time("next_attempt_at")?,
        last_error: r.opt_text("last_error")?,
        delivered_at: r.opt_time("delivered_at")?,
        created_at: r.time("created_at")?,
    })
}

/// Events not yet turned into deliveries, oldest first, locked against other dispatchers.
pub async fn unfanned_events(tx: &mut Tx, limit: i64) -> DbResult<Vec<Event>> {
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM outbox_event WHERE fanned_out_at IS NULL ORDER BY seq LIMIT ?{lock}"
    );
    tx.fetch_all(query(sql).bind(limit))
        .await?
        .iter()
        .map(event_from_row)
        .collect()
}

pub async fn insert_delivery(tx: &mut Tx, event: &Event, target: &str) -> DbResult<()> {
    let at = now();
    tx.execute(
        query(
            "INSERT INTO outbox_delivery (id, event_id, event_seq, target, aggregate_key, status, attempts, \
             next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) \
             ON CONFLICT (event_id, target) DO NOTHING",
        )
        .bind(new_id("dlv"))
        .bind(&event.id)
        .bind(event.seq)
        .bind(target)
        .bind(format!("{}:{}", event.aggregate_type, event.aggregate_id))
        .bind(at)
        .bind(at)
        .bind(at),
    )
    .await?;
    Ok(())
}

pub async fn mark_fanned_out(tx: &mut Tx, seqs: &[i64]) -> DbResult<()> {
    if seqs.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE outbox_event SET fanned_out_at = ? WHERE seq IN ({})",
        placeholders(seqs.len())
    );
    tx.execute(query(sql).bind(now()).bind_all(seqs.iter().copied()))
        .await?;
    Ok(())
}

/// A claimed delivery with its event.
pub struct Claimed {
    pub delivery_id: String,
    pub target: String,
    pub attempts: i64,
    pub event: Event,
}

/// Claims due deliveries whose earlier deliveries (same target and aggregate) are all settled,
/// leasing them until `lease_until` and counting the attempt.
pub async fn claim_due(
    tx: &mut Tx,
    limit: i64,
    lease_until: OffsetDateTime,
) -> DbResult<Vec<Claimed>> {
    let at = now();
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE OF d SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "SELECT d.id AS delivery_id, d.target, d.attempts, e.seq, e.id, e.name, e.aggregate_type, \
         e.aggregate_id, e.payload, e.created_at \
         FROM outbox_delivery d JOIN outbox_event e ON e.id = d.event_id \
         WHERE d.status = 'pending' AND d.next_attempt_at <= ? \
           AND (d.locked_until IS NULL OR d.locked_until <= ?) \
           AND NOT EXISTS (SELECT 1 FROM outbox_delivery p WHERE p.target = d.target \
               AND p.aggregate_key = d.aggregate_key AND p.status = 'pending' AND p.event_seq < d.event_seq) \
         ORDER BY d.event_seq LIMIT ?{lock}"
    );
    let rows = tx
        .fetch_all(query(sql).bind(at).bind(at).bind(limit))
        .await?;
    let mut claimed = Vec::with_capacity(rows.len());
    for r in &rows {
        claimed.push(Claimed {
            delivery_id: r.text("delivery_id")?,
            target: r.text("target")?,
            attempts: r.int("attempts")? + 1,
            event: event_from_row(r)?,
        });
    }
    if !claimed.is_empty() {
        let sql = format!(
            "UPDATE outbox_delivery SET locked_until = ?, attempts = attempts + 1, updated_at = ? WHERE id IN ({})",
            placeholders(claimed.len())
        );
        tx.execute(
            query(sql)
                .bind(lease_until)
                .bind(at)
                .bind_all(claimed.iter().map(|c| c.delivery_id.clone())),
        )
        .await?;
    }
    Ok(claimed)
}

pub async fn mark_delivered(tx: &mut Tx, delivery_id: &str) -> DbResult<()> {
    let at = now();
    tx.execute(
        query(
            "UPDATE outbox_delivery SET status = 'delivered', delivered_at = ?, locked_until = NULL, \
             last_error = NULL, updated_at = ? WHERE id = ?",
        )
        .bind(at)
        .bind(at)
        .bind(delivery_id),
    )
    .await?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or dead when `dead`.
pub async fn mark_failed(
    tx: &mut Tx,
    delivery_id: &str,
    error: &str,
    retry_at: OffsetDateTime,
    dead: bool,
) -> DbResult<()> {
    tx.execute(
        query(
            "UPDATE outbox_delivery SET status = ?, next_attempt_at = ?, locked_until = NULL, \
             last_error = ?, updated_at = ? WHERE id = ?",
        )
        .bind(if dead { "dead" } else { "pending" })
        .bind(retry_at)
        .bind(error)
        .bind(now())
        .bind(delivery_id),
    )
    .await?;
    Ok(())
}

/// Whether `subscriber` has already processed `event_id` (its effect committed).
/// Records that `subscriber` processed `event_id`, in the transaction that does the processing;
/// false when it already had (so the effect must not happen again).
pub async fn mark_processed(tx: &mut Tx, subscriber: &str, event_id: &str) -> DbResult<bool> {
    Ok(tx
        .execute(
            query(
                "INSERT INTO processed_event (subscriber, event_id, processed_at) VALUES (?, ?, ?) \
                 ON CONFLICT (subscriber, event_id) DO NOTHING",
            )
            .bind(subscriber)
            .bind(event_id)
            .bind(now()),
        )
        .await?
        == 1)
}

pub async fn get_delivery(tx: &mut Tx, id: &str) -> DbResult<Option<Delivery>> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM outbox_delivery d JOIN outbox_event e ON e.id = d.event_id WHERE d.id = ?"
    );
    tx.fetch_optional(query(sql).bind(id))
        .await?
        .as_ref()
        .map(delivery_from_row)
        .transpose()
}

pub async fn requeue(tx: &mut Tx, id: &str) -> DbResult<()> {
    let at = now();
    tx.execute(
        query(
            "UPDATE outbox_delivery SET status = 'pending', attempts = 0, next_attempt_at = ?, \
             locked_until = NULL, updated_at = ? WHERE id = ? AND status = 'dead'",
        )
        .bind(at)
        .bind(at)
        .bind(id),
    )
    .await?;
    Ok(())
}

pub async fn requeue_all_dead(tx: &mut Tx, target: Option<&str>) -> DbResult<u64> {
    let at = now();
    tx.execute(
        query(
            "UPDATE outbox_delivery SET status = 'pending', attempts = 0, next_attempt_at = ?, \
             locked_until = NULL, updated_at = ? WHERE status = 'dead' AND (? IS NULL OR target = ?)",
        )
        .bind(at)
        .bind(at)
        .bind(target)
        .bind(target),
    )
    .await
}

/// Filters for listing deliveries.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
    pub target: Option<String>,
    pub event_name: Option<String>,
}

pub async fn list_deliveries(
    db: &Db,
    filter: &DeliveryFilter,
    page: PageRequest,
) -> DbResult<Page<Delivery>> {
    let where_sql = "WHERE (? IS NULL OR d.status = ?) AND (? IS NULL OR d.target = ?) AND (? IS NULL OR e.name = ?)";
    let status = filter.status.map(|s| s.as_str());
    let bind = |q: merx_db::Query| {
        q.bind(status)
            .bind(status)
            .bind(filter.target.clone())
            .bind(filter.target.clone())
            .bind(filter.event_name.clone())
            .bind(filter.event_name.clone())
    };
    let count = db
        .fetch_one(bind(query(format!(
            "SELECT COUNT(*) AS n FROM outbox_delivery d JOIN outbox_event e ON e.id = d.event_id {where_sql}"
        ))))
        .await?
        .int("n")?;
    let rows = db
        .fetch_all(
            bind(query(format!(
                "SELECT {DELIVERY_COLUMNS} FROM outbox_delivery d JOIN outbox_event e ON e.id = d.event_id \
                 {where_sql} ORDER BY d.event_seq DESC, d.id LIMIT ? OFFSET ?"
            )))
            .bind(page.limit)
            .bind(page.offset),
        )
        .await?;
    Ok(Page {
        items: rows
            .iter()
            .map(delivery_from_row)
            .collect::<DbResult<_>>()?,
        count,
        limit: page.limit,
        offset: page.offset,
    })
}

/// Removes delivered deliveries and fully settled events older than `before`.
pub async fn prune(tx: &mut Tx, before: OffsetDateTime) -> DbResult<u64> {
    let n = tx
        .execute(
            query("DELETE FROM outbox_delivery WHERE status = 'delivered' AND delivered_at < ?")
                .bind(before),
        )
        .await?;
    tx.execute(
        query(
            "DELETE FROM outbox_event WHERE fanned_out_at IS NOT NULL AND created_at < ? \
             AND NOT EXISTS (SELECT 1 FROM outbox_delivery d WHERE d.event_id = outbox_event.id)",
        )
        .bind(before),
    )
    .await?;
    Ok(n)
}
