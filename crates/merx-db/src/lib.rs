//! Merx's database layer. One [`Db`] speaks to SQLite or PostgreSQL, chosen from the URL scheme in
//! [`Db::connect`]; queries are written once with `?` placeholders and rewritten for Postgres in
//! [`sql::to_postgres`]. Values and rows cross the backend boundary through [`Value`] and [`Row`], so
//! no other crate names a backend. See `docs/decisions/0001-one-sql-two-engines.md`.

mod db;
mod error;
pub mod migrate;
mod notify;
mod query;
mod readers;
mod row;
pub mod server;
pub mod sql;
pub mod testing;
mod value;
mod writer;

pub use db::{redact as redact_url, Backend, Db, DbOptions, Tx};
pub use error::DbError;
pub use notify::{Heard, Listener};
pub use query::{query, Query};
pub use row::{Prefixed, Row};
pub use value::Value;

/// `Result` with a database error.
pub type DbResult<T> = Result<T, DbError>;
