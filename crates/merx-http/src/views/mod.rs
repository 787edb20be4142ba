//! Response shapes, one home per resource, used by the Store and the Admin routes alike. Route
//! modules render through these and never through each other.

pub mod cart;
pub mod catalog;
pub mod customer;
pub mod expand;
pub mod fulfillment;
pub mod order;
pub mod region;
pub mod totals;
