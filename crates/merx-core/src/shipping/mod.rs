//! Shipping: profiles and options per region (fulfilled from a stock location), flat or calculated
//! prices, subtotal requirements, and the built-in manual fulfillment provider.

use merx_db::{query, Db, DbResult, Row};
use merx_types::id::new_id;
use merx_types::time::now;
use merx_types::{DomainError, Page, PageRequest};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::cart::CartView;
use crate::error::CoreResult;
use crate::platform::events::{append, NewEvent};
use crate::platform::freshness::{Memo, ReadModel, MEMO_TTL};

/// The built-in fulfillment provider (Medusa's `manual_manual`).
pub const MANUAL_PROVIDER: &str = "manual_manual";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceType {
    Flat,
    Calculated,
}

impl PriceType {
    pub fn as_str(self) -> &'static str {
        match self {
            PriceType::Flat => "flat",
            PriceType::Calculated => "calculated",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "flat" => Some(PriceType::Flat),
            "calculated" => Some(PriceType::Calculated),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShippingOption {
    pub id: String,
    pub name: String,
    pub region_id: String,
    pub stock_location_id: Option<String>,
    pub shipping_profile_id: String,
    pub provider_id: String,
    pub price_type: PriceType,
    /// Flat price (minor units), or the base of a calculated one.
    pub amount: Option<i64>,
    pub is_return: bool,
    pub min_subtotal: Option<i64>,
    pub max_subtotal: Option<i64>,
    /// For calculated options: `{"per_item": <minor units>}` added per unit shipped.
    pub data: Option<Value>,
    pub type_label: String,
    pub type_description: Option<String>,
    pub type_code: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, Default)]
pub struct NewShippingOption {
    pub name: String,
    pub region_id: String,
    pub stock_location_id: Option<String>,
    pub price_type: Option<PriceType>,
    pub amount: Option<i64>,
    pub is_return: bool,
    pub min_subtotal: Option<i64>,
    pub max_subtotal: Option<i64>,
    pub data: Option<Value>,
    pub type_label: Option<String>,
    pub type_description: Option<String>,
    pub type_code: Option<String>,
}

const COLUMNS: &str = "id, name, region_id, stock_location_id, shipping_profile_id, provider_id, price_type, amount, \
    is_return, min_subtotal, max_subtotal, data, type_label, type_description, type_code, created_at, updated_at";

fn from_row(r: &Row) -> DbResult<ShippingOption> {
    Ok(ShippingOption {
        id: r.text("id")?,
        name: r.text("name")?,
        region_id: r.text("region_id")?,
        stock_location_id: r.opt_text("stock_location_id")?,
        shipping_profile_id: r.text("shipping_profile_id")?,
        provider_id: r.text("provider_id")?,
        price_type: PriceType::parse(&r.text("price_type")?).unwrap_or(PriceType::Flat),
        amount: r.opt_int("amount")?,
        is_return: r.bool("is_return")?,
        min_subtotal: r.opt_int("min_subtotal")?,
        max_subtotal: r.opt_int("max_subtotal")?,
        data: r.opt_json("data")?,
        type_label: r.text("type_label")?,
        type_description: r.opt_text("type_description")?,
        type_code: r.text("type_code")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// The price of `option` for a cart: the flat amount, or base + per-item × units for calculated
/// options (the manual provider's rule); `None` when that is more than any amount Merx handles.
pub fn price_for(option: &ShippingOption, cart: &CartView) -> Option<i64> {
    let base = option.amount.unwrap_or(0);
    let price = match option.price_type {
        PriceType::Flat => base,
        PriceType::Calculated => {
            let per_item = option
                .data
                .as_ref()
                .and_then(|d| d.get("per_item"))
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let units = cart
                .items
                .iter()
                .filter(|(i, _)| i.requires_shipping)
                .try_fold(0i64, |n, (i, _)| n.checked_add(i.quantity))?;
            base.checked_add(merx_types::money::line_amount(per_item, units)?)?
        }
    };
    (price <= merx_types::money::MAX_AMOUNT).then_some(price)
}

/// Whether a cart meets an option's subtotal requirements (item subtotal, before tax).
pub fn meets_requirements(option: &ShippingOption, cart: &CartView) -> bool {
    let subtotal = cart.totals.item_subtotal;
    option.min_subtotal.is_none_or(|m| subtotal >= m)
        && option.max_subtotal.is_none_or(|m| subtotal <= m)
}

#[derive(Clone)]
pub struct ShippingService {
    db: Db,
    /// Each region's live options, as every cart's shipping step asks for them.
    region_options: Memo<Vec<ShippingOption>>,
}

impl ShippingService {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            region_options: Memo::new(ReadModel::Logistics, MEMO_TTL),
        }
    }

    /// The default shipping profile, created on first use.
    async fn default_profile(&self) -> CoreResult<String> {
        if let Some(r) = self
            .db
            .fetch_optional(query(
                "SELECT id FROM shipping_profile WHERE type = 'default' AND deleted_at IS NULL",
            ))
            .await?
        {
            return Ok(r.text("id")?);
        }
        let id = new_id("sp");
        self.db
            .execute(query("INSERT INTO shipping_profile (id, name, type, created_at, updated_at) VALUES (?, 'Default Shipping Profile', 'default', ?, ?)").bind(&id).bind(now()).bind(now()))
            .await?;
        Ok(id)
    }

    pub async fn create_option(&self, o: NewShippingOption) -> CoreResult<ShippingOption> {
        if o.name.trim().is_empty() {
            return Err(DomainError::invalid("name must not be empty").into());
        }
        let price_type = o.price_type.unwrap_or(PriceType::Flat);
        if price_type == PriceType::Flat && o.amount.is_none() {
            return Err(DomainError::invalid("a flat shipping option needs an amount").into());
        }
        if o.amount.is_some_and(|a| a < 0) {
            return Err(DomainError::invalid("amount must not be negative").into());
        }
        if o.amount.is_some_and(|a| a > merx_types::money::MAX_AMOUNT) {
            return Err(DomainError::from(crate::cart::totals::TooLarge).into());
        }
        let exists = self
            .db
            .fetch_optional(
                query("SELECT id FROM region WHERE id = ? AND deleted_at IS NULL")
                    .bind(&o.region_id),
            )
            .await?;
        if exists.is_none() {
            return Err(
                DomainError::invalid(format!("Region {} does not exist", o.region_id)).into(),
            );
        }
        let profile = self.default_profile().await?;
        let at = now();
        let id = new_id("so");
        let code = o
            .type_code
            .unwrap_or_else(|| crate::catalog::slugify(&o.name));
        let mut tx = self.db.begin().await?;
        tx.execute(
            query(format!("INSERT INTO shipping_option ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
                .bind(&id)
                .bind(&o.name)
                .bind(&o.region_id)
                .bind(o.stock_location_id)
                .bind(profile)
                .bind(MANUAL_PROVIDER)
                .bind(price_type.as_str())
                .bind(o.amount)
                .bind(o.is_return)
                .bind(o.min_subtotal)
                .bind(o.max_subtotal)
                .bind(o.data)
                .bind(o.type_label.unwrap_or_else(|| o.name.clone()))
                .bind(o.type_description)
                .bind(code)
                .bind(at)
                .bind(at),
        )
        .await?;
        append(
            &mut tx,
            NewEvent::new(
                "shipping_option.created",
                "shipping_option",
                &id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.get(&id).await
    }

    pub async fn get(&self, id: &str) -> CoreResult<ShippingOption> {
        self.db
            .fetch_optional(
                query(format!(
                    "SELECT {COLUMNS} FROM shipping_option WHERE id = ? AND deleted_at IS NULL"
                ))
                .bind(id),
            )
            .await?
            .as_ref()
            .map(from_row)
            .transpose()?
            .ok_or_else(|| {
                DomainError::not_found(format!("Shipping option with id: {id} was not found"))
                    .into()
            })
    }

    pub async fn list(
        &self,
        region_id: Option<&str>,
        page: PageRequest,
    ) -> CoreResult<Page<ShippingOption>> {
        let count = self
            .db
            .fetch_one(query("SELECT COUNT(*) AS n FROM shipping_option WHERE deleted_at IS NULL AND (? IS NULL OR region_id = ?)").bind(region_id).bind(region_id))
            .await?
            .int("n")?;
        Ok(Page {
            items: self.page_of(region_id, page).await?,
            count,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// The live options (of a region), oldest first.
    async fn page_of(
        &self,
        region_id: Option<&str>,
        page: PageRequest,
    ) -> CoreResult<Vec<ShippingOption>> {
        Ok(self
            .db
            .fetch_all(
                query(format!("SELECT {COLUMNS} FROM shipping_option WHERE deleted_at IS NULL AND (? IS NULL OR region_id = ?) ORDER BY created_at, id LIMIT ? OFFSET ?"))
                    .bind(region_id)
                    .bind(region_id)
                    .bind(page.limit)
                    .bind(page.offset),
            )
            .await?
            .iter()
            .map(from_row)
            .collect::<DbResult<_>>()?)
    }

    pub async fn delete(&self, id: &str) -> CoreResult<()> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                query(
                    "UPDATE shipping_option SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                )
                .bind(now())
                .bind(id),
            )
            .await?;
        if n == 0 {
            return Err(DomainError::not_found(format!(
                "Shipping option with id: {id} was not found"
            ))
            .into());
        }
        append(
            &mut tx,
            NewEvent::new(
                "shipping_option.deleted",
                "shipping_option",
                id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The region's live options, oldest first (remembered until one changes).
    async fn of_region(&self, region_id: &str) -> CoreResult<Vec<ShippingOption>> {
        let all = PageRequest {
            limit: 1000,
            offset: 0,
        };
        self.region_options
            .get_or_read(region_id, self.page_of(Some(region_id), all))
            .await
    }

    /// Options a cart can use: its region's, not for returns, whose requirements it meets.
    pub async fn for_cart(&self, cart: &CartView) -> CoreResult<Vec<(ShippingOption, i64)>> {
        let options = self.of_region(&cart.cart.region_id).await?;
        Ok(options
            .into_iter()
            .filter(|o| !o.is_return && meets_requirements(o, cart))
            .filter_map(|o| {
                let amount = price_for(&o, cart)?;
                Some((o, amount))
            })
            .collect())
    }

    /// Checks that an option may ship a cart and returns its price.
    pub async fn validate_for_cart(
        &self,
        option_id: &str,
        cart: &CartView,
    ) -> CoreResult<(ShippingOption, i64)> {
        let in_region = self.of_region(&cart.cart.region_id).await?;
        let option = match in_region.into_iter().find(|o| o.id == option_id) {
            Some(o) => o,
            // Not the region's: read it to say why.
            None => self.get(option_id).await.map_err(|_| {
                DomainError::invalid(format!("Shipping option {option_id} does not exist"))
            })?,
        };
        if option.region_id != cart.cart.region_id {
            return Err(DomainError::invalid(format!(
                "Shipping option {option_id} is not available in the cart's region"
            ))
            .into());
        }
        if option.is_return {
            return Err(DomainError::invalid(format!(
                "Shipping option {option_id} is for returns"
            ))
            .into());
        }
        if !meets_requirements(&option, cart) {
            return Err(DomainError::invalid(format!(
                "The cart does not meet the requirements of shipping option {option_id}"
            ))
            .into());
        }
        let amount = price_for(&option, cart)
            .ok_or_else(|| DomainError::from(crate::cart::totals::TooLarge))?;
        Ok((option, amount))
    }
}
