//! Whose carts and orders a Store request may touch (see `docs/auth.md`, Ownership).

use crate::caller::Caller;
use crate::error::ApiResult;
use crate::AppState;
use merx_core::cart::CartView;
use merx_core::order::Order;
use merx_types::DomainError;

/// A guest cart (no customer) is its id's bearer's; a customer's cart is that customer's alone.
/// Anyone else is told it does not exist, in the words used for a cart that does not.
pub(crate) fn check_cart_owner(owner: Option<&str>, caller: &Caller, id: &str) -> ApiResult<()> {
    match owner {
        Some(customer) if caller.customer_id() != Some(customer) => {
            Err(DomainError::not_found(format!("Cart id not found: {id}")).into())
        }
        _ => Ok(()),
    }
}

/// The cart's view, when the caller may use it.
pub(crate) async fn owned_view(s: &AppState, caller: &Caller, id: &str) -> ApiResult<CartView> {
    let view = s.core.carts.view(id).await?;
    check_cart_owner(view.cart.customer_id.as_deref(), caller, id)?;
    Ok(view)
}

/// Refuses a write on a cart the caller may not use, before the write reads it in full.
pub(crate) async fn authorise_cart(s: &AppState, caller: &Caller, id: &str) -> ApiResult<()> {
    let owner = s.core.carts.owner(id).await?;
    check_cart_owner(owner.as_deref(), caller, id)
}

/// An order placed by a customer is that customer's alone; a guest order is its id's bearer's, as
/// in Medusa. Anyone else is told it does not exist.
pub(crate) fn check_order_owner(o: &Order, caller: &Caller) -> ApiResult<()> {
    match &o.customer_id {
        Some(customer) if caller.customer_id() != Some(customer.as_str()) => {
            Err(DomainError::not_found(format!("Order with id: {} was not found", o.id)).into())
        }
        _ => Ok(()),
    }
}
