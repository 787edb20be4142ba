use serde_json::Value;
use time::OffsetDateTime;

/// A postal address of a stock location.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocationAddress {
    pub address_1: Option<String>,
    pub address_2: Option<String>,
    pub company: Option<String>,
    pub city: Option<String>,
    pub country_code: Option<String>,
    pub phone: Option<String>,
    pub province: Option<String>,
    pub postal_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StockLocation {
    pub id: String,
    pub name: String,
    pub address_id: Option<String>,
    pub address: Option<LocationAddress>,
    pub metadata: Option<Value>,
    pub sales_channel_ids: Vec<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemInput {
    pub sku: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub requires_shipping: Option<bool>,
    pub hs_code: Option<String>,
    pub origin_country: Option<String>,
    pub mid_code: Option<String>,
    pub material: Option<String>,
    pub weight: Option<i64>,
    pub metadata: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InventoryItem {
    pub id: String,
    pub sku: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub requires_shipping: bool,
    pub hs_code: Option<String>,
    pub origin_country: Option<String>,
    pub mid_code: Option<String>,
    pub material: Option<String>,
    pub weight: Option<i64>,
    pub metadata: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InventoryLevel {
    pub id: String,
    pub inventory_item_id: String,
    pub location_id: String,
    pub stocked_quantity: i64,
    pub reserved_quantity: i64,
    pub incoming_quantity: i64,
    pub metadata: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl InventoryLevel {
    /// Units that can still be reserved (negative only through backorders).
    pub fn available_quantity(&self) -> i64 {
        self.stocked_quantity - self.reserved_quantity
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reservation {
    pub id: String,
    pub inventory_item_id: String,
    pub location_id: String,
    pub quantity: i64,
    pub line_item_id: Option<String>,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub created_by: Option<String>,
    pub allow_backorder: bool,
    pub expires_at: Option<OffsetDateTime>,
    pub metadata: Option<Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// What an update changes on a reservation; `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReservationChanges {
    pub quantity: Option<i64>,
    pub location_id: Option<String>,
    pub description: Option<String>,
    pub metadata: Option<Value>,
}

/// A reservation to make on one item at one location.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewReservation {
    pub inventory_item_id: String,
    pub location_id: String,
    pub quantity: i64,
    pub line_item_id: Option<String>,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub expires_at: Option<OffsetDateTime>,
    pub metadata: Option<Value>,
}

/// One recorded change of a level.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjustment {
    pub id: String,
    pub inventory_item_id: String,
    pub location_id: String,
    pub stocked_delta: i64,
    pub reserved_delta: i64,
    pub incoming_delta: i64,
    pub reason: String,
    pub actor: Option<String>,
    pub reference_id: Option<String>,
    pub created_at: OffsetDateTime,
}

/// Who changes stock, and why (for the audit trail).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Change {
    pub reason: String,
    pub actor: Option<String>,
    pub reference_id: Option<String>,
}

impl Change {
    pub fn new(reason: impl Into<String>, actor: Option<&str>) -> Self {
        Self {
            reason: reason.into(),
            actor: actor.map(str::to_string),
            reference_id: None,
        }
    }
}

/// A variant's link to an inventory item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantItem {
    pub inventory_item_id: String,
    pub required_quantity: i64,
}

/// Units of a variant to reserve from a sales channel's locations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VariantReservation {
    pub variant_id: String,
    pub quantity: i64,
    pub sales_channel_id: String,
    pub line_item_id: Option<String>,
    pub expires_at: Option<OffsetDateTime>,
}
