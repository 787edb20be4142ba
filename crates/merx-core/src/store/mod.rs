//! The store: shop-wide settings (name, supported currencies, default region, channel and
//! location), as Medusa's `store` module holds them. There is exactly one.

mod model;
mod service;
mod table; // SQL for the area (named so it does not shadow the area itself)

pub use model::{NewStoreCurrency, Store, StoreChanges, StoreCurrency};
pub use service::{StoreService, DEFAULT_CURRENCY};
