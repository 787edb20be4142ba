//! `/admin/webhooks`: endpoints that receive signed event deliveries, and their delivery log.

use axum::extract::{Path, State};
use axum::http::Method;
use axum::Json;
use merx_core::auth::Permission;
use merx_core::platform::webhooks::{Attempt, Endpoint, EndpointChanges, NewEndpoint};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::AdminRoutes;
use crate::dto::{double_option, ts, Deleted};
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, PageQuery};
use crate::AppState;

const READ: Permission = Permission::read("webhooks");
const WRITE: Permission = Permission::write("webhooks");

pub(crate) fn routes(r: AdminRoutes) -> AdminRoutes {
    r.add(Method::GET, "/admin/webhooks", READ, list)
        .add(Method::POST, "/admin/webhooks", WRITE, create)
        .add(Method::GET, "/admin/webhooks/{id}", READ, retrieve)
        .add(Method::POST, "/admin/webhooks/{id}", WRITE, update)
        .add(Method::DELETE, "/admin/webhooks/{id}", WRITE, delete)
        .add(Method::GET, "/admin/webhooks/{id}/attempts", READ, attempts)
}

/// A webhook endpoint. `secret` appears only in the response that created it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookDto {
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    /// Event names or patterns (`order.*`, `*`).
    pub events: Vec<String>,
    pub is_active: bool,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    /// The signing secret (creation response only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl WebhookDto {
    fn from(e: Endpoint, with_secret: bool) -> Self {
        Self {
            secret: with_secret.then_some(e.secret),
            id: e.id,
            url: e.url,
            description: e.description,
            events: e.events,
            is_active: e.is_active,
            metadata: e.metadata,
            created_at: ts(e.created_at),
            updated_at: ts(e.updated_at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookResponse {
    pub webhook: WebhookDto,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookList {
    pub webhooks: Vec<WebhookDto>,
    pub count: i64,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    pub url: String,
    pub description: Option<String>,
    pub events: Vec<String>,
    pub is_active: Option<bool>,
    #[serde(default, deserialize_with = "crate::dto::metadata")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    pub url: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub events: Option<Vec<String>>,
    pub is_active: Option<bool>,
    #[serde(default, deserialize_with = "crate::dto::metadata_patch")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

/// One logged delivery attempt.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttemptDto {
    pub id: String,
    pub delivery_id: String,
    pub event_id: String,
    pub event_name: String,
    pub attempt: i64,
    pub succeeded: bool,
    pub response_status: Option<i64>,
    pub duration_ms: i64,
    pub error: Option<String>,
    pub created_at: String,
}

impl From<Attempt> for AttemptDto {
    fn from(a: Attempt) -> Self {
        Self {
            id: a.id,
            delivery_id: a.delivery_id,
            event_id: a.event_id,
            event_name: a.event_name,
            attempt: a.attempt,
            succeeded: a.succeeded,
            response_status: a.response_status,
            duration_ms: a.duration_ms,
            error: a.error,
            created_at: ts(a.created_at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttemptList {
    pub attempts: Vec<AttemptDto>,
    pub count: i64,
    pub offset: i64,
    pub limit: i64,
}

/// List webhook endpoints.
#[utoipa::path(get, path = "/admin/webhooks", tag = "Webhooks", params(PageQuery),
    responses((status = 200, body = WebhookList)))]
pub async fn list(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<WebhookList>> {
    let page = s.core.webhooks.list(q.page(20)?).await?;
    Ok(Json(WebhookList {
        count: page.count,
        offset: page.offset,
        limit: page.limit,
        webhooks: page
            .items
            .into_iter()
            .map(|e| WebhookDto::from(e, false))
            .collect(),
    }))
}

/// Register a webhook endpoint; the response carries its signing secret, shown only here.
#[utoipa::path(post, path = "/admin/webhooks", tag = "Webhooks", request_body = CreateWebhook,
    responses((status = 200, body = WebhookResponse), (status = 400, body = crate::error::ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<CreateWebhook>,
) -> ApiResult<Json<WebhookResponse>> {
    let e = s
        .core
        .webhooks
        .create(NewEndpoint {
            url: b.url,
            description: b.description,
            events: b.events,
            is_active: b.is_active,
            metadata: b.metadata,
        })
        .await?;
    Ok(Json(WebhookResponse {
        webhook: WebhookDto::from(e, true),
    }))
}

/// Retrieve a webhook endpoint.
#[utoipa::path(get, path = "/admin/webhooks/{id}", tag = "Webhooks",
    responses((status = 200, body = WebhookResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn retrieve(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookResponse>> {
    let e = s.core.webhooks.get(&id).await?;
    Ok(Json(WebhookResponse {
        webhook: WebhookDto::from(e, false),
    }))
}

/// Update a webhook endpoint.
#[utoipa::path(post, path = "/admin/webhooks/{id}", tag = "Webhooks", request_body = UpdateWebhook,
    responses((status = 200, body = WebhookResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<UpdateWebhook>,
) -> ApiResult<Json<WebhookResponse>> {
    let e = s
        .core
        .webhooks
        .update(
            &id,
            EndpointChanges {
                url: b.url,
                description: b.description,
                events: b.events,
                is_active: b.is_active,
                metadata: b.metadata,
            },
        )
        .await?;
    Ok(Json(WebhookResponse {
        webhook: WebhookDto::from(e, false),
    }))
}

/// Delete a webhook endpoint; pending deliveries to it are dead-lettered.
#[utoipa::path(delete, path = "/admin/webhooks/{id}", tag = "Webhooks",
    responses((status = 200, body = Deleted), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Deleted>> {
    s.core.webhooks.delete(&id).await?;
    Ok(Json(Deleted::new(id, "webhook")))
}

/// The endpoint's delivery log, newest first: every attempt with its outcome.
#[utoipa::path(get, path = "/admin/webhooks/{id}/attempts", tag = "Webhooks", params(PageQuery),
    responses((status = 200, body = AttemptList), (status = 404, body = crate::error::ErrorBody)))]
pub async fn attempts(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<AttemptList>> {
    let page = s.core.webhooks.attempts(&id, q.page(50)?).await?;
    Ok(Json(AttemptList {
        count: page.count,
        offset: page.offset,
        limit: page.limit,
        attempts: page.items.into_iter().map(AttemptDto::from).collect(),
    }))
}
