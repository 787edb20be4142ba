//! SQL for the `store` table.

use merx_db::{query, Db, DbResult, Row, Tx};

use super::{Store, StoreCurrency};

const COLUMNS: &str =
    "id, name, default_currency_code, default_region_id, default_sales_channel_id, \
                       default_location_id, metadata, created_at, updated_at";

fn from_row(r: &Row) -> DbResult<Store> {
    Ok(Store {
        id: r.text("id")?,
        name: r.text("name")?,
        default_currency_code: r.opt_text("default_currency_code")?,
        default_region_id: r.opt_text("default_region_id")?,
        default_sales_channel_id: r.opt_text("default_sales_channel_id")?,
        default_location_id: r.opt_text("default_location_id")?,
        metadata: r.opt_json("metadata")?,
        supported_currencies: Vec::new(),
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

pub async fn first(db: &Db) -> DbResult<Option<Store>> {
    let sql =
        format!("SELECT {COLUMNS} FROM store WHERE deleted_at IS NULL ORDER BY created_at LIMIT 1");
    db.fetch_optional(query(sql))
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn first_in(tx: &mut Tx) -> DbResult<Option<Store>> {
    let sql =
        format!("SELECT {COLUMNS} FROM store WHERE deleted_at IS NULL ORDER BY created_at LIMIT 1");
    tx.fetch_optional(query(sql))
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn insert(tx: &mut Tx, s: &Store) -> DbResult<()> {
    tx.execute(
        query(
            "INSERT INTO store (id, name, default_currency_code, default_region_id, \
             default_sales_channel_id, default_location_id, metadata, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&s.id)
        .bind(&s.name)
        .bind(s.default_currency_code.clone())
        .bind(s.default_region_id.clone())
        .bind(s.default_sales_channel_id.clone())
        .bind(s.default_location_id.clone())
        .bind(s.metadata.clone())
        .bind(s.created_at)
        .bind(s.updated_at),
    )
    .await?;
    Ok(())
}

pub async fn update(tx: &mut Tx, s: &Store) -> DbResult<()> {
    tx.execute(
        query(
            "UPDATE store SET name = ?, default_currency_code = ?, default_region_id = ?, default_sales_channel_id = ?, \
             default_location_id = ?, metadata = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&s.name)
        .bind(s.default_currency_code.clone())
        .bind(s.default_region_id.clone())
        .bind(s.default_sales_channel_id.clone())
        .bind(s.default_location_id.clone())
        .bind(s.metadata.clone())
        .bind(s.updated_at)
        .bind(&s.id),
    )
    .await?;
    Ok(())
}

const CURRENCY_COLUMNS: &str = "id, store_id, currency_code, is_default, created_at, updated_at";

fn currency_from_row(r: &Row) -> DbResult<StoreCurrency> {
    Ok(StoreCurrency {
        id: r.text("id")?,
        store_id: r.text("store_id")?,
        currency_code: r.text("currency_code")?,
        is_default: r.bool("is_default")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// `ORDER BY`: the order they were given in.
const CURRENCY_ORDER: &str = "ORDER BY rank";

pub async fn currencies(db: &Db, store_id: &str) -> DbResult<Vec<StoreCurrency>> {
    db.fetch_all(
        query(format!(
            "SELECT {CURRENCY_COLUMNS} FROM store_currency WHERE store_id = ? {CURRENCY_ORDER}"
        ))
        .bind(store_id),
    )
    .await?
    .iter()
    .map(currency_from_row)
    .collect()
}

pub async fn currencies_in(tx: &mut Tx, store_id: &str) -> DbResult<Vec<StoreCurrency>> {
    tx.fetch_all(
        query(format!(
            "SELECT {CURRENCY_COLUMNS} FROM store_currency WHERE store_id = ? {CURRENCY_ORDER}"
        ))
        .bind(store_id),
    )
    .await?
    .iter()
    .map(currency_from_row)
    .collect()
}

/// Replaces the store's currencies with `currencies` (new rows, new ids, as Medusa does).
pub async fn replace_currencies(
    tx: &mut Tx,
    store_id: &str,
    currencies: &[StoreCurrency],
) -> DbResult<()> {
    tx.execute(query("DELETE FROM store_currency WHERE store_id = ?").bind(store_id))
        .await?;
    for (rank, c) in currencies.iter().enumerate() {
        tx.execute(
            query(format!(
                "INSERT INTO store_currency ({CURRENCY_COLUMNS}, rank) VALUES (?, ?, ?, ?, ?, ?, ?)"
            ))
            .bind(&c.id)
            .bind(&c.store_id)
            .bind(&c.currency_code)
            .bind(c.is_default)
            .bind(c.created_at)
            .bind(c.updated_at)
            .bind(rank as i64),
        )
        .await?;
    }
    Ok(())
}

/// Sets the default sales channel if the store has none yet; whether it did.
pub async fn claim_default_channel(
    tx: &mut Tx,
    store_id: &str,
    channel_id: &str,
) -> DbResult<bool> {
    let n = tx
        .execute(
            query(
                "UPDATE store SET default_sales_channel_id = ?, updated_at = ? \
                 WHERE id = ? AND default_sales_channel_id IS NULL",
            )
            .bind(channel_id)
            .bind(merx_types::time::now())
            .bind(store_id),
        )
        .await?;
    Ok(n > 0)
}
