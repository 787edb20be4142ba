//! SQL for webhook endpoints and attempts.

use merx_db::{query, Db, DbResult, Row, Tx};
use merx_types::id::new_id;
use merx_types::time::now;
use merx_types::{Page, PageRequest};

use super::{Attempt, Endpoint, SendOutcome};

const COLUMNS: &str =
    "id, url, description, events, secret, is_active, metadata, created_at, updated_at";

fn from_row(r: &Row) -> DbResult<Endpoint> {
    let events = match r.json("events")? {
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    Ok(Endpoint {
        id: r.text("id")?,
        url: r.text("url")?,
        description: r.opt_text("description")?,
        events,
        secret: r.text("secret")?,
        is_active: r.bool("is_active")?,
        metadata: r.opt_json("metadata")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

pub async fn insert(tx: &mut Tx, e: &Endpoint) -> DbResult<()> {
    tx.execute(
        query(
            "INSERT INTO webhook_endpoint (id, url, description, events, secret, is_active, metadata, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&e.id)
        .bind(&e.url)
        .bind(e.description.clone())
        .bind(serde_json::json!(e.events))
        .bind(&e.secret)
        .bind(e.is_active)
        .bind(e.metadata.clone())
        .bind(e.created_at)
        .bind(e.updated_at),
    )
    .await?;
    Ok(())
}

pub async fn update(tx: &mut Tx, e: &Endpoint) -> DbResult<()> {
    tx.execute(
        query(
            "UPDATE webhook_endpoint SET url = ?, description = ?, events = ?, is_active = ?, \
             metadata = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
        )
        .bind(&e.url)
        .bind(e.description.clone())
        .bind(serde_json::json!(e.events))
        .bind(e.is_active)
        .bind(e.metadata.clone())
        .bind(e.updated_at)
        .bind(&e.id),
    )
    .await?;
    Ok(())
}

pub async fn soft_delete(tx: &mut Tx, id: &str) -> DbResult<bool> {
    let at = now();
    Ok(tx
        .execute(
            query("UPDATE webhook_endpoint SET deleted_at = ?, is_active = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL")
                .bind(at)
                .bind(false)
                .bind(at)
                .bind(id),
        )
        .await?
        > 0)
}

pub async fn get_in(tx: &mut Tx, id: &str) -> DbResult<Option<Endpoint>> {
    let sql = format!("SELECT {COLUMNS} FROM webhook_endpoint WHERE id = ? AND deleted_at IS NULL");
    tx.fetch_optional(query(sql).bind(id))
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn get(db: &Db, id: &str) -> DbResult<Option<Endpoint>> {
    let sql = format!("SELECT {COLUMNS} FROM webhook_endpoint WHERE id = ? AND deleted_at IS NULL");
    db.fetch_optional(query(sql).bind(id))
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn active_in(tx: &mut Tx) -> DbResult<Vec<Endpoint>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM webhook_endpoint WHERE is_active = ? AND deleted_at IS NULL ORDER BY id"
    );
    tx.fetch_all(query(sql).bind(true))
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub async fn list(db: &Db, page: PageRequest) -> DbResult<Page<Endpoint>> {
    let count = db
        .fetch_one(query(
            "SELECT COUNT(*) AS n FROM webhook_endpoint WHERE deleted_at IS NULL",
        ))
        .await?
        .int("n")?;
    let sql = format!(
        "SELECT {COLUMNS} FROM webhook_endpoint WHERE deleted_at IS NULL ORDER BY created_at DESC, id LIMIT ? OFFSET ?"
    );
    let rows = db
        .fetch_all(query(sql).bind(page.limit).bind(page.offset))
        .await?;
    Ok(Page {
        items: rows.iter().map(from_row).collect::<DbResult<_>>()?,
        count,
        limit: page.limit,
        offset: page.offset,
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn record_attempt(
    tx: &mut Tx,
    endpoint_id: &str,
    delivery_id: &str,
    event_id: &str,
    event_name: &str,
    attempt: i64,
    outcome: &SendOutcome,
) -> DbResult<()> {
    tx.execute(
        query(
            "INSERT INTO webhook_attempt (id, endpoint_id, delivery_id, event_id, event_name, attempt, \
             succeeded, response_status, duration_ms, error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(new_id("wha"))
        .bind(endpoint_id)
        .bind(delivery_id)
        .bind(event_id)
        .bind(event_name)
        .bind(attempt)
        .bind(outcome.succeeded)
        .bind(outcome.response_status.map(i64::from))
        .bind(i64::try_from(outcome.duration.as_millis()).unwrap_or(i64::MAX))
        .bind(outcome.error.clone())
        .bind(now()),
    )
    .await?;
    Ok(())
}

fn attempt_from_row(r: &Row) -> DbResult<Attempt> {
    Ok(Attempt {
        id: r.text("id")?,
        endpoint_id: r.text("endpoint_id")?,
        delivery_id: r.text("delivery_id")?,
        event_id: r.text("event_id")?,
        event_name: r.text("event_name")?,
        attempt: r.int("attempt")?,
        succeeded: r.bool("succeeded")?,
        response_status: r.opt_int("response_status")?,
        duration_ms: r.int("duration_ms")?,
        error: r.opt_text("error")?,
        created_at: r.time("created_at")?,
    })
}

pub async fn attempts(db: &Db, endpoint_id: &str, page: PageRequest) -> DbResult<Page<Attempt>> {
    let count = db
        .fetch_one(
            query("SELECT COUNT(*) AS n FROM webhook_attempt WHERE endpoint_id = ?")
                .bind(endpoint_id),
        )
        .await?
        .int("n")?;
    let rows = db
        .fetch_all(
            query(
                "SELECT id, endpoint_id, delivery_id, event_id, event_name, attempt, succeeded, response_status, \
                 duration_ms, error, created_at FROM webhook_attempt WHERE endpoint_id = ? \
                 ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            )
            .bind(endpoint_id)
            .bind(page.limit)
            .bind(page.offset),
        )
        .await?;
    Ok(Page {
        items: rows.iter().map(attempt_from_row).collect::<DbResult<_>>()?,
        count,
        limit: page.limit,
        offset: page.offset,
    })
}

pub fn new_endpoint_id() -> String {
    new_id(merx_types::id::prefix::WEBHOOK)
}
