//! A cart as Medusa renders it (`{cart: …}`), with its lines, methods and totals.

use crate::dto::{opt_ts, ts};
use crate::error::ApiResult;
use crate::render::amount;
use crate::views::order::payment_collection_json;
use crate::views::totals::address_json;
use crate::views::totals::line_totals;
use crate::views::totals::put_totals;
use crate::views::totals::tax_lines;
use crate::AppState;
use merx_core::cart::CartView;
use merx_core::payment::Collection;
use serde_json::{json, Map, Value};

pub(crate) async fn cart_json(s: &AppState, v: &CartView) -> ApiResult<Value> {
    let collection = s.core.payments.collection_of_cart(&v.cart.id).await?;
    cart_json_with(s, v, collection).await
}

/// The cart as Medusa renders it, with its payment collection already read.
pub(crate) async fn cart_json_with(
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
                .map(payment_collection_json)
                .unwrap_or(Value::Null),
        ),
    ] {
        m.insert(k.into(), val);
    }
    put_totals(&mut m, &v.totals, cur);
    Ok(Value::Object(m))
}
