//! Orders: created once per cart from its snapshot (lines, prices, tax lines, totals, addresses),
//! then read by the customer and the store.

mod ops;
mod status;

pub use ops::{Fulfillment, LineQuantity, OrderOps, Return, ReturnReason};
pub use status::{FulfillmentStatus, PaymentStatus};

use merx_db::{query, Db, DbResult, Prefixed, Row, Tx};
use merx_types::id::new_id;
use merx_types::time::now;
use merx_types::{DomainError, Page, PageRequest, Sort, TimeBounds};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::cart::totals::{LineTotals, Totals};
use crate::cart::{address_from_json, address_to_json, CartAddress, CartView, Snapshot};
use crate::error::CoreResult;
use crate::platform::events::{append, NewEvent};

#[derive(Debug, Clone, PartialEq)]
pub struct OrderItem {
    pub id: String,
    pub cart_line_item_id: Option<String>,
    pub variant_id: Option<String>,
    pub product_id: Option<String>,
    pub title: String,
    pub subtitle: Option<String>,
    pub thumbnail: Option<String>,
    pub quantity: i64,
    pub unit_price: i64,
    pub is_tax_inclusive: bool,
    pub requires_shipping: bool,
    pub snapshot: Snapshot,
    pub totals: LineTotals,
    pub fulfilled_quantity: i64,
    pub shipped_quantity: i64,
    pub delivered_quantity: i64,
    pub returned_quantity: i64,
    pub metadata: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderShippingMethod {
    pub id: String,
    pub shipping_option_id: Option<String>,
    pub name: String,
    pub amount: i64,
    pub is_tax_inclusive: bool,
    pub totals: LineTotals,
    pub data: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: String,
    pub display_id: i64,
    pub cart_id: Option<String>,
    pub status: String,
    pub region_id: String,
    pub sales_channel_id: String,
    pub customer_id: Option<String>,
    pub email: Option<String>,
    pub currency_code: String,
    pub shipping_address: Option<CartAddress>,
    pub billing_address: Option<CartAddress>,
    pub totals: Totals,
    pub items: Vec<OrderItem>,
    pub shipping_methods: Vec<OrderShippingMethod>,
    pub metadata: Option<Value>,
    pub canceled_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

const COLUMNS: &str = "id, display_id, cart_id, status, region_id, sales_channel_id, customer_id, email, currency_code, \
    shipping_address, billing_address, totals, metadata, canceled_at, created_at, updated_at";

/// Orders with their lines and shipping methods, in one query (`where` picks the orders).
fn orders_with_rows(r#where: &str) -> String {
    format!(
        "SELECT {}, {}, {} FROM orders o \
         LEFT JOIN order_line_item i ON i.order_id = o.id \
         LEFT JOIN order_shipping_method m ON m.order_id = o.id \
         WHERE {where}",
        merx_db::sql::qualified("o", COLUMNS),
        merx_db::sql::aliased("i", ITEM_COLUMNS),
        merx_db::sql::aliased("m", METHOD_COLUMNS)
    )
}

static ORDER_WITH_ROWS: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| orders_with_rows("o.id = ?"));

/// The orders in joined rows, in the order their ids first appear, lines and methods sorted.
fn orders_from_joined(rows: &[Row]) -> DbResult<Vec<Order>> {
    let mut orders: Vec<Order> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for r in rows {
        let id = r.text("id")?;
        let at = match index.get(&id) {
            Some(i) => *i,
            None => {
                orders.push(from_row(r)?);
                index.insert(id, orders.len() - 1);
                orders.len() - 1
            }
        };
        let o = &mut orders[at];
        let (item, method) = (r.prefixed("i_"), r.prefixed("m_"));
        if let Some(item_id) = item.opt_text("id")? {
            if seen.insert(item_id) {
                o.items.push(item_from(&item)?);
            }
        }
        if let Some(method_id) = method.opt_text("id")? {
            if seen.insert(method_id) {
                o.shipping_methods.push(method_from(&method)?);
            }
        }
    }
    for o in &mut orders {
        o.items
            .sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        o.shipping_methods
            .sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    }
    Ok(orders)
}

const ITEM_COLUMNS: &str = "id, cart_line_item_id, variant_id, product_id, title, subtitle, thumbnail, quantity, \
    unit_price, is_tax_inclusive, requires_shipping, snapshot, totals, fulfilled_quantity, shipped_quantity, \
    delivered_quantity, returned_quantity, metadata, created_at, updated_at";

const METHOD_COLUMNS: &str =
    "id, shipping_option_id, name, amount, is_tax_inclusive, totals, data, created_at, updated_at";

fn item_from(r: &Prefixed<'_>) -> DbResult<OrderItem> {
    Ok(OrderItem {
        id: r.text("id")?,
        cart_line_item_id: r.opt_text("cart_line_item_id")?,
        variant_id: r.opt_text("variant_id")?,
        product_id: r.opt_text("product_id")?,
        title: r.text("title")?,
        subtitle: r.opt_text("subtitle")?,
        thumbnail: r.opt_text("thumbnail")?,
        quantity: r.int("quantity")?,
        unit_price: r.int("unit_price")?,
        is_tax_inclusive: r.bool("is_tax_inclusive")?,
        requires_shipping: r.bool("requires_shipping")?,
        snapshot: serde_json::from_value(r.json("snapshot")?).unwrap_or_default(),
        totals: line_totals(r.json("totals")?),
        fulfilled_quantity: r.int("fulfilled_quantity")?,
        shipped_quantity: r.int("shipped_quantity")?,
        delivered_quantity: r.int("delivered_quantity")?,
        returned_quantity: r.int("returned_quantity")?,
        metadata: r.opt_json("metadata")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

fn method_from(r: &Prefixed<'_>) -> DbResult<OrderShippingMethod> {
    Ok(OrderShippingMethod {
        id: r.text("id")?,
        shipping_option_id: r.opt_text("shipping_option_id")?,
        name: r.text("name")?,
        amount: r.int("amount")?,
        is_tax_inclusive: r.bool("is_tax_inclusive")?,
        totals: line_totals(r.json("totals")?),
        data: r.opt_json("data")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

fn from_row(r: &Row) -> DbResult<Order> {
    Ok(Order {
        id: r.text("id")?,
        display_id: r.int("display_id")?,
        cart_id: r.opt_text("cart_id")?,
        status: r.text("status")?,
        region_id: r.text("region_id")?,
        sales_channel_id: r.text("sales_channel_id")?,
        customer_id: r.opt_text("customer_id")?,
        email: r.opt_text("email")?,
        currency_code: r.text("currency_code")?,
        shipping_address: address_from_json(r.opt_json("shipping_address")?),
        billing_address: address_from_json(r.opt_json("billing_address")?),
        totals: serde_json::from_value(r.json("totals")?).unwrap_or_default(),
        items: Vec::new(),
        shipping_methods: Vec::new(),
        metadata: r.opt_json("metadata")?,
        canceled_at: r.opt_time("canceled_at")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

fn line_totals(v: Value) -> LineTotals {
    serde_json::from_value(v).unwrap_or(LineTotals {
        subtotal: 0,
        tax_total: 0,
        total: 0,
        tax_lines: Vec::new(),
    })
}

/// Creates the order of a cart in the caller's transaction and announces `order.placed`; returns it
/// as written. The caller has just completed the cart in the same transaction (order and completion
/// commit together), so the cart has no order yet; a unique `orders.cart_id` backs that up.
pub(crate) async fn create_from_cart(tx: &mut Tx, view: &CartView) -> CoreResult<Order> {
    let cart = &view.cart;
    let display_id = next_display_id(tx).await?;
    let id = new_id(merx_types::id::prefix::ORDER);
    let at = now();
    tx.execute(
        query(format!("INSERT INTO orders ({COLUMNS}) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)"))
            .bind(&id)
            .bind(display_id)
            .bind(&cart.id)
            .bind(&cart.region_id)
            .bind(&cart.sales_channel_id)
            .bind(cart.customer_id.clone())
            .bind(cart.email.clone())
            .bind(&cart.currency_code)
            .bind(cart.shipping_address.as_ref().map(address_to_json))
            .bind(cart.billing_address.as_ref().map(address_to_json))
            .bind(serde_json::to_value(view.totals).unwrap_or(Value::Null))
            .bind(cart.metadata.clone())
            .bind(at)
            .bind(at),
    )
    .await?;
    let mut items = Vec::with_capacity(view.items.len());
    for (item, totals) in &view.items {
        let line_id = new_id("ordli");
        tx.execute(
            query(
                "INSERT INTO order_line_item (id, order_id, cart_line_item_id, variant_id, product_id, title, subtitle, thumbnail, quantity, \
                 unit_price, is_tax_inclusive, requires_shipping, snapshot, tax_lines, totals, fulfilled_quantity, shipped_quantity, \
                 delivered_quantity, returned_quantity, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?, ?, ?)",
            )
            .bind(&line_id)
            .bind(&id)
            .bind(&item.id)
            .bind(&item.variant_id)
            .bind(&item.product_id)
            .bind(&item.title)
            .bind(item.subtitle.clone())
            .bind(item.thumbnail.clone())
            .bind(item.quantity)
            .bind(item.unit_price)
            .bind(item.is_tax_inclusive)
            .bind(item.requires_shipping)
            .bind(serde_json::to_value(&item.snapshot).unwrap_or(Value::Null))
            .bind(serde_json::to_value(&totals.tax_lines).unwrap_or(Value::Null))
            .bind(serde_json::to_value(totals).unwrap_or(Value::Null))
            .bind(item.metadata.clone())
            .bind(at)
            .bind(at),
        )
        .await?;
        items.push(OrderItem {
            id: line_id,
            cart_line_item_id: Some(item.id.clone()),
            variant_id: Some(item.variant_id.clone()),
            product_id: Some(item.product_id.clone()),
            title: item.title.clone(),
            subtitle: item.subtitle.clone(),
            thumbnail: item.thumbnail.clone(),
            quantity: item.quantity,
            unit_price: item.unit_price,
            is_tax_inclusive: item.is_tax_inclusive,
            requires_shipping: item.requires_shipping,
            snapshot: item.snapshot.clone(),
            totals: totals.clone(),
            fulfilled_quantity: 0,
            shipped_quantity: 0,
            delivered_quantity: 0,
            returned_quantity: 0,
            metadata: item.metadata.clone(),
            created_at: at,
            updated_at: at,
        });
    }
    let mut shipping_methods = Vec::with_capacity(view.shipping_methods.len());
    for (m, totals) in &view.shipping_methods {
        let method_id = new_id("ordsm");
        tx.execute(
            query(
                "INSERT INTO order_shipping_method (id, order_id, shipping_option_id, name, amount, is_tax_inclusive, tax_lines, totals, data, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&method_id)
            .bind(&id)
            .bind(&m.shipping_option_id)
            .bind(&m.name)
            .bind(m.amount)
            .bind(m.is_tax_inclusive)
            .bind(serde_json::to_value(&totals.tax_lines).unwrap_or(Value::Null))
            .bind(serde_json::to_value(totals).unwrap_or(Value::Null))
            .bind(m.data.clone())
            .bind(at)
            .bind(at),
        )
        .await?;
        shipping_methods.push(OrderShippingMethod {
            id: method_id,
            shipping_option_id: Some(m.shipping_option_id.clone()),
            name: m.name.clone(),
            amount: m.amount,
            is_tax_inclusive: m.is_tax_inclusive,
            totals: totals.clone(),
            data: m.data.clone(),
            created_at: at,
            updated_at: at,
        });
    }
    append(
        tx,
        NewEvent::new(
            "order.placed",
            "order",
            &id,
            json!({"id": id, "display_id": display_id, "cart_id": cart.id, "customer_id": cart.customer_id, "email": cart.email,
                   "currency_code": cart.currency_code, "total": view.totals.total,
                   "items": view.items.iter().map(|(i, _)| json!({"variant_id": i.variant_id, "product_id": i.product_id, "quantity": i.quantity})).collect::<Vec<_>>()}),
        ),
    )
    .await?;
    // Reads list them by (created_at, id); all were written at `at`, so by id.
    items.sort_by(|a, b| a.id.cmp(&b.id));
    shipping_methods.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Order {
        id,
        display_id,
        cart_id: Some(cart.id.clone()),
        status: "pending".to_string(),
        region_id: cart.region_id.clone(),
        sales_channel_id: cart.sales_channel_id.clone(),
        customer_id: cart.customer_id.clone(),
        email: cart.email.clone(),
        currency_code: cart.currency_code.clone(),
        shipping_address: cart.shipping_address.clone(),
        billing_address: cart.billing_address.clone(),
        totals: view.totals,
        items,
        shipping_methods,
        metadata: cart.metadata.clone(),
        canceled_at: None,
        created_at: at,
        updated_at: at,
    })
}

/// The next order number: from a sequence on Postgres (no lock held to commit), from a counter
/// row on SQLite (whose one writer serialises placing anyway).
async fn next_display_id(tx: &mut Tx) -> DbResult<i64> {
    let sql = match tx.backend() {
        merx_db::Backend::Postgres => "SELECT nextval('order_display_id_seq') AS value",
        merx_db::Backend::Sqlite => {
            "INSERT INTO merx_counter (name, value) VALUES ('order', 1) \
             ON CONFLICT (name) DO UPDATE SET value = merx_counter.value + 1 RETURNING value"
        }
    };
    tx.fetch_one(query(sql)).await?.int("value")
}

/// Which orders to list.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub customer_id: Option<String>,
    /// `pending`, `completed`, `canceled`…
    pub statuses: Vec<String>,
    /// An email fragment or a display id.
    pub q: Option<String>,
    /// One of [`OrderService::SORTS`]; `None` is newest first.
    pub sort: Option<Sort>,
    pub times: TimeBounds,
}

#[derive(Clone)]
pub struct OrderService {
    db: Db,
}

impl OrderService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    pub async fn get(&self, id: &str) -> CoreResult<Order> {
        let rows = self
            .db
            .fetch_all(query(ORDER_WITH_ROWS.as_str()).bind(id))
            .await?;
        orders_from_joined(&rows)?.pop().ok_or_else(|| {
            DomainError::not_found(format!("Order with id: {id} was not found")).into()
        })
    }

    /// The orders with `ids`, in that order, read in one query (ids that name no order are left out).
    pub async fn get_many(&self, ids: &[String]) -> CoreResult<Vec<Order>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = orders_with_rows(&format!(
            "o.id IN ({})",
            merx_db::sql::placeholders(ids.len())
        ));
        let rows = self
            .db
            .fetch_all(ids.iter().fold(query(sql), |q, id| q.bind(id)))
            .await?;
        let mut found: std::collections::HashMap<String, Order> = orders_from_joined(&rows)?
            .into_iter()
            .map(|o| (o.id.clone(), o))
            .collect();
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    pub async fn by_cart(&self, cart_id: &str) -> CoreResult<Option<Order>> {
        match self
            .db
            .fetch_optional(query("SELECT id FROM orders WHERE cart_id = ?").bind(cart_id))
            .await?
        {
            Some(r) => Ok(Some(self.get(&r.text("id")?).await?)),
            None => Ok(None),
        }
    }

    /// Fields orders sort by.
    pub const SORTS: &'static [&'static str] = &[
        "id",
        "display_id",
        "status",
        "email",
        "currency_code",
        "created_at",
        "updated_at",
    ];

    /// Orders matching `f`, by `f.sort` or newest first.
    pub async fn search(&self, f: &OrderFilter, page: PageRequest) -> CoreResult<Page<Order>> {
        let mut w = String::from("1 = 1");
        let mut args: Vec<merx_db::Value> = Vec::new();
        if let Some(c) = &f.customer_id {
            w.push_str(" AND customer_id = ?");
            args.push(c.clone().into());
        }
        if !f.statuses.is_empty() {
            w.push_str(&format!(
                " AND status IN ({})",
                merx_db::sql::placeholders(f.statuses.len())
            ));
            args.extend(f.statuses.iter().map(|s| s.clone().into()));
        }
        if let Some(q) = &f.q {
            // An email fragment, or a display id (`#12` or `12`).
            match q.trim_start_matches('#').parse::<i64>() {
                Ok(n) => {
                    w.push_str(" AND display_id = ?");
                    args.push(n.into());
                }
                Err(_) => {
                    w.push_str(" AND LOWER(COALESCE(email, '')) LIKE ?");
                    args.push(format!("%{}%", q.to_lowercase().replace(['%', '_'], "")).into());
                }
            }
        }
        let (bounds, values) = f.times.sql("");
        w.push_str(&bounds);
        args.extend(values.into_iter().map(Into::into));
        let order = f.sort.map_or_else(
            || "created_at DESC, id DESC".to_string(),
            |s| s.order_by(""),
        );
        let count = self
            .db
            .fetch_one(merx_db::Query::from_parts(
                format!("SELECT COUNT(*) AS n FROM orders WHERE {w}"),
                args.clone(),
            ))
            .await?
            .int("n")?;
        let ids: Vec<String> = self
            .db
            .fetch_all(
                merx_db::Query::from_parts(
                    format!("SELECT id FROM orders WHERE {w} ORDER BY {order} LIMIT ? OFFSET ?"),
                    args,
                )
                .bind(page.limit)
                .bind(page.offset),
            )
            .await?
            .iter()
            .map(|r| r.text("id"))
            .collect::<DbResult<_>>()?;
        let items = self.get_many(&ids).await?;
        Ok(Page {
            items,
            count,
            limit: page.limit,
            offset: page.offset,
        })
    }
}
