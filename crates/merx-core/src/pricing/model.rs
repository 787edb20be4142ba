use rust_decimal::Decimal;
use serde_json::Value;
use time::OffsetDateTime;

use super::calc::PriceListType;

/// A price to create: a major-unit amount in a currency, optionally for one region and a quantity
/// range.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPrice {
    pub currency_code: String,
    pub amount: Decimal,
    pub region_id: Option<String>,
    pub min_quantity: Option<i64>,
    pub max_quantity: Option<i64>,
}

/// A price list's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceList {
    pub id: String,
    pub title: String,
    pub description: String,
    pub list_type: PriceListType,
    /// `active` (true) or `draft`.
    pub active: bool,
    pub starts_at: Option<OffsetDateTime>,
    pub ends_at: Option<OffsetDateTime>,
    pub customer_group_ids: Vec<String>,
    pub metadata: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A price list to create, with its prices by variant.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPriceList {
    pub title: String,
    pub description: String,
    pub list_type: PriceListType,
    pub active: bool,
    pub starts_at: Option<OffsetDateTime>,
    pub ends_at: Option<OffsetDateTime>,
    pub customer_group_ids: Vec<String>,
    pub metadata: Option<Value>,
    pub prices: Vec<(String, NewPrice)>,
}

/// Who is asking for a price.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceContext {
    pub currency_code: String,
    pub region_id: Option<String>,
    pub quantity: i64,
    pub customer_group_ids: Vec<String>,
    /// Whether the region's prices include tax (its price preference).
    pub tax_inclusive: bool,
}

/// One side (original or calculated) of a priced variant.
#[derive(Debug, Clone, PartialEq)]
pub struct ChosenPrice {
    pub price_id: String,
    /// Minor units.
    pub amount: i64,
    pub price_list_id: Option<String>,
    pub price_list_type: Option<PriceListType>,
    pub min_quantity: Option<i64>,
    pub max_quantity: Option<i64>,
}

/// A variant's price in a context.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantPrice {
    pub price_set_id: String,
    pub currency_code: String,
    pub tax_inclusive: bool,
    pub calculated: ChosenPrice,
    pub original: ChosenPrice,
}
