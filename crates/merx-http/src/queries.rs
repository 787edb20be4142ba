//! The query parameters of Store reads, as the OpenAPI document lists them. The handlers read
//! them through [`crate::qs::Qs`] (Medusa's syntax: `id[]=a&id[]=b`, `created_at[$gt]=…`) from a
//! [`crate::extract::QueryText`], whose type parameter is one of these; they are never built, only
//! documented, so a parameter a handler reads and this list lacks is a review finding, not a
//! compile error.
#![allow(dead_code)]

use utoipa::IntoParams;

/// `fields` alone: Medusa's field selection (`fields=id,title`, `+metadata`, `-description`,
/// `*variants`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FieldsParams {
    /// Which fields and relations the answer carries: `a,b` replaces the defaults, `+a` adds,
    /// `-a` removes, `*rel` selects a relation.
    fields: Option<String>,
}

/// A Store product read's pricing context and field selection.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductParams {
    /// Which fields and relations the answer carries (Medusa's syntax).
    fields: Option<String>,
    /// The region whose currency and price lists price the variants.
    region_id: Option<String>,
    /// A currency to price in, instead of the region's.
    currency_code: Option<String>,
    /// The shipping country whose tax applies to the shown prices.
    country_code: Option<String>,
    /// The province within `country_code`, where tax depends on it.
    province: Option<String>,
}

/// `GET /store/products`: a page of published products in the key's sales channels.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductListParams {
    /// Which fields and relations the answer carries (Medusa's syntax).
    fields: Option<String>,
    /// Page size (default 50).
    #[param(minimum = 0)]
    limit: Option<i64>,
    /// Products to skip.
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// `created_at`, `updated_at`, `title` or `handle`; `-` first for descending.
    order: Option<String>,
    /// Words the title, subtitle, description or handle contain.
    q: Option<String>,
    /// The exact title.
    title: Option<String>,
    /// Only these products.
    id: Option<Vec<String>>,
    /// Only the products with these handles.
    handle: Option<Vec<String>>,
    /// Only the products in these collections.
    collection_id: Option<Vec<String>>,
    /// Only the products in these categories.
    category_id: Option<Vec<String>>,
    /// Only the products with these tags.
    tag_id: Option<Vec<String>>,
    /// Only the products of these types.
    type_id: Option<Vec<String>>,
    /// Only these of the key's sales channels.
    sales_channel_id: Option<Vec<String>>,
    /// Only gift cards, or only products that are not.
    is_giftcard: Option<bool>,
    /// The region whose currency and price lists price the variants.
    region_id: Option<String>,
    /// A currency to price in, instead of the region's.
    currency_code: Option<String>,
    /// The shipping country whose tax applies to the shown prices.
    country_code: Option<String>,
    /// The province within `country_code`, where tax depends on it.
    province: Option<String>,
}

/// `GET /store/collections`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CollectionListParams {
    /// Which fields and relations the answer carries (Medusa's syntax; `*products` brings each
    /// collection's products).
    fields: Option<String>,
    #[param(minimum = 0)]
    limit: Option<i64>,
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// A field to sort by; `-` first for descending.
    order: Option<String>,
    /// Words the title contains.
    q: Option<String>,
    /// Only these collections.
    id: Option<Vec<String>>,
    /// Only the collections with these handles.
    handle: Option<Vec<String>>,
    /// Words the title contains.
    title: Option<String>,
}

/// Lists of tags and types.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaxonomyListParams {
    /// Which fields the answer carries (Medusa's syntax).
    fields: Option<String>,
    #[param(minimum = 0)]
    limit: Option<i64>,
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// A field to sort by; `-` first for descending.
    order: Option<String>,
    /// Words the title, value or handle contains.
    q: Option<String>,
    /// Only these.
    id: Option<Vec<String>>,
}

/// `GET /store/product-categories`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoryListParams {
    /// Which fields and relations the answer carries (Medusa's syntax; `*products` brings each
    /// category's products, `*parent_category.parent_category` the grandparent).
    fields: Option<String>,
    #[param(minimum = 0)]
    limit: Option<i64>,
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// A field to sort by; `-` first for descending.
    order: Option<String>,
    /// Words the name, description or handle contains.
    q: Option<String>,
    /// Only these categories.
    id: Option<Vec<String>>,
    /// Only the categories with these handles.
    handle: Option<Vec<String>>,
    /// Only the children of this category; `null` for the roots.
    parent_category_id: Option<String>,
    /// Nest each category's descendants under `category_children`.
    include_descendants_tree: Option<bool>,
}

/// `GET /store/product-categories/{id}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CategoryParams {
    /// Which fields and relations the answer carries (Medusa's syntax).
    fields: Option<String>,
    /// Nest the category's descendants under `category_children`.
    include_descendants_tree: Option<bool>,
}

/// `GET /store/regions`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionListParams {
    /// Which fields and relations the answer carries (Medusa's syntax).
    fields: Option<String>,
    #[param(minimum = 0)]
    limit: Option<i64>,
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// A field to sort by; `-` first for descending.
    order: Option<String>,
    /// Words the name contains.
    q: Option<String>,
    /// Only these regions.
    id: Option<Vec<String>>,
    /// Only the region with this name.
    name: Option<String>,
    /// Only the regions in this currency.
    currency_code: Option<String>,
}

/// `GET /store/currencies`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CurrencyListParams {
    #[param(minimum = 0)]
    limit: Option<i64>,
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// Only these currencies.
    code: Option<Vec<String>>,
    /// Words the name or code contains.
    q: Option<String>,
}

/// `GET /store/orders`: the logged-in customer's orders.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderListParams {
    /// Which fields and relations the answer carries (Medusa's syntax): the defaults are always
    /// there; `*items.variant`, `*items.product` and `*payment_collections.payments` add those.
    fields: Option<String>,
    #[param(minimum = 0)]
    limit: Option<i64>,
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// `created_at`, `updated_at`, `display_id`, `status`, `email`, `currency_code` or `id`;
    /// `-` first for descending.
    order: Option<String>,
}

/// Lists of return reasons.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReasonListParams {
    #[param(minimum = 0)]
    limit: Option<i64>,
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// `value`, `label`, `created_at`, …; `-` first for descending.
    order: Option<String>,
}
