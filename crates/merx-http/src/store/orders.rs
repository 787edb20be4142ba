//! `/store/orders`: a placed order and the logged-in customer's orders.

use super::ownership::check_order_owner;
use super::StoreScope;
use crate::caller::Caller;
use crate::caller::CustomerActor;
use crate::error::ApiResult;
use crate::list::{ListParams, ListSpec};
use crate::qs::Qs;
use crate::views::order::{OrderAnswer, OrderDto, OrderList};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use merx_core::order::{OrderFilter, OrderService};

pub async fn retrieve_order(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderAnswer>> {
    let o = s.core.orders.get(&id).await?;
    check_order_owner(&o, &caller)?;
    Ok(Json(OrderAnswer {
        order: OrderDto::read(&s, &o).await?,
    }))
}

pub async fn list_orders(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<OrderList>> {
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
    let orders = OrderDto::read_all(&s, &page.items).await?;
    Ok(Json(OrderList::new(orders, &page)))
}
