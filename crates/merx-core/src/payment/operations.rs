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
//! money moved) and the operation `pending`; a repeat with the same key answers 409 until it is
//! settled by hand.

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

    async fn close_operation(tx: &mut Tx, id: &str, error: Option<&str>) -> CoreResult<()> {
        let at = now();
        match error {
            None => {
                tx.execute(
                    query("UPDATE payment_operation SET status = 'succeeded', updated_at = ? WHERE id = ?")
                        .bind(at)
                        .bind(id),
                )
                .await?;
            }
            // A failed attempt gives its key back, so that the client may try again with it.
            Some(e) => {
                tx.execute(
                    query("UPDATE payment_operation SET status = 'failed', error = ?, idempotency_key = idempotency_key || ':failed:' || id, updated_at = ? WHERE id = ?")
                        .bind(e)
                        .bind(at)
                        .bind(id),
                )
                .await?;
            }
        }
        Ok(())
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
                Some(now) if now.canceled => DomainError::not_allowed(format!(
                    "The payment of order {order_id} is canceled"
                ))
                .into(),
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

        let provider = self.provider(&p.provider_id)?;
        let result = provider.capture(&p.data, amount, &key).await;
        let at = now();
        let mut tx = self.db.begin().await?;
        match result {
            Ok(()) => {
                tx.execute(
                    query("UPDATE payment SET captured_at = COALESCE(captured_at, ?), updated_at = ? WHERE id = ?")
                        .bind(at)
                        .bind(at)
                        .bind(&p.id),
                )
                .await?;
                Self::close_operation(&mut tx, &op, None).await?;
                append(
                    &mut tx,
                    order_event(
                        "payment.captured",
                        order_id,
                        json!({"order_id": order_id, "payment_id": p.id, "amount": amount}),
                    ),
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }
            Err(e) => {
                let message = format!("{e:#}");
                tx.execute(
                    query("UPDATE payment SET captured_amount = captured_amount - ?, updated_at = ? WHERE id = ?")
                        .bind(amount)
                        .bind(at)
                        .bind(&p.id),
                )
                .await?;
                tx.execute(
                    query("UPDATE payment_collection SET captured_amount = captured_amount - ?, updated_at = ? WHERE id = ?")
                        .bind(amount)
                        .bind(at)
                        .bind(&p.collection_id),
                )
                .await?;
                Self::close_operation(&mut tx, &op, Some(&message)).await?;
                tx.commit().await?;
                Err(provider_error(e).into())
            }
        }
    }

    /// Claims a refund of `amount` of what was captured, inside `tx` (which the caller commits
    /// before asking the provider). Refused while a capture is pending: its money may never arrive.
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
        let provider = self.provider(&p.provider_id)?;
        let result = provider.refund(&p.data, amount, key).await;
        let at = now();
        let mut tx = self.db.begin().await?;
        match result {
            Ok(()) => {
                Self::close_operation(&mut tx, &op, None).await?;
                append(
                    &mut tx,
                    order_event(
                        "payment.refunded",
                        order_id,
                        json!({"order_id": order_id, "payment_id": p.id, "amount": amount, "note": note}),
                    ),
                )
                .await?;
                tx.commit().await?;
                Ok(true)
            }
            Err(e) => {
                let message = format!("{e:#}");
                tx.execute(
                    query("UPDATE payment SET refunded_amount = refunded_amount - ?, updated_at = ? WHERE id = ?")
                        .bind(amount)
                        .bind(at)
                        .bind(&p.id),
                )
                .await?;
                tx.execute(
                    query("UPDATE payment_collection SET refunded_amount = refunded_amount - ?, updated_at = ? WHERE id = ?")
                        .bind(amount)
                        .bind(at)
                        .bind(&p.collection_id),
                )
                .await?;
                Self::close_operation(&mut tx, &op, Some(&message)).await?;
                tx.commit().await?;
                Err(provider_error(e).into())
            }
        }
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
        let provider = self.provider(&p.provider_id)?;
        let result = provider.cancel(&p.data, &key).await;
        let at = now();
        let mut tx = self.db.begin().await?;
        match result {
            Ok(()) => {
                tx.execute(
                    query("UPDATE payment_session SET status = 'canceled', updated_at = ? WHERE id = (SELECT payment_session_id FROM payment WHERE id = ?)")
                        .bind(at)
                        .bind(&p.id),
                )
                .await?;
                tx.execute(
                    query("UPDATE payment_collection SET status = 'canceled', authorized_amount = 0, updated_at = ? WHERE id = ?")
                        .bind(at)
                        .bind(&p.collection_id),
                )
                .await?;
                Self::close_operation(&mut tx, &op, None).await?;
                tx.commit().await?;
                Ok(true)
            }
            Err(e) => {
                let message = format!("{e:#}");
                tx.execute(
                    query("UPDATE payment SET canceled_at = NULL, updated_at = ? WHERE id = ?")
                        .bind(at)
                        .bind(&p.id),
                )
                .await?;
                Self::close_operation(&mut tx, &op, Some(&message)).await?;
                tx.commit().await?;
                Err(provider_error(e).into())
            }
        }
    }
}

fn order_event(name: &str, order_id: &str, payload: Value) -> NewEvent {
    NewEvent::new(name, "order", order_id, payload)
}
