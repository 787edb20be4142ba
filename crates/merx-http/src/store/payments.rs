//! `/store/payment-providers` and `/store/payment-collections`: paying for a cart.

use super::ownership::check_cart_owner;
use super::ownership::owned_view;
use super::StoreScope;
use crate::caller::Caller;
use crate::dto::list_answer;
use crate::dto::{context, data};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::list::{ListParams, ListSpec, SortKey};
use crate::qs::Qs;
use crate::views::order::{PaymentCollectionAnswer, PaymentCollectionDto};
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use merx_types::DomainError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A payment provider the region offers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentProviderDto {
    pub id: String,
    pub is_enabled: bool,
}

list_answer!(PaymentProviderList {
    payment_providers: PaymentProviderDto
});

pub async fn payment_providers(
    State(s): State<AppState>,
    _: StoreScope,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<PaymentProviderList>> {
    let qs = Qs::parse(raw.as_deref().unwrap_or_default())?;
    let region_id = qs
        .str("region_id")?
        .ok_or_else(|| ApiError::invalid("region_id is required"))?;
    let list = ListParams::parse(
        &qs,
        &ListSpec {
            default_limit: 20,
            sorts: &["id"],
            dated: false,
        },
    )?;
    let region = s.core.regions.get(region_id).await?;
    let known = s.core.payments.provider_ids();
    let enabled: Vec<&String> = region
        .payment_providers
        .iter()
        .filter(|p| known.contains(p))
        .collect();
    let page = list.page(enabled, |p, _| SortKey::from(p.as_str()));
    let providers = page
        .items
        .iter()
        .map(|p| PaymentProviderDto {
            id: p.to_string(),
            is_enabled: true,
        })
        .collect();
    Ok(Json(PaymentProviderList::new(providers, &page)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentCollectionBody {
    pub cart_id: String,
}

pub async fn create_collection(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    ApiJson(b): ApiJson<PaymentCollectionBody>,
) -> ApiResult<Json<PaymentCollectionAnswer>> {
    let view = owned_view(&s, &caller, &b.cart_id).await?;
    if view.cart.completed_at.is_some() {
        return Err(DomainError::not_allowed("The cart is already completed").into());
    }
    let c = s
        .core
        .payments
        .ensure_collection(&view.cart.id, &view.cart.currency_code, view.totals.total)
        .await?;
    Ok(Json(PaymentCollectionAnswer {
        payment_collection: PaymentCollectionDto::from(&c),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionBody {
    pub provider_id: String,
    #[serde(default, deserialize_with = "data")]
    pub data: Option<Value>,
    #[serde(default, deserialize_with = "context")]
    pub context: Option<Value>,
}

pub async fn init_session(
    State(s): State<AppState>,
    _: StoreScope,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SessionBody>,
) -> ApiResult<Json<PaymentCollectionAnswer>> {
    let c = s.core.payments.collection(&id).await?;
    let view = s.core.carts.view(&c.cart_id).await?;
    // The collection is its cart's: another customer's is as missing as one that does not exist.
    check_cart_owner(view.cart.customer_id.as_deref(), &caller, &c.cart_id).map_err(|_| {
        ApiError::from(DomainError::not_found(format!(
            "Payment collection with id: {id} was not found"
        )))
    })?;
    if view.cart.completed_at.is_some() {
        return Err(DomainError::not_allowed("The cart is already completed").into());
    }
    let region = s.core.regions.get(&view.cart.region_id).await?;
    let _ = b.data;
    let c = s
        .core
        .payments
        .init_session(
            c,
            &b.provider_id,
            view.totals.total,
            &region.payment_providers,
            b.context
                .unwrap_or_else(|| Value::Object(Default::default())),
        )
        .await?;
    Ok(Json(PaymentCollectionAnswer {
        payment_collection: PaymentCollectionDto::from(&c),
    }))
}
