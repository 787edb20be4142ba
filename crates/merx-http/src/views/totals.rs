//! Amounts, addresses, tax lines and totals as Medusa renders them on carts and orders.

use crate::render::amount;
use merx_core::cart::totals::{LineTotals, Totals};
use merx_core::cart::CartAddress;
use serde_json::{json, Map, Value};

pub(crate) fn address_json(a: &Option<CartAddress>) -> Value {
    match a {
        None => Value::Null,
        Some(a) => {
            let f = &a.fields;
            json!({"id": a.id, "first_name": f.first_name, "last_name": f.last_name, "company": f.company, "address_1": f.address_1,
                   "address_2": f.address_2, "city": f.city, "postal_code": f.postal_code, "country_code": f.country_code,
                   "province": f.province, "phone": f.phone, "metadata": f.metadata})
        }
    }
}

pub(crate) fn tax_lines(t: &LineTotals, prefix: &str, owner: &str, cur: &str) -> Value {
    Value::Array(
        t.tax_lines
            .iter()
            .map(|(r, amt)| {
                json!({"id": format!("{prefix}_{}_{}", owner.rsplit('_').next().unwrap_or(owner), r.rate_id.rsplit('_').next().unwrap_or(&r.rate_id)),
                       "description": r.name, "code": r.code, "rate": r.rate.normalize().to_string().parse::<f64>().ok(),
                       "provider_id": "tp_system", "tax_rate_id": r.rate_id, "total": amount(*amt, cur)})
            })
            .collect(),
    )
}

/// Every total Medusa puts on a cart or order (discounts and credit lines are zero for now).
pub(crate) fn put_totals(m: &mut Map<String, Value>, t: &Totals, cur: &str) {
    let a = |v: i64| amount(v, cur);
    let fields = [
        ("total", t.total),
        ("subtotal", t.subtotal),
        ("tax_total", t.tax_total),
        ("discount_total", 0),
        ("discount_subtotal", 0),
        ("discount_tax_total", 0),
        ("original_total", t.total),
        ("original_tax_total", t.tax_total),
        ("original_subtotal", t.subtotal),
        ("item_total", t.item_total),
        ("item_subtotal", t.item_subtotal),
        ("item_tax_total", t.item_tax_total),
        ("item_discount_total", 0),
        ("original_item_total", t.item_total),
        ("original_item_subtotal", t.item_subtotal),
        ("original_item_tax_total", t.item_tax_total),
        ("shipping_total", t.shipping_total),
        ("shipping_subtotal", t.shipping_subtotal),
        ("shipping_tax_total", t.shipping_tax_total),
        ("shipping_discount_total", 0),
        ("original_shipping_total", t.shipping_total),
        ("original_shipping_subtotal", t.shipping_subtotal),
        ("original_shipping_tax_total", t.shipping_tax_total),
        ("credit_line_total", 0),
        ("credit_line_subtotal", 0),
        ("credit_line_tax_total", 0),
        ("gift_card_total", 0),
        ("gift_card_tax_total", 0),
    ];
    for (k, v) in fields {
        m.insert(k.into(), a(v));
    }
}

pub(crate) fn line_totals(m: &mut Map<String, Value>, t: &LineTotals, cur: &str) {
    for (k, v) in [
        ("subtotal", t.subtotal),
        ("tax_total", t.tax_total),
        ("total", t.total),
        ("original_total", t.total),
        ("original_subtotal", t.subtotal),
        ("original_tax_total", t.tax_total),
        ("discount_total", 0),
        ("discount_subtotal", 0),
        ("discount_tax_total", 0),
    ] {
        m.insert(k.into(), amount(v, cur));
    }
}
