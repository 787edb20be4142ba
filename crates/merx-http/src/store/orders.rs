//! `/store/orders`: a placed order and the logged-in customer's orders.

use super::ownership::check_order_owner;
use super::StoreScope;
use crate::caller::Caller;
use crate::caller::CustomerActor;
use crate::error::ApiResult;
use crate::extract::QueryText;
use crate::list::{ListParams, ListSpec};
use crate::queries::OrderListParams;
use crate::views::expand;
use crate::views::order::{OrderAnswer, OrderDto, OrderList};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use merx_core::order::{OrderFilter, OrderService};

pub async fn retrieve_order(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
    q: QueryText,
) -> ApiResult<Json<OrderAnswer>> {
    let x = expand::order_selection(q.qs()?.str("fields")?)?;
    let o = s.core.orders.get(&id).await?;
    check_order_owner(&o, &caller)?;
    Ok(Json(OrderAnswer {
        order: OrderDto::read_expanded(&s, &o, &x).await?,
    }))
}

pub async fn list_orders(
    State(s): State<AppState>,
    _: StoreScope,
    c: CustomerActor,
    q: QueryText<OrderListParams>,
) -> ApiResult<Json<OrderList>> {
    let qs = q.qs()?;
    let x = expand::order_selection(qs.str("fields")?)?;
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
    let orders = OrderDto::read_all_expanded(&s, &page.items, &x).await?;
    Ok(Json(OrderList::new(orders, &page)))
}
