//! What happens to an order after it is placed: fulfillments (split across locations), shipping
//! and delivery, capture and refund, cancellation, return reasons and returns. Each operation is one
//! transaction that also appends its event.

use merx_db::{query, Db, DbResult, Row, Tx};
use merx_types::id::new_id;
use merx_types::time::now;
use merx_types::DomainError;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::{Order, OrderService};
use crate::error::CoreResult;
use crate::inventory::{Change, InventoryService};
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

    async fn payment_of(&self, order_id: &str) -> CoreResult<(String, i64, i64, i64, String)> {
        let r = self
            .db
            .fetch_optional(query("SELECT id, amount, captured_amount, refunded_amount, payment_collection_id FROM payment WHERE order_id = ? AND canceled_at IS NULL").bind(order_id))
            .await?
            .ok_or_else(|| DomainError::not_allowed(format!("Order {order_id} has no authorized payment")))?;
        Ok((
            r.text("id")?,
            r.int("amount")?,
            r.int("captured_amount")?,
            r.int("refunded_amount")?,
            r.text("payment_collection_id")?,
        ))
    }

    /// Asks the payment's provider to capture or refund before Merx records it.
    async fn provider_call(&self, payment_id: &str, amount: i64, refund: bool) -> CoreResult<()> {
        let r = self
            .db
            .fetch_one(query("SELECT provider_id, data FROM payment WHERE id = ?").bind(payment_id))
            .await?;
        let provider = self.payments.provider_by_id(&r.text("provider_id")?)?;
        let data = r.json("data")?;
        let result = if refund {
            provider.refund(&data, amount).await
        } else {
            provider.capture(&data, amount).await
        };
        result.map_err(|e| {
            DomainError::new(
                merx_types::ErrorKind::Unexpected,
                format!("payment provider: {e:#}"),
            )
            .into()
        })
    }

    /// Captures (part of) the authorized amount; `None` captures the rest.
    pub async fn capture(&self, order_id: &str, amount: Option<i64>) -> CoreResult<Order> {
        let order = self.orders.get(order_id).await?;
        Self::open(&order)?;
        let (payment, authorized, captured, _, collection) = self.payment_of(order_id).await?;
        let amount = amount.unwrap_or(authorized - captured);
        if amount < 1 || amount > authorized - captured {
            return Err(DomainError::invalid(format!(
                "Can capture between 1 and {} minor units",
                authorized - captured
            ))
            .into());
        }
        self.provider_call(&payment, amount, false).await?;
        let mut tx = self.db.begin().await?;
        tx.execute(query("UPDATE payment SET captured_amount = captured_amount + ?, captured_at = ?, updated_at = ? WHERE id = ?").bind(amount).bind(now()).bind(now()).bind(&payment)).await?;
        tx.execute(query("UPDATE payment_collection SET captured_amount = captured_amount + ?, updated_at = ? WHERE id = ?").bind(amount).bind(now()).bind(&collection)).await?;
        append(
            &mut tx,
            event(
                "payment.captured",
                order_id,
                json!({"order_id": order_id, "payment_id": payment, "amount": amount}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.orders.get(order_id).await
    }

    /// Refunds (part of) what was captured.
    pub async fn refund(
        &self,
        order_id: &str,
        amount: i64,
        note: Option<&str>,
    ) -> CoreResult<Order> {
        let (payment, _, captured, refunded, collection) = self.payment_of(order_id).await?;
        if amount < 1 || amount > captured - refunded {
            return Err(DomainError::invalid(format!(
                "Can refund between 1 and {} minor units",
                captured - refunded
            ))
            .into());
        }
        self.provider_call(&payment, amount, true).await?;
        let mut tx = self.db.begin().await?;
        Self::refund_in(&mut tx, order_id, &payment, &collection, amount, note).await?;
        tx.commit().await?;
        self.orders.get(order_id).await
    }

    async fn refund_in(
        tx: &mut Tx,
        order_id: &str,
        payment: &str,
        collection: &str,
        amount: i64,
        note: Option<&str>,
    ) -> CoreResult<()> {
        tx.execute(query("UPDATE payment SET refunded_amount = refunded_amount + ?, updated_at = ? WHERE id = ?").bind(amount).bind(now()).bind(payment)).await?;
        tx.execute(query("UPDATE payment_collection SET refunded_amount = refunded_amount + ?, updated_at = ? WHERE id = ?").bind(amount).bind(now()).bind(collection)).await?;
        append(tx, event("payment.refunded", order_id, json!({"order_id": order_id, "payment_id": payment, "amount": amount, "note": note}))).await?;
        Ok(())
    }

    /// Cancels an order with nothing fulfilled: reservations are released and an uncaptured
    /// authorization is cancelled. Captured money must be refunded first.
    pub async fn cancel(&self, order_id: &str, actor: Option<&str>) -> CoreResult<Order> {
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
        let payment = self.payment_of(order_id).await.ok();
        if let Some((_, _, captured, refunded, _)) = &payment {
            if captured > refunded {
                return Err(DomainError::not_allowed(
                    "Refund the captured payment before canceling the order",
                )
                .into());
            }
        }
        if let Some((p, ..)) = &payment {
            self.payments.cancel(p).await?;
        }
        let lines: Vec<String> = order
            .items
            .iter()
            .filter_map(|i| i.cart_line_item_id.clone())
            .collect();
        let at = now();
        let mut tx = self.db.begin().await?;
        InventoryService::release_line_items_in(
            &mut tx,
            &lines,
            &Change::new(format!("order {order_id} canceled"), actor),
        )
        .await?;
        tx.execute(query("UPDATE orders SET status = 'canceled', canceled_at = ?, updated_at = ? WHERE id = ?").bind(at).bind(at).bind(order_id)).await?;
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
        let payment = match refund {
            Some(amount) => {
                let (p, _, captured, refunded, c) = self.payment_of(&order.id).await?;
                if amount < 1 || amount > captured - refunded {
                    return Err(DomainError::invalid(format!(
                        "Can refund between 1 and {} minor units",
                        captured - refunded
                    ))
                    .into());
                }
                Some((p, c, amount))
            }
            None => None,
        };
        if let Some((p, _, amount)) = &payment {
            self.provider_call(p, *amount, true).await?;
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
        if let Some((p, c, amount)) = &payment {
            Self::refund_in(&mut tx, &order.id, p, c, *amount, Some("return")).await?;
        }
        tx.execute(
            query("UPDATE order_return SET status = 'received', location_id = ?, refund_amount = ?, received_at = ?, updated_at = ? WHERE id = ? AND status = 'requested'")
                .bind(&location)
                .bind(payment.as_ref().map(|p| p.2))
                .bind(at)
                .bind(at)
                .bind(id),
        )
        .await?;
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
