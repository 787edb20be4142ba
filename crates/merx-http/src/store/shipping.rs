//! `/store/shipping-options`: the options a cart can use and their prices.

use super::ownership::owned_view;
use super::StoreScope;
use crate::caller::Caller;
use crate::dto::{answer, data, ts, Amount, RawAmount};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::qs::Qs;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use merx_core::shipping::{PriceType, ShippingOption};
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

/// The price a calculation chose, as Medusa names it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoreShippingChosenPrice {
    pub id: String,
    /// Always `null`: shipping prices are not in price lists.
    pub price_list_id: Option<String>,
    /// Always `null`.
    pub price_list_type: Option<String>,
    /// Always `null`.
    pub min_quantity: Option<i64>,
    /// Always `null`.
    pub max_quantity: Option<i64>,
}

/// An option's price for the cart.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoreShippingOptionPrice {
    /// The option's price set.
    pub id: String,
    /// Always `false`.
    pub is_calculated_price_price_list: bool,
    pub is_calculated_price_tax_inclusive: bool,
    pub calculated_amount: Amount,
    pub raw_calculated_amount: RawAmount,
    /// Always `false`.
    pub is_original_price_price_list: bool,
    pub is_original_price_tax_inclusive: bool,
    pub original_amount: Amount,
    pub raw_original_amount: RawAmount,
    pub currency_code: String,
    /// The flat price chosen; absent for calculated options (the provider priced them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calculated_price: Option<StoreShippingChosenPrice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_price: Option<StoreShippingChosenPrice>,
}

/// A rule a shipping price applies under: the option's region (`region_id eq`), and its cart
/// subtotal requirements (`item_total gte` / `lte`, in major units).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoreShippingPriceRule {
    pub id: String,
    /// `region_id` or `item_total`.
    pub attribute: &'static str,
    pub value: String,
    /// `eq`, `gte` or `lte`.
    pub operator: &'static str,
    pub priority: i64,
    pub price_id: String,
    pub created_at: String,
    pub updated_at: String,
    /// Always `null`.
    pub deleted_at: Option<String>,
}

/// One of an option's prices, with the rules it applies under.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoreShippingPrice {
    pub id: String,
    /// Always `null`.
    pub title: Option<String>,
    pub currency_code: String,
    pub rules_count: i64,
    pub price_set_id: String,
    /// Always `null`: shipping prices are not in price lists.
    pub price_list_id: Option<String>,
    /// Always `null`.
    #[schema(value_type = Option<Object>)]
    pub price_list: Option<Value>,
    pub amount: Amount,
    pub raw_amount: RawAmount,
    /// Always `null`.
    pub min_quantity: Option<i64>,
    /// Always `null`.
    pub max_quantity: Option<i64>,
    /// Always `null`.
    pub raw_min_quantity: Option<RawAmount>,
    /// Always `null`.
    pub raw_max_quantity: Option<RawAmount>,
    pub price_rules: Vec<StoreShippingPriceRule>,
    pub created_at: String,
    pub updated_at: String,
    /// Always `null`.
    pub deleted_at: Option<String>,
}

impl StoreShippingPrice {
    /// A flat option's price (calculated options have none: the provider prices them per cart).
    fn of(o: &ShippingOption, cur: &str) -> Option<Self> {
        if o.price_type != PriceType::Flat {
            return None;
        }
        let amount = o.amount.unwrap_or(0);
        let tail = o.id.trim_start_matches("so_");
        let price_id = format!("price_{tail}");
        let major = |minor: i64| RawAmount::new(minor, cur).value;
        let mut rules = vec![("region_id", o.region_id.clone(), "eq")];
        if let Some(min) = o.min_subtotal {
            rules.push(("item_total", major(min), "gte"));
        }
        if let Some(max) = o.max_subtotal {
            rules.push(("item_total", major(max), "lte"));
        }
        let price_rules: Vec<StoreShippingPriceRule> = rules
            .into_iter()
            .enumerate()
            .map(|(n, (attribute, value, operator))| StoreShippingPriceRule {
                id: format!("prule_{tail}{n}"),
                attribute,
                value,
                operator,
                priority: 0,
                price_id: price_id.clone(),
                created_at: ts(o.created_at),
                updated_at: ts(o.updated_at),
                deleted_at: None,
            })
            .collect();
        Some(Self {
            title: None,
            currency_code: cur.to_string(),
            rules_count: price_rules.len() as i64,
            price_set_id: format!("pset_{tail}"),
            price_list_id: None,
            price_list: None,
            amount: Amount::new(amount, cur),
            raw_amount: RawAmount::new(amount, cur),
            min_quantity: None,
            max_quantity: None,
            raw_min_quantity: None,
            raw_max_quantity: None,
            price_rules,
            created_at: ts(o.created_at),
            updated_at: ts(o.updated_at),
            deleted_at: None,
            id: price_id,
        })
    }
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
    /// The option's prices with their rules: one for a flat option, none for a calculated one.
    pub prices: Vec<StoreShippingPrice>,
}

impl StoreShippingOption {
    /// `o`, priced `amount_minor` in `cur` for the cart.
    fn new(o: &ShippingOption, amount_minor: i64, cur: &str) -> Self {
        let price = Amount::new(amount_minor, cur);
        let prices: Vec<StoreShippingPrice> = StoreShippingPrice::of(o, cur).into_iter().collect();
        let chosen = || {
            prices.first().map(|p| StoreShippingChosenPrice {
                id: p.id.clone(),
                price_list_id: None,
                price_list_type: None,
                min_quantity: None,
                max_quantity: None,
            })
        };
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
                id: format!("pset_{}", o.id.trim_start_matches("so_")),
                is_calculated_price_price_list: false,
                is_calculated_price_tax_inclusive: false,
                calculated_amount: price,
                raw_calculated_amount: RawAmount::new(amount_minor, cur),
                is_original_price_price_list: false,
                is_original_price_tax_inclusive: false,
                original_amount: price,
                raw_original_amount: RawAmount::new(amount_minor, cur),
                currency_code: cur.to_string(),
                calculated_price: chosen(),
                original_price: chosen(),
            },
            prices,
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
