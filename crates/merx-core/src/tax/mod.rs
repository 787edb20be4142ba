//! Tax: tax regions per country and province, default and override rates, and the pure
//! calculation of tax lines in [`calc`].

pub mod calc;
mod service;

pub use service::{NewTaxRate, TaxRate, TaxRegion, TaxService};
