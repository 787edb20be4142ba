//! The catalog: products, variants, options and images; collections, categories, tags and types;
//! full-text search. Prices live in `pricing`, stock in `inventory`.

mod model;
mod options;
pub mod search;
mod service;
mod store;
mod taxonomy;

pub use model::*;
pub use service::{
    slugify, CatalogService, NewProduct, NewVariant, ProductChanges, VariantChanges,
};
pub use taxonomy::{CategoryInput, LabelKind, TaxonomyFilter, TaxonomyService};
