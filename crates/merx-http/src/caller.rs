//! Who a request is from, verified once per request: a secret API key (`Authorization: Basic
//! base64(sk_…:)` or `Bearer sk_…`), else a bearer JWT or the session cookie. The Admin API's
//! authentication, the Store's customer extractor and idempotency keys all read the caller from
//! here, so they agree on who is calling; the first to ask resolves it and keeps it in the
//! request's extensions for the others.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use merx_core::api_key::KeyType;
use merx_core::auth::Role;

use crate::error::ApiError;
use crate::AppState;

/// The verified caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No valid credentials (none, expired, forged or revoked ones).
    Anonymous,
    /// A customer's token or session.
    Customer(String),
    /// An admin user's token or session.
    User(String),
    /// A token of an identity that has no customer or user yet (a registration token).
    Registering { auth_identity_id: String },
    /// A live secret API key.
    SecretKey { id: String, role: Option<Role> },
}

impl Caller {
    /// A stable name for the caller — the same across refreshed tokens, sessions and the token
    /// they came from — or `None` for an anonymous one.
    pub fn identity(&self) -> Option<String> {
        match self {
            Caller::Anonymous => None,
            Caller::Customer(id) => Some(format!("customer:{id}")),
            Caller::User(id) => Some(format!("user:{id}")),
            Caller::Registering { auth_identity_id } => {
                Some(format!("auth_identity:{auth_identity_id}"))
            }
            Caller::SecretKey { id, .. } => Some(format!("api_key:{id}")),
        }
    }

    /// The customer's id, when the caller is a logged-in customer.
    pub fn customer_id(&self) -> Option<&str> {
        match self {
            Caller::Customer(id) => Some(id),
            _ => None,
        }
    }

    /// The caller of a request whose parts are in hand (for extractors).
    pub async fn of_parts(state: &AppState, parts: &mut Parts) -> Result<Caller, ApiError> {
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let caller = resolve(state, &parts.headers).await?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }

    /// The caller of a whole request (for middleware).
    pub async fn of_request(state: &AppState, req: &mut Request) -> Result<Caller, ApiError> {
        if let Some(c) = req.extensions().get::<Caller>() {
            return Ok(c.clone());
        }
        let caller = resolve(state, req.headers()).await?;
        req.extensions_mut().insert(caller.clone());
        Ok(caller)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Caller::of_parts(state, parts).await
    }
}

/// Verifies the request's credentials. A secret key in the Authorization header is the only
/// credential looked at when present: a wrong one is anonymous, not a fall back to the cookie.
async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    if let Some(token) = secret_key(headers) {
        let key = state
            .core
            .api_keys
            .authenticate(&token, KeyType::Secret)
            .await?;
        return Ok(match key {
            Some(k) => Caller::SecretKey {
                id: k.id,
                role: k.role,
            },
            None => Caller::Anonymous,
        });
    }
    // A failure to read the credentials is the server's (500), not an anonymous caller.
    let Some(claims) = crate::session::try_claims(state, headers).await? else {
        return Ok(Caller::Anonymous);
    };
    Ok(
        match (claims.actor_type.as_str(), claims.actor_id.is_empty()) {
            (_, true) => Caller::Registering {
                auth_identity_id: claims.auth_identity_id,
            },
            ("customer", false) => Caller::Customer(claims.actor_id),
            ("user", false) => Caller::User(claims.actor_id),
            _ => Caller::Anonymous,
        },
    )
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

/// The authenticated customer (401 otherwise).
pub struct CustomerActor {
    pub customer_id: String,
}

impl FromRequestParts<AppState> for CustomerActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match Caller::of_parts(state, parts).await? {
            Caller::Customer(customer_id) => Ok(CustomerActor { customer_id }),
            _ => Err(merx_types::DomainError::unauthorized("Unauthorized").into()),
        }
    }
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

    #[test]
    fn identities_name_the_actor_not_the_credential() {
        assert_eq!(Caller::Anonymous.identity(), None);
        assert_eq!(
            Caller::Customer("cus_1".into()).identity().as_deref(),
            Some("customer:cus_1")
        );
        assert_ne!(
            Caller::Customer("x".into()).identity(),
            Caller::User("x".into()).identity()
        );
    }
}
