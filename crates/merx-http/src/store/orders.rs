//! `/store/orders`: a placed order and the logged-in customer's orders.

use super::ownership::check_order_owner;
use super::StoreScope;
use crate::caller::Caller;
use crate::caller::CustomerActor;
use crate::error::ApiResult;
use crate::list::{ListParams, ListSpec};
use crate::qs::Qs;
use crate::views::list_body;
use crate::views::order::{order_json, orders_json};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use merx_core::order::{OrderFilter, OrderService};
use serde_json::{json, Value};

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
    let orders = orders_json(&s, &page.items).await?;
    Ok(Json(list_body("orders", orders, &page)))
}
