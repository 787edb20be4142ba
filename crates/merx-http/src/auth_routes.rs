//! `/auth`: Medusa's emailpass flow for customers and users — register, login, sessions, token
//! refresh, password reset.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use merx_core::auth::ActorType;
use merx_types::DomainError;
use serde::Deserialize;
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::session::{self, COOKIE};
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/{actor}/emailpass/register", post(register))
        .route("/auth/{actor}/emailpass", post(login).get(login))
        .route(
            "/auth/{actor}/emailpass/reset-password",
            post(reset_request),
        )
        .route("/auth/{actor}/emailpass/update", post(reset_update))
        .route("/auth/session", post(create_session).delete(delete_session))
        .route("/auth/token/refresh", post(refresh))
        .route("/auth/{actor}/providers", get(providers))
}

fn actor(s: &str) -> ApiResult<ActorType> {
    ActorType::parse(s).ok_or_else(|| ApiError::not_found(format!("Unknown actor type: {s}")))
}

#[derive(Debug, Deserialize)]
pub struct Credentials {
    pub email: Option<String>,
    pub password: Option<String>,
}

fn creds(c: Credentials) -> ApiResult<(String, String)> {
    match (c.email, c.password) {
        (Some(e), Some(p)) => Ok((e, p)),
        _ => Err(ApiError::invalid("email and password are required")),
    }
}

async fn register(
    State(s): State<AppState>,
    Path(a): Path<String>,
    ApiJson(b): ApiJson<Credentials>,
) -> ApiResult<Json<serde_json::Value>> {
    let actor = actor(&a)?;
    if actor == ActorType::User {
        return Err(DomainError::not_allowed(
            "Admin users join by invite: POST /admin/invites/accept",
        )
        .into());
    }
    let (email, password) = creds(b)?;
    let token = s.core.auth.register(actor, &email, &password).await?;
    Ok(Json(json!({ "token": token })))
}

async fn login(
    State(s): State<AppState>,
    Path(a): Path<String>,
    peer: session::Peer,
    headers: HeaderMap,
    ApiJson(b): ApiJson<Credentials>,
) -> ApiResult<Json<serde_json::Value>> {
    let actor = actor(&a)?;
    let (email, password) = creds(b)?;
    let client = session::client(&headers, peer.0);
    let token = s.core.auth.login(actor, &email, &password, &client).await?;
    Ok(Json(json!({ "token": token })))
}

#[derive(Debug, Deserialize)]
pub struct ResetRequest {
    pub identifier: String,
}

/// Always 201 "Created": whether the account exists is never revealed.
async fn reset_request(
    State(s): State<AppState>,
    Path(a): Path<String>,
    peer: session::Peer,
    headers: HeaderMap,
    ApiJson(b): ApiJson<ResetRequest>,
) -> ApiResult<Response> {
    let actor = actor(&a)?;
    let client = session::client(&headers, peer.0);
    s.core
        .auth
        .request_reset(actor, &b.identifier, &client)
        .await?;
    Ok((StatusCode::CREATED, "Created").into_response())
}

#[derive(Debug, Deserialize)]
pub struct NewPassword {
    pub password: String,
}

async fn reset_update(
    State(s): State<AppState>,
    Path(a): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<NewPassword>,
) -> ApiResult<Json<serde_json::Value>> {
    let actor = actor(&a)?;
    let token = session::bearer(&headers)
        .ok_or_else(|| ApiError::from(DomainError::unauthorized("Unauthorized")))?;
    s.core
        .auth
        .reset_password(actor, token, &b.password)
        .await?;
    Ok(Json(json!({ "success": true })))
}

fn set_cookie(value: &str, max_age: i64) -> String {
    format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}")
}

/// Exchanges a bearer JWT for a session cookie.
async fn create_session(State(s): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let token = session::bearer(&headers)
        .ok_or_else(|| ApiError::from(DomainError::unauthorized("Unauthorized")))?;
    let claims = s
        .core
        .auth
        .verify(token)
        .ok_or_else(|| ApiError::from(DomainError::unauthorized("Unauthorized")))?;
    let sid = s.core.auth.create_session(&claims).await?;
    let cookie = set_cookie(&sid, merx_core::auth::SESSION_TTL.as_secs() as i64);
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(json!({ "user": claims })),
    )
        .into_response())
}

async fn delete_session(State(s): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(sid) = session::session_cookie(&headers) {
        s.core.auth.destroy_session(&sid).await?;
    }
    Ok((
        [(header::SET_COOKIE, set_cookie("", 0))],
        Json(json!({ "success": true })),
    )
        .into_response())
}

async fn refresh(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<Json<serde_json::Value>> {
    let claims = session::claims(&s, &headers)
        .await
        .ok_or_else(|| ApiError::from(DomainError::unauthorized("Unauthorized")))?;
    Ok(Json(
        json!({ "token": s.core.auth.refresh(&claims).await? }),
    ))
}

async fn providers(Path(a): Path<String>) -> ApiResult<Json<serde_json::Value>> {
    actor(&a)?;
    Ok(Json(
        json!({ "providers": [{"id": "emailpass", "is_enabled": true}] }),
    ))
}
