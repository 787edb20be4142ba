//! SQL for the workflow journal.

use merx_db::{query, Db, DbResult, Tx};

use super::Deferred;
use merx_types::time::now;
use serde_json::Value;
use time::OffsetDateTime;

/// Status of an execution whose every step completed.
pub(crate) const SUCCEEDED: &str = "succeeded";

pub struct ExecutionRow {
    pub id: String,
    pub workflow: String,
    pub status: String,
    pub input: Value,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub error_kind: Option<String>,
}

fn execution_from_row(r: &merx_db::Row) -> DbResult<ExecutionRow> {
    Ok(ExecutionRow {
        id: r.text("id")?,
        workflow: r.text("workflow")?,
        status: r.text("status")?,
        input: r.json("input")?,
        output: r.opt_json("output")?,
        error: r.opt_text("error")?,
        error_kind: r.opt_text("error_kind")?,
    })
}

const COLUMNS: &str = "id, workflow, status, input, output, error, error_kind";

pub async fn insert(
    tx: &mut Tx,
    id: &str,
    workflow: &str,
    key: Option<&str>,
    input: &Value,
    lease_until: OffsetDateTime,
    owner: &str,
) -> DbResult<()> {
    let at = now();
    tx.execute(
        query(
            "INSERT INTO workflow_execution (id, workflow, idempotency_key, status, input, locked_until, \
             owner, created_at, updated_at) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(workflow)
        .bind(key)
        .bind(input.clone())
        .bind(lease_until)
        .bind(owner)
        .bind(at)
        .bind(at),
    )
    .await?;
    Ok(())
}

/// A run whose first step failed before its execution row was written, journalled as failed
/// (nothing to compensate).
pub(crate) async fn insert_failed(
    db: &Db,
    id: &str,
    workflow: &str,
    key: Option<&str>,
    input: &Value,
    error: (&str, &str),
) -> DbResult<()> {
    let at = now();
    db.execute(
        query(
            "INSERT INTO workflow_execution (id, workflow, idempotency_key, status, input, error_kind, error, \
             created_at, updated_at) VALUES (?, ?, ?, 'compensated', ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(workflow)
        .bind(key)
        .bind(input.clone())
        .bind(error.0)
        .bind(error.1)
        .bind(at)
        .bind(at),
    )
    .await?;
    Ok(())
}

/// The live (running, compensating or succeeded) execution holding `key`, if any.
pub async fn find_live_by_key(
    db: &Db,
    workflow: &str,
    key: &str,
) -> DbResult<Option<ExecutionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM workflow_execution WHERE workflow = ? AND idempotency_key = ? \
         AND status IN ('running', 'compensating', 'succeeded')"
    );
    db.fetch_optional(query(sql).bind(workflow).bind(key))
        .await?
        .as_ref()
        .map(execution_from_row)
        .transpose()
}

pub async fn get(db: &Db, id: &str) -> DbResult<Option<ExecutionRow>> {
    let sql = format!("SELECT {COLUMNS} FROM workflow_execution WHERE id = ?");
    db.fetch_optional(query(sql).bind(id))
        .await?
        .as_ref()
        .map(execution_from_row)
        .transpose()
}

/// Completed steps' outputs, by index.
pub async fn done_steps(db: &Db, execution_id: &str) -> DbResult<Vec<(usize, String, Value)>> {
    let rows = db
        .fetch_all(
            query(
                "SELECT idx, status, output FROM workflow_step WHERE execution_id = ? ORDER BY idx",
            )
            .bind(execution_id),
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                usize::try_from(r.int("idx")?).unwrap_or(usize::MAX),
                r.text("status")?,
                r.json("output")?,
            ))
        })
        .collect()
}

/// Journals `steps` in one transaction, renewing the lease; `final_outputs` (all outputs)
/// completes the execution.
pub(crate) async fn record_steps(
    db: &Db,
    execution_id: &str,
    steps: &[Deferred],
    lease_until: OffsetDateTime,
    final_outputs: Option<&Value>,
) -> DbResult<()> {
    let mut tx = db.begin().await?;
    insert_steps(&mut tx, execution_id, steps).await?;
    advance(&mut tx, execution_id, Some(lease_until), final_outputs).await?;
    tx.commit().await
}

/// Journal entries for completed steps, in one statement.
pub(crate) async fn insert_steps(
    tx: &mut Tx,
    execution_id: &str,
    steps: &[Deferred],
) -> DbResult<()> {
    if steps.is_empty() {
        return Ok(());
    }
    let at = now();
    let rows = vec!["(?, ?, ?, 'done', ?, ?, ?)"; steps.len()].join(", ");
    let mut q = query(format!(
        "INSERT INTO workflow_step (execution_id, idx, name, status, output, created_at, updated_at) VALUES {rows}"
    ));
    for d in steps {
        q = q
            .bind(execution_id)
            .bind(d.index as i64)
            .bind(d.name.as_str())
            .bind(d.output.clone())
            .bind(at)
            .bind(at);
    }
    tx.execute(q).await?;
    Ok(())
}

/// After journal entries: with `final_outputs` the execution succeeded; else its lease is
/// renewed to `lease_until` (when given).
pub(crate) async fn advance(
    tx: &mut Tx,
    execution_id: &str,
    lease_until: Option<OffsetDateTime>,
    final_outputs: Option<&Value>,
) -> DbResult<()> {
    let at = now();
    match (final_outputs, lease_until) {
        (Some(outputs), _) => {
            tx.execute(
                query(
                    "UPDATE workflow_execution SET status = ?, output = ?, locked_until = NULL, updated_at = ? WHERE id = ?",
                )
                .bind(SUCCEEDED)
                .bind(outputs.clone())
                .bind(at)
                .bind(execution_id),
            )
            .await?;
        }
        (None, Some(lease_until)) => {
            tx.execute(
                query(
                    "UPDATE workflow_execution SET locked_until = ?, updated_at = ? WHERE id = ?",
                )
                .bind(lease_until)
                .bind(at)
                .bind(execution_id),
            )
            .await?;
        }
        (None, None) => {}
    }
    Ok(())
}

pub async fn mark_step_compensated(db: &Db, execution_id: &str, index: usize) -> DbResult<()> {
    db.execute(
        query("UPDATE workflow_step SET status = 'compensated', updated_at = ? WHERE execution_id = ? AND idx = ?")
            .bind(now())
            .bind(execution_id)
            .bind(index as i64),
    )
    .await?;
    Ok(())
}

pub async fn set_status(
    db: &Db,
    id: &str,
    status: &str,
    output: Option<&Value>,
    error: Option<(&str, &str)>,
    lease_until: Option<OffsetDateTime>,
) -> DbResult<()> {
    db.execute(
        query(
            "UPDATE workflow_execution SET status = ?, output = COALESCE(?, output), \
             error = COALESCE(?, error), error_kind = COALESCE(?, error_kind), locked_until = ?, updated_at = ? WHERE id = ?",
        )
        .bind(status)
        .bind(output.cloned())
        .bind(error.map(|e| e.1))
        .bind(error.map(|e| e.0))
        .bind(lease_until)
        .bind(now())
        .bind(id),
    )
    .await?;
    Ok(())
}

/// Unfinished executions whose lease has expired.
pub async fn orphaned(db: &Db, limit: i64) -> DbResult<Vec<ExecutionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM workflow_execution WHERE status IN ('running', 'compensating') \
         AND (locked_until IS NULL OR locked_until < ?) ORDER BY created_at LIMIT ?"
    );
    db.fetch_all(query(sql).bind(now()).bind(limit))
        .await?
        .iter()
        .map(execution_from_row)
        .collect()
}

/// Takes over an orphaned execution; false if another process got there first.
pub async fn claim(db: &Db, id: &str, lease_until: OffsetDateTime, owner: &str) -> DbResult<bool> {
    let at = now();
    Ok(db
        .execute(
            query(
                "UPDATE workflow_execution SET locked_until = ?, owner = ?, updated_at = ? WHERE id = ? \
                 AND status IN ('running', 'compensating') AND (locked_until IS NULL OR locked_until < ?)",
            )
            .bind(lease_until)
            .bind(owner)
            .bind(at)
            .bind(id)
            .bind(at),
        )
        .await?
        == 1)
}

/// Unfinished executions that `owner` held: after a restart, the process that is `owner` again
/// knows nobody else is running them, whatever their leases say.
pub async fn owned_by(db: &Db, owner: &str, limit: i64) -> DbResult<Vec<ExecutionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM workflow_execution WHERE owner = ? AND status IN ('running', 'compensating') \
         ORDER BY created_at LIMIT ?"
    );
    db.fetch_all(query(sql).bind(owner).bind(limit))
        .await?
        .iter()
        .map(execution_from_row)
        .collect()
}

/// Takes back an execution `owner` held before it restarted (renewing its lease); false if it
/// finished or another process took it over meanwhile.
pub async fn reclaim(
    db: &Db,
    id: &str,
    lease_until: OffsetDateTime,
    owner: &str,
) -> DbResult<bool> {
    Ok(db
        .execute(
            query(
                "UPDATE workflow_execution SET locked_until = ?, updated_at = ? WHERE id = ? AND owner = ? \
                 AND status IN ('running', 'compensating')",
            )
            .bind(lease_until)
            .bind(now())
            .bind(id)
            .bind(owner),
        )
        .await?
        == 1)
}

/// Extends the lease of an execution `owner` is running (a heartbeat while a step takes long).
pub async fn renew(db: &Db, id: &str, lease_until: OffsetDateTime, owner: &str) -> DbResult<()> {
    db.execute(
        query(
            "UPDATE workflow_execution SET locked_until = ? WHERE id = ? AND owner = ? \
             AND status IN ('running', 'compensating')",
        )
        .bind(lease_until)
        .bind(id)
        .bind(owner),
    )
    .await?;
    Ok(())
}

/// The unfinished execution holding `key`, with whether its lease has run out.
pub async fn unfinished_by_key(
    db: &Db,
    workflow: &str,
    key: &str,
) -> DbResult<Option<(ExecutionRow, bool)>> {
    let sql = format!(
        "SELECT {COLUMNS}, locked_until FROM workflow_execution WHERE workflow = ? AND idempotency_key = ? \
         AND status IN ('running', 'compensating')"
    );
    let Some(r) = db
        .fetch_optional(query(sql).bind(workflow).bind(key))
        .await?
    else {
        return Ok(None);
    };
    let expired = r.opt_time("locked_until")?.is_none_or(|t| t < now());
    Ok(Some((execution_from_row(&r)?, expired)))
}
