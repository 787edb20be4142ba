//! `GET /store/products[/:id]`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use merx_core::catalog::{ProductBundle, ProductFilter, ProductOrder, ProductStatus};
use merx_core::storefront::{self, PricingRequest};
use merx_types::{DomainError, Page, PageRequest};
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::StoreScope;
use crate::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::QueryText;
use crate::fields::{select, Selection};
use crate::qs::Qs;
use crate::queries::{ProductListParams, ProductParams};
use crate::read_cache::Versions;
use crate::render::{
    default_product_selection, ProductView, VariantExtras, CALCULATED_PRICE, PRODUCT,
};
use crate::route_doc::Rendered;
use crate::views::catalog::{ProductAnswerShape, ProductListAnswerShape};
use crate::AppState;

/// The filter a Store request asks for, within its key's channels.
fn filter(qs: &Qs, scope: &StoreScope) -> Result<ProductFilter, ApiError> {
    let mut channels = scope.0.sales_channel_ids.clone();
    let requested = qs.list("sales_channel_id")?;
    if !requested.is_empty() {
        if let Some(bad) = requested.iter().find(|c| !channels.contains(c)) {
            return Err(ApiError::invalid(format!(
                "Requested sales channel is not part of the publishable key mappings: {bad}"
            )));
        }
        channels = requested;
    }
    let (order, descending) = match qs.str("order")? {
        None => (ProductOrder::CreatedAt, false),
        Some(o) => {
            let (field, desc) = match o.strip_prefix('-') {
                Some(f) => (f, true),
                None => (o, false),
            };
            let order = ProductOrder::parse(field).ok_or_else(|| {
                ApiError::invalid(format!("Invalid request: cannot order by {field:?}"))
            })?;
            (order, desc)
        }
    };
    Ok(ProductFilter {
        ids: qs.list("id")?,
        handles: qs.list("handle")?,
        title: qs.str("title")?.map(str::to_string),
        collection_ids: qs.list("collection_id")?,
        category_ids: qs.list("category_id")?,
        tag_ids: qs.list("tag_id")?,
        type_ids: qs.list("type_id")?,
        q: qs.str("q")?.map(str::to_string),
        statuses: vec![ProductStatus::Published],
        sales_channel_ids: Some(channels),
        created_at: qs.time_ops("created_at")?,
        updated_at: qs.time_ops("updated_at")?,
        is_giftcard: qs.bool("is_giftcard")?,
        order,
        descending,
    })
}

fn pricing_request(qs: &Qs, groups: &[String]) -> Result<PricingRequest, ApiError> {
    Ok(PricingRequest {
        region_id: qs.str("region_id")?.map(str::to_string),
        currency_code: qs.str("currency_code")?.map(str::to_string),
        country_code: qs.str("country_code")?.map(str::to_string),
        province: qs.str("province")?.map(str::to_string),
        customer_group_ids: Some(groups.to_vec()),
        ..Default::default()
    })
}

/// The groups of the logged-in customer, sorted (none for a guest): their price lists apply, as in
/// Medusa, and answers are shared by everyone in the same groups.
async fn customer_groups(state: &AppState, caller: &Caller) -> ApiResult<Vec<String>> {
    let Some(customer_id) = caller.customer_id() else {
        return Ok(Vec::new());
    };
    let mut groups = state.core.pricing.customer_groups(customer_id).await?;
    groups.sort();
    Ok(groups)
}

/// The selection, the bundles' relations and their prices for one Store request.
struct Plan {
    sel: Selection,
    pricing: Option<storefront::ResolvedContext>,
}

async fn plan(
    state: &AppState,
    qs: &Qs,
    groups: &[String],
    with_categories: bool,
) -> ApiResult<Plan> {
    let req = pricing_request(qs, groups)?;
    let mut defaults = default_product_selection(with_categories);
    if req.region_id.is_some() {
        if let Some(v) = defaults.relations.get_mut("variants") {
            v.relations
                .insert("calculated_price", Selection::all(&CALCULATED_PRICE));
        }
    }
    let sel = select(&PRODUCT, &defaults, qs.str("fields")?)?;
    let wants_prices = sel
        .rel("variants")
        .and_then(|v| v.rel("calculated_price"))
        .is_some();
    let pricing = if wants_prices {
        Some(
            storefront::resolve(&state.core, &req)
                .await?
                .ok_or_else(|| {
                    ApiError::invalid(
                        "Missing required pricing context to calculate prices - region_id",
                    )
                })?,
        )
    } else {
        None
    };
    Ok(Plan { sel, pricing })
}

/// Prices and (when `inventory_quantity` is selected) availability in the key's channels.
async fn extras(
    state: &AppState,
    plan: &Plan,
    scope: &StoreScope,
    bundles: &[Arc<ProductBundle>],
) -> ApiResult<VariantExtras> {
    let prices = match &plan.pricing {
        Some(ctx) => storefront::price_bundles(&state.core, bundles, ctx).await?,
        None => HashMap::new(),
    };
    let inventory = if plan
        .sel
        .rel("variants")
        .is_some_and(|v| v.has("inventory_quantity"))
    {
        // The bundles say which variants manage inventory: only those have a quantity (the
        // others show `null`), and the flags need not be read again.
        let managed: Vec<String> = bundles
            .iter()
            .flat_map(|b| b.variants.iter())
            .filter(|v| v.variant.manage_inventory)
            .map(|v| v.variant.id.clone())
            .collect();
        let mut inventory: HashMap<String, Option<i64>> = HashMap::new();
        if !managed.is_empty() {
            for channel in &scope.0.sales_channel_ids {
                let units = state.core.inventory.units_shown(&managed, channel).await?;
                for (variant, n) in units {
                    if let Some(total) = inventory.entry(variant).or_insert(Some(0)) {
                        *total += n;
                    }
                }
            }
        }
        inventory
    } else {
        HashMap::new()
    };
    Ok(VariantExtras { prices, inventory })
}

/// What the cache keys an answer on: the route, the query as sent, the channels the key sees (not
/// the key itself, so keys with the same channels share answers) and the customer's groups (their
/// price lists). Nothing else may shape the answer.
fn cache_key(route: &str, scope: &StoreScope, raw: &str, groups: &[String]) -> String {
    format!(
        "{route}?{raw}#{}#{}",
        scope.0.sales_channel_ids.join(","),
        groups.join(",")
    )
}

/// A JSON body that is already serialized.
fn json_body(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `{"count","limit","offset","products"}`: a page of products, keys in the order the other lists'
/// bodies have them (sorted).
struct ListBody<'a> {
    page: &'a Page<String>,
    products: Products<'a>,
}

impl Serialize for ListBody<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("count", &self.page.count)?;
        m.serialize_entry("limit", &self.page.limit)?;
        m.serialize_entry("offset", &self.page.offset)?;
        m.serialize_entry("products", &self.products)?;
        m.end()
    }
}

/// Products rendered with one plan's selection and extras.
struct Products<'a> {
    bundles: &'a [Arc<ProductBundle>],
    plan: &'a Plan,
    extras: &'a VariantExtras,
}

impl Products<'_> {
    fn view<'b>(&'b self, b: &'b ProductBundle) -> ProductView<'b> {
        ProductView {
            bundle: b,
            sel: &self.plan.sel,
            extras: self.extras,
        }
    }
}

impl Serialize for Products<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.bundles.iter().map(|b| self.view(b)))
    }
}

/// `{"product": …}`.
struct OneBody<'a>(ProductView<'a>);

impl Serialize for OneBody<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("product", &self.0)?;
        m.end()
    }
}

/// Serializes `value`, caches it under `key` (computed at `versions`) and answers it in `T`'s
/// shape.
async fn answer<T>(
    state: &AppState,
    key: String,
    versions: Versions,
    plan: &Plan,
    value: impl Serialize,
) -> ApiResult<Rendered<T>> {
    let body = Bytes::from(serde_json::to_vec(&value).map_err(|e| ApiError::internal(&e))?);
    let shows_stock = plan
        .sel
        .rel("variants")
        .is_some_and(|v| v.has("inventory_quantity"));
    let versions = if shows_stock {
        versions
    } else {
        versions.without_inventory()
    };
    let until = match &plan.pricing {
        Some(_) => price_deadline(state, versions).await?,
        None => None,
    };
    state.read_cache.put(key, body.clone(), versions, until);
    Ok(Rendered::new(json_body(body)))
}

/// How long computed prices stay right without a write: until the next price list starts or ends.
async fn price_deadline(state: &AppState, versions: Versions) -> ApiResult<Option<Duration>> {
    if !state.read_cache.enabled() {
        return Ok(None);
    }
    let now = merx_types::time::now();
    let next = match state.read_cache.price_window(versions, now) {
        Some(next) => next,
        None => {
            let next = state.core.pricing.next_window_change(now).await?;
            state.read_cache.set_price_window(versions, next);
            next
        }
    };
    Ok(next.map(|t| Duration::try_from(t - now).unwrap_or(Duration::ZERO)))
}

/// List published products in the key's sales channels.
pub async fn list(
    State(state): State<AppState>,
    scope: StoreScope,
    caller: Caller,
    QueryText { raw, .. }: QueryText<ProductListParams>,
) -> ApiResult<Rendered<ProductListAnswerShape>> {
    let groups = customer_groups(&state, &caller).await?;
    let key = cache_key("/store/products", &scope, &raw, &groups);
    let _filling = match state.read_cache.get_or_fill(&key).await {
        Ok(body) => return Ok(Rendered::new(json_body(body))),
        Err(filling) => filling,
    };
    let versions = Versions::snapshot();
    let qs = Qs::parse(&raw)?;
    let page = PageRequest::parse(qs.int("limit")?, qs.int("offset")?, 50)?;
    let filter = filter(&qs, &scope)?;
    let plan = plan(&state, &qs, &groups, false).await?;
    let ids = state.core.catalog.list_ids(&filter, page).await?;
    let bundles = state.core.catalog.load_for_store(&ids.items).await?;
    let extras = extras(&state, &plan, &scope, &bundles).await?;
    let body = ListBody {
        page: &ids,
        products: Products {
            bundles: &bundles,
            plan: &plan,
            extras: &extras,
        },
    };
    answer(&state, key, versions, &plan, body).await
}

/// Retrieve a published product in the key's sales channels.
pub async fn retrieve(
    State(state): State<AppState>,
    scope: StoreScope,
    Path(id): Path<String>,
    caller: Caller,
    QueryText { raw, .. }: QueryText<ProductParams>,
) -> ApiResult<Rendered<ProductAnswerShape>> {
    let groups = customer_groups(&state, &caller).await?;
    let key = cache_key(&format!("/store/products/{id}"), &scope, &raw, &groups);
    let _filling = match state.read_cache.get_or_fill(&key).await {
        Ok(body) => return Ok(Rendered::new(json_body(body))),
        Err(filling) => filling,
    };
    let versions = Versions::snapshot();
    let qs = Qs::parse(&raw)?;
    let mut filter = filter(&qs, &scope)?;
    filter.ids = vec![id.clone()];
    let plan = plan(&state, &qs, &groups, true).await?;
    let found = state
        .core
        .catalog
        .list_ids(
            &filter,
            PageRequest {
                limit: 1,
                offset: 0,
            },
        )
        .await?;
    if found.items.is_empty() {
        return Err(DomainError::not_found(format!("Product with id: {id} was not found")).into());
    }
    let bundles = state.core.catalog.load_for_store(&found.items).await?;
    let extras = extras(&state, &plan, &scope, &bundles).await?;
    let products = Products {
        bundles: &bundles,
        plan: &plan,
        extras: &extras,
    };
    let product = bundles.first().map(|b| products.view(b)).ok_or_else(|| {
        ApiError::from(DomainError::not_found(format!(
            "Product with id: {id} was not found"
        )))
    })?;
    answer(&state, key, versions, &plan, OneBody(product)).await
}
