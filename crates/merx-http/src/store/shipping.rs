//! `/store/shipping-options`: the options a cart can use and their prices.

use super::ownership::owned_view;
use super::StoreScope;
use crate::caller::Caller;
use crate::dto::{answer, data, Amount};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::qs::Qs;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use merx_core::shipping::ShippingOption;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A shipping option's type.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoreShippingOptionType {
    pub id: String,
    pub label: String,
    pub description: Option<String>,
    pub code: String,
}

/// The fulfillment provider of a shipping option.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoreShippingOptionProvider {
    pub id: String,
    pub is_enabled: bool,
}

/// One of the rules that make an option available (`enabled_in_store`, `is_return`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoreShippingOptionRule {
    pub attribute: &'static str,
    /// `"true"` or `"false"`.
    pub value: &'static str,
    pub operator: &'static str,
}

/// An option's price for the cart.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoreShippingOptionPrice {
    pub calculated_amount: Amount,
    pub original_amount: Amount,
    pub currency_code: String,
    pub is_calculated_price_tax_inclusive: bool,
    pub is_original_price_tax_inclusive: bool,
}

/// A shipping option a cart can use, priced for it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoreShippingOption {
    pub id: String,
    pub name: String,
    /// `flat` or `calculated`.
    pub price_type: &'static str,
    pub service_zone_id: String,
    pub shipping_profile_id: String,
    pub provider_id: String,
    /// For calculated options: `{"per_item": <minor units>}`.
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
    #[serde(rename = "type")]
    pub option_type: StoreShippingOptionType,
    pub provider: StoreShippingOptionProvider,
    pub rules: Vec<StoreShippingOptionRule>,
    pub amount: Amount,
    pub is_tax_inclusive: bool,
    pub insufficient_inventory: bool,
    pub calculated_price: StoreShippingOptionPrice,
}

impl StoreShippingOption {
    /// `o`, priced `amount_minor` in `cur` for the cart.
    fn new(o: &ShippingOption, amount_minor: i64, cur: &str) -> Self {
        let price = Amount::new(amount_minor, cur);
        Self {
            id: o.id.clone(),
            name: o.name.clone(),
            price_type: o.price_type.as_str(),
            service_zone_id: format!("serzo_{}", o.region_id.trim_start_matches("reg_")),
            shipping_profile_id: o.shipping_profile_id.clone(),
            provider_id: o.provider_id.clone(),
            data: o.data.clone(),
            option_type: StoreShippingOptionType {
                id: format!("sotype_{}", o.id.trim_start_matches("so_")),
                label: o.type_label.clone(),
                description: o.type_description.clone(),
                code: o.type_code.clone(),
            },
            provider: StoreShippingOptionProvider {
                id: o.provider_id.clone(),
                is_enabled: true,
            },
            rules: vec![
                StoreShippingOptionRule {
                    attribute: "enabled_in_store",
                    value: "true",
                    operator: "eq",
                },
                StoreShippingOptionRule {
                    attribute: "is_return",
                    value: if o.is_return { "true" } else { "false" },
                    operator: "eq",
                },
            ],
            amount: price,
            is_tax_inclusive: false,
            insufficient_inventory: false,
            calculated_price: StoreShippingOptionPrice {
                calculated_amount: price,
                original_amount: price,
                currency_code: cur.to_string(),
                is_calculated_price_tax_inclusive: false,
                is_original_price_tax_inclusive: false,
            },
        }
    }
}

/// `{"shipping_options": [...]}`: every option the cart can use (not paged).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoreShippingOptionList {
    pub shipping_options: Vec<StoreShippingOption>,
}

answer!(StoreShippingOptionAnswer {
    shipping_option: StoreShippingOption
});

pub async fn shipping_options(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<StoreShippingOptionList>> {
    let qs = Qs::parse(raw.as_deref().unwrap_or_default())?;
    let cart_id = qs
        .str("cart_id")?
        .ok_or_else(|| ApiError::invalid("cart_id is required"))?;
    let view = owned_view(&s, &caller, cart_id).await?;
    let options = s.core.shipping.for_cart(&view).await?;
    let cur = &view.cart.currency_code;
    Ok(Json(StoreShippingOptionList {
        shipping_options: options
            .iter()
            .map(|(o, a)| StoreShippingOption::new(o, *a, cur))
            .collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalculateBody {
    pub cart_id: String,
    /// Provider input; the manual provider prices from the cart alone.
    #[allow(dead_code)]
    #[serde(default, deserialize_with = "data")]
    pub data: Option<Value>,
}

pub async fn calculate_option(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CalculateBody>,
) -> ApiResult<Json<StoreShippingOptionAnswer>> {
    let view = owned_view(&s, &caller, &b.cart_id).await?;
    let (option, price) = s.core.shipping.validate_for_cart(&id, &view).await?;
    Ok(Json(StoreShippingOptionAnswer {
        shipping_option: StoreShippingOption::new(&option, price, &view.cart.currency_code),
    }))
}
