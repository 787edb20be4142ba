//! API keys: publishable keys (`pk_…`) scope the Store API to sales channels; secret keys (`sk_…`)
//! authenticate server-to-server Admin API calls with a role. A secret key is shown once, at
//! creation; only its SHA-256 hash is stored.

mod model;
mod service;
mod store;

pub use model::{ApiKey, KeyType};
pub use service::{hash_token, ApiKeyService};
