//! An order's fulfillments and returns, and return reasons, as Medusa renders them.

use merx_core::order::{Fulfillment, Return, ReturnReason};
use serde_json::{json, Value};

use crate::dto::ts;
use crate::render::amount;

pub fn fulfillment_json(f: &Fulfillment) -> Value {
    json!({
        "id": f.id, "order_id": f.order_id, "location_id": f.location_id, "provider_id": f.provider_id,
        "items": f.items.iter().map(|l| json!({"line_item_id": l.line_item_id, "quantity": l.quantity})).collect::<Vec<_>>(),
        "labels": f.labels, "shipped_at": crate::dto::opt_ts(f.shipped_at), "delivered_at": crate::dto::opt_ts(f.delivered_at),
        "canceled_at": crate::dto::opt_ts(f.canceled_at), "created_at": ts(f.created_at),
    })
}

pub fn return_json(r: &Return, currency: &str) -> Value {
    json!({
        "id": r.id, "order_id": r.order_id, "status": r.status, "location_id": r.location_id,
        "items": r.items.iter().map(|l| json!({"item_id": l.line_item_id, "quantity": l.quantity, "reason_id": l.reason_id})).collect::<Vec<_>>(),
        "refund_amount": r.refund_amount.map(|a| amount(a, currency)), "received_at": crate::dto::opt_ts(r.received_at), "created_at": ts(r.created_at),
    })
}

pub fn reason_json(r: &ReturnReason) -> Value {
    json!({"id": r.id, "value": r.value, "label": r.label, "description": r.description, "created_at": ts(r.created_at), "deleted_at": null})
}
