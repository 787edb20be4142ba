//! Customers, their addresses and customer groups. Groups drive price lists.

mod group;
mod service;

pub use group::{CustomerGroup, CustomerGroupService};
pub use service::{Address, AddressFields, AddressInput, Customer, CustomerInput, CustomerService};
