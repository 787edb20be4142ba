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
use merx_core::tax::{NewTaxRate, TaxRate, TaxRegion};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::AdminRoutes;
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
    /// `product`, `product_type` or `product_category`.
    pub reference: String,
    pub reference_id: String,
}

/// A tax rate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaxRateDto {
    pub id: String,
    pub tax_region_id: String,
    pub name: String,
    pub code: String,
    /// A percentage (`25` is 25 %).
    pub rate: f64,
    pub is_default: bool,
    pub is_combinable: bool,
    pub rules: Vec<TaxRateRuleDto>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

impl From<&TaxRate> for TaxRateDto {
    fn from(r: &TaxRate) -> Self {
        Self {
            id: r.id.clone(),
            tax_region_id: r.tax_region_id.clone(),
            name: r.name.clone(),
            code: r.code.clone(),
            rate: r.rate.normalize().to_string().parse().unwrap_or_default(),
            is_default: r.is_default,
            is_combinable: r.is_combinable,
            rules: r
                .rules
                .iter()
                .map(|(reference, id)| TaxRateRuleDto {
                    reference: reference.clone(),
                    reference_id: id.clone(),
                })
                .collect(),
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
            deleted_at: None,
        }
    }
}

answer!(TaxRateAnswer {
    tax_rate: TaxRateDto
});

/// A tax region (a country, or a province within one) with its rates.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaxRegionDto {
    pub id: String,
    pub country_code: String,
    pub province_code: Option<String>,
    pub parent_id: Option<String>,
    /// Always `tp_system`: Merx computes tax itself.
    pub provider_id: &'static str,
    pub tax_rates: Vec<TaxRateDto>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

impl From<&TaxRegion> for TaxRegionDto {
    fn from(t: &TaxRegion) -> Self {
        Self {
            id: t.id.clone(),
            country_code: t.country_code.clone(),
            province_code: t.province_code.clone(),
            parent_id: t.parent_id.clone(),
            provider_id: "tp_system",
            tax_rates: t.rates.iter().map(TaxRateDto::from).collect(),
            created_at: ts(t.created_at),
            updated_at: ts(t.updated_at),
            deleted_at: None,
        }
    }
}

answer!(TaxRegionAnswer {
    tax_region: TaxRegionDto
});
list_answer!(TaxRegionList {
    tax_regions: TaxRegionDto
});

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
) -> ApiResult<Json<TaxRegionList>> {
    let page = s.core.tax.regions(page).await?;
    Ok(Json(TaxRegionList::new(
        page.items.iter().map(TaxRegionDto::from).collect(),
        &page,
    )))
}

pub async fn create_tax_region(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<TaxRegionBody>,
) -> ApiResult<Json<TaxRegionAnswer>> {
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
    Ok(Json(TaxRegionAnswer {
        tax_region: (&t).into(),
    }))
}

pub async fn retrieve_tax_region(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<TaxRegionAnswer>> {
    Ok(Json(TaxRegionAnswer {
        tax_region: (&s.core.tax.region(&id).await?).into(),
    }))
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
) -> ApiResult<Json<TaxRateAnswer>> {
    let region = b
        .tax_region_id
        .clone()
        .ok_or_else(|| ApiError::invalid("tax_region_id is required"))?;
    let r = s.core.tax.create_rate(&region, b.rate()).await?;
    Ok(Json(TaxRateAnswer {
        tax_rate: (&r).into(),
    }))
}

pub async fn retrieve_tax_rate(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<TaxRateAnswer>> {
    Ok(Json(TaxRateAnswer {
        tax_rate: (&s.core.tax.rate(&id).await?).into(),
    }))
}

pub async fn delete_tax_rate(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.tax.delete_rate(&id).await?;
    Ok(Json(Deleted::new(id, "tax_rate")))
}
