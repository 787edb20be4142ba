//! `/admin/api-keys` (Medusa's paths and shapes): publishable keys for storefronts and secret keys
//! for server-to-server Admin API access.

use axum::extract::{Path, State};
use axum::http::Method;
use axum::Json;
use merx_core::api_key::{ApiKey, KeyType};
use merx_core::auth::{Permission, Role};
use serde::{Deserialize, Serialize};

use super::{AdminActor, AdminRoutes};
use crate::dto::{opt_ts, ts};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::AppState;

const READ: Permission = Permission::read("api_keys");
const WRITE: Permission = Permission::write("api_keys");

pub(crate) fn routes(r: AdminRoutes) -> AdminRoutes {
    r.add(Method::GET, "/admin/api-keys", READ, list)
        .add(Method::POST, "/admin/api-keys", WRITE, create)
        .add(Method::GET, "/admin/api-keys/{id}", READ, retrieve)
        .add(Method::POST, "/admin/api-keys/{id}/revoke", WRITE, revoke)
}

/// An API key. `token` is the publishable key itself, or a secret key's token in the response
/// that created it (never again).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyDto {
    pub id: String,
    pub token: Option<String>,
    pub redacted: String,
    pub title: String,
    /// `publishable` or `secret`.
    #[serde(rename = "type")]
    pub key_type: &'static str,
    /// The role a secret key acts with (Merx extension).
    pub role: Option<&'static str>,
    pub last_used_at: Option<String>,
    pub created_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<String>,
}

impl ApiKeyDto {
    fn from(k: ApiKey, token: Option<String>) -> Self {
        Self {
            token: token.or(k.token),
            id: k.id,
            redacted: k.redacted,
            title: k.title,
            key_type: k.key_type.as_str(),
            role: k.role.map(|r| r.as_str()),
            last_used_at: opt_ts(k.last_used_at),
            created_by: k.created_by,
            created_at: ts(k.created_at),
            updated_at: ts(k.updated_at),
            revoked_by: k.revoked_by,
            revoked_at: opt_ts(k.revoked_at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyResponse {
    pub api_key: ApiKeyDto,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyList {
    pub api_keys: Vec<ApiKeyDto>,
    pub count: i64,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    pub title: String,
    /// `publishable` or `secret`.
    #[serde(rename = "type")]
    pub key_type: String,
    /// For secret keys: `owner`, `admin`, `merchandiser`, `support` or `vendor` (default `admin`).
    pub role: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ApiKeyQuery {
    /// `publishable` or `secret`.
    #[serde(rename = "type")]
    pub key_type: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn parse_type(t: &str) -> Result<KeyType, ApiError> {
    KeyType::parse(t)
        .ok_or_else(|| ApiError::invalid(format!("type must be publishable or secret, not {t:?}")))
}

/// List API keys.
#[utoipa::path(get, path = "/admin/api-keys", tag = "API keys", params(ApiKeyQuery),
    responses((status = 200, body = ApiKeyList)))]
pub async fn list(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ApiKeyQuery>,
) -> ApiResult<Json<ApiKeyList>> {
    let key_type = q.key_type.as_deref().map(parse_type).transpose()?;
    let page = merx_types::PageRequest::parse(q.limit, q.offset, 20)?;
    let page = s.core.api_keys.list(key_type, page).await?;
    Ok(Json(ApiKeyList {
        count: page.count,
        offset: page.offset,
        limit: page.limit,
        api_keys: page
            .items
            .into_iter()
            .map(|k| ApiKeyDto::from(k, None))
            .collect(),
    }))
}

/// Create an API key. A secret key's token is in this response only.
#[utoipa::path(post, path = "/admin/api-keys", tag = "API keys", request_body = CreateApiKey,
    responses((status = 200, body = ApiKeyResponse), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    actor: AdminActor,
    ApiJson(b): ApiJson<CreateApiKey>,
) -> ApiResult<Json<ApiKeyResponse>> {
    let key_type = parse_type(&b.key_type)?;
    let role = match (key_type, b.role.as_deref()) {
        (KeyType::Publishable, Some(_)) => {
            return Err(ApiError::invalid("role applies to secret keys only"))
        }
        (KeyType::Publishable, None) => None,
        (KeyType::Secret, r) => {
            let r = r.unwrap_or("admin");
            Some(Role::parse(r).ok_or_else(|| ApiError::invalid(format!("unknown role {r:?}")))?)
        }
    };
    // Nobody can mint a key more powerful than themselves.
    if role == Some(Role::Owner) && actor.role != Role::Owner {
        return Err(
            merx_types::DomainError::forbidden("Only an owner can create an owner key").into(),
        );
    }
    let (key, token) = s
        .core
        .api_keys
        .create(&b.title, key_type, role, Some(&actor.id))
        .await?;
    Ok(Json(ApiKeyResponse {
        api_key: ApiKeyDto::from(key, Some(token)),
    }))
}

/// Retrieve an API key.
#[utoipa::path(get, path = "/admin/api-keys/{id}", tag = "API keys",
    responses((status = 200, body = ApiKeyResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn retrieve(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ApiKeyResponse>> {
    let key = s.core.api_keys.get(&id).await?;
    Ok(Json(ApiKeyResponse {
        api_key: ApiKeyDto::from(key, None),
    }))
}

/// Revoke an API key at once.
#[utoipa::path(post, path = "/admin/api-keys/{id}/revoke", tag = "API keys",
    responses((status = 200, body = ApiKeyResponse), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(s): State<AppState>,
    actor: AdminActor,
    Path(id): Path<String>,
) -> ApiResult<Json<ApiKeyResponse>> {
    let key = s.core.api_keys.revoke(&id, Some(&actor.id)).await?;
    Ok(Json(ApiKeyResponse {
        api_key: ApiKeyDto::from(key, None),
    }))
}
