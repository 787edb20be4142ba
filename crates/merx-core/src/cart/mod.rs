//! Carts: line items priced for the cart's region and customer, addresses, shipping methods, and
//! totals with tax computed by [`totals`], a pure function.

mod model;
mod service;
pub mod totals;

pub use model::*;
pub use service::CartService;
pub(crate) use service::{address_from_json, address_to_json};
