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
use serde::Deserialize;
use serde_json::{json, Value};

use super::{AdminActor, AdminRoutes};
use crate::bodies::Batch;
use crate::dto::{double_option, opt_ts, ts, Deleted};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::extract::ListQuery;
use crate::views::list_body;
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

fn location_json(l: &StockLocation) -> Value {
    let address = l.address.as_ref().map(|a| {
        json!({
            "id": l.address_id, "address_1": a.address_1, "address_2": a.address_2, "company": a.company, "city": a.city,
            "country_code": a.country_code, "phone": a.phone, "province": a.province, "postal_code": a.postal_code,
            "metadata": null, "created_at": ts(l.created_at), "updated_at": ts(l.updated_at), "deleted_at": null,
        })
    });
    json!({
        "id": l.id, "name": l.name, "address_id": l.address_id, "address": address, "metadata": l.metadata,
        "sales_channels": l.sales_channel_ids.iter().map(|c| json!({"id": c})).collect::<Vec<_>>(),
        "created_at": ts(l.created_at), "updated_at": ts(l.updated_at), "deleted_at": null,
    })
}

fn level_json(l: &InventoryLevel) -> Value {
    json!({
        "id": l.id, "inventory_item_id": l.inventory_item_id, "location_id": l.location_id,
        "stocked_quantity": l.stocked_quantity, "reserved_quantity": l.reserved_quantity,
        "incoming_quantity": l.incoming_quantity, "available_quantity": l.available_quantity(), "metadata": l.metadata,
        "created_at": ts(l.created_at), "updated_at": ts(l.updated_at), "deleted_at": null,
    })
}

fn item_json(i: &InventoryItem, levels: Option<&[InventoryLevel]>) -> Value {
    let mut v = json!({
        "id": i.id, "sku": i.sku, "title": i.title, "description": i.description, "requires_shipping": i.requires_shipping,
        "hs_code": i.hs_code, "origin_country": i.origin_country, "mid_code": i.mid_code, "material": i.material,
        "weight": i.weight, "length": null, "height": null, "width": null, "thumbnail": null, "metadata": i.metadata,
        "created_at": ts(i.created_at), "updated_at": ts(i.updated_at), "deleted_at": null,
    });
    if let Some(levels) = levels {
        v["location_levels"] = Value::Array(levels.iter().map(level_json).collect());
        v["stocked_quantity"] = json!(levels.iter().map(|l| l.stocked_quantity).sum::<i64>());
        v["reserved_quantity"] = json!(levels.iter().map(|l| l.reserved_quantity).sum::<i64>());
    }
    v
}

fn reservation_json(r: &Reservation) -> Value {
    json!({
        "id": r.id, "line_item_id": r.line_item_id, "location_id": r.location_id, "inventory_item_id": r.inventory_item_id,
        "quantity": r.quantity, "external_id": r.external_id, "description": r.description, "created_by": r.created_by,
        "allow_backorder": r.allow_backorder, "expires_at": opt_ts(r.expires_at), "metadata": r.metadata,
        "created_at": ts(r.created_at), "updated_at": ts(r.updated_at), "deleted_at": null,
    })
}

fn adjustment_json(a: &Adjustment) -> Value {
    json!({
        "id": a.id, "inventory_item_id": a.inventory_item_id, "location_id": a.location_id, "stocked_delta": a.stocked_delta,
        "reserved_delta": a.reserved_delta, "incoming_delta": a.incoming_delta, "reason": a.reason, "actor": a.actor,
        "reference_id": a.reference_id, "created_at": ts(a.created_at),
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
    #[serde(default, deserialize_with = "double_option")]
    pub metadata: Option<Option<Value>>,
}

pub async fn list_locations(
    State(s): State<AppState>,
    ListQuery { qs: _, page: p }: ListQuery<20>,
) -> ApiResult<Json<Value>> {
    let page = s.core.inventory.locations(p).await?;
    Ok(Json(list_body(
        "stock_locations",
        page.items.iter().map(location_json).collect(),
        &page,
    )))
}

pub async fn create_location(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<LocationBody>,
) -> ApiResult<Json<Value>> {
    let name = b
        .name
        .ok_or_else(|| ApiError::invalid("name is required"))?;
    let l = s
        .core
        .inventory
        .create_location(&name, b.address.map(Into::into), b.metadata.flatten())
        .await?;
    Ok(Json(json!({"stock_location": location_json(&l)})))
}

pub async fn retrieve_location(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({"stock_location": location_json(&s.core.inventory.location(&id).await?)}),
    ))
}

pub async fn update_location(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<LocationBody>,
) -> ApiResult<Json<Value>> {
    let l = s
        .core
        .inventory
        .update_location(&id, b.name, b.address.map(Into::into), b.metadata)
        .await?;
    Ok(Json(json!({"stock_location": location_json(&l)})))
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
) -> ApiResult<Json<Value>> {
    let l = s
        .core
        .inventory
        .link_channels(&id, &b.add, &b.remove)
        .await?;
    Ok(Json(json!({"stock_location": location_json(&l)})))
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
) -> ApiResult<Json<Value>> {
    let page = s.core.inventory.items(&qs.list("sku")?, p).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for i in &page.items {
        let levels = s.core.inventory.levels(&i.id).await?;
        items.push(item_json(i, Some(&levels)));
    }
    Ok(Json(list_body("inventory_items", items, &page)))
}

pub async fn create_item(
    State(s): State<AppState>,
    actor: AdminActor,
    ApiJson(b): ApiJson<InventoryItemBody>,
) -> ApiResult<Json<Value>> {
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
    Ok(Json(
        json!({"inventory_item": item_json(&item, Some(&levels))}),
    ))
}

pub async fn retrieve_item(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let item = s.core.inventory.item(&id).await?;
    let levels = s.core.inventory.levels(&id).await?;
    Ok(Json(
        json!({"inventory_item": item_json(&item, Some(&levels))}),
    ))
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
) -> ApiResult<Json<Value>> {
    let levels = s.core.inventory.levels(&id).await?;
    let n = levels.len() as i64;
    Ok(Json(
        json!({"inventory_levels": levels.iter().map(level_json).collect::<Vec<_>>(), "count": n, "offset": 0, "limit": n}),
    ))
}

pub async fn create_level(
    State(s): State<AppState>,
    actor: AdminActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<LevelBody>,
) -> ApiResult<Json<Value>> {
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
) -> ApiResult<Json<Value>> {
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
) -> ApiResult<Json<Value>> {
    s.core
        .inventory
        .delete_level(
            &id,
            &location,
            &Change::new("level deleted", Some(&actor.id)),
        )
        .await?;
    let item = s.core.inventory.item(&id).await?;
    Ok(Json(
        json!({"id": location, "object": "inventory-level", "deleted": true, "parent": item_json(&item, None)}),
    ))
}

pub async fn adjustments(
    State(s): State<AppState>,
    Path((id, location)): Path<(String, String)>,
    ListQuery { qs: _, page: p }: ListQuery<50>,
) -> ApiResult<Json<Value>> {
    let page = s.core.inventory.adjustments(&id, &location, p).await?;
    Ok(Json(list_body(
        "adjustments",
        page.items.iter().map(adjustment_json).collect(),
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
) -> ApiResult<Json<Value>> {
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
        created.push(level_json(
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
        updated.push(level_json(
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
        deleted.push(json!({"inventory_item_id": item, "location_id": location}));
    }
    Ok(Json(
        json!({"created": created, "updated": updated, "deleted": deleted}),
    ))
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
) -> ApiResult<Json<Value>> {
    let page = s
        .core
        .inventory
        .reservations(&qs.list("inventory_item_id")?, &qs.list("line_item_id")?, p)
        .await?;
    Ok(Json(list_body(
        "reservations",
        page.items.iter().map(reservation_json).collect(),
        &page,
    )))
}

pub async fn create_reservation(
    State(s): State<AppState>,
    actor: AdminActor,
    ApiJson(b): ApiJson<ReservationBody>,
) -> ApiResult<Json<Value>> {
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
    Ok(Json(json!({"reservation": reservation_json(&r)})))
}

pub async fn retrieve_reservation(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({"reservation": reservation_json(&s.core.inventory.reservation(&id).await?)}),
    ))
}

pub async fn update_reservation(
    State(s): State<AppState>,
    actor: AdminActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReservationBody>,
) -> ApiResult<Json<Value>> {
    let quantity = b
        .quantity
        .ok_or_else(|| ApiError::invalid("quantity is required"))?;
    let r = s
        .core
        .inventory
        .update_reservation(&id, quantity, Some(&actor.id))
        .await?;
    Ok(Json(json!({"reservation": reservation_json(&r)})))
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
) -> ApiResult<Json<Value>> {
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
    Ok(Json(
        json!({"reservations": made.iter().map(reservation_json).collect::<Vec<_>>()}),
    ))
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
) -> ApiResult<Json<Value>> {
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
    Ok(Json(
        json!({"variant": {"id": variant, "inventory_items": items.iter().map(|i| json!({
        "inventory_item_id": i.inventory_item_id, "variant_id": variant, "required_quantity": i.required_quantity,
    })).collect::<Vec<_>>()}}),
    ))
}
