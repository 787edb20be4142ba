//! Completing a cart, as a journalled workflow: reserve inventory → authorize payment → create the
//! order. A failure compensates what was done (reservations released, authorization cancelled);
//! a crash is resumed on restart (so an authorized payment always ends in an order, or is
//! cancelled). The workflow is keyed by cart id, so a cart yields at most one order whatever the
//! number of concurrent or repeated calls; a failed attempt frees the key for a retry.

use std::sync::Arc;
use std::time::Duration;

use merx_types::{DomainError, ErrorKind};
use serde_json::{json, Value};

use crate::cart::{CartService, CartView};
use crate::error::{CoreError, CoreResult};
use crate::inventory::{Change, InventoryService, VariantReservation};
use crate::order::{self, Order};
use crate::payment::{Collection, PaymentService};
use crate::platform::workflow::{Recovery, Step, StepContext, StepError, Workflow};
use crate::platform::BoxFuture;
use crate::Core;

pub const WORKFLOW: &str = "complete_cart";

/// What the steps need.
#[derive(Clone)]
pub struct Deps {
    pub db: merx_db::Db,
    pub carts: CartService,
    pub payments: PaymentService,
}

fn cart_id(ctx: &StepContext<'_>) -> Result<String, StepError> {
    ctx.input["cart_id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| StepError::Other(anyhow::anyhow!("no cart_id in the workflow input")))
}

struct Reserve(Arc<Deps>);
impl Step for Reserve {
    fn name(&self) -> &str {
        "reserve_inventory"
    }
    /// Reservations and the journal entry commit together, so the execution row can join them.
    fn opens_execution(&self) -> bool {
        true
    }
    fn invoke<'a>(&'a self, ctx: &'a StepContext<'a>) -> BoxFuture<'a, Result<Value, StepError>> {
        Box::pin(async move {
            let id = cart_id(ctx)?;
            // create_order completes the cart only if it is still this one.
            let view = checked_view(ctx, &self.0.carts, &id).await?;
            let mut tx = self
                .0
                .db
                .begin()
                .await
                .map_err(|e| StepError::Other(e.into()))?;
            let lines: Vec<String> = view.items.iter().map(|(i, _)| i.id.clone()).collect();
            // A resumed step may find its reservations made: release and redo them, all in this tx.
            InventoryService::release_line_items_in(
                &mut tx,
                &lines,
                &Change::new("checkout retried", None),
            )
            .await?;
            for (item, _) in &view.items {
                let req = VariantReservation {
                    variant_id: item.variant_id.clone(),
                    quantity: item.quantity,
                    sales_channel_id: view.cart.sales_channel_id.clone(),
                    line_item_id: Some(item.id.clone()),
                    expires_at: None,
                };
                InventoryService::reserve_variant_in(&mut tx, &req, None)
                    .await
                    .map_err(|e| match e {
                        // A line whose variant was deleted since it was added.
                        CoreError::Domain(d) if d.kind == ErrorKind::NotFound => {
                            StepError::Domain(DomainError::invalid(format!(
                                "Variant {} is no longer available; remove it from the cart",
                                item.variant_id
                            )))
                        }
                        other => other.into(),
                    })?;
            }
            let output = json!({"lines": lines, "total": view.totals.total});
            ctx.journal_in(&mut tx, &output)
                .await
                .map_err(|e| StepError::Other(e.into()))?;
            tx.commit().await.map_err(|e| StepError::Other(e.into()))?;
            Ok(output)
        })
    }
    fn compensate<'a>(
        &'a self,
        _: &'a StepContext<'a>,
        output: &'a Value,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let lines: Vec<String> =
                serde_json::from_value(output["lines"].clone()).unwrap_or_default();
            let mut tx = self.0.db.begin().await?;
            InventoryService::release_line_items_in(
                &mut tx,
                &lines,
                &Change::new("checkout failed", None),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            tx.commit().await?;
            Ok(())
        })
    }
}

struct Authorize(Arc<Deps>);
impl Step for Authorize {
    fn name(&self) -> &str {
        "authorize_payment"
    }
    /// Authorizing again finds the payment made before, so the journal entry can wait for
    /// create_order's transaction.
    fn defer_journal(&self) -> bool {
        true
    }
    fn invoke<'a>(&'a self, ctx: &'a StepContext<'a>) -> BoxFuture<'a, Result<Value, StepError>> {
        Box::pin(async move {
            let id = cart_id(ctx)?;
            let total = ctx.outputs[0]["total"].as_i64().unwrap_or(0);
            let warm = ctx.warm::<InHand>();
            let known = warm.and_then(|w| w.collection.clone());
            let (payment_id, written) = self
                .0
                .payments
                .authorize(known, &id, total, &ctx.idempotency_key())
                .await?;
            if let Some(w) = warm {
                w.hold(|h| h.collection = written);
            }
            Ok(json!({"payment_id": payment_id}))
        })
    }
    fn compensate<'a>(
        &'a self,
        _: &'a StepContext<'a>,
        output: &'a Value,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            if let Some(p) = output["payment_id"].as_str() {
                self.0
                    .payments
                    .cancel(p)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            Ok(())
        })
    }
}

struct CreateOrder(Arc<Deps>);
impl Step for CreateOrder {
    fn name(&self) -> &str {
        "create_order"
    }
    fn invoke<'a>(&'a self, ctx: &'a StepContext<'a>) -> BoxFuture<'a, Result<Value, StepError>> {
        Box::pin(async move {
            let id = cart_id(ctx)?;
            // Completing it below fails if the cart changed since it was read.
            let view = checked_view(ctx, &self.0.carts, &id).await?;
            let reserved: Vec<String> =
                serde_json::from_value(ctx.outputs[0]["lines"].clone()).unwrap_or_default();
            let lines: Vec<String> = view.items.iter().map(|(i, _)| i.id.clone()).collect();
            if lines != reserved
                || view.totals.total != ctx.outputs[0]["total"].as_i64().unwrap_or(-1)
            {
                return Err(changed().into());
            }
            let payment_id = ctx.outputs[1]["payment_id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let mut tx = self
                .0
                .db
                .begin()
                .await
                .map_err(|e| StepError::Other(e.into()))?;
            if !CartService::complete_unchanged(&mut tx, &view.cart).await? {
                return Err(changed().into());
            }
            let placed = order::create_from_cart(&mut tx, &view).await?;
            let order_id = placed.id.clone();
            let paid_at = PaymentService::attach_to_order(&mut tx, &payment_id, &order_id).await?;
            let output = json!({"order_id": order_id});
            ctx.journal_in(&mut tx, &output)
                .await
                .map_err(|e| StepError::Other(e.into()))?;
            tx.commit().await.map_err(|e| StepError::Other(e.into()))?;
            if let Some(w) = ctx.warm::<InHand>() {
                w.hold(|h| {
                    h.order = Some(placed);
                    if let Some(c) = &mut h.collection {
                        c.completed_at = Some(paid_at);
                    }
                });
            }
            Ok(output)
        })
    }
    fn compensate<'a>(
        &'a self,
        _: &'a StepContext<'a>,
        _: &'a Value,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        // Nothing follows order creation, so it is never compensated.
        Box::pin(async { Ok(()) })
    }
}

/// The cart `complete` checked when the run has it in hand, else (on recovery) read now.
async fn checked_view(
    ctx: &StepContext<'_>,
    carts: &CartService,
    cart_id: &str,
) -> CoreResult<CartView> {
    match ctx.warm::<InHand>() {
        Some(w) => Ok(w.view.clone()),
        None => carts.view(cart_id).await,
    }
}

fn changed() -> DomainError {
    DomainError::conflict("The cart changed while it was being completed; please try again")
}

/// What `complete` hands the steps of its run: the cart and payment collection it checked, and a
/// place for what the steps write, so that none of it is read back. Recovery runs without it.
struct InHand {
    view: CartView,
    collection: Option<Collection>,
    written: std::sync::Mutex<Written>,
}

/// The order and its payment collection as this run wrote them.
#[derive(Default)]
struct Written {
    order: Option<Order>,
    collection: Option<Collection>,
}

impl InHand {
    fn hold(&self, f: impl FnOnce(&mut Written)) {
        if let Ok(mut w) = self.written.lock() {
            f(&mut w);
        }
    }
}

/// The workflow; an interrupted run is resumed (an authorized payment must end in an order).
pub fn workflow(deps: Arc<Deps>) -> Workflow {
    Workflow::new(WORKFLOW, Recovery::Resume)
        .step(Reserve(deps.clone()))
        .step(Authorize(deps.clone()))
        .step(CreateOrder(deps))
}

/// What completing a cart came to.
#[derive(Debug)]
pub enum Completion {
    Order {
        order: Box<Order>,
        /// Its payment collection as this call wrote it; `None` when it must be read.
        payment: Option<Box<Collection>>,
    },
    /// Payment failed or needs more: the cart stays open (Medusa's 200 `{type:"cart", error}`).
    PaymentFailed {
        cart: Box<CartView>,
        message: String,
    },
}

impl Completion {
    /// An order placed earlier, its payment collection to be read.
    fn read(order: Order) -> Self {
        Completion::Order {
            order: Box::new(order),
            payment: None,
        }
    }
}

fn check_ready(view: &CartView, has_session: bool) -> Result<(), DomainError> {
    if view.items.is_empty() {
        return Err(DomainError::invalid("Cannot complete a cart with no items"));
    }
    if view.cart.email.is_none() {
        return Err(DomainError::invalid(
            "Cannot complete a cart without an email",
        ));
    }
    if view.items.iter().any(|(i, _)| i.requires_shipping) && view.shipping_methods.is_empty() {
        return Err(DomainError::invalid(
            "No shipping method selected but the cart contains items that require shipping",
        ));
    }
    if !has_session {
        return Err(DomainError::invalid(
            "Payment sessions are required to complete cart",
        ));
    }
    Ok(())
}

/// Replaces the cart's shipping method with one of `option_id`. The option is validated against
/// the cart as read (after `allow` accepted the caller for it); when another request changed the
/// cart before the write, it is read and validated again, a few times, then `409 conflict`.
pub async fn set_shipping_method<E: From<CoreError>>(
    core: &Core,
    cart_id: &str,
    option_id: &str,
    data: Option<Value>,
    allow: impl Fn(&CartView) -> Result<(), E>,
) -> Result<CartView, E> {
    for _ in 0..5 {
        let view = core.carts.view(cart_id).await?;
        allow(&view)?;
        let (option, price) = core.shipping.validate_for_cart(option_id, &view).await?;
        let set = core
            .carts
            .set_shipping_method(view, &option.id, &option.name, price, data.clone())
            .await?;
        if let Some(view) = set {
            return Ok(view);
        }
    }
    Err(CoreError::from(DomainError::conflict(format!(
        "Cart {cart_id} is being changed by other requests; please try again"
    )))
    .into())
}

/// How long a second `complete` waits for one in flight before answering 409.
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(5);

/// Completes a cart: the order, the existing order of a completed cart, or the cart with the
/// payment error.
pub async fn complete(core: &Core, cart_id: &str) -> CoreResult<Completion> {
    let view = core.carts.view(cart_id).await?;
    // The order and the cart's completion are written in one transaction.
    if view.cart.completed_at.is_some() {
        if let Some(o) = core.orders.by_cart(cart_id).await? {
            return Ok(Completion::read(o));
        }
    }
    let collection = core.payments.collection_of_cart(cart_id).await?;
    check_ready(
        &view,
        collection.as_ref().is_some_and(|c| !c.sessions.is_empty()),
    )?;
    let in_hand = InHand {
        view,
        collection,
        written: std::sync::Mutex::new(Written::default()),
    };
    match core
        .workflows
        .run_warm(
            WORKFLOW,
            Some(cart_id),
            json!({"cart_id": cart_id}),
            Some(&in_hand),
        )
        .await
    {
        Ok(done) => {
            let written = in_hand
                .written
                .into_inner()
                .unwrap_or_else(|p| p.into_inner());
            if let Some(order) = written.order {
                return Ok(Completion::Order {
                    order: Box::new(order),
                    payment: written.collection.map(Box::new),
                });
            }
            let order_id = done
                .outputs
                .get(2)
                .and_then(|o| o["order_id"].as_str())
                .unwrap_or_default()
                .to_string();
            Ok(Completion::read(core.orders.get(&order_id).await?))
        }
        Err(CoreError::Domain(d)) if d.kind == ErrorKind::PaymentAuthorization => {
            Ok(Completion::PaymentFailed {
                cart: Box::new(core.carts.view(cart_id).await?),
                message: d.message,
            })
        }
        Err(CoreError::Domain(d))
            if d.kind == ErrorKind::Conflict && d.message.contains("in progress") =>
        {
            // Another request is completing this cart: wait for its order while its process is
            // alive (it renews its lease); if that process died, finish its run here and now.
            let deadline = tokio::time::Instant::now() + IN_FLIGHT_WAIT;
            let mut polls = 0u32;
            while tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
                if let Some(o) = core.orders.by_cart(cart_id).await? {
                    return Ok(Completion::read(o));
                }
                polls += 1;
                if polls.is_multiple_of(10)
                    && core.workflows.take_over_orphan(WORKFLOW, cart_id).await?
                {
                    if let Some(o) = core.orders.by_cart(cart_id).await? {
                        return Ok(Completion::read(o));
                    }
                    // The orphan was compensated: the cart is open and can be completed anew.
                    return Err(DomainError::conflict(
                        "An interrupted completion of this cart was undone; please complete it again",
                    )
                    .into());
                }
            }
            Err(d.into())
        }
        Err(e) => Err(e),
    }
}
