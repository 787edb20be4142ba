//! Response shapes, one home per resource, used by the Store and the Admin routes alike. Route
//! modules render through these and never through each other.

pub mod cart;
pub mod catalog;
pub mod customer;
pub mod fulfillment;
pub mod order;
pub mod region;
pub mod totals;

use merx_types::Page;
use serde_json::{json, Value};

/// `{<plural>: [...], count, offset, limit}`.
pub(crate) fn list_body(key: &str, items: Vec<Value>, page: &Page<impl Sized>) -> Value {
    json!({key: items, "count": page.count, "offset": page.offset, "limit": page.limit})
}
