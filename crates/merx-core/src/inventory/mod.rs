//! Inventory: stock locations (linked to sales channels), inventory items (linked to variants with
//! a required quantity, so a bundle needs several), levels per item and location, reservations and
//! an audit trail of every change. The database holds the invariant: a reservation is a
//! conditional update (`stocked − reserved ≥ quantity`), so no interleaving of requests across any
//! number of processes can reserve a unit that does not exist, unless backorders are allowed.
//! Every level change appends `inventory.level_changed` in the same transaction.

mod model;
mod service;
mod store;

pub use model::*;
pub use service::InventoryService;
pub(crate) use store::create_item_for_variant;

/// Whether a live stock location `id` exists (in the caller's transaction).
pub(crate) async fn location_exists_in(tx: &mut merx_db::Tx, id: &str) -> merx_db::DbResult<bool> {
    Ok(tx
        .fetch_optional(
            merx_db::query("SELECT id FROM stock_location WHERE id = ? AND deleted_at IS NULL")
                .bind(id),
        )
        .await?
        .is_some())
}
