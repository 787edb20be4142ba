//! Medusa's `fields` on carts, orders and customers, and the live relations it can expand: a line
//! item's `variant` and `product` (`*items.variant`, `*items.product`), an order's
//! `payment_collections.payments`, a customer's `orders`.
//!
//! Carts, orders and customers are typed answers that always carry their default fields; `fields`
//! is checked against what they have (an unknown field or relation is a 400 naming it, as on the
//! catalog) and adds the relations that are not there by default. The expanded variant and
//! product honour the selection below them (`items.variant.title`), through the catalog's
//! serializers.

use std::collections::HashMap;
use std::sync::Arc;

use merx_core::catalog::ProductBundle;
use serde::ser::{Serialize, Serializer};

use crate::error::ApiResult;
use crate::fields::{self, Entity, Selection};
use crate::render::{self, ProductView, VariantExtras, VariantView};
use crate::AppState;

const TOTALS: [&str; 28] = [
    "total",
    "subtotal",
    "tax_total",
    "discount_total",
    "discount_subtotal",
    "discount_tax_total",
    "original_total",
    "original_tax_total",
    "original_subtotal",
    "item_total",
    "item_subtotal",
    "item_tax_total",
    "item_discount_total",
    "original_item_total",
    "original_item_subtotal",
    "original_item_tax_total",
    "shipping_total",
    "shipping_subtotal",
    "shipping_tax_total",
    "shipping_discount_total",
    "original_shipping_total",
    "original_shipping_subtotal",
    "original_shipping_tax_total",
    "credit_line_total",
    "credit_line_subtotal",
    "credit_line_tax_total",
    "gift_card_total",
    "gift_card_tax_total",
];

const LINE_TOTALS: [&str; 9] = [
    "subtotal",
    "tax_total",
    "total",
    "original_total",
    "original_subtotal",
    "original_tax_total",
    "discount_total",
    "discount_subtotal",
    "discount_tax_total",
];

/// `A` followed by `B`, as one array (for the entity lists below).
const fn join<const A: usize, const B: usize, const N: usize>(
    a: [&'static str; A],
    b: [&'static str; B],
) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    while i < N {
        out[i] = b[i - A];
        i += 1;
    }
    out
}

const CART_COLUMNS: [&str; 13] = [
    "id",
    "currency_code",
    "email",
    "region_id",
    "customer_id",
    "sales_channel_id",
    "shipping_address_id",
    "billing_address_id",
    "metadata",
    "completed_at",
    "locale",
    "created_at",
    "updated_at",
];
static CART_SCALARS: [&str; 41] = join(CART_COLUMNS, TOTALS);

static CART: Entity = Entity {
    scalars: &CART_SCALARS,
    extra: &[],
    relations: &[
        ("items", &CART_ITEM),
        ("shipping_methods", &CART_SHIPPING_METHOD),
        ("promotions", &PROMOTION),
        ("credit_lines", &CREDIT_LINE),
        ("customer", &CART_CUSTOMER),
        ("region", &CART_REGION),
        ("payment_collection", &PAYMENT_COLLECTION),
        ("shipping_address", &ADDRESS),
        ("billing_address", &ADDRESS),
    ],
};

const CART_ITEM_COLUMNS: [&str; 28] = [
    "id",
    "cart_id",
    "title",
    "subtitle",
    "thumbnail",
    "quantity",
    "variant_id",
    "product_id",
    "product_title",
    "product_description",
    "product_subtitle",
    "product_type",
    "product_type_id",
    "product_collection",
    "product_handle",
    "variant_sku",
    "variant_barcode",
    "variant_title",
    "variant_option_values",
    "requires_shipping",
    "is_discountable",
    "is_giftcard",
    "is_tax_inclusive",
    "unit_price",
    "compare_at_unit_price",
    "metadata",
    "created_at",
    "updated_at",
];
static CART_ITEM_SCALARS: [&str; 37] = join(CART_ITEM_COLUMNS, LINE_TOTALS);

static CART_ITEM: Entity = Entity {
    scalars: &CART_ITEM_SCALARS,
    extra: &[],
    relations: &[
        ("tax_lines", &TAX_LINE),
        ("adjustments", &ADJUSTMENT),
        ("product", &LINE_PRODUCT),
        ("variant", &LINE_VARIANT),
    ],
};

const CART_METHOD_COLUMNS: [&str; 9] = [
    "id",
    "cart_id",
    "name",
    "shipping_option_id",
    "amount",
    "is_tax_inclusive",
    "data",
    "created_at",
    "updated_at",
];
static CART_METHOD_SCALARS: [&str; 18] = join(CART_METHOD_COLUMNS, LINE_TOTALS);

static CART_SHIPPING_METHOD: Entity = Entity {
    scalars: &CART_METHOD_SCALARS,
    extra: &[],
    relations: &[("tax_lines", &TAX_LINE), ("adjustments", &ADJUSTMENT)],
};

static TAX_LINE: Entity = Entity {
    scalars: &[
        "id",
        "description",
        "code",
        "rate",
        "provider_id",
        "tax_rate_id",
        "total",
    ],
    extra: &[],
    relations: &[],
};

/// Adjustments and promotions are always empty until promotions exist; their columns may be
/// asked for all the same.
static ADJUSTMENT: Entity = Entity {
    scalars: &["id", "code", "amount", "promotion_id", "description"],
    extra: &[],
    relations: &[],
};

static PROMOTION: Entity = Entity {
    scalars: &["id", "code", "is_automatic", "type", "status"],
    extra: &[],
    relations: &[],
};

static CREDIT_LINE: Entity = Entity {
    scalars: &["id", "amount", "reference", "reference_id"],
    extra: &[],
    relations: &[],
};

static LINKED: Entity = Entity {
    scalars: &["id"],
    extra: &[],
    relations: &[],
};

static CART_CUSTOMER: Entity = Entity {
    scalars: &["id", "email"],
    extra: &[],
    relations: &[("groups", &LINKED)],
};

static CART_REGION: Entity = Entity {
    scalars: &[
        "id",
        "name",
        "currency_code",
        "automatic_taxes",
        "metadata",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    extra: &[],
    relations: &[("countries", &render::COUNTRY)],
};

static ADDRESS: Entity = Entity {
    scalars: &[
        "id",
        "first_name",
        "last_name",
        "company",
        "address_1",
        "address_2",
        "city",
        "postal_code",
        "country_code",
        "province",
        "phone",
        "metadata",
    ],
    extra: &[],
    relations: &[],
};

static PAYMENT_COLLECTION: Entity = Entity {
    scalars: &[
        "id",
        "currency_code",
        "amount",
        "raw_amount",
        "status",
        "authorized_amount",
        "captured_amount",
        "refunded_amount",
        "completed_at",
        "metadata",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    extra: &[],
    relations: &[
        ("payment_sessions", &PAYMENT_SESSION),
        ("payments", &PAYMENT),
    ],
};

static PAYMENT_SESSION: Entity = Entity {
    scalars: &[
        "id",
        "currency_code",
        "provider_id",
        "data",
        "context",
        "status",
        "authorized_at",
        "payment_collection_id",
        "amount",
        "raw_amount",
        "metadata",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    extra: &[],
    relations: &[],
};

static PAYMENT: Entity = Entity {
    scalars: &[
        "id",
        "currency_code",
        "provider_id",
        "data",
        "metadata",
        "captured_at",
        "canceled_at",
        "payment_collection_id",
        "payment_session_id",
        "amount",
        "raw_amount",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    extra: &[],
    relations: &[],
};

const ORDER_COLUMNS: [&str; 15] = [
    "id",
    "display_id",
    "custom_display_id",
    "status",
    "email",
    "currency_code",
    "region_id",
    "customer_id",
    "sales_channel_id",
    "payment_status",
    "fulfillment_status",
    "metadata",
    "canceled_at",
    "created_at",
    "updated_at",
];
static ORDER_SCALARS: [&str; 43] = join(ORDER_COLUMNS, TOTALS);

static ORDER: Entity = Entity {
    scalars: &ORDER_SCALARS,
    extra: &[],
    relations: &[
        ("items", &ORDER_ITEM),
        ("shipping_methods", &ORDER_SHIPPING_METHOD),
        ("credit_lines", &CREDIT_LINE),
        ("payment_collections", &PAYMENT_COLLECTION),
        ("summary", &ORDER_SUMMARY),
        ("shipping_address", &ADDRESS),
        ("billing_address", &ADDRESS),
    ],
};

const ORDER_ITEM_COLUMNS: [&str; 30] = [
    "id",
    "title",
    "subtitle",
    "thumbnail",
    "variant_id",
    "product_id",
    "product_title",
    "product_description",
    "product_subtitle",
    "product_type",
    "product_type_id",
    "product_collection",
    "product_handle",
    "variant_sku",
    "variant_barcode",
    "variant_title",
    "variant_option_values",
    "requires_shipping",
    "is_giftcard",
    "is_discountable",
    "is_tax_inclusive",
    "is_custom_price",
    "metadata",
    "unit_price",
    "raw_unit_price",
    "compare_at_unit_price",
    "quantity",
    "created_at",
    "updated_at",
    "deleted_at",
];
static ORDER_ITEM_SCALARS: [&str; 39] = join(ORDER_ITEM_COLUMNS, LINE_TOTALS);

static ORDER_ITEM: Entity = Entity {
    scalars: &ORDER_ITEM_SCALARS,
    extra: &[],
    relations: &[
        ("tax_lines", &TAX_LINE),
        ("adjustments", &ADJUSTMENT),
        ("detail", &ORDER_ITEM_DETAIL),
        ("product", &LINE_PRODUCT),
        ("variant", &LINE_VARIANT),
    ],
};

static ORDER_ITEM_DETAIL: Entity = Entity {
    scalars: &[
        "order_id",
        "item_id",
        "quantity",
        "fulfilled_quantity",
        "shipped_quantity",
        "delivered_quantity",
        "return_received_quantity",
    ],
    extra: &[],
    relations: &[],
};

const ORDER_METHOD_COLUMNS: [&str; 14] = [
    "id",
    "order_id",
    "name",
    "description",
    "shipping_option_id",
    "amount",
    "raw_amount",
    "is_tax_inclusive",
    "is_custom_amount",
    "data",
    "metadata",
    "created_at",
    "updated_at",
    "deleted_at",
];
static ORDER_METHOD_SCALARS: [&str; 23] = join(ORDER_METHOD_COLUMNS, LINE_TOTALS);

static ORDER_SHIPPING_METHOD: Entity = Entity {
    scalars: &ORDER_METHOD_SCALARS,
    extra: &[],
    relations: &[("tax_lines", &TAX_LINE), ("adjustments", &ADJUSTMENT)],
};

static ORDER_SUMMARY: Entity = Entity {
    scalars: &[
        "paid_total",
        "refunded_total",
        "accounting_total",
        "credit_line_total",
        "transaction_total",
        "pending_difference",
        "current_order_total",
        "original_order_total",
    ],
    extra: &[],
    relations: &[],
};

static CUSTOMER: Entity = Entity {
    scalars: &[
        "id",
        "email",
        "company_name",
        "first_name",
        "last_name",
        "phone",
        "metadata",
        "has_account",
        "created_by",
        "default_billing_address_id",
        "default_shipping_address_id",
        "deleted_at",
        "created_at",
        "updated_at",
    ],
    extra: &[],
    relations: &[
        ("addresses", &CUSTOMER_ADDRESS),
        ("groups", &LINKED),
        ("orders", &CUSTOMER_ORDER),
    ],
};

static CUSTOMER_ADDRESS: Entity = Entity {
    scalars: &[
        "id",
        "address_name",
        "is_default_shipping",
        "is_default_billing",
        "customer_id",
        "company",
        "first_name",
        "last_name",
        "address_1",
        "address_2",
        "city",
        "country_code",
        "province",
        "postal_code",
        "phone",
        "metadata",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    extra: &[],
    relations: &[],
};

/// A customer's order as `*orders` selects it: the order's own columns.
static CUSTOMER_ORDER: Entity = Entity {
    scalars: &[
        "id",
        "display_id",
        "status",
        "email",
        "currency_code",
        "region_id",
        "customer_id",
        "sales_channel_id",
        "is_draft_order",
        "metadata",
        "canceled_at",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    extra: &[],
    relations: &[],
};

/// A line item's variant: the catalog's variant columns and option values. Its price and stock
/// are not a line item's (the line has its own `unit_price`), so they cannot be asked here.
static LINE_VARIANT: Entity = Entity {
    scalars: render::VARIANT.scalars,
    extra: &[],
    relations: &[("options", &render::OPTION_VALUE)],
};

/// A line item's product, with the relations the Store shows of a product. `*items.product`
/// selects every column, as Medusa's does (the Store's product list keeps `status`,
/// `metadata`… for named selection).
static LINE_PRODUCT: Entity = Entity {
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
        "status",
        "external_id",
        "metadata",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    extra: &[],
    relations: &[
        ("variants", &LINE_VARIANT),
        ("options", &render::OPTION),
        ("images", &render::IMAGE),
        ("tags", &render::LABEL),
        ("type", &render::LABEL),
        ("collection", &render::COLLECTION),
        ("categories", &LINE_CATEGORY),
    ],
};

/// A product's category, without the tree around it.
static LINE_CATEGORY: Entity = Entity {
    scalars: render::CATEGORY.scalars,
    extra: render::CATEGORY.extra,
    relations: &[],
};

/// What a cart line's `product` is by default: the ids promotions and tax rules read.
fn product_stub() -> Selection {
    let mut s = Selection::default();
    s.scalars.extend(["id", "collection_id", "type_id"]);
    s.with("categories", id_only()).with("tags", id_only())
}

fn id_only() -> Selection {
    let mut s = Selection::default();
    s.scalars.insert("id");
    s
}

/// `fields` applied to `entity`'s defaults (`defaults` names only the relations; columns are
/// always all there). `*column` is read as the column (`*items.thumbnail`), as Medusa reads it.
fn select(
    entity: &'static Entity,
    defaults: Selection,
    fields: Option<&str>,
) -> ApiResult<Selection> {
    let Some(fields) = fields else {
        return Ok(defaults);
    };
    let normalised: Vec<String> = fields
        .split(',')
        .map(|raw| {
            let entry = raw.trim_start();
            match entry.strip_prefix('*') {
                Some(path) if names_column(entity, path.trim()) => format!("+{}", path.trim()),
                _ => raw.to_string(),
            }
        })
        .collect();
    fields::select(entity, &defaults, Some(&normalised.join(",")))
}

/// Whether `path` (`items.thumbnail`) ends at a column rather than a relation.
fn names_column(entity: &'static Entity, path: &str) -> bool {
    let parts: Vec<&str> = path.split('.').collect();
    let Some((last, through)) = parts.split_last() else {
        return false;
    };
    let mut at = entity;
    for p in through {
        match at.relations.iter().find(|(n, _)| n == p) {
            Some((_, e)) => at = e,
            None => return false,
        }
    }
    at.scalars.iter().chain(at.extra.iter()).any(|s| s == last)
}

/// The expansions a cart's `fields` asks for.
pub fn cart_selection(fields: Option<&str>) -> ApiResult<Expansion> {
    let defaults = Selection::default().with(
        "items",
        Selection::default().with("product", product_stub()),
    );
    let sel = select(&CART, defaults, fields)?;
    let items = sel.rel("items");
    Ok(Expansion {
        variant: items.and_then(|i| i.rel("variant")).cloned().map(Arc::new),
        // The stub comes from the line's snapshot; anything more is read from the catalog.
        product: items
            .and_then(|i| i.rel("product"))
            .filter(|p| **p != product_stub())
            .cloned()
            .map(Arc::new),
        payments: false,
    })
}

/// The expansions an order's `fields` asks for.
pub fn order_selection(fields: Option<&str>) -> ApiResult<Expansion> {
    let sel = select(&ORDER, Selection::default(), fields)?;
    let items = sel.rel("items");
    Ok(Expansion {
        variant: items.and_then(|i| i.rel("variant")).cloned().map(Arc::new),
        product: items.and_then(|i| i.rel("product")).cloned().map(Arc::new),
        payments: sel
            .rel("payment_collections")
            .and_then(|c| c.rel("payments"))
            .is_some(),
    })
}

/// Whether a customer's `fields` asks for their `orders`.
pub fn customer_wants_orders(fields: Option<&str>) -> ApiResult<bool> {
    Ok(select(&CUSTOMER, Selection::default(), fields)?
        .rel("orders")
        .is_some())
}

/// The live relations an answer expands beyond its defaults.
#[derive(Debug, Clone, Default)]
pub struct Expansion {
    /// `items.variant`, with the selection below it.
    pub variant: Option<Arc<Selection>>,
    /// `items.product` beyond a cart line's stub of ids.
    pub product: Option<Arc<Selection>>,
    /// `payment_collections.payments` (orders).
    pub payments: bool,
}

impl Expansion {
    /// Reads the products of the lines (one batch, through the Store's product memo) when a
    /// variant or product is expanded.
    pub async fn load(&self, s: &AppState, mut ids: Vec<String>) -> ApiResult<LiveCatalog> {
        if !self.reads_catalog() {
            return Ok(LiveCatalog::default());
        }
        ids.sort();
        ids.dedup();
        let bundles = s.core.catalog.load_for_store(&ids).await?;
        Ok(LiveCatalog {
            products: bundles
                .into_iter()
                .map(|b| (b.product.id.clone(), b))
                .collect(),
        })
    }

    /// Whether a variant or product is expanded (read from the catalog).
    pub fn reads_catalog(&self) -> bool {
        self.variant.is_some() || self.product.is_some()
    }

    /// The line's `variant`, when expanded (`null` when it or its product is gone).
    pub fn variant(
        &self,
        live: &LiveCatalog,
        product_id: Option<&str>,
        variant_id: Option<&str>,
    ) -> Option<LineVariant> {
        let sel = self.variant.clone()?;
        let found = product_id.and_then(|p| live.products.get(p)).and_then(|b| {
            let i = b
                .variants
                .iter()
                .position(|v| Some(v.variant.id.as_str()) == variant_id)?;
            Some((b.clone(), i))
        });
        Some(match found {
            Some((bundle, index)) => LineVariant::Live { bundle, index, sel },
            None => LineVariant::Gone,
        })
    }

    /// The line's `product` read from the catalog, when more than its stub is asked for
    /// (`null` when it is gone).
    pub fn product(&self, live: &LiveCatalog, product_id: Option<&str>) -> Option<LineProduct> {
        let sel = self.product.clone()?;
        Some(match product_id.and_then(|p| live.products.get(p)) {
            Some(b) => LineProduct::Live {
                bundle: b.clone(),
                sel,
            },
            None => LineProduct::Gone,
        })
    }
}

/// The products a cart's or orders' lines show, by id.
#[derive(Debug, Default)]
pub struct LiveCatalog {
    products: HashMap<String, Arc<ProductBundle>>,
}

/// A line item's variant as the catalog has it now (documented as `ProductVariantShape`).
#[derive(Debug)]
pub enum LineVariant {
    Live {
        bundle: Arc<ProductBundle>,
        index: usize,
        sel: Arc<Selection>,
    },
    /// Deleted since the line was added: `null`.
    Gone,
}

impl Serialize for LineVariant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            LineVariant::Live { bundle, index, sel } => match bundle.variants.get(*index) {
                Some(v) => VariantView {
                    variant: v,
                    sel,
                    extras: &VariantExtras::default(),
                }
                .serialize(s),
                None => s.serialize_none(),
            },
            LineVariant::Gone => s.serialize_none(),
        }
    }
}

/// A line item's product as the catalog has it now (documented as `ProductShape`).
#[derive(Debug)]
pub enum LineProduct {
    Live {
        bundle: Arc<ProductBundle>,
        sel: Arc<Selection>,
    },
    /// Deleted since the line was added: `null`.
    Gone,
}

impl Serialize for LineProduct {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            LineProduct::Live { bundle, sel } => ProductView {
                bundle,
                sel,
                extras: &VariantExtras::default(),
            }
            .serialize(s),
            LineProduct::Gone => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::catalog::{undocumented, ProductShape};
    use serde_json::Value;

    const STARTER_CART: &str = "*items, *region, *items.product, *items.variant, *items.thumbnail, *items.metadata, +items.total, *promotions, +shipping_methods.name";
    const STARTER_ORDER: &str =
        "*payment_collections.payments,*items,*items.metadata,*items.variant,*items.product";
    const STARTER_ORDERS: &str = "*items,+items.metadata,*items.variant,*items.product";

    #[test]
    fn the_starters_fields_expand_variants_products_and_payments() {
        let cart = cart_selection(Some(STARTER_CART)).unwrap();
        let variant = cart.variant.as_deref().unwrap();
        assert!(variant.has("title") && variant.has("sku"));
        let product = cart.product.as_deref().unwrap();
        assert!(product.has("title") && product.has("handle") && product.has("thumbnail"));
        assert!(
            product.rel("categories").is_some(),
            "the stub's ids stay: {product:?}"
        );
        assert!(!cart.payments);

        let order = order_selection(Some(STARTER_ORDER)).unwrap();
        assert!(order.payments && order.variant.is_some() && order.product.is_some());
        let orders = order_selection(Some(STARTER_ORDERS)).unwrap();
        assert!(!orders.payments && orders.variant.is_some());
        assert!(customer_wants_orders(Some("*orders")).unwrap());
        assert!(!customer_wants_orders(None).unwrap());
    }

    #[test]
    fn by_default_nothing_is_read_from_the_catalog() {
        let cart = cart_selection(None).unwrap();
        assert!(cart.variant.is_none() && cart.product.is_none());
        let cart = cart_selection(Some("*items,+items.total")).unwrap();
        assert!(cart.variant.is_none() && cart.product.is_none());
        let order = order_selection(Some("*items")).unwrap();
        assert!(order.variant.is_none() && order.product.is_none() && !order.payments);
    }

    #[test]
    fn unknown_fields_and_relations_are_named() {
        let e = cart_selection(Some("*items,*items.colour,+nope")).unwrap_err();
        assert_eq!(
            e.message,
            "Requested fields [*items.colour, +nope] are not valid"
        );
        assert!(order_selection(Some("*payment_collections.refunds")).is_err());
        assert!(customer_wants_orders(Some("*wishlist")).is_err());
        assert!(
            cart_selection(Some("*items.variant.calculated_price")).is_err(),
            "a line's variant has no price of its own"
        );
    }

    #[test]
    fn expanded_variants_and_products_emit_only_what_their_shapes_document() {
        let bundle = Arc::new(render::tests::rich_bundle());
        let product_id = bundle.product.id.clone();
        let variant_id = bundle.variants[0].variant.id.clone();
        let live = LiveCatalog {
            products: HashMap::from([(product_id.clone(), bundle)]),
        };
        for fields in [
            STARTER_CART,
            "*items.variant.options,*items.variant.options.option",
            "*items.product.variants,*items.product.variants.options,*items.product.options,*items.product.images,*items.product.tags,*items.product.type,*items.product.collection,*items.product.categories",
        ] {
            let e = cart_selection(Some(fields)).unwrap();
            let v = e.variant(&live, Some(&product_id), Some(&variant_id));
            if let Some(v) = v {
                let value = serde_json::to_value(&v).unwrap();
                assert!(value["id"].is_string(), "{fields}: {value}");
                // Through a product, whose schema also collects the option shape a value's
                // `option` refers to.
                let wrapped = serde_json::json!({ "variants": [value] });
                assert_eq!(undocumented::<ProductShape>(&wrapped), Vec::<String>::new());
            }
            if let Some(p) = e.product(&live, Some(&product_id)) {
                let value = serde_json::to_value(&p).unwrap();
                assert!(value["id"].is_string(), "{fields}: {value}");
                assert_eq!(undocumented::<ProductShape>(&value), Vec::<String>::new());
            }
        }
        let e = cart_selection(Some(STARTER_CART)).unwrap();
        let v = serde_json::to_value(e.variant(&live, Some(&product_id), Some("variant_gone")))
            .unwrap();
        assert_eq!(v, Value::Null);
        let p = serde_json::to_value(e.product(&live, Some("prod_gone"))).unwrap();
        assert_eq!(p, Value::Null);
    }
}
