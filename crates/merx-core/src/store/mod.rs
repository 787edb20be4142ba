//! The store: shop-wide settings (name, default currency, default region and channel), as Medusa's
//! `store` module holds them. There is exactly one.

mod model;
mod service;
mod table; // SQL for the area (named so it does not shadow the area itself)

pub use model::Store;
pub use service::StoreService;
