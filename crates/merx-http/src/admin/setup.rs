//! `/admin/regions`, `/admin/sales-channels`, `/admin/api-keys/:id/sales-channels`, `/admin/stores`.

use axum::extract::{Path, State};
use axum::http::Method;
use axum::Json;
use merx_core::auth::Permission;
use merx_core::region::{NewRegion, RegionChanges};
use merx_core::sales_channel::SalesChannel;
use merx_core::store::{NewStoreCurrency, StoreChanges};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::AdminRoutes;
use crate::bodies::Batch;
use crate::dto::{answer, double_option, list_answer, ts, Deleted};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::extract::ListQuery;
use crate::fields::Selection;
use crate::render::{region_json, COUNTRY, PAYMENT_PROVIDER, REGION};
use crate::views::catalog::SalesChannelLink;
use crate::views::region::{CurrencyDto, RegionAnswer, RegionList};
use crate::AppState;

const REGIONS_READ: Permission = Permission::read("regions");
const REGIONS_WRITE: Permission = Permission::write("regions");
const SC_READ: Permission = Permission::read("sales_channels");
const SC_WRITE: Permission = Permission::write("sales_channels");
const STORE_READ: Permission = Permission::read("store");
const STORE_WRITE: Permission = Permission::write("store");

pub(crate) fn routes(r: AdminRoutes) -> AdminRoutes {
    r.add(Method::GET, "/admin/regions", REGIONS_READ, list_regions)
        .add(Method::POST, "/admin/regions", REGIONS_WRITE, create_region)
        .add(
            Method::GET,
            "/admin/regions/{id}",
            REGIONS_READ,
            retrieve_region,
        )
        .add(
            Method::POST,
            "/admin/regions/{id}",
            REGIONS_WRITE,
            update_region,
        )
        .add(
            Method::DELETE,
            "/admin/regions/{id}",
            REGIONS_WRITE,
            delete_region,
        )
        .add(Method::GET, "/admin/sales-channels", SC_READ, list_channels)
        .add(
            Method::POST,
            "/admin/sales-channels",
            SC_WRITE,
            create_channel,
        )
        .add(
            Method::GET,
            "/admin/sales-channels/{id}",
            SC_READ,
            retrieve_channel,
        )
        .add(
            Method::POST,
            "/admin/sales-channels/{id}",
            SC_WRITE,
            update_channel,
        )
        .add(
            Method::DELETE,
            "/admin/sales-channels/{id}",
            SC_WRITE,
            delete_channel,
        )
        .add(
            Method::POST,
            "/admin/sales-channels/{id}/products",
            SC_WRITE,
            channel_products,
        )
        .add(
            Method::POST,
            "/admin/api-keys/{id}/sales-channels",
            Permission::write("api_keys"),
            key_channels,
        )
        .add(Method::GET, "/admin/stores", STORE_READ, list_stores)
        .add(
            Method::GET,
            "/admin/stores/{id}",
            STORE_READ,
            retrieve_store,
        )
        .add(
            Method::POST,
            "/admin/stores/{id}",
            STORE_WRITE,
            update_store,
        )
}

fn region(r: &merx_core::region::Region) -> Json<RegionAnswer> {
    Json(RegionAnswer {
        region: region_json(r, &region_sel()),
    })
}

fn region_sel() -> Selection {
    let mut s = Selection::all(&REGION)
        .with("countries", Selection::all(&COUNTRY))
        .with("payment_providers", Selection::all(&PAYMENT_PROVIDER));
    s.scalars.insert("automatic_taxes");
    s.scalars.insert("is_tax_inclusive");
    s
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegionBody {
    pub name: Option<String>,
    pub currency_code: Option<String>,
    pub countries: Option<Vec<String>>,
    pub automatic_taxes: Option<bool>,
    pub is_tax_inclusive: Option<bool>,
    pub payment_providers: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::dto::metadata_patch")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

pub async fn list_regions(
    State(s): State<AppState>,
    ListQuery { qs, page }: ListQuery<50>,
) -> ApiResult<Json<RegionList>> {
    let page = s
        .core
        .regions
        .list(
            &qs.list("id")?,
            qs.str("currency_code")?,
            qs.str("q")?,
            None,
            &merx_types::TimeBounds::default(),
            page,
        )
        .await?;
    let sel = region_sel();
    let items = page.items.iter().map(|r| region_json(r, &sel)).collect();
    Ok(Json(RegionList::new(items, &page)))
}

pub async fn create_region(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<RegionBody>,
) -> ApiResult<Json<RegionAnswer>> {
    let r = s
        .core
        .regions
        .create(NewRegion {
            name: b
                .name
                .ok_or_else(|| ApiError::invalid("name is required"))?,
            currency_code: b
                .currency_code
                .ok_or_else(|| ApiError::invalid("currency_code is required"))?,
            countries: b.countries.unwrap_or_default(),
            automatic_taxes: b.automatic_taxes,
            is_tax_inclusive: b.is_tax_inclusive,
            payment_providers: b.payment_providers,
            metadata: b.metadata.flatten(),
        })
        .await?;
    Ok(region(&r))
}

pub async fn retrieve_region(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<RegionAnswer>> {
    let r = s.core.regions.get(&id).await?;
    Ok(region(&r))
}

pub async fn update_region(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RegionBody>,
) -> ApiResult<Json<RegionAnswer>> {
    let r = s
        .core
        .regions
        .update(
            &id,
            RegionChanges {
                name: b.name,
                currency_code: b.currency_code,
                countries: b.countries,
                automatic_taxes: b.automatic_taxes,
                is_tax_inclusive: b.is_tax_inclusive,
                payment_providers: b.payment_providers,
                metadata: b.metadata,
            },
        )
        .await?;
    Ok(region(&r))
}

pub async fn delete_region(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.regions.delete(&id).await?;
    Ok(Json(Deleted::new(id, "region")))
}

/// A sales channel.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SalesChannelDto {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub is_disabled: bool,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

impl From<SalesChannel> for SalesChannelDto {
    fn from(c: SalesChannel) -> Self {
        Self {
            id: c.id,
            name: c.name,
            description: c.description,
            is_disabled: c.is_disabled,
            metadata: c.metadata,
            created_at: ts(c.created_at),
            updated_at: ts(c.updated_at),
            deleted_at: None,
        }
    }
}

answer!(SalesChannelAnswer {
    sales_channel: SalesChannelDto
});

list_answer!(SalesChannelList {
    sales_channels: SalesChannelDto
});

fn channel(c: SalesChannel) -> Json<SalesChannelAnswer> {
    Json(SalesChannelAnswer {
        sales_channel: c.into(),
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelBody {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub description: Option<Option<String>>,
    pub is_disabled: Option<bool>,
    #[serde(default, deserialize_with = "crate::dto::metadata_patch")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

pub async fn list_channels(
    State(s): State<AppState>,
    ListQuery { qs: _, page }: ListQuery<20>,
) -> ApiResult<Json<SalesChannelList>> {
    let mut page = s.core.sales_channels.list(page).await?;
    let items = std::mem::take(&mut page.items)
        .into_iter()
        .map(SalesChannelDto::from)
        .collect();
    Ok(Json(SalesChannelList::new(items, &page)))
}

pub async fn create_channel(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<ChannelBody>,
) -> ApiResult<Json<SalesChannelAnswer>> {
    let name = b
        .name
        .ok_or_else(|| ApiError::invalid("name is required"))?;
    let c = s
        .core
        .sales_channels
        .create(
            &name,
            b.description.flatten(),
            b.is_disabled.unwrap_or(false),
            b.metadata.flatten(),
        )
        .await?;
    Ok(channel(c))
}

pub async fn retrieve_channel(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<SalesChannelAnswer>> {
    Ok(channel(s.core.sales_channels.get(&id).await?))
}

pub async fn update_channel(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ChannelBody>,
) -> ApiResult<Json<SalesChannelAnswer>> {
    let c = s
        .core
        .sales_channels
        .update(&id, b.name, b.description, b.is_disabled, b.metadata)
        .await?;
    Ok(channel(c))
}

pub async fn delete_channel(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.sales_channels.delete(&id).await?;
    Ok(Json(Deleted::new(id, "sales-channel")))
}

pub async fn channel_products(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Batch>,
) -> ApiResult<Json<SalesChannelAnswer>> {
    let c = s
        .core
        .sales_channels
        .batch_products(&id, &b.add, &b.remove)
        .await?;
    Ok(channel(c))
}

/// A publishable key with the sales channels it scopes requests to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyChannelsDto {
    pub id: String,
    pub token: Option<String>,
    pub redacted: String,
    pub title: String,
    /// `publishable` or `secret`.
    #[serde(rename = "type")]
    pub key_type: &'static str,
    pub sales_channels: Vec<SalesChannelLink>,
}

answer!(ApiKeyChannelsAnswer {
    api_key: ApiKeyChannelsDto
});

pub async fn key_channels(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Batch>,
) -> ApiResult<Json<ApiKeyChannelsAnswer>> {
    let channels = s
        .core
        .sales_channels
        .link_key(&id, &b.add, &b.remove)
        .await?;
    let key = s.core.api_keys.get(&id).await?;
    Ok(Json(ApiKeyChannelsAnswer {
        api_key: ApiKeyChannelsDto {
            id: key.id,
            token: key.token,
            redacted: key.redacted,
            title: key.title,
            key_type: key.key_type.as_str(),
            sales_channels: channels.into_iter().map(SalesChannelLink::new).collect(),
        },
    }))
}

/// A currency the store supports, as Medusa answers it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoreCurrencyDto {
    pub id: String,
    pub currency_code: String,
    pub is_default: bool,
    pub store_id: String,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
    pub currency: Option<CurrencyDto>,
}

impl From<merx_core::store::StoreCurrency> for StoreCurrencyDto {
    fn from(c: merx_core::store::StoreCurrency) -> Self {
        Self {
            currency: merx_types::Currency::find(&c.currency_code).map(CurrencyDto::from),
            id: c.id,
            currency_code: c.currency_code,
            is_default: c.is_default,
            store_id: c.store_id,
            created_at: ts(c.created_at),
            updated_at: ts(c.updated_at),
            deleted_at: None,
        }
    }
}

/// The store: its name, supported currencies and defaults.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoreDto {
    pub id: String,
    pub name: String,
    pub default_sales_channel_id: Option<String>,
    pub default_region_id: Option<String>,
    pub default_location_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    pub supported_currencies: Vec<StoreCurrencyDto>,
}

impl From<merx_core::store::Store> for StoreDto {
    fn from(st: merx_core::store::Store) -> Self {
        Self {
            id: st.id,
            name: st.name,
            default_sales_channel_id: st.default_sales_channel_id,
            default_region_id: st.default_region_id,
            default_location_id: st.default_location_id,
            metadata: st.metadata,
            created_at: ts(st.created_at),
            updated_at: ts(st.updated_at),
            supported_currencies: st
                .supported_currencies
                .into_iter()
                .map(StoreCurrencyDto::from)
                .collect(),
        }
    }
}

answer!(StoreAnswer { store: StoreDto });

list_answer!(StoreList { stores: StoreDto });

/// There is one store; the list holds it (made as a fresh server has it if it is not there yet).
pub async fn list_stores(
    State(s): State<AppState>,
    ListQuery { qs: _, page }: ListQuery<50>,
) -> ApiResult<Json<StoreList>> {
    let st = merx_core::seed::defaults(&s.core).await?;
    let stores = if page.offset == 0 && page.limit > 0 {
        vec![st.into()]
    } else {
        Vec::new()
    };
    Ok(Json(StoreList {
        stores,
        count: 1,
        offset: page.offset,
        limit: page.limit,
    }))
}

pub async fn retrieve_store(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<StoreAnswer>> {
    merx_core::seed::defaults(&s.core).await?;
    let st = s.core.store.get_by_id(&id).await?;
    Ok(Json(StoreAnswer { store: st.into() }))
}

/// A supported currency in a store update.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreCurrencyBody {
    pub currency_code: String,
    #[serde(default)]
    pub is_default: bool,
    /// The currency's price preference (`POST /admin/price-preferences` sets it too).
    pub is_tax_inclusive: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreBody {
    pub name: Option<String>,
    /// Replaces the supported currencies; exactly one `is_default`.
    pub supported_currencies: Option<Vec<StoreCurrencyBody>>,
    #[serde(default, deserialize_with = "double_option")]
    pub default_region_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub default_sales_channel_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub default_location_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::dto::metadata_patch")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

pub async fn update_store(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<StoreBody>,
) -> ApiResult<Json<StoreAnswer>> {
    let st = s
        .core
        .store
        .update(
            &id,
            StoreChanges {
                name: b.name,
                supported_currencies: b.supported_currencies.map(|cs| {
                    cs.into_iter()
                        .map(|c| NewStoreCurrency {
                            currency_code: c.currency_code,
                            is_default: c.is_default,
                            is_tax_inclusive: c.is_tax_inclusive,
                        })
                        .collect()
                }),
                default_region_id: b.default_region_id,
                default_sales_channel_id: b.default_sales_channel_id,
                default_location_id: b.default_location_id,
                metadata: b.metadata,
            },
        )
        .await?;
    Ok(Json(StoreAnswer { store: st.into() }))
}
