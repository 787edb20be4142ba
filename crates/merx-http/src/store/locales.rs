//! `/store/locales`: the languages the store's content is offered in.

use super::StoreScope;
use crate::error::ApiResult;
use axum::Json;
use serde::Serialize;

/// A locale the store supports.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoreLocale {
    /// BCP 47 (`en-US`).
    pub code: String,
    /// The display name (`English (United States)`).
    pub name: String,
}

/// `{"locales": [...]}`: the store's supported locales (not paged).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoreLocaleList {
    pub locales: Vec<StoreLocale>,
}

/// Medusa answers the store's `supported_locales`. Merx stores no translations and no locale
/// settings, so a store supports none: the list is empty, as Medusa's is for a store that has not
/// configured any (storefronts then show no language picker).
pub async fn locales(_: StoreScope) -> ApiResult<Json<StoreLocaleList>> {
    Ok(Json(StoreLocaleList {
        locales: Vec::new(),
    }))
}
