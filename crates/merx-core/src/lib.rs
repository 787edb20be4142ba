//! The commerce core. Each area is a module that owns its tables and exposes a service; other
//! areas and the HTTP layer call that service, never the tables.

pub mod api_key;
pub mod auth;
pub mod error;
pub mod platform;
pub mod pricing;
pub mod seed;
pub mod store;
pub mod tax;

pub use error::CoreError;

use merx_db::Db;

/// Every core service, built once per process and shared by the HTTP layer and workers.
#[derive(Clone)]
pub struct Core {
    pub db: Db,
    pub store: store::StoreService,
    pub api_keys: api_key::ApiKeyService,
    pub webhooks: platform::webhooks::WebhookService,
    pub outbox: platform::outbox::OutboxService,
    pub idempotency: platform::idempotency::IdempotencyService,
    pub workflows: platform::workflow::WorkflowEngine,
}

impl Core {
    pub fn new(db: Db) -> Self {
        Self {
            store: store::StoreService::new(db.clone()),
            api_keys: api_key::ApiKeyService::new(db.clone()),
            webhooks: platform::webhooks::WebhookService::new(db.clone()),
            outbox: platform::outbox::OutboxService::new(db.clone()),
            idempotency: platform::idempotency::IdempotencyService::new(db.clone()),
            workflows: platform::workflow::WorkflowEngine::new(db.clone()),
            db,
        }
    }
}

/// Rounds a decimal number of minor units to a whole one, half away from zero (saturating).
pub(crate) fn money_round(minor: rust_decimal::Decimal) -> i64 {
    merx_types::money::round_minor(minor).unwrap_or(if minor.is_sign_negative() {
        i64::MIN
    } else {
        i64::MAX
    })
}
