//! Customers and customer groups. Groups drive price lists.

mod group;

pub use group::{CustomerGroup, CustomerGroupService};
