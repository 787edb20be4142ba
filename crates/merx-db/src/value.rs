use time::OffsetDateTime;

/// A bound parameter. Each kind carries an `Option` so a NULL still has a type, which Postgres
/// needs to plan the statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
    /// JSON: `jsonb` on Postgres, text on SQLite.
    Json(Option<serde_json::Value>),
    /// A UTC instant: `timestamptz` on Postgres, fixed-width ISO text on SQLite.
    Time(Option<OffsetDateTime>),
}

macro_rules! value_from {
    ($variant:ident, $t:ty, $conv:expr) => {
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::$variant(Some($conv(v)))
            }
        }
        impl From<Option<$t>> for Value {
            fn from(v: Option<$t>) -> Self {
                Value::$variant(v.map($conv))
            }
        }
    };
}

value_from!(Int, i64, |v| v);
value_from!(Int, i32, i64::from);
value_from!(Int, u32, i64::from);
value_from!(Text, String, |v| v);
value_from!(Text, &str, str::to_string);
value_from!(Text, &String, String::clone);
value_from!(Bool, bool, |v| v);
value_from!(Json, serde_json::Value, |v| v);
value_from!(Time, OffsetDateTime, |v| v);
