//! `/admin/price-lists`, `/admin/prices/explain`, `/admin/customer-groups`, `/admin/tax-regions`,
//! `/admin/tax-rates`.

use axum::extract::{Path, RawQuery, State};
use axum::http::Method;
use axum::Json;
use merx_core::auth::Permission;
use merx_core::customer::CustomerGroup;
use merx_core::pricing::calc::PriceListType;
use merx_core::pricing::{NewPriceList, PriceList};
use merx_core::storefront::{self, PricingRequest};
use merx_core::tax::{NewTaxRate, TaxRate, TaxRegion};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};

use super::AdminRoutes;
use crate::bodies::Batch;
use crate::bodies::PriceBody;
use crate::dto::{opt_ts, ts, Deleted};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::extract::ListQuery;
use crate::qs::Qs;
use crate::render::amount;
use crate::views::list_body;
use crate::AppState;

const PL_READ: Permission = Permission::read("price_lists");
const PL_WRITE: Permission = Permission::write("price_lists");
const CUS_READ: Permission = Permission::read("customers");
const CUS_WRITE: Permission = Permission::write("customers");
const TAX_READ: Permission = Permission::read("tax");
const TAX_WRITE: Permission = Permission::write("tax");

pub(crate) fn routes(r: AdminRoutes) -> AdminRoutes {
    r.add(Method::GET, "/admin/price-lists", PL_READ, list_lists)
        .add(Method::POST, "/admin/price-lists", PL_WRITE, create_list)
        .add(
            Method::GET,
            "/admin/price-lists/{id}",
            PL_READ,
            retrieve_list,
        )
        .add(
            Method::POST,
            "/admin/price-lists/{id}",
            PL_WRITE,
            update_list,
        )
        .add(
            Method::DELETE,
            "/admin/price-lists/{id}",
            PL_WRITE,
            delete_list,
        )
        .add(
            Method::GET,
            "/admin/prices/explain",
            Permission::read("prices"),
            explain,
        )
        .add(Method::GET, "/admin/customer-groups", CUS_READ, list_groups)
        .add(
            Method::POST,
            "/admin/customer-groups",
            CUS_WRITE,
            create_group,
        )
        .add(
            Method::GET,
            "/admin/customer-groups/{id}",
            CUS_READ,
            retrieve_group,
        )
        .add(
            Method::POST,
            "/admin/customer-groups/{id}",
            CUS_WRITE,
            update_group,
        )
        .add(
            Method::DELETE,
            "/admin/customer-groups/{id}",
            CUS_WRITE,
            delete_group,
        )
        .add(
            Method::POST,
            "/admin/customer-groups/{id}/customers",
            CUS_WRITE,
            group_customers,
        )
        .add(
            Method::GET,
            "/admin/tax-regions",
            TAX_READ,
            list_tax_regions,
        )
        .add(
            Method::POST,
            "/admin/tax-regions",
            TAX_WRITE,
            create_tax_region,
        )
        .add(
            Method::GET,
            "/admin/tax-regions/{id}",
            TAX_READ,
            retrieve_tax_region,
        )
        .add(
            Method::DELETE,
            "/admin/tax-regions/{id}",
            TAX_WRITE,
            delete_tax_region,
        )
        .add(Method::POST, "/admin/tax-rates", TAX_WRITE, create_tax_rate)
        .add(
            Method::GET,
            "/admin/tax-rates/{id}",
            TAX_READ,
            retrieve_tax_rate,
        )
        .add(
            Method::DELETE,
            "/admin/tax-rates/{id}",
            TAX_WRITE,
            delete_tax_rate,
        )
}

// ---------- price lists

fn list_json(l: &PriceList) -> Value {
    json!({
        "id": l.id, "title": l.title, "description": l.description, "type": l.list_type.as_str(),
        "status": if l.active { "active" } else { "draft" }, "starts_at": opt_ts(l.starts_at), "ends_at": opt_ts(l.ends_at),
        "rules": if l.customer_group_ids.is_empty() { json!({}) } else { json!({"customer.groups.id": l.customer_group_ids}) },
        "metadata": l.metadata, "created_at": ts(l.created_at), "updated_at": ts(l.updated_at), "deleted_at": null,
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListPriceBody {
    pub variant_id: String,
    #[serde(flatten)]
    pub price: PriceBody,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceListBody {
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub list_type: Option<String>,
    pub status: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    /// Medusa's rules: `{"customer.groups.id": ["cusgroup_…"]}`.
    pub rules: Option<std::collections::BTreeMap<String, Vec<String>>>,
    pub prices: Option<Vec<ListPriceBody>>,
    pub metadata: Option<Value>,
}

fn when(key: &str, v: &Option<String>) -> ApiResult<Option<time::OffsetDateTime>> {
    v.as_deref()
        .map(|t| {
            merx_types::time::parse(t)
                .ok_or_else(|| ApiError::invalid(format!("{key} must be an ISO-8601 date-time")))
        })
        .transpose()
}

fn groups(
    rules: Option<std::collections::BTreeMap<String, Vec<String>>>,
) -> ApiResult<Option<Vec<String>>> {
    let Some(rules) = rules else { return Ok(None) };
    let mut out = Vec::new();
    for (k, v) in rules {
        match k.as_str() {
            "customer.groups.id" | "customer_group_id" => out.extend(v),
            other => {
                return Err(ApiError::invalid(format!(
                    "Unsupported price list rule: {other}"
                )))
            }
        }
    }
    Ok(Some(out))
}

fn list_type(t: &str) -> ApiResult<PriceListType> {
    PriceListType::parse(t)
        .ok_or_else(|| ApiError::invalid(format!("type must be sale or override, not {t:?}")))
}

fn active(s: &str) -> ApiResult<bool> {
    match s {
        "active" => Ok(true),
        "draft" => Ok(false),
        other => Err(ApiError::invalid(format!(
            "status must be active or draft, not {other:?}"
        ))),
    }
}

pub async fn list_lists(
    State(s): State<AppState>,
    ListQuery { qs: _, page }: ListQuery<20>,
) -> ApiResult<Json<Value>> {
    let (lists, count) = s.core.pricing.list_lists(page.limit, page.offset).await?;
    let page = merx_types::Page {
        items: Vec::<()>::new(),
        count,
        limit: page.limit,
        offset: page.offset,
    };
    Ok(Json(list_body(
        "price_lists",
        lists.iter().map(list_json).collect(),
        &page,
    )))
}

pub async fn create_list(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<PriceListBody>,
) -> ApiResult<Json<Value>> {
    let input = NewPriceList {
        title: b
            .title
            .clone()
            .ok_or_else(|| ApiError::invalid("title is required"))?,
        description: b.description.clone().unwrap_or_default(),
        list_type: list_type(b.list_type.as_deref().unwrap_or("sale"))?,
        active: active(b.status.as_deref().unwrap_or("active"))?,
        starts_at: when("starts_at", &b.starts_at)?,
        ends_at: when("ends_at", &b.ends_at)?,
        customer_group_ids: groups(b.rules)?.unwrap_or_default(),
        metadata: b.metadata,
        prices: b
            .prices
            .unwrap_or_default()
            .into_iter()
            .map(|p| Ok((p.variant_id, p.price.into_price()?)))
            .collect::<ApiResult<_>>()?,
    };
    let (list, _) = s.core.pricing.create_list(input).await?;
    Ok(Json(json!({"price_list": list_json(&list)})))
}

pub async fn retrieve_list(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({"price_list": list_json(&s.core.pricing.get_list(&id).await?)}),
    ))
}

pub async fn update_list(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PriceListBody>,
) -> ApiResult<Json<Value>> {
    if b.prices.is_some() {
        return Err(ApiError::invalid(
            "prices are changed through the price list's prices, not here",
        ));
    }
    let mut l = s.core.pricing.get_list(&id).await?;
    if let Some(t) = b.title {
        l.title = t;
    }
    if let Some(d) = b.description {
        l.description = d;
    }
    if let Some(t) = b.list_type.as_deref() {
        l.list_type = list_type(t)?;
    }
    if let Some(st) = b.status.as_deref() {
        l.active = active(st)?;
    }
    if b.starts_at.is_some() {
        l.starts_at = when("starts_at", &b.starts_at)?;
    }
    if b.ends_at.is_some() {
        l.ends_at = when("ends_at", &b.ends_at)?;
    }
    if let Some(g) = groups(b.rules)? {
        l.customer_group_ids = g;
    }
    if b.metadata.is_some() {
        l.metadata = b.metadata;
    }
    let l = s.core.pricing.update_list(l).await?;
    Ok(Json(json!({"price_list": list_json(&l)})))
}

pub async fn delete_list(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.pricing.delete_list(&id).await?;
    Ok(Json(Deleted::new(id, "price_list")))
}

/// Which price a variant gets in a context, and why every other price did not win.
pub async fn explain(State(s): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Json<Value>> {
    let qs = Qs::parse(raw.as_deref().unwrap_or_default())?;
    let variant_id = qs
        .str("variant_id")?
        .ok_or_else(|| ApiError::invalid("variant_id is required"))?
        .to_string();
    let req = PricingRequest {
        region_id: qs.str("region_id")?.map(str::to_string),
        currency_code: qs.str("currency_code")?.map(str::to_string),
        country_code: None,
        province: None,
        customer_id: qs.str("customer_id")?.map(str::to_string),
        quantity: qs.int("quantity")?,
        ..Default::default()
    };
    let ctx = storefront::resolve(&s.core, &req)
        .await?
        .ok_or_else(|| ApiError::invalid("region_id or currency_code is required"))?;
    let mut price_ctx = ctx.price.clone();
    price_ctx
        .customer_group_ids
        .extend(qs.list("customer_group_id")?);
    let e = s.core.pricing.explain(&variant_id, &price_ctx).await?;
    if e.price_set_id.is_none() {
        return Err(merx_types::DomainError::not_found(format!(
            "Variant {variant_id} has no prices"
        ))
        .into());
    }
    let candidates: Vec<Value> = e
        .candidates
        .iter()
        .map(|(c, verdict)| {
            json!({
                "price_id": c.id, "currency_code": c.currency_code, "amount": amount(c.amount, &c.currency_code),
                "region_id": c.region_id, "min_quantity": c.min_quantity, "max_quantity": c.max_quantity,
                "price_list_id": c.list.as_ref().map(|l| l.id.clone()),
                "price_list_type": c.list.as_ref().map(|l| l.list_type.as_str()),
                "verdict": format!("{verdict:?}").split('(').next().unwrap_or_default().to_string(),
                "reason": verdict.describe(),
            })
        })
        .collect();
    let result = e.price.as_ref().map(|p| {
        json!({
            "calculated_amount": amount(p.calculated.amount, &p.currency_code),
            "calculated_price_id": p.calculated.price_id,
            "original_amount": amount(p.original.amount, &p.currency_code),
            "original_price_id": p.original.price_id,
            "currency_code": p.currency_code,
            "is_tax_inclusive": p.tax_inclusive,
        })
    });
    Ok(Json(json!({"explanation": {
        "variant_id": variant_id,
        "price_set_id": e.price_set_id,
        "context": {
            "currency_code": price_ctx.currency_code, "region_id": price_ctx.region_id, "quantity": price_ctx.quantity,
            "customer_group_ids": price_ctx.customer_group_ids,
        },
        "result": result,
        "candidates": candidates,
    }})))
}

// ---------- customer groups

fn group_json(g: &CustomerGroup) -> Value {
    json!({"id": g.id, "name": g.name, "metadata": g.metadata, "created_at": ts(g.created_at), "updated_at": ts(g.updated_at), "deleted_at": null})
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupBody {
    pub name: String,
    pub metadata: Option<Value>,
}

pub async fn list_groups(
    State(s): State<AppState>,
    ListQuery { qs: _, page }: ListQuery<20>,
) -> ApiResult<Json<Value>> {
    let page = s.core.customer_groups.list(page).await?;
    Ok(Json(list_body(
        "customer_groups",
        page.items.iter().map(group_json).collect(),
        &page,
    )))
}

pub async fn create_group(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<GroupBody>,
) -> ApiResult<Json<Value>> {
    let g = s.core.customer_groups.create(&b.name, b.metadata).await?;
    Ok(Json(json!({"customer_group": group_json(&g)})))
}

pub async fn retrieve_group(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({"customer_group": group_json(&s.core.customer_groups.get(&id).await?)}),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupChanges {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    pub metadata: Option<Option<Value>>,
}

pub async fn update_group(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<GroupChanges>,
) -> ApiResult<Json<Value>> {
    let g = s
        .core
        .customer_groups
        .update(&id, b.name, b.metadata)
        .await?;
    Ok(Json(json!({"customer_group": group_json(&g)})))
}

pub async fn delete_group(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.customer_groups.delete(&id).await?;
    Ok(Json(Deleted::new(id, "customer_group")))
}

pub async fn group_customers(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Batch>,
) -> ApiResult<Json<Value>> {
    let g = s
        .core
        .customer_groups
        .batch_customers(&id, &b.add, &b.remove)
        .await?;
    Ok(Json(json!({"customer_group": group_json(&g)})))
}

// ---------- tax

fn rate_json(r: &TaxRate) -> Value {
    json!({
        "id": r.id, "tax_region_id": r.tax_region_id, "name": r.name, "code": r.code,
        "rate": r.rate.normalize().to_string().parse::<f64>().ok(),
        "is_default": r.is_default, "is_combinable": r.is_combinable,
        "rules": r.rules.iter().map(|(reference, id)| json!({"reference": reference, "reference_id": id})).collect::<Vec<_>>(),
        "created_at": ts(r.created_at), "updated_at": ts(r.updated_at), "deleted_at": null,
    })
}

fn tax_region_json(t: &TaxRegion) -> Value {
    json!({
        "id": t.id, "country_code": t.country_code, "province_code": t.province_code, "parent_id": t.parent_id,
        "provider_id": "tp_system", "tax_rates": t.rates.iter().map(rate_json).collect::<Vec<_>>(),
        "created_at": ts(t.created_at), "updated_at": ts(t.updated_at), "deleted_at": null,
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateBody {
    pub tax_region_id: Option<String>,
    pub name: String,
    pub code: String,
    #[schema(value_type = f64)]
    pub rate: Decimal,
    pub is_default: Option<bool>,
    pub is_combinable: Option<bool>,
    #[serde(default)]
    pub rules: Vec<RuleBody>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleBody {
    pub reference: String,
    pub reference_id: String,
}

impl RateBody {
    fn rate(self) -> NewTaxRate {
        NewTaxRate {
            name: self.name,
            code: self.code,
            rate: self.rate,
            is_default: self.is_default.unwrap_or(false),
            is_combinable: self.is_combinable.unwrap_or(false),
            rules: self
                .rules
                .into_iter()
                .map(|r| (r.reference, r.reference_id))
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultRateBody {
    pub name: String,
    pub code: String,
    #[schema(value_type = f64)]
    pub rate: Decimal,
    pub is_combinable: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxRegionBody {
    pub country_code: String,
    pub province_code: Option<String>,
    pub parent_id: Option<String>,
    pub default_tax_rate: Option<DefaultRateBody>,
}

pub async fn list_tax_regions(
    State(s): State<AppState>,
    ListQuery { qs: _, page }: ListQuery<20>,
) -> ApiResult<Json<Value>> {
    let page = s.core.tax.regions(page).await?;
    Ok(Json(list_body(
        "tax_regions",
        page.items.iter().map(tax_region_json).collect(),
        &page,
    )))
}

pub async fn create_tax_region(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<TaxRegionBody>,
) -> ApiResult<Json<Value>> {
    let default = b.default_tax_rate.map(|d| NewTaxRate {
        name: d.name,
        code: d.code,
        rate: d.rate,
        is_default: true,
        is_combinable: d.is_combinable.unwrap_or(false),
        rules: Vec::new(),
    });
    let t = s
        .core
        .tax
        .create_region(
            &b.country_code,
            b.province_code.as_deref(),
            b.parent_id.as_deref(),
            default,
        )
        .await?;
    Ok(Json(json!({"tax_region": tax_region_json(&t)})))
}

pub async fn retrieve_tax_region(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({"tax_region": tax_region_json(&s.core.tax.region(&id).await?)}),
    ))
}

pub async fn delete_tax_region(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.tax.delete_region(&id).await?;
    Ok(Json(Deleted::new(id, "tax_region")))
}

pub async fn create_tax_rate(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<RateBody>,
) -> ApiResult<Json<Value>> {
    let region = b
        .tax_region_id
        .clone()
        .ok_or_else(|| ApiError::invalid("tax_region_id is required"))?;
    let r = s.core.tax.create_rate(&region, b.rate()).await?;
    Ok(Json(json!({"tax_rate": rate_json(&r)})))
}

pub async fn retrieve_tax_rate(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({"tax_rate": rate_json(&s.core.tax.rate(&id).await?)}),
    ))
}

pub async fn delete_tax_rate(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.tax.delete_rate(&id).await?;
    Ok(Json(Deleted::new(id, "tax_rate")))
}
