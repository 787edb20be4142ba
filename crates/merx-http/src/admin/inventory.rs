//! `/admin/stock-locations`, `/admin/inventory-items` with location levels, `/admin/reservations`
//! (Medusa's paths and shapes), plus variant reservations and the adjustment log.

use axum::extract::{Path, State};
use axum::http::Method;
use axum::Json;
use merx_core::auth::Permission;
use merx_core::inventory::{
    Adjustment, Change, InventoryItem, InventoryLevel, ItemInput, LocationAddress, NewReservation,
    Reservation, StockLocation, VariantReservation,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{AdminActor, AdminRoutes};
use crate::bodies::Batch;
use crate::dto::{answer, list_answer, opt_ts, ts, Deleted};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::extract::ListQuery;
use crate::AppState;

const LOC_READ: Permission = Permission::read("stock_locations");
const LOC_WRITE: Permission = Permission::write("stock_locations");
const INV_READ: Permission = Permission::read("inventory");
const INV_WRITE: Permission = Permission::write("inventory");

pub(crate) fn routes(r: AdminRoutes) -> AdminRoutes {
    r.add(
        Method::GET,
        "/admin/stock-locations",
        LOC_READ,
        list_locations,
    )
    .add(
        Method::POST,
        "/admin/stock-locations",
        LOC_WRITE,
        create_location,
    )
    .add(
        Method::GET,
        "/admin/stock-locations/{id}",
        LOC_READ,
        retrieve_location,
    )
    .add(
        Method::POST,
        "/admin/stock-locations/{id}",
        LOC_WRITE,
        update_location,
    )
    .add(
        Method::DELETE,
        "/admin/stock-locations/{id}",
        LOC_WRITE,
        delete_location,
    )
    .add(
        Method::POST,
        "/admin/stock-locations/{id}/sales-channels",
        LOC_WRITE,
        location_channels,
    )
    .add(Method::GET, "/admin/inventory-items", INV_READ, list_items)
    .add(
        Method::POST,
        "/admin/inventory-items",
        INV_WRITE,
        create_item,
    )
    .add(
        Method::GET,
        "/admin/inventory-items/{id}",
        INV_READ,
        retrieve_item,
    )
    .add(
        Method::DELETE,
        "/admin/inventory-items/{id}",
        INV_WRITE,
        delete_item,
    )
    .add(
        Method::GET,
        "/admin/inventory-items/{id}/location-levels",
        INV_READ,
        list_levels,
    )
    .add(
        Method::POST,
        "/admin/inventory-items/{id}/location-levels",
        INV_WRITE,
        create_level,
    )
    .add(
        Method::POST,
        "/admin/inventory-items/{id}/location-levels/{location_id}",
        INV_WRITE,
        update_level,
    )
    .add(
        Method::DELETE,
        "/admin/inventory-items/{id}/location-levels/{location_id}",
        INV_WRITE,
        delete_level,
    )
    .add(
        Method::GET,
        "/admin/inventory-items/{id}/location-levels/{location_id}/adjustments",
        INV_READ,
        adjustments,
    )
    .add(
        Method::POST,
        "/admin/inventory-items/location-levels/batch",
        INV_WRITE,
        batch_levels,
    )
    .add(
        Method::GET,
        "/admin/reservations",
        INV_READ,
        list_reservations,
    )
    .add(
        Method::POST,
        "/admin/reservations",
        INV_WRITE,
        create_reservation,
    )
    .add(
        Method::GET,
        "/admin/reservations/{id}",
        INV_READ,
        retrieve_reservation,
    )
    .add(
        Method::POST,
        "/admin/reservations/{id}",
        INV_WRITE,
        update_reservation,
    )
    .add(
        Method::DELETE,
        "/admin/reservations/{id}",
        INV_WRITE,
        delete_reservation,
    )
    .add(
        Method::POST,
        "/admin/product-variants/{id}/reservations",
        INV_WRITE,
        reserve_variant,
    )
    .add(
        Method::POST,
        "/admin/products/{id}/variants/{variant_id}/inventory-items",
        INV_WRITE,
        link_variant,
    )
}

// ---------- shapes

/// A stock location's address, as Medusa renders it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StockLocationAddressDto {
    pub id: Option<String>,
    pub address_1: Option<String>,
    pub address_2: Option<String>,
    pub company: Option<String>,
    pub city: Option<String>,
    pub country_code: Option<String>,
    pub phone: Option<String>,
    pub province: Option<String>,
    pub postal_code: Option<String>,
    /// Always `null`: addresses carry no metadata of their own.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

/// A sales channel a stock location serves, by id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StockLocationChannel {
    pub id: String,
}

/// A stock location.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StockLocationDto {
    pub id: String,
    pub name: String,
    pub address_id: Option<String>,
    pub address: Option<StockLocationAddressDto>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub sales_channels: Vec<StockLocationChannel>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

impl From<&StockLocation> for StockLocationDto {
    fn from(l: &StockLocation) -> Self {
        // The address is stored with the location and shares its timestamps.
        let address = l.address.as_ref().map(|a| StockLocationAddressDto {
            id: l.address_id.clone(),
            address_1: a.address_1.clone(),
            address_2: a.address_2.clone(),
            company: a.company.clone(),
            city: a.city.clone(),
            country_code: a.country_code.clone(),
            phone: a.phone.clone(),
            province: a.province.clone(),
            postal_code: a.postal_code.clone(),
            metadata: None,
            created_at: ts(l.created_at),
            updated_at: ts(l.updated_at),
            deleted_at: None,
        });
        Self {
            id: l.id.clone(),
            name: l.name.clone(),
            address_id: l.address_id.clone(),
            address,
            metadata: l.metadata.clone(),
            sales_channels: l
                .sales_channel_ids
                .iter()
                .map(|c| StockLocationChannel { id: c.clone() })
                .collect(),
            created_at: ts(l.created_at),
            updated_at: ts(l.updated_at),
            deleted_at: None,
        }
    }
}

answer!(StockLocationAnswer {
    stock_location: StockLocationDto
});
list_answer!(StockLocationList {
    stock_locations: StockLocationDto
});

/// An inventory item's stock at one location.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InventoryLevelDto {
    pub id: String,
    pub inventory_item_id: String,
    pub location_id: String,
    pub stocked_quantity: i64,
    pub reserved_quantity: i64,
    pub incoming_quantity: i64,
    /// `stocked_quantity - reserved_quantity` (negative only through backorders).
    pub available_quantity: i64,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

impl From<&InventoryLevel> for InventoryLevelDto {
    fn from(l: &InventoryLevel) -> Self {
        Self {
            id: l.id.clone(),
            inventory_item_id: l.inventory_item_id.clone(),
            location_id: l.location_id.clone(),
            stocked_quantity: l.stocked_quantity,
            reserved_quantity: l.reserved_quantity,
            incoming_quantity: l.incoming_quantity,
            available_quantity: l.available_quantity(),
            metadata: l.metadata.clone(),
            created_at: ts(l.created_at),
            updated_at: ts(l.updated_at),
            deleted_at: None,
        }
    }
}

list_answer!(InventoryLevelList {
    inventory_levels: InventoryLevelDto
});

/// An inventory item. `location_levels` and the summed quantities are present where the item is
/// rendered with its levels (every answer but a level's deletion's `parent`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InventoryItemDto {
    pub id: String,
    pub sku: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub requires_shipping: bool,
    pub hs_code: Option<String>,
    pub origin_country: Option<String>,
    pub mid_code: Option<String>,
    pub material: Option<String>,
    pub weight: Option<i64>,
    /// Always `null` (not stored).
    pub length: Option<i64>,
    /// Always `null` (not stored).
    pub height: Option<i64>,
    /// Always `null` (not stored).
    pub width: Option<i64>,
    /// Always `null` (not stored).
    pub thumbnail: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub location_levels: Option<Vec<InventoryLevelDto>>,
    /// Summed over the item's levels.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub stocked_quantity: Option<i64>,
    /// Summed over the item's levels.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reserved_quantity: Option<i64>,
}

impl InventoryItemDto {
    /// The item, with its levels and their sums when `levels` is given.
    fn new(i: &InventoryItem, levels: Option<&[InventoryLevel]>) -> Self {
        Self {
            id: i.id.clone(),
            sku: i.sku.clone(),
            title: i.title.clone(),
            description: i.description.clone(),
            requires_shipping: i.requires_shipping,
            hs_code: i.hs_code.clone(),
            origin_country: i.origin_country.clone(),
            mid_code: i.mid_code.clone(),
            material: i.material.clone(),
            weight: i.weight,
            length: None,
            height: None,
            width: None,
            thumbnail: None,
            metadata: i.metadata.clone(),
            created_at: ts(i.created_at),
            updated_at: ts(i.updated_at),
            deleted_at: None,
            location_levels: levels.map(|ls| ls.iter().map(InventoryLevelDto::from).collect()),
            stocked_quantity: levels.map(|ls| ls.iter().map(|l| l.stocked_quantity).sum()),
            reserved_quantity: levels.map(|ls| ls.iter().map(|l| l.reserved_quantity).sum()),
        }
    }
}

answer!(InventoryItemAnswer {
    inventory_item: InventoryItemDto
});
list_answer!(InventoryItemList {
    inventory_items: InventoryItemDto
});

/// A level's deletion: Medusa's `{id, object, deleted}` with the item it belonged to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InventoryLevelDeleted {
    /// The location whose level was deleted.
    pub id: String,
    /// `inventory-level`.
    pub object: &'static str,
    pub deleted: bool,
    /// The item, without its levels.
    pub parent: InventoryItemDto,
}

/// A level a batch deleted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeletedLevelRef {
    pub inventory_item_id: String,
    pub location_id: String,
}

/// What a batch of level changes did, in the order given.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InventoryLevelsBatchResult {
    pub created: Vec<InventoryLevelDto>,
    pub updated: Vec<InventoryLevelDto>,
    pub deleted: Vec<DeletedLevelRef>,
}

/// A reservation of an inventory item at a location.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReservationDto {
    pub id: String,
    pub line_item_id: Option<String>,
    pub location_id: String,
    pub inventory_item_id: String,
    pub quantity: i64,
    pub external_id: Option<String>,
    pub description: Option<String>,
    pub created_by: Option<String>,
    pub allow_backorder: bool,
    pub expires_at: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

impl From<&Reservation> for ReservationDto {
    fn from(r: &Reservation) -> Self {
        Self {
            id: r.id.clone(),
            line_item_id: r.line_item_id.clone(),
            location_id: r.location_id.clone(),
            inventory_item_id: r.inventory_item_id.clone(),
            quantity: r.quantity,
            external_id: r.external_id.clone(),
            description: r.description.clone(),
            created_by: r.created_by.clone(),
            allow_backorder: r.allow_backorder,
            expires_at: opt_ts(r.expires_at),
            metadata: r.metadata.clone(),
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
            deleted_at: None,
        }
    }
}

answer!(ReservationAnswer {
    reservation: ReservationDto
});
list_answer!(ReservationList {
    reservations: ReservationDto
});

/// The reservations a variant reservation made, one per inventory item it needs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VariantReservations {
    pub reservations: Vec<ReservationDto>,
}

/// One recorded change of a level (the adjustment log).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InventoryAdjustmentDto {
    pub id: String,
    pub inventory_item_id: String,
    pub location_id: String,
    pub stocked_delta: i64,
    pub reserved_delta: i64,
    pub incoming_delta: i64,
    pub reason: String,
    pub actor: Option<String>,
    pub reference_id: Option<String>,
    pub created_at: String,
}

impl From<&Adjustment> for InventoryAdjustmentDto {
    fn from(a: &Adjustment) -> Self {
        Self {
            id: a.id.clone(),
            inventory_item_id: a.inventory_item_id.clone(),
            location_id: a.location_id.clone(),
            stocked_delta: a.stocked_delta,
            reserved_delta: a.reserved_delta,
            incoming_delta: a.incoming_delta,
            reason: a.reason.clone(),
            actor: a.actor.clone(),
            reference_id: a.reference_id.clone(),
            created_at: ts(a.created_at),
        }
    }
}

list_answer!(InventoryAdjustmentList {
    adjustments: InventoryAdjustmentDto
});

/// An inventory item a variant needs, and how many units of it per unit of the variant.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VariantInventoryLink {
    pub inventory_item_id: String,
    pub variant_id: String,
    pub required_quantity: i64,
}

/// A variant with the inventory items it needs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VariantInventory {
    pub id: String,
    pub inventory_items: Vec<VariantInventoryLink>,
}

answer!(VariantInventoryAnswer {
    variant: VariantInventory
});

fn location_answer(l: &StockLocation) -> Json<StockLocationAnswer> {
    Json(StockLocationAnswer {
        stock_location: l.into(),
    })
}

fn item_answer(i: &InventoryItem, levels: &[InventoryLevel]) -> Json<InventoryItemAnswer> {
    Json(InventoryItemAnswer {
        inventory_item: InventoryItemDto::new(i, Some(levels)),
    })
}

fn reservation_answer(r: &Reservation) -> Json<ReservationAnswer> {
    Json(ReservationAnswer {
        reservation: r.into(),
    })
}

// ---------- locations

#[derive(Debug, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationAddressBody {
    pub address_1: Option<String>,
    pub address_2: Option<String>,
    pub company: Option<String>,
    pub city: Option<String>,
    pub country_code: Option<String>,
    pub phone: Option<String>,
    pub province: Option<String>,
    pub postal_code: Option<String>,
}

impl From<LocationAddressBody> for LocationAddress {
    fn from(a: LocationAddressBody) -> Self {
        LocationAddress {
            address_1: a.address_1,
            address_2: a.address_2,
            company: a.company,
            city: a.city,
            country_code: a.country_code,
            phone: a.phone,
            province: a.province,
            postal_code: a.postal_code,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationBody {
    pub name: Option<String>,
    pub address: Option<LocationAddressBody>,
    #[serde(default, deserialize_with = "crate::dto::metadata_patch")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

pub async fn list_locations(
    State(s): State<AppState>,
    ListQuery { qs: _, page: p }: ListQuery<20>,
) -> ApiResult<Json<StockLocationList>> {
    let page = s.core.inventory.locations(p).await?;
    Ok(Json(StockLocationList::new(
        page.items.iter().map(StockLocationDto::from).collect(),
        &page,
    )))
}

pub async fn create_location(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<LocationBody>,
) -> ApiResult<Json<StockLocationAnswer>> {
    let name = b
        .name
        .ok_or_else(|| ApiError::invalid("name is required"))?;
    let l = s
        .core
        .inventory
        .create_location(&name, b.address.map(Into::into), b.metadata.flatten())
        .await?;
    Ok(location_answer(&l))
}

pub async fn retrieve_location(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<StockLocationAnswer>> {
    Ok(location_answer(&s.core.inventory.location(&id).await?))
}

pub async fn update_location(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<LocationBody>,
) -> ApiResult<Json<StockLocationAnswer>> {
    let l = s
        .core
        .inventory
        .update_location(&id, b.name, b.address.map(Into::into), b.metadata)
        .await?;
    Ok(location_answer(&l))
}

pub async fn delete_location(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.inventory.delete_location(&id).await?;
    Ok(Json(Deleted::new(id, "stock_location")))
}

pub async fn location_channels(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Batch>,
) -> ApiResult<Json<StockLocationAnswer>> {
    let l = s
        .core
        .inventory
        .link_channels(&id, &b.add, &b.remove)
        .await?;
    Ok(location_answer(&l))
}

// ---------- items and levels

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InventoryItemBody {
    pub sku: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub requires_shipping: Option<bool>,
    pub hs_code: Option<String>,
    pub origin_country: Option<String>,
    pub mid_code: Option<String>,
    pub material: Option<String>,
    pub weight: Option<i64>,
    #[serde(default, deserialize_with = "crate::dto::metadata")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub location_levels: Vec<LevelBody>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelBody {
    pub location_id: Option<String>,
    pub inventory_item_id: Option<String>,
    pub stocked_quantity: Option<i64>,
    pub incoming_quantity: Option<i64>,
    /// Why the level changes (kept in the adjustment log).
    pub reason: Option<String>,
}

pub async fn list_items(
    State(s): State<AppState>,
    ListQuery { qs, page: p }: ListQuery<20>,
) -> ApiResult<Json<InventoryItemList>> {
    let page = s.core.inventory.items(&qs.list("sku")?, p).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for i in &page.items {
        let levels = s.core.inventory.levels(&i.id).await?;
        items.push(InventoryItemDto::new(i, Some(&levels)));
    }
    Ok(Json(InventoryItemList::new(items, &page)))
}

pub async fn create_item(
    State(s): State<AppState>,
    actor: AdminActor,
    ApiJson(b): ApiJson<InventoryItemBody>,
) -> ApiResult<Json<InventoryItemAnswer>> {
    let item = s
        .core
        .inventory
        .create_item(ItemInput {
            sku: b.sku,
            title: b.title,
            description: b.description,
            requires_shipping: b.requires_shipping,
            hs_code: b.hs_code,
            origin_country: b.origin_country,
            mid_code: b.mid_code,
            material: b.material,
            weight: b.weight,
            metadata: b.metadata,
        })
        .await?;
    for l in b.location_levels {
        let location = l
            .location_id
            .ok_or_else(|| ApiError::invalid("location_levels[].location_id is required"))?;
        let change = Change::new(
            l.reason.unwrap_or_else(|| "initial stock".into()),
            Some(&actor.id),
        );
        s.core
            .inventory
            .create_level(
                &item.id,
                &location,
                l.stocked_quantity.unwrap_or(0),
                l.incoming_quantity.unwrap_or(0),
                &change,
            )
            .await?;
    }
    let levels = s.core.inventory.levels(&item.id).await?;
    Ok(item_answer(&item, &levels))
}

pub async fn retrieve_item(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<InventoryItemAnswer>> {
    let item = s.core.inventory.item(&id).await?;
    let levels = s.core.inventory.levels(&id).await?;
    Ok(item_answer(&item, &levels))
}

pub async fn delete_item(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core.inventory.delete_item(&id).await?;
    Ok(Json(Deleted::new(id, "inventory_item")))
}

pub async fn list_levels(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<InventoryLevelList>> {
    let levels = s.core.inventory.levels(&id).await?;
    let n = levels.len() as i64;
    // Every level of the item, in one page.
    Ok(Json(InventoryLevelList {
        inventory_levels: levels.iter().map(InventoryLevelDto::from).collect(),
        count: n,
        offset: 0,
        limit: n,
    }))
}

pub async fn create_level(
    State(s): State<AppState>,
    actor: AdminActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<LevelBody>,
) -> ApiResult<Json<InventoryItemAnswer>> {
    let location = b
        .location_id
        .ok_or_else(|| ApiError::invalid("location_id is required"))?;
    let change = Change::new(
        b.reason.unwrap_or_else(|| "initial stock".into()),
        Some(&actor.id),
    );
    s.core
        .inventory
        .create_level(
            &id,
            &location,
            b.stocked_quantity.unwrap_or(0),
            b.incoming_quantity.unwrap_or(0),
            &change,
        )
        .await?;
    retrieve_item(State(s), Path(id)).await
}

pub async fn update_level(
    State(s): State<AppState>,
    actor: AdminActor,
    Path((id, location)): Path<(String, String)>,
    ApiJson(b): ApiJson<LevelBody>,
) -> ApiResult<Json<InventoryItemAnswer>> {
    let change = Change::new(
        b.reason.unwrap_or_else(|| "manual update".into()),
        Some(&actor.id),
    );
    s.core
        .inventory
        .set_level(
            &id,
            &location,
            b.stocked_quantity,
            b.incoming_quantity,
            &change,
        )
        .await?;
    retrieve_item(State(s), Path(id)).await
}

pub async fn delete_level(
    State(s): State<AppState>,
    actor: AdminActor,
    Path((id, location)): Path<(String, String)>,
) -> ApiResult<Json<InventoryLevelDeleted>> {
    let level = s
        .core
        .inventory
        .delete_level(
            &id,
            &location,
            &Change::new("level deleted", Some(&actor.id)),
        )
        .await?;
    // Medusa answers the level's own id, and the item as it stands, with its remaining levels.
    let item = s.core.inventory.item(&id).await?;
    let levels = s.core.inventory.levels(&id).await?;
    Ok(Json(InventoryLevelDeleted {
        id: level.id,
        object: "inventory-level",
        deleted: true,
        parent: InventoryItemDto::new(&item, Some(&levels)),
    }))
}

pub async fn adjustments(
    State(s): State<AppState>,
    Path((id, location)): Path<(String, String)>,
    ListQuery { qs: _, page: p }: ListQuery<50>,
) -> ApiResult<Json<InventoryAdjustmentList>> {
    let page = s.core.inventory.adjustments(&id, &location, p).await?;
    Ok(Json(InventoryAdjustmentList::new(
        page.items
            .iter()
            .map(InventoryAdjustmentDto::from)
            .collect(),
        &page,
    )))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelsBatch {
    #[serde(default)]
    pub create: Vec<LevelBody>,
    #[serde(default)]
    pub update: Vec<LevelBody>,
    #[serde(default)]
    pub delete: Vec<LevelBody>,
}

/// Creates, updates and deletes many levels; each is checked as it is applied and the first
/// refusal stops the batch, naming the level.
pub async fn batch_levels(
    State(s): State<AppState>,
    actor: AdminActor,
    ApiJson(b): ApiJson<LevelsBatch>,
) -> ApiResult<Json<InventoryLevelsBatchResult>> {
    let who = |l: &LevelBody| -> ApiResult<(String, String)> {
        Ok((
            l.inventory_item_id
                .clone()
                .ok_or_else(|| ApiError::invalid("inventory_item_id is required"))?,
            l.location_id
                .clone()
                .ok_or_else(|| ApiError::invalid("location_id is required"))?,
        ))
    };
    let (mut created, mut updated, mut deleted) = (Vec::new(), Vec::new(), Vec::new());
    for l in &b.create {
        let (item, location) = who(l)?;
        let change = Change::new(
            l.reason.clone().unwrap_or_else(|| "initial stock".into()),
            Some(&actor.id),
        );
        created.push(InventoryLevelDto::from(
            &s.core
                .inventory
                .create_level(
                    &item,
                    &location,
                    l.stocked_quantity.unwrap_or(0),
                    l.incoming_quantity.unwrap_or(0),
                    &change,
                )
                .await?,
        ));
    }
    for l in &b.update {
        let (item, location) = who(l)?;
        let change = Change::new(
            l.reason.clone().unwrap_or_else(|| "bulk update".into()),
            Some(&actor.id),
        );
        updated.push(InventoryLevelDto::from(
            &s.core
                .inventory
                .set_level(
                    &item,
                    &location,
                    l.stocked_quantity,
                    l.incoming_quantity,
                    &change,
                )
                .await?,
        ));
    }
    for l in &b.delete {
        let (item, location) = who(l)?;
        s.core
            .inventory
            .delete_level(
                &item,
                &location,
                &Change::new("level deleted", Some(&actor.id)),
            )
            .await?;
        deleted.push(DeletedLevelRef {
            inventory_item_id: item,
            location_id: location,
        });
    }
    Ok(Json(InventoryLevelsBatchResult {
        created,
        updated,
        deleted,
    }))
}

// ---------- reservations

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReservationBody {
    pub inventory_item_id: Option<String>,
    pub location_id: Option<String>,
    pub quantity: Option<i64>,
    pub line_item_id: Option<String>,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub expires_at: Option<String>,
    #[serde(default, deserialize_with = "crate::dto::metadata")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

fn expiry(v: &Option<String>) -> ApiResult<Option<time::OffsetDateTime>> {
    v.as_deref()
        .map(|t| {
            merx_types::time::parse(t)
                .ok_or_else(|| ApiError::invalid("expires_at must be an ISO-8601 date-time"))
        })
        .transpose()
}

pub async fn list_reservations(
    State(s): State<AppState>,
    ListQuery { qs, page: p }: ListQuery<20>,
) -> ApiResult<Json<ReservationList>> {
    let page = s
        .core
        .inventory
        .reservations(&qs.list("inventory_item_id")?, &qs.list("line_item_id")?, p)
        .await?;
    Ok(Json(ReservationList::new(
        page.items.iter().map(ReservationDto::from).collect(),
        &page,
    )))
}

pub async fn create_reservation(
    State(s): State<AppState>,
    actor: AdminActor,
    ApiJson(b): ApiJson<ReservationBody>,
) -> ApiResult<Json<ReservationAnswer>> {
    let r = NewReservation {
        inventory_item_id: b
            .inventory_item_id
            .ok_or_else(|| ApiError::invalid("inventory_item_id is required"))?,
        location_id: b
            .location_id
            .ok_or_else(|| ApiError::invalid("location_id is required"))?,
        quantity: b
            .quantity
            .ok_or_else(|| ApiError::invalid("quantity is required"))?,
        line_item_id: b.line_item_id,
        description: b.description,
        external_id: b.external_id,
        expires_at: expiry(&b.expires_at)?,
        metadata: b.metadata,
    };
    let r = s
        .core
        .inventory
        .create_reservation(r, Some(&actor.id))
        .await?;
    Ok(reservation_answer(&r))
}

pub async fn retrieve_reservation(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ReservationAnswer>> {
    Ok(reservation_answer(
        &s.core.inventory.reservation(&id).await?,
    ))
}

pub async fn update_reservation(
    State(s): State<AppState>,
    actor: AdminActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReservationBody>,
) -> ApiResult<Json<ReservationAnswer>> {
    // Medusa's update takes these four; what names the reserved units' owner cannot change.
    for (given, field) in [
        (b.inventory_item_id.is_some(), "inventory_item_id"),
        (b.line_item_id.is_some(), "line_item_id"),
        (b.external_id.is_some(), "external_id"),
        (b.expires_at.is_some(), "expires_at"),
    ] {
        if given {
            return Err(ApiError::invalid(format!(
                "{field} cannot be changed on a reservation"
            )));
        }
    }
    let changes = merx_core::inventory::ReservationChanges {
        quantity: b.quantity,
        location_id: b.location_id,
        description: b.description,
        metadata: b.metadata,
    };
    let r = s
        .core
        .inventory
        .update_reservation(&id, changes, Some(&actor.id))
        .await?;
    Ok(reservation_answer(&r))
}

pub async fn delete_reservation(
    State(s): State<AppState>,
    actor: AdminActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Deleted>> {
    s.core
        .inventory
        .delete_reservation(&id, Some(&actor.id))
        .await?;
    Ok(Json(Deleted::new(id, "reservation")))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantReservationBody {
    pub quantity: i64,
    pub sales_channel_id: String,
    pub line_item_id: Option<String>,
    pub expires_at: Option<String>,
}

/// Reserves a variant (every inventory item it needs) from a sales channel's locations, all or
/// nothing.
pub async fn reserve_variant(
    State(s): State<AppState>,
    actor: AdminActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<VariantReservationBody>,
) -> ApiResult<Json<VariantReservations>> {
    let req = VariantReservation {
        variant_id: id,
        quantity: b.quantity,
        sales_channel_id: b.sales_channel_id,
        line_item_id: b.line_item_id,
        expires_at: expiry(&b.expires_at)?,
    };
    let made = s
        .core
        .inventory
        .reserve_variant(&req, Some(&actor.id))
        .await?;
    Ok(Json(VariantReservations {
        reservations: made.iter().map(ReservationDto::from).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    pub inventory_item_id: String,
    pub required_quantity: Option<i64>,
}

pub async fn link_variant(
    State(s): State<AppState>,
    Path((_product, variant)): Path<(String, String)>,
    ApiJson(b): ApiJson<LinkBody>,
) -> ApiResult<Json<VariantInventoryAnswer>> {
    s.core
        .inventory
        .link_variant(
            &variant,
            &b.inventory_item_id,
            b.required_quantity.unwrap_or(1),
        )
        .await?;
    let items = s
        .core
        .inventory
        .variant_items(std::slice::from_ref(&variant))
        .await?
        .remove(&variant)
        .unwrap_or_default();
    let inventory_items = items
        .iter()
        .map(|i| VariantInventoryLink {
            inventory_item_id: i.inventory_item_id.clone(),
            variant_id: variant.clone(),
            required_quantity: i.required_quantity,
        })
        .collect();
    Ok(Json(VariantInventoryAnswer {
        variant: VariantInventory {
            id: variant,
            inventory_items,
        },
    }))
}
