//! Reading who a request is from: a bearer JWT or a session cookie.

use axum::http::{header, HeaderMap};
use merx_core::auth::jwt::Claims;

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

/// The caller's claims from a bearer JWT, else from a session cookie.
pub async fn claims(state: &AppState, headers: &HeaderMap) -> Option<Claims> {
    if let Some(token) = bearer(headers) {
        if let Some(c) = state.core.auth.verify(token) {
            return Some(c);
        }
    }
    let sid = session_cookie(headers)?;
    state.core.auth.session(&sid).await.ok().flatten()
}

/// The client's address for rate limits: the first `X-Forwarded-For` hop, else the socket peer.
pub fn client(headers: &HeaderMap, peer: Option<std::net::SocketAddr>) -> String {
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|s| s.trim().to_string())
        .or_else(|| peer.map(|p| p.ip().to_string()))
        .unwrap_or_else(|| "unknown".into())
}

/// The socket peer, when the server runs with connection info (not in `oneshot` tests).
pub struct Peer(pub Option<std::net::SocketAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}
