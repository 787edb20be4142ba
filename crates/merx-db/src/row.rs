use std::cell::RefCell;

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::Row as _;
use time::OffsetDateTime;

use crate::{DbError, DbResult};

/// A result row from either backend, read by column name.
pub enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

macro_rules! get {
    ($self:ident, $col:ident, $t:ty) => {
        match $self {
            Row::Sqlite(r) => r.try_get::<$t, _>($col).map_err(DbError::from),
            Row::Postgres(r) => r.try_get::<$t, _>($col).map_err(DbError::from),
        }
    };
}

impl Row {
    pub fn int(&self, col: &str) -> DbResult<i64> {
        get!(self, col, i64)
    }
    pub fn opt_int(&self, col: &str) -> DbResult<Option<i64>> {
        get!(self, col, Option<i64>)
    }
    pub fn text(&self, col: &str) -> DbResult<String> {
        get!(self, col, String)
    }
    pub fn opt_text(&self, col: &str) -> DbResult<Option<String>> {
        get!(self, col, Option<String>)
    }
    pub fn bool(&self, col: &str) -> DbResult<bool> {
        get!(self, col, bool)
    }
    pub fn opt_bool(&self, col: &str) -> DbResult<Option<bool>> {
        get!(self, col, Option<bool>)
    }

    pub fn json(&self, col: &str) -> DbResult<serde_json::Value> {
        Ok(self.opt_json(col)?.unwrap_or(serde_json::Value::Null))
    }
    pub fn opt_json(&self, col: &str) -> DbResult<Option<serde_json::Value>> {
        match self {
            Row::Sqlite(r) => match r.try_get::<Option<String>, _>(col)? {
                None => Ok(None),
                Some(text) => serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|e| DbError::decode(col, e)),
            },
            Row::Postgres(r) => Ok(r
                .try_get::<Option<sqlx::types::Json<serde_json::Value>>, _>(col)?
                .map(|j| j.0)),
        }
    }

    pub fn time(&self, col: &str) -> DbResult<OffsetDateTime> {
        self.opt_time(col)?
            .ok_or_else(|| DbError::decode(col, "unexpected NULL timestamp"))
    }
    pub fn opt_time(&self, col: &str) -> DbResult<Option<OffsetDateTime>> {
        match self {
            Row::Sqlite(r) => match r.try_get::<Option<String>, _>(col)? {
                None => Ok(None),
                Some(text) => merx_types::time::parse(&text)
                    .map(Some)
                    .ok_or_else(|| DbError::decode(col, format!("bad timestamp {text:?}"))),
            },
            Row::Postgres(r) => Ok(r.try_get::<Option<OffsetDateTime>, _>(col)?),
        }
    }
}

/// A row's columns read under a name prefix (`i_id`, `i_title`, …), as a joined query aliases a
/// table's columns ([`sql::aliased`](crate::sql::aliased)). The prefixed name is built in one
/// buffer reused for every column.
pub struct Prefixed<'a> {
    row: &'a Row,
    prefix: &'a str,
    name: RefCell<String>,
}

impl Row {
    pub fn prefixed<'a>(&'a self, prefix: &'a str) -> Prefixed<'a> {
        Prefixed {
            row: self,
            prefix,
            name: RefCell::new(String::with_capacity(prefix.len() + 32)),
        }
    }
}

macro_rules! prefixed_getters {
    ($($name:ident -> $t:ty),* $(,)?) => {
        $(
            pub fn $name(&self, col: &str) -> DbResult<$t> {
                let mut name = self.name.borrow_mut();
                name.clear();
                name.push_str(self.prefix);
                name.push_str(col);
                self.row.$name(&name)
            }
        )*
    };
}

impl Prefixed<'_> {
    prefixed_getters!(
        int -> i64,
        opt_int -> Option<i64>,
        text -> String,
        opt_text -> Option<String>,
        bool -> bool,
        opt_bool -> Option<bool>,
        json -> serde_json::Value,
        opt_json -> Option<serde_json::Value>,
        time -> OffsetDateTime,
        opt_time -> Option<OffsetDateTime>,
    );
}
