use std::collections::HashMap;

use merx_db::{query, sql::placeholders, Db, DbResult, Row, Tx};
use merx_types::id::{new_id, prefix};
use merx_types::time::now;
use merx_types::{Country, Currency, DomainError, Page, PageRequest, Sort, TimeBounds};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::error::CoreResult;
use crate::platform::events::{append, NewEvent};
use crate::platform::freshness::{Memo, ReadModel, MEMO_TTL};

/// A region with its countries and payment providers.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub id: String,
    pub name: String,
    pub currency_code: String,
    pub automatic_taxes: bool,
    /// Prices in this region include tax (the region's price preference).
    pub is_tax_inclusive: bool,
    pub metadata: Option<Value>,
    /// ISO 3166-1 alpha-2 codes, lower-case, sorted.
    pub countries: Vec<String>,
    pub payment_providers: Vec<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, Default)]
pub struct NewRegion {
    pub name: String,
    pub currency_code: String,
    pub countries: Vec<String>,
    pub automatic_taxes: Option<bool>,
    pub is_tax_inclusive: Option<bool>,
    pub payment_providers: Option<Vec<String>>,
    pub metadata: Option<Value>,
}

#[derive(Debug, Clone, Default)]
pub struct RegionChanges {
    pub name: Option<String>,
    pub currency_code: Option<String>,
    pub countries: Option<Vec<String>>,
    pub automatic_taxes: Option<bool>,
    pub is_tax_inclusive: Option<bool>,
    pub payment_providers: Option<Vec<String>>,
    pub metadata: Option<Option<Value>>,
}

fn normalise_currency(code: &str) -> Result<String, DomainError> {
    Currency::find(code)
        .map(|c| c.code.to_string())
        .ok_or_else(|| DomainError::invalid(format!("Unknown currency code: {code}")))
}

fn normalise_countries(codes: &[String]) -> Result<Vec<String>, DomainError> {
    let mut out: Vec<String> = Vec::new();
    for c in codes {
        let country = Country::find(c)
            .ok_or_else(|| DomainError::invalid(format!("Unknown country code: {c}")))?;
        if !out.iter().any(|x| x == country.iso_2) {
            out.push(country.iso_2.to_string());
        }
    }
    out.sort();
    Ok(out)
}

/// Provider ids look like Medusa's (`pp_<name>`); whether one is installed is decided when a
/// payment session is started, so a region can be configured before its provider is deployed.
fn normalise_providers(ids: &[String]) -> Result<Vec<String>, DomainError> {
    for id in ids {
        let well_formed = id.starts_with("pp_")
            && id.len() > 3
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !well_formed {
            return Err(DomainError::invalid(format!(
                "Unknown payment provider: {id} (ids look like pp_system_default)"
            )));
        }
    }
    Ok(ids.to_vec())
}

const COLUMNS: &str =
    "id, name, currency_code, automatic_taxes, is_tax_inclusive, metadata, created_at, updated_at";

fn from_row(r: &Row) -> DbResult<Region> {
    Ok(Region {
        id: r.text("id")?,
        name: r.text("name")?,
        currency_code: r.text("currency_code")?,
        automatic_taxes: r.bool("automatic_taxes")?,
        is_tax_inclusive: r.bool("is_tax_inclusive")?,
        metadata: r.opt_json("metadata")?,
        countries: Vec::new(),
        payment_providers: Vec::new(),
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

async fn attach(db: &Db, regions: &mut [Region]) -> DbResult<()> {
    if regions.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = regions.iter().map(|r| r.id.clone()).collect();
    let index: HashMap<String, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.clone(), i))
        .collect();
    let countries = db
        .fetch_all(query(format!("SELECT region_id, iso_2 FROM region_country WHERE region_id IN ({}) ORDER BY iso_2", placeholders(ids.len()))).bind_all(ids.clone()))
        .await?;
    for r in countries {
        if let Some(&i) = index.get(&r.text("region_id")?) {
            regions[i].countries.push(r.text("iso_2")?);
        }
    }
    let providers = db
        .fetch_all(query(format!("SELECT region_id, provider_id FROM region_payment_provider WHERE region_id IN ({}) ORDER BY provider_id", placeholders(ids.len()))).bind_all(ids))
        .await?;
    for r in providers {
        if let Some(&i) = index.get(&r.text("region_id")?) {
            regions[i].payment_providers.push(r.text("provider_id")?);
        }
    }
    Ok(())
}

async fn set_countries(tx: &mut Tx, region_id: &str, countries: &[String]) -> CoreResult<()> {
    if !countries.is_empty() {
        let taken = tx
            .fetch_all(
                query(format!(
                    "SELECT iso_2 FROM region_country WHERE region_id <> ? AND iso_2 IN ({})",
                    placeholders(countries.len())
                ))
                .bind(region_id)
                .bind_all(countries.iter().cloned()),
            )
            .await?;
        if !taken.is_empty() {
            let codes: Vec<String> = taken
                .iter()
                .map(|r| r.text("iso_2"))
                .collect::<DbResult<_>>()?;
            return Err(DomainError::invalid(format!(
                "Countries with codes: \"{}\" are already assigned to a region",
                codes.join(", ")
            ))
            .into());
        }
    }
    tx.execute(query("DELETE FROM region_country WHERE region_id = ?").bind(region_id))
        .await?;
    for c in countries {
        tx.execute(
            query("INSERT INTO region_country (iso_2, region_id, created_at) VALUES (?, ?, ?)")
                .bind(c)
                .bind(region_id)
                .bind(now()),
        )
        .await?;
    }
    Ok(())
}

async fn set_providers(tx: &mut Tx, region_id: &str, providers: &[String]) -> DbResult<()> {
    tx.execute(query("DELETE FROM region_payment_provider WHERE region_id = ?").bind(region_id))
        .await?;
    for p in providers {
        tx.execute(
            query("INSERT INTO region_payment_provider (region_id, provider_id) VALUES (?, ?)")
                .bind(region_id)
                .bind(p),
        )
        .await?;
    }
    Ok(())
}

/// Whether a live region `id` exists (in the caller's transaction).
pub(crate) async fn exists_in(tx: &mut Tx, id: &str) -> DbResult<bool> {
    Ok(tx
        .fetch_optional(query("SELECT id FROM region WHERE id = ? AND deleted_at IS NULL").bind(id))
        .await?
        .is_some())
}

/// Sets whether a region's prices include tax (its price preference changed), in the caller's
/// transaction. The preference's own event makes the region's readers forget it.
pub(crate) async fn set_tax_inclusive_in(tx: &mut Tx, id: &str, inclusive: bool) -> DbResult<()> {
    tx.execute(
        query("UPDATE region SET is_tax_inclusive = ?, updated_at = ? WHERE id = ?")
            .bind(inclusive)
            .bind(now())
            .bind(id),
    )
    .await?;
    Ok(())
}

/// Regions and their countries.
#[derive(Clone)]
pub struct RegionService {
    db: Db,
    /// Regions by id: every cart call needs its region.
    by_id: Memo<Region>,
}

impl RegionService {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            by_id: Memo::new(ReadModel::Catalog, MEMO_TTL),
        }
    }

    pub async fn create(&self, input: NewRegion) -> CoreResult<Region> {
        if input.name.trim().is_empty() {
            return Err(DomainError::invalid("name must not be empty").into());
        }
        let currency = normalise_currency(&input.currency_code)?;
        let countries = normalise_countries(&input.countries)?;
        let providers = normalise_providers(
            &input
                .payment_providers
                .unwrap_or_else(|| vec!["pp_system_default".into()]),
        )?;
        let at = now();
        let id = new_id(prefix::REGION);
        let mut tx = self.db.begin().await?;
        tx.execute(
            query(format!(
                "INSERT INTO region ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            ))
            .bind(&id)
            .bind(input.name.trim())
            .bind(&currency)
            .bind(input.automatic_taxes.unwrap_or(true))
            .bind(input.is_tax_inclusive.unwrap_or(false))
            .bind(input.metadata)
            .bind(at)
            .bind(at),
        )
        .await?;
        set_countries(&mut tx, &id, &countries).await?;
        set_providers(&mut tx, &id, &providers).await?;
        // Medusa gives every region its price preference (tax-exclusive unless asked).
        crate::pricing::upsert_preference_in(
            &mut tx,
            crate::pricing::PreferenceAttribute::RegionId,
            &id,
            Some(input.is_tax_inclusive.unwrap_or(false)),
        )
        .await?;
        append(
            &mut tx,
            NewEvent::new("region.created", "region", &id, json!({"id": id})),
        )
        .await?;
        tx.commit().await?;
        self.get(&id).await
    }

    pub async fn update(&self, id: &str, c: RegionChanges) -> CoreResult<Region> {
        let mut r = self.get(id).await?;
        if let Some(n) = c.name {
            r.name = n;
        }
        if let Some(code) = c.currency_code {
            r.currency_code = normalise_currency(&code)?;
        }
        if let Some(a) = c.automatic_taxes {
            r.automatic_taxes = a;
        }
        if let Some(t) = c.is_tax_inclusive {
            r.is_tax_inclusive = t;
        }
        if let Some(m) = c.metadata {
            r.metadata = m;
        }
        let mut tx = self.db.begin().await?;
        tx.execute(
            query("UPDATE region SET name = ?, currency_code = ?, automatic_taxes = ?, is_tax_inclusive = ?, metadata = ?, updated_at = ? WHERE id = ?")
                .bind(&r.name)
                .bind(&r.currency_code)
                .bind(r.automatic_taxes)
                .bind(r.is_tax_inclusive)
                .bind(r.metadata.clone())
                .bind(now())
                .bind(id),
        )
        .await?;
        if let Some(countries) = c.countries {
            set_countries(&mut tx, id, &normalise_countries(&countries)?).await?;
        }
        if let Some(providers) = c.payment_providers {
            set_providers(&mut tx, id, &normalise_providers(&providers)?).await?;
        }
        if c.is_tax_inclusive.is_some() {
            crate::pricing::upsert_preference_in(
                &mut tx,
                crate::pricing::PreferenceAttribute::RegionId,
                id,
                c.is_tax_inclusive,
            )
            .await?;
        }
        append(
            &mut tx,
            NewEvent::new("region.updated", "region", id, json!({"id": id})),
        )
        .await?;
        tx.commit().await?;
        self.get(id).await
    }

    pub async fn delete(&self, id: &str) -> CoreResult<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(query("UPDATE region SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL").bind(at).bind(at).bind(id))
            .await?;
        if n == 0 {
            return Err(
                DomainError::not_found(format!("Region with id: {id} was not found")).into(),
            );
        }
        tx.execute(query("DELETE FROM region_country WHERE region_id = ?").bind(id))
            .await?;
        append(
            &mut tx,
            NewEvent::new("region.deleted", "region", id, json!({"id": id})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> CoreResult<Region> {
        self.by_id.get_or_read(id, self.read(id)).await
    }

    async fn read(&self, id: &str) -> CoreResult<Region> {
        let row = self
            .db
            .fetch_optional(
                query(format!(
                    "SELECT {COLUMNS} FROM region WHERE id = ? AND deleted_at IS NULL"
                ))
                .bind(id),
            )
            .await?;
        let Some(row) = row else {
            return Err(
                DomainError::not_found(format!("Region with id: {id} was not found")).into(),
            );
        };
        let mut regions = vec![from_row(&row)?];
        attach(&self.db, &mut regions).await?;
        Ok(regions.remove(0))
    }

    /// Fields regions sort by.
    pub const SORTS: &'static [&'static str] =
        &["id", "name", "currency_code", "created_at", "updated_at"];

    /// Regions, optionally only some ids, one currency, a name fragment or within time bounds;
    /// ordered by `sort` (one of [`Self::SORTS`]), else oldest first.
    pub async fn list(
        &self,
        ids: &[String],
        currency_code: Option<&str>,
        q: Option<&str>,
        sort: Option<Sort>,
        times: &TimeBounds,
        page: PageRequest,
    ) -> CoreResult<Page<Region>> {
        let mut w = String::from("deleted_at IS NULL");
        let mut args: Vec<merx_db::Value> = Vec::new();
        if !ids.is_empty() {
            w.push_str(&format!(" AND id IN ({})", placeholders(ids.len())));
            args.extend(ids.iter().map(|i| i.clone().into()));
        }
        if let Some(c) = currency_code {
            w.push_str(" AND currency_code = ?");
            args.push(c.to_lowercase().into());
        }
        if let Some(q) = q {
            w.push_str(" AND LOWER(name) LIKE ?");
            args.push(format!("%{}%", q.to_lowercase().replace(['%', '_'], "")).into());
        }
        let (bounds, values) = times.sql("");
        w.push_str(&bounds);
        args.extend(values.into_iter().map(Into::into));
        let order = sort.map_or_else(|| "created_at, id".to_string(), |s| s.order_by(""));
        let count = self
            .db
            .fetch_one(merx_db::Query::from_parts(
                format!("SELECT COUNT(*) AS n FROM region WHERE {w}"),
                args.clone(),
            ))
            .await?
            .int("n")?;
        let rows = self
            .db
            .fetch_all(
                merx_db::Query::from_parts(
                    format!(
                        "SELECT {COLUMNS} FROM region WHERE {w} ORDER BY {order} LIMIT ? OFFSET ?"
                    ),
                    args,
                )
                .bind(page.limit)
                .bind(page.offset),
            )
            .await?;
        let mut regions: Vec<Region> = rows.iter().map(from_row).collect::<DbResult<_>>()?;
        attach(&self.db, &mut regions).await?;
        Ok(Page {
            items: regions,
            count,
            limit: page.limit,
            offset: page.offset,
        })
    }
}
