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
