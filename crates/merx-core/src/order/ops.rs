//! What happens to an order after it is placed: fulfillments (split across locations), shipping
//! and delivery, capture and refund, cancellation, return reasons and returns. Each operation is one
//! transaction that also appends its event.

use merx_db::{query, Db, DbResult, Row};
use merx_types::id::new_id;
use merx_types::time::now;
use merx_types::DomainError;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::{Order, OrderService};
use crate::error::CoreResult;
use crate::inventory::{Change, InventoryService};
use crate::payment::operations::{operation_key, Movement};
use crate::payment::PaymentService;
use crate::platform::events::{append, NewEvent};

/// Units of one order line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LineQuantity {
    pub line_item_id: String,
    pub quantity: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fulfillment {
    pub id: String,
    pub order_id: String,
    pub location_id: String,
    pub provider_id: String,
    pub items: Vec<LineQuantity>,
    pub labels: Value,
    pub shipped_at: Option<OffsetDateTime>,
    pub delivered_at: Option<OffsetDateTime>,
    pub canceled_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Return {
    pub id: String,
    pub order_id: String,
    pub status: String,
    pub location_id: Option<String>,
    pub items: Vec<LineQuantity>,
    pub refund_amount: Option<i64>,
    pub received_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReturnReason {
    pub id: String,
    pub value: String,
    pub label: String,
    pub description: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

fn fulfillment_from_row(r: &Row) -> DbResult<Fulfillment> {
    Ok(Fulfillment {
        id: r.text("id")?,
        order_id: r.text("order_id")?,
        location_id: r.text("location_id")?,
        provider_id: r.text("provider_id")?,
        items: serde_json::from_value(r.json("items")?).unwrap_or_default(),
        labels: r.json("labels")?,
        shipped_at: r.opt_time("shipped_at")?,
        delivered_at: r.opt_time("delivered_at")?,
        canceled_at: r.opt_time("canceled_at")?,
        created_at: r.time("created_at")?,
    })
}

fn return_from_row(r: &Row) -> DbResult<Return> {
    Ok(Return {
        id: r.text("id")?,
        order_id: r.text("order_id")?,
        status: r.text("status")?,
        location_id: r.opt_text("location_id")?,
        items: serde_json::from_value(r.json("items")?).unwrap_or_default(),
        refund_amount: r.opt_int("refund_amount")?,
        received_at: r.opt_time("received_at")?,
        created_at: r.time("created_at")?,
    })
}

fn event(name: &str, order: &str, payload: Value) -> NewEvent {
    NewEvent::new(name, "order", order, payload)
}

/// Order operations for the Admin API (and returns for the Store API).
#[derive(Clone)]
pub struct OrderOps {
    db: Db,
    orders: OrderService,
    payments: PaymentService,
}

impl OrderOps {
    pub fn new(db: Db, orders: OrderService, payments: PaymentService) -> Self {
        Self {
            db,
            orders,
            payments,
        }
    }

    fn check_lines(
        order: &Order,
        lines: &[LineQuantity],
        available: impl Fn(&super::OrderItem) -> i64,
        what: &str,
    ) -> CoreResult<()> {
        if lines.is_empty() {
            return Err(DomainError::invalid("items must not be empty").into());
        }
        for l in lines {
            let item = order
                .items
                .iter()
                .find(|i| i.id == l.line_item_id)
                .ok_or_else(|| {
                    DomainError::invalid(format!(
                        "Line item {} is not in order {}",
                        l.line_item_id, order.id
                    ))
                })?;
            if l.quantity < 1 || l.quantity > available(item) {
                return Err(DomainError::invalid(format!(
                    "Cannot {what} {} of line item {}: {} can be",
                    l.quantity,
                    l.line_item_id,
                    available(item)
                ))
                .into());
            }
        }
        Ok(())
    }

    fn open(order: &Order) -> CoreResult<()> {
        if order.canceled_at.is_some() {
            return Err(DomainError::not_allowed(format!("Order {} is canceled", order.id)).into());
        }
        Ok(())
    }

    pub async fn fulfillments(&self, order_id: &str) -> CoreResult<Vec<Fulfillment>> {
        Ok(self
            .db
            .fetch_all(
                query("SELECT * FROM fulfillment WHERE order_id = ? ORDER BY created_at, id")
                    .bind(order_id),
            )
            .await?
            .iter()
            .map(fulfillment_from_row)
            .collect::<DbResult<_>>()?)
    }

    /// Fulfills lines from one location: reservations are consumed and stock leaves that location.
    pub async fn create_fulfillment(
        &self,
        order_id: &str,
        location_id: &str,
        lines: Vec<LineQuantity>,
        actor: Option<&str>,
    ) -> CoreResult<Fulfillment> {
        let order = self.orders.get(order_id).await?;
        Self::open(&order)?;
        Self::check_lines(
            &order,
            &lines,
            |i| i.quantity - i.fulfilled_quantity,
            "fulfill",
        )?;
        let id = new_id("ful");
        let at = now();
        let change = Change {
            reason: format!("fulfillment {id}"),
            actor: actor.map(str::to_string),
            reference_id: Some(id.clone()),
        };
        let mut tx = self.db.begin().await?;
        for l in &lines {
            // `check_lines` found every line; a miss here is reported, not a panic.
            let Some(item) = order.items.iter().find(|i| i.id == l.line_item_id) else {
                return Err(DomainError::invalid(format!(
                    "Line item {} is not in order {order_id}",
                    l.line_item_id
                ))
                .into());
            };
            if let (Some(variant), Some(cart_line)) = (&item.variant_id, &item.cart_line_item_id) {
                InventoryService::fulfill_in(
                    &mut tx,
                    variant,
                    cart_line,
                    location_id,
                    l.quantity,
                    &change,
                )
                .await?;
            }
            tx.execute(query("UPDATE order_line_item SET fulfilled_quantity = fulfilled_quantity + ?, updated_at = ? WHERE id = ?").bind(l.quantity).bind(at).bind(&l.line_item_id))
                .await?;
        }
        tx.execute(
            query("INSERT INTO fulfillment (id, order_id, location_id, provider_id, items, labels, created_at, updated_at) VALUES (?, ?, ?, 'manual_manual', ?, ?, ?, ?)")
                .bind(&id)
                .bind(order_id)
                .bind(location_id)
                .bind(serde_json::to_value(&lines).unwrap_or(Value::Null))
                .bind(json!([]))
                .bind(at)
                .bind(at),
        )
        .await?;
        append(
            &mut tx,
            event(
                "order.fulfillment_created",
                order_id,
                json!({"order_id": order_id, "fulfillment_id": id, "location_id": location_id}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.fulfillment(&id).await
    }

    pub async fn fulfillment(&self, id: &str) -> CoreResult<Fulfillment> {
        self.db
            .fetch_optional(query("SELECT * FROM fulfillment WHERE id = ?").bind(id))
            .await?
            .as_ref()
            .map(fulfillment_from_row)
            .transpose()?
            .ok_or_else(|| {
                DomainError::not_found(format!("Fulfillment with id: {id} was not found")).into()
            })
    }

    async fn order_fulfillment(&self, order_id: &str, id: &str) -> CoreResult<Fulfillment> {
        let f = self.fulfillment(id).await?;
        if f.order_id != order_id {
            return Err(
                DomainError::not_found(format!("Fulfillment with id: {id} was not found")).into(),
            );
        }
        if f.canceled_at.is_some() {
            return Err(DomainError::not_allowed(format!("Fulfillment {id} is canceled")).into());
        }
        Ok(f)
    }

    /// Ships a fulfillment, with tracking labels.
    pub async fn ship(
        &self,
        order_id: &str,
        id: &str,
        labels: Vec<Value>,
    ) -> CoreResult<Fulfillment> {
        let f = self.order_fulfillment(order_id, id).await?;
        if f.shipped_at.is_some() {
            return Err(
                DomainError::not_allowed(format!("Fulfillment {id} is already shipped")).into(),
            );
        }
        let at = now();
        self.advance(
            &f,
            order_id,
            at,
            query("UPDATE fulfillment SET shipped_at = ?, labels = ?, updated_at = ? WHERE id = ?")
                .bind(at)
                .bind(Value::Array(labels))
                .bind(at)
                .bind(id),
            "shipped_quantity",
            "order.shipped",
        )
        .await
    }

    pub async fn deliver(&self, order_id: &str, id: &str) -> CoreResult<Fulfillment> {
        let f = self.order_fulfillment(order_id, id).await?;
        if f.shipped_at.is_none() {
            return Err(
                DomainError::not_allowed(format!("Fulfillment {id} has not shipped yet")).into(),
            );
        }
        if f.delivered_at.is_some() {
            return Err(
                DomainError::not_allowed(format!("Fulfillment {id} is already delivered")).into(),
            );
        }
        let at = now();
        self.advance(
            &f,
            order_id,
            at,
            query("UPDATE fulfillment SET delivered_at = ?, updated_at = ? WHERE id = ?")
                .bind(at)
                .bind(at)
                .bind(id),
            "delivered_quantity",
            "order.delivered",
        )
        .await
    }

    /// Moves a fulfillment on (shipped, delivered): `stamp` updates it, its lines' `line_column`
    /// grows by their quantities, and `event_name` is appended, in one transaction.
    async fn advance(
        &self,
        f: &Fulfillment,
        order_id: &str,
        at: time::OffsetDateTime,
        stamp: merx_db::Query,
        line_column: &'static str,
        event_name: &str,
    ) -> CoreResult<Fulfillment> {
        let mut tx = self.db.begin().await?;
        tx.execute(stamp).await?;
        for l in &f.items {
            tx.execute(
                query(format!(
                    "UPDATE order_line_item SET {line_column} = {line_column} + ?, updated_at = ? WHERE id = ?"
                ))
                .bind(l.quantity)
                .bind(at)
                .bind(&l.line_item_id),
            )
            .await?;
        }
        append(
            &mut tx,
            event(
                event_name,
                order_id,
                json!({"order_id": order_id, "fulfillment_id": f.id}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.fulfillment(&f.id).await
    }

    /// Cancels an unshipped fulfillment: its units go back on the shelf, reserved for the order again.
    pub async fn cancel_fulfillment(
        &self,
        order_id: &str,
        id: &str,
        actor: Option<&str>,
    ) -> CoreResult<Fulfillment> {
        let f = self.order_fulfillment(order_id, id).await?;
        if f.shipped_at.is_some() {
            return Err(DomainError::not_allowed(format!(
                "Fulfillment {id} has shipped; create a return instead"
            ))
            .into());
        }
        let order = self.orders.get(order_id).await?;
        let change = Change {
            reason: format!("fulfillment {id} canceled"),
            actor: actor.map(str::to_string),
            reference_id: Some(id.to_string()),
        };
        let at = now();
        let mut tx = self.db.begin().await?;
        for l in &f.items {
            let item = order.items.iter().find(|i| i.id == l.line_item_id);
            if let Some((Some(variant), Some(cart_line))) =
                item.map(|i| (&i.variant_id, &i.cart_line_item_id))
            {
                InventoryService::restock_in(
                    &mut tx,
                    variant,
                    &f.location_id,
                    l.quantity,
                    Some(cart_line),
                    &change,
                )
                .await?;
            }
            tx.execute(query("UPDATE order_line_item SET fulfilled_quantity = fulfilled_quantity - ?, updated_at = ? WHERE id = ?").bind(l.quantity).bind(at).bind(&l.line_item_id)).await?;
        }
        tx.execute(
            query("UPDATE fulfillment SET canceled_at = ?, updated_at = ? WHERE id = ?")
                .bind(at)
                .bind(at)
                .bind(id),
        )
        .await?;
        append(
            &mut tx,
            event(
                "order.fulfillment_canceled",
                order_id,
                json!({"order_id": order_id, "fulfillment_id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.fulfillment(id).await
    }

    /// Captures (part of) the authorized amount; `None` captures the rest. `client_key` is the
    /// caller's `Idempotency-Key`, carried to the provider.
    pub async fn capture(
        &self,
        order_id: &str,
        amount: Option<i64>,
        client_key: Option<&str>,
    ) -> CoreResult<Order> {
        let order = self.orders.get(order_id).await?;
        Self::open(&order)?;
        self.payments
            .capture_for_order(order_id, amount, client_key)
            .await?;
        self.orders.get(order_id).await
    }

    /// Refunds (part of) what was captured.
    pub async fn refund(
        &self,
        order_id: &str,
        amount: i64,
        note: Option<&str>,
        client_key: Option<&str>,
    ) -> CoreResult<Order> {
        let payment = self.payments.of_order(order_id).await?;
        let key = operation_key(
            Movement::Refund,
            payment.as_ref().map(|p| p.id.as_str()).unwrap_or(order_id),
            client_key,
        );
        self.payments
            .refund_for_order(order_id, amount, note, &key)
            .await?;
        self.orders.get(order_id).await
    }

    /// Cancels an order with nothing fulfilled: reservations are released and an uncaptured
    /// authorization is cancelled. Captured money must be refunded first. The payment's
    /// cancellation is claimed in the database first, so a capture at the same moment loses.
    pub async fn cancel(
        &self,
        order_id: &str,
        actor: Option<&str>,
        client_key: Option<&str>,
    ) -> CoreResult<Order> {
        let order = self.orders.get(order_id).await?;
        Self::open(&order)?;
        let active = self
            .fulfillments(order_id)
            .await?
            .into_iter()
            .filter(|f| f.canceled_at.is_none())
            .count();
        if active > 0 {
            return Err(DomainError::not_allowed(
                "Cancel the order's fulfillments before canceling it",
            )
            .into());
        }
        self.payments.cancel_for_order(order_id, client_key).await?;
        let lines: Vec<String> = order
            .items
            .iter()
            .filter_map(|i| i.cart_line_item_id.clone())
            .collect();
        let at = now();
        let mut tx = self.db.begin().await?;
        let canceled = tx
            .execute(query("UPDATE orders SET status = 'canceled', canceled_at = ?, updated_at = ? WHERE id = ? AND status <> 'canceled'").bind(at).bind(at).bind(order_id))
            .await?;
        if canceled == 0 {
            // Another cancel got here first and released everything.
            drop(tx);
            return self.orders.get(order_id).await;
        }
        InventoryService::release_line_items_in(
            &mut tx,
            &lines,
            &Change::new(format!("order {order_id} canceled"), actor),
        )
        .await?;
        append(
            &mut tx,
            event("order.canceled", order_id, json!({"order_id": order_id})),
        )
        .await?;
        tx.commit().await?;
        self.orders.get(order_id).await
    }

    // ---------- returns

    pub async fn create_reason(
        &self,
        value: &str,
        label: &str,
        description: Option<String>,
    ) -> CoreResult<ReturnReason> {
        if value.trim().is_empty() || label.trim().is_empty() {
            return Err(DomainError::invalid("value and label are required").into());
        }
        let id = new_id("rr");
        let at = now();
        self.db
            .execute(
                query("INSERT INTO return_reason (id, value, label, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
                    .bind(&id)
                    .bind(value)
                    .bind(label)
                    .bind(description.clone())
                    .bind(at)
                    .bind(at),
            )
            .await
            .map_err(|e| -> crate::CoreError {
                if e.is_unique_violation() {
                    DomainError::duplicate(format!("Return reason with value: {value} already exists")).into()
                } else {
                    e.into()
                }
            })?;
        Ok(ReturnReason {
            id,
            value: value.into(),
            label: label.into(),
            description,
            created_at: at,
            updated_at: at,
        })
    }

    pub async fn reasons(&self) -> CoreResult<Vec<ReturnReason>> {
        Ok(self
            .db
            .fetch_all(query("SELECT id, value, label, description, created_at, updated_at FROM return_reason WHERE deleted_at IS NULL ORDER BY created_at, id"))
            .await?
            .iter()
            .map(|r| {
                Ok(ReturnReason {
                    id: r.text("id")?,
                    value: r.text("value")?,
                    label: r.text("label")?,
                    description: r.opt_text("description")?,
                    created_at: r.time("created_at")?,
                    updated_at: r.time("updated_at")?,
                })
            })
            .collect::<DbResult<_>>()?)
    }

    /// Requests a return of shipped units.
    pub async fn request_return(
        &self,
        order_id: &str,
        lines: Vec<LineQuantity>,
        location_id: Option<String>,
    ) -> CoreResult<Return> {
        let order = self.orders.get(order_id).await?;
        Self::open(&order)?;
        let pending: Vec<Return> = self
            .returns(order_id)
            .await?
            .into_iter()
            .filter(|r| r.status == "requested")
            .collect();
        let pending_of = |line: &str| -> i64 {
            pending
                .iter()
                .flat_map(|r| &r.items)
                .filter(|l| l.line_item_id == line)
                .map(|l| l.quantity)
                .sum()
        };
        Self::check_lines(
            &order,
            &lines,
            |i| i.shipped_quantity - i.returned_quantity - pending_of(&i.id),
            "return",
        )?;
        let reasons = self.reasons().await?;
        for l in &lines {
            if let Some(r) = &l.reason_id {
                if !reasons.iter().any(|x| &x.id == r) {
                    return Err(
                        DomainError::invalid(format!("Return reason {r} does not exist")).into(),
                    );
                }
            }
        }
        let id = new_id("ret");
        let at = now();
        let mut tx = self.db.begin().await?;
        tx.execute(
            query("INSERT INTO order_return (id, order_id, status, location_id, items, created_at, updated_at) VALUES (?, ?, 'requested', ?, ?, ?, ?)")
                .bind(&id)
                .bind(order_id)
                .bind(location_id)
                .bind(serde_json::to_value(&lines).unwrap_or(Value::Null))
                .bind(at)
                .bind(at),
        )
        .await?;
        append(
            &mut tx,
            event(
                "return.requested",
                order_id,
                json!({"order_id": order_id, "return_id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.get_return(&id).await
    }

    pub async fn get_return(&self, id: &str) -> CoreResult<Return> {
        self.db
            .fetch_optional(query("SELECT * FROM order_return WHERE id = ?").bind(id))
            .await?
            .as_ref()
            .map(return_from_row)
            .transpose()?
            .ok_or_else(|| {
                DomainError::not_found(format!("Return with id: {id} was not found")).into()
            })
    }

    pub async fn returns(&self, order_id: &str) -> CoreResult<Vec<Return>> {
        Ok(self
            .db
            .fetch_all(
                query("SELECT * FROM order_return WHERE order_id = ? ORDER BY created_at, id")
                    .bind(order_id),
            )
            .await?
            .iter()
            .map(return_from_row)
            .collect::<DbResult<_>>()?)
    }

    /// Receives a return: units go back in stock at `location_id` (or the return's), and the refund
    /// (if any, up to what was captured) is paid.
    pub async fn receive_return(
        &self,
        id: &str,
        location_id: Option<String>,
        refund: Option<i64>,
        actor: Option<&str>,
    ) -> CoreResult<Return> {
        let ret = self.get_return(id).await?;
        if ret.status != "requested" {
            return Err(DomainError::not_allowed(format!("Return {id} is {}", ret.status)).into());
        }
        let location = location_id.or(ret.location_id.clone()).ok_or_else(|| {
            DomainError::invalid("location_id is required: where do the units go back?")
        })?;
        let order = self.orders.get(&ret.order_id).await?;
        if let Some(amount) = refund {
            // Keyed by the return: receiving it again (a retry, or two at once) refunds once.
            self.payments
                .refund_for_order(
                    &order.id,
                    amount,
                    Some("return"),
                    &format!("merx-return-refund-{id}"),
                )
                .await?;
        }
        let change = Change {
            reason: format!("return {id} received"),
            actor: actor.map(str::to_string),
            reference_id: Some(id.to_string()),
        };
        let at = now();
        let mut tx = self.db.begin().await?;
        for l in &ret.items {
            let item = order.items.iter().find(|i| i.id == l.line_item_id);
            if let Some(variant) = item.and_then(|i| i.variant_id.clone()) {
                InventoryService::restock_in(
                    &mut tx, &variant, &location, l.quantity, None, &change,
                )
                .await?;
            }
            tx.execute(query("UPDATE order_line_item SET returned_quantity = returned_quantity + ?, updated_at = ? WHERE id = ?").bind(l.quantity).bind(at).bind(&l.line_item_id)).await?;
        }
        let received = tx.execute(
            query("UPDATE order_return SET status = 'received', location_id = ?, refund_amount = ?, received_at = ?, updated_at = ? WHERE id = ? AND status = 'requested'")
                .bind(&location)
                .bind(refund)
                .bind(at)
                .bind(at)
                .bind(id),
        )
        .await?;
        if received == 0 {
            // Received meanwhile by another request: its stock and refund stand, not ours.
            drop(tx);
            return Err(
                DomainError::not_allowed(format!("Return {id} is already received")).into(),
            );
        }
        append(
            &mut tx,
            event(
                "return.received",
                &order.id,
                json!({"order_id": order.id, "return_id": id, "location_id": location}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.get_return(id).await
    }
}
