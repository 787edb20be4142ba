//! The storefront checkout: carts and line items, shipping options and methods, payment
//! collections and sessions, completion, and orders — Medusa v2's routes and shapes.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use merx_core::cart::totals::{LineTotals, Totals};
use merx_core::cart::{CartAddress, CartChanges, CartView, NewCart};
use merx_core::checkout::{self, Completion};
use merx_core::order::{Order, OrderFilter, OrderService};
use merx_core::payment::Collection;
use merx_core::shipping::ShippingOption;
use merx_core::CoreError;
use merx_types::{DomainError, ErrorKind};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::customers::{AddressBody, CustomerActor};
use super::{list_body, StoreScope};
use crate::caller::Caller;
use crate::dto::{context, data, metadata, opt_ts, ts};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::list::{ListParams, ListSpec, SortKey};
use crate::qs::Qs;
use crate::render::{amount, raw_amount};
use crate::AppState;

// ---------- rendering

fn address_json(a: &Option<CartAddress>) -> Value {
    match a {
        None => Value::Null,
        Some(a) => {
            let f = &a.fields;
            json!({"id": a.id, "first_name": f.first_name, "last_name": f.last_name, "company": f.company, "address_1": f.address_1,
                   "address_2": f.address_2, "city": f.city, "postal_code": f.postal_code, "country_code": f.country_code,
                   "province": f.province, "phone": f.phone, "metadata": f.metadata})
        }
    }
}

fn tax_lines(t: &LineTotals, prefix: &str, owner: &str, cur: &str) -> Value {
    Value::Array(
        t.tax_lines
            .iter()
            .map(|(r, amt)| {
                json!({"id": format!("{prefix}_{}_{}", owner.rsplit('_').next().unwrap_or(owner), r.rate_id.rsplit('_').next().unwrap_or(&r.rate_id)),
                       "description": r.name, "code": r.code, "rate": r.rate.normalize().to_string().parse::<f64>().ok(),
                       "provider_id": "tp_system", "tax_rate_id": r.rate_id, "total": amount(*amt, cur)})
            })
            .collect(),
    )
}

/// Every total Medusa puts on a cart or order (discounts and credit lines are zero for now).
fn put_totals(m: &mut Map<String, Value>, t: &Totals, cur: &str) {
    let a = |v: i64| amount(v, cur);
    let fields = [
        ("total", t.total),
        ("subtotal", t.subtotal),
        ("tax_total", t.tax_total),
        ("discount_total", 0),
        ("discount_subtotal", 0),
        ("discount_tax_total", 0),
        ("original_total", t.total),
        ("original_tax_total", t.tax_total),
        ("original_subtotal", t.subtotal),
        ("item_total", t.item_total),
        ("item_subtotal", t.item_subtotal),
        ("item_tax_total", t.item_tax_total),
        ("item_discount_total", 0),
        ("original_item_total", t.item_total),
        ("original_item_subtotal", t.item_subtotal),
        ("original_item_tax_total", t.item_tax_total),
        ("shipping_total", t.shipping_total),
        ("shipping_subtotal", t.shipping_subtotal),
        ("shipping_tax_total", t.shipping_tax_total),
        ("shipping_discount_total", 0),
        ("original_shipping_total", t.shipping_total),
        ("original_shipping_subtotal", t.shipping_subtotal),
        ("original_shipping_tax_total", t.shipping_tax_total),
        ("credit_line_total", 0),
        ("credit_line_subtotal", 0),
        ("credit_line_tax_total", 0),
        ("gift_card_total", 0),
        ("gift_card_tax_total", 0),
    ];
    for (k, v) in fields {
        m.insert(k.into(), a(v));
    }
}

fn line_totals(m: &mut Map<String, Value>, t: &LineTotals, cur: &str) {
    for (k, v) in [
        ("subtotal", t.subtotal),
        ("tax_total", t.tax_total),
        ("total", t.total),
        ("original_total", t.total),
        ("original_subtotal", t.subtotal),
        ("original_tax_total", t.tax_total),
        ("discount_total", 0),
        ("discount_subtotal", 0),
        ("discount_tax_total", 0),
    ] {
        m.insert(k.into(), amount(v, cur));
    }
}

fn collection_json(c: &Collection) -> Value {
    let cur = &c.currency_code;
    json!({
        "id": c.id, "currency_code": cur, "amount": amount(c.amount, cur), "raw_amount": raw_amount(c.amount, cur),
        "status": c.status, "authorized_amount": amount(c.authorized_amount, cur), "captured_amount": amount(c.captured_amount, cur),
        "refunded_amount": amount(c.refunded_amount, cur), "completed_at": opt_ts(c.completed_at), "metadata": null,
        "created_at": ts(c.created_at), "updated_at": ts(c.updated_at), "deleted_at": null,
        "payment_sessions": c.sessions.iter().map(|s| json!({
            "id": s.id, "currency_code": s.currency_code, "provider_id": s.provider_id, "data": s.data, "context": s.context,
            "status": s.status, "authorized_at": opt_ts(s.authorized_at), "payment_collection_id": s.payment_collection_id,
            "amount": amount(s.amount, &s.currency_code), "raw_amount": raw_amount(s.amount, &s.currency_code), "metadata": {},
            "created_at": ts(s.created_at), "updated_at": ts(s.updated_at), "deleted_at": null,
        })).collect::<Vec<_>>(),
    })
}

async fn cart_json(s: &AppState, v: &CartView) -> ApiResult<Value> {
    let collection = s.core.payments.collection_of_cart(&v.cart.id).await?;
    cart_json_with(s, v, collection).await
}

/// The cart as Medusa renders it, with its payment collection already read.
async fn cart_json_with(
    s: &AppState,
    v: &CartView,
    collection: Option<Collection>,
) -> ApiResult<Value> {
    let c = &v.cart;
    let cur = c.currency_code.as_str();
    let items: Vec<Value> = v
        .items
        .iter()
        .map(|(i, t)| {
            let sn = &i.snapshot;
            let mut m = Map::new();
            for (k, val) in [
                ("id", json!(i.id)), ("cart_id", json!(c.id)), ("title", json!(i.title)), ("subtitle", json!(i.subtitle)),
                ("thumbnail", json!(i.thumbnail)), ("quantity", json!(i.quantity)), ("variant_id", json!(i.variant_id)),
                ("product_id", json!(i.product_id)), ("product_title", json!(sn.product_title)),
                ("product_description", json!(sn.product_description)), ("product_subtitle", json!(sn.product_subtitle)),
                ("product_type", json!(sn.product_type)), ("product_type_id", json!(sn.product_type_id)),
                ("product_collection", json!(sn.product_collection)), ("product_handle", json!(sn.product_handle)),
                ("variant_sku", json!(sn.variant_sku)), ("variant_barcode", json!(sn.variant_barcode)),
                ("variant_title", json!(sn.variant_title)), ("variant_option_values", json!(sn.variant_option_values)),
                ("requires_shipping", json!(i.requires_shipping)), ("is_discountable", json!(i.is_discountable)),
                ("is_giftcard", json!(false)), ("is_tax_inclusive", json!(i.is_tax_inclusive)),
                ("unit_price", amount(i.unit_price, cur)),
                ("compare_at_unit_price", i.compare_at_unit_price.map(|p| amount(p, cur)).unwrap_or(Value::Null)),
                ("metadata", i.metadata.clone().unwrap_or(json!({}))), ("tax_lines", tax_lines(t, "calitxl", &i.id, cur)),
                ("adjustments", json!([])),
                ("product", json!({"id": i.product_id, "collection_id": sn.product_collection_id, "type_id": sn.product_type_id,
                    "categories": sn.category_ids.iter().map(|c| json!({"id": c})).collect::<Vec<_>>(),
                    "tags": sn.tag_ids.iter().map(|t| json!({"id": t})).collect::<Vec<_>>()})),
                ("created_at", json!(ts(i.created_at))), ("updated_at", json!(ts(i.updated_at))),
            ] {
                m.insert(k.into(), val);
            }
            line_totals(&mut m, t, cur);
            Value::Object(m)
        })
        .collect();
    let methods: Vec<Value> = v
        .shipping_methods
        .iter()
        .map(|(sm, t)| {
            let mut m = Map::new();
            for (k, val) in [
                ("id", json!(sm.id)),
                ("cart_id", json!(c.id)),
                ("name", json!(sm.name)),
                ("shipping_option_id", json!(sm.shipping_option_id)),
                ("amount", amount(sm.amount, cur)),
                ("is_tax_inclusive", json!(sm.is_tax_inclusive)),
                ("data", sm.data.clone().unwrap_or(json!({}))),
                ("tax_lines", tax_lines(t, "casmtxl", &sm.id, cur)),
                ("adjustments", json!([])),
                ("created_at", json!(ts(sm.created_at))),
                ("updated_at", json!(ts(sm.updated_at))),
            ] {
                m.insert(k.into(), val);
            }
            line_totals(&mut m, t, cur);
            Value::Object(m)
        })
        .collect();
    let region = s.core.regions.get(&c.region_id).await?;
    let customer = match &c.customer_id {
        Some(id) => s.core.customers.get(id).await.ok().map(|cu| json!({"id": cu.id, "email": cu.email, "groups": cu.group_ids.iter().map(|g| json!({"id": g})).collect::<Vec<_>>()})),
        None => None,
    };
    let mut m = Map::new();
    for (k, val) in [
        ("id", json!(c.id)),
        ("currency_code", json!(c.currency_code)),
        ("email", json!(c.email)),
        ("region_id", json!(c.region_id)),
        ("customer_id", json!(c.customer_id)),
        ("sales_channel_id", json!(c.sales_channel_id)),
        (
            "shipping_address_id",
            json!(c.shipping_address.as_ref().map(|a| a.id.clone())),
        ),
        (
            "billing_address_id",
            json!(c.billing_address.as_ref().map(|a| a.id.clone())),
        ),
        ("shipping_address", address_json(&c.shipping_address)),
        ("billing_address", address_json(&c.billing_address)),
        ("metadata", json!(c.metadata)),
        ("completed_at", json!(opt_ts(c.completed_at))),
        ("locale", Value::Null),
        ("created_at", json!(ts(c.created_at))),
        ("updated_at", json!(ts(c.updated_at))),
        ("items", Value::Array(items)),
        ("shipping_methods", Value::Array(methods)),
        ("promotions", json!([])),
        ("credit_lines", json!([])),
        ("customer", json!(customer)),
        (
            "region",
            json!({"id": region.id, "name": region.name, "currency_code": region.currency_code, "automatic_taxes": region.automatic_taxes,
            "countries": region.countries.iter().filter_map(|c| merx_types::Country::find(c)).map(|ct| json!({"iso_2": ct.iso_2, "iso_3": ct.iso_3, "num_code": ct.num_code, "name": ct.name, "display_name": ct.display_name, "region_id": region.id})).collect::<Vec<_>>()}),
        ),
        (
            "payment_collection",
            collection
                .as_ref()
                .map(collection_json)
                .unwrap_or(Value::Null),
        ),
    ] {
        m.insert(k.into(), val);
    }
    put_totals(&mut m, &v.totals, cur);
    Ok(Value::Object(m))
}

pub(crate) async fn order_json(s: &AppState, o: &Order) -> ApiResult<Value> {
    let collection = match &o.cart_id {
        Some(c) => s.core.payments.collection_of_cart(c).await?,
        None => None,
    };
    Ok(order_json_with(o, collection))
}

/// The order as Medusa renders it, with its payment collection already read.
fn order_json_with(o: &Order, collection: Option<Collection>) -> Value {
    let cur = o.currency_code.as_str();
    let paid = collection.as_ref().map(|c| c.captured_amount).unwrap_or(0);
    let refunded = collection.as_ref().map(|c| c.refunded_amount).unwrap_or(0);
    let payment_status = match collection.as_ref().map(|c| c.status.as_str()) {
        Some("authorized") if paid == 0 => "authorized",
        Some("authorized") | Some("completed") if paid >= o.totals.total => "captured",
        Some(_) if paid > 0 => "partially_captured",
        Some("canceled") => "canceled",
        _ => "not_paid",
    };
    let shipped: i64 = o.items.iter().map(|i| i.shipped_quantity).sum();
    let fulfilled: i64 = o.items.iter().map(|i| i.fulfilled_quantity).sum();
    let qty: i64 = o.items.iter().map(|i| i.quantity).sum();
    let fulfillment_status = match () {
        _ if o.canceled_at.is_some() => "canceled",
        _ if shipped >= qty && qty > 0 => "shipped",
        _ if shipped > 0 => "partially_shipped",
        _ if fulfilled >= qty && qty > 0 => "fulfilled",
        _ if fulfilled > 0 => "partially_fulfilled",
        _ => "not_fulfilled",
    };
    let items: Vec<Value> = o
        .items
        .iter()
        .map(|i| {
            let sn = &i.snapshot;
            let mut m = Map::new();
            for (k, val) in [
                ("id", json!(i.id)), ("title", json!(i.title)), ("subtitle", json!(i.subtitle)), ("thumbnail", json!(i.thumbnail)),
                ("variant_id", json!(i.variant_id)), ("product_id", json!(i.product_id)), ("product_title", json!(sn.product_title)),
                ("product_description", json!(sn.product_description)), ("product_subtitle", json!(sn.product_subtitle)),
                ("product_type", json!(sn.product_type)), ("product_type_id", json!(sn.product_type_id)),
                ("product_collection", json!(sn.product_collection)), ("product_handle", json!(sn.product_handle)),
                ("variant_sku", json!(sn.variant_sku)), ("variant_barcode", json!(sn.variant_barcode)), ("variant_title", json!(sn.variant_title)),
                ("variant_option_values", json!(sn.variant_option_values)), ("requires_shipping", json!(i.requires_shipping)),
                ("is_giftcard", json!(false)), ("is_discountable", json!(true)), ("is_tax_inclusive", json!(i.is_tax_inclusive)),
                ("is_custom_price", json!(false)), ("metadata", i.metadata.clone().unwrap_or(json!({}))),
                ("unit_price", amount(i.unit_price, cur)), ("raw_unit_price", raw_amount(i.unit_price, cur)),
                ("compare_at_unit_price", Value::Null), ("quantity", json!(i.quantity)),
                ("tax_lines", tax_lines(&i.totals, "ordlitxl", &i.id, cur)), ("adjustments", json!([])),
                ("detail", json!({"order_id": o.id, "item_id": i.id, "quantity": i.quantity, "fulfilled_quantity": i.fulfilled_quantity,
                    "shipped_quantity": i.shipped_quantity, "delivered_quantity": i.delivered_quantity, "return_received_quantity": i.returned_quantity})),
                ("created_at", json!(ts(i.created_at))), ("updated_at", json!(ts(i.updated_at))), ("deleted_at", Value::Null),
            ] {
                m.insert(k.into(), val);
            }
            line_totals(&mut m, &i.totals, cur);
            Value::Object(m)
        })
        .collect();
    let methods: Vec<Value> = o
        .shipping_methods
        .iter()
        .map(|sm| {
            let mut m = Map::new();
            for (k, val) in [
                ("id", json!(sm.id)),
                ("order_id", json!(o.id)),
                ("name", json!(sm.name)),
                ("description", Value::Null),
                ("shipping_option_id", json!(sm.shipping_option_id)),
                ("amount", amount(sm.amount, cur)),
                ("raw_amount", raw_amount(sm.amount, cur)),
                ("is_tax_inclusive", json!(sm.is_tax_inclusive)),
                ("is_custom_amount", json!(false)),
                ("data", sm.data.clone().unwrap_or(json!({}))),
                ("metadata", Value::Null),
                ("tax_lines", tax_lines(&sm.totals, "ordsmtxl", &sm.id, cur)),
                ("adjustments", json!([])),
                ("created_at", json!(ts(sm.created_at))),
                ("updated_at", json!(ts(sm.updated_at))),
                ("deleted_at", Value::Null),
            ] {
                m.insert(k.into(), val);
            }
            line_totals(&mut m, &sm.totals, cur);
            Value::Object(m)
        })
        .collect();
    let total = o.totals.total;
    let mut m = Map::new();
    for (k, val) in [
        ("id", json!(o.id)),
        ("display_id", json!(o.display_id)),
        ("custom_display_id", Value::Null),
        ("status", json!(o.status)),
        ("email", json!(o.email)),
        ("currency_code", json!(o.currency_code)),
        ("region_id", json!(o.region_id)),
        ("customer_id", json!(o.customer_id)),
        ("sales_channel_id", json!(o.sales_channel_id)),
        ("shipping_address", address_json(&o.shipping_address)),
        ("billing_address", address_json(&o.billing_address)),
        ("items", Value::Array(items)),
        ("shipping_methods", Value::Array(methods)),
        ("credit_lines", json!([])),
        (
            "payment_collections",
            Value::Array(collection.iter().map(collection_json).collect()),
        ),
        ("payment_status", json!(payment_status)),
        ("fulfillment_status", json!(fulfillment_status)),
        (
            "summary",
            json!({
                "paid_total": amount(paid, cur), "refunded_total": amount(refunded, cur), "accounting_total": amount(total, cur),
                "credit_line_total": 0, "transaction_total": amount(paid - refunded, cur), "pending_difference": amount(total - paid + refunded, cur),
                "current_order_total": amount(total, cur), "original_order_total": amount(total, cur),
            }),
        ),
        ("metadata", json!(o.metadata)),
        ("canceled_at", json!(opt_ts(o.canceled_at))),
        ("created_at", json!(ts(o.created_at))),
        ("updated_at", json!(ts(o.updated_at))),
    ] {
        m.insert(k.into(), val);
    }
    put_totals(&mut m, &o.totals, cur);
    Value::Object(m)
}

// ---------- ownership

/// A guest cart (no customer) is its id's bearer's; a customer's cart is that customer's alone.
/// Anyone else is told it does not exist, in the words used for a cart that does not.
fn check_cart_owner(owner: Option<&str>, caller: &Caller, id: &str) -> ApiResult<()> {
    match owner {
        Some(customer) if caller.customer_id() != Some(customer) => {
            Err(DomainError::not_found(format!("Cart id not found: {id}")).into())
        }
        _ => Ok(()),
    }
}

/// The cart's view, when the caller may use it.
async fn owned_view(s: &AppState, caller: &Caller, id: &str) -> ApiResult<CartView> {
    let view = s.core.carts.view(id).await?;
    check_cart_owner(view.cart.customer_id.as_deref(), caller, id)?;
    Ok(view)
}

/// Refuses a write on a cart the caller may not use, before the write reads it in full.
async fn authorise_cart(s: &AppState, caller: &Caller, id: &str) -> ApiResult<()> {
    let owner = s.core.carts.owner(id).await?;
    check_cart_owner(owner.as_deref(), caller, id)
}

/// An order placed by a customer is that customer's alone; a guest order is its id's bearer's, as
/// in Medusa. Anyone else is told it does not exist.
fn check_order_owner(o: &Order, caller: &Caller) -> ApiResult<()> {
    match &o.customer_id {
        Some(customer) if caller.customer_id() != Some(customer.as_str()) => {
            Err(DomainError::not_found(format!("Order with id: {} was not found", o.id)).into())
        }
        _ => Ok(()),
    }
}

// ---------- carts

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    pub variant_id: String,
    pub quantity: i64,
    #[serde(default, deserialize_with = "metadata")]
    pub metadata: Option<Value>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CartBody {
    pub region_id: Option<String>,
    pub currency_code: Option<String>,
    pub email: Option<String>,
    pub sales_channel_id: Option<String>,
    pub shipping_address: Option<AddressBody>,
    pub billing_address: Option<AddressBody>,
    #[serde(default, deserialize_with = "metadata")]
    pub metadata: Option<Value>,
    pub items: Option<Vec<ItemBody>>,
    pub promo_codes: Option<Vec<String>>,
    /// Accepted for compatibility; Merx has no workflow hooks that read it yet.
    #[allow(dead_code)]
    pub additional_data: Option<Value>,
    /// Accepted for compatibility (the SDK may send it); carts are not localised yet.
    #[allow(dead_code)]
    pub locale: Option<String>,
}

/// A JSON body that may be empty (the SDK posts `{}` or nothing on some routes).
fn body_or_default<T: serde::de::DeserializeOwned + Default>(bytes: &Bytes) -> ApiResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::invalid(format!("Invalid request body: {e}")))
}

/// The logged-in customer's id and email (none for a guest, or a token whose customer is gone).
async fn customer_of(s: &AppState, caller: &Caller) -> ApiResult<Option<(String, String)>> {
    let Some(id) = caller.customer_id() else {
        return Ok(None);
    };
    match s.core.customers.get(id).await {
        Ok(c) => Ok(Some((c.id, c.email))),
        Err(CoreError::Domain(e)) if e.kind == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub async fn create_cart(
    State(s): State<AppState>,
    scope: StoreScope,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let b: CartBody = body_or_default(&body)?;
    if b.promo_codes.as_ref().is_some_and(|p| !p.is_empty()) {
        return Err(ApiError::invalid("Promotions are not supported yet"));
    }
    let customer = customer_of(&s, &caller).await?;
    let input = NewCart {
        region_id: b.region_id,
        currency_code: b.currency_code,
        sales_channel_id: b.sales_channel_id,
        email: b.email.or_else(|| customer.as_ref().map(|c| c.1.clone())),
        customer_id: customer.map(|c| c.0),
        shipping_address: b.shipping_address.as_ref().map(AddressBody::fields),
        billing_address: b.billing_address.as_ref().map(AddressBody::fields),
        metadata: b.metadata,
        items: b
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|i| (i.variant_id, i.quantity))
            .collect(),
    };
    if input.items.iter().any(|(_, q)| *q < 1) {
        return Err(ApiError::invalid("quantity must be a positive integer"));
    }
    let view = s
        .core
        .carts
        .create(input, &scope.0.sales_channel_ids)
        .await?;
    // A new cart has no payment collection yet.
    Ok(Json(
        json!({"cart": cart_json_with(&s, &view, None).await?}),
    ))
}

pub async fn retrieve_cart(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let view = owned_view(&s, &caller, &id).await?;
    Ok(Json(json!({"cart": cart_json(&s, &view).await?})))
}

pub async fn update_cart(
    State(s): State<AppState>,
    scope: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let b: CartBody = body_or_default(&body)?;
    authorise_cart(&s, &caller, &id).await?;
    if b.items.is_some() || b.promo_codes.as_ref().is_some_and(|p| !p.is_empty()) {
        return Err(ApiError::invalid(
            "Use the line-items and promotions routes to change items and promotions",
        ));
    }
    if let Some(c) = &b.sales_channel_id {
        if !scope.0.sales_channel_ids.contains(c) {
            return Err(ApiError::invalid(format!(
                "Sales channel {c} is not associated with the publishable key"
            )));
        }
    }
    let changes = CartChanges {
        region_id: b.region_id,
        email: b.email,
        sales_channel_id: b.sales_channel_id,
        shipping_address: b.shipping_address.as_ref().map(AddressBody::fields),
        billing_address: b.billing_address.as_ref().map(AddressBody::fields),
        metadata: b.metadata.map(Some),
    };
    let view = s.core.carts.update(&id, changes).await?;
    Ok(Json(json!({"cart": cart_json(&s, &view).await?})))
}

pub async fn transfer_cart(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    c: CustomerActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    // A guest cart may be taken by the customer logging in; another customer's may not.
    authorise_cart(&s, &caller, &id).await?;
    let customer = s.core.customers.get(&c.customer_id).await?;
    let view = s
        .core
        .carts
        .set_customer(&id, &customer.id, &customer.email)
        .await?;
    Ok(Json(json!({"cart": cart_json(&s, &view).await?})))
}

pub async fn add_item(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ItemBody>,
) -> ApiResult<Json<Value>> {
    authorise_cart(&s, &caller, &id).await?;
    let view = s
        .core
        .carts
        .add_item(&id, &b.variant_id, b.quantity, b.metadata)
        .await?;
    Ok(Json(json!({"cart": cart_json(&s, &view).await?})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemUpdate {
    pub quantity: i64,
    #[serde(default, deserialize_with = "metadata")]
    pub metadata: Option<Value>,
}

pub async fn update_item(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path((id, line)): Path<(String, String)>,
    ApiJson(b): ApiJson<ItemUpdate>,
) -> ApiResult<Json<Value>> {
    authorise_cart(&s, &caller, &id).await?;
    let view = s
        .core
        .carts
        .update_item(&id, &line, b.quantity, b.metadata)
        .await?;
    Ok(Json(json!({"cart": cart_json(&s, &view).await?})))
}

pub async fn delete_item(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path((id, line)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    authorise_cart(&s, &caller, &id).await?;
    let view = s.core.carts.delete_item(&id, &line).await?;
    Ok(Json(
        json!({"id": line, "object": "line-item", "deleted": true, "parent": cart_json(&s, &view).await?}),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodBody {
    pub option_id: String,
    #[serde(default, deserialize_with = "data")]
    pub data: Option<Value>,
}

pub async fn add_shipping_method(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MethodBody>,
) -> ApiResult<Json<Value>> {
    // The option is validated against the cart as read; if the cart changes before the method is
    // written, it is read and validated again.
    for _ in 0..5 {
        let view = owned_view(&s, &caller, &id).await?;
        let (option, price) = s
            .core
            .shipping
            .validate_for_cart(&b.option_id, &view)
            .await?;
        let set = s
            .core
            .carts
            .set_shipping_method(view, &option.id, &option.name, price, b.data.clone())
            .await?;
        if let Some(view) = set {
            return Ok(Json(json!({"cart": cart_json(&s, &view).await?})));
        }
    }
    Err(DomainError::conflict(format!(
        "Cart {id} is being changed by other requests; please try again"
    ))
    .into())
}

pub async fn complete(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    authorise_cart(&s, &caller, &id).await?;
    match checkout::complete(&s.core, &id).await? {
        Completion::Order { order, payment } => {
            let order = match payment {
                Some(c) => order_json_with(&order, Some(*c)),
                None => order_json(&s, &order).await?,
            };
            Ok(Json(json!({"type": "order", "order": order})))
        }
        Completion::PaymentFailed { cart, message } => Ok(Json(json!({
            "type": "cart",
            "cart": cart_json(&s, &cart).await?,
            "error": {"message": message, "name": "Error", "type": "payment_authorization_error"},
        }))),
    }
}

// ---------- shipping options

fn option_json(o: &ShippingOption, amount_minor: i64, cur: &str) -> Value {
    json!({
        "id": o.id, "name": o.name, "price_type": o.price_type.as_str(), "service_zone_id": format!("serzo_{}", o.region_id.trim_start_matches("reg_")),
        "shipping_profile_id": o.shipping_profile_id, "provider_id": o.provider_id, "data": o.data,
        "type": {"id": format!("sotype_{}", o.id.trim_start_matches("so_")), "label": o.type_label, "description": o.type_description, "code": o.type_code},
        "provider": {"id": o.provider_id, "is_enabled": true},
        "rules": [{"attribute": "enabled_in_store", "value": "true", "operator": "eq"}, {"attribute": "is_return", "value": if o.is_return { "true" } else { "false" }, "operator": "eq"}],
        "amount": amount(amount_minor, cur), "is_tax_inclusive": false, "insufficient_inventory": false,
        "calculated_price": {"calculated_amount": amount(amount_minor, cur), "original_amount": amount(amount_minor, cur), "currency_code": cur,
            "is_calculated_price_tax_inclusive": false, "is_original_price_tax_inclusive": false},
    })
}

pub async fn shipping_options(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let qs = Qs::parse(raw.as_deref().unwrap_or_default())?;
    let cart_id = qs
        .str("cart_id")?
        .ok_or_else(|| ApiError::invalid("cart_id is required"))?;
    let view = owned_view(&s, &caller, cart_id).await?;
    let options = s.core.shipping.for_cart(&view).await?;
    let cur = view.cart.currency_code.clone();
    Ok(Json(
        json!({"shipping_options": options.iter().map(|(o, a)| option_json(o, *a, &cur)).collect::<Vec<_>>()}),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalculateBody {
    pub cart_id: String,
    /// Provider input; the manual provider prices from the cart alone.
    #[allow(dead_code)]
    #[serde(default, deserialize_with = "data")]
    pub data: Option<Value>,
}

pub async fn calculate_option(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CalculateBody>,
) -> ApiResult<Json<Value>> {
    let view = owned_view(&s, &caller, &b.cart_id).await?;
    let (option, price) = s.core.shipping.validate_for_cart(&id, &view).await?;
    Ok(Json(
        json!({"shipping_option": option_json(&option, price, &view.cart.currency_code)}),
    ))
}

// ---------- payment

/// A payment provider the region offers.
#[derive(serde::Serialize)]
struct PaymentProvider<'a> {
    id: &'a str,
    is_enabled: bool,
}

pub async fn payment_providers(
    State(s): State<AppState>,
    _: StoreScope,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let qs = Qs::parse(raw.as_deref().unwrap_or_default())?;
    let region_id = qs
        .str("region_id")?
        .ok_or_else(|| ApiError::invalid("region_id is required"))?;
    let list = ListParams::parse(
        &qs,
        &ListSpec {
            default_limit: 20,
            sorts: &["id"],
            dated: false,
        },
    )?;
    let region = s.core.regions.get(region_id).await?;
    let known = s.core.payments.provider_ids();
    let enabled: Vec<&String> = region
        .payment_providers
        .iter()
        .filter(|p| known.contains(p))
        .collect();
    let page = list.page(enabled, |p, _| SortKey::from(p.as_str()));
    let providers = page
        .items
        .iter()
        .map(|p| {
            serde_json::to_value(PaymentProvider {
                id: p,
                is_enabled: true,
            })
            .unwrap_or(Value::Null)
        })
        .collect();
    Ok(Json(list_body("payment_providers", providers, &page)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionBody {
    pub cart_id: String,
}

pub async fn create_collection(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    ApiJson(b): ApiJson<CollectionBody>,
) -> ApiResult<Json<Value>> {
    let view = owned_view(&s, &caller, &b.cart_id).await?;
    if view.cart.completed_at.is_some() {
        return Err(DomainError::not_allowed("The cart is already completed").into());
    }
    let c = s
        .core
        .payments
        .ensure_collection(&view.cart.id, &view.cart.currency_code, view.totals.total)
        .await?;
    Ok(Json(json!({"payment_collection": collection_json(&c)})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionBody {
    pub provider_id: String,
    #[serde(default, deserialize_with = "data")]
    pub data: Option<Value>,
    #[serde(default, deserialize_with = "context")]
    pub context: Option<Value>,
}

pub async fn init_session(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SessionBody>,
) -> ApiResult<Json<Value>> {
    let c = s.core.payments.collection(&id).await?;
    let view = s.core.carts.view(&c.cart_id).await?;
    // The collection is its cart's: another customer's is as missing as one that does not exist.
    check_cart_owner(view.cart.customer_id.as_deref(), &caller, &c.cart_id).map_err(|_| {
        ApiError::from(DomainError::not_found(format!(
            "Payment collection with id: {id} was not found"
        )))
    })?;
    if view.cart.completed_at.is_some() {
        return Err(DomainError::not_allowed("The cart is already completed").into());
    }
    let region = s.core.regions.get(&view.cart.region_id).await?;
    let _ = b.data;
    let c = s
        .core
        .payments
        .init_session(
            c,
            &b.provider_id,
            view.totals.total,
            &region.payment_providers,
            b.context.unwrap_or(json!({})),
        )
        .await?;
    Ok(Json(json!({"payment_collection": collection_json(&c)})))
}

// ---------- orders

pub async fn retrieve_order(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let o = s.core.orders.get(&id).await?;
    check_order_owner(&o, &caller)?;
    Ok(Json(json!({"order": order_json(&s, &o).await?})))
}

pub async fn list_orders(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let qs = Qs::parse(raw.as_deref().unwrap_or_default())?;
    let list = ListParams::parse(
        &qs,
        &ListSpec {
            default_limit: 20,
            sorts: OrderService::SORTS,
            dated: true,
        },
    )?;
    let filter = OrderFilter {
        customer_id: Some(c.customer_id),
        sort: list.sort,
        times: list.times,
        ..OrderFilter::default()
    };
    let page = s.core.orders.search(&filter, list.page).await?;
    let mut orders = Vec::with_capacity(page.items.len());
    for o in &page.items {
        orders.push(order_json(&s, o).await?);
    }
    Ok(Json(list_body("orders", orders, &page)))
}

// ---------- returns

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnLine {
    pub id: String,
    pub quantity: i64,
    pub reason_id: Option<String>,
    /// Accepted for Medusa compatibility; not stored yet.
    #[allow(dead_code)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreReturnBody {
    pub order_id: String,
    pub items: Vec<ReturnLine>,
    pub return_shipping: Option<Value>,
    pub location_id: Option<String>,
    pub note: Option<String>,
}

/// `POST /store/returns` (and Medusa 2.6's `/store/return`): requests a return of shipped units.
pub async fn create_return(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    ApiJson(b): ApiJson<StoreReturnBody>,
) -> ApiResult<Json<Value>> {
    let _ = (&b.return_shipping, &b.note);
    let order = s.core.orders.get(&b.order_id).await?;
    check_order_owner(&order, &caller)?;
    if order.customer_id.is_none() {
        // Whoever holds a guest order's id can read it, email included, so nothing in a request
        // proves it comes from the buyer: the shop's staff take those returns (Admin API).
        return Err(DomainError::not_allowed(
            "Returns of orders placed without an account are requested through the shop, not the Store API",
        )
        .into());
    }
    let lines = b
        .items
        .into_iter()
        .map(|l| merx_core::order::LineQuantity {
            line_item_id: l.id,
            quantity: l.quantity,
            reason_id: l.reason_id,
        })
        .collect();
    let r = s
        .core
        .order_ops
        .request_return(&b.order_id, lines, b.location_id)
        .await?;
    let o = s.core.orders.get(&r.order_id).await?;
    Ok(Json(
        json!({"return": crate::admin::return_json(&r, &o.currency_code)}),
    ))
}

pub async fn return_reasons(
    State(s): State<AppState>,
    _: StoreScope,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let qs = Qs::parse(raw.as_deref().unwrap_or_default())?;
    let list = ListParams::parse(
        &qs,
        &ListSpec {
            default_limit: 50,
            sorts: &["id", "value", "label", "created_at", "updated_at"],
            dated: true,
        },
    )?;
    let reasons = list.within(s.core.order_ops.reasons().await?, |r| {
        (r.created_at, r.updated_at)
    });
    let page = list.page(reasons, |r, field| match field {
        "id" => SortKey::from(r.id.as_str()),
        "label" => SortKey::from(r.label.as_str()),
        "created_at" => SortKey::from(r.created_at),
        "updated_at" => SortKey::from(r.updated_at),
        _ => SortKey::from(r.value.as_str()),
    });
    let items = page.items.iter().map(crate::admin::reason_json).collect();
    Ok(Json(list_body("return_reasons", items, &page)))
}

pub async fn return_reason(
    State(s): State<AppState>,
    _: StoreScope,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let r = s
        .core
        .order_ops
        .reasons()
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| {
            ApiError::from(DomainError::not_found(format!(
                "Return reason with id: {id} was not found"
            )))
        })?;
    Ok(Json(
        json!({"return_reason": crate::admin::reason_json(&r)}),
    ))
}
