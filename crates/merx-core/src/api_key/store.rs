//! SQL for `api_key`.

use merx_db::{query, Db, DbResult, Row, Tx};
use merx_types::time::now;
use merx_types::{Page, PageRequest};

use super::{ApiKey, KeyType};
use crate::auth::Role;

const COLUMNS: &str =
    "id, token, redacted, title, type, role, created_by, revoked_by, revoked_at, \
                       last_used_at, created_at, updated_at";

fn from_row(r: &Row) -> DbResult<ApiKey> {
    Ok(ApiKey {
        id: r.text("id")?,
        token: r.opt_text("token")?,
        redacted: r.text("redacted")?,
        title: r.text("title")?,
        key_type: KeyType::parse(&r.text("type")?).unwrap_or(KeyType::Secret),
        role: r.opt_text("role")?.as_deref().and_then(Role::parse),
        created_by: r.opt_text("created_by")?,
        revoked_by: r.opt_text("revoked_by")?,
        revoked_at: r.opt_time("revoked_at")?,
        last_used_at: r.opt_time("last_used_at")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

pub async fn insert(tx: &mut Tx, key: &ApiKey, token_hash: &str) -> DbResult<()> {
    tx.execute(
        query(
            "INSERT INTO api_key (id, token, token_hash, redacted, title, type, role, created_by, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&key.id)
        .bind(key.token.clone())
        .bind(token_hash)
        .bind(&key.redacted)
        .bind(&key.title)
        .bind(key.key_type.as_str())
        .bind(key.role.map(|r| r.as_str()))
        .bind(key.created_by.clone())
        .bind(key.created_at)
        .bind(key.updated_at),
    )
    .await?;
    Ok(())
}

pub async fn by_hash(db: &Db, token_hash: &str) -> DbResult<Option<ApiKey>> {
    let sql = format!("SELECT {COLUMNS} FROM api_key WHERE token_hash = ? AND deleted_at IS NULL");
    db.fetch_optional(query(sql).bind(token_hash))
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn get(db: &Db, id: &str) -> DbResult<Option<ApiKey>> {
    let sql = format!("SELECT {COLUMNS} FROM api_key WHERE id = ? AND deleted_at IS NULL");
    db.fetch_optional(query(sql).bind(id))
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn list(db: &Db, key_type: Option<KeyType>, page: PageRequest) -> DbResult<Page<ApiKey>> {
    let t = key_type.map(|k| k.as_str());
    let count = db
        .fetch_one(
            query("SELECT COUNT(*) AS n FROM api_key WHERE deleted_at IS NULL AND (? IS NULL OR type = ?)")
                .bind(t)
                .bind(t),
        )
        .await?
        .int("n")?;
    let sql = format!(
        "SELECT {COLUMNS} FROM api_key WHERE deleted_at IS NULL AND (? IS NULL OR type = ?) \
         ORDER BY created_at DESC, id LIMIT ? OFFSET ?"
    );
    let rows = db
        .fetch_all(
            query(sql)
                .bind(t)
                .bind(t)
                .bind(page.limit)
                .bind(page.offset),
        )
        .await?;
    Ok(Page {
        items: rows.iter().map(from_row).collect::<DbResult<_>>()?,
        count,
        limit: page.limit,
        offset: page.offset,
    })
}

pub async fn revoke(tx: &mut Tx, id: &str, by: Option<&str>) -> DbResult<u64> {
    let at = now();
    tx.execute(
        query(
            "UPDATE api_key SET revoked_at = ?, revoked_by = ?, updated_at = ? \
             WHERE id = ? AND revoked_at IS NULL AND deleted_at IS NULL",
        )
        .bind(at)
        .bind(by)
        .bind(at)
        .bind(id),
    )
    .await
}

pub async fn revoke_titled(tx: &mut Tx, title: &str) -> DbResult<u64> {
    let at = now();
    tx.execute(
        query("UPDATE api_key SET revoked_at = ?, updated_at = ? WHERE title = ? AND revoked_at IS NULL")
            .bind(at)
            .bind(at)
            .bind(title),
    )
    .await
}

pub async fn touch(db: &Db, id: &str) -> DbResult<()> {
    db.execute(
        query("UPDATE api_key SET last_used_at = ? WHERE id = ?")
            .bind(now())
            .bind(id),
    )
    .await?;
    Ok(())
}
