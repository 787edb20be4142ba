//! Carts: line items priced for the cart's region and customer, addresses, shipping methods, and
//! totals with tax computed by [`totals`], a pure function.

mod model;
mod service;
pub mod totals;

pub use model::*;
pub use service::CartService;
pub(crate) use service::{address_from_json, address_to_json};

/// Checks the promotion codes a cart is asked to apply. No promotion exists yet, so any code is
/// invalid (Medusa's answer to an unknown code); an empty list applies nothing and is accepted.
pub fn check_promo_codes(codes: &[String]) -> Result<(), merx_types::DomainError> {
    match codes.first() {
        Some(code) => Err(merx_types::DomainError::invalid(format!(
            "The promotion code {code} is invalid"
        ))),
        None => Ok(()),
    }
}
