use time::OffsetDateTime;

/// The store's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Store {
    pub id: String,
    pub name: String,
    /// The default supported currency's code (kept with `supported_currencies`).
    pub default_currency_code: Option<String>,
    pub default_region_id: Option<String>,
    pub default_sales_channel_id: Option<String>,
    pub default_location_id: Option<String>,
    pub metadata: Option<serde_json::Value>,
    /// In the order they were given; exactly one is the default (none on a store from before
    /// supported currencies, until its first update).
    pub supported_currencies: Vec<StoreCurrency>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A currency the store sells in.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreCurrency {
    pub id: String,
    pub store_id: String,
    /// Lower-case ISO 4217 code.
    pub currency_code: String,
    pub is_default: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A supported currency as an update gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStoreCurrency {
    pub currency_code: String,
    pub is_default: bool,
    /// The currency's price preference (`None`: unchanged, or tax-exclusive when new).
    pub is_tax_inclusive: Option<bool>,
}

/// Changes to the store (`None`: unchanged; `Some(None)`: cleared).
#[derive(Debug, Clone, Default)]
pub struct StoreChanges {
    pub name: Option<String>,
    /// Replaces the supported currencies (exactly one default).
    pub supported_currencies: Option<Vec<NewStoreCurrency>>,
    pub default_region_id: Option<Option<String>>,
    pub default_sales_channel_id: Option<Option<String>>,
    pub default_location_id: Option<Option<String>>,
    pub metadata: Option<Option<serde_json::Value>>,
}
