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

/// An object or `null` (`None`) in field `name`; anything else is refused naming the field.
fn object_or_null<'de, D: Deserializer<'de>>(
    de: D,
    name: &str,
) -> Result<Option<serde_json::Value>, D::Error> {
    match Option::<serde_json::Value>::deserialize(de)? {
        None => Ok(None),
        Some(v @ serde_json::Value::Object(_)) => Ok(Some(v)),
        Some(_) => Err(serde::de::Error::custom(format!(
            "{name} must be an object or null"
        ))),
    }
}

/// `metadata` as Medusa takes it: an object, or `null`. Use with `#[serde(default)]`.
pub fn metadata<'de, D: Deserializer<'de>>(de: D) -> Result<Option<serde_json::Value>, D::Error> {
    object_or_null(de, "metadata")
}

/// [`metadata`] for PATCH-like bodies: absent → `None`, `null` → `Some(None)` (cleared).
pub fn metadata_patch<'de, D: Deserializer<'de>>(
    de: D,
) -> Result<Option<Option<serde_json::Value>>, D::Error> {
    object_or_null(de, "metadata").map(Some)
}

/// A provider's `data`: an object, or `null`.
pub fn data<'de, D: Deserializer<'de>>(de: D) -> Result<Option<serde_json::Value>, D::Error> {
    object_or_null(de, "data")
}

/// A payment session's `context`: an object, or `null`.
pub fn context<'de, D: Deserializer<'de>>(de: D) -> Result<Option<serde_json::Value>, D::Error> {
    object_or_null(de, "context")
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
