//! Small pieces shared by the API's request and response types.

use serde::{Deserialize, Deserializer, Serialize};

/// For PATCH-like bodies: absent → `None`, `null` → `Some(None)`, value → `Some(Some(v))`.
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// Medusa's answer to a DELETE: `{id, object, deleted: true}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Deleted {
    pub id: String,
    pub object: &'static str,
    pub deleted: bool,
}

impl Deleted {
    pub fn new(id: impl Into<String>, object: &'static str) -> Self {
        Self {
            id: id.into(),
            object,
            deleted: true,
        }
    }
}

/// An ISO-8601 timestamp as the API renders it.
pub fn ts(t: time::OffsetDateTime) -> String {
    merx_types::time::to_api(t)
}

pub fn opt_ts(t: Option<time::OffsetDateTime>) -> Option<String> {
    t.map(ts)
}
