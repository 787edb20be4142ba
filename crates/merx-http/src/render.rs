//! JSON for catalog entities in Medusa's shapes, emitting only the selected fields.

use std::collections::HashMap;
use std::sync::Arc;

use merx_core::catalog::{
    Category, Collection, Image, Label, OptionValue, ProductBundle, ProductOption,
    VariantWithOptions,
};
use merx_core::pricing::{ChosenPrice, VariantPrice};
use merx_core::region::Region;
use merx_core::storefront::PricedVariant;
use merx_types::Country;
use rust_decimal::Decimal;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Map, Value};

use crate::dto::{ts, Amount};
use crate::fields::{Entity, Selection};

/// A product's columns that `*product` selects (the Store's defaults).
const PRODUCT_SCALARS: &[&str] = &[
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
];

/// A product's columns that only a named selection gets.
const PRODUCT_EXTRA: &[&str] = &["status", "metadata", "external_id", "deleted_at"];

pub static PRODUCT: Entity = Entity {
    scalars: PRODUCT_SCALARS,
    extra: PRODUCT_EXTRA,
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

/// A product shown under a category or a collection (`*products`): the Store product without
/// what depends on the request (`variants.calculated_price`, `variants.inventory_quantity`), which
/// these routes do not compute; asking for them is a 400 naming them.
pub static PRODUCT_UNPRICED: Entity = Entity {
    scalars: PRODUCT_SCALARS,
    extra: PRODUCT_EXTRA,
    relations: &[
        ("variants", &VARIANT_UNPRICED),
        ("options", &OPTION),
        ("images", &IMAGE),
        ("tags", &LABEL),
        ("type", &LABEL),
        ("collection", &COLLECTION),
        ("categories", &CATEGORY),
    ],
};

/// A variant's columns that `*variants` selects.
const VARIANT_SCALARS: &[&str] = &[
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
];

pub static VARIANT: Entity = Entity {
    scalars: VARIANT_SCALARS,
    extra: &["inventory_quantity"],
    relations: &[
        ("options", &OPTION_VALUE),
        ("calculated_price", &CALCULATED_PRICE),
        ("images", &IMAGE),
    ],
};

/// A variant of [`PRODUCT_UNPRICED`].
pub static VARIANT_UNPRICED: Entity = Entity {
    scalars: VARIANT_SCALARS,
    extra: &[],
    relations: &[("options", &OPTION_VALUE), ("images", &IMAGE)],
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

/// A collection's columns.
const COLLECTION_SCALARS: &[&str] = &[
    "id",
    "title",
    "handle",
    "metadata",
    "created_at",
    "updated_at",
    "deleted_at",
];

/// A product's collection (and the Admin's collections).
pub static COLLECTION: Entity = Entity {
    scalars: COLLECTION_SCALARS,
    extra: &[],
    relations: &[],
};

/// A collection as the Store's collection routes show it: with its `products` when asked.
pub static COLLECTION_WITH_PRODUCTS: Entity = Entity {
    scalars: COLLECTION_SCALARS,
    extra: &[],
    relations: &[("products", &PRODUCT_UNPRICED)],
};

/// A category's columns that `*category` selects.
const CATEGORY_SCALARS: &[&str] = &[
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
];

/// A category's columns that only a named selection gets.
const CATEGORY_EXTRA: &[&str] = &["is_active", "is_internal"];

/// A product's category (and the Admin's categories): a product's categories show their
/// `parent_category` as `null` and their `category_children` empty.
pub static CATEGORY: Entity = Entity {
    scalars: CATEGORY_SCALARS,
    extra: CATEGORY_EXTRA,
    relations: &[
        ("parent_category", &CATEGORY),
        ("category_children", &CATEGORY),
    ],
};

/// A category as the Store's category routes show it: its parent, children and products, at
/// any depth the selection reaches ([`CategoryNodeView`]).
pub static CATEGORY_TREE: Entity = Entity {
    scalars: CATEGORY_SCALARS,
    extra: CATEGORY_EXTRA,
    relations: &[
        ("parent_category", &CATEGORY_TREE),
        ("category_children", &CATEGORY_TREE),
        ("products", &PRODUCT_UNPRICED),
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
#[cfg(test)]
pub fn amount(minor: i64, currency_code: &str) -> Value {
    serde_json::to_value(Amount::new(minor, currency_code)).unwrap_or(Value::Null)
}

/// Medusa's BigNumber form: `{"value": "24.99", "precision": 20}`. The tests' reference now:
/// typed answers use [`crate::dto::RawAmount`].
#[cfg(test)]
pub fn raw_amount(minor: i64, currency_code: &str) -> Value {
    let digits = merx_types::Currency::find(currency_code)
        .map(|c| c.decimal_digits)
        .unwrap_or(2);
    json!({"value": Decimal::new(minor, digits).normalize().to_string(), "precision": 20})
}

/// Medusa's BigNumber form, serialized: `{"precision":20,"value":"24.99"}` (keys in the order a
/// `serde_json::Map` keeps them, as [`raw_amount`] renders): minor units and the currency's digits.
struct RawAmount(i64, u32);

impl Serialize for RawAmount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("precision", &20)?;
        m.serialize_entry(
            "value",
            &Decimal::new(self.0, self.1).normalize().to_string(),
        )?;
        m.end()
    }
}

/// A timestamp as the API renders it ([`ts`]).
struct Ts(time::OffsetDateTime);

impl Serialize for Ts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&ts(self.0))
    }
}

/// A JSON array of `f(item)` for each item.
pub(crate) struct SeqOf<'a, T, F>(&'a [T], F);

/// [`SeqOf`]; the bound lets closures' argument types be inferred.
pub(crate) fn seq<'a, T, V: Serialize, F: Fn(&'a T) -> V>(items: &'a [T], f: F) -> SeqOf<'a, T, F> {
    SeqOf(items, f)
}

impl<'a, T, V: Serialize, F: Fn(&'a T) -> V> Serialize for SeqOf<'a, T, F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(&self.1))
    }
}

// The views below write Medusa's shapes straight to the serializer, without building a `Value`
// tree first (building, serializing and dropping the tree was most of an uncached product read).
// Their keys come in sorted order, as a `serde_json::Map` (a `BTreeMap`) orders them, so the
// bytes are those the `Value` rendering gave; the tests compare the two.

/// Serializes `$key: $val` when `$sel` selected `$key`; the value is built only then.
macro_rules! field {
    ($m:ident, $sel:expr, $($key:literal => $val:expr),* $(,)?) => {
        $( if $sel.has($key) { $m.serialize_entry($key, &$val)?; } )*
    };
}

struct ChosenView<'a>(&'a ChosenPrice);

impl Serialize for ChosenView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("id", &c.price_id)?;
        m.serialize_entry("max_quantity", &c.max_quantity)?;
        m.serialize_entry("min_quantity", &c.min_quantity)?;
        m.serialize_entry("price_list_id", &c.price_list_id)?;
        m.serialize_entry("price_list_type", &c.price_list_type.map(|t| t.as_str()))?;
        m.end()
    }
}

/// A variant's `calculated_price`.
pub struct PriceView<'a> {
    pub price: &'a PricedVariant,
    pub sel: &'a Selection,
}

impl Serialize for PriceView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (p, sel) = (self.price, self.sel);
        let v: &VariantPrice = &p.price;
        let cur = v.currency_code.as_str();
        // Looked up once: a price renders up to eight amounts in its currency.
        let digits = Amount::new(0, cur).digits;
        let amount = |minor: i64| Amount { minor, digits };
        let mut m = s.serialize_map(None)?;
        // With a tax context the with/without-tax amounts come along, as in Medusa.
        field!(m, sel, "calculated_amount" => amount(v.calculated.amount));
        if let Some(t) = &p.tax {
            m.serialize_entry("calculated_amount_with_tax", &amount(t.calculated_with_tax))?;
            m.serialize_entry(
                "calculated_amount_without_tax",
                &amount(t.calculated_without_tax),
            )?;
        }
        field!(m, sel,
            "calculated_price" => ChosenView(&v.calculated),
            "currency_code" => cur,
            "id" => v.price_set_id,
            "is_calculated_price_price_list" => v.calculated.price_list_id.is_some(),
            "is_calculated_price_tax_inclusive" => v.tax_inclusive,
            "is_original_price_price_list" => v.original.price_list_id.is_some(),
            "is_original_price_tax_inclusive" => v.tax_inclusive,
            "original_amount" => amount(v.original.amount),
        );
        if let Some(t) = &p.tax {
            m.serialize_entry("original_amount_with_tax", &amount(t.original_with_tax))?;
            m.serialize_entry(
                "original_amount_without_tax",
                &amount(t.original_without_tax),
            )?;
        }
        field!(m, sel,
            "original_price" => ChosenView(&v.original),
            "raw_calculated_amount" => RawAmount(v.calculated.amount, digits),
            "raw_original_amount" => RawAmount(v.original.amount, digits),
        );
        m.end()
    }
}

/// A product option; with its values when `values` is given and selected.
struct OptionView<'a> {
    option: &'a ProductOption,
    values: Option<&'a [OptionValue]>,
    sel: &'a Selection,
}

impl Serialize for OptionView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (o, sel) = (self.option, self.sel);
        let mut m = s.serialize_map(None)?;
        field!(m, sel,
            "created_at" => Ts(o.created_at),
            "deleted_at" => (),
            "id" => o.id,
            "is_exclusive" => true,
            "metadata" => o.metadata,
            "product_id" => o.product_id,
            "title" => o.title,
            "updated_at" => Ts(o.updated_at),
        );
        if let (Some(vs), Some(values)) = (sel.rel("values"), self.values) {
            m.serialize_entry(
                "values",
                &seq(values, |v| ValueView {
                    value: v,
                    option: None,
                    sel: vs,
                }),
            )?;
        }
        m.end()
    }
}

/// An option value; with its option when `option` is given and selected.
struct ValueView<'a> {
    value: &'a OptionValue,
    option: Option<&'a ProductOption>,
    sel: &'a Selection,
}

impl Serialize for ValueView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (v, sel) = (self.value, self.sel);
        let mut m = s.serialize_map(None)?;
        field!(m, sel,
            "created_at" => Ts(v.created_at),
            "deleted_at" => (),
            "id" => v.id,
            "metadata" => v.metadata,
        );
        if let (Some(os), Some(o)) = (sel.rel("option"), self.option) {
            m.serialize_entry(
                "option",
                &OptionView {
                    option: o,
                    values: None,
                    sel: os,
                },
            )?;
        }
        field!(m, sel,
            "option_id" => v.option_id,
            "rank" => v.rank,
            "updated_at" => Ts(v.updated_at),
            "value" => v.value,
        );
        m.end()
    }
}

/// Values computed per variant for a response: prices in the request's context, and the quantity
/// available in its sales channels.
#[derive(Debug, Default)]
pub struct VariantExtras {
    pub prices: HashMap<String, PricedVariant>,
    pub inventory: HashMap<String, Option<i64>>,
}

/// A variant in Medusa's shape with the selected fields, serialized directly.
pub struct VariantView<'a> {
    pub variant: &'a VariantWithOptions,
    pub sel: &'a Selection,
    pub extras: &'a VariantExtras,
}

impl Serialize for VariantView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (v, sel) = (self.variant, self.sel);
        let x = &v.variant;
        let mut m = s.serialize_map(None)?;
        field!(m, sel,
            "allow_backorder" => x.allow_backorder,
            "barcode" => x.barcode,
        );
        if let Some(ps) = sel.rel("calculated_price") {
            m.serialize_entry(
                "calculated_price",
                &self
                    .extras
                    .prices
                    .get(&x.id)
                    .map(|p| PriceView { price: p, sel: ps }),
            )?;
        }
        field!(m, sel,
            "created_at" => Ts(x.created_at),
            "deleted_at" => x.deleted_at.map(Ts),
            "ean" => x.ean,
            "height" => x.physical.height,
            "hs_code" => x.physical.hs_code,
            "id" => x.id,
        );
        // Merx has no images of a variant's own: the storefront then shows the product's.
        if sel.rel("images").is_some() {
            m.serialize_entry("images", &[(); 0])?;
        }
        field!(m, sel,
            "inventory_quantity" => self.extras.inventory.get(&x.id).copied().flatten(),
            "length" => x.physical.length,
            "manage_inventory" => x.manage_inventory,
            "material" => x.physical.material,
            "metadata" => x.metadata,
            "mid_code" => x.physical.mid_code,
        );
        if let Some(os) = sel.rel("options") {
            m.serialize_entry(
                "options",
                &seq(&v.options, |(val, opt)| ValueView {
                    value: val,
                    option: Some(opt),
                    sel: os,
                }),
            )?;
        }
        field!(m, sel,
            "origin_country" => x.physical.origin_country,
            "product_id" => x.product_id,
            "sku" => x.sku,
            "thumbnail" => x.thumbnail,
            "title" => x.title,
            "upc" => x.upc,
            "updated_at" => Ts(x.updated_at),
            "variant_rank" => x.variant_rank,
            "weight" => x.physical.weight,
            "width" => x.physical.width,
        );
        m.end()
    }
}

struct ImageView<'a>(&'a Image, &'a Selection);

impl Serialize for ImageView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (i, sel) = (self.0, self.1);
        let mut m = s.serialize_map(None)?;
        field!(m, sel,
            "created_at" => Ts(i.created_at),
            "deleted_at" => (),
            "id" => i.id,
            "metadata" => i.metadata,
            "product_id" => i.product_id,
            "rank" => i.rank,
            "updated_at" => Ts(i.updated_at),
            "url" => i.url,
        );
        m.end()
    }
}

/// A tag or a type with the selected fields.
pub struct LabelView<'a>(pub &'a Label, pub &'a Selection);

impl Serialize for LabelView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (l, sel) = (self.0, self.1);
        let mut m = s.serialize_map(None)?;
        field!(m, sel,
            "created_at" => Ts(l.created_at),
            "deleted_at" => (),
            "id" => l.id,
            "metadata" => l.metadata,
            "updated_at" => Ts(l.updated_at),
            "value" => l.value,
        );
        m.end()
    }
}

/// A collection with the selected fields (no products: see [`CollectionNodeView`]).
pub struct CollectionView<'a>(pub &'a Collection, pub &'a Selection);

impl Serialize for CollectionView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (c, sel) = (self.0, self.1);
        let mut m = s.serialize_map(None)?;
        field!(m, sel,
            "created_at" => Ts(c.created_at),
            "deleted_at" => (),
            "handle" => c.handle,
            "id" => c.id,
            "metadata" => c.metadata,
            "title" => c.title,
            "updated_at" => Ts(c.updated_at),
        );
        m.end()
    }
}

/// A category with the selected fields; a selected parent is `null` and children `[]` (a product's
/// categories, and the Admin's; the Store's tree is [`CategoryNodeView`]).
pub struct CategoryView<'a>(pub &'a Category, pub &'a Selection);

impl Serialize for CategoryView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (c, sel) = (self.0, self.1);
        let mut m = s.serialize_map(None)?;
        if sel.rel("category_children").is_some() {
            m.serialize_entry("category_children", &[(); 0])?;
        }
        field!(m, sel,
            "created_at" => Ts(c.created_at),
            "deleted_at" => (),
            "description" => c.description,
            "handle" => c.handle,
            "id" => c.id,
            "is_active" => c.is_active,
            "is_internal" => c.is_internal,
            "metadata" => c.metadata,
            "name" => c.name,
        );
        if sel.rel("parent_category").is_some() {
            m.serialize_entry("parent_category", &())?;
        }
        field!(m, sel,
            "parent_category_id" => c.parent_category_id,
            "rank" => c.rank,
            "updated_at" => Ts(c.updated_at),
        );
        m.end()
    }
}

/// A product in Medusa's shape with the selected fields, serialized directly.
pub struct ProductView<'a> {
    pub bundle: &'a ProductBundle,
    pub sel: &'a Selection,
    pub extras: &'a VariantExtras,
}

impl Serialize for ProductView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (b, sel) = (self.bundle, self.sel);
        let p = &b.product;
        let mut m = s.serialize_map(None)?;
        if let Some(cs) = sel.rel("categories") {
            m.serialize_entry("categories", &seq(&b.categories, |c| CategoryView(c, cs)))?;
        }
        if let Some(cs) = sel.rel("collection") {
            m.serialize_entry(
                "collection",
                &b.collection.as_ref().map(|c| CollectionView(c, cs)),
            )?;
        }
        field!(m, sel,
            "collection_id" => p.collection_id,
            "created_at" => Ts(p.created_at),
            "deleted_at" => p.deleted_at.map(Ts),
            "description" => p.description,
            "discountable" => p.discountable,
            "external_id" => p.external_id,
            "handle" => p.handle,
            "height" => p.physical.height,
            "hs_code" => p.physical.hs_code,
            "id" => p.id,
        );
        if let Some(is) = sel.rel("images") {
            m.serialize_entry("images", &seq(&b.images, |i| ImageView(i, is)))?;
        }
        field!(m, sel,
            "is_giftcard" => p.is_giftcard,
            "length" => p.physical.length,
            "material" => p.physical.material,
            "metadata" => p.metadata,
            "mid_code" => p.physical.mid_code,
        );
        if let Some(os) = sel.rel("options") {
            m.serialize_entry(
                "options",
                &seq(&b.options, |o| OptionView {
                    option: &o.option,
                    values: Some(&o.values),
                    sel: os,
                }),
            )?;
        }
        field!(m, sel,
            "origin_country" => p.physical.origin_country,
            "status" => p.status.as_str(),
            "subtitle" => p.subtitle,
        );
        if let Some(ts) = sel.rel("tags") {
            m.serialize_entry("tags", &seq(&b.tags, |t| LabelView(t, ts)))?;
        }
        field!(m, sel,
            "thumbnail" => p.thumbnail,
            "title" => p.title,
        );
        if let Some(ts) = sel.rel("type") {
            m.serialize_entry("type", &b.product_type.as_ref().map(|t| LabelView(t, ts)))?;
        }
        field!(m, sel,
            "type_id" => p.type_id,
            "updated_at" => Ts(p.updated_at),
        );
        if let Some(vs) = sel.rel("variants") {
            m.serialize_entry(
                "variants",
                &seq(&b.variants, |v| VariantView {
                    variant: v,
                    sel: vs,
                    extras: self.extras,
                }),
            )?;
        }
        field!(m, sel,
            "weight" => p.physical.weight,
            "width" => p.physical.width,
        );
        m.end()
    }
}

/// How many levels of `category_children` a category tree shows at most.
pub const TREE_DEPTH: usize = 10;

/// The selection a category's `category_children` are shown with, if they are shown: the one
/// `category_children` names, else (with `include_descendants_tree`, `descend`) the category's own,
/// so the whole subtree comes along.
pub fn children_selection(sel: &Selection, descend: bool) -> Option<&Selection> {
    sel.rel("category_children")
        .or(if descend { Some(sel) } else { None })
}

/// What Store categories show beyond their own rows, loaded in batches before rendering:
/// the parents reached (by id), each category's children, and each one's products.
#[derive(Debug, Default)]
pub struct CategoryGraph {
    /// Every category loaded, by id: parents are found here.
    pub categories: HashMap<String, Category>,
    /// Children by parent id, in rank order.
    pub children: HashMap<String, Vec<Category>>,
    pub products: HashMap<String, Vec<Arc<ProductBundle>>>,
    /// What products under a category show of their variants: nothing request-dependent.
    pub extras: VariantExtras,
}

/// A Store category with the selected fields: `parent_category` (a category or `null`),
/// `category_children` and `products` (arrays) as far as the selection and the graph reach.
pub struct CategoryNodeView<'a> {
    pub category: &'a Category,
    pub sel: &'a Selection,
    pub graph: &'a CategoryGraph,
    /// `include_descendants_tree`: children bring their own children (not so for parents).
    pub descend: bool,
    /// Levels below the listed category (guards against a looping tree).
    pub depth: usize,
}

impl Serialize for CategoryNodeView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (c, sel, g) = (self.category, self.sel, self.graph);
        let mut m = s.serialize_map(None)?;
        if let Some(cs) = children_selection(sel, self.descend) {
            let kids: &[Category] = match g.children.get(&c.id) {
                Some(k) if self.depth < TREE_DEPTH => k,
                _ => &[],
            };
            m.serialize_entry(
                "category_children",
                &seq(kids, |k| CategoryNodeView {
                    category: k,
                    sel: cs,
                    graph: g,
                    descend: self.descend,
                    depth: self.depth + 1,
                }),
            )?;
        }
        field!(m, sel,
            "created_at" => Ts(c.created_at),
            "deleted_at" => (),
            "description" => c.description,
            "handle" => c.handle,
            "id" => c.id,
            "is_active" => c.is_active,
            "is_internal" => c.is_internal,
            "metadata" => c.metadata,
            "name" => c.name,
        );
        if let Some(ps) = sel.rel("parent_category") {
            let parent = c
                .parent_category_id
                .as_ref()
                .and_then(|p| g.categories.get(p));
            m.serialize_entry(
                "parent_category",
                &parent.map(|p| CategoryNodeView {
                    category: p,
                    sel: ps,
                    graph: g,
                    descend: false,
                    depth: self.depth + 1,
                }),
            )?;
        }
        field!(m, sel, "parent_category_id" => c.parent_category_id);
        if let Some(ps) = sel.rel("products") {
            let products = g.products.get(&c.id).map_or(&[][..], Vec::as_slice);
            m.serialize_entry(
                "products",
                &seq(products, |b| ProductView {
                    bundle: b,
                    sel: ps,
                    extras: &g.extras,
                }),
            )?;
        }
        field!(m, sel,
            "rank" => c.rank,
            "updated_at" => Ts(c.updated_at),
        );
        m.end()
    }
}

/// A Store collection with the selected fields, and its `products` when selected.
pub struct CollectionNodeView<'a> {
    pub collection: &'a Collection,
    pub sel: &'a Selection,
    pub products: &'a HashMap<String, Vec<Arc<ProductBundle>>>,
    pub extras: &'a VariantExtras,
}

impl Serialize for CollectionNodeView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (c, sel) = (self.collection, self.sel);
        let mut m = s.serialize_map(None)?;
        field!(m, sel,
            "created_at" => Ts(c.created_at),
            "deleted_at" => (),
            "handle" => c.handle,
            "id" => c.id,
            "metadata" => c.metadata,
        );
        if let Some(ps) = sel.rel("products") {
            let products = self.products.get(&c.id).map_or(&[][..], Vec::as_slice);
            m.serialize_entry(
                "products",
                &seq(products, |b| ProductView {
                    bundle: b,
                    sel: ps,
                    extras: self.extras,
                }),
            )?;
        }
        field!(m, sel,
            "title" => c.title,
            "updated_at" => Ts(c.updated_at),
        );
        m.end()
    }
}

/// `{key: items, "count", "offset", "limit"}`: a page of views (as `list_answer!` lays one out).
pub struct PageView<V> {
    key: &'static str,
    items: V,
    count: i64,
    offset: i64,
    limit: i64,
}

impl<V> PageView<V> {
    pub fn new<P>(key: &'static str, items: V, page: &merx_types::Page<P>) -> Self {
        Self {
            key,
            items,
            count: page.count,
            offset: page.offset,
            limit: page.limit,
        }
    }
}

impl<V: Serialize> Serialize for PageView<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry(self.key, &self.items)?;
        m.serialize_entry("count", &self.count)?;
        m.serialize_entry("offset", &self.offset)?;
        m.serialize_entry("limit", &self.limit)?;
        m.end()
    }
}

/// `{key: item}`.
pub struct OneView<V>(pub &'static str, pub V);

impl<V: Serialize> Serialize for OneView<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(self.0, &self.1)?;
        m.end()
    }
}

/// A product as a `Value` (see [`ProductView`] to serialize one directly); the views' tests
/// compare the two.
#[cfg(test)]
pub fn product_json(b: &ProductBundle, sel: &Selection, extras: &VariantExtras) -> Value {
    serde_json::to_value(ProductView {
        bundle: b,
        sel,
        extras,
    })
    .unwrap_or(Value::Null)
}

/// [`LabelView`] as a `Value`, for answers that hold one.
pub fn label_json(l: &Label, sel: &Selection) -> Value {
    serde_json::to_value(LabelView(l, sel)).unwrap_or(Value::Null)
}

/// [`CollectionView`] as a `Value`, for answers that hold one.
pub fn collection_json(c: &Collection, sel: &Selection) -> Value {
    serde_json::to_value(CollectionView(c, sel)).unwrap_or(Value::Null)
}

/// [`CategoryView`] as a `Value`, for answers that hold one.
pub fn category_json(c: &Category, sel: &Selection) -> Value {
    serde_json::to_value(CategoryView(c, sel)).unwrap_or(Value::Null)
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The `Value` rendering the views replaced, kept as their oracle: same bytes, field for field.
    #[allow(dead_code)]
    mod oracle {
        use super::super::{
            amount, raw_amount, Category, ChosenPrice, Collection, Image, Label, OptionValue,
            PricedVariant, ProductBundle, ProductOption, Selection, VariantExtras, VariantPrice,
            VariantWithOptions,
        };
        use crate::dto::{opt_ts, ts};
        use serde_json::{json, Map, Value};

        macro_rules! put {
            ($map:ident, $sel:ident, $($key:literal => $val:expr),* $(,)?) => {
                $( if $sel.has($key) { $map.insert($key.to_string(), json!($val)); } )*
            };
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

        fn calculated_price(p: &PricedVariant, sel: &Selection) -> Value {
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

        fn option_json(
            o: &ProductOption,
            values: Option<&[OptionValue]>,
            sel: &Selection,
        ) -> Value {
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
            if sel.rel("images").is_some() {
                m.insert("images".into(), json!([]));
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

        fn label_json(l: &Label, sel: &Selection) -> Value {
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

        fn collection_json(c: &Collection, sel: &Selection) -> Value {
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
        pub(super) fn category_json(
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

        fn product_json(b: &ProductBundle, sel: &Selection, extras: &VariantExtras) -> Value {
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

        pub(super) fn product(b: &ProductBundle, sel: &Selection, extras: &VariantExtras) -> Value {
            product_json(b, sel, extras)
        }
    }

    pub(crate) fn at(secs: i64) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).unwrap()
    }

    /// A product with every relation, odd values included (metadata, escapes, a deleted-at).
    pub(crate) fn rich_bundle() -> ProductBundle {
        use merx_core::catalog::*;
        let physical = |n: i64| Physical {
            weight: Some(n),
            length: None,
            height: Some(n + 1),
            width: None,
            hs_code: Some("hs\"q\"".into()),
            origin_country: None,
            mid_code: Some("mid".into()),
            material: Some("Linen é".into()),
        };
        let option = |id: &str, rank| ProductOption {
            id: id.into(),
            product_id: "prod_1".into(),
            title: format!("Title {id}"),
            rank,
            metadata: if rank == 0 {
                Some(json!({"z": 1, "a": [1, "x"]}))
            } else {
                None
            },
            created_at: at(1),
            updated_at: at(2),
        };
        let value = |id: &str, option_id: &str, rank| OptionValue {
            id: id.into(),
            option_id: option_id.into(),
            value: format!("V{id}"),
            rank,
            metadata: None,
            created_at: at(3),
            updated_at: at(4),
        };
        let variant = |id: &str, rank| Variant {
            id: id.into(),
            product_id: "prod_1".into(),
            title: format!("Variant {id}"),
            sku: Some(format!("SKU-{id}")),
            barcode: None,
            ean: Some("ean".into()),
            upc: None,
            allow_backorder: rank == 1,
            manage_inventory: rank != 1,
            physical: physical(rank),
            variant_rank: rank,
            thumbnail: None,
            metadata: Some(json!({"k": "v"})),
            created_at: at(5),
            updated_at: at(6),
            deleted_at: (rank == 2).then(|| at(7)),
        };
        let label = |id: &str| Label {
            id: id.into(),
            value: format!("label {id}"),
            metadata: Some(json!({})),
            created_at: at(8),
            updated_at: at(9),
        };
        let category = |id: &str, parent: Option<&str>| Category {
            id: id.into(),
            name: format!("Cat {id}"),
            description: "d\n".into(),
            handle: id.into(),
            parent_category_id: parent.map(str::to_string),
            rank: 3,
            is_active: true,
            is_internal: false,
            metadata: None,
            created_at: at(10),
            updated_at: at(11),
        };
        let (size, color) = (option("opt_size", 0), option("opt_color", 1));
        let values = [
            value("val_s", "opt_size", 0),
            value("val_m", "opt_size", 1),
            value("val_red", "opt_color", 0),
        ];
        ProductBundle {
            product: Product {
                id: "prod_1".into(),
                title: "Alpine \"Linen\" Shirt".into(),
                subtitle: None,
                description: Some("<b>soft</b> & light\u{1}".into()),
                handle: "alpine-linen-shirt".into(),
                status: ProductStatus::Published,
                is_giftcard: false,
                discountable: true,
                thumbnail: Some("https://x/y.png".into()),
                collection_id: Some("pcol_1".into()),
                type_id: Some("ptyp_1".into()),
                physical: physical(10),
                external_id: None,
                metadata: Some(json!({"b": null, "a": 1.5})),
                created_at: at(12),
                updated_at: at(13),
                deleted_at: None,
            },
            variants: vec![
                VariantWithOptions {
                    variant: variant("variant_a", 0),
                    options: vec![
                        (values[0].clone(), size.clone()),
                        (values[2].clone(), color.clone()),
                    ],
                },
                VariantWithOptions {
                    variant: variant("variant_b", 1),
                    options: vec![(values[1].clone(), size.clone())],
                },
                VariantWithOptions {
                    variant: variant("variant_c", 2),
                    options: vec![],
                },
            ],
            options: vec![
                OptionWithValues {
                    option: size,
                    values: values[..2].to_vec(),
                },
                OptionWithValues {
                    option: color,
                    values: values[2..].to_vec(),
                },
            ],
            images: vec![Image {
                id: "img_1".into(),
                product_id: "prod_1".into(),
                url: "https://x/1.png".into(),
                rank: 0,
                metadata: None,
                created_at: at(14),
                updated_at: at(15),
            }],
            tags: vec![label("ptag_1"), label("ptag_2")],
            product_type: Some(label("ptyp_1")),
            collection: Some(Collection {
                id: "pcol_1".into(),
                title: "Summer".into(),
                handle: "summer".into(),
                metadata: None,
                created_at: at(16),
                updated_at: at(17),
            }),
            categories: vec![category("pcat_1", None), category("pcat_2", Some("pcat_1"))],
            sales_channel_ids: vec![],
        }
    }

    fn extras(tax: bool, currency: &str) -> VariantExtras {
        use merx_core::pricing::{calc::PriceListType, ChosenPrice, VariantPrice};
        use merx_core::storefront::TaxAmounts;
        let chosen = |id: &str, amount, list: bool| ChosenPrice {
            price_id: id.into(),
            amount,
            price_list_id: list.then(|| "plist_1".to_string()),
            price_list_type: list.then_some(PriceListType::Sale),
            min_quantity: list.then_some(2),
            max_quantity: None,
        };
        let mut prices = HashMap::new();
        for (i, id) in ["variant_a", "variant_b"].iter().enumerate() {
            prices.insert(
                id.to_string(),
                PricedVariant {
                    price: VariantPrice {
                        price_set_id: format!("pset_{i}"),
                        currency_code: currency.into(),
                        tax_inclusive: i == 1,
                        calculated: chosen("price_c", 2499 + i as i64, i == 0),
                        original: chosen("price_o", 3000, false),
                    },
                    tax: tax.then_some(TaxAmounts {
                        calculated_with_tax: 2974,
                        calculated_without_tax: 2499,
                        original_with_tax: 3570,
                        original_without_tax: 3000,
                    }),
                },
            );
        }
        let inventory = HashMap::from([
            ("variant_a".to_string(), Some(7)),
            ("variant_b".to_string(), None),
        ]);
        VariantExtras { prices, inventory }
    }

    fn store_selection(categories: bool, prices: bool) -> Selection {
        let mut s = default_product_selection(categories);
        if prices {
            if let Some(v) = s.relations.get_mut("variants") {
                v.relations
                    .insert("calculated_price", Selection::all(&CALCULATED_PRICE));
            }
        }
        s
    }

    #[test]
    fn views_serialize_the_bytes_the_value_rendering_gave() {
        let b = rich_bundle();
        let mut selections = vec![
            store_selection(false, false),
            store_selection(true, true),
            store_selection(false, true),
        ];
        for fields in [
            "+variants.inventory_quantity,+status,+metadata,+external_id,+deleted_at",
            "*variants.options.option,*categories.parent_category,*categories.category_children,+categories.is_active",
            "id,title,variants.calculated_price.calculated_amount,variants.calculated_price.id",
            "*variants.calculated_price,+variants.calculated_price.calculated_amount_with_tax",
            "-variants,-options,+options.product_id",
            "handle,options.values.option,images.url,tags.value,type.value,collection.handle",
            "+variants.options.option.values",
            "*variants.calculated_price,+variants.inventory_quantity,*variants.images,+metadata,+tags,",
        ] {
            selections.push(
                crate::fields::select(&PRODUCT, &store_selection(true, true), Some(fields))
                    .unwrap_or_else(|e| panic!("{fields}: {}", e.message)),
            );
        }
        for sel in &selections {
            for (tax, currency) in [(false, "eur"), (true, "eur"), (true, "jpy"), (false, "kwd")] {
                let x = extras(tax, currency);
                let expected = serde_json::to_string(&oracle::product(&b, sel, &x)).unwrap();
                let view = ProductView {
                    bundle: &b,
                    sel,
                    extras: &x,
                };
                assert_eq!(serde_json::to_string(&view).unwrap(), expected, "{sel:?}");
                assert_eq!(product_json(&b, sel, &x).to_string(), expected);
            }
        }
    }

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

    /// Every field and relation a Store product can carry.
    const EVERYTHING: &str = "*variants.calculated_price,+variants.inventory_quantity,+status,\
        +metadata,+external_id,+deleted_at,*variants.options.option,*categories.parent_category,\
        *categories.category_children,+categories.is_active,+categories.is_internal,\
        +options.product_id,*variants.images";

    #[test]
    fn products_emit_only_what_their_shape_documents() {
        use crate::views::catalog::{undocumented, ProductShape};
        let b = rich_bundle();
        let mut selections = vec![store_selection(false, false), store_selection(true, true)];
        for fields in [
            EVERYTHING,
            "id,title",
            "-variants,-options,+options.product_id",
        ] {
            selections.push(
                crate::fields::select(&PRODUCT, &store_selection(true, true), Some(fields))
                    .unwrap_or_else(|e| panic!("{fields}: {}", e.message)),
            );
        }
        for sel in &selections {
            for (tax, currency) in [(false, "eur"), (true, "eur"), (true, "kwd")] {
                let x = extras(tax, currency);
                let view = ProductView {
                    bundle: &b,
                    sel,
                    extras: &x,
                };
                let value = serde_json::to_value(&view).unwrap();
                assert_eq!(undocumented::<ProductShape>(&value), Vec::<String>::new());
            }
        }
        // The tax amounts are there to be checked.
        let sel = crate::fields::select(&PRODUCT, &store_selection(true, true), Some(EVERYTHING))
            .unwrap();
        let x = extras(true, "eur");
        let value = product_json(&b, &sel, &x);
        let price = &value["variants"][0]["calculated_price"];
        assert!(price["calculated_amount_with_tax"].is_number(), "{price}");
        assert!(value["variants"][0]["inventory_quantity"].is_number());
    }

    #[test]
    fn taxonomy_emits_only_what_its_shapes_document() {
        use crate::views::catalog::{
            undocumented, ProductCategoryShape, ProductCollectionShape, ProductTagShape,
            ProductTypeShape,
        };
        let b = rich_bundle();
        let (parent, child) = (&b.categories[0], &b.categories[1]);
        let mut sel = Selection::all(&CATEGORY);
        sel.scalars.extend(["is_active", "is_internal"]);
        let sel = sel
            .clone()
            .with("parent_category", sel.clone())
            .with("category_children", sel.clone());
        let children = [oracle::category_json(child, &sel, Some(parent), &[])];
        let value = oracle::category_json(parent, &sel, None, &children);
        assert!(value["category_children"][0]["parent_category"].is_object());
        assert_eq!(
            undocumented::<ProductCategoryShape>(&value),
            Vec::<String>::new()
        );
        let collection = b.collection.as_ref().unwrap();
        let value = collection_json(collection, &Selection::all(&COLLECTION));
        assert_eq!(
            undocumented::<ProductCollectionShape>(&value),
            Vec::<String>::new()
        );
        let value = label_json(&b.tags[0], &Selection::all(&LABEL));
        assert_eq!(
            undocumented::<ProductTagShape>(&value),
            Vec::<String>::new()
        );
        assert_eq!(
            undocumented::<ProductTypeShape>(&value),
            Vec::<String>::new()
        );
    }

    #[test]
    fn store_categories_and_collections_emit_only_what_their_shapes_document() {
        use crate::views::catalog::{undocumented, ProductCategoryShape, ProductCollectionShape};
        let b = Arc::new(rich_bundle());
        let (parent, child) = (b.categories[0].clone(), b.categories[1].clone());
        let mut graph = CategoryGraph::default();
        graph.categories.insert(parent.id.clone(), parent.clone());
        graph.categories.insert(child.id.clone(), child.clone());
        graph
            .children
            .insert(parent.id.clone(), vec![child.clone()]);
        graph.products.insert(child.id.clone(), vec![b.clone()]);
        let fields = "*category_children, *products, *parent_category, \
            *parent_category.parent_category,+is_active,+is_internal,+products.status,\
            +products.metadata,*products.variants.images,*products.variants.options.option,\
            *products.options.values,*products.images,*products.tags,*products.type,\
            *products.collection,*category_children.parent_category,\
            *category_children.products";
        let sel = crate::fields::select(
            &CATEGORY_TREE,
            &Selection::all(&CATEGORY_TREE),
            Some(fields),
        )
        .unwrap_or_else(|e| panic!("{}", e.message));
        for (c, descend) in [(&parent, false), (&child, false), (&parent, true)] {
            let view = CategoryNodeView {
                category: c,
                sel: &sel,
                graph: &graph,
                descend,
                depth: 0,
            };
            let value = serde_json::to_value(&view).unwrap();
            assert_eq!(
                undocumented::<ProductCategoryShape>(&value),
                Vec::<String>::new()
            );
            if c.id == child.id {
                assert_eq!(value["parent_category"]["id"], parent.id.as_str());
                assert_eq!(value["parent_category"]["parent_category"], Value::Null);
                assert_eq!(value["products"][0]["variants"][0]["images"], json!([]));
            } else {
                let kid = &value["category_children"][0];
                assert_eq!(kid["parent_category"]["id"], parent.id.as_str(), "{value}");
                assert_eq!(kid["products"][0]["id"], b.product.id.as_str());
                assert_eq!(value["products"], json!([]));
            }
        }
        let collection = b.collection.clone().unwrap();
        let products = HashMap::from([(collection.id.clone(), vec![b.clone()])]);
        let sel = crate::fields::select(
            &COLLECTION_WITH_PRODUCTS,
            &Selection::all(&COLLECTION_WITH_PRODUCTS),
            Some("*products,+products.metadata,*products.variants,*products.variants.images"),
        )
        .unwrap_or_else(|e| panic!("{}", e.message));
        let value = serde_json::to_value(CollectionNodeView {
            collection: &collection,
            sel: &sel,
            products: &products,
            extras: &VariantExtras::default(),
        })
        .unwrap();
        assert_eq!(value["products"][0]["variants"][2]["images"], json!([]));
        assert_eq!(
            undocumented::<ProductCollectionShape>(&value),
            Vec::<String>::new()
        );
        // What these routes do not compute cannot be asked for.
        for bad in [
            "*products.variants.calculated_price",
            "+products.variants.inventory_quantity",
        ] {
            let e = crate::fields::select(
                &COLLECTION_WITH_PRODUCTS,
                &Selection::all(&COLLECTION_WITH_PRODUCTS),
                Some(bad),
            )
            .unwrap_err();
            assert!(e.message.contains(bad), "{}", e.message);
        }
    }

    #[test]
    fn regions_emit_only_what_their_shape_documents() {
        use crate::views::catalog::undocumented;
        use crate::views::region::RegionShape;
        let r = Region {
            id: "reg_1".into(),
            name: "Europe".into(),
            currency_code: "eur".into(),
            automatic_taxes: true,
            is_tax_inclusive: false,
            metadata: Some(json!({"a": 1})),
            countries: vec!["de".into(), "fr".into()],
            payment_providers: vec!["pp_system_default".into()],
            created_at: at(1),
            updated_at: at(2),
        };
        let mut sel = Selection::all(&REGION)
            .with("countries", Selection::all(&COUNTRY))
            .with("payment_providers", Selection::all(&PAYMENT_PROVIDER));
        sel.scalars.extend(["automatic_taxes", "is_tax_inclusive"]);
        let value = region_json(&r, &sel);
        assert_eq!(value["countries"][1]["iso_3"], "fra");
        assert_eq!(undocumented::<RegionShape>(&value), Vec::<String>::new());
    }
}
