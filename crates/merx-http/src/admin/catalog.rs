//! `/admin/products`, `/admin/collections`, `/admin/product-categories`, `/admin/product-tags`,
//! `/admin/product-types` in Medusa's shapes.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use axum::extract::{Path, State};
use axum::http::Method;
use axum::Json;
use merx_core::auth::Permission;
use merx_core::catalog::{
    Category, CategoryInput, Collection, Label, LabelKind, NewProduct, NewVariant, Physical,
    ProductBundle, ProductChanges, ProductFilter, ProductOrder, ProductStatus, Relations,
    TaxonomyFilter, VariantChanges,
};
use merx_core::pricing::calc::Candidate;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use super::AdminRoutes;
use crate::bodies::PriceBody;
use crate::dto::{answer, double_option, list_answer, Deleted};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::extract::ListQuery;
use crate::fields::Selection;
use crate::qs::Qs;
use crate::render::{
    self, category_json, collection_json, label_json, ProductView, VariantExtras, VariantView,
    CATEGORY, COLLECTION, LABEL,
};
use crate::views::catalog::{
    AdminVariantPrice, ProductCategoryAnswer, ProductCategoryList, ProductCollectionAnswer,
    ProductCollectionList, ProductShape, ProductTagAnswer, ProductTagList, ProductTypeAnswer,
    ProductTypeList, SalesChannelLink,
};
use crate::AppState;

const READ: Permission = Permission::read("products");
const WRITE: Permission = Permission::write("products");
const CAT_READ: Permission = Permission::read("categories");
const CAT_WRITE: Permission = Permission::write("categories");
const COL_READ: Permission = Permission::read("collections");
const COL_WRITE: Permission = Permission::write("collections");

pub(crate) fn routes(r: AdminRoutes) -> AdminRoutes {
    r.add(Method::GET, "/admin/products", READ, list_products)
        .add(Method::POST, "/admin/products", WRITE, create_product)
        .add(Method::GET, "/admin/products/{id}", READ, retrieve_product)
        .add(Method::POST, "/admin/products/{id}", WRITE, update_product)
        .add(
            Method::DELETE,
            "/admin/products/{id}",
            WRITE,
            delete_product,
        )
        .add(
            Method::POST,
            "/admin/products/{id}/variants",
            WRITE,
            add_variant,
        )
        .add(
            Method::POST,
            "/admin/products/{id}/variants/{variant_id}",
            WRITE,
            update_variant,
        )
        .add(
            Method::DELETE,
            "/admin/products/{id}/variants/{variant_id}",
            WRITE,
            delete_variant,
        )
        .add(
            Method::POST,
            "/admin/products/{id}/options",
            WRITE,
            add_option,
        )
        .add(
            Method::POST,
            "/admin/products/{id}/options/{option_id}",
            WRITE,
            update_option,
        )
        .add(
            Method::DELETE,
            "/admin/products/{id}/options/{option_id}",
            WRITE,
            delete_option,
        )
        .add(
            Method::GET,
            "/admin/collections",
            COL_READ,
            list_collections,
        )
        .add(
            Method::POST,
            "/admin/collections",
            COL_WRITE,
            create_collection,
        )
        .add(
            Method::GET,
            "/admin/collections/{id}",
            COL_READ,
            retrieve_collection,
        )
        .add(
            Method::POST,
            "/admin/collections/{id}",
            COL_WRITE,
            update_collection,
        )
        .add(
            Method::DELETE,
            "/admin/collections/{id}",
            COL_WRITE,
            delete_collection,
        )
        .add(
            Method::GET,
            "/admin/product-categories",
            CAT_READ,
            list_categories,
        )
        .add(
            Method::POST,
            "/admin/product-categories",
            CAT_WRITE,
            create_category,
        )
        .add(
            Method::GET,
            "/admin/product-categories/{id}",
            CAT_READ,
            retrieve_category,
        )
        .add(
            Method::POST,
            "/admin/product-categories/{id}",
            CAT_WRITE,
            update_category,
        )
        .add(
            Method::DELETE,
            "/admin/product-categories/{id}",
            CAT_WRITE,
            delete_category,
        )
        .add(Method::GET, "/admin/product-tags", READ, list_tags)
        .add(Method::POST, "/admin/product-tags", WRITE, create_tag)
        .add(Method::GET, "/admin/product-tags/{id}", READ, retrieve_tag)
        .add(Method::POST, "/admin/product-tags/{id}", WRITE, update_tag)
        .add(
            Method::DELETE,
            "/admin/product-tags/{id}",
            WRITE,
            delete_tag,
        )
        .add(Method::GET, "/admin/product-types", READ, list_types)
        .add(Method::POST, "/admin/product-types", WRITE, create_type)
        .add(
            Method::GET,
            "/admin/product-types/{id}",
            READ,
            retrieve_type,
        )
        .add(
            Method::POST,
            "/admin/product-types/{id}",
            WRITE,
            update_type,
        )
        .add(
            Method::DELETE,
            "/admin/product-types/{id}",
            WRITE,
            delete_type,
        )
}

// ---------- bodies

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdRef {
    pub id: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionBody {
    pub title: String,
    pub values: Vec<String>,
}

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantBody {
    pub title: Option<String>,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub ean: Option<String>,
    pub upc: Option<String>,
    pub allow_backorder: Option<bool>,
    pub manage_inventory: Option<bool>,
    pub variant_rank: Option<i64>,
    pub thumbnail: Option<String>,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    #[serde(default)]
    pub prices: Vec<PriceBody>,
    pub weight: Option<i64>,
    pub length: Option<i64>,
    pub height: Option<i64>,
    pub width: Option<i64>,
    pub hs_code: Option<String>,
    pub origin_country: Option<String>,
    pub mid_code: Option<String>,
    pub material: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::metadata")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

impl VariantBody {
    fn into_variant(self) -> Result<NewVariant, ApiError> {
        Ok(NewVariant {
            title: self.title,
            sku: self.sku,
            barcode: self.barcode,
            ean: self.ean,
            upc: self.upc,
            allow_backorder: self.allow_backorder.unwrap_or(false),
            manage_inventory: self.manage_inventory.unwrap_or(true),
            options: self.options,
            prices: self
                .prices
                .into_iter()
                .map(PriceBody::into_price)
                .collect::<Result<_, _>>()?,
            physical: Physical {
                weight: self.weight,
                length: self.length,
                height: self.height,
                width: self.width,
                hs_code: self.hs_code,
                origin_country: self.origin_country,
                mid_code: self.mid_code,
                material: self.material,
            },
            variant_rank: self.variant_rank,
            thumbnail: self.thumbnail,
            metadata: self.metadata,
        })
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageBody {
    pub url: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    pub title: String,
    pub subtitle: Option<String>,
    pub description: Option<String>,
    pub handle: Option<String>,
    pub status: Option<String>,
    pub is_giftcard: Option<bool>,
    pub discountable: Option<bool>,
    pub thumbnail: Option<String>,
    #[serde(default)]
    pub images: Vec<ImageBody>,
    #[serde(default)]
    pub options: Vec<OptionBody>,
    #[serde(default)]
    pub variants: Vec<VariantBody>,
    pub collection_id: Option<String>,
    pub type_id: Option<String>,
    #[serde(default)]
    pub tags: Vec<IdRef>,
    #[serde(default)]
    pub categories: Vec<IdRef>,
    #[serde(default)]
    pub sales_channels: Vec<IdRef>,
    pub weight: Option<i64>,
    pub length: Option<i64>,
    pub height: Option<i64>,
    pub width: Option<i64>,
    pub hs_code: Option<String>,
    pub origin_country: Option<String>,
    pub mid_code: Option<String>,
    pub material: Option<String>,
    pub external_id: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::metadata")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

fn status(s: &str) -> Result<ProductStatus, ApiError> {
    ProductStatus::parse(s).ok_or_else(|| {
        ApiError::invalid(format!(
            "status must be draft, proposed, published or rejected, not {s:?}"
        ))
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProduct {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub subtitle: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub description: Option<Option<String>>,
    pub handle: Option<String>,
    pub status: Option<String>,
    pub discountable: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    pub thumbnail: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub collection_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub type_id: Option<Option<String>>,
    pub tags: Option<Vec<IdRef>>,
    pub categories: Option<Vec<IdRef>>,
    pub sales_channels: Option<Vec<IdRef>>,
    pub images: Option<Vec<ImageBody>>,
    #[serde(default, deserialize_with = "crate::dto::metadata_patch")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateVariant {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub sku: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub barcode: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub ean: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub upc: Option<Option<String>>,
    pub allow_backorder: Option<bool>,
    pub manage_inventory: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    pub thumbnail: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub hs_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub origin_country: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub mid_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub material: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub weight: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    pub length: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    pub height: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    pub width: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::dto::metadata_patch")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
    pub prices: Option<Vec<PriceBody>>,
}

fn ids(refs: Vec<IdRef>) -> Vec<String> {
    refs.into_iter().map(|r| r.id).collect()
}

// ---------- products

/// A product as the Admin API renders it: every field, variants with all their prices, and the
/// sales channels it is sold in.
#[derive(Debug)]
pub struct AdminProduct {
    bundle: ProductBundle,
    /// Each variant's prices, by variant id.
    prices: HashMap<String, Vec<AdminVariantPrice>>,
}

/// The Admin's product fields (the Store's defaults with categories, and `status`, `metadata`
/// and `external_id`), and apart from them the variants' (rendered each with its prices).
static ADMIN_SELECTION: LazyLock<(Selection, Selection)> = LazyLock::new(|| {
    let mut sel = render::default_product_selection(true);
    for f in ["status", "metadata", "external_id"] {
        sel.scalars.insert(f);
    }
    let variants = sel.relations.remove("variants").unwrap_or_default();
    (sel, variants)
});

impl Serialize for AdminProduct {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Variant<'a> {
            #[serde(flatten)]
            variant: VariantView<'a>,
            prices: &'a [AdminVariantPrice],
        }
        #[derive(Serialize)]
        struct Product<'a> {
            #[serde(flatten)]
            product: ProductView<'a>,
            variants: Vec<Variant<'a>>,
            sales_channels: Vec<SalesChannelLink>,
        }
        let (sel, variant_sel) = &*ADMIN_SELECTION;
        // The Admin selection asks for no computed field (price in context, stock).
        let extras = VariantExtras::default();
        let b = &self.bundle;
        Product {
            product: ProductView {
                bundle: b,
                sel,
                extras: &extras,
            },
            variants: b
                .variants
                .iter()
                .map(|v| Variant {
                    variant: VariantView {
                        variant: v,
                        sel: variant_sel,
                        extras: &extras,
                    },
                    prices: self
                        .prices
                        .get(&v.variant.id)
                        .map(Vec::as_slice)
                        .unwrap_or_default(),
                })
                .collect(),
            sales_channels: b
                .sales_channel_ids
                .iter()
                .map(SalesChannelLink::new)
                .collect(),
        }
        .serialize(s)
    }
}

/// The bundles as the Admin renders them, with their variants' prices.
async fn admin_products(s: &AppState, bundles: Vec<ProductBundle>) -> ApiResult<Vec<AdminProduct>> {
    let variant_ids: Vec<String> = bundles
        .iter()
        .flat_map(|b| b.variants.iter().map(|v| v.variant.id.clone()))
        .collect();
    let all = s.core.pricing.all_prices(&variant_ids).await?;
    Ok(bundles
        .into_iter()
        .map(|bundle| AdminProduct::new(bundle, &all))
        .collect())
}

impl AdminProduct {
    /// `bundle` with its variants' prices out of `all` (price set and prices, by variant id).
    fn new(bundle: ProductBundle, all: &HashMap<String, (String, Vec<Candidate>)>) -> Self {
        let prices = bundle
            .variants
            .iter()
            .filter_map(|v| {
                let (_, candidates) = all.get(&v.variant.id)?;
                let list = candidates.iter().map(AdminVariantPrice::from).collect();
                Some((v.variant.id.clone(), list))
            })
            .collect();
        Self { bundle, prices }
    }
}

async fn admin_product(s: &AppState, bundle: ProductBundle) -> ApiResult<AdminProduct> {
    let mut products = admin_products(s, vec![bundle]).await?;
    products
        .pop()
        .ok_or_else(|| ApiError::internal(&"no product rendered"))
}

answer!(AdminProductAnswer {
    #[schema(value_type = ProductShape)]
    product: AdminProduct
});

list_answer!(AdminProductList {
    #[schema(value_type = Vec<ProductShape>)]
    products: AdminProduct
});

/// Medusa's answer to deleting part of a product: what went, and the product as it now is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProductPartDeleted {
    pub id: String,
    /// `variant` or `product_option`.
    pub object: &'static str,
    pub deleted: bool,
    #[schema(value_type = ProductShape)]
    pub parent: AdminProduct,
}

pub async fn list_products(
    State(s): State<AppState>,
    ListQuery { qs, page }: ListQuery<50>,
) -> ApiResult<Json<AdminProductList>> {
    let statuses = qs
        .list("status")?
        .iter()
        .map(|x| status(x))
        .collect::<Result<_, _>>()?;
    let channels = qs.list("sales_channel_id")?;
    let (order, descending) = match qs.str("order")? {
        None => (ProductOrder::CreatedAt, false),
        Some(o) => {
            let (f, d) = o.strip_prefix('-').map(|f| (f, true)).unwrap_or((o, false));
            (
                ProductOrder::parse(f).ok_or_else(|| {
                    ApiError::invalid(format!("Invalid request: cannot order by {f:?}"))
                })?,
                d,
            )
        }
    };
    let filter = ProductFilter {
        ids: qs.list("id")?,
        handles: qs.list("handle")?,
        collection_ids: qs.list("collection_id")?,
        category_ids: qs.list("category_id")?,
        tag_ids: qs.list("tag_id")?,
        type_ids: qs.list("type_id")?,
        q: qs.str("q")?.map(str::to_string),
        statuses,
        sales_channel_ids: (!channels.is_empty()).then_some(channels),
        order,
        descending,
        ..ProductFilter::default()
    };
    let page = s.core.catalog.list_ids(&filter, page).await?;
    let bundles = s.core.catalog.load(&page.items, Relations::all()).await?;
    let items = admin_products(&s, bundles).await?;
    Ok(Json(AdminProductList::new(items, &page)))
}

async fn one(s: &AppState, b: ProductBundle) -> ApiResult<Json<AdminProductAnswer>> {
    Ok(Json(AdminProductAnswer {
        product: admin_product(s, b).await?,
    }))
}

pub async fn create_product(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<CreateProduct>,
) -> ApiResult<Json<AdminProductAnswer>> {
    let input = NewProduct {
        title: b.title,
        subtitle: b.subtitle,
        description: b.description,
        handle: b.handle,
        status: b.status.as_deref().map(status).transpose()?,
        is_giftcard: b.is_giftcard.unwrap_or(false),
        discountable: b.discountable,
        thumbnail: b.thumbnail,
        images: b.images.into_iter().map(|i| i.url).collect(),
        options: b.options.into_iter().map(|o| (o.title, o.values)).collect(),
        variants: b
            .variants
            .into_iter()
            .map(VariantBody::into_variant)
            .collect::<Result<_, _>>()?,
        collection_id: b.collection_id,
        type_id: b.type_id,
        tag_ids: ids(b.tags),
        category_ids: ids(b.categories),
        sales_channel_ids: ids(b.sales_channels),
        physical: Physical {
            weight: b.weight,
            length: b.length,
            height: b.height,
            width: b.width,
            hs_code: b.hs_code,
            origin_country: b.origin_country,
            mid_code: b.mid_code,
            material: b.material,
        },
        external_id: b.external_id,
        metadata: b.metadata,
    };
    let bundle = s.core.catalog.create(input).await?;
    one(&s, bundle).await
}

pub async fn retrieve_product(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminProductAnswer>> {
    let b = s.core.catalog.get(&id).await?;
    one(&s, b).await
}

pub async fn update_product(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<UpdateProduct>,
) -> ApiResult<Json<AdminProductAnswer>> {
    let changes = ProductChanges {
        title: b.title,
        subtitle: b.subtitle,
        description: b.description,
        handle: b.handle,
        status: b.status.as_deref().map(status).transpose()?,
        discountable: b.discountable,
        thumbnail: b.thumbnail,
        collection_id: b.collection_id,
        type_id: b.type_id,
        tag_ids: b.tags.map(ids),
        category_ids: b.categories.map(ids),
        sales_channel_ids: b.sales_channels.map(ids),
        images: b
            .images
            .map(|list| list.into_iter().map(|i| i.url).collect()),
        metadata: b.metadata,
    };
    let bundle = s.core.catalog.update(&id, changes).await?;
    one(&s, bundle).await
}

pub async fn delete_product(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.catalog.delete(&id).await?;
    Ok(Json(Deleted::new(id, "product")))
}

pub async fn add_variant(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<VariantBody>,
) -> ApiResult<Json<AdminProductAnswer>> {
    let bundle = s.core.catalog.add_variant(&id, b.into_variant()?).await?;
    one(&s, bundle).await
}

pub async fn update_variant(
    State(s): State<AppState>,
    Path((id, variant_id)): Path<(String, String)>,
    ApiJson(b): ApiJson<UpdateVariant>,
) -> ApiResult<Json<AdminProductAnswer>> {
    let prices = match b.prices {
        Some(list) => Some(
            list.into_iter()
                .map(PriceBody::into_price)
                .collect::<Result<_, _>>()?,
        ),
        None => None,
    };
    let changes = VariantChanges {
        title: b.title,
        sku: b.sku,
        barcode: b.barcode,
        ean: b.ean,
        upc: b.upc,
        allow_backorder: b.allow_backorder,
        manage_inventory: b.manage_inventory,
        thumbnail: b.thumbnail,
        hs_code: b.hs_code,
        origin_country: b.origin_country,
        mid_code: b.mid_code,
        material: b.material,
        weight: b.weight,
        length: b.length,
        height: b.height,
        width: b.width,
        metadata: b.metadata,
        prices,
    };
    let bundle = s
        .core
        .catalog
        .update_variant(&id, &variant_id, changes)
        .await?;
    one(&s, bundle).await
}

/// Deletes a variant; Medusa answers with the product as it now is under `parent`.
pub async fn delete_variant(
    State(s): State<AppState>,
    Path((id, variant_id)): Path<(String, String)>,
) -> ApiResult<Json<ProductPartDeleted>> {
    s.core.catalog.delete_variant(&id, &variant_id).await?;
    deleted_part(&s, &id, &variant_id, "variant").await
}

/// Medusa's answer to deleting part of a product: what went, and the product as it now is.
async fn deleted_part(
    s: &AppState,
    product_id: &str,
    part_id: &str,
    object: &'static str,
) -> ApiResult<Json<ProductPartDeleted>> {
    let bundle = s.core.catalog.get(product_id).await?;
    Ok(Json(ProductPartDeleted {
        id: part_id.to_string(),
        object,
        deleted: true,
        parent: admin_product(s, bundle).await?,
    }))
}

// ---------- options

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOptionBody {
    pub title: String,
    pub values: Vec<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionChanges {
    pub title: Option<String>,
    pub values: Option<Vec<String>>,
}

pub async fn add_option(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewOptionBody>,
) -> ApiResult<Json<AdminProductAnswer>> {
    let bundle = s.core.catalog.add_option(&id, &b.title, &b.values).await?;
    one(&s, bundle).await
}

pub async fn update_option(
    State(s): State<AppState>,
    Path((id, option_id)): Path<(String, String)>,
    ApiJson(b): ApiJson<OptionChanges>,
) -> ApiResult<Json<AdminProductAnswer>> {
    let bundle = s
        .core
        .catalog
        .update_option(&id, &option_id, b.title, b.values)
        .await?;
    one(&s, bundle).await
}

/// Deletes an option; Medusa answers with the product as it now is under `parent`.
pub async fn delete_option(
    State(s): State<AppState>,
    Path((id, option_id)): Path<(String, String)>,
) -> ApiResult<Json<ProductPartDeleted>> {
    s.core.catalog.delete_option(&id, &option_id).await?;
    deleted_part(&s, &id, &option_id, "product_option").await
}

// ---------- collections

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectionBody {
    pub title: Option<String>,
    pub handle: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::metadata_patch")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

fn filter(qs: &Qs, names: &str) -> ApiResult<TaxonomyFilter> {
    Ok(TaxonomyFilter {
        ids: qs.list("id")?,
        names: qs.list(names)?,
        q: qs.str("q")?.map(str::to_string),
        parent_category_id: None,
        public_only: false,
        ..TaxonomyFilter::default()
    })
}

fn collection(c: &Collection) -> Json<ProductCollectionAnswer> {
    Json(ProductCollectionAnswer {
        collection: collection_json(c, &Selection::all(&COLLECTION)),
    })
}

pub async fn list_collections(
    State(s): State<AppState>,
    ListQuery { qs, page }: ListQuery<20>,
) -> ApiResult<Json<ProductCollectionList>> {
    let page = s
        .core
        .taxonomy
        .collections(&filter(&qs, "handle")?, page)
        .await?;
    let sel = Selection::all(&COLLECTION);
    let items = page
        .items
        .iter()
        .map(|c| collection_json(c, &sel))
        .collect();
    Ok(Json(ProductCollectionList::new(items, &page)))
}

pub async fn create_collection(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<CollectionBody>,
) -> ApiResult<Json<ProductCollectionAnswer>> {
    let title = b
        .title
        .ok_or_else(|| ApiError::invalid("title is required"))?;
    let c = s
        .core
        .taxonomy
        .create_collection(&title, b.handle.as_deref(), b.metadata.flatten())
        .await?;
    Ok(collection(&c))
}

pub async fn retrieve_collection(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ProductCollectionAnswer>> {
    let c = s.core.taxonomy.collection(&id).await?;
    Ok(collection(&c))
}

pub async fn update_collection(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CollectionBody>,
) -> ApiResult<Json<ProductCollectionAnswer>> {
    let c = s
        .core
        .taxonomy
        .update_collection(&id, b.title, b.handle, b.metadata)
        .await?;
    Ok(collection(&c))
}

pub async fn delete_collection(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.taxonomy.delete_collection(&id).await?;
    Ok(Json(Deleted::new(id, "collection")))
}

// ---------- categories

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryBody {
    pub name: Option<String>,
    pub description: Option<String>,
    pub handle: Option<String>,
    pub parent_category_id: Option<String>,
    pub rank: Option<i64>,
    pub is_active: Option<bool>,
    pub is_internal: Option<bool>,
    #[serde(default, deserialize_with = "crate::dto::metadata")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

impl CategoryBody {
    fn input(self) -> CategoryInput {
        CategoryInput {
            name: self.name.unwrap_or_default(),
            description: self.description,
            handle: self.handle,
            parent_category_id: self.parent_category_id,
            rank: self.rank,
            is_active: self.is_active,
            is_internal: self.is_internal,
            metadata: self.metadata,
        }
    }
}

fn category_sel() -> Selection {
    let mut s = Selection::all(&CATEGORY);
    s.scalars.insert("is_active");
    s.scalars.insert("is_internal");
    s
}

fn category(c: &Category) -> Json<ProductCategoryAnswer> {
    Json(ProductCategoryAnswer {
        product_category: category_json(c, &category_sel()),
    })
}

pub async fn list_categories(
    State(s): State<AppState>,
    ListQuery { qs, page }: ListQuery<50>,
) -> ApiResult<Json<ProductCategoryList>> {
    let mut f = filter(&qs, "handle")?;
    f.parent_category_id = match qs.str("parent_category_id")? {
        None => None,
        Some("null") => Some(None),
        Some(p) => Some(Some(p.to_string())),
    };
    let page = s.core.taxonomy.categories(&f, page).await?;
    let sel = category_sel();
    let items = page.items.iter().map(|c| category_json(c, &sel)).collect();
    Ok(Json(ProductCategoryList::new(items, &page)))
}

pub async fn create_category(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<CategoryBody>,
) -> ApiResult<Json<ProductCategoryAnswer>> {
    if b.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(ApiError::invalid("name is required"));
    }
    let c = s.core.taxonomy.create_category(b.input()).await?;
    Ok(category(&c))
}

pub async fn retrieve_category(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ProductCategoryAnswer>> {
    let c = s.core.taxonomy.category(&id, false).await?;
    Ok(category(&c))
}

pub async fn update_category(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CategoryBody>,
) -> ApiResult<Json<ProductCategoryAnswer>> {
    let c = s.core.taxonomy.update_category(&id, b.input()).await?;
    Ok(category(&c))
}

pub async fn delete_category(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.taxonomy.delete_category(&id).await?;
    Ok(Json(Deleted::new(id, "product_category")))
}

// ---------- tags and types

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelBody {
    pub value: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::metadata_patch")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

/// A page of tags or types.
async fn list_labels(
    s: AppState,
    kind: LabelKind,
    ListQuery { qs, page }: ListQuery<50>,
) -> ApiResult<(Vec<Value>, merx_types::Page<Label>)> {
    let page = s
        .core
        .taxonomy
        .labels(kind, &filter(&qs, "value")?, page)
        .await?;
    let sel = Selection::all(&LABEL);
    let items = page.items.iter().map(|l| label_json(l, &sel)).collect();
    Ok((items, page))
}

async fn create_label(s: AppState, kind: LabelKind, b: LabelBody) -> ApiResult<Value> {
    let value = b
        .value
        .ok_or_else(|| ApiError::invalid("value is required"))?;
    let l = s
        .core
        .taxonomy
        .create_label(kind, &value, b.metadata.flatten())
        .await?;
    Ok(label(&l))
}

fn label(l: &Label) -> Value {
    label_json(l, &Selection::all(&LABEL))
}

pub async fn list_tags(
    State(s): State<AppState>,
    query: ListQuery<50>,
) -> ApiResult<Json<ProductTagList>> {
    let (items, page) = list_labels(s, LabelKind::Tag, query).await?;
    Ok(Json(ProductTagList::new(items, &page)))
}
pub async fn list_types(
    State(s): State<AppState>,
    query: ListQuery<50>,
) -> ApiResult<Json<ProductTypeList>> {
    let (items, page) = list_labels(s, LabelKind::Type, query).await?;
    Ok(Json(ProductTypeList::new(items, &page)))
}
pub async fn create_tag(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<LabelBody>,
) -> ApiResult<Json<ProductTagAnswer>> {
    Ok(Json(ProductTagAnswer {
        product_tag: create_label(s, LabelKind::Tag, b).await?,
    }))
}
pub async fn create_type(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<LabelBody>,
) -> ApiResult<Json<ProductTypeAnswer>> {
    Ok(Json(ProductTypeAnswer {
        product_type: create_label(s, LabelKind::Type, b).await?,
    }))
}
pub async fn retrieve_tag(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ProductTagAnswer>> {
    let l = s.core.taxonomy.label(LabelKind::Tag, &id).await?;
    Ok(Json(ProductTagAnswer {
        product_tag: label(&l),
    }))
}
pub async fn retrieve_type(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ProductTypeAnswer>> {
    let l = s.core.taxonomy.label(LabelKind::Type, &id).await?;
    Ok(Json(ProductTypeAnswer {
        product_type: label(&l),
    }))
}
pub async fn update_tag(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<LabelBody>,
) -> ApiResult<Json<ProductTagAnswer>> {
    let l = s
        .core
        .taxonomy
        .update_label(LabelKind::Tag, &id, b.value, b.metadata)
        .await?;
    Ok(Json(ProductTagAnswer {
        product_tag: label(&l),
    }))
}
pub async fn update_type(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<LabelBody>,
) -> ApiResult<Json<ProductTypeAnswer>> {
    let l = s
        .core
        .taxonomy
        .update_label(LabelKind::Type, &id, b.value, b.metadata)
        .await?;
    Ok(Json(ProductTypeAnswer {
        product_type: label(&l),
    }))
}
pub async fn delete_tag(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.taxonomy.delete_label(LabelKind::Tag, &id).await?;
    Ok(Json(Deleted::new(id, "product_tag")))
}
pub async fn delete_type(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.taxonomy.delete_label(LabelKind::Type, &id).await?;
    Ok(Json(Deleted::new(id, "product_type")))
}

#[cfg(test)]
mod tests {
    use merx_core::pricing::calc::{ListTerms, PriceListType};
    use serde_json::json;

    use super::*;
    use crate::render::tests::rich_bundle;
    use crate::views::catalog::undocumented;

    /// The rendering [`AdminProduct`] replaced: the Store's product as a `Value`, with every
    /// variant's prices and the sales channels put in.
    fn value_rendering(
        b: &ProductBundle,
        all: &HashMap<String, (String, Vec<Candidate>)>,
    ) -> Value {
        let mut sel = render::default_product_selection(true);
        for f in ["status", "metadata", "external_id"] {
            sel.scalars.insert(f);
        }
        let mut v = render::product_json(b, &sel, &VariantExtras::default());
        for variant in v["variants"].as_array_mut().unwrap() {
            let id = variant["id"].as_str().unwrap().to_string();
            let list: Vec<Value> = all
                .get(&id)
                .map(|(_, cs)| {
                    cs.iter()
                        .map(|c| {
                            let rules = match &c.region_id {
                                Some(r) => json!({"region_id": r}),
                                None => json!({}),
                            };
                            json!({
                                "id": c.id,
                                "currency_code": c.currency_code,
                                "amount": render::amount(c.amount, &c.currency_code),
                                "min_quantity": c.min_quantity,
                                "max_quantity": c.max_quantity,
                                "price_list_id": c.list.as_ref().map(|l| l.id.clone()),
                                "rules": rules,
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            variant["prices"] = Value::Array(list);
        }
        v["sales_channels"] = Value::Array(
            b.sales_channel_ids
                .iter()
                .map(|id| json!({"id": id}))
                .collect(),
        );
        v
    }

    #[test]
    fn admin_products_render_as_before_and_as_documented() {
        let mut b = rich_bundle();
        b.sales_channel_ids = vec!["sc_1".into(), "sc_2".into()];
        let price =
            |id: &str, currency: &str, amount, region: Option<&str>, list: bool| Candidate {
                id: id.into(),
                currency_code: currency.into(),
                amount,
                region_id: region.map(str::to_string),
                min_quantity: list.then_some(2),
                max_quantity: None,
                list: list.then(|| ListTerms {
                    id: "plist_1".into(),
                    list_type: PriceListType::Sale,
                    active: true,
                    starts_at: None,
                    ends_at: None,
                    customer_group_ids: vec![],
                }),
            };
        let all = HashMap::from([(
            "variant_a".to_string(),
            (
                "pset_1".to_string(),
                vec![
                    price("price_1", "eur", 2499, None, false),
                    price("price_2", "kwd", 1005, Some("reg_1"), false),
                    price("price_3", "jpy", 1500, None, true),
                ],
            ),
        )]);
        let product = AdminProduct::new(b.clone(), &all);
        let value = serde_json::to_value(&product).unwrap();
        assert_eq!(value, value_rendering(&b, &all));
        assert_eq!(value["variants"][0]["prices"][1]["amount"], json!(1.005));
        assert_eq!(value["variants"][1]["prices"], json!([]));
        assert_eq!(undocumented::<ProductShape>(&value), Vec::<String>::new());
    }
}
