//! Price preferences (Medusa's `price_preference`): whether the prices of a currency
//! (`currency_code`) or of a region (`region_id`) include tax. A region's preference is also
//! held on the region (`Region::is_tax_inclusive`, which every price read already uses); the two
//! are written together, in one transaction, whichever side is written.

use merx_db::{query, sql::placeholders, Db, DbResult, Row, Tx};
use merx_types::id::new_id;
use merx_types::time::now;
use merx_types::{Currency, DomainError, Page, PageRequest};
use serde_json::json;
use time::OffsetDateTime;

use crate::error::CoreResult;
use crate::platform::events::{append, NewEvent};
use crate::platform::freshness::{Memo, ReadModel, MEMO_TTL};

/// What a preference is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreferenceAttribute {
    CurrencyCode,
    RegionId,
}

impl PreferenceAttribute {
    pub fn as_str(self) -> &'static str {
        match self {
            PreferenceAttribute::CurrencyCode => "currency_code",
            PreferenceAttribute::RegionId => "region_id",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "currency_code" => Ok(PreferenceAttribute::CurrencyCode),
            "region_id" => Ok(PreferenceAttribute::RegionId),
            other => Err(DomainError::invalid(format!(
                "attribute must be currency_code or region_id, not {other}"
            ))),
        }
    }
}

/// One price preference.
#[derive(Debug, Clone, PartialEq)]
pub struct PricePreference {
    pub id: String,
    pub attribute: PreferenceAttribute,
    pub value: String,
    pub is_tax_inclusive: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Filters of a preference list (each empty: any).
#[derive(Debug, Clone, Default)]
pub struct PreferenceFilter {
    pub ids: Vec<String>,
    pub attributes: Vec<String>,
    pub values: Vec<String>,
}

/// Changes to a preference (`None`: unchanged).
#[derive(Debug, Clone, Default)]
pub struct PreferenceChanges {
    pub attribute: Option<String>,
    pub value: Option<String>,
    pub is_tax_inclusive: Option<bool>,
}

const COLUMNS: &str = "id, attribute, value, is_tax_inclusive, created_at, updated_at";

fn from_row(r: &Row) -> DbResult<PricePreference> {
    let attribute = r.text("attribute")?;
    Ok(PricePreference {
        id: r.text("id")?,
        // Only the two attributes are ever written.
        attribute: PreferenceAttribute::parse(&attribute)
            .unwrap_or(PreferenceAttribute::CurrencyCode),
        value: r.text("value")?,
        is_tax_inclusive: r.bool("is_tax_inclusive")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// A currency preference's value: a known code, lower-case.
fn currency_value(code: &str) -> Result<String, DomainError> {
    Currency::find(code)
        .map(|c| c.code.to_string())
        .ok_or_else(|| DomainError::invalid(format!("value: unknown currency code {code}")))
}

async fn find_in(
    tx: &mut Tx,
    attribute: PreferenceAttribute,
    value: &str,
) -> DbResult<Option<PricePreference>> {
    tx.fetch_optional(
        query(format!(
            "SELECT {COLUMNS} FROM price_preference WHERE attribute = ? AND value = ?"
        ))
        .bind(attribute.as_str())
        .bind(value),
    )
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

async fn event(tx: &mut Tx, name: &str, id: &str) -> DbResult<()> {
    append(
        tx,
        NewEvent::new(name, "price_preference", id, json!({"id": id})),
    )
    .await?;
    Ok(())
}

/// Sets the preference for `attribute` = `value` in the caller's transaction: created when absent
/// (tax-exclusive unless `is_tax_inclusive` says otherwise), else changed only when
/// `is_tax_inclusive` is given. Does not touch the region (the region's writes call this).
pub(crate) async fn upsert_in(
    tx: &mut Tx,
    attribute: PreferenceAttribute,
    value: &str,
    is_tax_inclusive: Option<bool>,
) -> DbResult<PricePreference> {
    let at = now();
    if let Some(mut p) = find_in(tx, attribute, value).await? {
        if let Some(t) = is_tax_inclusive.filter(|t| *t != p.is_tax_inclusive) {
            tx.execute(
                query(
                    "UPDATE price_preference SET is_tax_inclusive = ?, updated_at = ? WHERE id = ?",
                )
                .bind(t)
                .bind(at)
                .bind(&p.id),
            )
            .await?;
            p.is_tax_inclusive = t;
            p.updated_at = at;
            event(tx, "price_preference.updated", &p.id).await?;
        }
        return Ok(p);
    }
    let p = PricePreference {
        id: new_id("prpref"),
        attribute,
        value: value.to_string(),
        is_tax_inclusive: is_tax_inclusive.unwrap_or(false),
        created_at: at,
        updated_at: at,
    };
    tx.execute(
        query(format!(
            "INSERT INTO price_preference ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
        ))
        .bind(&p.id)
        .bind(attribute.as_str())
        .bind(&p.value)
        .bind(p.is_tax_inclusive)
        .bind(at)
        .bind(at),
    )
    .await?;
    event(tx, "price_preference.created", &p.id).await?;
    Ok(p)
}

/// Reads and writes price preferences.
#[derive(Clone)]
pub struct PricePreferenceService {
    db: Db,
    /// Whether a currency's prices include tax, by code (every priced read asks).
    currency_inclusive: Memo<bool>,
}

impl PricePreferenceService {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            currency_inclusive: Memo::new(ReadModel::Catalog, MEMO_TTL),
        }
    }

    /// Whether prices in a region and currency include tax: the region's preference when it says
    /// so, else the currency's (tax-exclusive when neither has one).
    pub async fn tax_inclusive(&self, region_inclusive: bool, currency: &str) -> CoreResult<bool> {
        if region_inclusive {
            return Ok(true);
        }
        let code = currency.to_lowercase();
        if let Some(hit) = self.currency_inclusive.get(&code) {
            return Ok(hit);
        }
        let version = self.currency_inclusive.version();
        let inclusive = self
            .db
            .fetch_optional(
                query(
                    "SELECT is_tax_inclusive FROM price_preference \
                     WHERE attribute = 'currency_code' AND value = ?",
                )
                .bind(&code),
            )
            .await?
            .map(|r| r.bool("is_tax_inclusive"))
            .transpose()?
            .unwrap_or(false);
        self.currency_inclusive.put(&code, version, inclusive);
        Ok(inclusive)
    }

    pub async fn get(&self, id: &str) -> CoreResult<PricePreference> {
        self.db
            .fetch_optional(
                query(format!(
                    "SELECT {COLUMNS} FROM price_preference WHERE id = ?"
                ))
                .bind(id),
            )
            .await?
            .as_ref()
            .map(from_row)
            .transpose()?
            .ok_or_else(|| {
                DomainError::not_found(format!("Price preference with id: {id} was not found"))
                    .into()
            })
    }

    pub async fn list(
        &self,
        filter: &PreferenceFilter,
        page: PageRequest,
    ) -> CoreResult<Page<PricePreference>> {
        let mut clauses = vec!["1 = 1".to_string()];
        let mut args: Vec<String> = Vec::new();
        for (column, values) in [
            ("id", &filter.ids),
            ("attribute", &filter.attributes),
            ("value", &filter.values),
        ] {
            if !values.is_empty() {
                clauses.push(format!("{column} IN ({})", placeholders(values.len())));
                args.extend(values.iter().cloned());
            }
        }
        let filter_sql = clauses.join(" AND ");
        let count = self
            .db
            .fetch_one(
                query(format!(
                    "SELECT COUNT(*) AS n FROM price_preference WHERE {filter_sql}"
                ))
                .bind_all(args.clone()),
            )
            .await?
            .int("n")?;
        let rows = self
            .db
            .fetch_all(
                query(format!(
                    "SELECT {COLUMNS} FROM price_preference WHERE {filter_sql} \
                     ORDER BY created_at, id LIMIT ? OFFSET ?"
                ))
                .bind_all(args)
                .bind(page.limit)
                .bind(page.offset),
            )
            .await?;
        Ok(Page {
            items: rows.iter().map(from_row).collect::<DbResult<_>>()?,
            count,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// Creates a preference; one per attribute and value (422 `duplicate_error` for a second).
    pub async fn create(
        &self,
        attribute: &str,
        value: &str,
        is_tax_inclusive: Option<bool>,
    ) -> CoreResult<PricePreference> {
        let attribute = PreferenceAttribute::parse(attribute)?;
        let mut tx = self.db.begin().await?;
        let value = checked_value(&mut tx, attribute, value).await?;
        if find_in(&mut tx, attribute, &value).await?.is_some() {
            return Err(DomainError::duplicate(format!(
                "Price preference with attribute: {}, value: {value} already exists",
                attribute.as_str()
            ))
            .into());
        }
        let p = upsert_in(&mut tx, attribute, &value, is_tax_inclusive).await?;
        mirror_on_region(&mut tx, &p).await?;
        tx.commit().await?;
        Ok(p)
    }

    pub async fn update(&self, id: &str, c: PreferenceChanges) -> CoreResult<PricePreference> {
        let mut p = self.get(id).await?;
        let before = p.clone();
        let mut tx = self.db.begin().await?;
        if let Some(a) = &c.attribute {
            p.attribute = PreferenceAttribute::parse(a)?;
        }
        if c.attribute.is_some() || c.value.is_some() {
            let value = c.value.as_deref().unwrap_or(&before.value).to_string();
            p.value = checked_value(&mut tx, p.attribute, &value).await?;
            if let Some(other) = find_in(&mut tx, p.attribute, &p.value).await? {
                if other.id != p.id {
                    return Err(DomainError::duplicate(format!(
                        "Price preference with attribute: {}, value: {} already exists",
                        p.attribute.as_str(),
                        p.value
                    ))
                    .into());
                }
            }
        }
        if let Some(t) = c.is_tax_inclusive {
            p.is_tax_inclusive = t;
        }
        p.updated_at = now();
        tx.execute(
            query(
                "UPDATE price_preference SET attribute = ?, value = ?, is_tax_inclusive = ?, \
                 updated_at = ? WHERE id = ?",
            )
            .bind(p.attribute.as_str())
            .bind(&p.value)
            .bind(p.is_tax_inclusive)
            .bind(p.updated_at)
            .bind(&p.id),
        )
        .await?;
        event(&mut tx, "price_preference.updated", &p.id).await?;
        if before.attribute == PreferenceAttribute::RegionId
            && (before.attribute != p.attribute || before.value != p.value)
        {
            // The region it was about has no preference any more.
            crate::region::set_tax_inclusive_in(&mut tx, &before.value, false).await?;
        }
        mirror_on_region(&mut tx, &p).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Deletes a preference (a region's: its prices stop including tax).
    pub async fn delete(&self, id: &str) -> CoreResult<()> {
        let p = self.get(id).await?;
        let mut tx = self.db.begin().await?;
        tx.execute(query("DELETE FROM price_preference WHERE id = ?").bind(id))
            .await?;
        event(&mut tx, "price_preference.deleted", id).await?;
        if p.attribute == PreferenceAttribute::RegionId {
            crate::region::set_tax_inclusive_in(&mut tx, &p.value, false).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// A preference's value, checked: a known currency code, or a region that exists.
async fn checked_value(
    tx: &mut Tx,
    attribute: PreferenceAttribute,
    value: &str,
) -> CoreResult<String> {
    match attribute {
        PreferenceAttribute::CurrencyCode => Ok(currency_value(value)?),
        PreferenceAttribute::RegionId => {
            if crate::region::exists_in(tx, value).await? {
                Ok(value.to_string())
            } else {
                Err(DomainError::invalid(format!("value: region {value} does not exist")).into())
            }
        }
    }
}

async fn mirror_on_region(tx: &mut Tx, p: &PricePreference) -> CoreResult<()> {
    if p.attribute == PreferenceAttribute::RegionId {
        crate::region::set_tax_inclusive_in(tx, &p.value, p.is_tax_inclusive).await?;
    }
    Ok(())
}
