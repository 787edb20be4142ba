//! JSON for catalog entities in Medusa's shapes, emitting only the selected fields.

use std::collections::HashMap;

use merx_core::catalog::{
    Category, Collection, Image, Label, OptionValue, ProductBundle, ProductOption,
    VariantWithOptions,
};
use merx_core::pricing::{ChosenPrice, VariantPrice};
use merx_core::region::Region;
use merx_core::storefront::PricedVariant;
use merx_types::{Country, Currency};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use crate::dto::{opt_ts, ts};
use crate::fields::{Entity, Selection};

pub static PRODUCT: Entity = Entity {
    scalars: &[
        "id",
        "title",
        "subtitle",
        "description",
        "handle",
        "is_giftcard",
        "discountable",
        "thumbnail",
        "collection_id",
        "type_id",
        "weight",
        "length",
        "height",
        "width",
        "hs_code",
        "origin_country",
        "mid_code",
        "material",
        "created_at",
        "updated_at",
    ],
    extra: &["status", "metadata", "external_id", "deleted_at"],
    relations: &[
        ("variants", &VARIANT),
        ("options", &OPTION),
        ("images", &IMAGE),
        ("tags", &LABEL),
        ("type", &LABEL),
        ("collection", &COLLECTION),
        ("categories", &CATEGORY),
    ],
};

pub static VARIANT: Entity = Entity {
    scalars: &[
        "id",
        "title",
        "sku",
        "barcode",
        "ean",
        "upc",
        "allow_backorder",
        "manage_inventory",
        "hs_code",
        "origin_country",
        "mid_code",
        "material",
        "weight",
        "length",
        "height",
        "width",
        "metadata",
        "variant_rank",
        "thumbnail",
        "product_id",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    extra: &["inventory_quantity"],
    relations: &[
        ("options", &OPTION_VALUE),
        ("calculated_price", &CALCULATED_PRICE),
    ],
};

pub static OPTION: Entity = Entity {
    scalars: &[
        "id",
        "title",
        "is_exclusive",
        "metadata",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    extra: &["product_id"],
    relations: &[("values", &OPTION_VALUE)],
};

pub static OPTION_VALUE: Entity = Entity {
    scalars: &[
        "id",
        "value",
        "rank",
        "metadata",
        "option_id",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    extra: &[],
    relations: &[("option", &OPTION)],
};

pub static IMAGE: Entity = Entity {
    scalars: &[
        "id",
        "url",
        "metadata",
        "rank",
        "product_id",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    extra: &[],
    relations: &[],
};

/// Tags and types.
pub static LABEL: Entity = Entity {
    scalars: &[
        "id",
        "value",
        "metadata",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    extra: &[],
    relations: &[],
};

pub static COLLECTION: Entity = Entity {
    scalars: &[
        "id",
        "title",
        "handle",
        "metadata",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    extra: &[],
    relations: &[],
};

pub static CATEGORY: Entity = Entity {
    scalars: &[
        "id",
        "name",
        "description",
        "handle",
        "rank",
        "parent_category_id",
        "metadata",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    extra: &["is_active", "is_internal"],
    relations: &[
        ("parent_category", &CATEGORY),
        ("category_children", &CATEGORY),
    ],
};

pub static CALCULATED_PRICE: Entity = Entity {
    scalars: &[
        "id",
        "is_calculated_price_price_list",
        "is_calculated_price_tax_inclusive",
        "calculated_amount",
        "raw_calculated_amount",
        "is_original_price_price_list",
        "is_original_price_tax_inclusive",
        "original_amount",
        "raw_original_amount",
        "currency_code",
        "calculated_price",
        "original_price",
    ],
    extra: &[
        "calculated_amount_with_tax",
        "calculated_amount_without_tax",
        "original_amount_with_tax",
        "original_amount_without_tax",
    ],
    relations: &[],
};

pub static REGION: Entity = Entity {
    scalars: &[
        "id",
        "name",
        "currency_code",
        "created_at",
        "updated_at",
        "deleted_at",
        "metadata",
    ],
    extra: &["automatic_taxes", "is_tax_inclusive"],
    relations: &[
        ("countries", &COUNTRY),
        ("payment_providers", &PAYMENT_PROVIDER),
    ],
};

pub static COUNTRY: Entity = Entity {
    scalars: &[
        "iso_2",
        "iso_3",
        "num_code",
        "name",
        "display_name",
        "region_id",
        "metadata",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    extra: &[],
    relations: &[],
};

pub static PAYMENT_PROVIDER: Entity = Entity {
    scalars: &["id", "is_enabled"],
    extra: &[],
    relations: &[],
};

/// The Store API's default product fields (what Medusa's storefront receives).
pub fn default_product_selection(with_categories: bool) -> Selection {
    let option = Selection::all(&OPTION).with("values", Selection::all(&OPTION_VALUE));
    let variant = Selection::all(&VARIANT).with(
        "options",
        Selection::all(&OPTION_VALUE).with("option", Selection::all(&OPTION)),
    );
    let mut s = Selection::all(&PRODUCT)
        .with("type", Selection::all(&LABEL))
        .with("collection", Selection::all(&COLLECTION))
        .with("options", option)
        .with("tags", Selection::all(&LABEL))
        .with("images", Selection::all(&IMAGE))
        .with("variants", variant);
    if with_categories {
        s = s.with("categories", Selection::all(&CATEGORY));
    }
    s
}

/// Inserts `key: value` when `sel` selected `key`; the value is built only then.
macro_rules! put {
    ($map:ident, $sel:ident, $($key:literal => $val:expr),* $(,)?) => {
        $( if $sel.has($key) { $map.insert($key.to_string(), json!($val)); } )*
    };
}

/// A major-unit JSON number, as Medusa renders amounts (`24.99`, `10`).
pub fn amount(minor: i64, currency_code: &str) -> Value {
    let digits = Currency::find(currency_code)
        .map(|c| c.decimal_digits)
        .unwrap_or(2);
    let d = Decimal::new(minor, digits).normalize();
    if d.scale() == 0 {
        return json!(minor / 10i64.pow(digits));
    }
    d.to_string()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// Medusa's BigNumber form: `{"value": "24.99", "precision": 20}`.
pub fn raw_amount(minor: i64, currency_code: &str) -> Value {
    let digits = Currency::find(currency_code)
        .map(|c| c.decimal_digits)
        .unwrap_or(2);
    json!({"value": Decimal::new(minor, digits).normalize().to_string(), "precision": 20})
}

fn chosen_json(c: &ChosenPrice) -> Value {
    json!({
        "id": c.price_id,
        "price_list_id": c.price_list_id,
        "price_list_type": c.price_list_type.map(|t| t.as_str()),
        "min_quantity": c.min_quantity,
        "max_quantity": c.max_quantity,
    })
}

pub fn calculated_price(p: &PricedVariant, sel: &Selection) -> Value {
    let v: &VariantPrice = &p.price;
    let cur = v.currency_code.as_str();
    let mut m = Map::new();
    put!(m, sel,
        "id" => v.price_set_id,
        "is_calculated_price_price_list" => v.calculated.price_list_id.is_some(),
        "is_calculated_price_tax_inclusive" => v.tax_inclusive,
        "calculated_amount" => amount(v.calculated.amount, cur),
        "raw_calculated_amount" => raw_amount(v.calculated.amount, cur),
        "is_original_price_price_list" => v.original.price_list_id.is_some(),
        "is_original_price_tax_inclusive" => v.tax_inclusive,
        "original_amount" => amount(v.original.amount, cur),
        "raw_original_amount" => raw_amount(v.original.amount, cur),
        "currency_code" => cur,
        "calculated_price" => chosen_json(&v.calculated),
        "original_price" => chosen_json(&v.original),
    );
    // With a tax context the with/without-tax amounts come along, as in Medusa.
    if let Some(t) = &p.tax {
        m.insert(
            "calculated_amount_with_tax".into(),
            amount(t.calculated_with_tax, cur),
        );
        m.insert(
            "calculated_amount_without_tax".into(),
            amount(t.calculated_without_tax, cur),
        );
        m.insert(
            "original_amount_with_tax".into(),
            amount(t.original_with_tax, cur),
        );
        m.insert(
            "original_amount_without_tax".into(),
            amount(t.original_without_tax, cur),
        );
    }
    Value::Object(m)
}

fn option_json(o: &ProductOption, values: Option<&[OptionValue]>, sel: &Selection) -> Value {
    let mut m = Map::new();
    put!(m, sel,
        "id" => o.id,
        "title" => o.title,
        "is_exclusive" => true,
        "metadata" => o.metadata,
        "product_id" => o.product_id,
        "created_at" => ts(o.created_at),
        "updated_at" => ts(o.updated_at),
        "deleted_at" => Value::Null,
    );
    if let (Some(vs), Some(values)) = (sel.rel("values"), values) {
        m.insert(
            "values".into(),
            Value::Array(values.iter().map(|v| value_json(v, None, vs)).collect()),
        );
    }
    Value::Object(m)
}

fn value_json(v: &OptionValue, option: Option<&ProductOption>, sel: &Selection) -> Value {
    let mut m = Map::new();
    put!(m, sel,
        "id" => v.id,
        "value" => v.value,
        "rank" => v.rank,
        "metadata" => v.metadata,
        "option_id" => v.option_id,
        "created_at" => ts(v.created_at),
        "updated_at" => ts(v.updated_at),
        "deleted_at" => Value::Null,
    );
    if let (Some(os), Some(o)) = (sel.rel("option"), option) {
        m.insert("option".into(), option_json(o, None, os));
    }
    Value::Object(m)
}

/// Values computed per variant for a response: prices in the request's context, and the quantity
/// available in its sales channels.
#[derive(Debug, Default)]
pub struct VariantExtras {
    pub prices: HashMap<String, PricedVariant>,
    pub inventory: HashMap<String, Option<i64>>,
}

fn variant_json(v: &VariantWithOptions, sel: &Selection, extras: &VariantExtras) -> Value {
    let x = &v.variant;
    let mut m = Map::new();
    put!(m, sel,
        "id" => x.id,
        "title" => x.title,
        "sku" => x.sku,
        "barcode" => x.barcode,
        "ean" => x.ean,
        "upc" => x.upc,
        "allow_backorder" => x.allow_backorder,
        "manage_inventory" => x.manage_inventory,
        "hs_code" => x.physical.hs_code,
        "origin_country" => x.physical.origin_country,
        "mid_code" => x.physical.mid_code,
        "material" => x.physical.material,
        "weight" => x.physical.weight,
        "length" => x.physical.length,
        "height" => x.physical.height,
        "width" => x.physical.width,
        "metadata" => x.metadata,
        "variant_rank" => x.variant_rank,
        "thumbnail" => x.thumbnail,
        "product_id" => x.product_id,
        "created_at" => ts(x.created_at),
        "updated_at" => ts(x.updated_at),
        "deleted_at" => opt_ts(x.deleted_at),
    );
    if let Some(os) = sel.rel("options") {
        m.insert(
            "options".into(),
            Value::Array(
                v.options
                    .iter()
                    .map(|(val, opt)| value_json(val, Some(opt), os))
                    .collect(),
            ),
        );
    }
    if let Some(ps) = sel.rel("calculated_price") {
        m.insert(
            "calculated_price".into(),
            extras
                .prices
                .get(&x.id)
                .map(|p| calculated_price(p, ps))
                .unwrap_or(Value::Null),
        );
    }
    if sel.has("inventory_quantity") {
        m.insert(
            "inventory_quantity".into(),
            json!(extras.inventory.get(&x.id).copied().flatten()),
        );
    }
    Value::Object(m)
}

fn image_json(i: &Image, sel: &Selection) -> Value {
    let mut m = Map::new();
    put!(m, sel,
        "id" => i.id,
        "url" => i.url,
        "metadata" => i.metadata,
        "rank" => i.rank,
        "product_id" => i.product_id,
        "created_at" => ts(i.created_at),
        "updated_at" => ts(i.updated_at),
        "deleted_at" => Value::Null,
    );
    Value::Object(m)
}

pub fn label_json(l: &Label, sel: &Selection) -> Value {
    let mut m = Map::new();
    put!(m, sel,
        "id" => l.id,
        "value" => l.value,
        "metadata" => l.metadata,
        "created_at" => ts(l.created_at),
        "updated_at" => ts(l.updated_at),
        "deleted_at" => Value::Null,
    );
    Value::Object(m)
}

pub fn collection_json(c: &Collection, sel: &Selection) -> Value {
    let mut m = Map::new();
    put!(m, sel,
        "id" => c.id,
        "title" => c.title,
        "handle" => c.handle,
        "metadata" => c.metadata,
        "created_at" => ts(c.created_at),
        "updated_at" => ts(c.updated_at),
        "deleted_at" => Value::Null,
    );
    Value::Object(m)
}

/// A category; `children` (when selected and given) are nested as `category_children`.
pub fn category_json(
    c: &Category,
    sel: &Selection,
    parent: Option<&Category>,
    children: &[Value],
) -> Value {
    let mut m = Map::new();
    put!(m, sel,
        "id" => c.id,
        "name" => c.name,
        "description" => c.description,
        "handle" => c.handle,
        "rank" => c.rank,
        "parent_category_id" => c.parent_category_id,
        "is_active" => c.is_active,
        "is_internal" => c.is_internal,
        "metadata" => c.metadata,
        "created_at" => ts(c.created_at),
        "updated_at" => ts(c.updated_at),
        "deleted_at" => Value::Null,
    );
    if let Some(ps) = sel.rel("parent_category") {
        m.insert(
            "parent_category".into(),
            parent
                .map(|p| category_json(p, ps, None, &[]))
                .unwrap_or(Value::Null),
        );
    }
    if sel.rel("category_children").is_some() {
        m.insert("category_children".into(), Value::Array(children.to_vec()));
    }
    Value::Object(m)
}

pub fn product_json(b: &ProductBundle, sel: &Selection, extras: &VariantExtras) -> Value {
    let p = &b.product;
    let mut m = Map::new();
    put!(m, sel,
        "id" => p.id,
        "title" => p.title,
        "subtitle" => p.subtitle,
        "description" => p.description,
        "handle" => p.handle,
        "status" => p.status.as_str(),
        "is_giftcard" => p.is_giftcard,
        "discountable" => p.discountable,
        "thumbnail" => p.thumbnail,
        "collection_id" => p.collection_id,
        "type_id" => p.type_id,
        "weight" => p.physical.weight,
        "length" => p.physical.length,
        "height" => p.physical.height,
        "width" => p.physical.width,
        "hs_code" => p.physical.hs_code,
        "origin_country" => p.physical.origin_country,
        "mid_code" => p.physical.mid_code,
        "material" => p.physical.material,
        "external_id" => p.external_id,
        "metadata" => p.metadata,
        "created_at" => ts(p.created_at),
        "updated_at" => ts(p.updated_at),
        "deleted_at" => opt_ts(p.deleted_at),
    );
    if let Some(s) = sel.rel("type") {
        m.insert(
            "type".into(),
            b.product_type
                .as_ref()
                .map(|t| label_json(t, s))
                .unwrap_or(Value::Null),
        );
    }
    if let Some(s) = sel.rel("collection") {
        m.insert(
            "collection".into(),
            b.collection
                .as_ref()
                .map(|c| collection_json(c, s))
                .unwrap_or(Value::Null),
        );
    }
    if let Some(s) = sel.rel("options") {
        m.insert(
            "options".into(),
            Value::Array(
                b.options
                    .iter()
                    .map(|o| option_json(&o.option, Some(&o.values), s))
                    .collect(),
            ),
        );
    }
    if let Some(s) = sel.rel("tags") {
        m.insert(
            "tags".into(),
            Value::Array(b.tags.iter().map(|t| label_json(t, s)).collect()),
        );
    }
    if let Some(s) = sel.rel("images") {
        m.insert(
            "images".into(),
            Value::Array(b.images.iter().map(|i| image_json(i, s)).collect()),
        );
    }
    if let Some(s) = sel.rel("categories") {
        m.insert(
            "categories".into(),
            Value::Array(
                b.categories
                    .iter()
                    .map(|c| category_json(c, s, None, &[]))
                    .collect(),
            ),
        );
    }
    if let Some(s) = sel.rel("variants") {
        m.insert(
            "variants".into(),
            Value::Array(
                b.variants
                    .iter()
                    .map(|v| variant_json(v, s, extras))
                    .collect(),
            ),
        );
    }
    Value::Object(m)
}

pub fn region_json(r: &Region, sel: &Selection) -> Value {
    let mut m = Map::new();
    put!(m, sel,
        "id" => r.id,
        "name" => r.name,
        "currency_code" => r.currency_code,
        "automatic_taxes" => r.automatic_taxes,
        "is_tax_inclusive" => r.is_tax_inclusive,
        "created_at" => ts(r.created_at),
        "updated_at" => ts(r.updated_at),
        "deleted_at" => Value::Null,
        "metadata" => r.metadata,
    );
    if let Some(cs) = sel.rel("countries") {
        let countries = r
            .countries
            .iter()
            .filter_map(|code| Country::find(code))
            .map(|c| {
                let mut cm = Map::new();
                put!(cm, cs,
                    "iso_2" => c.iso_2,
                    "iso_3" => c.iso_3,
                    "num_code" => c.num_code,
                    "name" => c.name,
                    "display_name" => c.display_name,
                    "region_id" => r.id,
                    "metadata" => Value::Null,
                    "created_at" => ts(r.created_at),
                    "updated_at" => ts(r.updated_at),
                    "deleted_at" => Value::Null,
                );
                Value::Object(cm)
            })
            .collect();
        m.insert("countries".into(), Value::Array(countries));
    }
    if let Some(ps) = sel.rel("payment_providers") {
        let providers = r
            .payment_providers
            .iter()
            .map(|p| {
                let mut pm = Map::new();
                put!(pm, ps, "id" => p, "is_enabled" => true);
                Value::Object(pm)
            })
            .collect();
        m.insert("payment_providers".into(), Value::Array(providers));
    }
    Value::Object(m)
}

pub fn currency_json(c: &Currency) -> Value {
    json!({
        "code": c.code,
        "name": c.name,
        "symbol": c.symbol,
        "symbol_native": c.symbol_native,
        "decimal_digits": c.decimal_digits,
        "rounding": 0,
        "raw_rounding": {"value": "0", "precision": 20},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_render_as_medusa_numbers() {
        assert_eq!(amount(2499, "eur").to_string(), "24.99");
        assert_eq!(amount(1000, "eur").to_string(), "10");
        assert_eq!(amount(1500, "jpy").to_string(), "1500");
        assert_eq!(amount(1005, "kwd").to_string(), "1.005");
        assert_eq!(amount(-250, "usd").to_string(), "-2.5");
        assert_eq!(
            raw_amount(2490, "eur"),
            json!({"value": "24.9", "precision": 20})
        );
    }
}
