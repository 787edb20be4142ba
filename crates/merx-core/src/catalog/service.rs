use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use merx_db::{Db, Tx};
use merx_types::id::{new_id, prefix};
use merx_types::time::now;
use merx_types::{DomainError, Page, PageRequest};
use serde_json::{json, Value};

use super::model::*;
use super::store;
use crate::error::{CoreError, CoreResult};
use crate::platform::events::{append, NewEvent};
use crate::platform::freshness::{Memo, ReadModel, MEMO_TTL};
use crate::pricing::{NewPrice, PricingService};

/// A variant to create.
#[derive(Debug, Clone, Default)]
pub struct NewVariant {
    pub title: Option<String>,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub ean: Option<String>,
    pub upc: Option<String>,
    pub allow_backorder: bool,
    pub manage_inventory: bool,
    /// Option title → value.
    pub options: BTreeMap<String, String>,
    pub prices: Vec<NewPrice>,
    pub physical: Physical,
    pub variant_rank: Option<i64>,
    pub thumbnail: Option<String>,
    pub metadata: Option<Value>,
}

/// Changes to a variant: `None` leaves a field as it is, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct VariantChanges {
    pub title: Option<String>,
    pub sku: Option<Option<String>>,
    pub barcode: Option<Option<String>>,
    pub ean: Option<Option<String>>,
    pub upc: Option<Option<String>>,
    pub allow_backorder: Option<bool>,
    pub manage_inventory: Option<bool>,
    pub thumbnail: Option<Option<String>>,
    pub hs_code: Option<Option<String>>,
    pub origin_country: Option<Option<String>>,
    pub mid_code: Option<Option<String>>,
    pub material: Option<Option<String>>,
    pub weight: Option<Option<i64>>,
    pub length: Option<Option<i64>>,
    pub height: Option<Option<i64>>,
    pub width: Option<Option<i64>>,
    pub metadata: Option<Option<Value>>,
    /// Replaces the base prices when given.
    pub prices: Option<Vec<NewPrice>>,
}

/// A product to create.
#[derive(Debug, Clone, Default)]
pub struct NewProduct {
    pub title: String,
    pub subtitle: Option<String>,
    pub description: Option<String>,
    pub handle: Option<String>,
    pub status: Option<ProductStatus>,
    pub is_giftcard: bool,
    pub discountable: Option<bool>,
    pub thumbnail: Option<String>,
    pub images: Vec<String>,
    /// Option title → values, in order.
    pub options: Vec<(String, Vec<String>)>,
    pub variants: Vec<NewVariant>,
    pub collection_id: Option<String>,
    pub type_id: Option<String>,
    pub tag_ids: Vec<String>,
    pub category_ids: Vec<String>,
    pub sales_channel_ids: Vec<String>,
    pub physical: Physical,
    pub external_id: Option<String>,
    pub metadata: Option<Value>,
}

/// A partial update of a product (`None`: unchanged).
#[derive(Debug, Clone, Default)]
pub struct ProductChanges {
    pub title: Option<String>,
    pub subtitle: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub handle: Option<String>,
    pub status: Option<ProductStatus>,
    pub discountable: Option<bool>,
    pub thumbnail: Option<Option<String>>,
    pub collection_id: Option<Option<String>>,
    pub type_id: Option<Option<String>>,
    pub tag_ids: Option<Vec<String>>,
    pub category_ids: Option<Vec<String>>,
    pub sales_channel_ids: Option<Vec<String>>,
    /// Replaces the images (urls, in order) when given.
    pub images: Option<Vec<String>>,
    pub metadata: Option<Option<Value>>,
}

/// `Red T-Shirt (XL)` → `red-t-shirt-xl`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

fn validate_handle(handle: &str) -> Result<(), DomainError> {
    let ok = !handle.is_empty()
        && handle
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(format!(
            "handle {handle:?} must be lower-case letters, digits, - and _"
        )))
    }
}

fn variant_not_found(variant_id: &str) -> CoreError {
    DomainError::not_found(format!("Variant with id: {variant_id} was not found")).into()
}

/// Announces a change to a variant (and so to its product, which shows it).
async fn variant_changed(
    tx: &mut merx_db::Tx,
    product_id: &str,
    variant_id: &str,
    name: &str,
) -> CoreResult<()> {
    let payload = json!({"id": variant_id, "product_id": product_id});
    append(
        tx,
        NewEvent::new(name, "product_variant", variant_id, payload),
    )
    .await?;
    product_updated(tx, product_id, Some(("variant_id", variant_id))).await
}

/// `product.updated`, naming what in the product changed when it was one part of it.
pub(super) async fn product_updated(
    tx: &mut merx_db::Tx,
    product_id: &str,
    part: Option<(&str, &str)>,
) -> CoreResult<()> {
    let mut payload = json!({"id": product_id});
    if let Some((key, id)) = part {
        payload[key] = id.into();
    }
    append(
        tx,
        NewEvent::new("product.updated", "product", product_id, payload),
    )
    .await?;
    Ok(())
}

fn duplicate_or(e: merx_db::DbError, what: &str) -> CoreError {
    if e.is_unique_violation() {
        DomainError::duplicate(format!("{what} already exists")).into()
    } else {
        e.into()
    }
}

async fn check_exist(tx: &mut Tx, table: &str, noun: &str, ids: &[String]) -> CoreResult<()> {
    let found: HashSet<String> = store::existing(tx, table, ids).await?.into_iter().collect();
    if let Some(missing) = ids.iter().find(|id| !found.contains(*id)) {
        return Err(DomainError::invalid(format!("{noun} {missing} does not exist")).into());
    }
    Ok(())
}

/// Products, variants and their options; reads for the Store and Admin APIs.
#[derive(Clone)]
pub struct CatalogService {
    db: Db,
    /// Match counts by filter.
    counts: Memo<i64>,
    /// Products as the Store shows them, by id (see [`CatalogService::load_for_store`]).
    store_bundles: Memo<Arc<ProductBundle>>,
}

/// Products the Store memo keeps before it starts over: a few thousand bundles are a few tens
/// of MB; a larger catalogue's hot products fit, its long tail is read from the database.
const STORE_BUNDLES_CAPACITY: usize = 4096;

impl CatalogService {
    /// The database, for the other files of this module.
    pub(super) fn db(&self) -> &Db {
        &self.db
    }

    pub fn new(db: Db) -> Self {
        Self {
            db,
            counts: Memo::new(ReadModel::Catalog, MEMO_TTL),
            store_bundles: Memo::with_capacity(
                ReadModel::Catalog,
                MEMO_TTL,
                STORE_BUNDLES_CAPACITY,
            ),
        }
    }

    /// One page of product ids matching `filter`.
    pub async fn list_ids(
        &self,
        filter: &ProductFilter,
        page: PageRequest,
    ) -> CoreResult<Page<String>> {
        // Counting every match is the costly part of a page at 100k products; the count only
        // changes with the catalog, so pages of one listing share it.
        let key = format!("{filter:?}");
        let count = self
            .counts
            .get_or_read(&key, store::count(&self.db, filter))
            .await?;
        Ok(store::list_ids(&self.db, filter, page, count).await?)
    }

    /// Products with relations, in the order of `ids`.
    pub async fn load(
        &self,
        ids: &[String],
        relations: Relations,
    ) -> CoreResult<Vec<ProductBundle>> {
        Ok(store::load(&self.db, ids, relations).await?)
    }

    /// Products as the Store shows them, in the order of `ids` (missing ids are skipped): every
    /// relation the Store renders (not sales channels), and only active, public categories.
    /// Remembered per product while the catalog is unchanged: a Store read that misses its answer
    /// cache (another page, filter or `fields`, a stock change, another customer group) reads only
    /// the products it has not seen since the catalog last changed.
    pub async fn load_for_store(&self, ids: &[String]) -> CoreResult<Vec<Arc<ProductBundle>>> {
        // Taken before reading: a change committed meanwhile keeps what was read out of the memo.
        let version = self.store_bundles.version();
        let mut found: HashMap<&str, Arc<ProductBundle>> = HashMap::with_capacity(ids.len());
        let mut missing: Vec<String> = Vec::new();
        for id in ids {
            match self.store_bundles.get(id) {
                Some(b) => {
                    found.insert(id.as_str(), b);
                }
                None => missing.push(id.clone()),
            }
        }
        let loaded = if missing.is_empty() {
            Vec::new()
        } else {
            let relations = Relations {
                sales_channels: false,
                ..Relations::all()
            };
            store::load(&self.db, &missing, relations).await?
        };
        let loaded: HashMap<String, Arc<ProductBundle>> = loaded
            .into_iter()
            .map(|mut b| {
                b.categories.retain(|c| c.is_active && !c.is_internal);
                let b = Arc::new(b);
                self.store_bundles.put(&b.product.id, version, b.clone());
                (b.product.id.clone(), b)
            })
            .collect();
        Ok(ids
            .iter()
            .filter_map(|id| found.get(id.as_str()).or_else(|| loaded.get(id)).cloned())
            .collect())
    }

    /// The published products in `channels` of each of `categories`, as the Store shows them
    /// ([`CatalogService::load_for_store`]), oldest first; categories without any are left out.
    /// One query for the links and one load of the products, however many categories.
    pub async fn store_products_by_category(
        &self,
        categories: &[String],
        channels: &[String],
    ) -> CoreResult<HashMap<String, Vec<Arc<ProductBundle>>>> {
        let pairs = store::published_in_categories(&self.db, categories, channels).await?;
        self.group_for_store(pairs).await
    }

    /// The published products in `channels` of each of `collections`, as the Store shows them,
    /// oldest first; collections without any are left out.
    pub async fn store_products_by_collection(
        &self,
        collections: &[String],
        channels: &[String],
    ) -> CoreResult<HashMap<String, Vec<Arc<ProductBundle>>>> {
        let pairs = store::published_in_collections(&self.db, collections, channels).await?;
        self.group_for_store(pairs).await
    }

    /// `(owner, product id)` pairs to each owner's products, loaded once each.
    async fn group_for_store(
        &self,
        pairs: Vec<(String, String)>,
    ) -> CoreResult<HashMap<String, Vec<Arc<ProductBundle>>>> {
        let mut seen = HashSet::new();
        let ids: Vec<String> = pairs
            .iter()
            .filter(|(_, id)| seen.insert(id.as_str()))
            .map(|(_, id)| id.clone())
            .collect();
        let bundles: HashMap<String, Arc<ProductBundle>> = self
            .load_for_store(&ids)
            .await?
            .into_iter()
            .map(|b| (b.product.id.clone(), b))
            .collect();
        let mut out: HashMap<String, Vec<Arc<ProductBundle>>> = HashMap::new();
        for (owner, id) in pairs {
            if let Some(b) = bundles.get(&id) {
                out.entry(owner).or_default().push(b.clone());
            }
        }
        Ok(out)
    }

    /// What a cart line needs of a variant (see [`LineSource`]); `None` when it or its product is gone.
    pub async fn line_source(&self, variant_id: &str) -> CoreResult<Option<LineSource>> {
        Ok(store::line_source(&self.db, variant_id).await?)
    }

    /// One product with every relation, or not found.
    pub async fn get(&self, id: &str) -> CoreResult<ProductBundle> {
        store::load(&self.db, &[id.to_string()], Relations::all())
            .await?
            .pop()
            .ok_or_else(|| {
                DomainError::not_found(format!("Product with id: {id} was not found")).into()
            })
    }

    pub async fn create(&self, input: NewProduct) -> CoreResult<ProductBundle> {
        let title = input.title.trim().to_string();
        if title.is_empty() {
            return Err(DomainError::invalid("title must not be empty").into());
        }
        let handle = match input.handle {
            Some(h) => h,
            None => slugify(&title),
        };
        validate_handle(&handle)?;
        let mut options = input.options;
        let mut variants = input.variants;
        if options.is_empty() && variants.len() <= 1 {
            // Medusa's convention: a product without options gets one default option.
            options.push(("Default option".into(), vec!["Default option value".into()]));
            for v in &mut variants {
                v.options
                    .insert("Default option".into(), "Default option value".into());
            }
        }
        let mut titles = HashSet::new();
        for (t, values) in &options {
            if t.trim().is_empty() || !titles.insert(t.clone()) {
                return Err(DomainError::invalid(format!(
                    "option titles must be unique and not empty ({t:?})"
                ))
                .into());
            }
            let unique: HashSet<&String> = values.iter().collect();
            if values.is_empty()
                || unique.len() != values.len()
                || values.iter().any(|v| v.trim().is_empty())
            {
                return Err(DomainError::invalid(format!(
                    "option {t:?} needs distinct, non-empty values"
                ))
                .into());
            }
        }
        let mut combos = HashSet::new();
        for v in &variants {
            for (t, value) in &v.options {
                let Some((_, values)) = options.iter().find(|(ot, _)| ot == t) else {
                    return Err(DomainError::invalid(format!(
                        "variant option {t:?} is not an option of the product"
                    ))
                    .into());
                };
                if !values.contains(value) {
                    return Err(DomainError::invalid(format!(
                        "{value:?} is not a value of option {t:?}"
                    ))
                    .into());
                }
            }
            if v.options.len() != options.len() {
                return Err(DomainError::invalid(
                    "each variant must set a value for every option of the product",
                )
                .into());
            }
            if !combos.insert(v.options.clone()) {
                return Err(DomainError::invalid(format!(
                    "two variants have the same options {:?}",
                    v.options
                ))
                .into());
            }
            crate::pricing::validate_prices(&v.prices)?;
        }

        let at = now();
        let product = Product {
            id: new_id(prefix::PRODUCT),
            title: title.clone(),
            subtitle: input.subtitle,
            description: input.description,
            handle,
            status: input.status.unwrap_or(ProductStatus::Draft),
            is_giftcard: input.is_giftcard,
            discountable: input.discountable.unwrap_or(true),
            thumbnail: input.thumbnail.or_else(|| input.images.first().cloned()),
            collection_id: input.collection_id,
            type_id: input.type_id,
            physical: input.physical,
            external_id: input.external_id,
            metadata: input.metadata,
            created_at: at,
            updated_at: at,
            deleted_at: None,
        };
        let mut tx = self.db.begin().await?;
        if let Some(c) = &product.collection_id {
            check_exist(
                &mut tx,
                "product_collection",
                "Collection",
                std::slice::from_ref(c),
            )
            .await?;
        }
        if let Some(t) = &product.type_id {
            check_exist(
                &mut tx,
                "product_type",
                "Product type",
                std::slice::from_ref(t),
            )
            .await?;
        }
        check_exist(&mut tx, "product_tag", "Tag", &input.tag_ids).await?;
        check_exist(&mut tx, "product_category", "Category", &input.category_ids).await?;
        check_exist(
            &mut tx,
            "sales_channel",
            "Sales channel",
            &input.sales_channel_ids,
        )
        .await?;
        store::insert_product(&mut tx, &product)
            .await
            .map_err(|e| duplicate_or(e, &format!("Product with handle: {}", product.handle)))?;
        let mut value_ids: BTreeMap<(String, String), String> = BTreeMap::new();
        for (rank, (t, values)) in options.iter().enumerate() {
            let option = ProductOption {
                id: new_id(prefix::OPTION),
                product_id: product.id.clone(),
                title: t.clone(),
                rank: rank as i64,
                metadata: None,
                created_at: at,
                updated_at: at,
            };
            store::insert_option(&mut tx, &option).await?;
            for (vrank, value) in values.iter().enumerate() {
                let v = OptionValue {
                    id: new_id(prefix::OPTION_VALUE),
                    option_id: option.id.clone(),
                    value: value.clone(),
                    rank: vrank as i64,
                    metadata: None,
                    created_at: at,
                    updated_at: at,
                };
                store::insert_value(&mut tx, &v).await?;
                value_ids.insert((t.clone(), value.clone()), v.id);
            }
        }
        for (rank, v) in variants.into_iter().enumerate() {
            self.insert_variant(&mut tx, &product, v, rank as i64, &value_ids)
                .await?;
        }
        for (rank, url) in input.images.iter().enumerate() {
            store::insert_image(
                &mut tx,
                &Image {
                    id: new_id(prefix::IMAGE),
                    product_id: product.id.clone(),
                    url: url.clone(),
                    rank: rank as i64,
                    metadata: None,
                    created_at: at,
                    updated_at: at,
                },
            )
            .await?;
        }
        store::set_links(
            &mut tx,
            "product_tag_link",
            "tag_id",
            &product.id,
            &input.tag_ids,
        )
        .await?;
        store::set_links(
            &mut tx,
            "product_category_link",
            "category_id",
            &product.id,
            &input.category_ids,
        )
        .await?;
        store::set_links(
            &mut tx,
            "product_sales_channel",
            "sales_channel_id",
            &product.id,
            &input.sales_channel_ids,
        )
        .await?;
        append(
            &mut tx,
            NewEvent::new(
                "product.created",
                "product",
                &product.id,
                json!({"id": product.id}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.get(&product.id).await
    }

    async fn insert_variant(
        &self,
        tx: &mut Tx,
        product: &Product,
        v: NewVariant,
        rank: i64,
        value_ids: &BTreeMap<(String, String), String>,
    ) -> CoreResult<Variant> {
        let at = now();
        let title = v.title.clone().unwrap_or_else(|| {
            if v.options.is_empty() {
                product.title.clone()
            } else {
                v.options.values().cloned().collect::<Vec<_>>().join(" / ")
            }
        });
        let variant = Variant {
            id: new_id(prefix::VARIANT),
            product_id: product.id.clone(),
            title,
            sku: v.sku,
            barcode: v.barcode,
            ean: v.ean,
            upc: v.upc,
            allow_backorder: v.allow_backorder,
            manage_inventory: v.manage_inventory,
            physical: v.physical,
            variant_rank: v.variant_rank.unwrap_or(rank),
            thumbnail: v.thumbnail,
            metadata: v.metadata,
            created_at: at,
            updated_at: at,
            deleted_at: None,
        };
        let ids: Vec<String> = v
            .options
            .iter()
            .filter_map(|(t, value)| value_ids.get(&(t.clone(), value.clone())).cloned())
            .collect();
        store::insert_variant(tx, &variant, &ids)
            .await
            .map_err(|e| {
                duplicate_or(
                    e,
                    &format!(
                        "Variant with sku: {}",
                        variant.sku.clone().unwrap_or_default()
                    ),
                )
            })?;
        PricingService::create_price_set(tx, &variant.id, &v.prices).await?;
        if variant.manage_inventory {
            crate::inventory::create_item_for_variant(
                tx,
                &variant.id,
                variant.sku.as_deref(),
                &format!("{} {}", product.title, variant.title),
                at,
            )
            .await
            .map_err(|e| {
                duplicate_or(
                    e,
                    &format!(
                        "Inventory item with sku: {}",
                        variant.sku.clone().unwrap_or_default()
                    ),
                )
            })?;
        }
        append(
            tx,
            NewEvent::new(
                "product_variant.created",
                "product",
                &product.id,
                json!({"id": variant.id, "product_id": product.id}),
            ),
        )
        .await?;
        Ok(variant)
    }

    /// Adds a variant to an existing product; its options are matched by title and value.
    pub async fn add_variant(&self, product_id: &str, v: NewVariant) -> CoreResult<ProductBundle> {
        let bundle = self.get(product_id).await?;
        crate::pricing::validate_prices(&v.prices)?;
        let mut value_ids = BTreeMap::new();
        for o in &bundle.options {
            for val in &o.values {
                value_ids.insert((o.option.title.clone(), val.value.clone()), val.id.clone());
            }
        }
        for (t, value) in &v.options {
            if !value_ids.contains_key(&(t.clone(), value.clone())) {
                return Err(DomainError::invalid(format!(
                    "{value:?} is not a value of option {t:?}"
                ))
                .into());
            }
        }
        if v.options.len() != bundle.options.len() {
            return Err(DomainError::invalid(
                "the variant must set a value for every option of the product",
            )
            .into());
        }
        let taken = bundle.variants.iter().any(|existing| {
            existing.options.len() == v.options.len()
                && existing
                    .options
                    .iter()
                    .all(|(val, opt)| v.options.get(&opt.title) == Some(&val.value))
        });
        if taken {
            return Err(DomainError::invalid(format!(
                "a variant with options {:?} already exists",
                v.options
            ))
            .into());
        }
        let mut tx = self.db.begin().await?;
        let rank = bundle.variants.len() as i64;
        self.insert_variant(&mut tx, &bundle.product, v, rank, &value_ids)
            .await?;
        product_updated(&mut tx, product_id, None).await?;
        tx.commit().await?;
        self.get(product_id).await
    }

    /// Replaces a variant's base prices.
    /// Changes a variant's own fields and (when given) replaces its base prices, in one
    /// transaction. Only the fields given are written, so concurrent edits of different fields
    /// do not undo each other.
    pub async fn update_variant(
        &self,
        product_id: &str,
        variant_id: &str,
        c: VariantChanges,
    ) -> CoreResult<ProductBundle> {
        if c.title.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(DomainError::invalid("title must not be empty").into());
        }
        if let Some(prices) = &c.prices {
            crate::pricing::validate_prices(prices)?;
        }
        let mut sets: Vec<&str> = Vec::new();
        let mut args: Vec<merx_db::Value> = Vec::new();
        let mut set = |column: &'static str, value: merx_db::Value| {
            sets.push(column);
            args.push(value);
        };
        if let Some(t) = c.title {
            set("title", t.trim().to_string().into());
        }
        for (column, value) in [
            ("sku", c.sku),
            ("barcode", c.barcode),
            ("ean", c.ean),
            ("upc", c.upc),
            ("thumbnail", c.thumbnail),
            ("hs_code", c.hs_code),
            ("origin_country", c.origin_country),
            ("mid_code", c.mid_code),
            ("material", c.material),
        ] {
            if let Some(v) = value {
                set(column, v.into());
            }
        }
        for (column, value) in [
            ("weight", c.weight),
            ("length", c.length),
            ("height", c.height),
            ("width", c.width),
        ] {
            if let Some(v) = value {
                if v.is_some_and(|n| n < 0) {
                    return Err(
                        DomainError::invalid(format!("{column} must not be negative")).into(),
                    );
                }
                set(column, v.into());
            }
        }
        if let Some(b) = c.allow_backorder {
            set("allow_backorder", b.into());
        }
        if let Some(b) = c.manage_inventory {
            set("manage_inventory", b.into());
        }
        if let Some(m) = c.metadata {
            set("metadata", m.into());
        }
        set("updated_at", now().into());
        let assignments: Vec<String> = sets.iter().map(|c| format!("{c} = ?")).collect();
        args.push(variant_id.into());
        args.push(product_id.into());
        let mut tx = self.db.begin().await?;
        let written = tx
            .execute(merx_db::Query::from_parts(
                format!(
                    "UPDATE product_variant SET {} WHERE id = ? AND product_id = ? AND deleted_at IS NULL",
                    assignments.join(", ")
                ),
                args,
            ))
            .await
            .map_err(|e| duplicate_or(e, "A variant with this sku"))?;
        if written == 0 {
            return Err(variant_not_found(variant_id));
        }
        if let Some(prices) = &c.prices {
            PricingService::replace_base_prices(&mut tx, variant_id, prices).await?;
        }
        variant_changed(&mut tx, product_id, variant_id, "product_variant.updated").await?;
        tx.commit().await?;
        self.get(product_id).await
    }

    /// Deletes a variant (softly: orders keep what they snapshot of it). Carts holding it can no
    /// longer be completed with it.
    pub async fn delete_variant(&self, product_id: &str, variant_id: &str) -> CoreResult<()> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let written = tx
            .execute(
                merx_db::query("UPDATE product_variant SET deleted_at = ?, updated_at = ? WHERE id = ? AND product_id = ? AND deleted_at IS NULL")
                    .bind(at)
                    .bind(at)
                    .bind(variant_id)
                    .bind(product_id),
            )
            .await?;
        if written == 0 {
            return Err(variant_not_found(variant_id));
        }
        variant_changed(&mut tx, product_id, variant_id, "product_variant.deleted").await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn update(&self, id: &str, c: ProductChanges) -> CoreResult<ProductBundle> {
        let mut tx = self.db.begin().await?;
        let mut p = store::get_product_in(&mut tx, id).await?.ok_or_else(|| {
            DomainError::not_found(format!("Product with id: {id} was not found"))
        })?;
        if let Some(t) = c.title {
            if t.trim().is_empty() {
                return Err(DomainError::invalid("title must not be empty").into());
            }
            p.title = t;
        }
        if let Some(h) = c.handle {
            validate_handle(&h)?;
            p.handle = h;
        }
        if let Some(v) = c.subtitle {
            p.subtitle = v;
        }
        if let Some(v) = c.description {
            p.description = v;
        }
        if let Some(v) = c.status {
            p.status = v;
        }
        if let Some(v) = c.discountable {
            p.discountable = v;
        }
        if let Some(v) = c.thumbnail {
            p.thumbnail = v;
        }
        if let Some(v) = c.collection_id {
            if let Some(cid) = &v {
                check_exist(
                    &mut tx,
                    "product_collection",
                    "Collection",
                    std::slice::from_ref(cid),
                )
                .await?;
            }
            p.collection_id = v;
        }
        if let Some(v) = c.type_id {
            if let Some(tid) = &v {
                check_exist(
                    &mut tx,
                    "product_type",
                    "Product type",
                    std::slice::from_ref(tid),
                )
                .await?;
            }
            p.type_id = v;
        }
        if let Some(v) = c.metadata {
            p.metadata = v;
        }
        p.updated_at = now();
        store::update_product(&mut tx, &p)
            .await
            .map_err(|e| duplicate_or(e, &format!("Product with handle: {}", p.handle)))?;
        if let Some(ids) = c.tag_ids {
            check_exist(&mut tx, "product_tag", "Tag", &ids).await?;
            store::set_links(&mut tx, "product_tag_link", "tag_id", id, &ids).await?;
        }
        if let Some(ids) = c.category_ids {
            check_exist(&mut tx, "product_category", "Category", &ids).await?;
            store::set_links(&mut tx, "product_category_link", "category_id", id, &ids).await?;
        }
        if let Some(ids) = c.sales_channel_ids {
            check_exist(&mut tx, "sales_channel", "Sales channel", &ids).await?;
            store::set_links(
                &mut tx,
                "product_sales_channel",
                "sales_channel_id",
                id,
                &ids,
            )
            .await?;
        }
        if let Some(urls) = c.images {
            if urls.iter().any(|u| u.trim().is_empty()) {
                return Err(DomainError::invalid("an image url must not be empty").into());
            }
            let at = now();
            store::remove_images(&mut tx, id, at).await?;
            for (rank, url) in urls.iter().enumerate() {
                store::insert_image(
                    &mut tx,
                    &Image {
                        id: new_id(prefix::IMAGE),
                        product_id: id.to_string(),
                        url: url.trim().to_string(),
                        rank: rank as i64,
                        metadata: None,
                        created_at: at,
                        updated_at: at,
                    },
                )
                .await?;
            }
        }
        product_updated(&mut tx, id, None).await?;
        tx.commit().await?;
        self.get(id).await
    }

    pub async fn delete(&self, id: &str) -> CoreResult<()> {
        let mut tx = self.db.begin().await?;
        if !store::soft_delete_product(&mut tx, id, now()).await? {
            return Err(
                DomainError::not_found(format!("Product with id: {id} was not found")).into(),
            );
        }
        append(
            &mut tx,
            NewEvent::new("product.deleted", "product", id, json!({"id": id})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Red T-Shirt (XL)"), "red-t-shirt-xl");
        assert_eq!(slugify("  Café  Crème "), "caf-cr-me");
        assert_eq!(slugify("---"), "");
    }
}
