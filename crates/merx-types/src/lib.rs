//! Merx's shared vocabulary: identifiers, money and currencies, domain errors, pagination and time.
//! Nothing here performs I/O, so every area and every front end can depend on it.

pub mod country;
pub mod currency;
pub mod email;
pub mod error;
pub mod id;
pub mod money;
pub mod page;
pub mod time;

pub use country::Country;
pub use currency::Currency;
pub use error::{DomainError, ErrorKind};
pub use money::Money;
pub use page::{Cmp, Page, PageRequest, Sort, TimeBounds};
