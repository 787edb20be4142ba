//! Regions: a currency, the countries it serves, whether prices include tax and whether tax is
//! computed automatically, and the payment providers offered there.

mod service;

pub(crate) use service::{exists_in, set_tax_inclusive_in};
pub use service::{NewRegion, Region, RegionChanges, RegionService};
