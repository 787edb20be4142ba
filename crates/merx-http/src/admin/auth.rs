//! Who is calling the Admin API. A secret API key authenticates as `Authorization: Basic
//! base64(<sk_…>:)` (Medusa's form) or `Authorization: Bearer sk_…`.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use merx_core::api_key::KeyType;
use merx_core::auth::{Permission, Role};
use merx_types::DomainError;

use crate::error::ApiError;
use crate::AppState;

/// An authenticated Admin API caller.
#[derive(Debug, Clone)]
pub struct AdminActor {
    /// The user's or API key's id.
    pub id: String,
    pub role: Role,
}

impl AdminActor {
    /// 403 unless this actor's role grants `p`.
    pub fn require(&self, p: Permission) -> Result<(), ApiError> {
        if self.role.permits(p) {
            Ok(())
        } else {
            Err(DomainError::forbidden(format!(
                "The {} role does not have the {p} permission",
                self.role.as_str()
            ))
            .into())
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AdminActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<AdminActor>()
            .cloned()
            .ok_or_else(|| DomainError::unauthorized("Unauthorized").into())
    }
}

/// The secret key in the Authorization header, if any.
fn secret_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, credentials) = value.split_once(' ')?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") && credentials.starts_with("sk_") {
        return Some(credentials.to_string());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64_decode(credentials)?;
        let text = String::from_utf8(decoded).ok()?;
        let user = text.split(':').next()?;
        return user.starts_with("sk_").then(|| user.to_string());
    }
    None
}

/// Standard base64 (with or without padding).
fn base64_decode(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in input.bytes().filter(|&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Resolves the caller — a secret API key, or an admin user's JWT or session cookie — or answers
/// 401. Customer credentials are never accepted here.
pub(crate) async fn authenticate(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let unauthorized = || ApiError::from(DomainError::unauthorized("Unauthorized")).into_response();
    let actor = if let Some(token) = secret_key(req.headers()) {
        match state
            .core
            .api_keys
            .authenticate(&token, KeyType::Secret)
            .await
        {
            Ok(Some(key)) => key.role.map(|role| AdminActor { id: key.id, role }),
            Ok(None) => None,
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else {
        let claims = match crate::session::try_claims(&state, req.headers()).await {
            Ok(claims) => claims,
            Err(e) => return e.into_response(),
        };
        match claims {
            Some(c) if c.actor_type == "user" && !c.actor_id.is_empty() => {
                match state.core.users.get(&c.actor_id).await {
                    Ok(user) => Some(AdminActor {
                        id: user.id,
                        role: user.role,
                    }),
                    Err(_) => None,
                }
            }
            _ => None,
        }
    };
    match actor {
        Some(actor) => {
            req.extensions_mut().insert(actor);
            next.run(req).await
        }
        None => unauthorized(),
    }
}

/// Answers 403 unless the authenticated actor holds `permission`.
pub(crate) async fn require(permission: Permission, req: Request, next: Next) -> Response {
    let Some(actor) = req.extensions().get::<AdminActor>() else {
        return ApiError::from(DomainError::unauthorized("Unauthorized")).into_response();
    };
    if let Err(e) = actor.require(permission) {
        return e.into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes() {
        assert_eq!(base64_decode("c2tfYWJjOg==").unwrap(), b"sk_abc:");
        assert_eq!(base64_decode("c2tfYWJjOg").unwrap(), b"sk_abc:");
        assert!(base64_decode("***").is_none());
    }

    #[test]
    fn secret_keys_are_read_from_basic_and_bearer() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Basic c2tfYWJjOg==".parse().unwrap());
        assert_eq!(secret_key(&h).as_deref(), Some("sk_abc"));
        h.insert(header::AUTHORIZATION, "Bearer sk_abc".parse().unwrap());
        assert_eq!(secret_key(&h).as_deref(), Some("sk_abc"));
        h.insert(header::AUTHORIZATION, "Bearer eyJhbGciOi".parse().unwrap());
        assert_eq!(secret_key(&h), None);
    }
}
