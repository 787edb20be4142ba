//! An order's fulfillments and returns, and return reasons, as Medusa renders them.

use merx_core::order::{Fulfillment, Return, ReturnReason};
use serde::Serialize;
use serde_json::Value;

use crate::dto::{answer, list_answer, opt_ts, ts, Amount};
use crate::error::ApiResult;
use crate::list::{ListParams, ListSpec, SortKey};
use crate::qs::Qs;

/// A line item and how many of its units a fulfillment holds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FulfillmentItemDto {
    pub line_item_id: String,
    pub quantity: i64,
}

/// A fulfillment of some of an order's units from one stock location.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FulfillmentDto {
    pub id: String,
    pub order_id: String,
    pub location_id: String,
    pub provider_id: String,
    pub items: Vec<FulfillmentItemDto>,
    /// The tracking labels given when it shipped, as they were sent.
    #[schema(value_type = Vec<Value>)]
    pub labels: Value,
    pub shipped_at: Option<String>,
    pub delivered_at: Option<String>,
    pub canceled_at: Option<String>,
    pub created_at: String,
}

impl From<&Fulfillment> for FulfillmentDto {
    fn from(f: &Fulfillment) -> Self {
        Self {
            id: f.id.clone(),
            order_id: f.order_id.clone(),
            location_id: f.location_id.clone(),
            provider_id: f.provider_id.clone(),
            items: f
                .items
                .iter()
                .map(|l| FulfillmentItemDto {
                    line_item_id: l.line_item_id.clone(),
                    quantity: l.quantity,
                })
                .collect(),
            labels: f.labels.clone(),
            shipped_at: opt_ts(f.shipped_at),
            delivered_at: opt_ts(f.delivered_at),
            canceled_at: opt_ts(f.canceled_at),
            created_at: ts(f.created_at),
        }
    }
}

/// A line item, how many of its units are returned, and why.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReturnItemDto {
    pub item_id: String,
    pub quantity: i64,
    pub reason_id: Option<String>,
}

/// A return of some of an order's units.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReturnDto {
    pub id: String,
    pub order_id: String,
    /// `requested`, `received` or `canceled`.
    pub status: String,
    pub location_id: Option<String>,
    pub items: Vec<ReturnItemDto>,
    pub refund_amount: Option<Amount>,
    pub received_at: Option<String>,
    pub created_at: String,
}

impl ReturnDto {
    /// `r`, its amounts in `currency` (its order's).
    pub fn new(r: &Return, currency: &str) -> Self {
        Self {
            id: r.id.clone(),
            order_id: r.order_id.clone(),
            status: r.status.clone(),
            location_id: r.location_id.clone(),
            items: r
                .items
                .iter()
                .map(|l| ReturnItemDto {
                    item_id: l.line_item_id.clone(),
                    quantity: l.quantity,
                    reason_id: l.reason_id.clone(),
                })
                .collect(),
            refund_amount: r.refund_amount.map(|a| Amount::new(a, currency)),
            received_at: opt_ts(r.received_at),
            created_at: ts(r.created_at),
        }
    }
}

/// `{"return": …}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReturnAnswer {
    #[serde(rename = "return")]
    pub return_: ReturnDto,
}

/// A reason a customer may give for returning an item.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReturnReasonDto {
    pub id: String,
    pub value: String,
    pub label: String,
    pub description: Option<String>,
    pub created_at: String,
    /// Always `null`: deleted reasons are not shown.
    pub deleted_at: Option<String>,
}

impl From<&ReturnReason> for ReturnReasonDto {
    fn from(r: &ReturnReason) -> Self {
        Self {
            id: r.id.clone(),
            value: r.value.clone(),
            label: r.label.clone(),
            description: r.description.clone(),
            created_at: ts(r.created_at),
            deleted_at: None,
        }
    }
}

answer!(ReturnReasonAnswer {
    return_reason: ReturnReasonDto
});
list_answer!(ReturnReasonList {
    return_reasons: ReturnReasonDto
});

/// A page of return reasons as both APIs list them: Medusa's paging, `order` over their columns
/// and date bounds, read from `qs` (there are few reasons, so they are paged in memory).
pub fn return_reason_list(qs: &Qs, reasons: Vec<ReturnReason>) -> ApiResult<ReturnReasonList> {
    let list = ListParams::parse(
        qs,
        &ListSpec {
            default_limit: 50,
            sorts: &["id", "value", "label", "created_at", "updated_at"],
            dated: true,
        },
    )?;
    let reasons = list.within(reasons, |r| (r.created_at, r.updated_at));
    let page = list.page(reasons, |r, field| match field {
        "id" => SortKey::from(r.id.as_str()),
        "label" => SortKey::from(r.label.as_str()),
        "created_at" => SortKey::from(r.created_at),
        "updated_at" => SortKey::from(r.updated_at),
        _ => SortKey::from(r.value.as_str()),
    });
    let items = page.items.iter().map(ReturnReasonDto::from).collect();
    Ok(ReturnReasonList::new(items, &page))
}
