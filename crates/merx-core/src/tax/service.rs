use std::str::FromStr;

use merx_db::{query, Db, DbResult, Row, Tx};
use merx_types::id::new_id;
use merx_types::time::now;
use merx_types::{Country, DomainError, Page, PageRequest};
use rust_decimal::Decimal;
use serde_json::json;
use time::OffsetDateTime;

use super::calc::{Rate, RateTarget, RegionRates};
use crate::error::CoreResult;
use crate::platform::events::{append, NewEvent};
use crate::platform::freshness::{Memo, ReadModel, MEMO_TTL};

/// A tax region: a country, or a province of one.
#[derive(Debug, Clone, PartialEq)]
pub struct TaxRegion {
    pub id: String,
    pub country_code: String,
    pub province_code: Option<String>,
    pub parent_id: Option<String>,
    pub rates: Vec<TaxRate>,
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
    /// `(reference, reference_id)`: `product`, `product_type` or `product_category`.
    pub rules: Vec<(String, String)>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A rate to create.
#[derive(Debug, Clone, Default)]
pub struct NewTaxRate {
    pub name: String,
    pub code: String,
    pub rate: Decimal,
    pub is_default: bool,
    pub is_combinable: bool,
    pub rules: Vec<(String, String)>,
}

fn validate_rate(r: &NewTaxRate) -> Result<(), DomainError> {
    if r.name.trim().is_empty() || r.code.trim().is_empty() {
        return Err(DomainError::invalid("a tax rate needs a name and a code"));
    }
    if r.rate.is_sign_negative() || r.rate > Decimal::from(100) {
        return Err(DomainError::invalid(
            "rate must be a percentage between 0 and 100",
        ));
    }
    for (reference, _) in &r.rules {
        if !matches!(
            reference.as_str(),
            "product" | "product_type" | "product_category"
        ) {
            return Err(DomainError::invalid(format!(
                "rule reference {reference:?} must be product, product_type or product_category"
            )));
        }
    }
    if r.is_default && !r.rules.is_empty() {
        return Err(DomainError::invalid(
            "a default rate applies to everything and takes no rules",
        ));
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
        rules: Vec::new(),
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
                .filter_map(|(reference, id)| match reference.as_str() {
                    "product" => Some(RateTarget::Product(id.clone())),
                    "product_type" => Some(RateTarget::ProductType(id.clone())),
                    "product_category" => Some(RateTarget::ProductCategory(id.clone())),
                    _ => None,
                })
                .collect(),
        }
    }
}

async fn insert_rate(tx: &mut Tx, region_id: &str, r: &NewTaxRate) -> CoreResult<String> {
    validate_rate(r)?;
    let at = now();
    let id = new_id("txr");
    if r.is_default {
        // One default per region: a new default replaces the old one.
        tx.execute(query("UPDATE tax_rate SET deleted_at = ? WHERE tax_region_id = ? AND is_default = ? AND deleted_at IS NULL").bind(at).bind(region_id).bind(true))
            .await?;
    }
    tx.execute(
        query("INSERT INTO tax_rate (id, tax_region_id, name, code, rate, is_default, is_combinable, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(&id)
            .bind(region_id)
            .bind(&r.name)
            .bind(&r.code)
            .bind(r.rate.normalize().to_string())
            .bind(r.is_default)
            .bind(r.is_combinable)
            .bind(at)
            .bind(at),
    )
    .await?;
    for (reference, reference_id) in &r.rules {
        tx.execute(query("INSERT INTO tax_rate_rule (tax_rate_id, reference, reference_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING").bind(&id).bind(reference).bind(reference_id))
            .await?;
    }
    Ok(id)
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

    /// Creates a tax region (a province needs its country's region to exist), with an optional
    /// default rate.
    pub async fn create_region(
        &self,
        country_code: &str,
        province_code: Option<&str>,
        parent_id: Option<&str>,
        default_rate: Option<NewTaxRate>,
    ) -> CoreResult<TaxRegion> {
        let country = Country::find(country_code)
            .ok_or_else(|| DomainError::invalid(format!("Unknown country code: {country_code}")))?;
        let province = province_code
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty());
        let mut tx = self.db.begin().await?;
        let parent_id_found = match &province {
            None => None,
            Some(_) => Some(
                tx.fetch_optional(query("SELECT id FROM tax_region WHERE country_code = ? AND province_code IS NULL AND deleted_at IS NULL").bind(country.iso_2))
                    .await?
                    .ok_or_else(|| DomainError::invalid(format!("Create the tax region of {} before its provinces", country.iso_2)))?
                    .text("id")?,
            ),
        };
        if let Some(given) = parent_id {
            if parent_id_found.as_deref() != Some(given) {
                return Err(DomainError::invalid(format!(
                    "parent_id {given} is not the tax region of {}",
                    country.iso_2
                ))
                .into());
            }
        }
        let parent_id = parent_id_found;
        let at = now();
        let id = new_id("txreg");
        tx.execute(
            query("INSERT INTO tax_region (id, country_code, province_code, parent_id, provider_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind(&id)
                .bind(country.iso_2)
                .bind(province.clone())
                .bind(parent_id)
                .bind("tp_system")
                .bind(at)
                .bind(at),
        )
        .await
        .map_err(|e| -> crate::CoreError {
            if e.is_unique_violation() {
                DomainError::duplicate(format!("A tax region for {}{} already exists", country.iso_2, province.as_deref().map(|p| format!("-{p}")).unwrap_or_default())).into()
            } else {
                e.into()
            }
        })?;
        if let Some(mut rate) = default_rate {
            rate.is_default = true;
            insert_rate(&mut tx, &id, &rate).await?;
        }
        append(
            &mut tx,
            NewEvent::new("tax_region.created", "tax_region", &id, json!({"id": id})),
        )
        .await?;
        tx.commit().await?;
        self.region(&id).await
    }

    pub async fn region(&self, id: &str) -> CoreResult<TaxRegion> {
        let row = self
            .db
            .fetch_optional(query("SELECT id, country_code, province_code, parent_id, created_at, updated_at FROM tax_region WHERE id = ? AND deleted_at IS NULL").bind(id))
            .await?
            .ok_or_else(|| DomainError::not_found(format!("TaxRegion with id: {id} was not found")))?;
        let mut region = region_from_row(&row)?;
        region.rates = self.rates_of(&region.id).await?;
        Ok(region)
    }

    async fn rates_of(&self, region_id: &str) -> CoreResult<Vec<TaxRate>> {
        let rows = self
            .db
            .fetch_all(
                query("SELECT id, tax_region_id, name, code, rate, is_default, is_combinable, created_at, updated_at FROM tax_rate WHERE tax_region_id = ? AND deleted_at IS NULL ORDER BY is_default DESC, id")
                    .bind(region_id),
            )
            .await?;
        let mut rates: Vec<TaxRate> = rows.iter().map(rate_from_row).collect::<DbResult<_>>()?;
        for rate in &mut rates {
            rate.rules = self
                .db
                .fetch_all(query("SELECT reference, reference_id FROM tax_rate_rule WHERE tax_rate_id = ? ORDER BY reference, reference_id").bind(&rate.id))
                .await?
                .iter()
                .map(|r| Ok((r.text("reference")?, r.text("reference_id")?)))
                .collect::<DbResult<_>>()?;
        }
        Ok(rates)
    }

    pub async fn regions(&self, page: PageRequest) -> CoreResult<Page<TaxRegion>> {
        let count = self
            .db
            .fetch_one(query(
                "SELECT COUNT(*) AS n FROM tax_region WHERE deleted_at IS NULL",
            ))
            .await?
            .int("n")?;
        let rows = self
            .db
            .fetch_all(query("SELECT id, country_code, province_code, parent_id, created_at, updated_at FROM tax_region WHERE deleted_at IS NULL ORDER BY country_code, province_code, id LIMIT ? OFFSET ?").bind(page.limit).bind(page.offset))
            .await?;
        let mut items = Vec::new();
        for r in &rows {
            let mut region = region_from_row(r)?;
            region.rates = self.rates_of(&region.id).await?;
            items.push(region);
        }
        Ok(Page {
            items,
            count,
            limit: page.limit,
            offset: page.offset,
        })
    }

    pub async fn delete_region(&self, id: &str) -> CoreResult<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(query("UPDATE tax_region SET deleted_at = ? WHERE (id = ? OR parent_id = ?) AND deleted_at IS NULL").bind(at).bind(id).bind(id))
            .await?;
        if n == 0 {
            return Err(
                DomainError::not_found(format!("TaxRegion with id: {id} was not found")).into(),
            );
        }
        tx.execute(query("UPDATE tax_rate SET deleted_at = ? WHERE tax_region_id IN (SELECT id FROM tax_region WHERE id = ? OR parent_id = ?)").bind(at).bind(id).bind(id))
            .await?;
        append(
            &mut tx,
            NewEvent::new("tax_region.deleted", "tax_region", id, json!({"id": id})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_rate(&self, tax_region_id: &str, rate: NewTaxRate) -> CoreResult<TaxRate> {
        self.region(tax_region_id).await?;
        let mut tx = self.db.begin().await?;
        let id = insert_rate(&mut tx, tax_region_id, &rate).await?;
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

    pub async fn rate(&self, id: &str) -> CoreResult<TaxRate> {
        let row = self
            .db
            .fetch_optional(
                query("SELECT id, tax_region_id FROM tax_rate WHERE id = ? AND deleted_at IS NULL")
                    .bind(id),
            )
            .await?
            .ok_or_else(|| {
                DomainError::not_found(format!("TaxRate with id: {id} was not found"))
            })?;
        let region_id = row.text("tax_region_id")?;
        self.rates_of(&region_id)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| {
                DomainError::not_found(format!("TaxRate with id: {id} was not found")).into()
            })
    }

    pub async fn delete_rate(&self, id: &str) -> CoreResult<()> {
        let rate = self.rate(id).await?;
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

    /// The province's and the country's rates, for [`super::calc::applicable_rates`].
    pub async fn rates_for_place(
        &self,
        country_code: &str,
        province_code: Option<&str>,
    ) -> CoreResult<(Option<RegionRates>, Option<RegionRates>)> {
        let key = format!("{country_code}|{}", province_code.unwrap_or_default());
        self.by_place
            .get_or_read(&key, self.read_rates_for_place(country_code, province_code))
            .await
    }

    async fn read_rates_for_place(
        &self,
        country_code: &str,
        province_code: Option<&str>,
    ) -> CoreResult<(Option<RegionRates>, Option<RegionRates>)> {
        let country = country_code.to_lowercase();
        let rows = self
            .db
            .fetch_all(query("SELECT id, province_code FROM tax_region WHERE country_code = ? AND deleted_at IS NULL").bind(&country))
            .await?;
        let mut country_rates = None;
        let mut province_rates = None;
        let province = province_code.map(|p| p.to_lowercase());
        for r in &rows {
            let id = r.text("id")?;
            let rates = RegionRates {
                rates: self.rates_of(&id).await?.iter().map(Rate::from).collect(),
            };
            match r.opt_text("province_code")? {
                None => country_rates = Some(rates),
                Some(p) if Some(&p) == province.as_ref() => province_rates = Some(rates),
                Some(_) => {}
            }
        }
        Ok((province_rates, country_rates))
    }
}
