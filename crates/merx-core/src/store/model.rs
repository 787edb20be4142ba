use time::OffsetDateTime;

/// The store's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Store {
    pub id: String,
    pub name: String,
    pub default_currency_code: Option<String>,
    pub default_region_id: Option<String>,
    pub default_sales_channel_id: Option<String>,
    pub default_location_id: Option<String>,
    pub metadata: Option<serde_json::Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}
