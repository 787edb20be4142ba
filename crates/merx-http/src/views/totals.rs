//! Amounts, addresses, tax lines and totals as Medusa renders them on carts and orders.

use merx_core::cart::totals::{LineTotals, Totals};
use merx_core::cart::CartAddress;
use serde::Serialize;
use serde_json::Value;

use crate::dto::Amount;

/// A reference to a related entity by its id alone (`{"id": …}`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LinkedId {
    pub id: String,
}

impl LinkedId {
    pub fn all(ids: &[String]) -> Vec<Self> {
        ids.iter().map(|id| Self { id: id.clone() }).collect()
    }
}

/// A postal address on a cart or an order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CartAddressDto {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub address_1: Option<String>,
    pub address_2: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub country_code: Option<String>,
    pub province: Option<String>,
    pub phone: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

impl CartAddressDto {
    pub fn of(a: &Option<CartAddress>) -> Option<Self> {
        a.as_ref().map(|a| {
            let f = &a.fields;
            Self {
                id: a.id.clone(),
                first_name: f.first_name.clone(),
                last_name: f.last_name.clone(),
                company: f.company.clone(),
                address_1: f.address_1.clone(),
                address_2: f.address_2.clone(),
                city: f.city.clone(),
                postal_code: f.postal_code.clone(),
                country_code: f.country_code.clone(),
                province: f.province.clone(),
                phone: f.phone.clone(),
                metadata: f.metadata.clone(),
            }
        })
    }
}

/// One tax applied to a line item or a shipping method.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaxLineDto {
    pub id: String,
    pub description: String,
    pub code: String,
    /// The rate in percent (`20` for 20%).
    pub rate: Option<f64>,
    pub provider_id: &'static str,
    pub tax_rate_id: String,
    pub total: Amount,
}

impl TaxLineDto {
    /// The tax lines of `owner` (a line item or a shipping method), with ids made from `prefix`,
    /// the owner's and the rate's.
    pub fn all(t: &LineTotals, prefix: &str, owner: &str, cur: &str) -> Vec<Self> {
        let tail = |id: &str| id.rsplit('_').next().unwrap_or(id).to_string();
        t.tax_lines
            .iter()
            .map(|(r, amt)| Self {
                id: format!("{prefix}_{}_{}", tail(owner), tail(&r.rate_id)),
                description: r.name.clone(),
                code: r.code.clone(),
                rate: r.rate.normalize().to_string().parse::<f64>().ok(),
                provider_id: "tp_system",
                tax_rate_id: r.rate_id.clone(),
                total: Amount::new(*amt, cur),
            })
            .collect()
    }
}

/// Every total Medusa puts on a cart or an order (discounts and credit lines are zero for now).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TotalsDto {
    pub total: Amount,
    pub subtotal: Amount,
    pub tax_total: Amount,
    pub discount_total: Amount,
    pub discount_subtotal: Amount,
    pub discount_tax_total: Amount,
    pub original_total: Amount,
    pub original_tax_total: Amount,
    pub original_subtotal: Amount,
    pub item_total: Amount,
    pub item_subtotal: Amount,
    pub item_tax_total: Amount,
    pub item_discount_total: Amount,
    pub original_item_total: Amount,
    pub original_item_subtotal: Amount,
    pub original_item_tax_total: Amount,
    pub shipping_total: Amount,
    pub shipping_subtotal: Amount,
    pub shipping_tax_total: Amount,
    pub shipping_discount_total: Amount,
    pub original_shipping_total: Amount,
    pub original_shipping_subtotal: Amount,
    pub original_shipping_tax_total: Amount,
    pub credit_line_total: Amount,
    pub credit_line_subtotal: Amount,
    pub credit_line_tax_total: Amount,
    pub gift_card_total: Amount,
    pub gift_card_tax_total: Amount,
}

impl TotalsDto {
    pub fn new(t: &Totals, cur: &str) -> Self {
        let a = |v: i64| Amount::new(v, cur);
        Self {
            total: a(t.total),
            subtotal: a(t.subtotal),
            tax_total: a(t.tax_total),
            discount_total: a(0),
            discount_subtotal: a(0),
            discount_tax_total: a(0),
            original_total: a(t.total),
            original_tax_total: a(t.tax_total),
            original_subtotal: a(t.subtotal),
            item_total: a(t.item_total),
            item_subtotal: a(t.item_subtotal),
            item_tax_total: a(t.item_tax_total),
            item_discount_total: a(0),
            original_item_total: a(t.item_total),
            original_item_subtotal: a(t.item_subtotal),
            original_item_tax_total: a(t.item_tax_total),
            shipping_total: a(t.shipping_total),
            shipping_subtotal: a(t.shipping_subtotal),
            shipping_tax_total: a(t.shipping_tax_total),
            shipping_discount_total: a(0),
            original_shipping_total: a(t.shipping_total),
            original_shipping_subtotal: a(t.shipping_subtotal),
            original_shipping_tax_total: a(t.shipping_tax_total),
            credit_line_total: a(0),
            credit_line_subtotal: a(0),
            credit_line_tax_total: a(0),
            gift_card_total: a(0),
            gift_card_tax_total: a(0),
        }
    }
}

/// The totals of one line item or shipping method.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LineTotalsDto {
    pub subtotal: Amount,
    pub tax_total: Amount,
    pub total: Amount,
    pub original_total: Amount,
    pub original_subtotal: Amount,
    pub original_tax_total: Amount,
    pub discount_total: Amount,
    pub discount_subtotal: Amount,
    pub discount_tax_total: Amount,
}

impl LineTotalsDto {
    pub fn new(t: &LineTotals, cur: &str) -> Self {
        let a = |v: i64| Amount::new(v, cur);
        Self {
            subtotal: a(t.subtotal),
            tax_total: a(t.tax_total),
            total: a(t.total),
            original_total: a(t.total),
            original_subtotal: a(t.subtotal),
            original_tax_total: a(t.tax_total),
            discount_total: a(0),
            discount_subtotal: a(0),
            discount_tax_total: a(0),
        }
    }
}
