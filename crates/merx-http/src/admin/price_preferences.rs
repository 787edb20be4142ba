//! `/admin/price-preferences`: whether the prices of a currency or a region include tax.

use axum::extract::{Path, State};
use axum::http::Method;
use axum::Json;
use merx_core::auth::Permission;
use merx_core::pricing::{PreferenceChanges, PreferenceFilter, PricePreference};
use serde::{Deserialize, Serialize};

use super::AdminRoutes;
use crate::dto::{answer, list_answer, ts, Deleted};
use crate::error::ApiResult;
use crate::extract::{ApiJson, ListQuery};
use crate::AppState;

const READ: Permission = Permission::read("prices");
const WRITE: Permission = Permission::write("prices");

pub(crate) fn routes(r: AdminRoutes) -> AdminRoutes {
    r.add(Method::GET, "/admin/price-preferences", READ, list)
        .add(Method::POST, "/admin/price-preferences", WRITE, create)
        .add(Method::GET, "/admin/price-preferences/{id}", READ, retrieve)
        .add(Method::POST, "/admin/price-preferences/{id}", WRITE, update)
        .add(
            Method::DELETE,
            "/admin/price-preferences/{id}",
            WRITE,
            delete,
        )
}

/// A price preference, as Medusa answers it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PricePreferenceDto {
    pub id: String,
    /// `currency_code` or `region_id`.
    pub attribute: &'static str,
    /// The currency code or the region id.
    pub value: String,
    pub is_tax_inclusive: bool,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

impl From<PricePreference> for PricePreferenceDto {
    fn from(p: PricePreference) -> Self {
        Self {
            id: p.id,
            attribute: p.attribute.as_str(),
            value: p.value,
            is_tax_inclusive: p.is_tax_inclusive,
            created_at: ts(p.created_at),
            updated_at: ts(p.updated_at),
            deleted_at: None,
        }
    }
}

answer!(PricePreferenceAnswer {
    price_preference: PricePreferenceDto
});

list_answer!(PricePreferenceList {
    price_preferences: PricePreferenceDto
});

/// What a preference is about.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PreferenceAttributeBody {
    CurrencyCode,
    RegionId,
}

impl PreferenceAttributeBody {
    fn as_str(self) -> &'static str {
        match self {
            PreferenceAttributeBody::CurrencyCode => "currency_code",
            PreferenceAttributeBody::RegionId => "region_id",
        }
    }
}

/// A new price preference.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PricePreferenceCreate {
    pub attribute: PreferenceAttributeBody,
    /// A currency code (`eur`) or a region id.
    pub value: String,
    pub is_tax_inclusive: Option<bool>,
}

/// Changes to a price preference.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PricePreferenceUpdate {
    pub attribute: Option<PreferenceAttributeBody>,
    pub value: Option<String>,
    pub is_tax_inclusive: Option<bool>,
}

fn one(p: PricePreference) -> Json<PricePreferenceAnswer> {
    Json(PricePreferenceAnswer {
        price_preference: p.into(),
    })
}

/// Filters: `id`, `attribute`, `value` (each one value or a list, `value[0]=eur&value[1]=usd`).
pub async fn list(
    State(s): State<AppState>,
    ListQuery { qs, page }: ListQuery<300>,
) -> ApiResult<Json<PricePreferenceList>> {
    let filter = PreferenceFilter {
        ids: qs.list("id")?,
        attributes: qs.list("attribute")?,
        values: qs.list("value")?,
    };
    let mut page = s.core.pricing.preferences().list(&filter, page).await?;
    let items = std::mem::take(&mut page.items)
        .into_iter()
        .map(PricePreferenceDto::from)
        .collect();
    Ok(Json(PricePreferenceList::new(items, &page)))
}

pub async fn create(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<PricePreferenceCreate>,
) -> ApiResult<Json<PricePreferenceAnswer>> {
    let p = s
        .core
        .pricing
        .preferences()
        .create(b.attribute.as_str(), &b.value, b.is_tax_inclusive)
        .await?;
    Ok(one(p))
}

pub async fn retrieve(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<PricePreferenceAnswer>> {
    Ok(one(s.core.pricing.preferences().get(&id).await?))
}

pub async fn update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PricePreferenceUpdate>,
) -> ApiResult<Json<PricePreferenceAnswer>> {
    let p = s
        .core
        .pricing
        .preferences()
        .update(
            &id,
            PreferenceChanges {
                attribute: b.attribute.map(|a| a.as_str().to_string()),
                value: b.value,
                is_tax_inclusive: b.is_tax_inclusive,
            },
        )
        .await?;
    Ok(one(p))
}

pub async fn delete(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Deleted>> {
    s.core.pricing.preferences().delete(&id).await?;
    Ok(Json(Deleted::new(id, "price_preference")))
}
