//! Regions: a currency, the countries it serves, whether prices include tax and whether tax is
//! computed automatically, and the payment providers offered there.

mod service;

pub use service::{NewRegion, Region, RegionChanges, RegionService};
