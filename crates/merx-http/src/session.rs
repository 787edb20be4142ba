//! Reading who a request is from: a bearer JWT or a session cookie.

use axum::http::{header, HeaderMap};
use merx_core::auth::jwt::Claims;

use crate::error::ApiResult;
use crate::AppState;

/// The session cookie's name (Medusa's).
pub const COOKIE: &str = "connect.sid";

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE).then(|| value.to_string())
        })
}

/// The caller's claims from a live bearer JWT, else from a live session cookie (each checked
/// against its identity's token version: one indexed read).
pub async fn try_claims(state: &AppState, headers: &HeaderMap) -> ApiResult<Option<Claims>> {
    if let Some(token) = bearer(headers) {
        if let Some(c) = state.core.auth.authenticate(token).await? {
            return Ok(Some(c));
        }
    }
    match session_cookie(headers) {
        Some(sid) => Ok(state.core.auth.session(&sid).await?),
        None => Ok(None),
    }
}
