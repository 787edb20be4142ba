use std::collections::HashMap;
use std::str::FromStr;

use merx_db::sql::placeholders;
use merx_db::{query, Db, DbResult, Row, Tx};
use merx_types::id::new_id;
use merx_types::time::now;
use merx_types::{Country, DomainError, Page, PageRequest};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::calc::{Rate, RateTarget, RegionRates};
use crate::error::CoreResult;
use crate::platform::events::{append, NewEvent};
use crate::platform::freshness::{Memo, ReadModel, MEMO_TTL};

/// The tax providers Merx has. It computes tax itself, as Medusa's system provider does.
pub const TAX_PROVIDERS: &[&str] = &["tp_system"];

/// The provider a country's tax region gets when none is named.
pub const DEFAULT_TAX_PROVIDER: &str = "tp_system";

const REGION_COLUMNS: &str = "id, country_code, province_code, parent_id, provider_id, metadata, created_by, created_at, updated_at";
const RATE_COLUMNS: &str = "id, tax_region_id, name, code, rate, is_default, is_combinable, metadata, created_by, created_at, updated_at";

/// A tax region: a country, or a province of one (then `parent_id` is the country's region).
#[derive(Debug, Clone, PartialEq)]
pub struct TaxRegion {
    pub id: String,
    pub country_code: String,
    /// Lower case, as given (`us-ca`, or `ca`).
    pub province_code: Option<String>,
    pub parent_id: Option<String>,
    /// `tp_system` for a country; a province's own provider if one was named (its country's
    /// provider computes the tax either way).
    pub provider_id: Option<String>,
    pub metadata: Option<Value>,
    /// The user or API key that created it.
    pub created_by: Option<String>,
    /// Its rates, when loaded with it.
    pub rates: Vec<TaxRate>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A tax region with its relatives, as the Admin API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaxRegionDetail {
    /// With its rates.
    pub region: TaxRegion,
    /// The country's region of a province (without rates).
    pub parent: Option<TaxRegion>,
    /// A country's provinces, with their rates.
    pub children: Vec<TaxRegion>,
}

/// A rule limiting a rate to a product, product type or product category.
#[derive(Debug, Clone, PartialEq)]
pub struct TaxRateRule {
    pub id: String,
    pub tax_rate_id: String,
    /// `product`, `product_type` or `product_category`.
    pub reference: String,
    pub reference_id: String,
    pub created_by: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A tax rate with its rules.
#[derive(Debug, Clone, PartialEq)]
pub struct TaxRate {
    pub id: String,
    pub tax_region_id: String,
    pub name: String,
    pub code: String,
    pub rate: Decimal,
    pub is_default: bool,
    pub is_combinable: bool,
    pub metadata: Option<Value>,
    pub created_by: Option<String>,
    pub rules: Vec<TaxRateRule>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A rate with the region it belongs to (the region without its rates).
#[derive(Debug, Clone, PartialEq)]
pub struct TaxRateDetail {
    pub rate: TaxRate,
    pub region: TaxRegion,
}

/// A rate to create.
#[derive(Debug, Clone, Default)]
pub struct NewTaxRate {
    pub name: String,
    pub code: String,
    pub rate: Decimal,
    pub is_default: bool,
    pub is_combinable: bool,
    /// `(reference, reference_id)`.
    pub rules: Vec<(String, String)>,
    pub metadata: Option<Value>,
}

/// A tax region to create.
#[derive(Debug, Clone, Default)]
pub struct NewTaxRegion {
    pub country_code: String,
    /// Makes it a province's region, under its country's.
    pub province_code: Option<String>,
    /// The country's region; found by country when absent.
    pub parent_id: Option<String>,
    /// One of [`TAX_PROVIDERS`]; a country's region gets [`DEFAULT_TAX_PROVIDER`] when absent.
    pub provider_id: Option<String>,
    pub metadata: Option<Value>,
    /// Created as the region's default rate.
    pub default_rate: Option<NewTaxRate>,
}

/// Changes to a tax region; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TaxRegionChanges {
    /// A province's new code (a country's region has none).
    pub province_code: Option<String>,
    pub provider_id: Option<String>,
    /// `Some(None)` clears it.
    pub metadata: Option<Option<Value>>,
}

/// Changes to a tax rate; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TaxRateChanges {
    pub name: Option<String>,
    pub code: Option<String>,
    pub rate: Option<Decimal>,
    pub is_default: Option<bool>,
    pub is_combinable: Option<bool>,
    /// Replaces every rule.
    pub rules: Option<Vec<(String, String)>>,
    /// `Some(None)` clears it.
    pub metadata: Option<Option<Value>>,
}

/// Which tax regions to list (every list empty means any). `None` in `province_codes` or
/// `parent_ids` matches regions without one.
#[derive(Debug, Clone, Default)]
pub struct TaxRegionFilter {
    pub ids: Vec<String>,
    pub country_codes: Vec<String>,
    pub province_codes: Vec<Option<String>>,
    pub parent_ids: Vec<Option<String>>,
    /// Part of the country or province code.
    pub q: Option<String>,
}

/// Which tax rates to list.
#[derive(Debug, Clone, Default)]
pub struct TaxRateFilter {
    pub ids: Vec<String>,
    pub tax_region_ids: Vec<String>,
    pub is_default: Option<bool>,
    /// Part of the name or code.
    pub q: Option<String>,
}

/// A province code compared by its subdivision alone: `us-ca`, `US-CA` and `ca` are one province
/// of `us` (Medusa's dashboard writes `us-ca`, ISO 3166-2 style; carts often carry `CA`).
pub fn province_key(country_code: &str, province: &str) -> String {
    let p = province.trim().to_lowercase();
    let country = country_code.trim().to_lowercase();
    match p
        .strip_prefix(country.as_str())
        .and_then(|r| r.strip_prefix('-'))
    {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => p,
    }
}

/// 400 unless `provider` is one of [`TAX_PROVIDERS`].
fn check_provider(provider: &str) -> Result<(), DomainError> {
    if TAX_PROVIDERS.contains(&provider) {
        Ok(())
    } else {
        Err(DomainError::invalid(format!(
            "provider_id: unknown tax provider {provider:?} (Merx has {})",
            TAX_PROVIDERS.join(", ")
        )))
    }
}

/// `field` names the rate in messages: `default_tax_rate` or the rate's own fields.
fn validate_rate(r: &NewTaxRate, field: &str) -> Result<(), DomainError> {
    let at = |name: &str| {
        if field.is_empty() {
            name.to_string()
        } else {
            format!("{field}.{name}")
        }
    };
    if r.name.trim().is_empty() {
        return Err(DomainError::invalid(format!(
            "{}: a tax rate needs a name",
            at("name")
        )));
    }
    if r.code.trim().is_empty() {
        return Err(DomainError::invalid(format!(
            "{}: a tax rate needs a code",
            at("code")
        )));
    }
    if r.rate.is_sign_negative() || r.rate > Decimal::from(100) {
        return Err(DomainError::invalid(format!(
            "{}: must be a percentage between 0 and 100, not {}",
            at("rate"),
            r.rate.normalize()
        )));
    }
    for (i, (reference, reference_id)) in r.rules.iter().enumerate() {
        if !matches!(
            reference.as_str(),
            "product" | "product_type" | "product_category"
        ) {
            return Err(DomainError::invalid(format!(
                "{}: {reference:?} must be product, product_type or product_category",
                at(&format!("rules[{i}].reference"))
            )));
        }
        if reference_id.trim().is_empty() {
            return Err(DomainError::invalid(format!(
                "{}: must name the {reference}",
                at(&format!("rules[{i}].reference_id"))
            )));
        }
    }
    if r.is_default && !r.rules.is_empty() {
        return Err(DomainError::invalid(format!(
            "{}: a default rate applies to everything and takes no rules",
            at("rules")
        )));
    }
    Ok(())
}

fn rate_from_row(r: &Row) -> DbResult<TaxRate> {
    let text = r.text("rate")?;
    Ok(TaxRate {
        id: r.text("id")?,
        tax_region_id: r.text("tax_region_id")?,
        name: r.text("name")?,
        code: r.text("code")?,
        rate: Decimal::from_str(&text).unwrap_or_default(),
        is_default: r.bool("is_default")?,
        is_combinable: r.bool("is_combinable")?,
        metadata: r.opt_json("metadata")?,
        created_by: r.opt_text("created_by")?,
        rules: Vec::new(),
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

fn rule_from_row(r: &Row) -> DbResult<TaxRateRule> {
    Ok(TaxRateRule {
        id: r.text("id")?,
        tax_rate_id: r.text("tax_rate_id")?,
        reference: r.text("reference")?,
        reference_id: r.text("reference_id")?,
        created_by: r.opt_text("created_by")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

fn region_from_row(r: &Row) -> DbResult<TaxRegion> {
    Ok(TaxRegion {
        id: r.text("id")?,
        country_code: r.text("country_code")?,
        province_code: r.opt_text("province_code")?,
        parent_id: r.opt_text("parent_id")?,
        provider_id: r.opt_text("provider_id")?,
        metadata: r.opt_json("metadata")?,
        created_by: r.opt_text("created_by")?,
        rates: Vec::new(),
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

impl From<&TaxRate> for Rate {
    fn from(t: &TaxRate) -> Rate {
        Rate {
            id: t.id.clone(),
            name: t.name.clone(),
            code: t.code.clone(),
            rate: t.rate,
            is_default: t.is_default,
            is_combinable: t.is_combinable,
            targets: t
                .rules
                .iter()
                .filter_map(|r| match r.reference.as_str() {
                    "product" => Some(RateTarget::Product(r.reference_id.clone())),
                    "product_type" => Some(RateTarget::ProductType(r.reference_id.clone())),
                    "product_category" => Some(RateTarget::ProductCategory(r.reference_id.clone())),
                    _ => None,
                })
                .collect(),
        }
    }
}

/// One default per region: a new default replaces the old one.
async fn drop_default(tx: &mut Tx, region_id: &str, at: OffsetDateTime) -> CoreResult<()> {
    tx.execute(query("UPDATE tax_rate SET deleted_at = ? WHERE tax_region_id = ? AND is_default = ? AND deleted_at IS NULL").bind(at).bind(region_id).bind(true))
        .await?;
    Ok(())
}

async fn insert_rules(
    tx: &mut Tx,
    rate_id: &str,
    rules: &[(String, String)],
    actor: Option<&str>,
    at: OffsetDateTime,
) -> CoreResult<()> {
    for (reference, reference_id) in rules {
        tx.execute(query("INSERT INTO tax_rate_rule (id, tax_rate_id, reference, reference_id, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
            .bind(new_id("txrule"))
            .bind(rate_id)
            .bind(reference)
            .bind(reference_id.trim())
            .bind(actor)
            .bind(at)
            .bind(at))
            .await?;
    }
    Ok(())
}

async fn insert_rate(
    tx: &mut Tx,
    region_id: &str,
    r: &NewTaxRate,
    field: &str,
    actor: Option<&str>,
) -> CoreResult<String> {
    validate_rate(r, field)?;
    let at = now();
    let id = new_id("txr");
    if r.is_default {
        drop_default(tx, region_id, at).await?;
    }
    tx.execute(
        query("INSERT INTO tax_rate (id, tax_region_id, name, code, rate, is_default, is_combinable, metadata, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(&id)
            .bind(region_id)
            .bind(r.name.trim())
            .bind(r.code.trim())
            .bind(r.rate.normalize().to_string())
            .bind(r.is_default)
            .bind(r.is_combinable)
            .bind(r.metadata.clone())
            .bind(actor)
            .bind(at)
            .bind(at),
    )
    .await?;
    insert_rules(tx, &id, &r.rules, actor, at).await?;
    Ok(id)
}

/// `" AND (col IN (…) OR col IS NULL)"` for a list of optional values; nothing for an empty list.
fn in_optional(sql: &mut String, args: &mut Vec<String>, col: &str, values: &[Option<String>]) {
    if values.is_empty() {
        return;
    }
    let some: Vec<String> = values.iter().flatten().cloned().collect();
    let mut parts = Vec::new();
    if !some.is_empty() {
        parts.push(format!("{col} IN ({})", placeholders(some.len())));
        args.extend(some);
    }
    if values.iter().any(Option::is_none) {
        parts.push(format!("{col} IS NULL"));
    }
    sql.push_str(&format!(" AND ({})", parts.join(" OR ")));
}

fn in_list(sql: &mut String, args: &mut Vec<String>, col: &str, values: &[String]) {
    if !values.is_empty() {
        sql.push_str(&format!(" AND {col} IN ({})", placeholders(values.len())));
        args.extend(values.iter().cloned());
    }
}

fn like(q: &str) -> String {
    format!(
        "%{}%",
        q.to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

fn region_not_found(id: &str) -> crate::CoreError {
    DomainError::not_found(format!("TaxRegion with id: {id} was not found")).into()
}

fn rate_not_found(id: &str) -> crate::CoreError {
    DomainError::not_found(format!("TaxRate with id: {id} was not found")).into()
}

/// Tax regions and rates.
#[derive(Clone)]
pub struct TaxService {
    db: Db,
    /// Rates by place (`country|province`): every priced cart and product read needs them.
    by_place: Memo<(Option<RegionRates>, Option<RegionRates>)>,
}

impl TaxService {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            by_place: Memo::new(ReadModel::Catalog, MEMO_TTL),
        }
    }

    /// Creates a tax region with an optional default rate (the seeds' shorthand for
    /// [`Self::create`]).
    pub async fn create_region(
        &self,
        country_code: &str,
        province_code: Option<&str>,
        parent_id: Option<&str>,
        default_rate: Option<NewTaxRate>,
    ) -> CoreResult<TaxRegion> {
        let d = self
            .create(
                NewTaxRegion {
                    country_code: country_code.to_string(),
                    province_code: province_code.map(str::to_string),
                    parent_id: parent_id.map(str::to_string),
                    default_rate,
                    ..Default::default()
                },
                None,
            )
            .await?;
        Ok(d.region)
    }

    /// Creates a tax region. A province needs its country's region (`parent_id`, found by country
    /// when absent); a country's region needs a known provider (`tp_system` when absent); a place
    /// has one region.
    pub async fn create(
        &self,
        new: NewTaxRegion,
        actor: Option<&str>,
    ) -> CoreResult<TaxRegionDetail> {
        let country = Country::find(new.country_code.trim()).ok_or_else(|| {
            DomainError::invalid(format!(
                "country_code: {:?} is not an ISO 3166-1 alpha-2 country code",
                new.country_code
            ))
        })?;
        let province = new
            .province_code
            .as_deref()
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty());
        if let Some(p) = &new.provider_id {
            check_provider(p)?;
        }
        if province.is_none() && new.parent_id.is_some() {
            return Err(DomainError::invalid(
                "province_code: a tax region with a parent_id is a province of its parent's country and needs a province_code",
            )
            .into());
        }
        if let Some(rate) = &new.default_rate {
            validate_rate(rate, "default_tax_rate")?;
        }
        let mut tx = self.db.begin().await?;
        let parent_id = match &province {
            None => None,
            Some(p) => Some(parent_for(&mut tx, country.iso_2, p, new.parent_id.as_deref()).await?),
        };
        if let Some(existing) =
            place_taken(&mut tx, country.iso_2, province.as_deref(), None).await?
        {
            return Err(duplicate(country.iso_2, province.as_deref(), &existing).into());
        }
        let provider = match (&province, new.provider_id) {
            (None, None) => Some(DEFAULT_TAX_PROVIDER.to_string()),
            (_, p) => p,
        };
        let at = now();
        let id = new_id("txreg");
        tx.execute(
            query("INSERT INTO tax_region (id, country_code, province_code, parent_id, provider_id, metadata, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .bind(&id)
                .bind(country.iso_2)
                .bind(province.clone())
                .bind(parent_id)
                .bind(provider)
                .bind(new.metadata)
                .bind(actor)
                .bind(at)
                .bind(at),
        )
        .await
        .map_err(|e| -> crate::CoreError {
            if e.is_unique_violation() {
                duplicate(country.iso_2, province.as_deref(), "another").into()
            } else {
                e.into()
            }
        })?;
        if let Some(mut rate) = new.default_rate {
            rate.is_default = true;
            rate.rules.clear();
            insert_rate(&mut tx, &id, &rate, "default_tax_rate", actor).await?;
        }
        append(
            &mut tx,
            NewEvent::new("tax_region.created", "tax_region", &id, json!({"id": id})),
        )
        .await?;
        tx.commit().await?;
        self.detail(&id).await
    }

    /// Changes a region's provider, metadata, or (a province's) code.
    pub async fn update(&self, id: &str, changes: TaxRegionChanges) -> CoreResult<TaxRegionDetail> {
        if let Some(p) = &changes.provider_id {
            check_provider(p)?;
        }
        let mut tx = self.db.begin().await?;
        let region = tx
            .fetch_optional(
                query(format!(
                    "SELECT {REGION_COLUMNS} FROM tax_region WHERE id = ? AND deleted_at IS NULL"
                ))
                .bind(id),
            )
            .await?
            .as_ref()
            .map(region_from_row)
            .transpose()?
            .ok_or_else(|| region_not_found(id))?;
        let at = now();
        if let Some(p) = changes.province_code.as_deref() {
            let p = p.trim().to_lowercase();
            if region.province_code.is_none() {
                return Err(DomainError::invalid(format!(
                    "province_code: {id} is the tax region of the country {}; a province gets a tax region of its own, with this one as its parent_id",
                    region.country_code
                ))
                .into());
            }
            if p.is_empty() {
                return Err(DomainError::invalid(
                    "province_code: a province's tax region needs a province code",
                )
                .into());
            }
            if let Some(existing) =
                place_taken(&mut tx, &region.country_code, Some(&p), Some(id)).await?
            {
                return Err(duplicate(&region.country_code, Some(&p), &existing).into());
            }
            tx.execute(
                query("UPDATE tax_region SET province_code = ?, updated_at = ? WHERE id = ?")
                    .bind(p)
                    .bind(at)
                    .bind(id),
            )
            .await
            .map_err(|e| -> crate::CoreError {
                if e.is_unique_violation() {
                    DomainError::duplicate("province_code: another tax region has this place")
                        .into()
                } else {
                    e.into()
                }
            })?;
        }
        if let Some(p) = changes.provider_id {
            tx.execute(
                query("UPDATE tax_region SET provider_id = ?, updated_at = ? WHERE id = ?")
                    .bind(p)
                    .bind(at)
                    .bind(id),
            )
            .await?;
        }
        if let Some(m) = changes.metadata {
            tx.execute(
                query("UPDATE tax_region SET metadata = ?, updated_at = ? WHERE id = ?")
                    .bind(m)
                    .bind(at)
                    .bind(id),
            )
            .await?;
        }
        append(
            &mut tx,
            NewEvent::new("tax_region.updated", "tax_region", id, json!({"id": id})),
        )
        .await?;
        tx.commit().await?;
        self.detail(id).await
    }

    /// A region with its rates (no relatives).
    pub async fn region(&self, id: &str) -> CoreResult<TaxRegion> {
        Ok(self.detail(id).await?.region)
    }

    /// A region with its rates, parent and children.
    pub async fn detail(&self, id: &str) -> CoreResult<TaxRegionDetail> {
        let page = self
            .list(
                &TaxRegionFilter {
                    ids: vec![id.to_string()],
                    ..Default::default()
                },
                PageRequest {
                    limit: 1,
                    offset: 0,
                },
            )
            .await?;
        page.items
            .into_iter()
            .next()
            .ok_or_else(|| region_not_found(id))
    }

    /// Every region, by country then province (the seeds' and old callers' shorthand).
    pub async fn regions(&self, page: PageRequest) -> CoreResult<Page<TaxRegion>> {
        let p = self.list(&TaxRegionFilter::default(), page).await?;
        Ok(Page {
            items: p.items.into_iter().map(|d| d.region).collect(),
            count: p.count,
            limit: p.limit,
            offset: p.offset,
        })
    }

    /// A page of regions matching `f`, by country then province, each with its rates, parent and
    /// children (read in batches: four queries for the page).
    pub async fn list(
        &self,
        f: &TaxRegionFilter,
        page: PageRequest,
    ) -> CoreResult<Page<TaxRegionDetail>> {
        let mut filter = String::from(" WHERE deleted_at IS NULL");
        let mut args = Vec::new();
        in_list(&mut filter, &mut args, "id", &f.ids);
        let countries: Vec<String> = f
            .country_codes
            .iter()
            .map(|c| c.trim().to_lowercase())
            .collect();
        in_list(&mut filter, &mut args, "country_code", &countries);
        let provinces: Vec<Option<String>> = f
            .province_codes
            .iter()
            .map(|p| p.as_ref().map(|p| p.trim().to_lowercase()))
            .collect();
        in_optional(&mut filter, &mut args, "province_code", &provinces);
        in_optional(&mut filter, &mut args, "parent_id", &f.parent_ids);
        if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
            filter.push_str(" AND (country_code LIKE ? ESCAPE '\\' OR COALESCE(province_code, '') LIKE ? ESCAPE '\\')");
            args.push(like(q.trim()));
            args.push(like(q.trim()));
        }
        let count = self
            .db
            .fetch_one(
                query(format!("SELECT COUNT(*) AS n FROM tax_region{filter}"))
                    .bind_all(args.clone()),
            )
            .await?
            .int("n")?;
        let rows = self
            .db
            .fetch_all(
                query(format!("SELECT {REGION_COLUMNS} FROM tax_region{filter} ORDER BY country_code, COALESCE(province_code, ''), id LIMIT ? OFFSET ?"))
                    .bind_all(args)
                    .bind(page.limit)
                    .bind(page.offset),
            )
            .await?;
        let regions: Vec<TaxRegion> = rows.iter().map(region_from_row).collect::<DbResult<_>>()?;
        let ids: Vec<String> = regions.iter().map(|r| r.id.clone()).collect();
        let mut parent_ids: Vec<String> =
            regions.iter().filter_map(|r| r.parent_id.clone()).collect();
        parent_ids.sort();
        parent_ids.dedup();
        let parents: HashMap<String, TaxRegion> = self.regions_by_id(&parent_ids).await?;
        let children: Vec<TaxRegion> = if ids.is_empty() {
            Vec::new()
        } else {
            self.db
                .fetch_all(query(format!("SELECT {REGION_COLUMNS} FROM tax_region WHERE deleted_at IS NULL AND parent_id IN ({}) ORDER BY COALESCE(province_code, ''), id", placeholders(ids.len()))).bind_all(ids.clone()))
                .await?
                .iter()
                .map(region_from_row)
                .collect::<DbResult<_>>()?
        };
        let with_rates: Vec<String> = ids
            .iter()
            .cloned()
            .chain(children.iter().map(|c| c.id.clone()))
            .collect();
        let mut rates = self.rates_by_region(&with_rates).await?;
        let mut children_of: HashMap<String, Vec<TaxRegion>> = HashMap::new();
        for mut c in children {
            c.rates = rates.get(&c.id).cloned().unwrap_or_default();
            if let Some(p) = c.parent_id.clone() {
                children_of.entry(p).or_default().push(c);
            }
        }
        let items = regions
            .into_iter()
            .map(|mut region| {
                region.rates = rates.remove(&region.id).unwrap_or_default();
                TaxRegionDetail {
                    parent: region
                        .parent_id
                        .as_ref()
                        .and_then(|p| parents.get(p).cloned()),
                    children: children_of.remove(&region.id).unwrap_or_default(),
                    region,
                }
            })
            .collect();
        Ok(Page {
            items,
            count,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// Regions (without rates) by id, deleted ones included (a rate's region is shown as it was).
    async fn regions_by_id(&self, ids: &[String]) -> CoreResult<HashMap<String, TaxRegion>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = self
            .db
            .fetch_all(
                query(format!(
                    "SELECT {REGION_COLUMNS} FROM tax_region WHERE id IN ({})",
                    placeholders(ids.len())
                ))
                .bind_all(ids.iter().cloned()),
            )
            .await?;
        rows.iter()
            .map(|r| region_from_row(r).map(|g| (g.id.clone(), g)))
            .collect::<DbResult<_>>()
            .map_err(Into::into)
    }

    /// The live rates of each region, defaults first, with their rules (two queries).
    async fn rates_by_region(
        &self,
        region_ids: &[String],
    ) -> CoreResult<HashMap<String, Vec<TaxRate>>> {
        if region_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = self
            .db
            .fetch_all(query(format!("SELECT {RATE_COLUMNS} FROM tax_rate WHERE deleted_at IS NULL AND tax_region_id IN ({}) ORDER BY is_default DESC, id", placeholders(region_ids.len()))).bind_all(region_ids.iter().cloned()))
            .await?;
        let rates: Vec<TaxRate> = rows.iter().map(rate_from_row).collect::<DbResult<_>>()?;
        let rates = self.with_rules(rates).await?;
        let mut out: HashMap<String, Vec<TaxRate>> = HashMap::new();
        for r in rates {
            out.entry(r.tax_region_id.clone()).or_default().push(r);
        }
        Ok(out)
    }

    /// Loads the rules of `rates` in one query.
    async fn with_rules(&self, mut rates: Vec<TaxRate>) -> CoreResult<Vec<TaxRate>> {
        if rates.is_empty() {
            return Ok(rates);
        }
        let ids: Vec<String> = rates.iter().map(|r| r.id.clone()).collect();
        let rows = self
            .db
            .fetch_all(query(format!("SELECT id, tax_rate_id, reference, reference_id, created_by, created_at, updated_at FROM tax_rate_rule WHERE tax_rate_id IN ({}) ORDER BY reference, reference_id", placeholders(ids.len()))).bind_all(ids))
            .await?;
        let mut rules: HashMap<String, Vec<TaxRateRule>> = HashMap::new();
        for r in &rows {
            let rule = rule_from_row(r)?;
            rules
                .entry(rule.tax_rate_id.clone())
                .or_default()
                .push(rule);
        }
        for rate in &mut rates {
            rate.rules = rules.remove(&rate.id).unwrap_or_default();
        }
        Ok(rates)
    }

    /// Deletes a region, its provinces' regions and their rates.
    pub async fn delete_region(&self, id: &str) -> CoreResult<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(query("UPDATE tax_region SET deleted_at = ? WHERE (id = ? OR parent_id = ?) AND deleted_at IS NULL").bind(at).bind(id).bind(id))
            .await?;
        if n == 0 {
            return Err(region_not_found(id));
        }
        tx.execute(query("UPDATE tax_rate SET deleted_at = ? WHERE deleted_at IS NULL AND tax_region_id IN (SELECT id FROM tax_region WHERE id = ? OR parent_id = ?)").bind(at).bind(id).bind(id))
            .await?;
        append(
            &mut tx,
            NewEvent::new("tax_region.deleted", "tax_region", id, json!({"id": id})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a rate to a region (a new default replaces the region's old one).
    pub async fn create_rate(&self, tax_region_id: &str, rate: NewTaxRate) -> CoreResult<TaxRate> {
        Ok(self.add_rate(tax_region_id, rate, None).await?.rate)
    }

    /// [`Self::create_rate`], recording who made it, answered with its region.
    pub async fn add_rate(
        &self,
        tax_region_id: &str,
        rate: NewTaxRate,
        actor: Option<&str>,
    ) -> CoreResult<TaxRateDetail> {
        validate_rate(&rate, "")?;
        let mut tx = self.db.begin().await?;
        let live = tx
            .fetch_optional(
                query("SELECT id FROM tax_region WHERE id = ? AND deleted_at IS NULL")
                    .bind(tax_region_id),
            )
            .await?;
        if live.is_none() {
            return Err(region_not_found(tax_region_id));
        }
        let id = insert_rate(&mut tx, tax_region_id, &rate, "", actor).await?;
        append(
            &mut tx,
            NewEvent::new(
                "tax_rate.created",
                "tax_region",
                tax_region_id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.rate(&id).await
    }

    /// Changes a rate; `rules` replace its rules. Becoming the default replaces the region's old
    /// default.
    pub async fn update_rate(
        &self,
        id: &str,
        changes: TaxRateChanges,
        actor: Option<&str>,
    ) -> CoreResult<TaxRateDetail> {
        let current = self.rate(id).await?.rate;
        let merged = NewTaxRate {
            name: changes.name.unwrap_or_else(|| current.name.clone()),
            code: changes.code.unwrap_or_else(|| current.code.clone()),
            rate: changes.rate.unwrap_or(current.rate),
            is_default: changes.is_default.unwrap_or(current.is_default),
            is_combinable: changes.is_combinable.unwrap_or(current.is_combinable),
            rules: changes.rules.clone().unwrap_or_else(|| {
                current
                    .rules
                    .iter()
                    .map(|r| (r.reference.clone(), r.reference_id.clone()))
                    .collect()
            }),
            metadata: changes.metadata.unwrap_or_else(|| current.metadata.clone()),
        };
        validate_rate(&merged, "")?;
        let at = now();
        let mut tx = self.db.begin().await?;
        if merged.is_default && !current.is_default {
            drop_default(&mut tx, &current.tax_region_id, at).await?;
        }
        let n = tx
            .execute(
                query("UPDATE tax_rate SET name = ?, code = ?, rate = ?, is_default = ?, is_combinable = ?, metadata = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL")
                    .bind(merged.name.trim())
                    .bind(merged.code.trim())
                    .bind(merged.rate.normalize().to_string())
                    .bind(merged.is_default)
                    .bind(merged.is_combinable)
                    .bind(merged.metadata.clone())
                    .bind(at)
                    .bind(id),
            )
            .await?;
        if n == 0 {
            return Err(rate_not_found(id));
        }
        if let Some(rules) = &changes.rules {
            tx.execute(query("DELETE FROM tax_rate_rule WHERE tax_rate_id = ?").bind(id))
                .await?;
            insert_rules(&mut tx, id, rules, actor, at).await?;
        }
        append(
            &mut tx,
            NewEvent::new(
                "tax_rate.updated",
                "tax_region",
                &current.tax_region_id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.rate(id).await
    }

    /// A live rate with its rules and region.
    pub async fn rate(&self, id: &str) -> CoreResult<TaxRateDetail> {
        let page = self
            .rates(
                &TaxRateFilter {
                    ids: vec![id.to_string()],
                    ..Default::default()
                },
                PageRequest {
                    limit: 1,
                    offset: 0,
                },
            )
            .await?;
        page.items
            .into_iter()
            .next()
            .ok_or_else(|| rate_not_found(id))
    }

    /// A page of live rates matching `f`, each with its rules and region (three queries).
    pub async fn rates(
        &self,
        f: &TaxRateFilter,
        page: PageRequest,
    ) -> CoreResult<Page<TaxRateDetail>> {
        let mut filter = String::from(" WHERE deleted_at IS NULL");
        let mut args = Vec::new();
        in_list(&mut filter, &mut args, "id", &f.ids);
        in_list(&mut filter, &mut args, "tax_region_id", &f.tax_region_ids);
        if let Some(d) = f.is_default {
            filter.push_str(if d {
                " AND is_default = TRUE"
            } else {
                " AND is_default = FALSE"
            });
        }
        if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
            filter.push_str(
                " AND (LOWER(name) LIKE ? ESCAPE '\\' OR LOWER(code) LIKE ? ESCAPE '\\')",
            );
            args.push(like(q.trim()));
            args.push(like(q.trim()));
        }
        let count = self
            .db
            .fetch_one(
                query(format!("SELECT COUNT(*) AS n FROM tax_rate{filter}")).bind_all(args.clone()),
            )
            .await?
            .int("n")?;
        let rows = self
            .db
            .fetch_all(
                query(format!("SELECT {RATE_COLUMNS} FROM tax_rate{filter} ORDER BY created_at, id LIMIT ? OFFSET ?"))
                    .bind_all(args)
                    .bind(page.limit)
                    .bind(page.offset),
            )
            .await?;
        let rates: Vec<TaxRate> = rows.iter().map(rate_from_row).collect::<DbResult<_>>()?;
        let rates = self.with_rules(rates).await?;
        let mut region_ids: Vec<String> = rates.iter().map(|r| r.tax_region_id.clone()).collect();
        region_ids.sort();
        region_ids.dedup();
        let regions = self.regions_by_id(&region_ids).await?;
        let items = rates
            .into_iter()
            .filter_map(|rate| {
                let region = regions.get(&rate.tax_region_id)?.clone();
                Some(TaxRateDetail { rate, region })
            })
            .collect();
        Ok(Page {
            items,
            count,
            limit: page.limit,
            offset: page.offset,
        })
    }

    pub async fn delete_rate(&self, id: &str) -> CoreResult<()> {
        let rate = self.rate(id).await?.rate;
        let mut tx = self.db.begin().await?;
        tx.execute(
            query("UPDATE tax_rate SET deleted_at = ? WHERE id = ?")
                .bind(now())
                .bind(id),
        )
        .await?;
        append(
            &mut tx,
            NewEvent::new(
                "tax_rate.deleted",
                "tax_region",
                &rate.tax_region_id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The province's and the country's rates, for [`super::calc::applicable_rates`]. The
    /// province matches by [`province_key`] (`CA`, `ca` and `us-ca` are one).
    pub async fn rates_for_place(
        &self,
        country_code: &str,
        province_code: Option<&str>,
    ) -> CoreResult<(Option<RegionRates>, Option<RegionRates>)> {
        let country = country_code.trim().to_lowercase();
        let province = province_code
            .map(|p| province_key(&country, p))
            .filter(|p| !p.is_empty());
        let key = format!("{country}|{}", province.as_deref().unwrap_or_default());
        self.by_place
            .get_or_read(
                &key,
                self.read_rates_for_place(&country, province.as_deref()),
            )
            .await
    }

    async fn read_rates_for_place(
        &self,
        country: &str,
        province_key_wanted: Option<&str>,
    ) -> CoreResult<(Option<RegionRates>, Option<RegionRates>)> {
        let rows = self
            .db
            .fetch_all(query("SELECT id, province_code FROM tax_region WHERE country_code = ? AND deleted_at IS NULL").bind(country))
            .await?;
        let mut country_region = None;
        let mut province_region = None;
        for r in &rows {
            let id = r.text("id")?;
            match r.opt_text("province_code")? {
                None => country_region = Some(id),
                Some(p) if Some(province_key(country, &p).as_str()) == province_key_wanted => {
                    province_region = Some(id)
                }
                Some(_) => {}
            }
        }
        let ids: Vec<String> = country_region
            .iter()
            .chain(province_region.iter())
            .cloned()
            .collect();
        let mut rates = self.rates_by_region(&ids).await?;
        let mut take = |id: Option<String>| {
            id.map(|id| RegionRates {
                rates: rates
                    .remove(&id)
                    .unwrap_or_default()
                    .iter()
                    .map(Rate::from)
                    .collect(),
            })
        };
        let province_rates = take(province_region);
        let country_rates = take(country_region);
        Ok((province_rates, country_rates))
    }
}

/// The parent of a new province's region: `given` if it is its country's region, else the
/// country's region found by code.
async fn parent_for(
    tx: &mut Tx,
    country: &str,
    province: &str,
    given: Option<&str>,
) -> CoreResult<String> {
    let row = match given {
        Some(pid) => tx
            .fetch_optional(query("SELECT id, country_code, province_code FROM tax_region WHERE id = ? AND deleted_at IS NULL").bind(pid))
            .await?
            .ok_or_else(|| DomainError::invalid(format!("parent_id: tax region {pid} does not exist; a province's tax region belongs under its country's")))?,
        None => tx
            .fetch_optional(query("SELECT id, country_code, province_code FROM tax_region WHERE country_code = ? AND province_code IS NULL AND deleted_at IS NULL").bind(country))
            .await?
            .ok_or_else(|| DomainError::invalid(format!("parent_id: the province {province} needs the tax region of {country} as its parent; create that first")))?,
    };
    let id = row.text("id")?;
    if row.opt_text("province_code")?.is_some() {
        return Err(DomainError::invalid(format!(
            "parent_id: {id} is a province's tax region; a province's parent is its country's"
        ))
        .into());
    }
    let parent_country = row.text("country_code")?;
    if parent_country != country {
        return Err(DomainError::invalid(format!(
            "parent_id: {id} is the tax region of {parent_country}, not of {country}"
        ))
        .into());
    }
    Ok(id)
}

/// The id of the live region already at this place (provinces compared by [`province_key`]),
/// other than `except`.
async fn place_taken(
    tx: &mut Tx,
    country: &str,
    province: Option<&str>,
    except: Option<&str>,
) -> CoreResult<Option<String>> {
    let rows = tx
        .fetch_all(query("SELECT id, province_code FROM tax_region WHERE country_code = ? AND deleted_at IS NULL").bind(country))
        .await?;
    let wanted = province.map(|p| province_key(country, p));
    for r in &rows {
        let id = r.text("id")?;
        if Some(id.as_str()) == except {
            continue;
        }
        let have = r
            .opt_text("province_code")?
            .map(|p| province_key(country, &p));
        if have == wanted {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

fn duplicate(country: &str, province: Option<&str>, existing: &str) -> DomainError {
    match province {
        None => DomainError::duplicate(format!(
            "country_code: a tax region for {country} already exists ({existing})"
        )),
        Some(p) => DomainError::duplicate(format!(
            "province_code: a tax region for {p} in {country} already exists ({existing})"
        )),
    }
}
