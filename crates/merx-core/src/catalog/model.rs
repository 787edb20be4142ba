use serde_json::Value;
use time::OffsetDateTime;

/// Publication state: only `published` products reach the Store API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductStatus {
    Draft,
    Proposed,
    Published,
    Rejected,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Proposed => "proposed",
            Self::Published => "published",
            Self::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Self::Draft),
            "proposed" => Some(Self::Proposed),
            "published" => Some(Self::Published),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }
}

/// Physical and customs attributes shared by products and variants.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Physical {
    pub weight: Option<i64>,
    pub length: Option<i64>,
    pub height: Option<i64>,
    pub width: Option<i64>,
    pub hs_code: Option<String>,
    pub origin_country: Option<String>,
    pub mid_code: Option<String>,
    pub material: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub description: Option<String>,
    pub handle: String,
    pub status: ProductStatus,
    pub is_giftcard: bool,
    pub discountable: bool,
    pub thumbnail: Option<String>,
    pub collection_id: Option<String>,
    pub type_id: Option<String>,
    pub physical: Physical,
    pub external_id: Option<String>,
    pub metadata: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub deleted_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub id: String,
    pub product_id: String,
    pub title: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub ean: Option<String>,
    pub upc: Option<String>,
    pub allow_backorder: bool,
    pub manage_inventory: bool,
    pub physical: Physical,
    pub variant_rank: i64,
    pub thumbnail: Option<String>,
    pub metadata: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub deleted_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProductOption {
    pub id: String,
    pub product_id: String,
    pub title: String,
    pub rank: i64,
    pub metadata: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OptionValue {
    pub id: String,
    pub option_id: String,
    pub value: String,
    pub rank: i64,
    pub metadata: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub id: String,
    pub product_id: String,
    pub url: String,
    pub rank: i64,
    pub metadata: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A collection, tag or type: the simple taxonomies.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    pub id: String,
    pub title: String,
    pub handle: String,
    pub metadata: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A tag or a type (`value` is its text).
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub id: String,
    pub value: String,
    pub metadata: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub id: String,
    pub name: String,
    pub description: String,
    pub handle: String,
    pub parent_category_id: Option<String>,
    pub rank: i64,
    pub is_active: bool,
    pub is_internal: bool,
    pub metadata: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// An option with its values.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionWithValues {
    pub option: ProductOption,
    pub values: Vec<OptionValue>,
}

/// A variant with the option values that define it (each with its option).
#[derive(Debug, Clone, PartialEq)]
pub struct VariantWithOptions {
    pub variant: Variant,
    pub options: Vec<(OptionValue, ProductOption)>,
}

/// A product with the relations a caller asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductBundle {
    pub product: Product,
    pub variants: Vec<VariantWithOptions>,
    pub options: Vec<OptionWithValues>,
    pub images: Vec<Image>,
    pub tags: Vec<Label>,
    pub product_type: Option<Label>,
    pub collection: Option<Collection>,
    pub categories: Vec<Category>,
    pub sales_channel_ids: Vec<String>,
}

/// What a cart line needs of a variant and its product: the snapshot it keeps and what decides
/// whether it may be sold (read in three queries instead of a whole product's relations).
#[derive(Debug, Clone, PartialEq)]
pub struct LineSource {
    pub product: Product,
    pub variant_title: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub manage_inventory: bool,
    pub allow_backorder: bool,
    /// The variant's option values: (option title, value).
    pub options: Vec<(String, String)>,
    pub type_value: Option<String>,
    pub collection_title: Option<String>,
    /// In the order product reads list them: categories by rank, tags by value.
    pub category_ids: Vec<String>,
    pub tag_ids: Vec<String>,
    pub sales_channel_ids: Vec<String>,
}

/// Which relations to load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relations {
    pub variants: bool,
    pub options: bool,
    pub images: bool,
    pub tags: bool,
    pub product_type: bool,
    pub collection: bool,
    pub categories: bool,
    pub sales_channels: bool,
}

impl Relations {
    pub fn all() -> Self {
        Self {
            variants: true,
            options: true,
            images: true,
            tags: true,
            product_type: true,
            collection: true,
            categories: true,
            sales_channels: true,
        }
    }
}

pub use merx_types::Cmp;

/// Sortable product columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProductOrder {
    #[default]
    CreatedAt,
    UpdatedAt,
    Title,
    Handle,
}

impl ProductOrder {
    pub fn parse(field: &str) -> Option<Self> {
        match field {
            "created_at" => Some(Self::CreatedAt),
            "updated_at" => Some(Self::UpdatedAt),
            "title" => Some(Self::Title),
            "handle" => Some(Self::Handle),
            _ => None,
        }
    }
    pub fn column(self) -> &'static str {
        match self {
            Self::CreatedAt => "p.created_at",
            Self::UpdatedAt => "p.updated_at",
            Self::Title => "p.title",
            Self::Handle => "p.handle",
        }
    }
}

/// Which products to list.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    pub ids: Vec<String>,
    pub handles: Vec<String>,
    pub title: Option<String>,
    pub collection_ids: Vec<String>,
    pub category_ids: Vec<String>,
    pub tag_ids: Vec<String>,
    pub type_ids: Vec<String>,
    pub q: Option<String>,
    /// Empty: any status.
    pub statuses: Vec<ProductStatus>,
    /// `Some`: only products in one of these channels.
    pub sales_channel_ids: Option<Vec<String>>,
    pub created_at: Vec<(Cmp, OffsetDateTime)>,
    pub updated_at: Vec<(Cmp, OffsetDateTime)>,
    pub is_giftcard: Option<bool>,
    pub order: ProductOrder,
    pub descending: bool,
}
