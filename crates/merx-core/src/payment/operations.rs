//! Money movements on an order's payment: capture, refund and cancel. Each is a state transition
//! guarded in the database, so concurrent requests cannot move more money than the payment holds:
//! 1. **claim**: one conditional update (`… WHERE captured_amount + ? <= amount`) counts the amount
//!    before the provider is asked, and a `payment_operation` row records it as `pending` under its
//!    idempotency key (unique, so a repeat of the same operation cannot run twice at once);
//! 2. **provider**: the gateway is called with that key, so a retry is de-duplicated there too;
//! 3. **settle**: the operation becomes `succeeded` and the event is appended, or, when the
//!    provider refused, the claim is undone and the operation is `failed`.
//!
//! Cancel and capture exclude each other: cancel claims by setting `canceled_at` only while nothing
//! is captured unrefunded and no operation is pending; capture claims only while `canceled_at` is
//! unset. A process that dies between claim and settle leaves the amount counted (never too much
//! money moved) and the operation `pending`; a repeat with the same key answers 409 until the
//! `payments.settle` job asks the provider again under the same key and settles it.

use merx_db::{query, Row, Tx};
use merx_types::id::new_id;
use merx_types::time::now;
use merx_types::{DomainError, ErrorKind};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::PaymentService;
use crate::error::CoreResult;
use crate::platform::events::{append, NewEvent};

/// What is being done to a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    Capture,
    Refund,
    Cancel,
}

impl Movement {
    fn name(self) -> &'static str {
        match self {
            Movement::Capture => "capture",
            Movement::Refund => "refund",
            Movement::Cancel => "cancel",
        }
    }
}

/// An order's live payment, as the guards need it.
#[derive(Debug, Clone)]
pub struct OrderPayment {
    pub id: String,
    pub collection_id: String,
    pub provider_id: String,
    pub data: Value,
    /// Authorized, minor units.
    pub amount: i64,
    pub captured: i64,
    pub refunded: i64,
    pub canceled: bool,
}

fn order_payment_from(r: &Row) -> merx_db::DbResult<OrderPayment> {
    Ok(OrderPayment {
        id: r.text("id")?,
        collection_id: r.text("payment_collection_id")?,
        provider_id: r.text("provider_id")?,
        data: r.opt_json("data")?.unwrap_or(Value::Null),
        amount: r.int("amount")?,
        captured: r.int("captured_amount")?,
        refunded: r.int("refunded_amount")?,
        canceled: r.opt_time("canceled_at")?.is_some(),
    })
}

/// A claimed operation, as settling it needs it.
struct PendingOperation {
    id: String,
    payment_id: String,
    order_id: String,
    movement: Movement,
    amount: i64,
    key: String,
    note: Option<String>,
}

/// The key the provider sees: derived from the client's `Idempotency-Key` when it sent one (so a
/// retry after a lost answer reaches the gateway under the same key), else unique to this attempt.
pub fn operation_key(movement: Movement, payment_id: &str, client_key: Option<&str>) -> String {
    match client_key {
        Some(k) => {
            let digest = Sha256::digest(k.as_bytes());
            format!(
                "merx-{}-{payment_id}-{}",
                movement.name(),
                &hex::encode(digest)[..32]
            )
        }
        None => format!("merx-{}-{}", movement.name(), new_id("payop")),
    }
}

/// No capture, refund or cancel of this payment is waiting for its provider.
const NONE_PENDING: &str = "NOT EXISTS (SELECT 1 FROM payment_operation o WHERE o.payment_id = payment.id AND o.status = 'pending')";

fn provider_error(e: anyhow::Error) -> DomainError {
    DomainError::new(ErrorKind::Unexpected, format!("payment provider: {e:#}"))
}

fn in_progress() -> DomainError {
    DomainError::conflict("Another operation on this payment is in progress; try again shortly")
}

impl PaymentService {
    /// The payment of `order_id` (canceled or not); `None` when it has none.
    pub async fn of_order(&self, order_id: &str) -> CoreResult<Option<OrderPayment>> {
        let row = self
            .db
            .fetch_optional(
                query("SELECT id, payment_collection_id, provider_id, data, amount, captured_amount, refunded_amount, canceled_at FROM payment WHERE order_id = ? ORDER BY created_at DESC")
                    .bind(order_id),
            )
            .await?;
        Ok(row.as_ref().map(order_payment_from).transpose()?)
    }

    async fn order_payment(&self, order_id: &str) -> CoreResult<OrderPayment> {
        match self.of_order(order_id).await? {
            Some(p) if !p.canceled => Ok(p),
            _ => Err(DomainError::not_allowed(format!(
                "Order {order_id} has no authorized payment"
            ))
            .into()),
        }
    }

    /// What an earlier operation under `key` came to: `Some(())` when it succeeded (nothing to do
    /// again), a conflict while it is pending, `None` when there is none.
    async fn earlier(&self, key: &str) -> CoreResult<Option<()>> {
        let row = self
            .db
            .fetch_optional(
                query("SELECT status FROM payment_operation WHERE idempotency_key = ?").bind(key),
            )
            .await?;
        match row.map(|r| r.text("status")).transpose()?.as_deref() {
            Some("succeeded") => Ok(Some(())),
            Some(_) => Err(in_progress().into()),
            None => Ok(None),
        }
    }

    /// Records a claimed operation as pending inside the claim's transaction; false when its key is
    /// already taken (a repeat running at the same moment).
    async fn open_operation(
        tx: &mut Tx,
        id: &str,
        payment_id: &str,
        movement: Movement,
        amount: i64,
        key: &str,
    ) -> CoreResult<bool> {
        let at = now();
        let inserted = tx
            .execute(
                query("INSERT INTO payment_operation (id, payment_id, kind, amount, status, idempotency_key, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)")
                    .bind(id)
                    .bind(payment_id)
                    .bind(movement.name())
                    .bind(amount)
                    .bind(key)
                    .bind(at)
                    .bind(at),
            )
            .await;
        match inserted {
            Ok(_) => Ok(true),
            Err(e) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Marks a pending operation done (or failed, giving its key back); false when it was not
    /// pending any more (settled meanwhile by someone else), in which case nothing else may be
    /// written for it.
    async fn close_operation(tx: &mut Tx, id: &str, error: Option<&str>) -> CoreResult<bool> {
        let at = now();
        let closed = match error {
            None => {
                tx.execute(
                    query("UPDATE payment_operation SET status = 'succeeded', updated_at = ? WHERE id = ? AND status = 'pending'")
                        .bind(at)
                        .bind(id),
                )
                .await?
            }
            // A failed attempt gives its key back, so that the client may try again with it.
            Some(e) => {
                tx.execute(
                    query("UPDATE payment_operation SET status = 'failed', error = ?, idempotency_key = idempotency_key || ':failed:' || id, updated_at = ? WHERE id = ? AND status = 'pending'")
                        .bind(e)
                        .bind(at)
                        .bind(id),
                )
                .await?
            }
        };
        Ok(closed == 1)
    }

    /// Settles a claimed operation with what its provider answered: on success the operation is
    /// done and its event appended; on failure the claim is undone. Returns the provider's error.
    async fn finish(&self, op: &PendingOperation, result: anyhow::Result<()>) -> CoreResult<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let error = result.as_ref().err().map(|e| format!("{e:#}"));
        if !Self::close_operation(&mut tx, &op.id, error.as_deref()).await? {
            return Ok(());
        }
        match (&result, op.movement) {
            (Ok(()), Movement::Capture) => {
                tx.execute(
                    query("UPDATE payment SET captured_at = COALESCE(captured_at, ?), updated_at = ? WHERE id = ?")
                        .bind(at)
                        .bind(at)
                        .bind(&op.payment_id),
                )
                .await?;
                append(&mut tx, order_event("payment.captured", &op.order_id,
                    json!({"order_id": op.order_id, "payment_id": op.payment_id, "amount": op.amount}))).await?;
            }
            (Ok(()), Movement::Refund) => {
                append(&mut tx, order_event("payment.refunded", &op.order_id,
                    json!({"order_id": op.order_id, "payment_id": op.payment_id, "amount": op.amount, "note": op.note}))).await?;
            }
            (Ok(()), Movement::Cancel) => {
                tx.execute(
                    query("UPDATE payment_session SET status = 'canceled', updated_at = ? WHERE id = (SELECT payment_session_id FROM payment WHERE id = ?)")
                        .bind(at)
                        .bind(&op.payment_id),
                )
                .await?;
                tx.execute(
                    query("UPDATE payment_collection SET status = 'canceled', authorized_amount = 0, updated_at = ? WHERE id = (SELECT payment_collection_id FROM payment WHERE id = ?)")
                        .bind(at)
                        .bind(&op.payment_id),
                )
                .await?;
            }
            (Err(_), Movement::Capture | Movement::Refund) => {
                let column = if op.movement == Movement::Capture {
                    "captured_amount"
                } else {
                    "refunded_amount"
                };
                tx.execute(
                    query(format!(
                        "UPDATE payment SET {column} = {column} - ?, updated_at = ? WHERE id = ?"
                    ))
                    .bind(op.amount)
                    .bind(at)
                    .bind(&op.payment_id),
                )
                .await?;
                tx.execute(
                    query(format!("UPDATE payment_collection SET {column} = {column} - ?, updated_at = ? WHERE id = (SELECT payment_collection_id FROM payment WHERE id = ?)"))
                        .bind(op.amount)
                        .bind(at)
                        .bind(&op.payment_id),
                )
                .await?;
            }
            (Err(_), Movement::Cancel) => {
                tx.execute(
                    query("UPDATE payment SET canceled_at = NULL, updated_at = ? WHERE id = ?")
                        .bind(at)
                        .bind(&op.payment_id),
                )
                .await?;
            }
        }
        tx.commit().await?;
        result.map_err(|e| provider_error(e).into())
    }

    /// Asks the provider to do a claimed operation and settles it with the answer.
    async fn perform(&self, op: &PendingOperation) -> CoreResult<()> {
        let row = self
            .db
            .fetch_one(
                query("SELECT provider_id, data FROM payment WHERE id = ?").bind(&op.payment_id),
            )
            .await?;
        let provider = self.provider(&row.text("provider_id")?)?;
        let data = row.opt_json("data")?.unwrap_or(Value::Null);
        let result = match op.movement {
            Movement::Capture => provider.capture(&data, op.amount, &op.key).await,
            Movement::Refund => provider.refund(&data, op.amount, &op.key).await,
            Movement::Cancel => provider.cancel(&data, &op.key).await,
        };
        self.finish(op, result).await
    }

    /// Settles operations left pending for longer than `older_than` by a process that died
    /// between claiming and settling them: the provider is asked again under the same idempotency
    /// key (so an operation it already did is not done twice) and its answer settles them.
    /// Returns how many were settled.
    pub async fn settle_stale_operations(
        &self,
        older_than: std::time::Duration,
    ) -> CoreResult<usize> {
        let rows = self
            .db
            .fetch_all(
                query("SELECT o.id, o.payment_id, o.kind, o.amount, o.idempotency_key, p.order_id FROM payment_operation o JOIN payment p ON p.id = o.payment_id WHERE o.status = 'pending' AND o.updated_at < ? ORDER BY o.created_at LIMIT 100")
                    .bind(now() - older_than),
            )
            .await?;
        let mut settled = 0;
        for r in rows {
            let movement = match r.text("kind")?.as_str() {
                "capture" => Movement::Capture,
                "refund" => Movement::Refund,
                _ => Movement::Cancel,
            };
            let op = PendingOperation {
                id: r.text("id")?,
                payment_id: r.text("payment_id")?,
                order_id: r.opt_text("order_id")?.unwrap_or_default(),
                movement,
                amount: r.int("amount")?,
                key: r.text("idempotency_key")?,
                note: None,
            };
            match self.perform(&op).await {
                Ok(()) => settled += 1,
                Err(crate::CoreError::Domain(e)) => {
                    settled += 1;
                    tracing::warn!(operation = %op.id, error = %e.message, "a stale payment operation failed at its provider; undone");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(settled)
    }

    /// Captures `amount` (all that is left when `None`) of the order's authorization.
    pub async fn capture_for_order(
        &self,
        order_id: &str,
        amount: Option<i64>,
        client_key: Option<&str>,
    ) -> CoreResult<()> {
        let p = self.order_payment(order_id).await?;
        let left = p.amount - p.captured;
        let amount = amount.unwrap_or(left);
        let refuse = |left: i64| -> crate::CoreError {
            DomainError::invalid(format!("Can capture between 1 and {left} minor units")).into()
        };
        if amount < 1 || amount > left {
            return Err(refuse(left));
        }
        let key = operation_key(Movement::Capture, &p.id, client_key);
        if self.earlier(&key).await?.is_some() {
            return Ok(());
        }
        let op = new_id("payop");
        let mut tx = self.db.begin().await?;
        let claimed = tx
            .execute(
                query("UPDATE payment SET captured_amount = captured_amount + ?, updated_at = ? WHERE id = ? AND canceled_at IS NULL AND captured_amount + ? <= amount")
                    .bind(amount)
                    .bind(now())
                    .bind(&p.id)
                    .bind(amount),
            )
            .await?;
        if claimed == 0 {
            drop(tx);
            return Err(match self.of_order(order_id).await? {
                Some(now) if now.canceled => {
                    DomainError::not_allowed(format!("The payment of order {order_id} is canceled"))
                        .into()
                }
                Some(now) => refuse(now.amount - now.captured),
                None => refuse(0),
            });
        }
        tx.execute(
            query("UPDATE payment_collection SET captured_amount = captured_amount + ?, updated_at = ? WHERE id = ?")
                .bind(amount)
                .bind(now())
                .bind(&p.collection_id),
        )
        .await?;
        if !Self::open_operation(&mut tx, &op, &p.id, Movement::Capture, amount, &key).await? {
            return Err(in_progress().into());
        }
        tx.commit().await?;
        self.perform(&PendingOperation {
            id: op,
            payment_id: p.id,
            order_id: order_id.to_string(),
            movement: Movement::Capture,
            amount,
            key,
            note: None,
        })
        .await
    }

    /// Claims a refund of `amount` of what was captured (committed before the provider is asked). Refused while a capture is pending: its money may never arrive.
    async fn claim_refund(
        &self,
        order_id: &str,
        p: &OrderPayment,
        amount: i64,
        key: &str,
        op: &str,
    ) -> CoreResult<()> {
        let refuse = |left: i64| -> crate::CoreError {
            DomainError::invalid(format!("Can refund between 1 and {left} minor units")).into()
        };
        if amount < 1 || amount > p.captured - p.refunded {
            return Err(refuse(p.captured - p.refunded));
        }
        let mut tx = self.db.begin().await?;
        let claimed = tx
            .execute(
                query(format!("UPDATE payment SET refunded_amount = refunded_amount + ?, updated_at = ? WHERE id = ? AND refunded_amount + ? <= captured_amount AND {NONE_PENDING}"))
                    .bind(amount)
                    .bind(now())
                    .bind(&p.id)
                    .bind(amount),
            )
            .await?;
        if claimed == 0 {
            drop(tx);
            let now = self.of_order(order_id).await?;
            return Err(match now {
                Some(n) if amount <= n.captured - n.refunded => in_progress().into(),
                Some(n) => refuse(n.captured - n.refunded),
                None => refuse(0),
            });
        }
        tx.execute(
            query("UPDATE payment_collection SET refunded_amount = refunded_amount + ?, updated_at = ? WHERE id = ?")
                .bind(amount)
                .bind(now())
                .bind(&p.collection_id),
        )
        .await?;
        if !Self::open_operation(&mut tx, op, &p.id, Movement::Refund, amount, key).await? {
            return Err(in_progress().into());
        }
        tx.commit().await?;
        Ok(())
    }

    /// Refunds `amount` of what the order's payment captured. `key` names the refund for the
    /// provider and for repeats: a refund already made under it is not made again (`Ok(false)`).
    pub async fn refund_for_order(
        &self,
        order_id: &str,
        amount: i64,
        note: Option<&str>,
        key: &str,
    ) -> CoreResult<bool> {
        if self.earlier(key).await?.is_some() {
            return Ok(false);
        }
        let p = self.order_payment(order_id).await?;
        let op = new_id("payop");
        self.claim_refund(order_id, &p, amount, key, &op).await?;
        self.perform(&PendingOperation {
            id: op,
            payment_id: p.id,
            order_id: order_id.to_string(),
            movement: Movement::Refund,
            amount,
            key: key.to_string(),
            note: note.map(str::to_string),
        })
        .await?;
        Ok(true)
    }

    /// Cancels the order's authorization at its provider, if it has one and nothing captured is
    /// unrefunded; `Ok(false)` when it has no live payment. Excludes a concurrent capture.
    pub async fn cancel_for_order(
        &self,
        order_id: &str,
        client_key: Option<&str>,
    ) -> CoreResult<bool> {
        let Some(p) = self.of_order(order_id).await?.filter(|p| !p.canceled) else {
            return Ok(false);
        };
        let key = operation_key(Movement::Cancel, &p.id, client_key);
        let op = new_id("payop");
        let mut tx = self.db.begin().await?;
        let claimed = tx
            .execute(
                query(format!("UPDATE payment SET canceled_at = ?, updated_at = ? WHERE id = ? AND canceled_at IS NULL AND captured_amount <= refunded_amount AND {NONE_PENDING}"))
                    .bind(now())
                    .bind(now())
                    .bind(&p.id),
            )
            .await?;
        if claimed == 0 {
            drop(tx);
            return Err(match self.of_order(order_id).await? {
                Some(n) if n.captured > n.refunded => DomainError::not_allowed(
                    "Refund the captured payment before canceling the order",
                )
                .into(),
                Some(n) if n.canceled => {
                    DomainError::not_allowed(format!("Order {order_id} is canceled")).into()
                }
                _ => in_progress().into(),
            });
        }
        if !Self::open_operation(&mut tx, &op, &p.id, Movement::Cancel, 0, &key).await? {
            return Err(in_progress().into());
        }
        tx.commit().await?;
        self.perform(&PendingOperation {
            id: op,
            payment_id: p.id,
            order_id: order_id.to_string(),
            movement: Movement::Cancel,
            amount: 0,
            key,
            note: None,
        })
        .await?;
        Ok(true)
    }
}

fn order_event(name: &str, order_id: &str, payload: Value) -> NewEvent {
    NewEvent::new(name, "order", order_id, payload)
}
