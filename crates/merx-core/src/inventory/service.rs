use std::collections::HashMap;

use merx_db::{query, sql::placeholders, Db, DbResult, Tx};
use merx_types::id::new_id;
use merx_types::time::now;
use merx_types::{Country, DomainError, Page, PageRequest};
use serde_json::{json, Value};

use super::model::*;
use super::store::{self, *};
use crate::error::{CoreError, CoreResult};
use crate::platform::events::{append, NewEvent};
use crate::platform::freshness::{Memo, ReadModel, MEMO_TTL};

/// The most units of an inventory item one unit of a variant may take.
pub const MAX_REQUIRED_QUANTITY: i64 = 10_000;

fn not_found(what: &str, id: &str) -> CoreError {
    DomainError::not_found(format!("{what} with id: {id} was not found")).into()
}

/// Stock, its locations and its reservations.
#[derive(Clone)]
pub struct InventoryService {
    db: Db,
    /// Units a Store answer shows per (channel, variant), while stock is unchanged.
    shown: Memo<i64>,
}

impl InventoryService {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            // One entry per variant and channel: as many as a catalogue's variants.
            shown: Memo::with_capacity(ReadModel::Inventory, MEMO_TTL, 65_536),
        }
    }

    // ---------- locations

    pub async fn create_location(
        &self,
        name: &str,
        address: Option<LocationAddress>,
        metadata: Option<Value>,
    ) -> CoreResult<StockLocation> {
        if name.trim().is_empty() {
            return Err(DomainError::invalid("name must not be empty").into());
        }
        if let Some(code) = address.as_ref().and_then(|a| a.country_code.as_deref()) {
            Country::find(code)
                .ok_or_else(|| DomainError::invalid(format!("Unknown country code: {code}")))?;
        }
        let at = now();
        let id = new_id("sloc");
        let a = address.clone().unwrap_or_default();
        let mut tx = self.db.begin().await?;
        tx.execute(
            query(format!("INSERT INTO stock_location ({LOCATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
                .bind(&id)
                .bind(name)
                .bind(address.as_ref().map(|_| new_id("laddr")))
                .bind(a.address_1)
                .bind(a.address_2)
                .bind(a.company)
                .bind(a.city)
                .bind(a.country_code.map(|c| c.to_lowercase()))
                .bind(a.phone)
                .bind(a.province)
                .bind(a.postal_code)
                .bind(metadata)
                .bind(at)
                .bind(at),
        )
        .await?;
        append(
            &mut tx,
            NewEvent::new(
                "stock_location.created",
                "stock_location",
                &id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.location(&id).await
    }

    pub async fn location(&self, id: &str) -> CoreResult<StockLocation> {
        let mut l = self
            .db
            .fetch_optional(query(format!("SELECT {LOCATION_COLUMNS} FROM stock_location WHERE id = ? AND deleted_at IS NULL")).bind(id))
            .await?
            .as_ref()
            .map(location_from_row)
            .transpose()?
            .ok_or_else(|| not_found("Stock location", id))?;
        l.sales_channel_ids = self
            .db
            .fetch_all(query("SELECT sales_channel_id FROM sales_channel_stock_location WHERE stock_location_id = ? ORDER BY sales_channel_id").bind(id))
            .await?
            .iter()
            .map(|r| r.text("sales_channel_id"))
            .collect::<DbResult<_>>()?;
        Ok(l)
    }

    pub async fn locations(&self, page: PageRequest) -> CoreResult<Page<StockLocation>> {
        let count = self
            .db
            .fetch_one(query(
                "SELECT COUNT(*) AS n FROM stock_location WHERE deleted_at IS NULL",
            ))
            .await?
            .int("n")?;
        let ids: Vec<String> = self
            .db
            .fetch_all(query("SELECT id FROM stock_location WHERE deleted_at IS NULL ORDER BY created_at, id LIMIT ? OFFSET ?").bind(page.limit).bind(page.offset))
            .await?
            .iter()
            .map(|r| r.text("id"))
            .collect::<DbResult<_>>()?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            items.push(self.location(&id).await?);
        }
        Ok(Page {
            items,
            count,
            limit: page.limit,
            offset: page.offset,
        })
    }

    pub async fn update_location(
        &self,
        id: &str,
        name: Option<String>,
        address: Option<LocationAddress>,
        metadata: Option<Option<Value>>,
    ) -> CoreResult<StockLocation> {
        let mut l = self.location(id).await?;
        if let Some(n) = name {
            if n.trim().is_empty() {
                return Err(DomainError::invalid("name must not be empty").into());
            }
            l.name = n;
        }
        if let Some(a) = address {
            if let Some(code) = a.country_code.as_deref() {
                Country::find(code)
                    .ok_or_else(|| DomainError::invalid(format!("Unknown country code: {code}")))?;
            }
            l.address = Some(a);
            if l.address_id.is_none() {
                l.address_id = Some(new_id("laddr"));
            }
        }
        if let Some(m) = metadata {
            l.metadata = m;
        }
        let a = l.address.clone().unwrap_or_default();
        let mut tx = self.db.begin().await?;
        tx.execute(
            query(
                "UPDATE stock_location SET name = ?, address_id = ?, address_1 = ?, address_2 = ?, company = ?, city = ?, \
                 country_code = ?, phone = ?, province = ?, postal_code = ?, metadata = ?, updated_at = ? WHERE id = ?",
            )
            .bind(&l.name)
            .bind(l.address_id.clone())
            .bind(a.address_1)
            .bind(a.address_2)
            .bind(a.company)
            .bind(a.city)
            .bind(a.country_code.map(|c| c.to_lowercase()))
            .bind(a.phone)
            .bind(a.province)
            .bind(a.postal_code)
            .bind(l.metadata.clone())
            .bind(now())
            .bind(id),
        )
        .await?;
        append(
            &mut tx,
            NewEvent::new(
                "stock_location.updated",
                "stock_location",
                id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.location(id).await
    }

    /// Deletes a location that holds no reservations.
    pub async fn delete_location(&self, id: &str) -> CoreResult<()> {
        self.location(id).await?;
        let mut tx = self.db.begin().await?;
        let reserved = tx
            .fetch_one(query("SELECT COUNT(*) AS n FROM reservation_item WHERE location_id = ? AND deleted_at IS NULL").bind(id))
            .await?
            .int("n")?;
        if reserved > 0 {
            return Err(DomainError::not_allowed(format!(
                "Stock location {id} still holds {reserved} reservation(s)"
            ))
            .into());
        }
        tx.execute(
            query("UPDATE stock_location SET deleted_at = ? WHERE id = ?")
                .bind(now())
                .bind(id),
        )
        .await?;
        tx.execute(
            query("DELETE FROM sales_channel_stock_location WHERE stock_location_id = ?").bind(id),
        )
        .await?;
        tx.execute(query("DELETE FROM inventory_level WHERE location_id = ?").bind(id))
            .await?;
        append(
            &mut tx,
            NewEvent::new(
                "stock_location.deleted",
                "stock_location",
                id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn link_channels(
        &self,
        id: &str,
        add: &[String],
        remove: &[String],
    ) -> CoreResult<StockLocation> {
        self.location(id).await?;
        let mut tx = self.db.begin().await?;
        for c in add {
            let exists = tx
                .fetch_optional(
                    query("SELECT id FROM sales_channel WHERE id = ? AND deleted_at IS NULL")
                        .bind(c),
                )
                .await?;
            if exists.is_none() {
                return Err(
                    DomainError::invalid(format!("Sales channel {c} does not exist")).into(),
                );
            }
            tx.execute(query("INSERT INTO sales_channel_stock_location (sales_channel_id, stock_location_id) VALUES (?, ?) ON CONFLICT DO NOTHING").bind(c).bind(id))
                .await?;
        }
        for c in remove {
            tx.execute(query("DELETE FROM sales_channel_stock_location WHERE sales_channel_id = ? AND stock_location_id = ?").bind(c).bind(id)).await?;
        }
        append(
            &mut tx,
            NewEvent::new(
                "stock_location.updated",
                "stock_location",
                id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.location(id).await
    }

    // ---------- items

    pub async fn create_item(&self, input: ItemInput) -> CoreResult<InventoryItem> {
        let at = now();
        let id = new_id("iitem");
        let mut tx = self.db.begin().await?;
        tx.execute(
            query(format!("INSERT INTO inventory_item ({ITEM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
                .bind(&id)
                .bind(input.sku.clone())
                .bind(input.title)
                .bind(input.description)
                .bind(input.requires_shipping.unwrap_or(true))
                .bind(input.hs_code)
                .bind(input.origin_country)
                .bind(input.mid_code)
                .bind(input.material)
                .bind(input.weight)
                .bind(input.metadata)
                .bind(at)
                .bind(at),
        )
        .await
        .map_err(|e| -> CoreError {
            if e.is_unique_violation() {
                DomainError::duplicate(format!("Inventory item with sku: {} already exists", input.sku.unwrap_or_default())).into()
            } else {
                e.into()
            }
        })?;
        append(
            &mut tx,
            NewEvent::new(
                "inventory_item.created",
                "inventory_item",
                &id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.item(&id).await
    }

    pub async fn item(&self, id: &str) -> CoreResult<InventoryItem> {
        self.db
            .fetch_optional(
                query(format!(
                    "SELECT {ITEM_COLUMNS} FROM inventory_item WHERE id = ? AND deleted_at IS NULL"
                ))
                .bind(id),
            )
            .await?
            .as_ref()
            .map(item_from_row)
            .transpose()?
            .ok_or_else(|| not_found("Inventory item", id))
    }

    pub async fn items(
        &self,
        skus: &[String],
        page: PageRequest,
    ) -> CoreResult<Page<InventoryItem>> {
        let mut w = String::from("deleted_at IS NULL");
        if !skus.is_empty() {
            w.push_str(&format!(" AND sku IN ({})", placeholders(skus.len())));
        }
        let count = self
            .db
            .fetch_one(
                query(format!(
                    "SELECT COUNT(*) AS n FROM inventory_item WHERE {w}"
                ))
                .bind_all(skus.iter().cloned()),
            )
            .await?
            .int("n")?;
        let rows = self
            .db
            .fetch_all(
                query(format!("SELECT {ITEM_COLUMNS} FROM inventory_item WHERE {w} ORDER BY created_at, id LIMIT ? OFFSET ?"))
                    .bind_all(skus.iter().cloned())
                    .bind(page.limit)
                    .bind(page.offset),
            )
            .await?;
        Ok(Page {
            items: rows.iter().map(item_from_row).collect::<DbResult<_>>()?,
            count,
            limit: page.limit,
            offset: page.offset,
        })
    }

    pub async fn delete_item(&self, id: &str) -> CoreResult<()> {
        self.item(id).await?;
        let mut tx = self.db.begin().await?;
        let reserved = tx
            .fetch_one(query("SELECT COUNT(*) AS n FROM reservation_item WHERE inventory_item_id = ? AND deleted_at IS NULL").bind(id))
            .await?
            .int("n")?;
        if reserved > 0 {
            return Err(DomainError::not_allowed(format!(
                "Inventory item {id} still has {reserved} reservation(s)"
            ))
            .into());
        }
        tx.execute(
            query("UPDATE inventory_item SET deleted_at = ? WHERE id = ?")
                .bind(now())
                .bind(id),
        )
        .await?;
        tx.execute(
            query("DELETE FROM product_variant_inventory_item WHERE inventory_item_id = ?")
                .bind(id),
        )
        .await?;
        append(
            &mut tx,
            NewEvent::new(
                "inventory_item.deleted",
                "inventory_item",
                id,
                json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Links a variant to an item (`required_quantity` units of the item per unit of the variant).
    pub async fn link_variant(
        &self,
        variant_id: &str,
        item_id: &str,
        required_quantity: i64,
    ) -> CoreResult<()> {
        // Bounded so that units × required quantity (lines hold at most tens of thousands of
        // units) stays far from overflowing.
        if !(1..=MAX_REQUIRED_QUANTITY).contains(&required_quantity) {
            return Err(DomainError::invalid(format!(
                "required_quantity must be between 1 and {MAX_REQUIRED_QUANTITY}"
            ))
            .into());
        }
        self.item(item_id).await?;
        let mut tx = self.db.begin().await?;
        let exists = tx
            .fetch_optional(
                query("SELECT id FROM product_variant WHERE id = ? AND deleted_at IS NULL")
                    .bind(variant_id),
            )
            .await?;
        if exists.is_none() {
            return Err(not_found("Variant", variant_id));
        }
        tx.execute(query("DELETE FROM product_variant_inventory_item WHERE variant_id = ? AND inventory_item_id = ?").bind(variant_id).bind(item_id)).await?;
        tx.execute(
            query("INSERT INTO product_variant_inventory_item (variant_id, inventory_item_id, required_quantity) VALUES (?, ?, ?)")
                .bind(variant_id)
                .bind(item_id)
                .bind(required_quantity),
        )
        .await?;
        variant_link_changed(&mut tx, variant_id, item_id, Some(required_quantity)).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn unlink_variant(&self, variant_id: &str, item_id: &str) -> CoreResult<()> {
        let mut tx = self.db.begin().await?;
        tx.execute(query("DELETE FROM product_variant_inventory_item WHERE variant_id = ? AND inventory_item_id = ?").bind(variant_id).bind(item_id)).await?;
        variant_link_changed(&mut tx, variant_id, item_id, None).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn variant_items(
        &self,
        variant_ids: &[String],
    ) -> CoreResult<HashMap<String, Vec<VariantItem>>> {
        Ok(store::variant_items(&self.db, variant_ids).await?)
    }

    // ---------- levels

    pub async fn levels(&self, item_id: &str) -> CoreResult<Vec<InventoryLevel>> {
        self.item(item_id).await?;
        Ok(self
            .db
            .fetch_all(query(format!("SELECT {LEVEL_COLUMNS} FROM inventory_level WHERE inventory_item_id = ? ORDER BY created_at, id")).bind(item_id))
            .await?
            .iter()
            .map(level_from_row)
            .collect::<DbResult<_>>()?)
    }

    /// Stocks an item at a location for the first time.
    pub async fn create_level(
        &self,
        item_id: &str,
        location_id: &str,
        stocked: i64,
        incoming: i64,
        change: &Change,
    ) -> CoreResult<InventoryLevel> {
        if stocked < 0 || incoming < 0 {
            return Err(DomainError::invalid(
                "stocked_quantity and incoming_quantity must not be negative",
            )
            .into());
        }
        self.item(item_id).await?;
        self.location(location_id).await?;
        let at = now();
        let mut tx = self.db.begin().await?;
        tx.execute(
            query(format!("INSERT INTO inventory_level ({LEVEL_COLUMNS}) VALUES (?, ?, ?, ?, 0, ?, NULL, ?, ?)"))
                .bind(new_id("ilev"))
                .bind(item_id)
                .bind(location_id)
                .bind(stocked)
                .bind(incoming)
                .bind(at)
                .bind(at),
        )
        .await
        .map_err(|e| -> CoreError {
            if e.is_unique_violation() {
                DomainError::duplicate(format!("Item {item_id} is already stocked at location {location_id}")).into()
            } else {
                e.into()
            }
        })?;
        record_change(
            &mut tx,
            item_id,
            location_id,
            (stocked, 0, incoming),
            change,
        )
        .await?;
        tx.commit().await?;
        self.level(item_id, location_id).await
    }

    pub async fn level(&self, item_id: &str, location_id: &str) -> CoreResult<InventoryLevel> {
        let mut tx = self.db.begin().await?;
        let level = level_in(&mut tx, item_id, location_id).await?;
        tx.commit().await?;
        level.ok_or_else(|| {
            DomainError::not_found(format!(
                "Item {item_id} is not stocked at location {location_id}"
            ))
            .into()
        })
    }

    /// Sets stocked and/or incoming quantities. Stock cannot drop below what is reserved (unless the
    /// level carries backorders).
    pub async fn set_level(
        &self,
        item_id: &str,
        location_id: &str,
        stocked: Option<i64>,
        incoming: Option<i64>,
        change: &Change,
    ) -> CoreResult<InventoryLevel> {
        if stocked.is_some_and(|s| s < 0) || incoming.is_some_and(|i| i < 0) {
            return Err(DomainError::invalid(
                "stocked_quantity and incoming_quantity must not be negative",
            )
            .into());
        }
        let mut tx = self.db.begin().await?;
        let Some(before) = level_in(&mut tx, item_id, location_id).await? else {
            return Err(DomainError::not_found(format!(
                "Item {item_id} is not stocked at location {location_id}"
            ))
            .into());
        };
        let new_stocked = stocked.unwrap_or(before.stocked_quantity);
        let new_incoming = incoming.unwrap_or(before.incoming_quantity);
        let n = tx
            .execute(
                query(
                    "UPDATE inventory_level SET stocked_quantity = ?, incoming_quantity = ?, updated_at = ? \
                     WHERE inventory_item_id = ? AND location_id = ? AND (reserved_quantity <= ? OR EXISTS ( \
                       SELECT 1 FROM reservation_item r WHERE r.inventory_item_id = inventory_level.inventory_item_id \
                       AND r.location_id = inventory_level.location_id AND r.allow_backorder = ? AND r.deleted_at IS NULL))",
                )
                .bind(new_stocked)
                .bind(new_incoming)
                .bind(now())
                .bind(item_id)
                .bind(location_id)
                .bind(new_stocked)
                .bind(true),
            )
            .await?;
        if n == 0 {
            return Err(DomainError::not_allowed(format!(
                "Cannot set stocked quantity of item {item_id} at {location_id} to {new_stocked}: {} units are reserved",
                before.reserved_quantity
            ))
            .into());
        }
        record_change(
            &mut tx,
            item_id,
            location_id,
            (
                new_stocked - before.stocked_quantity,
                0,
                new_incoming - before.incoming_quantity,
            ),
            change,
        )
        .await?;
        tx.commit().await?;
        self.level(item_id, location_id).await
    }

    pub async fn delete_level(
        &self,
        item_id: &str,
        location_id: &str,
        change: &Change,
    ) -> CoreResult<InventoryLevel> {
        let mut tx = self.db.begin().await?;
        let Some(level) = level_in(&mut tx, item_id, location_id).await? else {
            return Err(DomainError::not_found(format!(
                "Item {item_id} is not stocked at location {location_id}"
            ))
            .into());
        };
        if level.reserved_quantity > 0 {
            return Err(DomainError::not_allowed(format!(
                "Item {item_id} has {} reserved units at {location_id}",
                level.reserved_quantity
            ))
            .into());
        }
        record_change(
            &mut tx,
            item_id,
            location_id,
            (-level.stocked_quantity, 0, -level.incoming_quantity),
            change,
        )
        .await?;
        tx.execute(
            query("DELETE FROM inventory_level WHERE inventory_item_id = ? AND location_id = ?")
                .bind(item_id)
                .bind(location_id),
        )
        .await?;
        tx.commit().await?;
        Ok(level)
    }

    /// The audit trail of a level, newest first.
    pub async fn adjustments(
        &self,
        item_id: &str,
        location_id: &str,
        page: PageRequest,
    ) -> CoreResult<Page<Adjustment>> {
        let count = self
            .db
            .fetch_one(query("SELECT COUNT(*) AS n FROM inventory_adjustment WHERE inventory_item_id = ? AND location_id = ?").bind(item_id).bind(location_id))
            .await?
            .int("n")?;
        let rows = self
            .db
            .fetch_all(
                query(
                    "SELECT id, inventory_item_id, location_id, stocked_delta, reserved_delta, incoming_delta, reason, actor, reference_id, created_at \
                     FROM inventory_adjustment WHERE inventory_item_id = ? AND location_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                )
                .bind(item_id)
                .bind(location_id)
                .bind(page.limit)
                .bind(page.offset),
            )
            .await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(Adjustment {
                    id: r.text("id")?,
                    inventory_item_id: r.text("inventory_item_id")?,
                    location_id: r.text("location_id")?,
                    stocked_delta: r.int("stocked_delta")?,
                    reserved_delta: r.int("reserved_delta")?,
                    incoming_delta: r.int("incoming_delta")?,
                    reason: r.text("reason")?,
                    actor: r.opt_text("actor")?,
                    reference_id: r.opt_text("reference_id")?,
                    created_at: r.time("created_at")?,
                })
            })
            .collect::<DbResult<_>>()?;
        Ok(Page {
            items,
            count,
            limit: page.limit,
            offset: page.offset,
        })
    }

    // ---------- reservations

    async fn reserve_in(
        tx: &mut Tx,
        r: NewReservation,
        allow_backorder: bool,
        actor: Option<&str>,
    ) -> CoreResult<Option<Reservation>> {
        if r.quantity < 1 {
            return Err(DomainError::invalid("quantity must be at least 1").into());
        }
        let Some(level) = try_reserve(
            tx,
            &r.inventory_item_id,
            &r.location_id,
            r.quantity,
            allow_backorder,
        )
        .await?
        else {
            return Ok(None);
        };
        let at = now();
        let reservation = Reservation {
            id: new_id("resitem"),
            inventory_item_id: r.inventory_item_id,
            location_id: r.location_id,
            quantity: r.quantity,
            line_item_id: r.line_item_id,
            description: r.description,
            external_id: r.external_id,
            created_by: actor.map(str::to_string),
            allow_backorder,
            expires_at: r.expires_at,
            metadata: r.metadata,
            created_at: at,
            updated_at: at,
        };
        insert_reservation(tx, &reservation).await?;
        let change = Change {
            reason: "reservation".into(),
            actor: actor.map(str::to_string),
            reference_id: Some(reservation.id.clone()),
        };
        record_change_to(
            tx,
            &reservation.inventory_item_id,
            &reservation.location_id,
            (0, reservation.quantity, 0),
            &change,
            Some(level),
        )
        .await?;
        Ok(Some(reservation))
    }

    /// Reserves units of one item at one location; refused when the level cannot cover it.
    pub async fn create_reservation(
        &self,
        r: NewReservation,
        actor: Option<&str>,
    ) -> CoreResult<Reservation> {
        let item = r.inventory_item_id.clone();
        let location = r.location_id.clone();
        let quantity = r.quantity;
        let mut tx = self.db.begin().await?;
        if level_in(&mut tx, &item, &location).await?.is_none() {
            return Err(DomainError::not_found(format!(
                "Item {item} is not stocked at location {location}"
            ))
            .into());
        }
        match Self::reserve_in(&mut tx, r, false, actor).await? {
            Some(res) => {
                tx.commit().await?;
                Ok(res)
            }
            None => Err(DomainError::not_allowed(format!(
                "Not enough stock available for item {item} at location {location} to reserve {quantity}"
            ))
            .into()),
        }
    }

    /// Reserves `quantity` of a variant from the stock locations of `sales_channel_id`, all or nothing,
    /// inside the caller's transaction. Each item (a bundle has several) is reserved at the first
    /// location that can cover it. Variants that do not manage inventory reserve nothing.
    pub async fn reserve_variant_in(
        tx: &mut Tx,
        req: &VariantReservation,
        actor: Option<&str>,
    ) -> CoreResult<Vec<Reservation>> {
        let (variant_id, quantity, sales_channel_id) = (
            req.variant_id.as_str(),
            req.quantity,
            req.sales_channel_id.as_str(),
        );
        let (line_item_id, expires_at) = (req.line_item_id.as_deref(), req.expires_at);
        if quantity < 1 {
            return Err(DomainError::invalid("quantity must be at least 1").into());
        }
        let (manage_inventory, allow_backorder, items) = store::variant_stock_in(tx, variant_id)
            .await?
            .ok_or_else(|| not_found("Variant", variant_id))?;
        if !manage_inventory {
            return Ok(Vec::new());
        }
        let locations = channel_locations_in(tx, sales_channel_id).await?;
        let out_of_stock = || -> CoreError {
            DomainError::not_allowed(format!(
                "Variant {variant_id} does not have the required inventory ({quantity} requested)"
            ))
            .into()
        };
        if items.is_empty() || locations.is_empty() {
            return Err(out_of_stock());
        }
        let mut made = Vec::new();
        for item in items {
            let need = quantity * item.required_quantity;
            let mut done = None;
            for location in &locations {
                // A location without a level for the item refuses the reservation like one
                // without enough stock: the next location is tried.
                let r = NewReservation {
                    inventory_item_id: item.inventory_item_id.clone(),
                    location_id: location.clone(),
                    quantity: need,
                    line_item_id: line_item_id.map(str::to_string),
                    expires_at,
                    ..Default::default()
                };
                if let Some(res) = Self::reserve_in(tx, r, allow_backorder, actor).await? {
                    done = Some(res);
                    break;
                }
            }
            // All or nothing: the caller's transaction is dropped, undoing earlier items.
            made.push(done.ok_or_else(out_of_stock)?);
        }
        Ok(made)
    }

    /// Reserves a variant in a transaction of its own.
    pub async fn reserve_variant(
        &self,
        req: &VariantReservation,
        actor: Option<&str>,
    ) -> CoreResult<Vec<Reservation>> {
        let mut tx = self.db.begin().await?;
        let made = Self::reserve_variant_in(&mut tx, req, actor).await?;
        tx.commit().await?;
        Ok(made)
    }

    pub async fn reservation(&self, id: &str) -> CoreResult<Reservation> {
        self.db
            .fetch_optional(query(format!("SELECT {RESERVATION_COLUMNS} FROM reservation_item WHERE id = ? AND deleted_at IS NULL")).bind(id))
            .await?
            .as_ref()
            .map(reservation_from_row)
            .transpose()?
            .ok_or_else(|| not_found("Reservation", id))
    }

    pub async fn reservations(
        &self,
        item_ids: &[String],
        line_item_ids: &[String],
        page: PageRequest,
    ) -> CoreResult<Page<Reservation>> {
        let mut w = String::from("deleted_at IS NULL");
        let mut args: Vec<merx_db::Value> = Vec::new();
        if !item_ids.is_empty() {
            w.push_str(&format!(
                " AND inventory_item_id IN ({})",
                placeholders(item_ids.len())
            ));
            args.extend(item_ids.iter().map(|v| v.clone().into()));
        }
        if !line_item_ids.is_empty() {
            w.push_str(&format!(
                " AND line_item_id IN ({})",
                placeholders(line_item_ids.len())
            ));
            args.extend(line_item_ids.iter().map(|v| v.clone().into()));
        }
        let count = self
            .db
            .fetch_one(merx_db::Query::from_parts(
                format!("SELECT COUNT(*) AS n FROM reservation_item WHERE {w}"),
                args.clone(),
            ))
            .await?
            .int("n")?;
        let rows = self
            .db
            .fetch_all(
                merx_db::Query::from_parts(format!("SELECT {RESERVATION_COLUMNS} FROM reservation_item WHERE {w} ORDER BY created_at, id LIMIT ? OFFSET ?"), args)
                    .bind(page.limit)
                    .bind(page.offset),
            )
            .await?;
        Ok(Page {
            items: rows
                .iter()
                .map(reservation_from_row)
                .collect::<DbResult<_>>()?,
            count,
            limit: page.limit,
            offset: page.offset,
        })
    }

    async fn release_in(tx: &mut Tx, r: &Reservation, change: &Change) -> CoreResult<()> {
        let n = tx
            .execute(query("UPDATE reservation_item SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL").bind(now()).bind(now()).bind(&r.id))
            .await?;
        if n == 1 {
            unreserve(tx, &r.inventory_item_id, &r.location_id, r.quantity).await?;
            let mut change = change.clone();
            change.reference_id = Some(r.id.clone());
            record_change(
                tx,
                &r.inventory_item_id,
                &r.location_id,
                (0, -r.quantity, 0),
                &change,
            )
            .await?;
        }
        Ok(())
    }

    /// Releases a reservation (its units become available again).
    pub async fn delete_reservation(&self, id: &str, actor: Option<&str>) -> CoreResult<()> {
        let r = self.reservation(id).await?;
        let mut tx = self.db.begin().await?;
        Self::release_in(&mut tx, &r, &Change::new("reservation released", actor)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes a reservation as Medusa's update does: its quantity, its location (the units move:
    /// released where they were, reserved where they go, refused if the new location cannot hold
    /// them), its description and metadata. Fields left `None` stay as they are.
    pub async fn update_reservation(
        &self,
        id: &str,
        changes: ReservationChanges,
        actor: Option<&str>,
    ) -> CoreResult<Reservation> {
        let r = self.reservation(id).await?;
        let quantity = changes.quantity.unwrap_or(r.quantity);
        if quantity < 1 {
            return Err(DomainError::invalid("quantity must be at least 1").into());
        }
        let location = changes
            .location_id
            .clone()
            .unwrap_or_else(|| r.location_id.clone());
        let change = Change {
            reason: "reservation changed".into(),
            actor: actor.map(str::to_string),
            reference_id: Some(id.to_string()),
        };
        let mut tx = self.db.begin().await?;
        // What to take where: (location, units) released, then reserved.
        let (release, reserve) = if location != r.location_id {
            (
                Some((r.location_id.as_str(), r.quantity)),
                Some((location.as_str(), quantity)),
            )
        } else {
            let delta = quantity - r.quantity;
            match delta.cmp(&0) {
                std::cmp::Ordering::Less => (Some((location.as_str(), -delta)), None),
                std::cmp::Ordering::Greater => (None, Some((location.as_str(), delta))),
                std::cmp::Ordering::Equal => (None, None),
            }
        };
        if let Some((at, units)) = release {
            unreserve(&mut tx, &r.inventory_item_id, at, units).await?;
            record_change(&mut tx, &r.inventory_item_id, at, (0, -units, 0), &change).await?;
        }
        if let Some((at, units)) = reserve {
            let held =
                try_reserve(&mut tx, &r.inventory_item_id, at, units, r.allow_backorder).await?;
            if held.is_none() {
                return Err(DomainError::not_allowed(format!(
                    "Not enough stock available for item {} at location {at} to reserve {units}",
                    r.inventory_item_id
                ))
                .into());
            }
            record_change(&mut tx, &r.inventory_item_id, at, (0, units, 0), &change).await?;
        }
        let description = changes.description.or(r.description);
        let metadata = changes.metadata.or(r.metadata);
        tx.execute(
            query(
                "UPDATE reservation_item SET quantity = ?, location_id = ?, description = ?, metadata = ?, \
                 updated_at = ? WHERE id = ?",
            )
            .bind(quantity)
            .bind(&location)
            .bind(description)
            .bind(metadata)
            .bind(now())
            .bind(id),
        )
        .await?;
        tx.commit().await?;
        self.reservation(id).await
    }

    /// Releases every reservation of the given line items, inside the caller's transaction.
    pub async fn release_line_items_in(
        tx: &mut Tx,
        line_item_ids: &[String],
        change: &Change,
    ) -> CoreResult<()> {
        if line_item_ids.is_empty() {
            return Ok(());
        }
        let rows = tx
            .fetch_all(
                query(format!(
                    "SELECT {RESERVATION_COLUMNS} FROM reservation_item WHERE deleted_at IS NULL AND line_item_id IN ({})",
                    placeholders(line_item_ids.len())
                ))
                .bind_all(line_item_ids.iter().cloned()),
            )
            .await?;
        for r in rows
            .iter()
            .map(reservation_from_row)
            .collect::<DbResult<Vec<_>>>()?
        {
            Self::release_in(tx, &r, change).await?;
        }
        Ok(())
    }

    /// Releases reservations whose expiry has passed; returns how many (a scheduled job).
    pub async fn expire_reservations(&self) -> CoreResult<usize> {
        let rows = self
            .db
            .fetch_all(query(format!("SELECT {RESERVATION_COLUMNS} FROM reservation_item WHERE deleted_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ? LIMIT 500")).bind(now()))
            .await?;
        let expired: Vec<Reservation> = rows
            .iter()
            .map(reservation_from_row)
            .collect::<DbResult<_>>()?;
        let mut tx = self.db.begin().await?;
        for r in &expired {
            Self::release_in(&mut tx, r, &Change::new("reservation expired", None)).await?;
        }
        tx.commit().await?;
        Ok(expired.len())
    }

    /// Units of each variant available in a sales channel: for each of its items, the sum over the
    /// channel's locations divided by the required quantity, the smallest of those. `None` for
    /// variants that do not manage inventory.
    pub async fn availability(
        &self,
        variant_ids: &[String],
        sales_channel_id: &str,
    ) -> CoreResult<HashMap<String, Option<i64>>> {
        let mut out = HashMap::new();
        if variant_ids.is_empty() {
            return Ok(out);
        }
        let managed: HashMap<String, bool> = self
            .db
            .fetch_all(
                query(format!(
                    "SELECT id, manage_inventory FROM product_variant WHERE id IN ({})",
                    placeholders(variant_ids.len())
                ))
                .bind_all(variant_ids.iter().cloned()),
            )
            .await?
            .iter()
            .map(|r| Ok((r.text("id")?, r.bool("manage_inventory")?)))
            .collect::<DbResult<_>>()?;
        let managed_ids: Vec<String> = variant_ids
            .iter()
            .filter(|v| managed.get(*v).copied().unwrap_or(false))
            .cloned()
            .collect();
        let units = match managed_ids.is_empty() {
            true => HashMap::new(),
            false => self.units_available(&managed_ids, sales_channel_id).await?,
        };
        for v in variant_ids {
            // `units` holds exactly the managed variants.
            out.insert(v.clone(), units.get(v).copied());
        }
        Ok(out)
    }

    /// [`availability`](Self::availability) for variants known to manage inventory (a caller that
    /// has the variants in hand skips reading the flag again).
    pub async fn units_available(
        &self,
        variant_ids: &[String],
        sales_channel_id: &str,
    ) -> CoreResult<HashMap<String, i64>> {
        let locations = channel_locations(&self.db, sales_channel_id).await?;
        // One query for the variants' items and what each has available at the locations: a
        // Store page showing stock asks this for every variant on it.
        let links = store::variant_items_available(&self.db, variant_ids, &locations).await?;
        let mut out = HashMap::with_capacity(variant_ids.len());
        for v in variant_ids {
            let qty = links
                .get(v)
                .and_then(|items| {
                    items
                        .iter()
                        .map(|(required, available)| available.max(&0) / required)
                        .min()
                })
                .unwrap_or(0);
            out.insert(v.clone(), qty);
        }
        Ok(out)
    }

    /// [`units_available`](Self::units_available) as a Store answer shows it (`inventory_quantity`),
    /// remembered per variant and channel until stock next changes (any level, reservation or
    /// location write moves [`ReadModel::Inventory`] on). Stock checks that decide a sale (adding to
    /// a cart, reserving) read the database, never this.
    pub async fn units_shown(
        &self,
        variant_ids: &[String],
        sales_channel_id: &str,
    ) -> CoreResult<HashMap<String, i64>> {
        let key = |v: &str| format!("{sales_channel_id}\u{1f}{v}");
        // Taken before reading: a change committed meanwhile keeps what was read out of the memo.
        let version = self.shown.version();
        let mut out = HashMap::with_capacity(variant_ids.len());
        let mut missing = Vec::new();
        for v in variant_ids {
            match self.shown.get(&key(v)) {
                Some(n) => {
                    out.insert(v.clone(), n);
                }
                None => missing.push(v.clone()),
            }
        }
        if !missing.is_empty() {
            for (v, n) in self.units_available(&missing, sales_channel_id).await? {
                self.shown.put(&key(&v), version, n);
                out.insert(v, n);
            }
        }
        Ok(out)
    }

    /// Channels' availability summed over every channel the caller may see (e.g. several channels of
    /// one publishable key).
    pub async fn availability_in_channels(
        &self,
        variant_ids: &[String],
        channel_ids: &[String],
    ) -> CoreResult<HashMap<String, Option<i64>>> {
        let mut total: HashMap<String, Option<i64>> = HashMap::new();
        for c in channel_ids {
            for (v, q) in self.availability(variant_ids, c).await? {
                let entry = total.entry(v).or_insert(q.map(|_| 0));
                if let (Some(t), Some(q)) = (entry.as_mut(), q) {
                    *t += q;
                }
            }
        }
        Ok(total)
    }
}

impl InventoryService {
    /// Ships `quantity` units of a variant's line from `location`: consumes the line's reservations
    /// and takes the units out of stock there (inside the caller's transaction).
    pub async fn fulfill_in(
        tx: &mut Tx,
        variant_id: &str,
        line_item_id: &str,
        location_id: &str,
        quantity: i64,
        change: &Change,
    ) -> CoreResult<()> {
        let items = store::variant_items_in(tx, &[variant_id.to_string()])
            .await?
            .remove(variant_id)
            .unwrap_or_default();
        for item in items {
            let mut need = quantity * item.required_quantity;
            let rows = tx
                .fetch_all(
                    query(format!("SELECT {RESERVATION_COLUMNS} FROM reservation_item WHERE deleted_at IS NULL AND line_item_id = ? AND inventory_item_id = ? ORDER BY created_at, id"))
                        .bind(line_item_id)
                        .bind(&item.inventory_item_id),
                )
                .await?;
            let mut allow_backorder = false;
            for r in rows
                .iter()
                .map(reservation_from_row)
                .collect::<DbResult<Vec<_>>>()?
            {
                if need == 0 {
                    break;
                }
                allow_backorder |= r.allow_backorder;
                let take = need.min(r.quantity);
                if take == r.quantity {
                    tx.execute(query("UPDATE reservation_item SET deleted_at = ?, updated_at = ? WHERE id = ?").bind(now()).bind(now()).bind(&r.id)).await?;
                } else {
                    tx.execute(query("UPDATE reservation_item SET quantity = quantity - ?, updated_at = ? WHERE id = ?").bind(take).bind(now()).bind(&r.id)).await?;
                }
                unreserve(tx, &r.inventory_item_id, &r.location_id, take).await?;
                record_change(
                    tx,
                    &r.inventory_item_id,
                    &r.location_id,
                    (0, -take, 0),
                    change,
                )
                .await?;
                need -= take;
            }
            let shipped = quantity * item.required_quantity;
            let n = tx
                .execute(
                    query(
                        "UPDATE inventory_level SET stocked_quantity = stocked_quantity - ?, updated_at = ? \
                         WHERE inventory_item_id = ? AND location_id = ? AND (stocked_quantity >= ? OR ?)",
                    )
                    .bind(shipped)
                    .bind(now())
                    .bind(&item.inventory_item_id)
                    .bind(location_id)
                    .bind(shipped)
                    .bind(allow_backorder),
                )
                .await;
            let n = match n {
                Ok(n) => n,
                // Backordered units beyond the shelf: the check constraint keeps stock at zero or more.
                Err(e) if e.is_check_violation() => 0,
                Err(e) => return Err(e.into()),
            };
            if n == 0 {
                return Err(DomainError::not_allowed(format!(
                    "Location {location_id} does not hold {shipped} units of inventory item {}",
                    item.inventory_item_id
                ))
                .into());
            }
            record_change(
                tx,
                &item.inventory_item_id,
                location_id,
                (-shipped, 0, 0),
                change,
            )
            .await?;
        }
        Ok(())
    }

    /// Puts `quantity` units of a variant back in stock at `location` (returns, cancelled
    /// fulfillments), creating the level if the location never held the item. With `reserve_for`,
    /// the units are reserved again for that line.
    pub async fn restock_in(
        tx: &mut Tx,
        variant_id: &str,
        location_id: &str,
        quantity: i64,
        reserve_for: Option<&str>,
        change: &Change,
    ) -> CoreResult<()> {
        let items = store::variant_items_in(tx, &[variant_id.to_string()])
            .await?
            .remove(variant_id)
            .unwrap_or_default();
        for item in items {
            let units = quantity * item.required_quantity;
            let at = now();
            tx.execute(
                query(format!("INSERT INTO inventory_level ({LEVEL_COLUMNS}) VALUES (?, ?, ?, 0, 0, 0, NULL, ?, ?) ON CONFLICT (inventory_item_id, location_id) DO NOTHING"))
                    .bind(new_id("ilev"))
                    .bind(&item.inventory_item_id)
                    .bind(location_id)
                    .bind(at)
                    .bind(at),
            )
            .await?;
            tx.execute(
                query("UPDATE inventory_level SET stocked_quantity = stocked_quantity + ?, updated_at = ? WHERE inventory_item_id = ? AND location_id = ?")
                    .bind(units)
                    .bind(at)
                    .bind(&item.inventory_item_id)
                    .bind(location_id),
            )
            .await?;
            record_change(
                tx,
                &item.inventory_item_id,
                location_id,
                (units, 0, 0),
                change,
            )
            .await?;
            if let Some(line) = reserve_for {
                let r = NewReservation {
                    inventory_item_id: item.inventory_item_id.clone(),
                    location_id: location_id.to_string(),
                    quantity: units,
                    line_item_id: Some(line.to_string()),
                    ..Default::default()
                };
                Self::reserve_in(tx, r, true, change.actor.as_deref()).await?;
            }
        }
        Ok(())
    }
}

/// `inventory_item.updated`: which variant an item stocks (and how many units per variant) changed,
/// so the variant's availability did too.
async fn variant_link_changed(
    tx: &mut Tx,
    variant_id: &str,
    item_id: &str,
    required_quantity: Option<i64>,
) -> DbResult<()> {
    append(
        tx,
        NewEvent::new(
            "inventory_item.updated",
            "inventory_item",
            item_id,
            json!({"id": item_id, "variant_id": variant_id, "required_quantity": required_quantity}),
        ),
    )
    .await?;
    Ok(())
}
