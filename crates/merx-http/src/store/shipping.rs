//! `/store/shipping-options`: the options a cart can use and their prices.

use super::ownership::owned_view;
use super::StoreScope;
use crate::caller::Caller;
use crate::dto::data;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::qs::Qs;
use crate::render::amount;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use merx_core::shipping::ShippingOption;
use serde::Deserialize;
use serde_json::{json, Value};

pub(crate) fn option_json(o: &ShippingOption, amount_minor: i64, cur: &str) -> Value {
    json!({
        "id": o.id, "name": o.name, "price_type": o.price_type.as_str(), "service_zone_id": format!("serzo_{}", o.region_id.trim_start_matches("reg_")),
        "shipping_profile_id": o.shipping_profile_id, "provider_id": o.provider_id, "data": o.data,
        "type": {"id": format!("sotype_{}", o.id.trim_start_matches("so_")), "label": o.type_label, "description": o.type_description, "code": o.type_code},
        "provider": {"id": o.provider_id, "is_enabled": true},
        "rules": [{"attribute": "enabled_in_store", "value": "true", "operator": "eq"}, {"attribute": "is_return", "value": if o.is_return { "true" } else { "false" }, "operator": "eq"}],
        "amount": amount(amount_minor, cur), "is_tax_inclusive": false, "insufficient_inventory": false,
        "calculated_price": {"calculated_amount": amount(amount_minor, cur), "original_amount": amount(amount_minor, cur), "currency_code": cur,
            "is_calculated_price_tax_inclusive": false, "is_original_price_tax_inclusive": false},
    })
}

pub async fn shipping_options(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let qs = Qs::parse(raw.as_deref().unwrap_or_default())?;
    let cart_id = qs
        .str("cart_id")?
        .ok_or_else(|| ApiError::invalid("cart_id is required"))?;
    let view = owned_view(&s, &caller, cart_id).await?;
    let options = s.core.shipping.for_cart(&view).await?;
    let cur = view.cart.currency_code.clone();
    Ok(Json(
        json!({"shipping_options": options.iter().map(|(o, a)| option_json(o, *a, &cur)).collect::<Vec<_>>()}),
    ))
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
) -> ApiResult<Json<Value>> {
    let view = owned_view(&s, &caller, &b.cart_id).await?;
    let (option, price) = s.core.shipping.validate_for_cart(&id, &view).await?;
    Ok(Json(
        json!({"shipping_option": option_json(&option, price, &view.cart.currency_code)}),
    ))
}
