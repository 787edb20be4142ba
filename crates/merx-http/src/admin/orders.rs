//! `/admin/shipping-options` and `/admin/orders` (read).

use axum::extract::{Path, State};
use axum::http::Method;
use axum::Json;
use merx_core::auth::Permission;
use merx_core::shipping::{NewShippingOption, PriceType, ShippingOption};
use merx_types::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::AdminRoutes;
use crate::dto::{answer, list_answer, ts, Amount, Deleted};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
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

/// A shipping option's type.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdminShippingOptionType {
    pub label: String,
    pub description: Option<String>,
    pub code: String,
}

/// A shipping option, its amounts in its region's currency.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdminShippingOption {
    pub id: String,
    pub name: String,
    pub region_id: String,
    pub stock_location_id: Option<String>,
    pub shipping_profile_id: String,
    pub provider_id: String,
    /// `flat` or `calculated`.
    pub price_type: &'static str,
    /// The flat price, or the base of a calculated one.
    pub amount: Option<Amount>,
    pub is_return: bool,
    pub min_subtotal: Option<Amount>,
    pub max_subtotal: Option<Amount>,
    /// For calculated options: `{"per_item": <minor units>}`.
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
    #[serde(rename = "type")]
    pub option_type: AdminShippingOptionType,
    pub created_at: String,
    pub updated_at: String,
    /// Always `null`: deleted options are not shown.
    pub deleted_at: Option<String>,
}

impl AdminShippingOption {
    /// `o`, its amounts in its region's currency.
    async fn read(s: &AppState, o: &ShippingOption) -> ApiResult<Self> {
        let region = s.core.regions.get(&o.region_id).await?;
        let cur = region.currency_code.as_str();
        let a = |v: Option<i64>| v.map(|v| Amount::new(v, cur));
        Ok(Self {
            id: o.id.clone(),
            name: o.name.clone(),
            region_id: o.region_id.clone(),
            stock_location_id: o.stock_location_id.clone(),
            shipping_profile_id: o.shipping_profile_id.clone(),
            provider_id: o.provider_id.clone(),
            price_type: o.price_type.as_str(),
            amount: a(o.amount),
            is_return: o.is_return,
            min_subtotal: a(o.min_subtotal),
            max_subtotal: a(o.max_subtotal),
            data: o.data.clone(),
            option_type: AdminShippingOptionType {
                label: o.type_label.clone(),
                description: o.type_description.clone(),
                code: o.type_code.clone(),
            },
            created_at: ts(o.created_at),
            updated_at: ts(o.updated_at),
            deleted_at: None,
        })
    }
}

answer!(AdminShippingOptionAnswer {
    shipping_option: AdminShippingOption
});
list_answer!(AdminShippingOptionList {
    shipping_options: AdminShippingOption
});

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypeBody {
    pub label: String,
    pub description: Option<String>,
    pub code: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShippingOptionBody {
    pub name: String,
    pub region_id: String,
    pub stock_location_id: Option<String>,
    /// `flat` or `calculated`.
    pub price_type: Option<String>,
    /// Major units in the region's currency; for calculated options, the base price.
    #[schema(value_type = Option<f64>)]
    pub amount: Option<Decimal>,
    /// Calculated options: added per unit shipped (major units).
    #[schema(value_type = Option<f64>)]
    pub per_item_amount: Option<Decimal>,
    pub is_return: Option<bool>,
    #[schema(value_type = Option<f64>)]
    pub min_subtotal: Option<Decimal>,
    #[schema(value_type = Option<f64>)]
    pub max_subtotal: Option<Decimal>,
    #[serde(rename = "type")]
    pub option_type: Option<TypeBody>,
}

/// A client's major-unit amount in minor units of `cur` (see [`merx_types::Money::from_major`]).
fn minor(v: Option<Decimal>, cur: &Currency, what: &str) -> ApiResult<Option<i64>> {
    v.map(|d| {
        merx_types::Money::from_major(d, cur.code)
            .map(|m| m.minor)
            .map_err(|e| ApiError::invalid(format!("{what}: {}", e.message)))
    })
    .transpose()
}

pub async fn create_option(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<ShippingOptionBody>,
) -> ApiResult<Json<AdminShippingOptionAnswer>> {
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
    Ok(Json(AdminShippingOptionAnswer {
        shipping_option: AdminShippingOption::read(&s, &o).await?,
    }))
}

pub async fn list_options(
    State(s): State<AppState>,
    ListQuery { qs, page }: ListQuery<20>,
) -> ApiResult<Json<AdminShippingOptionList>> {
    let page = s.core.shipping.list(qs.str("region_id")?, page).await?;
    let mut items = Vec::new();
    for o in &page.items {
        items.push(AdminShippingOption::read(&s, o).await?);
    }
    Ok(Json(AdminShippingOptionList::new(items, &page)))
}

pub async fn retrieve_option(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminShippingOptionAnswer>> {
    let o = s.core.shipping.get(&id).await?;
    Ok(Json(AdminShippingOptionAnswer {
        shipping_option: AdminShippingOption::read(&s, &o).await?,
    }))
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
    ListQuery { qs, page }: ListQuery<20>,
) -> ApiResult<Json<OrderList>> {
    let filter = merx_core::order::OrderFilter {
        customer_id: qs.str("customer_id")?.map(str::to_string),
        statuses: qs.list("status")?,
        q: qs.str("q")?.map(str::to_string),
        ..Default::default()
    };
    let page = s.core.orders.search(&filter, page).await?;
    let items = OrderDto::read_all(&s, &page.items).await?;
    Ok(Json(OrderList::new(items, &page)))
}

/// The order as every order operation answers it: with its fulfillments and returns.
pub async fn retrieve_order(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminOrderAnswer>> {
    admin_order(&s, &id).await
}

// ---------- order operations

use crate::extract::ListQuery;
use crate::extract::OptionalJson;
use crate::views::fulfillment::{
    return_reason_list, ReturnAnswer, ReturnDto, ReturnReasonAnswer, ReturnReasonDto,
    ReturnReasonList,
};
use crate::views::order::{AdminOrderAnswer, AdminOrderDto, OrderDto, OrderList};
use merx_core::order::LineQuantity;

const ORDERS_WRITE: Permission = Permission::write("orders");
const RETURNS_READ: Permission = Permission::read("returns");
const RETURNS_WRITE: Permission = Permission::write("returns");

pub(crate) fn operation_routes(r: AdminRoutes) -> AdminRoutes {
    r.add(
        Method::POST,
        "/admin/orders/{id}/fulfillments",
        ORDERS_WRITE,
        create_fulfillment,
    )
    .add(
        Method::POST,
        "/admin/orders/{id}/fulfillments/{fid}/shipments",
        ORDERS_WRITE,
        ship,
    )
    .add(
        Method::POST,
        "/admin/orders/{id}/fulfillments/{fid}/mark-as-delivered",
        ORDERS_WRITE,
        deliver,
    )
    .add(
        Method::POST,
        "/admin/orders/{id}/fulfillments/{fid}/cancel",
        ORDERS_WRITE,
        cancel_fulfillment,
    )
    .add(
        Method::POST,
        "/admin/orders/{id}/capture",
        Permission::write("payments"),
        capture,
    )
    .add(
        Method::POST,
        "/admin/orders/{id}/refund",
        Permission::write("payments"),
        refund,
    )
    .add(
        Method::POST,
        "/admin/orders/{id}/cancel",
        ORDERS_WRITE,
        cancel,
    )
    .add(
        Method::GET,
        "/admin/return-reasons",
        RETURNS_READ,
        list_reasons,
    )
    .add(
        Method::POST,
        "/admin/return-reasons",
        RETURNS_WRITE,
        create_reason,
    )
    .add(Method::POST, "/admin/returns", RETURNS_WRITE, create_return)
    .add(
        Method::GET,
        "/admin/returns/{id}",
        RETURNS_READ,
        retrieve_return,
    )
    .add(
        Method::POST,
        "/admin/returns/{id}/receive",
        RETURNS_WRITE,
        receive_return,
    )
}

/// The admin view of an order: the store view plus fulfillments and returns.
async fn admin_order(s: &AppState, id: &str) -> ApiResult<Json<AdminOrderAnswer>> {
    let o = s.core.orders.get(id).await?;
    let order = OrderDto::read(s, &o).await?;
    let fulfillments = s.core.order_ops.fulfillments(id).await?;
    let returns = s.core.order_ops.returns(id).await?;
    Ok(Json(AdminOrderAnswer {
        order: AdminOrderDto::new(order, &fulfillments, &returns),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineBody {
    pub id: String,
    pub quantity: i64,
    pub reason_id: Option<String>,
    /// Accepted for Medusa compatibility; not stored yet.
    #[allow(dead_code)]
    pub note: Option<String>,
}

fn lines(items: Vec<LineBody>) -> Vec<LineQuantity> {
    items
        .into_iter()
        .map(|l| LineQuantity {
            line_item_id: l.id,
            quantity: l.quantity,
            reason_id: l.reason_id,
        })
        .collect()
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FulfillmentBody {
    pub location_id: String,
    pub items: Vec<LineBody>,
    /// Accepted for Medusa compatibility; not stored yet.
    #[allow(dead_code)]
    #[serde(default, deserialize_with = "crate::dto::metadata")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    /// Accepted for Medusa compatibility; Merx sends no fulfillment notifications yet.
    #[allow(dead_code)]
    pub no_notification: Option<bool>,
}

pub async fn create_fulfillment(
    State(s): State<AppState>,
    actor: super::AdminActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<FulfillmentBody>,
) -> ApiResult<Json<AdminOrderAnswer>> {
    s.core
        .order_ops
        .create_fulfillment(&id, &b.location_id, lines(b.items), Some(&actor.id))
        .await?;
    admin_order(&s, &id).await
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipBody {
    #[serde(default)]
    pub labels: Vec<Value>,
    pub items: Option<Vec<LineBody>>,
}

pub async fn ship(
    State(s): State<AppState>,
    Path((id, fid)): Path<(String, String)>,
    ApiJson(b): ApiJson<ShipBody>,
) -> ApiResult<Json<AdminOrderAnswer>> {
    let _ = b.items;
    s.core.order_ops.ship(&id, &fid, b.labels).await?;
    admin_order(&s, &id).await
}

pub async fn deliver(
    State(s): State<AppState>,
    Path((id, fid)): Path<(String, String)>,
) -> ApiResult<Json<AdminOrderAnswer>> {
    s.core.order_ops.deliver(&id, &fid).await?;
    admin_order(&s, &id).await
}

pub async fn cancel_fulfillment(
    State(s): State<AppState>,
    actor: super::AdminActor,
    Path((id, fid)): Path<(String, String)>,
) -> ApiResult<Json<AdminOrderAnswer>> {
    s.core
        .order_ops
        .cancel_fulfillment(&id, &fid, Some(&actor.id))
        .await?;
    admin_order(&s, &id).await
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmountBody {
    #[schema(value_type = Option<f64>)]
    pub amount: Option<Decimal>,
    pub note: Option<String>,
}

async fn minor_for_order(
    s: &AppState,
    order_id: &str,
    v: Option<Decimal>,
) -> ApiResult<Option<i64>> {
    let o = s.core.orders.get(order_id).await?;
    let cur =
        Currency::find(&o.currency_code).ok_or_else(|| ApiError::invalid("unknown currency"))?;
    minor(v, cur, "amount")
}

/// The client's `Idempotency-Key`, which payment operations carry to the provider.
fn client_key(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(crate::idempotency::HEADER)
        .and_then(|v| v.to_str().ok())
}

pub async fn capture(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    OptionalJson(b): OptionalJson<AmountBody>,
) -> ApiResult<Json<AdminOrderAnswer>> {
    let amount = minor_for_order(&s, &id, b.amount).await?;
    s.core
        .order_ops
        .capture(&id, amount, client_key(&headers))
        .await?;
    admin_order(&s, &id).await
}

pub async fn refund(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    ApiJson(b): ApiJson<AmountBody>,
) -> ApiResult<Json<AdminOrderAnswer>> {
    let amount = minor_for_order(&s, &id, b.amount)
        .await?
        .ok_or_else(|| ApiError::invalid("amount is required"))?;
    s.core
        .order_ops
        .refund(&id, amount, b.note.as_deref(), client_key(&headers))
        .await?;
    admin_order(&s, &id).await
}

pub async fn cancel(
    State(s): State<AppState>,
    actor: super::AdminActor,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Json<AdminOrderAnswer>> {
    s.core
        .order_ops
        .cancel(&id, Some(&actor.id), client_key(&headers))
        .await?;
    admin_order(&s, &id).await
}

/// Every return reason, in one page.
pub async fn list_reasons(
    State(s): State<AppState>,
    query: crate::extract::QueryText<crate::queries::ReasonListParams>,
) -> ApiResult<Json<ReturnReasonList>> {
    let reasons = s.core.order_ops.reasons().await?;
    Ok(Json(return_reason_list(&query.qs()?, reasons)?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub value: String,
    pub label: String,
    pub description: Option<String>,
}

pub async fn create_reason(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<ReturnReasonAnswer>> {
    let r = s
        .core
        .order_ops
        .create_reason(&b.value, &b.label, b.description)
        .await?;
    Ok(Json(ReturnReasonAnswer {
        return_reason: ReturnReasonDto::from(&r),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnBody {
    pub order_id: String,
    pub items: Vec<LineBody>,
    pub location_id: Option<String>,
    pub return_shipping: Option<Value>,
    pub note: Option<String>,
}

pub async fn create_return(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<ReturnBody>,
) -> ApiResult<Json<ReturnAnswer>> {
    let _ = (&b.return_shipping, &b.note);
    let r = s
        .core
        .order_ops
        .request_return(&b.order_id, lines(b.items), b.location_id)
        .await?;
    let o = s.core.orders.get(&r.order_id).await?;
    Ok(Json(ReturnAnswer {
        return_: ReturnDto::new(&r, &o.currency_code),
    }))
}

pub async fn retrieve_return(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ReturnAnswer>> {
    let r = s.core.order_ops.get_return(&id).await?;
    let o = s.core.orders.get(&r.order_id).await?;
    Ok(Json(ReturnAnswer {
        return_: ReturnDto::new(&r, &o.currency_code),
    }))
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveBody {
    pub location_id: Option<String>,
    #[schema(value_type = Option<f64>)]
    pub refund_amount: Option<Decimal>,
}

pub async fn receive_return(
    State(s): State<AppState>,
    actor: super::AdminActor,
    Path(id): Path<String>,
    OptionalJson(b): OptionalJson<ReceiveBody>,
) -> ApiResult<Json<ReturnAnswer>> {
    let r = s.core.order_ops.get_return(&id).await?;
    let refund = minor_for_order(&s, &r.order_id, b.refund_amount).await?;
    let r = s
        .core
        .order_ops
        .receive_return(&id, b.location_id, refund, Some(&actor.id))
        .await?;
    let o = s.core.orders.get(&r.order_id).await?;
    Ok(Json(ReturnAnswer {
        return_: ReturnDto::new(&r, &o.currency_code),
    }))
}
