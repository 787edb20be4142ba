use std::collections::HashSet;

use merx_db::{Db, Tx};
use merx_types::id::new_id;
use merx_types::time::now;
use merx_types::{Currency, DomainError};

use super::{table, NewStoreCurrency, Store, StoreChanges, StoreCurrency};
use crate::error::CoreResult;
use crate::platform::freshness::{Memo, ReadModel, MEMO_TTL};
use crate::pricing::{upsert_preference_in, PreferenceAttribute};

/// The currency a new store supports (Medusa's fresh store has eur).
pub const DEFAULT_CURRENCY: &str = "eur";

/// Reads and creates the store's settings.
#[derive(Clone)]
pub struct StoreService {
    db: Db,
    /// The store once it exists (every new cart asks for its defaults).
    settings: Memo<Store>,
}

/// Checks supported currencies: known codes (lower-cased), none twice, exactly one default.
fn checked_currencies(given: &[NewStoreCurrency]) -> Result<Vec<NewStoreCurrency>, DomainError> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(given.len());
    for c in given {
        let code = Currency::find(&c.currency_code)
            .ok_or_else(|| {
                DomainError::invalid(format!(
                    "supported_currencies: unknown currency code {}",
                    c.currency_code
                ))
            })?
            .code;
        if !seen.insert(code) {
            return Err(DomainError::invalid(format!(
                "supported_currencies: {code} is listed twice"
            )));
        }
        out.push(NewStoreCurrency {
            currency_code: code.to_string(),
            ..c.clone()
        });
    }
    match out.iter().filter(|c| c.is_default).count() {
        1 => Ok(out),
        0 => Err(DomainError::invalid(
            "supported_currencies: there should be a default currency set for the store",
        )),
        _ => Err(DomainError::invalid(
            "supported_currencies: only one default currency is allowed",
        )),
    }
}

/// Writes `currencies` as the store's (new rows) and their price preferences.
async fn write_currencies(
    tx: &mut Tx,
    store: &mut Store,
    currencies: &[NewStoreCurrency],
) -> CoreResult<()> {
    let at = now();
    let rows: Vec<StoreCurrency> = currencies
        .iter()
        .map(|c| StoreCurrency {
            id: new_id("stocur"),
            store_id: store.id.clone(),
            currency_code: c.currency_code.clone(),
            is_default: c.is_default,
            created_at: at,
            updated_at: at,
        })
        .collect();
    table::replace_currencies(tx, &store.id, &rows).await?;
    for c in currencies {
        upsert_preference_in(
            tx,
            PreferenceAttribute::CurrencyCode,
            &c.currency_code,
            c.is_tax_inclusive,
        )
        .await?;
    }
    store.default_currency_code = rows
        .iter()
        .find(|c| c.is_default)
        .map(|c| c.currency_code.clone());
    store.supported_currencies = rows;
    Ok(())
}

/// The defaults an update names exist (400 naming the field otherwise).
async fn check_defaults(tx: &mut Tx, c: &StoreChanges) -> CoreResult<()> {
    if let Some(Some(r)) = &c.default_region_id {
        if !crate::region::exists_in(tx, r).await? {
            return Err(DomainError::invalid(format!(
                "default_region_id: region {r} does not exist"
            ))
            .into());
        }
    }
    if let Some(Some(ch)) = &c.default_sales_channel_id {
        if !crate::sales_channel::exists_in(tx, ch).await? {
            return Err(DomainError::invalid(format!(
                "default_sales_channel_id: sales channel {ch} does not exist"
            ))
            .into());
        }
    }
    if let Some(Some(l)) = &c.default_location_id {
        if !crate::inventory::location_exists_in(tx, l).await? {
            return Err(DomainError::invalid(format!(
                "default_location_id: stock location {l} does not exist"
            ))
            .into());
        }
    }
    Ok(())
}

impl StoreService {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            settings: Memo::new(ReadModel::Catalog, MEMO_TTL),
        }
    }

    /// The store, if one has been created.
    pub async fn get(&self) -> CoreResult<Option<Store>> {
        if let Some(hit) = self.settings.get("store") {
            return Ok(Some(hit));
        }
        let version = self.settings.version();
        let mut store = table::first(&self.db).await?;
        if let Some(s) = &mut store {
            s.supported_currencies = table::currencies(&self.db, &s.id).await?;
            self.settings.put("store", version, s.clone());
        }
        Ok(store)
    }

    /// The store `id` (404 for any other id).
    pub async fn get_by_id(&self, id: &str) -> CoreResult<Store> {
        self.get().await?.filter(|s| s.id == id).ok_or_else(|| {
            DomainError::not_found(format!("Store with id: {id} was not found")).into()
        })
    }

    /// Changes the store's name, currencies, defaults and metadata (the default region, channel
    /// and location must exist: 400 naming the field otherwise). Currencies replace the old ones, and each
    /// gets its price preference (Medusa's `updateStoresWorkflow`); a currency dropped keeps its
    /// preference.
    pub async fn update(&self, id: &str, c: StoreChanges) -> CoreResult<Store> {
        let currencies = c
            .supported_currencies
            .as_deref()
            .map(checked_currencies)
            .transpose()?;
        if c.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            return Err(DomainError::invalid("name must not be empty").into());
        }
        let mut tx = self.db.begin().await?;
        let mut s = table::first_in(&mut tx)
            .await?
            .filter(|s| s.id == id)
            .ok_or_else(|| DomainError::not_found(format!("Store with id: {id} was not found")))?;
        s.supported_currencies = table::currencies_in(&mut tx, id).await?;
        check_defaults(&mut tx, &c).await?;
        if let Some(n) = c.name {
            s.name = n;
        }
        if let Some(r) = c.default_region_id {
            s.default_region_id = r;
        }
        if let Some(ch) = c.default_sales_channel_id {
            s.default_sales_channel_id = ch;
        }
        if let Some(l) = c.default_location_id {
            s.default_location_id = l;
        }
        if let Some(m) = c.metadata {
            s.metadata = m;
        }
        if let Some(currencies) = currencies {
            write_currencies(&mut tx, &mut s, &currencies).await?;
        }
        s.updated_at = now();
        table::update(&mut tx, &s).await?;
        crate::platform::events::append(
            &mut tx,
            crate::platform::events::NewEvent::new(
                "store.updated",
                "store",
                id,
                serde_json::json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Makes `channel_id` the default sales channel if the store has none; whether it did.
    pub async fn claim_default_channel(
        &self,
        store_id: &str,
        channel_id: &str,
    ) -> CoreResult<bool> {
        let mut tx = self.db.begin().await?;
        let claimed = table::claim_default_channel(&mut tx, store_id, channel_id).await?;
        if claimed {
            crate::platform::events::append(
                &mut tx,
                crate::platform::events::NewEvent::new(
                    "store.updated",
                    "store",
                    store_id,
                    serde_json::json!({"id": store_id}),
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// The store, created with `name` if there is none yet (idempotent, safe to race). A new
    /// store supports [`DEFAULT_CURRENCY`] (tax-exclusive); a store from before supported
    /// currencies gets it (or its old default currency) here too.
    pub async fn ensure(&self, name: &str) -> CoreResult<Store> {
        let mut tx = self.db.begin().await?;
        let mut store = match table::first_in(&mut tx).await? {
            Some(mut existing) => {
                existing.supported_currencies = table::currencies_in(&mut tx, &existing.id).await?;
                if !existing.supported_currencies.is_empty() {
                    return Ok(existing);
                }
                existing
            }
            None => {
                let at = now();
                let created = Store {
                    id: new_id("store"),
                    name: name.to_string(),
                    default_currency_code: None,
                    default_region_id: None,
                    default_sales_channel_id: None,
                    default_location_id: None,
                    metadata: None,
                    supported_currencies: Vec::new(),
                    created_at: at,
                    updated_at: at,
                };
                table::insert(&mut tx, &created).await?;
                created
            }
        };
        let code = store
            .default_currency_code
            .clone()
            .unwrap_or_else(|| DEFAULT_CURRENCY.to_string());
        write_currencies(
            &mut tx,
            &mut store,
            &[NewStoreCurrency {
                currency_code: code,
                is_default: true,
                is_tax_inclusive: None,
            }],
        )
        .await?;
        table::update(&mut tx, &store).await?;
        crate::platform::events::append(
            &mut tx,
            crate::platform::events::NewEvent::new(
                "store.updated",
                "store",
                &store.id,
                serde_json::json!({"id": store.id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(store)
    }
}
