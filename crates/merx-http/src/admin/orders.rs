//! `/admin/shipping-options` and `/admin/orders` (read).

use axum::extract::{Path, RawQuery, State};
use axum::http::Method;
use axum::Json;
use merx_core::auth::Permission;
use merx_core::shipping::{NewShippingOption, PriceType, ShippingOption};
use merx_types::{Currency, PageRequest};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};

use super::AdminRoutes;
use crate::dto::{ts, Deleted};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::qs::Qs;
use crate::render::amount;
use crate::store::checkout::order_json;
use crate::store::list_body;
use crate::AppState;

const SHIP_READ: Permission = Permission::read("fulfillments");
const SHIP_WRITE: Permission = Permission::write("fulfillments");
const ORDERS_READ: Permission = Permission::read("orders");

pub(crate) fn routes(r: AdminRoutes) -> AdminRoutes {
    r.add(
        Method::GET,
        "/admin/shipping-options",
        SHIP_READ,
        list_options,
    )
    .add(
        Method::POST,
        "/admin/shipping-options",
        SHIP_WRITE,
        create_option,
    )
    .add(
        Method::GET,
        "/admin/shipping-options/{id}",
        SHIP_READ,
        retrieve_option,
    )
    .add(
        Method::DELETE,
        "/admin/shipping-options/{id}",
        SHIP_WRITE,
        delete_option,
    )
    .add(Method::GET, "/admin/orders", ORDERS_READ, list_orders)
    .add(
        Method::GET,
        "/admin/orders/{id}",
        ORDERS_READ,
        retrieve_order,
    )
}

async fn option_json(s: &AppState, o: &ShippingOption) -> ApiResult<Value> {
    let region = s.core.regions.get(&o.region_id).await?;
    let cur = region.currency_code.as_str();
    Ok(json!({
        "id": o.id, "name": o.name, "region_id": o.region_id, "stock_location_id": o.stock_location_id,
        "shipping_profile_id": o.shipping_profile_id, "provider_id": o.provider_id, "price_type": o.price_type.as_str(),
        "amount": o.amount.map(|a| amount(a, cur)), "is_return": o.is_return,
        "min_subtotal": o.min_subtotal.map(|a| amount(a, cur)), "max_subtotal": o.max_subtotal.map(|a| amount(a, cur)),
        "data": o.data, "type": {"label": o.type_label, "description": o.type_description, "code": o.type_code},
        "created_at": ts(o.created_at), "updated_at": ts(o.updated_at), "deleted_at": null,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeBody {
    pub label: String,
    pub description: Option<String>,
    pub code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionBody {
    pub name: String,
    pub region_id: String,
    pub stock_location_id: Option<String>,
    /// `flat` or `calculated`.
    pub price_type: Option<String>,
    /// Major units in the region's currency; for calculated options, the base price.
    pub amount: Option<Decimal>,
    /// Calculated options: added per unit shipped (major units).
    pub per_item_amount: Option<Decimal>,
    pub is_return: Option<bool>,
    pub min_subtotal: Option<Decimal>,
    pub max_subtotal: Option<Decimal>,
    #[serde(rename = "type")]
    pub option_type: Option<TypeBody>,
}

fn minor(v: Option<Decimal>, cur: &Currency, what: &str) -> ApiResult<Option<i64>> {
    v.map(|d| {
        merx_types::money::major_to_minor_exact(d, cur.decimal_digits).ok_or_else(|| {
            ApiError::invalid(format!("{what} has more decimals than {} allows", cur.code))
        })
    })
    .transpose()
}

pub async fn create_option(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<OptionBody>,
) -> ApiResult<Json<Value>> {
    let region = s
        .core
        .regions
        .get(&b.region_id)
        .await
        .map_err(|_| ApiError::invalid(format!("Region {} does not exist", b.region_id)))?;
    let cur = Currency::find(&region.currency_code)
        .ok_or_else(|| ApiError::invalid("the region's currency is unknown"))?;
    let price_type = match b.price_type.as_deref() {
        None => None,
        Some(p) => Some(PriceType::parse(p).ok_or_else(|| {
            ApiError::invalid(format!("price_type must be flat or calculated, not {p:?}"))
        })?),
    };
    let per_item = minor(b.per_item_amount, cur, "per_item_amount")?;
    let o = s
        .core
        .shipping
        .create_option(NewShippingOption {
            name: b.name,
            region_id: b.region_id,
            stock_location_id: b.stock_location_id,
            price_type,
            amount: minor(b.amount, cur, "amount")?,
            is_return: b.is_return.unwrap_or(false),
            min_subtotal: minor(b.min_subtotal, cur, "min_subtotal")?,
            max_subtotal: minor(b.max_subtotal, cur, "max_subtotal")?,
            data: per_item.map(|p| json!({"per_item": p})),
            type_label: b.option_type.as_ref().map(|t| t.label.clone()),
            type_description: b.option_type.as_ref().and_then(|t| t.description.clone()),
            type_code: b.option_type.and_then(|t| t.code),
        })
        .await?;
    Ok(Json(json!({"shipping_option": option_json(&s, &o).await?})))
}

pub async fn list_options(
    State(s): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let qs = Qs::parse(raw.as_deref().unwrap_or_default())?;
    let page = PageRequest::parse(qs.int("limit")?, qs.int("offset")?, 20)?;
    let page = s.core.shipping.list(qs.str("region_id")?, page).await?;
    let mut items = Vec::new();
    for o in &page.items {
        items.push(option_json(&s, o).await?);
    }
    Ok(Json(list_body("shipping_options", items, &page)))
}

pub async fn retrieve_option(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let o = s.core.shipping.get(&id).await?;
    Ok(Json(json!({"shipping_option": option_json(&s, &o).await?})))
}

pub async fn delete_option(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.shipping.delete(&id).await?;
    Ok(Json(Deleted::new(id, "shipping_option")))
}

pub async fn list_orders(
    State(s): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let qs = Qs::parse(raw.as_deref().unwrap_or_default())?;
    let page = PageRequest::parse(qs.int("limit")?, qs.int("offset")?, 20)?;
    let page = s.core.orders.list(qs.str("customer_id")?, page).await?;
    let mut items = Vec::new();
    for o in &page.items {
        items.push(order_json(&s, o).await?);
    }
    Ok(Json(list_body("orders", items, &page)))
}

pub async fn retrieve_order(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let o = s.core.orders.get(&id).await?;
    Ok(Json(json!({"order": order_json(&s, &o).await?})))
}
