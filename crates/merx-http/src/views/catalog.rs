//! The catalog's answers (products, variants, collections, categories, tags, types) for the Store
//! and the Admin routes alike.
//!
//! These entities honour Medusa's `fields` selection, so they are serialized by hand
//! ([`crate::render`]), emitting only the selected fields. The `…Shape` types below document what
//! those serializers can emit: every field is optional, because a selection may drop any of them.
//! They are never built; keep them in step with the serializers in `render.rs` (and the Admin
//! product's extras in `admin/catalog.rs`).

#![allow(dead_code)]

use merx_core::pricing::calc::Candidate;
use serde::Serialize;
use serde_json::Value;

use crate::dto::{answer, list_answer, Amount, RawAmount};

/// A product, with the selected fields and relations.
#[derive(utoipa::ToSchema)]
pub struct ProductShape {
    pub id: Option<String>,
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub description: Option<String>,
    pub handle: Option<String>,
    /// `draft`, `proposed`, `published` or `rejected`.
    pub status: Option<String>,
    pub is_giftcard: Option<bool>,
    pub discountable: Option<bool>,
    pub thumbnail: Option<String>,
    pub collection_id: Option<String>,
    pub type_id: Option<String>,
    pub weight: Option<i64>,
    pub length: Option<i64>,
    pub height: Option<i64>,
    pub width: Option<i64>,
    pub hs_code: Option<String>,
    pub origin_country: Option<String>,
    pub mid_code: Option<String>,
    pub material: Option<String>,
    pub external_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub deleted_at: Option<String>,
    pub variants: Option<Vec<ProductVariantShape>>,
    pub options: Option<Vec<ProductOptionShape>>,
    pub images: Option<Vec<ProductImageShape>>,
    pub tags: Option<Vec<ProductTagShape>>,
    #[schema(rename = "type")]
    pub product_type: Option<ProductTypeShape>,
    pub collection: Option<ProductCollectionShape>,
    pub categories: Option<Vec<ProductCategoryShape>>,
    /// The sales channels the product is sold in (Admin API).
    pub sales_channels: Option<Vec<SalesChannelLink>>,
}

/// A product variant, with the selected fields and relations.
#[derive(utoipa::ToSchema)]
pub struct ProductVariantShape {
    pub id: Option<String>,
    pub title: Option<String>,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub ean: Option<String>,
    pub upc: Option<String>,
    pub allow_backorder: Option<bool>,
    pub manage_inventory: Option<bool>,
    pub hs_code: Option<String>,
    pub origin_country: Option<String>,
    pub mid_code: Option<String>,
    pub material: Option<String>,
    pub weight: Option<i64>,
    pub length: Option<i64>,
    pub height: Option<i64>,
    pub width: Option<i64>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub variant_rank: Option<i64>,
    pub thumbnail: Option<String>,
    pub product_id: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub deleted_at: Option<String>,
    /// Units available in the publishable key's sales channels (`null` when not managed).
    pub inventory_quantity: Option<i64>,
    pub options: Option<Vec<ProductOptionValueShape>>,
    /// The price in the request's context (`null` when the variant has none there).
    pub calculated_price: Option<CalculatedPriceShape>,
    /// Every price of the variant (Admin API).
    pub prices: Option<Vec<AdminVariantPrice>>,
    /// The variant's own images: always empty, Merx keeps images per product (a storefront then
    /// shows the product's).
    pub images: Option<Vec<ProductImageShape>>,
}

/// A variant's price in the request's context. The `*_with_tax` / `*_without_tax` amounts come
/// with a tax context (a region, or a country).
#[derive(utoipa::ToSchema)]
pub struct CalculatedPriceShape {
    /// The variant's price set.
    pub id: Option<String>,
    pub is_calculated_price_price_list: Option<bool>,
    pub is_calculated_price_tax_inclusive: Option<bool>,
    pub calculated_amount: Option<Amount>,
    pub raw_calculated_amount: Option<RawAmount>,
    pub calculated_amount_with_tax: Option<Amount>,
    pub calculated_amount_without_tax: Option<Amount>,
    pub is_original_price_price_list: Option<bool>,
    pub is_original_price_tax_inclusive: Option<bool>,
    pub original_amount: Option<Amount>,
    pub raw_original_amount: Option<RawAmount>,
    pub original_amount_with_tax: Option<Amount>,
    pub original_amount_without_tax: Option<Amount>,
    pub currency_code: Option<String>,
    pub calculated_price: Option<ChosenPriceShape>,
    pub original_price: Option<ChosenPriceShape>,
}

/// The price a calculation chose.
#[derive(utoipa::ToSchema)]
pub struct ChosenPriceShape {
    pub id: String,
    pub price_list_id: Option<String>,
    /// `sale` or `override`.
    pub price_list_type: Option<String>,
    pub min_quantity: Option<i64>,
    pub max_quantity: Option<i64>,
}

/// A product option; with its values.
#[derive(utoipa::ToSchema)]
pub struct ProductOptionShape {
    pub id: Option<String>,
    pub title: Option<String>,
    pub is_exclusive: Option<bool>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub product_id: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub deleted_at: Option<String>,
    pub values: Option<Vec<ProductOptionValueShape>>,
}

/// An option value; a variant's values come with their option.
#[derive(utoipa::ToSchema)]
pub struct ProductOptionValueShape {
    pub id: Option<String>,
    pub value: Option<String>,
    pub rank: Option<i64>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub option_id: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub deleted_at: Option<String>,
    #[schema(no_recursion)]
    pub option: Option<Box<ProductOptionShape>>,
}

/// A product image.
#[derive(utoipa::ToSchema)]
pub struct ProductImageShape {
    pub id: Option<String>,
    pub url: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub rank: Option<i64>,
    pub product_id: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub deleted_at: Option<String>,
}

/// A product tag.
#[derive(utoipa::ToSchema)]
pub struct ProductTagShape {
    pub id: Option<String>,
    pub value: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub deleted_at: Option<String>,
}

/// A product type.
#[derive(utoipa::ToSchema)]
pub struct ProductTypeShape {
    pub id: Option<String>,
    pub value: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub deleted_at: Option<String>,
}

/// A product collection.
#[derive(utoipa::ToSchema)]
pub struct ProductCollectionShape {
    pub id: Option<String>,
    pub title: Option<String>,
    pub handle: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub deleted_at: Option<String>,
    /// Its published products in the publishable key's sales channels (Store API, when asked:
    /// `*products`).
    #[schema(no_recursion)]
    pub products: Option<Vec<ProductShape>>,
}

/// A product category; with its descendants under `category_children` when asked.
#[derive(utoipa::ToSchema)]
pub struct ProductCategoryShape {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub handle: Option<String>,
    pub rank: Option<i64>,
    pub parent_category_id: Option<String>,
    pub is_active: Option<bool>,
    pub is_internal: Option<bool>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub deleted_at: Option<String>,
    #[schema(no_recursion)]
    pub parent_category: Option<Box<ProductCategoryShape>>,
    #[schema(no_recursion)]
    pub category_children: Option<Vec<ProductCategoryShape>>,
    /// Its published products in the publishable key's sales channels (Store API, when asked:
    /// `*products`).
    #[schema(no_recursion)]
    pub products: Option<Vec<ProductShape>>,
}

/// A sales channel named by its id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SalesChannelLink {
    pub id: String,
}

impl SalesChannelLink {
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

/// The rules a variant's price applies under.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdminPriceRules {
    /// Present for a price that applies in one region only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_id: Option<String>,
}

/// One of a variant's prices, as the Admin API lists them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdminVariantPrice {
    pub id: String,
    pub currency_code: String,
    pub amount: Amount,
    pub min_quantity: Option<i64>,
    pub max_quantity: Option<i64>,
    pub price_list_id: Option<String>,
    pub rules: AdminPriceRules,
}

impl From<&Candidate> for AdminVariantPrice {
    fn from(c: &Candidate) -> Self {
        Self {
            id: c.id.clone(),
            currency_code: c.currency_code.clone(),
            amount: Amount::new(c.amount, &c.currency_code),
            min_quantity: c.min_quantity,
            max_quantity: c.max_quantity,
            price_list_id: c.list.as_ref().map(|l| l.id.clone()),
            rules: AdminPriceRules {
                region_id: c.region_id.clone(),
            },
        }
    }
}

/// `GET /store/products/{id}`'s answer, rendered ahead (and possibly cached).
#[derive(utoipa::ToSchema)]
pub struct ProductAnswerShape {
    pub product: ProductShape,
}

/// `GET /store/products`' answer, rendered ahead (and possibly cached).
#[derive(utoipa::ToSchema)]
pub struct ProductListAnswerShape {
    pub products: Vec<ProductShape>,
    pub count: i64,
    pub offset: i64,
    pub limit: i64,
}

answer!(ProductCollectionAnswer {
    #[schema(value_type = ProductCollectionShape)]
    collection: Value
});

list_answer!(ProductCollectionList {
    #[schema(value_type = Vec<ProductCollectionShape>)]
    collections: Value
});

answer!(ProductCategoryAnswer {
    #[schema(value_type = ProductCategoryShape)]
    product_category: Value
});

list_answer!(ProductCategoryList {
    #[schema(value_type = Vec<ProductCategoryShape>)]
    product_categories: Value
});

answer!(ProductTagAnswer {
    #[schema(value_type = ProductTagShape)]
    product_tag: Value
});

list_answer!(ProductTagList {
    #[schema(value_type = Vec<ProductTagShape>)]
    product_tags: Value
});

answer!(ProductTypeAnswer {
    #[schema(value_type = ProductTypeShape)]
    product_type: Value
});

list_answer!(ProductTypeList {
    #[schema(value_type = Vec<ProductTypeShape>)]
    product_types: Value
});

/// What in `value` the schema of `T` does not describe: keys it does not list, required keys
/// missing, values of another JSON type. The serializers' tests check their output with it, so a
/// field added to a serializer and not to its shape fails them.
#[cfg(test)]
pub(crate) fn undocumented<T: utoipa::ToSchema>(value: &Value) -> Vec<String> {
    use std::collections::HashMap;

    fn walk(schemas: &HashMap<String, Value>, schema: &Value, v: &Value, at: &str) -> Vec<String> {
        if let Some(name) = schema["$ref"].as_str() {
            let name = name.trim_start_matches("#/components/schemas/");
            return match schemas.get(name) {
                Some(s) => walk(schemas, s, v, at),
                None => vec![format!("{at}: no schema {name}")],
            };
        }
        if let Some(alternatives) = schema["oneOf"].as_array() {
            let fits = |alt: &Value| walk(schemas, alt, v, at);
            let mut tried: Vec<Vec<String>> = alternatives.iter().map(fits).collect();
            if tried.iter().any(Vec::is_empty) {
                return Vec::new();
            }
            return tried.pop().unwrap_or_default();
        }
        let kind = match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let allowed: Vec<&str> = match &schema["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => return Vec::new(),
        };
        if !allowed
            .iter()
            .any(|t| *t == kind || (*t == "number" && kind == "integer"))
        {
            return vec![format!("{at}: {kind}, documented as {allowed:?}")];
        }
        let mut problems = Vec::new();
        match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    problems.extend(walk(schemas, &schema["items"], item, &format!("{at}[{i}]")));
                }
            }
            Value::Object(m) if schema.get("properties").is_some() => {
                for (k, item) in m {
                    match schema["properties"].get(k) {
                        Some(p) => problems.extend(walk(schemas, p, item, &format!("{at}.{k}"))),
                        None => problems.push(format!("{at}.{k}: not documented")),
                    }
                }
                for k in schema["required"].as_array().into_iter().flatten() {
                    if let Some(k) = k.as_str().filter(|k| !m.contains_key(*k)) {
                        problems.push(format!("{at}.{k}: required, missing"));
                    }
                }
            }
            _ => {}
        }
        problems
    }

    let mut all = vec![(T::name().to_string(), T::schema())];
    T::schemas(&mut all);
    // Shapes that nest each other (a category's products, a product's categories) do not collect
    // each other's schemas (`no_recursion`): every catalog shape is at hand.
    fn with<S: utoipa::ToSchema>(
        all: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        all.push((S::name().to_string(), S::schema()));
        S::schemas(all);
    }
    with::<ProductShape>(&mut all);
    with::<ProductCategoryShape>(&mut all);
    with::<ProductCollectionShape>(&mut all);
    let schemas: HashMap<String, Value> = all
        .into_iter()
        .map(|(name, s)| (name, serde_json::to_value(s).unwrap()))
        .collect();
    let root = serde_json::json!({ "$ref": format!("#/components/schemas/{}", T::name()) });
    walk(&schemas, &root, value, "$")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_shape_check_finds_what_a_shape_does_not_document() {
        let value = json!({"id": 1, "value": "x", "colour": "red", "metadata": {"a": 1}});
        assert_eq!(
            undocumented::<ProductTagShape>(&value),
            vec![
                "$.colour: not documented",
                "$.id: integer, documented as [\"string\", \"null\"]"
            ]
        );
        let value = json!({"calculated_price": {"price_list_id": null}, "original_amount": "1"});
        assert_eq!(
            undocumented::<CalculatedPriceShape>(&value),
            vec![
                "$.calculated_price.id: required, missing",
                "$.original_amount: string, documented as [\"number\"]"
            ]
        );
    }
}
