//! `/admin/events`: the outbox's deliveries, including dead letters, and their replay.

use axum::extract::{Path, State};
use axum::http::Method;
use axum::Json;
use merx_core::auth::Permission;
use merx_core::platform::outbox::{Delivery, DeliveryFilter, DeliveryStatus};
use serde::{Deserialize, Serialize};

use super::AdminRoutes;
use crate::dto::{opt_ts, ts};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::AppState;

const READ: Permission = Permission::read("events");
const WRITE: Permission = Permission::write("events");

pub(crate) fn routes(r: AdminRoutes) -> AdminRoutes {
    r.add(Method::GET, "/admin/events/deliveries", READ, list)
        .add(
            Method::POST,
            "/admin/events/deliveries/replay",
            WRITE,
            replay_all,
        )
        .add(
            Method::POST,
            "/admin/events/deliveries/{id}/replay",
            WRITE,
            replay,
        )
}

/// One event on its way to one target.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryDto {
    pub id: String,
    pub event_id: String,
    pub event_name: String,
    /// `sub:<subscriber>`, `webhook:<endpoint id>` or `bus`.
    pub target: String,
    /// `pending`, `delivered` or `dead`.
    pub status: &'static str,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub delivered_at: Option<String>,
    pub created_at: String,
}

impl From<Delivery> for DeliveryDto {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id,
            event_id: d.event_id,
            event_name: d.event_name,
            target: d.target,
            status: d.status.as_str(),
            attempts: d.attempts,
            next_attempt_at: ts(d.next_attempt_at),
            last_error: d.last_error,
            delivered_at: opt_ts(d.delivered_at),
            created_at: ts(d.created_at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryList {
    pub deliveries: Vec<DeliveryDto>,
    pub count: i64,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryResponse {
    pub delivery: DeliveryDto,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DeliveryQuery {
    /// `pending`, `delivered` or `dead`.
    pub status: Option<String>,
    pub target: Option<String>,
    pub event_name: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayAll {
    /// Only this target's dead deliveries (all when absent).
    pub target: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReplayAllResult {
    pub replayed: u64,
}

/// List deliveries, newest event first; `status=dead` lists the dead letters.
#[utoipa::path(get, path = "/admin/events/deliveries", tag = "Events", params(DeliveryQuery),
    responses((status = 200, body = DeliveryList)))]
pub async fn list(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<DeliveryQuery>,
) -> ApiResult<Json<DeliveryList>> {
    let status = match q.status.as_deref() {
        None => None,
        Some(v) => Some(DeliveryStatus::parse(v).ok_or_else(|| {
            ApiError::invalid(format!(
                "status must be pending, delivered or dead, not {v:?}"
            ))
        })?),
    };
    let page = merx_types::PageRequest::parse(q.limit, q.offset, 50)?;
    let filter = DeliveryFilter {
        status,
        target: q.target,
        event_name: q.event_name,
    };
    let page = s.core.outbox.list_deliveries(&filter, page).await?;
    Ok(Json(DeliveryList {
        count: page.count,
        offset: page.offset,
        limit: page.limit,
        deliveries: page.items.into_iter().map(DeliveryDto::from).collect(),
    }))
}

/// Put a dead delivery back in the queue with a fresh attempt budget.
#[utoipa::path(post, path = "/admin/events/deliveries/{id}/replay", tag = "Events",
    responses((status = 200, body = DeliveryResponse), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn replay(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<DeliveryResponse>> {
    let d = s.core.outbox.replay(&id).await?;
    Ok(Json(DeliveryResponse { delivery: d.into() }))
}

/// Replay every dead delivery (optionally of one target).
#[utoipa::path(post, path = "/admin/events/deliveries/replay", tag = "Events", request_body = ReplayAll,
    responses((status = 200, body = ReplayAllResult)))]
pub async fn replay_all(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<ReplayAll>,
) -> ApiResult<Json<ReplayAllResult>> {
    let replayed = s.core.outbox.replay_all_dead(b.target.as_deref()).await?;
    Ok(Json(ReplayAllResult { replayed }))
}
