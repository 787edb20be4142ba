//! Pricing: price sets (one per variant), prices per currency and region with quantity tiers, and
//! price lists (sale and override) with date windows and customer-group rules. The choice of price
//! is [`calc::decide`], a pure function; the service loads candidates and explains decisions.

pub mod calc;
mod model;
mod preference;
mod service;
mod store;

pub use model::*;
pub(crate) use preference::upsert_in as upsert_preference_in;
pub use preference::{
    PreferenceAttribute, PreferenceChanges, PreferenceFilter, PricePreference,
    PricePreferenceService,
};
pub use service::{validate_prices, Explanation, PricingService};
