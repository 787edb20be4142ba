//! `/auth`: Medusa's emailpass flow for customers and users — register, login, sessions, token
//! refresh, password reset.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method};
use axum::Json;
use merx_core::auth::jwt::Claims;
use merx_core::auth::ActorType;
use merx_types::DomainError;
use serde::{Deserialize, Serialize};

use crate::client_addr::ClientAddr;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::route_doc::{CreatedText, PublicRoutes, WithCookie};
use crate::session::{self, COOKIE};
use crate::AppState;

const TAG: &str = "Auth";

pub(crate) fn routes() -> PublicRoutes {
    let (get, post, delete) = (Method::GET, Method::POST, Method::DELETE);
    PublicRoutes::new()
        .add(
            post.clone(),
            "/auth/{actor}/emailpass/register",
            TAG,
            register,
        )
        .add(post.clone(), "/auth/{actor}/emailpass", TAG, login)
        .add(get.clone(), "/auth/{actor}/emailpass", TAG, login)
        .add(
            post.clone(),
            "/auth/{actor}/emailpass/reset-password",
            TAG,
            reset_request,
        )
        .add(
            post.clone(),
            "/auth/{actor}/emailpass/update",
            TAG,
            reset_update,
        )
        .add(post.clone(), "/auth/session", TAG, create_session)
        .add(delete, "/auth/session", TAG, delete_session)
        .add(post, "/auth/token/refresh", TAG, refresh)
        .add(get, "/auth/{actor}/providers", TAG, providers)
}

/// A signed JWT for the identity.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenAnswer {
    pub token: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SuccessAnswer {
    pub success: bool,
}

/// The session's identity, as its token's claims.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionAnswer {
    #[schema(value_type = Object)]
    pub user: Claims,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuthProvider {
    pub id: &'static str,
    pub is_enabled: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuthProviders {
    pub providers: Vec<AuthProvider>,
}

fn actor(s: &str) -> ApiResult<ActorType> {
    ActorType::parse(s).ok_or_else(|| ApiError::not_found(format!("Unknown actor type: {s}")))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
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

/// The same answer whether or not the email is taken (see `AuthService::register`). A user's
/// registration token is worth nothing until it accepts an invite (`POST /admin/invites/accept`).
async fn register(
    State(s): State<AppState>,
    Path(a): Path<String>,
    ClientAddr(client): ClientAddr,
    ApiJson(b): ApiJson<Credentials>,
) -> ApiResult<Json<TokenAnswer>> {
    let actor = actor(&a)?;
    let (email, password) = creds(b)?;
    let token = s
        .core
        .auth
        .register(actor, &email, &password, &client)
        .await?;
    Ok(Json(TokenAnswer { token }))
}

async fn login(
    State(s): State<AppState>,
    Path(a): Path<String>,
    ClientAddr(client): ClientAddr,
    ApiJson(b): ApiJson<Credentials>,
) -> ApiResult<Json<TokenAnswer>> {
    let actor = actor(&a)?;
    let (email, password) = creds(b)?;
    let token = s.core.auth.login(actor, &email, &password, &client).await?;
    Ok(Json(TokenAnswer { token }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResetRequest {
    pub identifier: String,
}

/// Always 201 "Created": whether the account exists is never revealed.
async fn reset_request(
    State(s): State<AppState>,
    Path(a): Path<String>,
    ClientAddr(client): ClientAddr,
    ApiJson(b): ApiJson<ResetRequest>,
) -> ApiResult<CreatedText> {
    let actor = actor(&a)?;
    s.core
        .auth
        .request_reset(actor, &b.identifier, &client)
        .await?;
    Ok(CreatedText)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewPassword {
    pub password: String,
}

/// Sets the password with a reset token; every token and session of the identity stops working.
async fn reset_update(
    State(s): State<AppState>,
    Path(a): Path<String>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<NewPassword>,
) -> ApiResult<Json<SuccessAnswer>> {
    let actor = actor(&a)?;
    let token = session::bearer(&headers).ok_or_else(unauthorized)?;
    s.core
        .auth
        .reset_password(actor, token, &b.password)
        .await?;
    Ok(Json(SuccessAnswer { success: true }))
}

fn set_cookie(value: &str, max_age: i64) -> String {
    format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}")
}

fn unauthorized() -> ApiError {
    DomainError::unauthorized("Unauthorized").into()
}

/// Exchanges a live bearer JWT for a session cookie.
async fn create_session(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<WithCookie<SessionAnswer>> {
    let token = session::bearer(&headers).ok_or_else(unauthorized)?;
    let claims = s
        .core
        .auth
        .authenticate(token)
        .await?
        .ok_or_else(unauthorized)?;
    let (sid, ttl) = s.core.auth.create_session(&claims).await?;
    let cookie = set_cookie(&sid, ttl.as_secs() as i64);
    Ok(WithCookie(cookie, Json(SessionAnswer { user: claims })))
}

/// Logs out everywhere: the identities behind the request's live session cookie and bearer
/// token lose every token and session, and the cookie is cleared. Credentials that are not live
/// change nothing; the answer is the same.
async fn delete_session(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<WithCookie<SuccessAnswer>> {
    let auth = &s.core.auth;
    let mut identities = Vec::new();
    if let Some(token) = session::bearer(&headers) {
        identities.extend(auth.authenticate(token).await?.map(|c| c.auth_identity_id));
    }
    if let Some(sid) = session::session_cookie(&headers) {
        identities.extend(auth.session(&sid).await?.map(|c| c.auth_identity_id));
        auth.destroy_session(&sid).await?;
    }
    identities.dedup();
    for identity in identities {
        auth.revoke(&identity).await?;
    }
    Ok(WithCookie(
        set_cookie("", 0),
        Json(SuccessAnswer { success: true }),
    ))
}

/// A new token for live credentials, keeping the original authentication time; refused past
/// the absolute limit of the actor type (docs/auth.md).
async fn refresh(State(s): State<AppState>, headers: HeaderMap) -> ApiResult<Json<TokenAnswer>> {
    let claims = session::try_claims(&s, &headers)
        .await?
        .ok_or_else(unauthorized)?;
    Ok(Json(TokenAnswer {
        token: s.core.auth.refresh(&claims).await?,
    }))
}

async fn providers(Path(a): Path<String>) -> ApiResult<Json<AuthProviders>> {
    actor(&a)?;
    Ok(Json(AuthProviders {
        providers: vec![AuthProvider {
            id: "emailpass",
            is_enabled: true,
        }],
    }))
}
