use std::collections::HashMap;
use std::sync::Arc;

use merx_db::{Db, Tx};
use merx_types::id::new_id;
use merx_types::time::now;
use merx_types::{DomainError, Money};

use super::calc::{self, Candidate, Context, Verdict};
use super::model::*;
use super::store;
use crate::error::CoreResult;
use crate::platform::events::{append, NewEvent};
use crate::platform::freshness::{Memo, ReadModel, MEMO_TTL};

/// A variant's price set and every price in it (`None`: the variant has no price set).
type Remembered = Option<Arc<(String, Vec<Candidate>)>>;

/// Variants whose prices the memo keeps before it starts over (three per product at most
/// catalogues' sizes; a few hundred bytes each).
const CANDIDATES_CAPACITY: usize = 16384;

/// Checks prices and converts their amounts to minor units: known currency, no more decimals than
/// the currency has, not negative, a sensible quantity range.
pub fn validate_prices(prices: &[NewPrice]) -> Result<Vec<(NewPrice, i64)>, DomainError> {
    prices
        .iter()
        .map(|p| {
            if p.amount.is_sign_negative() {
                return Err(DomainError::invalid(format!(
                    "Price amount {} must not be negative",
                    p.amount
                )));
            }
            // Known currency, no more decimals than it has, within the largest amount.
            let money = Money::from_major(p.amount, &p.currency_code)
                .map_err(|e| DomainError::invalid(format!("Price: {}", e.message)))?;
            let (minor, currency) = (money.minor, money.currency);
            if p.min_quantity.is_some_and(|q| q < 0) || p.max_quantity.is_some_and(|q| q < 0) {
                return Err(DomainError::invalid(
                    "min_quantity and max_quantity must not be negative",
                ));
            }
            if let (Some(min), Some(max)) = (p.min_quantity, p.max_quantity) {
                if min > max {
                    return Err(DomainError::invalid(
                        "min_quantity must not exceed max_quantity",
                    ));
                }
            }
            let mut p = p.clone();
            p.currency_code = currency.code.to_string();
            Ok((p, minor))
        })
        .collect()
}

/// The decision for one variant, with every candidate's verdict.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub price_set_id: Option<String>,
    pub candidates: Vec<(Candidate, Verdict)>,
    pub price: Option<VariantPrice>,
}

fn chosen(c: &Candidate) -> ChosenPrice {
    ChosenPrice {
        price_id: c.id.clone(),
        amount: c.amount,
        price_list_id: c.list.as_ref().map(|l| l.id.clone()),
        price_list_type: c.list.as_ref().map(|l| l.list_type),
        min_quantity: c.min_quantity,
        max_quantity: c.max_quantity,
    }
}

fn to_calc(ctx: &PriceContext) -> Context {
    Context {
        currency_code: ctx.currency_code.clone(),
        region_id: ctx.region_id.clone(),
        quantity: ctx.quantity.max(1),
        customer_group_ids: ctx.customer_group_ids.clone(),
        now: now(),
    }
}

fn price_of(
    set_id: &str,
    candidates: &[Candidate],
    decision: &calc::Decision,
    ctx: &PriceContext,
) -> Option<VariantPrice> {
    let calculated = &candidates[decision.calculated?];
    let original = &candidates[decision.original.or(decision.calculated)?];
    Some(VariantPrice {
        price_set_id: set_id.to_string(),
        currency_code: ctx.currency_code.to_lowercase(),
        tax_inclusive: ctx.tax_inclusive,
        calculated: chosen(calculated),
        original: chosen(original),
    })
}

/// Price sets, price lists and the calculation of variant prices.
#[derive(Clone)]
pub struct PricingService {
    db: Db,
    /// Each variant's prices, by variant id (see [`PricingService::prices_shown`]).
    candidates: Memo<Remembered>,
    preferences: super::PricePreferenceService,
}

impl PricingService {
    pub fn new(db: Db) -> Self {
        Self {
            db: db.clone(),
            candidates: Memo::with_capacity(ReadModel::Catalog, MEMO_TTL, CANDIDATES_CAPACITY),
            preferences: super::PricePreferenceService::new(db.clone()),
        }
    }

    /// Price preferences: which prices include tax.
    pub fn preferences(&self) -> &super::PricePreferenceService {
        &self.preferences
    }

    /// [`PricingService::prices_for`] for reads that show prices (the Store's products): each
    /// variant's prices are remembered while the catalog is unchanged (every price and price-list
    /// write moves it on), and the choice among them is made afresh, at this moment, every time.
    /// Writes that charge a price (carts) read it from the database.
    pub async fn prices_shown(
        &self,
        variant_ids: &[String],
        ctx: &PriceContext,
    ) -> CoreResult<HashMap<String, VariantPrice>> {
        // Taken before reading: a change committed meanwhile keeps what was read out of the memo.
        let version = self.candidates.version();
        let mut known: Vec<(&str, Remembered)> = Vec::with_capacity(variant_ids.len());
        let mut missing: Vec<String> = Vec::new();
        for id in variant_ids {
            match self.candidates.get(id) {
                Some(r) => known.push((id.as_str(), r)),
                None => missing.push(id.clone()),
            }
        }
        let mut read = if missing.is_empty() {
            HashMap::new()
        } else {
            store::candidates(&self.db, &missing).await?
        };
        for id in &missing {
            let r = read.remove(id).map(Arc::new);
            self.candidates.put(id, version, r.clone());
            known.push((id.as_str(), r));
        }
        let calc_ctx = to_calc(ctx);
        let mut out = HashMap::with_capacity(known.len());
        for (variant_id, r) in known {
            let Some(r) = r else { continue };
            let (set_id, candidates) = &*r;
            let decision = calc::decide(candidates, &calc_ctx);
            if let Some(p) = price_of(set_id, candidates, &decision, ctx) {
                out.insert(variant_id.to_string(), p);
            }
        }
        Ok(out)
    }

    /// Prices of many variants in one context (two queries whatever the number of variants).
    /// Variants without an applicable price are absent from the result.
    pub async fn prices_for(
        &self,
        variant_ids: &[String],
        ctx: &PriceContext,
    ) -> CoreResult<HashMap<String, VariantPrice>> {
        let all = store::candidates(&self.db, variant_ids).await?;
        let calc_ctx = to_calc(ctx);
        let mut out = HashMap::with_capacity(all.len());
        for (variant_id, (set_id, candidates)) in all {
            let decision = calc::decide(&candidates, &calc_ctx);
            if let Some(p) = price_of(&set_id, &candidates, &decision, ctx) {
                out.insert(variant_id, p);
            }
        }
        Ok(out)
    }

    /// The next moment after `after` at which a price list starts or ends: until then, computed
    /// prices can only change through a write (which emits an event).
    pub async fn next_window_change(
        &self,
        after: time::OffsetDateTime,
    ) -> CoreResult<Option<time::OffsetDateTime>> {
        Ok(store::next_window_change(&self.db, after).await?)
    }

    /// Every price of the given variants (base and price-list), by variant: `(price set id, prices)`.
    pub async fn all_prices(
        &self,
        variant_ids: &[String],
    ) -> CoreResult<HashMap<String, (String, Vec<Candidate>)>> {
        Ok(store::candidates(&self.db, variant_ids).await?)
    }

    /// Why a variant costs what it costs in a context.
    pub async fn explain(&self, variant_id: &str, ctx: &PriceContext) -> CoreResult<Explanation> {
        let mut all = store::candidates(&self.db, &[variant_id.to_string()]).await?;
        let Some((set_id, candidates)) = all.remove(variant_id) else {
            return Ok(Explanation {
                price_set_id: None,
                candidates: Vec::new(),
                price: None,
            });
        };
        let decision = calc::decide(&candidates, &to_calc(ctx));
        let price = price_of(&set_id, &candidates, &decision, ctx);
        Ok(Explanation {
            price_set_id: Some(set_id),
            candidates: candidates.into_iter().zip(decision.verdicts).collect(),
            price,
        })
    }

    /// Customer groups of a customer (for price-list rules).
    pub async fn customer_groups(&self, customer_id: &str) -> CoreResult<Vec<String>> {
        Ok(store::groups_of_customer(&self.db, customer_id).await?)
    }

    /// Creates a variant's price set with base prices (inside the caller's transaction).
    pub async fn create_price_set(
        tx: &mut Tx,
        variant_id: &str,
        prices: &[NewPrice],
    ) -> CoreResult<String> {
        let valid = validate_prices(prices)?;
        Ok(store::create_price_set(tx, variant_id, &valid).await?)
    }

    /// Replaces a variant's base prices (inside the caller's transaction).
    pub async fn replace_base_prices(
        tx: &mut Tx,
        variant_id: &str,
        prices: &[NewPrice],
    ) -> CoreResult<()> {
        let valid = validate_prices(prices)?;
        let set_id = match store::price_set_of(tx, variant_id).await? {
            Some(id) => id,
            None => {
                return Self::create_price_set(tx, variant_id, prices)
                    .await
                    .map(|_| ())
            }
        };
        store::delete_base_prices(tx, &set_id).await?;
        for (p, minor) in &valid {
            store::insert_price(tx, &set_id, None, p, *minor).await?;
        }
        Ok(())
    }

    pub async fn create_list(&self, input: NewPriceList) -> CoreResult<(PriceList, usize)> {
        if input.title.trim().is_empty() {
            return Err(DomainError::invalid("title must not be empty").into());
        }
        if let (Some(s), Some(e)) = (input.starts_at, input.ends_at) {
            if e <= s {
                return Err(DomainError::invalid("ends_at must be after starts_at").into());
            }
        }
        let prices: Vec<NewPrice> = input.prices.iter().map(|(_, p)| p.clone()).collect();
        let valid = validate_prices(&prices)?;
        let at = now();
        let list = PriceList {
            id: new_id("plist"),
            title: input.title,
            description: input.description,
            list_type: input.list_type,
            active: input.active,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            customer_group_ids: input.customer_group_ids,
            metadata: input.metadata,
            created_at: at,
            updated_at: at,
        };
        let mut tx = self.db.begin().await?;
        store::insert_list(&mut tx, &list).await?;
        let variant_ids: Vec<String> = input.prices.iter().map(|(v, _)| v.clone()).collect();
        let sets = store::price_sets_for(&mut tx, &variant_ids).await?;
        for ((variant_id, _), (p, minor)) in input.prices.iter().zip(&valid) {
            let set = sets.get(variant_id).ok_or_else(|| {
                DomainError::invalid(format!("Variant {variant_id} does not exist"))
            })?;
            store::insert_price(&mut tx, set, Some(&list.id), p, *minor).await?;
        }
        append(
            &mut tx,
            NewEvent::new(
                "price_list.created",
                "price_list",
                &list.id,
                serde_json::json!({"id": list.id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok((list, valid.len()))
    }

    pub async fn get_list(&self, id: &str) -> CoreResult<PriceList> {
        store::get_list(&self.db, id).await?.ok_or_else(|| {
            DomainError::not_found(format!("Price list with id: {id} was not found")).into()
        })
    }

    pub async fn list_lists(&self, limit: i64, offset: i64) -> CoreResult<(Vec<PriceList>, i64)> {
        Ok(store::list_lists(&self.db, limit, offset).await?)
    }

    pub async fn update_list(&self, list: PriceList) -> CoreResult<PriceList> {
        if let (Some(s), Some(e)) = (list.starts_at, list.ends_at) {
            if e <= s {
                return Err(DomainError::invalid("ends_at must be after starts_at").into());
            }
        }
        let mut tx = self.db.begin().await?;
        let mut list = list;
        list.updated_at = now();
        store::update_list(&mut tx, &list).await?;
        append(
            &mut tx,
            NewEvent::new(
                "price_list.updated",
                "price_list",
                &list.id,
                serde_json::json!({"id": list.id}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.get_list(&list.id).await
    }

    pub async fn delete_list(&self, id: &str) -> CoreResult<()> {
        let mut tx = self.db.begin().await?;
        if !store::soft_delete_list(&mut tx, id).await? {
            return Err(
                DomainError::not_found(format!("Price list with id: {id} was not found")).into(),
            );
        }
        append(
            &mut tx,
            NewEvent::new(
                "price_list.deleted",
                "price_list",
                id,
                serde_json::json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
