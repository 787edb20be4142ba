//! `GET /store/regions[/:id]`, `GET /store/currencies[/:code]`.

use axum::extract::{Path, State};
use axum::Json;
use merx_core::region::RegionService;
use merx_types::currency::CURRENCIES;
use merx_types::{Currency, DomainError};

use super::StoreScope;
use crate::error::ApiResult;
use crate::extract::QueryText;
use crate::fields::{select, Selection};
use crate::list::{ListParams, ListSpec, SortKey};
use crate::queries::{CurrencyListParams, FieldsParams, RegionListParams};
use crate::render::{region_json, COUNTRY, REGION};
use crate::views::region::{CurrencyAnswer, CurrencyDto, CurrencyList, RegionAnswer, RegionList};
use crate::AppState;

fn defaults() -> Selection {
    Selection::all(&REGION).with("countries", Selection::all(&COUNTRY))
}

pub async fn list(
    State(state): State<AppState>,
    _: StoreScope,
    query: QueryText<RegionListParams>,
) -> ApiResult<Json<RegionList>> {
    let qs = query.qs()?;
    let list = ListParams::parse(
        &qs,
        &ListSpec {
            default_limit: 50,
            sorts: RegionService::SORTS,
            dated: true,
        },
    )?;
    let sel = select(&REGION, &defaults(), qs.str("fields")?)?;
    let regions = state
        .core
        .regions
        .list(
            &qs.list("id")?,
            qs.str("currency_code")?,
            qs.str("q")?.or(qs.str("name")?),
            list.sort,
            &list.times,
            list.page,
        )
        .await?;
    let items = regions.items.iter().map(|r| region_json(r, &sel)).collect();
    Ok(Json(RegionList::new(items, &regions)))
}

pub async fn retrieve(
    State(state): State<AppState>,
    _: StoreScope,
    Path(id): Path<String>,
    query: QueryText<FieldsParams>,
) -> ApiResult<Json<RegionAnswer>> {
    let qs = query.qs()?;
    let sel = select(&REGION, &defaults(), qs.str("fields")?)?;
    let region = state.core.regions.get(&id).await?;
    Ok(Json(RegionAnswer {
        region: region_json(&region, &sel),
    }))
}

pub async fn currencies(
    _: StoreScope,
    query: QueryText<CurrencyListParams>,
) -> ApiResult<Json<CurrencyList>> {
    let qs = query.qs()?;
    let list = ListParams::parse(
        &qs,
        &ListSpec {
            default_limit: 50,
            sorts: &["code", "name"],
            dated: false,
        },
    )?;
    let codes: Vec<String> = qs.list("code")?.iter().map(|c| c.to_lowercase()).collect();
    let q = qs.str("q")?.map(str::to_lowercase);
    let all: Vec<&Currency> = CURRENCIES
        .iter()
        .filter(|c| codes.is_empty() || codes.iter().any(|x| x == c.code))
        .filter(|c| {
            q.as_ref().is_none_or(|q| {
                c.code.contains(q.as_str()) || c.name.to_lowercase().contains(q.as_str())
            })
        })
        .collect();
    let page = list.page(all, |c, field| match field {
        "name" => SortKey::from(c.name),
        _ => SortKey::from(c.code),
    });
    let items = page.items.iter().map(|c| CurrencyDto::from(*c)).collect();
    Ok(Json(CurrencyList::new(items, &page)))
}

pub async fn currency(_: StoreScope, Path(code): Path<String>) -> ApiResult<Json<CurrencyAnswer>> {
    let c = Currency::find(&code).ok_or_else(|| {
        DomainError::not_found(format!("Currency with code: {code} was not found"))
    })?;
    Ok(Json(CurrencyAnswer {
        currency: CurrencyDto::from(c),
    }))
}
