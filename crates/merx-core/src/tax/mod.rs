//! Tax: tax regions per country and province (Medusa's sublevels), default and override rates
//! with their rules, and the pure calculation of tax lines in [`calc`].

pub mod calc;
mod service;

pub use service::{
    province_key, NewTaxRate, NewTaxRegion, TaxRate, TaxRateChanges, TaxRateDetail, TaxRateFilter,
    TaxRateRule, TaxRegion, TaxRegionChanges, TaxRegionDetail, TaxRegionFilter, TaxService,
    DEFAULT_TAX_PROVIDER, TAX_PROVIDERS,
};
