//! SQL for price sets, prices and price lists.

use std::collections::HashMap;

use merx_db::{query, sql::placeholders, Db, DbResult, Row, Tx};
use merx_types::id::new_id;
use merx_types::time::now;
use time::OffsetDateTime;

use super::calc::{Candidate, ListTerms, PriceListType};
use super::model::{NewPrice, PriceList};

/// Creates the price set of a variant with its base prices (already validated, minor units).
pub async fn create_price_set(
    tx: &mut Tx,
    variant_id: &str,
    prices: &[(NewPrice, i64)],
) -> DbResult<String> {
    let id = new_id("pset");
    tx.execute(
        query("INSERT INTO price_set (id, variant_id, created_at) VALUES (?, ?, ?)")
            .bind(&id)
            .bind(variant_id)
            .bind(now()),
    )
    .await?;
    for (p, minor) in prices {
        insert_price(tx, &id, None, p, *minor).await?;
    }
    Ok(id)
}

pub async fn insert_price(
    tx: &mut Tx,
    price_set_id: &str,
    list_id: Option<&str>,
    p: &NewPrice,
    minor: i64,
) -> DbResult<String> {
    let id = new_id("price");
    let at = now();
    tx.execute(
        query(
            "INSERT INTO price (id, price_set_id, price_list_id, currency_code, amount, region_id, min_quantity, max_quantity, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(price_set_id)
        .bind(list_id)
        .bind(p.currency_code.to_lowercase())
        .bind(minor)
        .bind(p.region_id.clone())
        .bind(p.min_quantity)
        .bind(p.max_quantity)
        .bind(at)
        .bind(at),
    )
    .await?;
    Ok(id)
}

/// Deletes a price set's base prices (not its price-list prices).
pub async fn delete_base_prices(tx: &mut Tx, price_set_id: &str) -> DbResult<()> {
    tx.execute(
        query("DELETE FROM price WHERE price_set_id = ? AND price_list_id IS NULL")
            .bind(price_set_id),
    )
    .await?;
    Ok(())
}

pub async fn price_set_of(tx: &mut Tx, variant_id: &str) -> DbResult<Option<String>> {
    Ok(
        match tx
            .fetch_optional(query("SELECT id FROM price_set WHERE variant_id = ?").bind(variant_id))
            .await?
        {
            Some(r) => Some(r.text("id")?),
            None => None,
        },
    )
}

/// Every price of the given variants (with their lists' terms), by variant id, with the price
/// set id. One query for prices, one for list customer groups.
pub async fn candidates(
    db: &Db,
    variant_ids: &[String],
) -> DbResult<HashMap<String, (String, Vec<Candidate>)>> {
    let mut out: HashMap<String, (String, Vec<Candidate>)> = HashMap::new();
    if variant_ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT s.variant_id, s.id AS price_set_id, p.id, p.currency_code, p.amount, p.region_id, p.min_quantity, \
         p.max_quantity, p.price_list_id, l.type AS list_type, l.status AS list_status, l.starts_at, l.ends_at \
         FROM price_set s JOIN price p ON p.price_set_id = s.id AND p.deleted_at IS NULL \
         LEFT JOIN price_list l ON l.id = p.price_list_id \
         WHERE s.variant_id IN ({}) AND (p.price_list_id IS NULL OR l.deleted_at IS NULL) \
         ORDER BY COALESCE(p.price_list_id, ''), p.currency_code, COALESCE(p.region_id, ''), COALESCE(p.min_quantity, 0), p.id",
        placeholders(variant_ids.len())
    );
    let rows = db
        .fetch_all(query(sql).bind_all(variant_ids.iter().cloned()))
        .await?;
    let mut list_ids: Vec<String> = Vec::new();
    for r in &rows {
        if let Some(l) = r.opt_text("price_list_id")? {
            if !list_ids.contains(&l) {
                list_ids.push(l);
            }
        }
    }
    let groups = list_groups(db, &list_ids).await?;
    for r in &rows {
        let list = match r.opt_text("price_list_id")? {
            Some(list_id) => Some(ListTerms {
                list_type: PriceListType::parse(&r.opt_text("list_type")?.unwrap_or_default())
                    .unwrap_or(PriceListType::Sale),
                active: r.opt_text("list_status")?.as_deref() == Some("active"),
                starts_at: r.opt_time("starts_at")?,
                ends_at: r.opt_time("ends_at")?,
                customer_group_ids: groups.get(&list_id).cloned().unwrap_or_default(),
                id: list_id,
            }),
            None => None,
        };
        let entry = out
            .entry(r.text("variant_id")?)
            .or_insert_with(|| (String::new(), Vec::new()));
        entry.0 = r.text("price_set_id")?;
        entry.1.push(Candidate {
            id: r.text("id")?,
            currency_code: r.text("currency_code")?,
            amount: r.int("amount")?,
            region_id: r.opt_text("region_id")?,
            min_quantity: r.opt_int("min_quantity")?,
            max_quantity: r.opt_int("max_quantity")?,
            list,
        });
    }
    // Variants with a price set but no prices still report their set.
    let missing: Vec<String> = variant_ids
        .iter()
        .filter(|v| !out.contains_key(*v))
        .cloned()
        .collect();
    if !missing.is_empty() {
        let sql = format!(
            "SELECT variant_id, id FROM price_set WHERE variant_id IN ({})",
            placeholders(missing.len())
        );
        for r in db.fetch_all(query(sql).bind_all(missing)).await? {
            out.insert(r.text("variant_id")?, (r.text("id")?, Vec::new()));
        }
    }
    Ok(out)
}

async fn list_groups(db: &Db, list_ids: &[String]) -> DbResult<HashMap<String, Vec<String>>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    if list_ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT price_list_id, customer_group_id FROM price_list_customer_group WHERE price_list_id IN ({})",
        placeholders(list_ids.len())
    );
    for r in db
        .fetch_all(query(sql).bind_all(list_ids.iter().cloned()))
        .await?
    {
        out.entry(r.text("price_list_id")?)
            .or_default()
            .push(r.text("customer_group_id")?);
    }
    Ok(out)
}

const LIST_COLUMNS: &str =
    "id, title, description, type, status, starts_at, ends_at, metadata, created_at, updated_at";

fn list_from_row(r: &Row, groups: Vec<String>) -> DbResult<PriceList> {
    Ok(PriceList {
        id: r.text("id")?,
        title: r.text("title")?,
        description: r.text("description")?,
        list_type: PriceListType::parse(&r.text("type")?).unwrap_or(PriceListType::Sale),
        active: r.text("status")? == "active",
        starts_at: r.opt_time("starts_at")?,
        ends_at: r.opt_time("ends_at")?,
        metadata: r.opt_json("metadata")?,
        customer_group_ids: groups,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

pub async fn insert_list(tx: &mut Tx, l: &PriceList) -> DbResult<()> {
    tx.execute(
        query(
            "INSERT INTO price_list (id, title, description, type, status, starts_at, ends_at, metadata, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&l.id)
        .bind(&l.title)
        .bind(&l.description)
        .bind(l.list_type.as_str())
        .bind(if l.active { "active" } else { "draft" })
        .bind(l.starts_at)
        .bind(l.ends_at)
        .bind(l.metadata.clone())
        .bind(l.created_at)
        .bind(l.updated_at),
    )
    .await?;
    set_list_groups(tx, &l.id, &l.customer_group_ids).await
}

pub async fn update_list(tx: &mut Tx, l: &PriceList) -> DbResult<()> {
    tx.execute(
        query(
            "UPDATE price_list SET title = ?, description = ?, type = ?, status = ?, starts_at = ?, ends_at = ?, metadata = ?, \
             updated_at = ? WHERE id = ? AND deleted_at IS NULL",
        )
        .bind(&l.title)
        .bind(&l.description)
        .bind(l.list_type.as_str())
        .bind(if l.active { "active" } else { "draft" })
        .bind(l.starts_at)
        .bind(l.ends_at)
        .bind(l.metadata.clone())
        .bind(l.updated_at)
        .bind(&l.id),
    )
    .await?;
    set_list_groups(tx, &l.id, &l.customer_group_ids).await
}

async fn set_list_groups(tx: &mut Tx, list_id: &str, groups: &[String]) -> DbResult<()> {
    tx.execute(
        query("DELETE FROM price_list_customer_group WHERE price_list_id = ?").bind(list_id),
    )
    .await?;
    for g in groups {
        tx.execute(query("INSERT INTO price_list_customer_group (price_list_id, customer_group_id) VALUES (?, ?)").bind(list_id).bind(g))
            .await?;
    }
    Ok(())
}

pub async fn get_list(db: &Db, id: &str) -> DbResult<Option<PriceList>> {
    let Some(r) = db
        .fetch_optional(
            query(format!(
                "SELECT {LIST_COLUMNS} FROM price_list WHERE id = ? AND deleted_at IS NULL"
            ))
            .bind(id),
        )
        .await?
    else {
        return Ok(None);
    };
    let groups = list_groups(db, &[id.to_string()])
        .await?
        .remove(id)
        .unwrap_or_default();
    Ok(Some(list_from_row(&r, groups)?))
}

pub async fn list_lists(db: &Db, limit: i64, offset: i64) -> DbResult<(Vec<PriceList>, i64)> {
    let count = db
        .fetch_one(query(
            "SELECT COUNT(*) AS n FROM price_list WHERE deleted_at IS NULL",
        ))
        .await?
        .int("n")?;
    let rows = db
        .fetch_all(
            query(format!(
                "SELECT {LIST_COLUMNS} FROM price_list WHERE deleted_at IS NULL ORDER BY created_at DESC, id LIMIT ? OFFSET ?"
            ))
            .bind(limit)
            .bind(offset),
        )
        .await?;
    let ids: Vec<String> = rows.iter().map(|r| r.text("id")).collect::<DbResult<_>>()?;
    let mut groups = list_groups(db, &ids).await?;
    let lists = rows
        .iter()
        .map(|r| {
            let id = r.text("id")?;
            list_from_row(r, groups.remove(&id).unwrap_or_default())
        })
        .collect::<DbResult<_>>()?;
    Ok((lists, count))
}

pub async fn soft_delete_list(tx: &mut Tx, id: &str) -> DbResult<bool> {
    let at = now();
    tx.execute(
        query("UPDATE price SET deleted_at = ? WHERE price_list_id = ? AND deleted_at IS NULL")
            .bind(at)
            .bind(id),
    )
    .await?;
    Ok(tx
        .execute(query("UPDATE price_list SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL").bind(at).bind(at).bind(id))
        .await?
        > 0)
}

/// Variants (with their price set ids) that exist among `variant_ids`.
pub async fn price_sets_for(
    tx: &mut Tx,
    variant_ids: &[String],
) -> DbResult<HashMap<String, String>> {
    if variant_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT s.variant_id, s.id FROM price_set s JOIN product_variant v ON v.id = s.variant_id \
         WHERE v.deleted_at IS NULL AND s.variant_id IN ({})",
        placeholders(variant_ids.len())
    );
    tx.fetch_all(query(sql).bind_all(variant_ids.iter().cloned()))
        .await?
        .iter()
        .map(|r| Ok((r.text("variant_id")?, r.text("id")?)))
        .collect()
}

/// Customer groups a customer belongs to.
pub async fn groups_of_customer(db: &Db, customer_id: &str) -> DbResult<Vec<String>> {
    db.fetch_all(
        query(
            "SELECT m.customer_group_id FROM customer_group_customer m JOIN customer_group g ON g.id = m.customer_group_id \
             WHERE m.customer_id = ? AND g.deleted_at IS NULL ORDER BY m.customer_group_id",
        )
        .bind(customer_id),
    )
    .await?
    .iter()
    .map(|r| r.text("customer_group_id"))
    .collect()
}

/// The earliest `starts_at`/`ends_at` of a live price list later than `after`.
pub async fn next_window_change(
    db: &Db,
    after: OffsetDateTime,
) -> DbResult<Option<OffsetDateTime>> {
    let rows = db
        .fetch_all(
            query(
                "SELECT starts_at, ends_at FROM price_list \
                 WHERE deleted_at IS NULL AND (starts_at > ? OR ends_at > ?)",
            )
            .bind(after)
            .bind(after),
        )
        .await?;
    let mut next: Option<OffsetDateTime> = None;
    for r in rows {
        for t in [r.opt_time("starts_at")?, r.opt_time("ends_at")?]
            .into_iter()
            .flatten()
        {
            if t > after && next.is_none_or(|n| t < n) {
                next = Some(t);
            }
        }
    }
    Ok(next)
}
