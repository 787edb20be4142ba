//! Regions and currencies for the Store and the Admin routes alike.
//!
//! Regions honour Medusa's `fields` selection, so they are serialized by hand
//! ([`crate::render::region_json`]); the `…Shape` types document what that can emit (every field
//! optional, since a selection may drop any of them) and are never built.

use merx_types::Currency;
use serde::Serialize;
use serde_json::Value;

use crate::dto::{answer, list_answer, RawAmount};

/// A region, with the selected fields and relations.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RegionShape {
    pub id: Option<String>,
    pub name: Option<String>,
    pub currency_code: Option<String>,
    pub automatic_taxes: Option<bool>,
    pub is_tax_inclusive: Option<bool>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub deleted_at: Option<String>,
    pub countries: Option<Vec<RegionCountryShape>>,
    pub payment_providers: Option<Vec<RegionPaymentProviderShape>>,
}

/// One of a region's countries.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RegionCountryShape {
    /// ISO 3166-1 alpha-2, lower-case (`fr`).
    pub iso_2: Option<String>,
    pub iso_3: Option<String>,
    /// ISO 3166-1 numeric, three digits (`250`).
    pub num_code: Option<String>,
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub region_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub deleted_at: Option<String>,
}

/// A payment provider enabled in a region.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RegionPaymentProviderShape {
    pub id: Option<String>,
    pub is_enabled: Option<bool>,
}

answer!(RegionAnswer {
    #[schema(value_type = RegionShape)]
    region: Value
});

list_answer!(RegionList {
    #[schema(value_type = Vec<RegionShape>)]
    regions: Value
});

/// A currency as Medusa describes it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CurrencyDto {
    /// Lower-case ISO 4217 code (`eur`).
    pub code: &'static str,
    pub name: &'static str,
    pub symbol: &'static str,
    pub symbol_native: &'static str,
    pub decimal_digits: i64,
    pub rounding: i64,
    pub raw_rounding: RawAmount,
}

impl From<&Currency> for CurrencyDto {
    fn from(c: &Currency) -> Self {
        Self {
            code: c.code,
            name: c.name,
            symbol: c.symbol,
            symbol_native: c.symbol_native,
            decimal_digits: i64::from(c.decimal_digits),
            rounding: 0,
            raw_rounding: RawAmount::new(0, c.code),
        }
    }
}

answer!(CurrencyAnswer {
    currency: CurrencyDto
});

list_answer!(CurrencyList {
    currencies: CurrencyDto
});

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn currencies_render_as_medusa_does() {
        for code in ["eur", "jpy", "kwd"] {
            let c = Currency::find(code).unwrap();
            assert_eq!(
                serde_json::to_value(CurrencyDto::from(c)).unwrap(),
                json!({
                    "code": c.code,
                    "name": c.name,
                    "symbol": c.symbol,
                    "symbol_native": c.symbol_native,
                    "decimal_digits": c.decimal_digits,
                    "rounding": 0,
                    "raw_rounding": {"value": "0", "precision": 20},
                })
            );
        }
    }
}
