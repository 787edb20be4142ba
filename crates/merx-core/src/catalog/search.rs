//! Full-text product search: FTS5 on SQLite (a `product_fts` table kept in step by the catalog's
//! writes), a GIN expression index on Postgres. Queries match every word as a prefix.

use merx_db::{query, Backend, DbResult, Tx};

use super::model::Product;

/// The words of a search, lower-cased, with everything but letters and digits dropped, so no
/// client input reaches the query language.
pub fn terms(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| w.to_lowercase())
        .collect()
}

/// An SQL condition on `p` (the product) and its one bound value; `None` when `q` has no words.
pub fn condition(backend: Backend, q: &str) -> Option<(String, String)> {
    let words = terms(q);
    if words.is_empty() {
        return None;
    }
    Some(match backend {
        Backend::Sqlite => (
            "p.id IN (SELECT product_id FROM product_fts WHERE product_fts MATCH ?)".to_string(),
            words.iter().map(|w| format!("\"{w}\"*")).collect::<Vec<_>>().join(" "),
        ),
        Backend::Postgres => (
            "to_tsvector('simple', coalesce(p.title, '') || ' ' || coalesce(p.subtitle, '') || ' ' || \
             coalesce(p.description, '') || ' ' || coalesce(p.handle, '')) @@ to_tsquery('simple', ?)"
                .to_string(),
            words.iter().map(|w| format!("{w}:*")).collect::<Vec<_>>().join(" & "),
        ),
    })
}

/// Keeps the SQLite index in step with a product (Postgres indexes the row itself).
pub async fn index(tx: &mut Tx, p: &Product) -> DbResult<()> {
    if tx.backend() != Backend::Sqlite {
        return Ok(());
    }
    remove(tx, &p.id).await?;
    let body = [
        Some(p.title.as_str()),
        p.subtitle.as_deref(),
        p.description.as_deref(),
        Some(p.handle.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    tx.execute(
        query("INSERT INTO product_fts (product_id, body) VALUES (?, ?)")
            .bind(&p.id)
            .bind(body),
    )
    .await?;
    // Virtual tables have no RETURNING; the rowid is this connection's last insert.
    let rowid = tx
        .fetch_one(query("SELECT last_insert_rowid() AS r"))
        .await?
        .int("r")?;
    tx.execute(
        query("INSERT INTO product_fts_rowid (product_id, fts_rowid) VALUES (?, ?)")
            .bind(&p.id)
            .bind(rowid),
    )
    .await?;
    Ok(())
}

/// Takes a product out of the SQLite index, by rowid (`product_id` is not indexed by FTS5).
pub async fn remove(tx: &mut Tx, product_id: &str) -> DbResult<()> {
    if tx.backend() == Backend::Sqlite {
        tx.execute(
            query(
                "DELETE FROM product_fts WHERE rowid IN \
                 (SELECT fts_rowid FROM product_fts_rowid WHERE product_id = ?)",
            )
            .bind(product_id),
        )
        .await?;
        tx.execute(query("DELETE FROM product_fts_rowid WHERE product_id = ?").bind(product_id))
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_drop_query_syntax() {
        assert_eq!(
            terms("Red  T-shirt\"* OR x"),
            ["red", "t", "shirt", "or", "x"]
        );
        assert!(terms("\"*:&|").is_empty());
        let (_, v) = condition(Backend::Postgres, "blue cap").unwrap();
        assert_eq!(v, "blue:* & cap:*");
        let (_, v) = condition(Backend::Sqlite, "blue cap").unwrap();
        assert_eq!(v, "\"blue\"* \"cap\"*");
    }
}
