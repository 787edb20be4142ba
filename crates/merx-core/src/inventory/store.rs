//! SQL for inventory.

use std::collections::HashMap;

use merx_db::{query, sql::placeholders, Db, DbResult, Row, Tx};
use merx_types::id::new_id;
use merx_types::time::now;
use serde_json::json;
use time::OffsetDateTime;

use super::model::*;
use crate::platform::events::{append, NewEvent};
use crate::platform::freshness::{Memo, ReadModel, MEMO_TTL};

use std::sync::LazyLock;

pub const LOCATION_COLUMNS: &str =
    "id, name, address_id, address_1, address_2, company, city, country_code, phone, \
    province, postal_code, metadata, created_at, updated_at";

pub fn location_from_row(r: &Row) -> DbResult<StockLocation> {
    let address_id = r.opt_text("address_id")?;
    let address = address_id.as_ref().map(|_| -> DbResult<LocationAddress> {
        Ok(LocationAddress {
            address_1: r.opt_text("address_1")?,
            address_2: r.opt_text("address_2")?,
            company: r.opt_text("company")?,
            city: r.opt_text("city")?,
            country_code: r.opt_text("country_code")?,
            phone: r.opt_text("phone")?,
            province: r.opt_text("province")?,
            postal_code: r.opt_text("postal_code")?,
        })
    });
    Ok(StockLocation {
        id: r.text("id")?,
        name: r.text("name")?,
        address_id,
        address: address.transpose()?,
        metadata: r.opt_json("metadata")?,
        sales_channel_ids: Vec::new(),
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

pub const ITEM_COLUMNS: &str =
    "id, sku, title, description, requires_shipping, hs_code, origin_country, mid_code, \
    material, weight, metadata, created_at, updated_at";

pub fn item_from_row(r: &Row) -> DbResult<InventoryItem> {
    Ok(InventoryItem {
        id: r.text("id")?,
        sku: r.opt_text("sku")?,
        title: r.opt_text("title")?,
        description: r.opt_text("description")?,
        requires_shipping: r.bool("requires_shipping")?,
        hs_code: r.opt_text("hs_code")?,
        origin_country: r.opt_text("origin_country")?,
        mid_code: r.opt_text("mid_code")?,
        material: r.opt_text("material")?,
        weight: r.opt_int("weight")?,
        metadata: r.opt_json("metadata")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

pub const LEVEL_COLUMNS: &str =
    "id, inventory_item_id, location_id, stocked_quantity, reserved_quantity, \
    incoming_quantity, metadata, created_at, updated_at";

pub fn level_from_row(r: &Row) -> DbResult<InventoryLevel> {
    Ok(InventoryLevel {
        id: r.text("id")?,
        inventory_item_id: r.text("inventory_item_id")?,
        location_id: r.text("location_id")?,
        stocked_quantity: r.int("stocked_quantity")?,
        reserved_quantity: r.int("reserved_quantity")?,
        incoming_quantity: r.int("incoming_quantity")?,
        metadata: r.opt_json("metadata")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

pub const RESERVATION_COLUMNS: &str =
    "id, inventory_item_id, location_id, quantity, line_item_id, description, \
    external_id, created_by, allow_backorder, expires_at, metadata, created_at, updated_at";

pub fn reservation_from_row(r: &Row) -> DbResult<Reservation> {
    Ok(Reservation {
        id: r.text("id")?,
        inventory_item_id: r.text("inventory_item_id")?,
        location_id: r.text("location_id")?,
        quantity: r.int("quantity")?,
        line_item_id: r.opt_text("line_item_id")?,
        description: r.opt_text("description")?,
        external_id: r.opt_text("external_id")?,
        created_by: r.opt_text("created_by")?,
        allow_backorder: r.bool("allow_backorder")?,
        expires_at: r.opt_time("expires_at")?,
        metadata: r.opt_json("metadata")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

pub async fn level_in(tx: &mut Tx, item: &str, location: &str) -> DbResult<Option<InventoryLevel>> {
    tx.fetch_optional(
        query(format!("SELECT {LEVEL_COLUMNS} FROM inventory_level WHERE inventory_item_id = ? AND location_id = ?"))
            .bind(item)
            .bind(location),
    )
    .await?
    .as_ref()
    .map(level_from_row)
    .transpose()
}

/// Records an adjustment and announces the level's new state, in the caller's transaction.
pub async fn record_change(
    tx: &mut Tx,
    item: &str,
    location: &str,
    deltas: (i64, i64, i64),
    change: &Change,
) -> DbResult<()> {
    record_change_to(tx, item, location, deltas, change, None).await
}

/// [`record_change`] when the level's new state is already in hand.
pub async fn record_change_to(
    tx: &mut Tx,
    item: &str,
    location: &str,
    deltas: (i64, i64, i64),
    change: &Change,
    level: Option<InventoryLevel>,
) -> DbResult<()> {
    let at = now();
    tx.execute(
        query(
            "INSERT INTO inventory_adjustment (id, inventory_item_id, location_id, stocked_delta, reserved_delta, \
             incoming_delta, reason, actor, reference_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(new_id("iadj"))
        .bind(item)
        .bind(location)
        .bind(deltas.0)
        .bind(deltas.1)
        .bind(deltas.2)
        .bind(&change.reason)
        .bind(change.actor.clone())
        .bind(change.reference_id.clone())
        .bind(at),
    )
    .await?;
    let level = match level {
        Some(l) => Some(l),
        None => level_in(tx, item, location).await?,
    };
    if let Some(level) = level {
        append(
            tx,
            NewEvent::new(
                "inventory.level_changed",
                "inventory_item",
                item,
                json!({
                    "inventory_item_id": item,
                    "location_id": location,
                    "stocked_quantity": level.stocked_quantity,
                    "reserved_quantity": level.reserved_quantity,
                    "incoming_quantity": level.incoming_quantity,
                    "available_quantity": level.available_quantity(),
                    "stocked_delta": deltas.0,
                    "reserved_delta": deltas.1,
                    "reason": change.reason,
                }),
            ),
        )
        .await?;
    }
    Ok(())
}

/// Adds `quantity` to a level's reservations if the stock allows it (or backorders do); returns
/// whether it did. The condition is part of the update, so the database decides atomically.
pub async fn try_reserve(
    tx: &mut Tx,
    item: &str,
    location: &str,
    quantity: i64,
    allow_backorder: bool,
) -> DbResult<Option<InventoryLevel>> {
    tx.fetch_optional(
        query(format!(
            "UPDATE inventory_level SET reserved_quantity = reserved_quantity + ?, updated_at = ? \
             WHERE inventory_item_id = ? AND location_id = ? AND (? OR stocked_quantity - reserved_quantity >= ?) \
             RETURNING {LEVEL_COLUMNS}"
        ))
        .bind(quantity)
        .bind(now())
        .bind(item)
        .bind(location)
        .bind(allow_backorder)
        .bind(quantity),
    )
    .await?
    .as_ref()
    .map(level_from_row)
    .transpose()
}

/// Takes `quantity` off a level's reservations (never below zero).
pub async fn unreserve(tx: &mut Tx, item: &str, location: &str, quantity: i64) -> DbResult<()> {
    tx.execute(
        query(
            "UPDATE inventory_level SET reserved_quantity = CASE WHEN reserved_quantity >= ? THEN reserved_quantity - ? ELSE 0 END, \
             updated_at = ? WHERE inventory_item_id = ? AND location_id = ?",
        )
        .bind(quantity)
        .bind(quantity)
        .bind(now())
        .bind(item)
        .bind(location),
    )
    .await?;
    Ok(())
}

pub async fn insert_reservation(tx: &mut Tx, r: &Reservation) -> DbResult<()> {
    tx.execute(
        query(format!("INSERT INTO reservation_item ({RESERVATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
            .bind(&r.id)
            .bind(&r.inventory_item_id)
            .bind(&r.location_id)
            .bind(r.quantity)
            .bind(r.line_item_id.clone())
            .bind(r.description.clone())
            .bind(r.external_id.clone())
            .bind(r.created_by.clone())
            .bind(r.allow_backorder)
            .bind(r.expires_at)
            .bind(r.metadata.clone())
            .bind(r.created_at)
            .bind(r.updated_at),
    )
    .await?;
    Ok(())
}

fn variant_items_query(variant_ids: &[String]) -> merx_db::Query {
    // Ordered by item, so concurrent bundle reservations lock levels in the same order.
    let sql = format!(
        "SELECT l.variant_id, l.inventory_item_id, l.required_quantity FROM product_variant_inventory_item l \
         JOIN inventory_item i ON i.id = l.inventory_item_id WHERE i.deleted_at IS NULL AND l.variant_id IN ({}) \
         ORDER BY l.inventory_item_id",
        placeholders(variant_ids.len())
    );
    query(sql).bind_all(variant_ids.iter().cloned())
}

fn group_variant_items(rows: Vec<Row>) -> DbResult<HashMap<String, Vec<VariantItem>>> {
    let mut out: HashMap<String, Vec<VariantItem>> = HashMap::new();
    for r in rows {
        out.entry(r.text("variant_id")?)
            .or_default()
            .push(VariantItem {
                inventory_item_id: r.text("inventory_item_id")?,
                required_quantity: r.int("required_quantity")?,
            });
    }
    Ok(out)
}

/// How a variant is stocked: whether it manages inventory and allows backorders, and its live
/// items ordered by item (one query); `None` if there is no such live variant.
pub async fn variant_stock_in(
    tx: &mut Tx,
    variant_id: &str,
) -> DbResult<Option<(bool, bool, Vec<VariantItem>)>> {
    let rows = tx
        .fetch_all(
            query(
                "SELECT v.manage_inventory, v.allow_backorder, \
                 CASE WHEN i.deleted_at IS NULL THEN l.inventory_item_id END AS inventory_item_id, l.required_quantity \
                 FROM product_variant v LEFT JOIN product_variant_inventory_item l ON l.variant_id = v.id \
                 LEFT JOIN inventory_item i ON i.id = l.inventory_item_id \
                 WHERE v.id = ? AND v.deleted_at IS NULL ORDER BY l.inventory_item_id",
            )
            .bind(variant_id),
        )
        .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let (manage, backorder) = (
        first.bool("manage_inventory")?,
        first.bool("allow_backorder")?,
    );
    let mut items = Vec::new();
    for r in &rows {
        if let Some(item) = r.opt_text("inventory_item_id")? {
            items.push(VariantItem {
                inventory_item_id: item,
                required_quantity: r.int("required_quantity")?,
            });
        }
    }
    Ok(Some((manage, backorder, items)))
}

/// The inventory items of variants, with required quantities.
pub async fn variant_items(
    db: &Db,
    variant_ids: &[String],
) -> DbResult<HashMap<String, Vec<VariantItem>>> {
    if variant_ids.is_empty() {
        return Ok(HashMap::new());
    }
    group_variant_items(db.fetch_all(variant_items_query(variant_ids)).await?)
}

/// The same, read inside a transaction (which must not wait for a second connection).
pub async fn variant_items_in(
    tx: &mut Tx,
    variant_ids: &[String],
) -> DbResult<HashMap<String, Vec<VariantItem>>> {
    if variant_ids.is_empty() {
        return Ok(HashMap::new());
    }
    group_variant_items(tx.fetch_all(variant_items_query(variant_ids)).await?)
}

const CHANNEL_LOCATIONS_SQL: &str = "SELECT l.stock_location_id FROM sales_channel_stock_location l \
    JOIN stock_location s ON s.id = l.stock_location_id WHERE l.sales_channel_id = ? AND s.deleted_at IS NULL \
    ORDER BY s.created_at, s.id";

/// Each channel's stock locations as last read: every add to cart and every reservation asks.
static CHANNEL_LOCATIONS: LazyLock<Memo<Vec<String>>> =
    LazyLock::new(|| Memo::new(ReadModel::Logistics, MEMO_TTL));

/// Stock locations of a sales channel, in a stable order.
pub async fn channel_locations(db: &Db, channel_id: &str) -> DbResult<Vec<String>> {
    remembered(
        channel_id,
        db.fetch_all(query(CHANNEL_LOCATIONS_SQL).bind(channel_id)),
    )
    .await
}

/// The same, inside a transaction.
pub async fn channel_locations_in(tx: &mut Tx, channel_id: &str) -> DbResult<Vec<String>> {
    remembered(
        channel_id,
        tx.fetch_all(query(CHANNEL_LOCATIONS_SQL).bind(channel_id)),
    )
    .await
}

/// The channel's locations from the memo, else from `read` (run only then).
async fn remembered(
    channel_id: &str,
    read: impl std::future::Future<Output = DbResult<Vec<Row>>>,
) -> DbResult<Vec<String>> {
    let locations = async {
        read.await?
            .iter()
            .map(|r| r.text("stock_location_id"))
            .collect::<DbResult<Vec<_>>>()
    };
    CHANNEL_LOCATIONS.get_or_read(channel_id, locations).await
}

/// Each variant's items as `(required quantity, units available summed over `locations`)`, in
/// one query; a variant without items is left out, and with no locations nothing is available.
pub async fn variant_items_available(
    db: &Db,
    variant_ids: &[String],
    locations: &[String],
) -> DbResult<HashMap<String, Vec<(i64, i64)>>> {
    let mut out: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
    if variant_ids.is_empty() {
        return Ok(out);
    }
    // Postgres sums BIGINT into NUMERIC, and reads a bare `0` as INTEGER: both are cast to the
    // BIGINT the row reader expects.
    let available = if locations.is_empty() {
        "CAST(0 AS BIGINT)".to_string()
    } else {
        format!(
            "CAST(COALESCE((SELECT SUM(v.stocked_quantity - v.reserved_quantity) FROM inventory_level v \
             WHERE v.inventory_item_id = l.inventory_item_id AND v.location_id IN ({})), 0) AS BIGINT)",
            placeholders(locations.len())
        )
    };
    let sql = format!(
        "SELECT l.variant_id, l.required_quantity, {available} AS available FROM product_variant_inventory_item l \
         JOIN inventory_item i ON i.id = l.inventory_item_id WHERE i.deleted_at IS NULL AND l.variant_id IN ({})",
        placeholders(variant_ids.len())
    );
    let rows = db
        .fetch_all(
            query(sql)
                .bind_all(locations.iter().cloned())
                .bind_all(variant_ids.iter().cloned()),
        )
        .await?;
    for r in rows {
        out.entry(r.text("variant_id")?)
            .or_default()
            .push((r.int("required_quantity")?, r.int("available")?));
    }
    Ok(out)
}

/// The inventory item Medusa creates for a managed variant: same SKU and title, required once.
pub async fn create_item_for_variant(
    tx: &mut Tx,
    variant_id: &str,
    sku: Option<&str>,
    title: &str,
    at: OffsetDateTime,
) -> DbResult<String> {
    let id = new_id("iitem");
    tx.execute(
        query(
            "INSERT INTO inventory_item (id, sku, title, requires_shipping, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(sku)
        .bind(title)
        .bind(true)
        .bind(at)
        .bind(at),
    )
    .await?;
    tx.execute(
        query("INSERT INTO product_variant_inventory_item (variant_id, inventory_item_id, required_quantity) VALUES (?, ?, 1)")
            .bind(variant_id)
            .bind(&id),
    )
    .await?;
    Ok(id)
}
