//! Schema migrations: one list of versions, with an SQLite and a Postgres script for each.
//! Run at start and by `merx migrate`; safe when several processes start at once.

use crate::{query, Backend, Db, DbResult, Tx};

/// One schema version, written for both engines.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

macro_rules! migration {
    ($version:expr, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $name, ".sql")),
        }
    };
}

/// Every migration, oldest first. A test checks that each file on disk is listed here.
pub static MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_store"),
    migration!(2, "0002_platform"),
    migration!(3, "0003_api_keys"),
    migration!(4, "0004_catalog"),
    migration!(5, "0005_inventory"),
    migration!(6, "0006_auth"),
    migration!(7, "0007_checkout"),
    migration!(8, "0008_fulfillment"),
    migration!(9, "0009_search_rowids"),
    migration!(10, "0010_order_numbers_and_payment_lookup"),
    migration!(11, "0011_payment_operations"),
    migration!(12, "0012_sessions"),
    migration!(13, "0013_tax_setup"),
    migration!(14, "0014_store_currencies"),
];

const BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS merx_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
)";

/// Serialises migrators on Postgres for the length of one transaction (SQLite's `BEGIN IMMEDIATE`
/// already does).
async fn lock(tx: &mut Tx) -> DbResult<()> {
    if tx.backend() == Backend::Postgres {
        tx.execute(query("SELECT pg_advisory_xact_lock(8675309)"))
            .await?;
    }
    Ok(())
}

/// Applies every migration not yet applied; returns the versions it applied.
pub async fn run(db: &Db) -> DbResult<Vec<i64>> {
    let mut tx = db.begin().await?;
    lock(&mut tx).await?;
    tx.execute(query(BOOKKEEPING)).await?;
    tx.commit().await?;

    let mut applied = Vec::new();
    for m in MIGRATIONS {
        let mut tx = db.begin().await?;
        lock(&mut tx).await?;
        let done = tx
            .fetch_optional(
                query("SELECT version FROM merx_migrations WHERE version = ?").bind(m.version),
            )
            .await?
            .is_some();
        if done {
            continue;
        }
        let script = match db.backend() {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        tx.execute_script(script).await?;
        tx.execute(
            query("INSERT INTO merx_migrations (version, name, applied_at) VALUES (?, ?, ?)")
                .bind(m.version)
                .bind(m.name)
                .bind(merx_types::time::to_storage(merx_types::time::now())),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
        applied.push(m.version);
    }
    Ok(applied)
}

/// The highest applied version, if any.
pub async fn current_version(db: &Db) -> DbResult<Option<i64>> {
    let row = db
        .fetch_optional(query("SELECT MAX(version) AS v FROM merx_migrations"))
        .await?;
    match row {
        Some(r) => r.opt_int("v"),
        None => Ok(None),
    }
}
