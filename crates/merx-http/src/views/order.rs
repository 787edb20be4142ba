//! An order as Medusa renders it, and the payment collection it carries.

use crate::dto::{opt_ts, ts};
use crate::error::ApiResult;
use crate::render::{amount, raw_amount};
use crate::views::totals::address_json;
use crate::views::totals::line_totals;
use crate::views::totals::put_totals;
use crate::views::totals::tax_lines;
use crate::AppState;
use merx_core::order::{FulfillmentStatus, Order, PaymentStatus};
use merx_core::payment::Collection;
use serde_json::{json, Map, Value};

pub(crate) fn payment_collection_json(c: &Collection) -> Value {
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

pub(crate) async fn order_json(s: &AppState, o: &Order) -> ApiResult<Value> {
    let collection = match &o.cart_id {
        Some(c) => s.core.payments.collection_of_cart(c).await?,
        None => None,
    };
    Ok(order_json_with(o, collection))
}

/// Orders as Medusa renders them, their payment collections read in one query.
pub(crate) async fn orders_json(s: &AppState, orders: &[Order]) -> ApiResult<Vec<Value>> {
    let carts: Vec<String> = orders.iter().filter_map(|o| o.cart_id.clone()).collect();
    let mut collections = s.core.payments.collections_of_carts(&carts).await?;
    Ok(orders
        .iter()
        .map(|o| {
            let collection = o.cart_id.as_ref().and_then(|c| collections.remove(c));
            order_json_with(o, collection)
        })
        .collect())
}

/// The order as Medusa renders it, with its payment collection already read.
pub(crate) fn order_json_with(o: &Order, collection: Option<Collection>) -> Value {
    let cur = o.currency_code.as_str();
    let paid = collection.as_ref().map(|c| c.captured_amount).unwrap_or(0);
    let refunded = collection.as_ref().map(|c| c.refunded_amount).unwrap_or(0);
    let payment_status = PaymentStatus::of(o.totals.total, collection.as_ref()).as_str();
    let fulfillment_status = FulfillmentStatus::of(o).as_str();
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
            Value::Array(collection.iter().map(payment_collection_json).collect()),
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
