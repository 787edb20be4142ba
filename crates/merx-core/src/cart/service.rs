use merx_db::{query, sql, Db, DbResult, Prefixed, Row, Tx};
use merx_types::id::{new_id, prefix};
use merx_types::time::now;
use merx_types::DomainError;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::model::*;
use super::totals::{self, AppliedRate, Line, LineTotals};
use crate::catalog::{CatalogService, LineSource, ProductStatus};
use crate::customer::AddressFields;
use crate::error::{CoreError, CoreResult};
use crate::inventory::InventoryService;
use crate::platform::events::{append, NewEvent};
use crate::platform::freshness::{Memo, ReadModel, MEMO_TTL};
use crate::pricing::PricingService;
use crate::region::{Region, RegionService};
use crate::storefront::{resolve_with, PricingRequest};
use crate::tax::calc::{applicable_rates, Taxable};
use crate::tax::TaxService;

const CART_COLUMNS: &str =
    "id, region_id, currency_code, sales_channel_id, customer_id, email, shipping_address, \
    billing_address, metadata, completed_at, created_at, updated_at";
const ITEM_COLUMNS: &str = "id, cart_id, variant_id, product_id, title, subtitle, thumbnail, quantity, unit_price, \
    compare_at_unit_price, is_tax_inclusive, requires_shipping, is_discountable, snapshot, metadata, created_at, updated_at";
const METHOD_COLUMNS: &str =
    "id, cart_id, shipping_option_id, name, amount, is_tax_inclusive, data, created_at, updated_at";

pub(crate) fn address_to_json(a: &CartAddress) -> Value {
    let f = &a.fields;
    json!({
        "id": a.id, "first_name": f.first_name, "last_name": f.last_name, "company": f.company, "address_1": f.address_1,
        "address_2": f.address_2, "city": f.city, "postal_code": f.postal_code, "country_code": f.country_code,
        "province": f.province, "phone": f.phone, "metadata": f.metadata,
    })
}

pub(crate) fn address_from_json(v: Option<Value>) -> Option<CartAddress> {
    let v = v?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Some(CartAddress {
        id: s("id").unwrap_or_default(),
        fields: AddressFields {
            first_name: s("first_name"),
            last_name: s("last_name"),
            company: s("company"),
            address_1: s("address_1"),
            address_2: s("address_2"),
            city: s("city"),
            country_code: s("country_code"),
            province: s("province"),
            postal_code: s("postal_code"),
            phone: s("phone"),
            metadata: v.get("metadata").cloned().filter(|m| !m.is_null()),
        },
    })
}

fn cart_from_row(r: &Row) -> DbResult<Cart> {
    Ok(Cart {
        id: r.text("id")?,
        region_id: r.text("region_id")?,
        currency_code: r.text("currency_code")?,
        sales_channel_id: r.text("sales_channel_id")?,
        customer_id: r.opt_text("customer_id")?,
        email: r.opt_text("email")?,
        shipping_address: address_from_json(r.opt_json("shipping_address")?),
        billing_address: address_from_json(r.opt_json("billing_address")?),
        metadata: r.opt_json("metadata")?,
        completed_at: r.opt_time("completed_at")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// A line as the cart's joined read returns it (its columns prefixed `i_`).
fn item_from(r: &Prefixed<'_>) -> DbResult<LineItem> {
    Ok(LineItem {
        id: r.text("id")?,
        cart_id: r.text("cart_id")?,
        variant_id: r.text("variant_id")?,
        product_id: r.text("product_id")?,
        title: r.text("title")?,
        subtitle: r.opt_text("subtitle")?,
        thumbnail: r.opt_text("thumbnail")?,
        quantity: r.int("quantity")?,
        unit_price: r.int("unit_price")?,
        compare_at_unit_price: r.opt_int("compare_at_unit_price")?,
        is_tax_inclusive: r.bool("is_tax_inclusive")?,
        requires_shipping: r.bool("requires_shipping")?,
        is_discountable: r.bool("is_discountable")?,
        snapshot: serde_json::from_value(r.json("snapshot")?).unwrap_or_default(),
        metadata: r.opt_json("metadata")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// A shipping method as the cart's joined read returns it (its columns prefixed `m_`).
fn method_from(r: &Prefixed<'_>) -> DbResult<ShippingMethod> {
    Ok(ShippingMethod {
        id: r.text("id")?,
        cart_id: r.text("cart_id")?,
        shipping_option_id: r.text("shipping_option_id")?,
        name: r.text("name")?,
        amount: r.int("amount")?,
        is_tax_inclusive: r.bool("is_tax_inclusive")?,
        data: r.opt_json("data")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// The cart with its lines and shipping methods in one round trip: one row per (line, method)
/// pair, or one row with NULLs where the cart has neither.
static CART_WITH_ROWS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {}, {}, {} FROM cart c \
         LEFT JOIN cart_line_item i ON i.cart_id = c.id \
         LEFT JOIN cart_shipping_method m ON m.cart_id = c.id \
         WHERE c.id = ? AND c.deleted_at IS NULL",
        sql::qualified("c", CART_COLUMNS),
        sql::aliased("i", ITEM_COLUMNS),
        sql::aliased("m", METHOD_COLUMNS)
    )
});

fn new_address(fields: AddressFields, region: &Region) -> CoreResult<CartAddress> {
    let fields = fields.normalised()?;
    if let Some(c) = &fields.country_code {
        if !region.countries.contains(c) {
            return Err(DomainError::invalid(format!(
                "Country with code {c} is not within region {}",
                region.name
            ))
            .into());
        }
    }
    Ok(CartAddress {
        id: new_id("caaddr"),
        fields,
    })
}

/// A variant priced and described for a cart line.
struct Priced {
    product_id: String,
    title: String,
    subtitle: Option<String>,
    thumbnail: Option<String>,
    unit_price: i64,
    compare_at: Option<i64>,
    inclusive: bool,
    snapshot: Snapshot,
    manage_inventory: bool,
    allow_backorder: bool,
}

/// Carts: lines priced in the cart's region for its customer, totals with tax, shipping methods.
#[derive(Clone)]
pub struct CartService {
    db: Db,
    catalog: CatalogService,
    pricing: PricingService,
    regions: RegionService,
    tax: TaxService,
    inventory: InventoryService,
    store: crate::store::StoreService,
    /// What lines snapshot of each variant.
    sources: Memo<LineSource>,
    /// The most units one line may hold (shared by every clone of the service).
    max_line_quantity: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

/// The default for [`CartService::set_max_line_quantity`].
pub const DEFAULT_MAX_LINE_QUANTITY: i64 = 10_000;

/// Refuses a cart whose lines and shipping, before tax, would come to more than `MAX_AMOUNT`, so
/// that its totals (taxes of at most 100 % included) always add up without wrapping.
fn within_bounds(
    lines: impl IntoIterator<Item = (i64, i64)>,
    shipping: impl IntoIterator<Item = i64>,
) -> CoreResult<()> {
    let too_large = || CoreError::from(DomainError::from(totals::TooLarge));
    let mut sum = 0i64;
    for (unit_price, quantity) in lines {
        let amount = merx_types::money::line_amount(unit_price, quantity).ok_or_else(too_large)?;
        sum = sum.checked_add(amount).ok_or_else(too_large)?;
    }
    for amount in shipping {
        sum = sum.checked_add(amount).ok_or_else(too_large)?;
    }
    if sum > merx_types::money::MAX_AMOUNT {
        return Err(too_large());
    }
    Ok(())
}

impl CartService {
    pub(crate) fn new(
        db: Db,
        catalog: CatalogService,
        pricing: PricingService,
        regions: RegionService,
        tax: TaxService,
        inventory: InventoryService,
        store: crate::store::StoreService,
    ) -> Self {
        Self {
            db,
            catalog,
            pricing,
            regions,
            tax,
            inventory,
            store,
            sources: Memo::new(ReadModel::Catalog, MEMO_TTL),
            max_line_quantity: std::sync::Arc::new(std::sync::atomic::AtomicI64::new(
                DEFAULT_MAX_LINE_QUANTITY,
            )),
        }
    }

    /// The most units one line may hold (default [`DEFAULT_MAX_LINE_QUANTITY`]); more is a 400.
    pub fn set_max_line_quantity(&self, max: i64) {
        self.max_line_quantity
            .store(max.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    fn check_quantity(&self, quantity: i64) -> CoreResult<()> {
        let max = self
            .max_line_quantity
            .load(std::sync::atomic::Ordering::Relaxed);
        if quantity > max {
            return Err(
                DomainError::invalid(format!("quantity must be at most {max} per line")).into(),
            );
        }
        Ok(())
    }

    async fn cart(&self, id: &str) -> CoreResult<Cart> {
        self.db
            .fetch_optional(
                query(format!(
                    "SELECT {CART_COLUMNS} FROM cart WHERE id = ? AND deleted_at IS NULL"
                ))
                .bind(id),
            )
            .await?
            .as_ref()
            .map(cart_from_row)
            .transpose()?
            .ok_or_else(|| DomainError::not_found(format!("Cart id not found: {id}")).into())
    }

    /// The customer a cart belongs to (`None` for a guest cart); not found for no such cart.
    pub async fn owner(&self, id: &str) -> CoreResult<Option<String>> {
        Ok(self.cart(id).await?.customer_id)
    }

    /// The cart's stored rows: the cart, its lines and its shipping methods.
    async fn rows(&self, id: &str) -> CoreResult<CartRows> {
        let rows = self
            .db
            .fetch_all(query(CART_WITH_ROWS.as_str()).bind(id))
            .await?;
        let Some(first) = rows.first() else {
            return Err(DomainError::not_found(format!("Cart id not found: {id}")).into());
        };
        let cart = cart_from_row(first)?;
        let mut items: Vec<LineItem> = Vec::new();
        let mut methods: Vec<ShippingMethod> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for r in &rows {
            let (item, method) = (r.prefixed("i_"), r.prefixed("m_"));
            if let Some(item_id) = item.opt_text("id")? {
                if seen.insert(item_id) {
                    items.push(item_from(&item)?);
                }
            }
            if let Some(method_id) = method.opt_text("id")? {
                if seen.insert(method_id) {
                    methods.push(method_from(&method)?);
                }
            }
        }
        // `compute` orders them as the separate reads did.
        Ok(CartRows {
            cart,
            items,
            methods,
        })
    }

    async fn open_rows(&self, id: &str) -> CoreResult<CartRows> {
        let rows = self.rows(id).await?;
        ensure_open(&rows.cart)?;
        Ok(rows)
    }

    /// Creates a cart in a region (the store's default when not given) and a sales channel (the
    /// given one, the key's only one, or the store's default), optionally with items.
    pub async fn create(&self, input: NewCart, key_channels: &[String]) -> CoreResult<CartView> {
        let store = self.store.get().await?;
        let region_id = match input
            .region_id
            .or_else(|| store.as_ref().and_then(|s| s.default_region_id.clone()))
        {
            Some(r) => r,
            None => {
                return Err(DomainError::invalid(
                    "region_id is required: the store has no default region",
                )
                .into())
            }
        };
        let region = self.regions.get(&region_id).await.map_err(|_| {
            DomainError::not_found(format!("Region with id: {region_id} was not found"))
        })?;
        if let Some(c) = &input.currency_code {
            if !c.eq_ignore_ascii_case(&region.currency_code) {
                return Err(DomainError::invalid(format!(
                    "currency_code {c} is not the region's currency ({})",
                    region.currency_code
                ))
                .into());
            }
        }
        let channel = match input.sales_channel_id {
            Some(c) if key_channels.contains(&c) => c,
            Some(c) => {
                return Err(DomainError::invalid(format!(
                    "Sales channel {c} is not associated with the publishable key"
                ))
                .into())
            }
            None if key_channels.len() == 1 => key_channels[0].clone(),
            None => match store
                .and_then(|s| s.default_sales_channel_id)
                .filter(|c| key_channels.contains(c))
            {
                Some(c) => c,
                None => return Err(DomainError::invalid(
                    "sales_channel_id is required: the publishable key has several sales channels",
                )
                .into()),
            },
        };
        let shipping = input
            .shipping_address
            .map(|a| new_address(a, &region))
            .transpose()?;
        let billing = input
            .billing_address
            .map(|a| new_address(a, &region))
            .transpose()?;
        let email = input
            .email
            .as_deref()
            .map(merx_types::email::normalise)
            .transpose()?;
        let metadata = input.metadata;
        let at = now();
        let id = new_id(prefix::CART);
        let mut tx = self.db.begin().await?;
        tx.execute(
            query(format!(
                "INSERT INTO cart ({CART_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)"
            ))
            .bind(&id)
            .bind(&region.id)
            .bind(&region.currency_code)
            .bind(&channel)
            .bind(input.customer_id.clone())
            .bind(email.clone())
            .bind(shipping.as_ref().map(address_to_json))
            .bind(billing.as_ref().map(address_to_json))
            .bind(metadata.clone())
            .bind(at)
            .bind(at),
        )
        .await?;
        append(
            &mut tx,
            NewEvent::new("cart.created", "cart", &id, json!({"id": id})),
        )
        .await?;
        tx.commit().await?;
        let mut view = self
            .compute(CartRows {
                cart: Cart {
                    id: id.clone(),
                    region_id: region.id.clone(),
                    currency_code: region.currency_code.clone(),
                    sales_channel_id: channel,
                    customer_id: input.customer_id,
                    email,
                    shipping_address: shipping,
                    billing_address: billing,
                    metadata,
                    completed_at: None,
                    created_at: at,
                    updated_at: at,
                },
                items: Vec::new(),
                methods: Vec::new(),
            })
            .await?;
        for (variant, qty) in input.items {
            view = self.add_item(&id, &variant, qty, None).await?;
        }
        Ok(view)
    }

    /// The cart with lines, tax lines and totals.
    pub async fn view(&self, id: &str) -> CoreResult<CartView> {
        let rows = self.rows(id).await?;
        self.compute(rows).await
    }

    /// The view of rows already in hand (taxes come from memoized regions and rates).
    async fn compute(&self, rows: CartRows) -> CoreResult<CartView> {
        let CartRows {
            cart,
            mut items,
            mut methods,
        } = rows;
        // As the reads order them, also for rows changed in memory.
        items.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        methods.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        let region = self.regions.get(&cart.region_id).await?;
        let place = cart
            .shipping_address
            .as_ref()
            .and_then(|a| {
                a.fields
                    .country_code
                    .clone()
                    .map(|c| (c, a.fields.province.clone()))
            })
            .filter(|_| region.automatic_taxes);
        let rates = match &place {
            Some((country, province)) => Some(
                self.tax
                    .rates_for_place(country, province.as_deref())
                    .await?,
            ),
            None => None,
        };
        let rates_for = |item: Option<&LineItem>| -> Vec<AppliedRate> {
            let Some((province, country)) = &rates else {
                return Vec::new();
            };
            let taxable = match item {
                Some(i) => Taxable {
                    product_id: i.product_id.clone(),
                    product_type_id: i.snapshot.product_type_id.clone(),
                    category_ids: i.snapshot.category_ids.clone(),
                },
                None => Taxable::default(),
            };
            applicable_rates(province.as_ref(), country.as_ref(), &taxable)
                .into_iter()
                .map(|r| AppliedRate {
                    rate_id: r.id,
                    code: r.code,
                    name: r.name,
                    rate: r.rate,
                })
                .collect()
        };
        // Carts are bounded when written (`within_bounds`); a row from before the bound that
        // cannot add up is refused, never wrapped.
        let items: Vec<(LineItem, LineTotals)> = items
            .into_iter()
            .map(|i| {
                let amount = merx_types::money::line_amount(i.unit_price, i.quantity)
                    .ok_or(totals::TooLarge)?;
                let t = totals::line(&Line {
                    amount,
                    inclusive: i.is_tax_inclusive,
                    rates: rates_for(Some(&i)),
                })?;
                Ok((i, t))
            })
            .collect::<Result<_, totals::TooLarge>>()
            .map_err(DomainError::from)?;
        let shipping_methods: Vec<(ShippingMethod, LineTotals)> = methods
            .into_iter()
            .map(|m| {
                let t = totals::line(&Line {
                    amount: m.amount,
                    inclusive: m.is_tax_inclusive,
                    rates: rates_for(None),
                })?;
                Ok((m, t))
            })
            .collect::<Result<_, totals::TooLarge>>()
            .map_err(DomainError::from)?;
        let item_totals: Vec<LineTotals> = items.iter().map(|(_, t)| t.clone()).collect();
        let ship_totals: Vec<LineTotals> =
            shipping_methods.iter().map(|(_, t)| t.clone()).collect();
        Ok(CartView {
            totals: totals::totals(&item_totals, &ship_totals).map_err(DomainError::from)?,
            cart,
            items,
            shipping_methods,
        })
    }

    /// What a line snapshots of a variant, remembered per catalog version (adding to carts asks
    /// for the same few variants again and again).
    async fn line_source(&self, variant_id: &str) -> CoreResult<LineSource> {
        let read = async {
            self.catalog.line_source(variant_id).await?.ok_or_else(|| {
                DomainError::invalid(format!("Variant {variant_id} does not exist")).into()
            })
        };
        self.sources.get_or_read(variant_id, read).await
    }

    async fn price(&self, cart: &Cart, variant_id: &str, quantity: i64) -> CoreResult<Priced> {
        let source = self.line_source(variant_id).await?;
        if source.product.status != ProductStatus::Published
            || !source.sales_channel_ids.contains(&cart.sales_channel_id)
        {
            return Err(DomainError::invalid(format!(
                "Variant {variant_id} is not available in this sales channel"
            ))
            .into());
        }
        let req = PricingRequest {
            region_id: Some(cart.region_id.clone()),
            customer_id: cart.customer_id.clone(),
            quantity: Some(quantity),
            ..Default::default()
        };
        let ctx = resolve_with(&self.store, &self.regions, &self.pricing, &req)
            .await?
            .ok_or_else(|| CoreError::Domain(DomainError::invalid("the cart has no region")))?;
        let price = self
            .pricing
            .prices_for(&[variant_id.to_string()], &ctx.price)
            .await?
            .remove(variant_id)
            .ok_or_else(|| {
                DomainError::invalid(format!(
                    "Variant {variant_id} has no price in {}",
                    cart.currency_code
                ))
            })?;
        let p = &source.product;
        Ok(Priced {
            product_id: p.id.clone(),
            title: p.title.clone(),
            subtitle: Some(source.variant_title.clone()),
            thumbnail: p.thumbnail.clone(),
            unit_price: price.calculated.amount,
            compare_at: (price.original.amount != price.calculated.amount)
                .then_some(price.original.amount),
            inclusive: price.tax_inclusive,
            manage_inventory: source.manage_inventory,
            allow_backorder: source.allow_backorder,
            snapshot: Snapshot {
                product_title: p.title.clone(),
                product_description: p.description.clone(),
                product_subtitle: p.subtitle.clone(),
                product_type: source.type_value.clone(),
                product_type_id: p.type_id.clone(),
                product_collection: source.collection_title.clone(),
                product_collection_id: p.collection_id.clone(),
                product_handle: p.handle.clone(),
                variant_sku: source.sku.clone(),
                variant_barcode: source.barcode.clone(),
                variant_title: source.variant_title.clone(),
                variant_option_values: Some(Value::Object(
                    source
                        .options
                        .iter()
                        .map(|(title, value)| (title.clone(), Value::String(value.clone())))
                        .collect(),
                )),
                category_ids: source.category_ids.clone(),
                tag_ids: source.tag_ids.clone(),
            },
        })
    }

    async fn check_stock(
        &self,
        cart: &Cart,
        variant_id: &str,
        priced: &Priced,
        quantity: i64,
    ) -> CoreResult<()> {
        if !priced.manage_inventory || priced.allow_backorder {
            return Ok(());
        }
        let available = self
            .inventory
            .units_available(&[variant_id.to_string()], &cart.sales_channel_id)
            .await?
            .get(variant_id)
            .copied()
            .unwrap_or(0);
        if available < quantity {
            return Err(DomainError::not_allowed(format!(
                "Variant {variant_id} does not have the required inventory"
            ))
            .into());
        }
        Ok(())
    }

    /// Adds a variant; the same variant again adds to its line's quantity.
    pub async fn add_item(
        &self,
        cart_id: &str,
        variant_id: &str,
        quantity: i64,
        metadata: Option<Value>,
    ) -> CoreResult<CartView> {
        if quantity < 1 {
            return Err(DomainError::invalid("quantity must be a positive integer").into());
        }
        // The new quantity depends on the one read: a cart changed in between is read again.
        for _ in 0..WRITE_ATTEMPTS {
            let mut rows = self.open_rows(cart_id).await?;
            let existing = rows.items.iter().position(|i| i.variant_id == variant_id);
            let total_qty = quantity
                .checked_add(existing.map(|i| rows.items[i].quantity).unwrap_or(0))
                .unwrap_or(i64::MAX);
            self.check_quantity(total_qty)?;
            let priced = self.price(&rows.cart, variant_id, total_qty).await?;
            within_bounds(
                rows.items
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| Some(*i) != existing)
                    .map(|(_, l)| (l.unit_price, l.quantity))
                    .chain([(priced.unit_price, total_qty)]),
                rows.methods.iter().map(|m| m.amount),
            )?;
            self.check_stock(&rows.cart, variant_id, &priced, total_qty)
                .await?;
            let at = now();
            let mut tx = self.db.begin().await?;
            if !touch(&mut tx, &rows.cart, at).await? {
                continue;
            }
            match existing {
                Some(index) => {
                    let item = &mut rows.items[index];
                    tx.execute(
                        query("UPDATE cart_line_item SET quantity = ?, unit_price = ?, compare_at_unit_price = ?, updated_at = ? WHERE id = ?")
                            .bind(total_qty)
                            .bind(priced.unit_price)
                            .bind(priced.compare_at)
                            .bind(at)
                            .bind(&item.id),
                    )
                    .await?;
                    item.quantity = total_qty;
                    item.unit_price = priced.unit_price;
                    item.compare_at_unit_price = priced.compare_at;
                    item.updated_at = at;
                }
                None => {
                    let item = LineItem {
                        id: new_id("cali"),
                        cart_id: cart_id.to_string(),
                        variant_id: variant_id.to_string(),
                        product_id: priced.product_id,
                        title: priced.title,
                        subtitle: priced.subtitle,
                        thumbnail: priced.thumbnail,
                        quantity: total_qty,
                        unit_price: priced.unit_price,
                        compare_at_unit_price: priced.compare_at,
                        is_tax_inclusive: priced.inclusive,
                        requires_shipping: true,
                        is_discountable: true,
                        snapshot: priced.snapshot,
                        metadata: metadata.clone(),
                        created_at: at,
                        updated_at: at,
                    };
                    tx.execute(
                        query(format!("INSERT INTO cart_line_item ({ITEM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
                            .bind(&item.id)
                            .bind(cart_id)
                            .bind(variant_id)
                            .bind(&item.product_id)
                            .bind(&item.title)
                            .bind(item.subtitle.clone())
                            .bind(item.thumbnail.clone())
                            .bind(total_qty)
                            .bind(item.unit_price)
                            .bind(item.compare_at_unit_price)
                            .bind(item.is_tax_inclusive)
                            .bind(item.requires_shipping)
                            .bind(item.is_discountable)
                            .bind(serde_json::to_value(&item.snapshot).unwrap_or(Value::Null))
                            .bind(item.metadata.clone())
                            .bind(at)
                            .bind(at),
                    )
                    .await?;
                    rows.items.push(item);
                }
            }
            tx.commit().await?;
            if metadata.is_some() {
                // Stored metadata is what the database made of it: read it back.
                return self.view(cart_id).await;
            }
            rows.cart.updated_at = at;
            return self.compute(rows).await;
        }
        Err(busy(cart_id))
    }

    /// Sets a line's quantity (0 removes it).
    pub async fn update_item(
        &self,
        cart_id: &str,
        line_id: &str,
        quantity: i64,
        metadata: Option<Value>,
    ) -> CoreResult<CartView> {
        if quantity < 0 {
            return Err(DomainError::invalid("quantity must not be negative").into());
        }
        if quantity == 0 {
            return self.delete_item(cart_id, line_id).await;
        }
        for _ in 0..WRITE_ATTEMPTS {
            let mut rows = self.open_rows(cart_id).await?;
            let index = line_index(&rows, line_id)?;
            let variant_id = rows.items[index].variant_id.clone();
            self.check_quantity(quantity)?;
            let priced = self.price(&rows.cart, &variant_id, quantity).await?;
            within_bounds(
                rows.items
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != index)
                    .map(|(_, l)| (l.unit_price, l.quantity))
                    .chain([(priced.unit_price, quantity)]),
                rows.methods.iter().map(|m| m.amount),
            )?;
            self.check_stock(&rows.cart, &variant_id, &priced, quantity)
                .await?;
            let at = now();
            let mut tx = self.db.begin().await?;
            if !touch(&mut tx, &rows.cart, at).await? {
                continue;
            }
            tx.execute(
                query("UPDATE cart_line_item SET quantity = ?, unit_price = ?, compare_at_unit_price = ?, metadata = COALESCE(?, metadata), updated_at = ? WHERE id = ?")
                    .bind(quantity)
                    .bind(priced.unit_price)
                    .bind(priced.compare_at)
                    .bind(metadata.clone())
                    .bind(at)
                    .bind(line_id),
            )
            .await?;
            tx.commit().await?;
            if metadata.is_some() {
                // Stored metadata is what the database made of it: read it back.
                return self.view(cart_id).await;
            }
            let item = &mut rows.items[index];
            item.quantity = quantity;
            item.unit_price = priced.unit_price;
            item.compare_at_unit_price = priced.compare_at;
            item.updated_at = at;
            rows.cart.updated_at = at;
            return self.compute(rows).await;
        }
        Err(busy(cart_id))
    }

    pub async fn delete_item(&self, cart_id: &str, line_id: &str) -> CoreResult<CartView> {
        for _ in 0..WRITE_ATTEMPTS {
            let mut rows = self.open_rows(cart_id).await?;
            let index = line_index(&rows, line_id)?;
            let at = now();
            let mut tx = self.db.begin().await?;
            if !touch(&mut tx, &rows.cart, at).await? {
                continue;
            }
            tx.execute(query("DELETE FROM cart_line_item WHERE id = ?").bind(line_id))
                .await?;
            tx.commit().await?;
            rows.items.remove(index);
            rows.cart.updated_at = at;
            return self.compute(rows).await;
        }
        Err(busy(cart_id))
    }

    /// Updates email, addresses, region (re-pricing every line and dropping shipping methods) or
    /// channel.
    pub async fn update(&self, cart_id: &str, c: CartChanges) -> CoreResult<CartView> {
        for _ in 0..WRITE_ATTEMPTS {
            let mut rows = self.open_rows(cart_id).await?;
            let loaded_at = rows.cart.updated_at;
            let cart = &mut rows.cart;
            let c = c.clone();
            let region_changed = c.region_id.as_ref().is_some_and(|r| *r != cart.region_id);
            if let Some(r) = c.region_id {
                cart.region_id = r;
            }
            let region = self.regions.get(&cart.region_id).await?;
            if region_changed {
                cart.currency_code = region.currency_code.clone();
                // Addresses outside the new region are dropped, as Medusa does.
                let inside = |a: &Option<CartAddress>| {
                    a.as_ref().is_some_and(|a| {
                        a.fields
                            .country_code
                            .as_ref()
                            .is_none_or(|c| region.countries.contains(c))
                    })
                };
                if !inside(&cart.shipping_address) {
                    cart.shipping_address = None;
                }
                if !inside(&cart.billing_address) {
                    cart.billing_address = None;
                }
            }
            if let Some(e) = &c.email {
                cart.email = Some(merx_types::email::normalise(e)?);
            }
            if let Some(a) = c.shipping_address {
                cart.shipping_address = Some(new_address(a, &region)?);
            }
            if let Some(a) = c.billing_address {
                cart.billing_address = Some(new_address(a, &region)?);
            }
            if let Some(m) = c.metadata {
                cart.metadata = m;
            }
            if let Some(ch) = c.sales_channel_id {
                cart.sales_channel_id = ch;
            }
            // New prices are found before anything is written: a line that cannot be priced in
            // the new region refuses the whole change.
            let repriced = if region_changed {
                self.prices_for(&rows.cart, &rows.items).await?
            } else {
                Vec::new()
            };
            let at = now();
            if !self
                .save(&rows.cart, loaded_at, at, region_changed, &repriced)
                .await?
            {
                continue;
            }
            if region_changed {
                return self.view(cart_id).await;
            }
            rows.cart.updated_at = at;
            return self.compute(rows).await;
        }
        Err(busy(cart_id))
    }

    /// Attaches the cart to a customer (prices may change with their groups).
    pub async fn set_customer(
        &self,
        cart_id: &str,
        customer_id: &str,
        email: &str,
    ) -> CoreResult<CartView> {
        for _ in 0..WRITE_ATTEMPTS {
            let rows = self.open_rows(cart_id).await?;
            let mut cart = rows.cart;
            if cart
                .customer_id
                .as_deref()
                .is_some_and(|c| c != customer_id)
            {
                return Err(
                    DomainError::unauthorized("Cannot transfer cart to another customer").into(),
                );
            }
            let loaded_at = cart.updated_at;
            cart.customer_id = Some(customer_id.to_string());
            cart.email = Some(email.to_string());
            let repriced = self.prices_for(&cart, &rows.items).await?;
            if !self.save(&cart, loaded_at, now(), false, &repriced).await? {
                continue;
            }
            return self.view(cart_id).await;
        }
        Err(busy(cart_id))
    }

    /// Writes the cart's fields if it is still as read at `loaded_at`; false (nothing written)
    /// when another request changed it since.
    async fn save(
        &self,
        cart: &Cart,
        loaded_at: OffsetDateTime,
        at: OffsetDateTime,
        drop_shipping: bool,
        repriced: &[(String, Priced)],
    ) -> CoreResult<bool> {
        let mut tx = self.db.begin().await?;
        let written = tx
            .execute(
                query(
                    "UPDATE cart SET region_id = ?, currency_code = ?, sales_channel_id = ?, customer_id = ?, email = ?, \
                     shipping_address = ?, billing_address = ?, metadata = ?, updated_at = ? \
                     WHERE id = ? AND updated_at = ? AND completed_at IS NULL",
                )
                .bind(&cart.region_id)
                .bind(&cart.currency_code)
                .bind(&cart.sales_channel_id)
                .bind(cart.customer_id.clone())
                .bind(cart.email.clone())
                .bind(cart.shipping_address.as_ref().map(address_to_json))
                .bind(cart.billing_address.as_ref().map(address_to_json))
                .bind(cart.metadata.clone())
                .bind(at)
                .bind(&cart.id)
                .bind(loaded_at),
            )
            .await?;
        if written == 0 {
            return Ok(false);
        }
        if drop_shipping {
            tx.execute(query("DELETE FROM cart_shipping_method WHERE cart_id = ?").bind(&cart.id))
                .await?;
        }
        for (line_id, priced) in repriced {
            tx.execute(
                query("UPDATE cart_line_item SET unit_price = ?, compare_at_unit_price = ?, is_tax_inclusive = ?, updated_at = ? WHERE id = ?")
                    .bind(priced.unit_price)
                    .bind(priced.compare_at)
                    .bind(priced.inclusive)
                    .bind(at)
                    .bind(line_id),
            )
            .await?;
        }
        append(
            &mut tx,
            NewEvent::new("cart.updated", "cart", &cart.id, json!({"id": cart.id})),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Every line priced again in `cart`'s region and customer context (as it is about to be
    /// saved), checked against the bounds; written by [`save`](Self::save) with the cart.
    async fn prices_for(
        &self,
        cart: &Cart,
        items: &[LineItem],
    ) -> CoreResult<Vec<(String, Priced)>> {
        let mut repriced = Vec::with_capacity(items.len());
        for item in items {
            let priced = self.price(cart, &item.variant_id, item.quantity).await?;
            repriced.push((item.id.clone(), priced));
        }
        within_bounds(
            items
                .iter()
                .zip(&repriced)
                .map(|(i, (_, p))| (p.unit_price, i.quantity)),
            std::iter::empty(),
        )?;
        Ok(repriced)
    }

    /// Replaces the cart's shipping method with one of an option, at `amount` (already validated by
    /// the shipping area against `view`). `None` when the cart changed since `view` was read: the
    /// caller validates again.
    pub async fn set_shipping_method(
        &self,
        view: CartView,
        option_id: &str,
        name: &str,
        amount: i64,
        data: Option<Value>,
    ) -> CoreResult<Option<CartView>> {
        let mut rows = CartRows::from(view);
        ensure_open(&rows.cart)?;
        within_bounds(
            rows.items.iter().map(|l| (l.unit_price, l.quantity)),
            [amount],
        )?;
        let cart_id = rows.cart.id.clone();
        let region = self.regions.get(&rows.cart.region_id).await?;
        // Shipping prices follow the same preference as the cart's item prices.
        let is_tax_inclusive = self
            .pricing
            .preferences()
            .tax_inclusive(region.is_tax_inclusive, &rows.cart.currency_code)
            .await?;
        let at = now();
        let mut tx = self.db.begin().await?;
        if !touch(&mut tx, &rows.cart, at).await? {
            return Ok(None);
        }
        // The methods as read are the methods stored: the clock above says the cart is unchanged.
        if !rows.methods.is_empty() {
            tx.execute(query("DELETE FROM cart_shipping_method WHERE cart_id = ?").bind(&cart_id))
                .await?;
        }
        let method = ShippingMethod {
            id: new_id("casm"),
            cart_id: cart_id.clone(),
            shipping_option_id: option_id.to_string(),
            name: name.to_string(),
            amount,
            is_tax_inclusive,
            data,
            created_at: at,
            updated_at: at,
        };
        tx.execute(
            query(format!("INSERT INTO cart_shipping_method ({METHOD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"))
                .bind(&method.id)
                .bind(&cart_id)
                .bind(option_id)
                .bind(name)
                .bind(amount)
                .bind(method.is_tax_inclusive)
                .bind(method.data.clone())
                .bind(at)
                .bind(at),
        )
        .await?;
        tx.commit().await?;
        if method.data.is_some() {
            // Stored data is what the database made of it: read it back.
            return self.view(&cart_id).await.map(Some);
        }
        rows.methods = vec![method];
        rows.cart.updated_at = at;
        self.compute(rows).await.map(Some)
    }

    /// Marks a cart completed inside the order's transaction, if it is still open and as `cart`
    /// was read; false (nothing written) when it changed since.
    pub(crate) async fn complete_unchanged(tx: &mut Tx, cart: &Cart) -> CoreResult<bool> {
        let at = now();
        let written = tx
            .execute(
                query("UPDATE cart SET completed_at = ?, updated_at = ? WHERE id = ? AND completed_at IS NULL AND updated_at = ?")
                    .bind(at)
                    .bind(at)
                    .bind(&cart.id)
                    .bind(cart.updated_at),
            )
            .await?;
        Ok(written == 1)
    }
}

/// Moves the cart's clock to `at` and records `cart.updated`, if the cart is still open and as read
/// (its clock unchanged); false, with nothing written, when another request changed it since.
async fn touch(tx: &mut Tx, cart: &Cart, at: OffsetDateTime) -> DbResult<bool> {
    let written = tx
        .execute(
            query("UPDATE cart SET updated_at = ? WHERE id = ? AND updated_at = ? AND completed_at IS NULL")
                .bind(at)
                .bind(&cart.id)
                .bind(cart.updated_at),
        )
        .await?;
    if written == 0 {
        return Ok(false);
    }
    append(
        tx,
        NewEvent::new("cart.updated", "cart", &cart.id, json!({"id": cart.id})),
    )
    .await?;
    Ok(true)
}

/// How often a cart write is retried when another request changed the cart under it.
const WRITE_ATTEMPTS: usize = 5;

fn busy(cart_id: &str) -> CoreError {
    DomainError::conflict(format!(
        "Cart {cart_id} is being changed by other requests; please try again"
    ))
    .into()
}

fn ensure_open(cart: &Cart) -> CoreResult<()> {
    if cart.completed_at.is_some() {
        return Err(
            DomainError::not_allowed(format!("Cart {} is already completed", cart.id)).into(),
        );
    }
    Ok(())
}

fn line_index(rows: &CartRows, line_id: &str) -> CoreResult<usize> {
    rows.items
        .iter()
        .position(|i| i.id == line_id)
        .ok_or_else(|| {
            DomainError::not_found(format!("Line item with id: {line_id} was not found")).into()
        })
}

/// A cart's stored rows, from which its view is computed.
struct CartRows {
    cart: Cart,
    items: Vec<LineItem>,
    methods: Vec<ShippingMethod>,
}

impl From<CartView> for CartRows {
    fn from(v: CartView) -> Self {
        CartRows {
            cart: v.cart,
            items: v.items.into_iter().map(|(i, _)| i).collect(),
            methods: v.shipping_methods.into_iter().map(|(m, _)| m).collect(),
        }
    }
}
