use serde_json::Value;
use time::OffsetDateTime;

use super::totals::{LineTotals, Totals};
use crate::customer::AddressFields;

/// An address on a cart or order, with its own id (Medusa's `caaddr_`).
#[derive(Debug, Clone, PartialEq)]
pub struct CartAddress {
    pub id: String,
    pub fields: AddressFields,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cart {
    pub id: String,
    pub region_id: String,
    pub currency_code: String,
    pub sales_channel_id: String,
    pub customer_id: Option<String>,
    pub email: Option<String>,
    pub shipping_address: Option<CartAddress>,
    pub billing_address: Option<CartAddress>,
    pub metadata: Option<Value>,
    pub completed_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// The product as it was when the item was added (kept on orders unchanged).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, Default)]
pub struct Snapshot {
    pub product_title: String,
    pub product_description: Option<String>,
    pub product_subtitle: Option<String>,
    pub product_type: Option<String>,
    pub product_type_id: Option<String>,
    pub product_collection: Option<String>,
    pub product_collection_id: Option<String>,
    pub product_handle: String,
    pub variant_sku: Option<String>,
    pub variant_barcode: Option<String>,
    pub variant_title: String,
    pub variant_option_values: Option<Value>,
    pub category_ids: Vec<String>,
    pub tag_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LineItem {
    pub id: String,
    pub cart_id: String,
    pub variant_id: String,
    pub product_id: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub thumbnail: Option<String>,
    pub quantity: i64,
    pub unit_price: i64,
    pub compare_at_unit_price: Option<i64>,
    pub is_tax_inclusive: bool,
    pub requires_shipping: bool,
    pub is_discountable: bool,
    pub snapshot: Snapshot,
    pub metadata: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShippingMethod {
    pub id: String,
    pub cart_id: String,
    pub shipping_option_id: String,
    pub name: String,
    pub amount: i64,
    pub is_tax_inclusive: bool,
    pub data: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A cart with its lines, each line's totals and tax lines, and the cart's totals.
#[derive(Debug, Clone, PartialEq)]
pub struct CartView {
    pub cart: Cart,
    pub items: Vec<(LineItem, LineTotals)>,
    pub shipping_methods: Vec<(ShippingMethod, LineTotals)>,
    pub totals: Totals,
}

/// Changes to a cart (`None`: unchanged).
#[derive(Debug, Clone, Default)]
pub struct CartChanges {
    pub region_id: Option<String>,
    pub email: Option<String>,
    pub sales_channel_id: Option<String>,
    pub shipping_address: Option<AddressFields>,
    pub billing_address: Option<AddressFields>,
    pub metadata: Option<Option<Value>>,
}

/// A new cart.
#[derive(Debug, Clone, Default)]
pub struct NewCart {
    pub region_id: Option<String>,
    pub currency_code: Option<String>,
    pub sales_channel_id: Option<String>,
    pub email: Option<String>,
    pub customer_id: Option<String>,
    pub shipping_address: Option<AddressFields>,
    pub billing_address: Option<AddressFields>,
    pub metadata: Option<Value>,
    pub items: Vec<(String, i64)>,
}
