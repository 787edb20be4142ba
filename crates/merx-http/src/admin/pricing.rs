//! `/admin/price-lists`, `/admin/prices/explain`, `/admin/customer-groups`, `/admin/tax-regions`,
//! `/admin/tax-rates`.

use axum::extract::{Path, State};
use axum::http::Method;
use axum::Json;
use merx_core::auth::Permission;
use merx_core::customer::CustomerGroup;
use merx_core::pricing::calc::{Candidate, PriceListType, Verdict};
use merx_core::pricing::{NewPriceList, PriceList};
use merx_core::storefront::{self, PricingRequest};
use merx_core::tax::{
    NewTaxRate, NewTaxRegion, TaxRate, TaxRateChanges, TaxRateDetail, TaxRateFilter, TaxRateRule,
    TaxRegion, TaxRegionChanges, TaxRegionDetail, TaxRegionFilter,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{AdminActor, AdminRoutes};
use crate::bodies::Batch;
use crate::bodies::PriceBody;
use crate::dto::{answer, list_answer, opt_ts, ts, Amount, Deleted};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::extract::ListQuery;
use crate::qs::Qs;
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
            Method::POST,
            "/admin/tax-regions/{id}",
            TAX_WRITE,
            update_tax_region,
        )
        .add(
            Method::DELETE,
            "/admin/tax-regions/{id}",
            TAX_WRITE,
            delete_tax_region,
        )
        .add(Method::GET, "/admin/tax-rates", TAX_READ, list_tax_rates)
        .add(Method::POST, "/admin/tax-rates", TAX_WRITE, create_tax_rate)
        .add(
            Method::GET,
            "/admin/tax-rates/{id}",
            TAX_READ,
            retrieve_tax_rate,
        )
        .add(
            Method::POST,
            "/admin/tax-rates/{id}",
            TAX_WRITE,
            update_tax_rate,
        )
        .add(
            Method::DELETE,
            "/admin/tax-rates/{id}",
            TAX_WRITE,
            delete_tax_rate,
        )
}

// ---------- price lists

/// A price list's `type`.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PriceListKind {
    /// Applies only where it beats the base price.
    Sale,
    /// Replaces the base price.
    Override,
}

impl From<PriceListType> for PriceListKind {
    fn from(t: PriceListType) -> Self {
        match t {
            PriceListType::Sale => Self::Sale,
            PriceListType::Override => Self::Override,
        }
    }
}

/// A price list's `status`.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PriceListStatus {
    Active,
    Draft,
}

/// Medusa's price list rules: `{}` for everyone, or the customer groups the list is for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PriceListRules {
    #[serde(rename = "customer.groups.id", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub customer_group_ids: Option<Vec<String>>,
}

/// A price list (its prices are the variants').
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PriceListDto {
    pub id: String,
    pub title: String,
    pub description: String,
    #[serde(rename = "type")]
    pub list_type: PriceListKind,
    pub status: PriceListStatus,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub rules: PriceListRules,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

impl From<&PriceList> for PriceListDto {
    fn from(l: &PriceList) -> Self {
        Self {
            id: l.id.clone(),
            title: l.title.clone(),
            description: l.description.clone(),
            list_type: l.list_type.into(),
            status: if l.active {
                PriceListStatus::Active
            } else {
                PriceListStatus::Draft
            },
            starts_at: opt_ts(l.starts_at),
            ends_at: opt_ts(l.ends_at),
            rules: PriceListRules {
                customer_group_ids: (!l.customer_group_ids.is_empty())
                    .then(|| l.customer_group_ids.clone()),
            },
            metadata: l.metadata.clone(),
            created_at: ts(l.created_at),
            updated_at: ts(l.updated_at),
            deleted_at: None,
        }
    }
}

answer!(PriceListAnswer {
    price_list: PriceListDto
});
list_answer!(PriceListList {
    price_lists: PriceListDto
});

fn price_list_answer(l: &PriceList) -> Json<PriceListAnswer> {
    Json(PriceListAnswer {
        price_list: l.into(),
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
    #[serde(default, deserialize_with = "crate::dto::metadata")]
    #[schema(value_type = Option<Object>)]
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
) -> ApiResult<Json<PriceListList>> {
    let (lists, count) = s.core.pricing.list_lists(page.limit, page.offset).await?;
    Ok(Json(PriceListList {
        price_lists: lists.iter().map(PriceListDto::from).collect(),
        count,
        offset: page.offset,
        limit: page.limit,
    }))
}

pub async fn create_list(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<PriceListBody>,
) -> ApiResult<Json<PriceListAnswer>> {
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
    Ok(price_list_answer(&list))
}

pub async fn retrieve_list(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<PriceListAnswer>> {
    Ok(price_list_answer(&s.core.pricing.get_list(&id).await?))
}

pub async fn update_list(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PriceListBody>,
) -> ApiResult<Json<PriceListAnswer>> {
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
    Ok(price_list_answer(&l))
}

pub async fn delete_list(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.pricing.delete_list(&id).await?;
    Ok(Json(Deleted::new(id, "price_list")))
}

/// `/admin/prices/explain`'s query, read with Medusa's qs syntax (documentation only: the
/// handler reads it through [`ExplainQuery`]).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ExplainParams {
    /// The variant whose price to explain.
    pub variant_id: String,
    /// The region to price in (its currency, tax preference and region prices).
    pub region_id: Option<String>,
    /// The currency to price in, without a region.
    pub currency_code: Option<String>,
    /// A customer whose groups the price lists may require.
    pub customer_id: Option<String>,
    /// Units in the cart (price tiers by quantity).
    pub quantity: Option<i64>,
    /// Customer groups to price for besides the customer's (repeatable).
    pub customer_group_id: Option<Vec<String>>,
}

/// The explain route's query, parsed as Medusa's qs; documented as [`ExplainParams`].
pub struct ExplainQuery(Qs);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ExplainQuery {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Qs::parse(parts.uri.query().unwrap_or_default()).map(ExplainQuery)
    }
}

impl crate::route_doc::DocArg for ExplainQuery {
    fn document(op: &mut crate::route_doc::OperationDoc) {
        use utoipa::IntoParams;
        op.query.extend(ExplainParams::into_params(|| None));
    }
}

/// The context a price was decided in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PriceExplanationContext {
    pub currency_code: String,
    pub region_id: Option<String>,
    pub quantity: i64,
    /// The customer's groups and those asked for.
    pub customer_group_ids: Vec<String>,
}

/// The price the variant gets: Medusa's calculated and original prices.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PriceExplanationResult {
    pub calculated_amount: Amount,
    pub calculated_price_id: String,
    pub original_amount: Amount,
    pub original_price_id: String,
    pub currency_code: String,
    pub is_tax_inclusive: bool,
}

/// What the decision made of one price.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub enum PriceVerdict {
    WrongCurrency,
    OtherRegion,
    QuantityOutOfRange,
    ListInactive,
    ListNotStarted,
    ListEnded,
    CustomerGroupMismatch,
    /// Applicable, but another price won (the `reason` names it).
    Outranked,
    ChosenAsOriginal,
    ChosenAsCalculated,
    ChosenAsBoth,
}

impl From<&Verdict> for PriceVerdict {
    fn from(v: &Verdict) -> Self {
        match v {
            Verdict::WrongCurrency => Self::WrongCurrency,
            Verdict::OtherRegion => Self::OtherRegion,
            Verdict::QuantityOutOfRange => Self::QuantityOutOfRange,
            Verdict::ListInactive => Self::ListInactive,
            Verdict::ListNotStarted => Self::ListNotStarted,
            Verdict::ListEnded => Self::ListEnded,
            Verdict::CustomerGroupMismatch => Self::CustomerGroupMismatch,
            Verdict::Outranked(_) => Self::Outranked,
            Verdict::ChosenAsOriginal => Self::ChosenAsOriginal,
            Verdict::ChosenAsCalculated => Self::ChosenAsCalculated,
            Verdict::ChosenAsBoth => Self::ChosenAsBoth,
        }
    }
}

/// One of the variant's prices, and why it did or did not win.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PriceCandidate {
    pub price_id: String,
    pub currency_code: String,
    pub amount: Amount,
    pub region_id: Option<String>,
    pub min_quantity: Option<i64>,
    pub max_quantity: Option<i64>,
    pub price_list_id: Option<String>,
    pub price_list_type: Option<PriceListKind>,
    pub verdict: PriceVerdict,
    /// The verdict in words.
    pub reason: String,
}

impl From<&(Candidate, Verdict)> for PriceCandidate {
    fn from((c, verdict): &(Candidate, Verdict)) -> Self {
        Self {
            price_id: c.id.clone(),
            currency_code: c.currency_code.clone(),
            amount: Amount::new(c.amount, &c.currency_code),
            region_id: c.region_id.clone(),
            min_quantity: c.min_quantity,
            max_quantity: c.max_quantity,
            price_list_id: c.list.as_ref().map(|l| l.id.clone()),
            price_list_type: c.list.as_ref().map(|l| l.list_type.into()),
            verdict: verdict.into(),
            reason: verdict.describe(),
        }
    }
}

/// Which price a variant gets in a context, and what became of every other price.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PriceExplanation {
    pub variant_id: String,
    pub price_set_id: String,
    pub context: PriceExplanationContext,
    /// `null` when no price applies in the context.
    pub result: Option<PriceExplanationResult>,
    pub candidates: Vec<PriceCandidate>,
}

answer!(PriceExplanationAnswer {
    explanation: PriceExplanation
});

/// Which price a variant gets in a context, and why every other price did not win.
pub async fn explain(
    State(s): State<AppState>,
    ExplainQuery(qs): ExplainQuery,
) -> ApiResult<Json<PriceExplanationAnswer>> {
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
    let Some(price_set_id) = e.price_set_id else {
        return Err(merx_types::DomainError::not_found(format!(
            "Variant {variant_id} has no prices"
        ))
        .into());
    };
    let result = e.price.as_ref().map(|p| PriceExplanationResult {
        calculated_amount: Amount::new(p.calculated.amount, &p.currency_code),
        calculated_price_id: p.calculated.price_id.clone(),
        original_amount: Amount::new(p.original.amount, &p.currency_code),
        original_price_id: p.original.price_id.clone(),
        currency_code: p.currency_code.clone(),
        is_tax_inclusive: p.tax_inclusive,
    });
    Ok(Json(PriceExplanationAnswer {
        explanation: PriceExplanation {
            variant_id,
            price_set_id,
            context: PriceExplanationContext {
                currency_code: price_ctx.currency_code,
                region_id: price_ctx.region_id,
                quantity: price_ctx.quantity,
                customer_group_ids: price_ctx.customer_group_ids,
            },
            result,
            candidates: e.candidates.iter().map(PriceCandidate::from).collect(),
        },
    }))
}

// ---------- customer groups

/// A customer group.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerGroupDto {
    pub id: String,
    pub name: String,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

impl From<&CustomerGroup> for CustomerGroupDto {
    fn from(g: &CustomerGroup) -> Self {
        Self {
            id: g.id.clone(),
            name: g.name.clone(),
            metadata: g.metadata.clone(),
            created_at: ts(g.created_at),
            updated_at: ts(g.updated_at),
            deleted_at: None,
        }
    }
}

answer!(CustomerGroupAnswer {
    customer_group: CustomerGroupDto
});
list_answer!(CustomerGroupList {
    customer_groups: CustomerGroupDto
});

fn group_answer(g: &CustomerGroup) -> Json<CustomerGroupAnswer> {
    Json(CustomerGroupAnswer {
        customer_group: g.into(),
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupBody {
    pub name: String,
    #[serde(default, deserialize_with = "crate::dto::metadata")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

pub async fn list_groups(
    State(s): State<AppState>,
    ListQuery { qs: _, page }: ListQuery<20>,
) -> ApiResult<Json<CustomerGroupList>> {
    let page = s.core.customer_groups.list(page).await?;
    Ok(Json(CustomerGroupList::new(
        page.items.iter().map(CustomerGroupDto::from).collect(),
        &page,
    )))
}

pub async fn create_group(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<GroupBody>,
) -> ApiResult<Json<CustomerGroupAnswer>> {
    let g = s.core.customer_groups.create(&b.name, b.metadata).await?;
    Ok(group_answer(&g))
}

pub async fn retrieve_group(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<CustomerGroupAnswer>> {
    Ok(group_answer(&s.core.customer_groups.get(&id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupChanges {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::metadata_patch")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

pub async fn update_group(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<GroupChanges>,
) -> ApiResult<Json<CustomerGroupAnswer>> {
    let g = s
        .core
        .customer_groups
        .update(&id, b.name, b.metadata)
        .await?;
    Ok(group_answer(&g))
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
) -> ApiResult<Json<CustomerGroupAnswer>> {
    let g = s
        .core
        .customer_groups
        .batch_customers(&id, &b.add, &b.remove)
        .await?;
    Ok(group_answer(&g))
}

// ---------- tax

/// A rule limiting a tax rate to a product, product type or product category.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaxRateRuleDto {
    pub id: String,
    pub tax_rate_id: String,
    /// `product`, `product_type` or `product_category`.
    pub reference: String,
    pub reference_id: String,
    pub created_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

impl From<&TaxRateRule> for TaxRateRuleDto {
    fn from(r: &TaxRateRule) -> Self {
        Self {
            id: r.id.clone(),
            tax_rate_id: r.tax_rate_id.clone(),
            reference: r.reference.clone(),
            reference_id: r.reference_id.clone(),
            created_by: r.created_by.clone(),
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
            deleted_at: None,
        }
    }
}

/// A tax rate, as a tax region lists it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaxRateDto {
    pub id: String,
    /// A percentage (`7.25` is 7.25 %).
    #[serde(serialize_with = "percent")]
    #[schema(value_type = f64)]
    pub rate: Decimal,
    pub code: String,
    pub name: String,
    pub is_default: bool,
    /// A province's rate that also takes its country's.
    pub is_combinable: bool,
    pub tax_region_id: String,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
    pub rules: Vec<TaxRateRuleDto>,
}

impl From<&TaxRate> for TaxRateDto {
    fn from(r: &TaxRate) -> Self {
        Self {
            id: r.id.clone(),
            rate: r.rate,
            code: r.code.clone(),
            name: r.name.clone(),
            is_default: r.is_default,
            is_combinable: r.is_combinable,
            tax_region_id: r.tax_region_id.clone(),
            metadata: r.metadata.clone(),
            created_by: r.created_by.clone(),
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
            deleted_at: None,
            rules: r.rules.iter().map(TaxRateRuleDto::from).collect(),
        }
    }
}

/// A percentage as Medusa renders it: `19`, `7.25`.
fn percent<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    use rust_decimal::prelude::ToPrimitive;
    let d = d.normalize();
    match d.fract().is_zero().then(|| d.to_i64()).flatten() {
        Some(i) => s.serialize_i64(i),
        None => s.serialize_f64(d.to_string().parse().unwrap_or_default()),
    }
}

/// A tax provider, by id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaxProviderRef {
    pub id: String,
}

/// A tax region's own fields.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaxRegionFields {
    pub id: String,
    pub country_code: String,
    /// Lower case, as created (`us-ca`).
    pub province_code: Option<String>,
    /// A province's country region.
    pub parent_id: Option<String>,
    /// `tp_system` for a country's region; a province's is `null` unless one was named (its
    /// country's provider computes the tax).
    pub provider_id: Option<String>,
    pub created_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

impl From<&TaxRegion> for TaxRegionFields {
    fn from(t: &TaxRegion) -> Self {
        Self {
            id: t.id.clone(),
            country_code: t.country_code.clone(),
            province_code: t.province_code.clone(),
            parent_id: t.parent_id.clone(),
            provider_id: t.provider_id.clone(),
            created_by: t.created_by.clone(),
            created_at: ts(t.created_at),
            updated_at: ts(t.updated_at),
            deleted_at: None,
            metadata: t.metadata.clone(),
        }
    }
}

/// A related tax region (a province's parent, a rate's region): its fields and its provider.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaxRegionSummary {
    #[serde(flatten)]
    pub fields: TaxRegionFields,
    pub provider: Option<TaxProviderRef>,
}

impl From<&TaxRegion> for TaxRegionSummary {
    fn from(t: &TaxRegion) -> Self {
        Self {
            fields: t.into(),
            provider: t.provider_id.clone().map(|id| TaxProviderRef { id }),
        }
    }
}

/// A country region's province, with its rates.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaxRegionChild {
    #[serde(flatten)]
    pub fields: TaxRegionFields,
    pub provider: Option<TaxProviderRef>,
    pub tax_rates: Vec<TaxRateDto>,
}

/// A tax region (a country, or a province within one) with its rates, parent and provinces:
/// Medusa's default fields.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaxRegionDto {
    #[serde(flatten)]
    pub fields: TaxRegionFields,
    pub children: Vec<TaxRegionChild>,
    pub parent: Option<TaxRegionSummary>,
    pub tax_rates: Vec<TaxRateDto>,
}

impl From<&TaxRegionDetail> for TaxRegionDto {
    fn from(d: &TaxRegionDetail) -> Self {
        Self {
            fields: (&d.region).into(),
            children: d
                .children
                .iter()
                .map(|c| TaxRegionChild {
                    fields: c.into(),
                    provider: c.provider_id.clone().map(|id| TaxProviderRef { id }),
                    tax_rates: c.rates.iter().map(TaxRateDto::from).collect(),
                })
                .collect(),
            parent: d.parent.as_ref().map(TaxRegionSummary::from),
            tax_rates: d.region.rates.iter().map(TaxRateDto::from).collect(),
        }
    }
}

answer!(TaxRegionAnswer {
    tax_region: TaxRegionDto
});
list_answer!(TaxRegionList {
    tax_regions: TaxRegionDto
});

/// A tax rate with its region (`/admin/tax-rates`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaxRateWithRegion {
    #[serde(flatten)]
    pub rate: TaxRateDto,
    pub tax_region: TaxRegionSummary,
}

impl From<&TaxRateDetail> for TaxRateWithRegion {
    fn from(d: &TaxRateDetail) -> Self {
        Self {
            rate: (&d.rate).into(),
            tax_region: (&d.region).into(),
        }
    }
}

answer!(TaxRateAnswer {
    tax_rate: TaxRateWithRegion
});
list_answer!(TaxRateList {
    tax_rates: TaxRateWithRegion
});

fn rate_answer(d: &TaxRateDetail) -> Json<TaxRateAnswer> {
    Json(TaxRateAnswer { tax_rate: d.into() })
}

fn region_answer(d: &TaxRegionDetail) -> Json<TaxRegionAnswer> {
    Json(TaxRegionAnswer {
        tax_region: d.into(),
    })
}

/// A rule of a rate: the product, product type or product category it applies to.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleBody {
    /// `product`, `product_type` or `product_category`.
    pub reference: String,
    pub reference_id: String,
}

fn rules(r: Vec<RuleBody>) -> Vec<(String, String)> {
    r.into_iter()
        .map(|r| (r.reference, r.reference_id))
        .collect()
}

/// `POST /admin/tax-rates`: Medusa's `AdminCreateTaxRate`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateBody {
    pub tax_region_id: Option<String>,
    pub name: String,
    pub code: String,
    /// A percentage, 0 to 100.
    #[schema(value_type = f64, minimum = 0, maximum = 100)]
    pub rate: Decimal,
    pub is_default: Option<bool>,
    pub is_combinable: Option<bool>,
    #[serde(default)]
    pub rules: Vec<RuleBody>,
    #[serde(default, deserialize_with = "crate::dto::metadata")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

impl RateBody {
    fn rate(self) -> NewTaxRate {
        NewTaxRate {
            name: self.name,
            code: self.code,
            rate: self.rate,
            is_default: self.is_default.unwrap_or(false),
            is_combinable: self.is_combinable.unwrap_or(false),
            rules: rules(self.rules),
            metadata: self.metadata,
        }
    }
}

/// `POST /admin/tax-rates/{id}`: Medusa's `AdminUpdateTaxRate` (`rules` replace the rate's).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateChangesBody {
    pub name: Option<String>,
    pub code: Option<String>,
    /// A percentage, 0 to 100.
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 100)]
    pub rate: Option<Decimal>,
    pub is_default: Option<bool>,
    pub is_combinable: Option<bool>,
    pub rules: Option<Vec<RuleBody>>,
    #[serde(default, deserialize_with = "crate::dto::metadata_patch")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

/// A new region's default rate.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultRateBody {
    pub name: String,
    pub code: String,
    /// A percentage, 0 to 100.
    #[schema(value_type = f64, minimum = 0, maximum = 100)]
    pub rate: Decimal,
    pub is_combinable: Option<bool>,
    #[serde(default, deserialize_with = "crate::dto::metadata")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

/// `POST /admin/tax-regions`: Medusa's `AdminCreateTaxRegion`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxRegionBody {
    pub country_code: String,
    /// `tp_system` (the default for a country's region).
    pub provider_id: Option<String>,
    /// Makes it a province's region (`us-ca`), under its country's.
    pub province_code: Option<String>,
    /// The country's region, for a province (found by country when absent).
    pub parent_id: Option<String>,
    pub default_tax_rate: Option<DefaultRateBody>,
    #[serde(default, deserialize_with = "crate::dto::metadata")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

/// `POST /admin/tax-regions/{id}`: Medusa's `AdminUpdateTaxRegion`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxRegionChangesBody {
    /// A province's new code.
    pub province_code: Option<String>,
    pub provider_id: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::metadata_patch")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

/// A filter's values; `null` stands for "none" (`parent_id=null`: countries' regions).
fn optional_values(qs: &Qs, key: &str) -> ApiResult<Vec<Option<String>>> {
    Ok(qs
        .list(key)?
        .into_iter()
        .map(|v| (v != "null").then_some(v))
        .collect())
}

/// Tax regions: filters `id`, `country_code`, `province_code`, `parent_id` (one or many;
/// `null` for none) and `q`.
pub async fn list_tax_regions(
    State(s): State<AppState>,
    ListQuery { qs, page }: ListQuery<20>,
) -> ApiResult<Json<TaxRegionList>> {
    let filter = TaxRegionFilter {
        ids: qs.list("id")?,
        country_codes: qs.list("country_code")?,
        province_codes: optional_values(&qs, "province_code")?,
        parent_ids: optional_values(&qs, "parent_id")?,
        q: qs.str("q")?.map(str::to_string),
    };
    let page = s.core.tax.list(&filter, page).await?;
    Ok(Json(TaxRegionList::new(
        page.items.iter().map(TaxRegionDto::from).collect(),
        &page,
    )))
}

pub async fn create_tax_region(
    State(s): State<AppState>,
    actor: AdminActor,
    ApiJson(b): ApiJson<TaxRegionBody>,
) -> ApiResult<Json<TaxRegionAnswer>> {
    let default_rate = b.default_tax_rate.map(|d| NewTaxRate {
        name: d.name,
        code: d.code,
        rate: d.rate,
        is_default: true,
        is_combinable: d.is_combinable.unwrap_or(false),
        rules: Vec::new(),
        metadata: d.metadata,
    });
    let new = NewTaxRegion {
        country_code: b.country_code,
        province_code: b.province_code,
        parent_id: b.parent_id,
        provider_id: b.provider_id,
        metadata: b.metadata,
        default_rate,
    };
    let d = s.core.tax.create(new, Some(&actor.id)).await?;
    Ok(region_answer(&d))
}

pub async fn retrieve_tax_region(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<TaxRegionAnswer>> {
    Ok(region_answer(&s.core.tax.detail(&id).await?))
}

pub async fn update_tax_region(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TaxRegionChangesBody>,
) -> ApiResult<Json<TaxRegionAnswer>> {
    let changes = TaxRegionChanges {
        province_code: b.province_code,
        provider_id: b.provider_id,
        metadata: b.metadata,
    };
    Ok(region_answer(&s.core.tax.update(&id, changes).await?))
}

pub async fn delete_tax_region(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.tax.delete_region(&id).await?;
    Ok(Json(Deleted::new(id, "tax_region")))
}

/// Tax rates: filters `id`, `tax_region_id` (one or many), `is_default` and `q`.
pub async fn list_tax_rates(
    State(s): State<AppState>,
    ListQuery { qs, page }: ListQuery<20>,
) -> ApiResult<Json<TaxRateList>> {
    let filter = TaxRateFilter {
        ids: qs.list("id")?,
        tax_region_ids: qs.list("tax_region_id")?,
        is_default: qs.bool("is_default")?,
        q: qs.str("q")?.map(str::to_string),
    };
    let page = s.core.tax.rates(&filter, page).await?;
    Ok(Json(TaxRateList::new(
        page.items.iter().map(TaxRateWithRegion::from).collect(),
        &page,
    )))
}

pub async fn create_tax_rate(
    State(s): State<AppState>,
    actor: AdminActor,
    ApiJson(b): ApiJson<RateBody>,
) -> ApiResult<Json<TaxRateAnswer>> {
    let region = b
        .tax_region_id
        .clone()
        .ok_or_else(|| ApiError::invalid("tax_region_id is required"))?;
    let r = s
        .core
        .tax
        .add_rate(&region, b.rate(), Some(&actor.id))
        .await?;
    Ok(rate_answer(&r))
}

pub async fn retrieve_tax_rate(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<TaxRateAnswer>> {
    Ok(rate_answer(&s.core.tax.rate(&id).await?))
}

pub async fn update_tax_rate(
    State(s): State<AppState>,
    actor: AdminActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RateChangesBody>,
) -> ApiResult<Json<TaxRateAnswer>> {
    let changes = TaxRateChanges {
        name: b.name,
        code: b.code,
        rate: b.rate,
        is_default: b.is_default,
        is_combinable: b.is_combinable,
        rules: b.rules.map(rules),
        metadata: b.metadata,
    };
    let r = s
        .core
        .tax
        .update_rate(&id, changes, Some(&actor.id))
        .await?;
    Ok(rate_answer(&r))
}

pub async fn delete_tax_rate(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.tax.delete_rate(&id).await?;
    Ok(Json(Deleted::new(id, "tax_rate")))
}
