//! The commerce core. Each area is a module that owns its tables and exposes a service; other
//! areas and the HTTP layer call that service, never the tables.

pub mod error;
pub mod seed;
pub mod store;

pub use error::CoreError;

use merx_db::Db;

/// Every core service, built once per process and shared by the HTTP layer and workers.
#[derive(Clone)]
pub struct Core {
    pub db: Db,
    pub store: store::StoreService,
}

impl Core {
    pub fn new(db: Db) -> Self {
        Self {
            store: store::StoreService::new(db.clone()),
            db,
        }
    }
}
