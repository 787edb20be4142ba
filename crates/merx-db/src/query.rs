use std::borrow::Cow;

use crate::Value;

/// SQL text with `?` placeholders and the values bound to them, in order.
#[derive(Debug, Clone)]
pub struct Query {
    pub(crate) sql: Cow<'static, str>,
    pub(crate) args: Vec<Value>,
}

/// Starts a query. Write `?` for each parameter; Postgres gets `$1, $2, …` automatically.
pub fn query(sql: impl Into<Cow<'static, str>>) -> Query {
    Query {
        sql: sql.into(),
        args: Vec::new(),
    }
}

impl Query {
    /// A query from SQL text and values already collected (for SQL built piece by piece).
    pub fn from_parts(sql: impl Into<Cow<'static, str>>, args: Vec<Value>) -> Self {
        Query {
            sql: sql.into(),
            args,
        }
    }

    /// Binds the next `?`.
    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Binds several values (e.g. for an `IN (…)` list built with [`crate::sql::placeholders`]).
    pub fn bind_all<V: Into<Value>>(mut self, values: impl IntoIterator<Item = V>) -> Self {
        self.args.extend(values.into_iter().map(Into::into));
        self
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }
}
