use time::OffsetDateTime;

/// A registered receiver of events.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    /// Event-name patterns (`order.placed`, `order.*`, `*`).
    pub events: Vec<String>,
    /// The HMAC key. Shown once at creation; needed to sign every delivery.
    pub secret: String,
    pub is_active: bool,
    pub metadata: Option<serde_json::Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Input for a new endpoint.
#[derive(Debug, Clone, Default)]
pub struct NewEndpoint {
    pub url: String,
    pub description: Option<String>,
    pub events: Vec<String>,
    pub is_active: Option<bool>,
    pub metadata: Option<serde_json::Value>,
}

/// A partial update.
#[derive(Debug, Clone, Default)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub description: Option<Option<String>>,
    pub events: Option<Vec<String>>,
    pub is_active: Option<bool>,
    pub metadata: Option<Option<serde_json::Value>>,
}

/// One HTTP attempt to deliver one event to one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub id: String,
    pub endpoint_id: String,
    pub delivery_id: String,
    pub event_id: String,
    pub event_name: String,
    pub attempt: i64,
    pub succeeded: bool,
    pub response_status: Option<i64>,
    pub duration_ms: i64,
    pub error: Option<String>,
    pub created_at: OffsetDateTime,
}
