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

/// An amount in major units, serialized as a JSON number the way Medusa renders amounts (`24.99`,
/// `10`): exact minor units converted at the currency's precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount {
    pub minor: i64,
    pub digits: u32,
}

impl Amount {
    /// `minor` units of `currency_code` (an unknown code counts two decimals).
    pub fn new(minor: i64, currency_code: &str) -> Self {
        let digits = merx_types::Currency::find(currency_code)
            .map(|c| c.decimal_digits)
            .unwrap_or(2);
        Self { minor, digits }
    }
}

impl Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let scale = 10i64.pow(self.digits);
        if self.minor % scale == 0 {
            return s.serialize_i64(self.minor / scale);
        }
        // Both operands are exact doubles below 2^53 and IEEE division rounds correctly, so this
        // is the double nearest the decimal amount: the one parsing its text would give.
        if self.minor.unsigned_abs() < 1 << 53 {
            return s.serialize_f64(self.minor as f64 / scale as f64);
        }
        let d = rust_decimal::Decimal::new(self.minor, self.digits).normalize();
        match d.to_string().parse::<f64>() {
            Ok(f) => s.serialize_f64(f),
            Err(_) => s.serialize_none(),
        }
    }
}

impl utoipa::PartialSchema for Amount {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Number)
            .description(Some("An amount in the currency's major units (`24.99`)."))
            .into()
    }
}

impl utoipa::ToSchema for Amount {}

/// Medusa's BigNumber form of an amount: `{"value": "24.99", "precision": 20}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RawAmount {
    pub value: String,
    pub precision: u32,
}

impl RawAmount {
    pub fn new(minor: i64, currency_code: &str) -> Self {
        let a = Amount::new(minor, currency_code);
        Self {
            value: rust_decimal::Decimal::new(a.minor, a.digits)
                .normalize()
                .to_string(),
            precision: 20,
        }
    }
}

/// `$one { key: Item }`: a single-resource answer, `{"key": …}`. Attributes before the key
/// (`#[schema(value_type = Shape)]`) document a field serialized by hand.
macro_rules! answer {
    ($(#[$doc:meta])* $one:ident { $(#[$m:meta])* $key:ident: $item:ty }) => {
        $(#[$doc])*
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $one {
            $(#[$m])*
            pub $key: $item,
        }
    };
}

/// `$list { key: Item }`: a page of a list, `{"key": [...], "count", "offset", "limit"}`.
macro_rules! list_answer {
    ($(#[$doc:meta])* $list:ident { $(#[$m:meta])* $key:ident: $item:ty }) => {
        $(#[$doc])*
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $list {
            $(#[$m])*
            pub $key: Vec<$item>,
            pub count: i64,
            pub offset: i64,
            pub limit: i64,
        }

        impl $list {
            #[allow(dead_code)]
            pub fn new<P>($key: Vec<$item>, page: &merx_types::Page<P>) -> Self {
                Self {
                    $key,
                    count: page.count,
                    offset: page.offset,
                    limit: page.limit,
                }
            }
        }
    };
}

pub(crate) use {answer, list_answer};

#[cfg(test)]
mod tests {
    use super::Amount;

    /// The amount's text, the slow way: its decimal string parsed as a double.
    fn through_text(minor: i64, digits: u32) -> String {
        let d = rust_decimal::Decimal::new(minor, digits).normalize();
        if d.scale() == 0 {
            return (minor / 10i64.pow(digits)).to_string();
        }
        serde_json::to_string(&d.to_string().parse::<f64>().unwrap()).unwrap()
    }

    proptest::proptest! {
        #[test]
        fn amounts_serialize_as_their_decimal_text_parsed(
            minor in -1_000_000_000_000_000i64..=1_000_000_000_000_000,
            digits in 0u32..=4,
        ) {
            let a = Amount { minor, digits };
            proptest::prop_assert_eq!(serde_json::to_string(&a).unwrap(), through_text(minor, digits));
        }
    }

    #[test]
    fn whole_and_fractional_amounts() {
        let text = |minor, code| serde_json::to_string(&Amount::new(minor, code)).unwrap();
        assert_eq!(text(2499, "eur"), "24.99");
        assert_eq!(text(1000, "eur"), "10");
        assert_eq!(text(-5, "usd"), "-0.05");
        assert_eq!(text(1500, "jpy"), "1500");
        assert_eq!(text(1234, "kwd"), "1.234");
    }
}
