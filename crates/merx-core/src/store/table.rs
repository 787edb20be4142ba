//! SQL for the `store` table.

use merx_db::{query, Db, DbResult, Row, Tx};

use super::Store;

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
