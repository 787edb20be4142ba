//! `/store/returns` and `/store/return-reasons`.

use super::ownership::check_order_owner;
use super::StoreScope;
use crate::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::qs::Qs;
use crate::views::fulfillment::{
    return_reason_list, ReturnAnswer, ReturnDto, ReturnReasonAnswer, ReturnReasonDto,
    ReturnReasonList,
};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use merx_types::DomainError;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLine {
    pub id: String,
    pub quantity: i64,
    pub reason_id: Option<String>,
    /// Accepted for Medusa compatibility; not stored yet.
    #[allow(dead_code)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
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
) -> ApiResult<Json<ReturnAnswer>> {
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
    Ok(Json(ReturnAnswer {
        return_: ReturnDto::new(&r, &o.currency_code),
    }))
}

pub async fn return_reasons(
    State(s): State<AppState>,
    _: StoreScope,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<ReturnReasonList>> {
    let qs = Qs::parse(raw.as_deref().unwrap_or_default())?;
    let reasons = s.core.order_ops.reasons().await?;
    Ok(Json(return_reason_list(&qs, reasons)?))
}

pub async fn return_reason(
    State(s): State<AppState>,
    _: StoreScope,
    Path(id): Path<String>,
) -> ApiResult<Json<ReturnReasonAnswer>> {
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
    Ok(Json(ReturnReasonAnswer {
        return_reason: ReturnReasonDto::from(&r),
    }))
}
