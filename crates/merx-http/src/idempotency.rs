//! `Idempotency-Key` on every mutating route: the first request with a key runs and its response
//! is stored; a repeat of the same request gets that response (with `Idempotent-Replayed: true`);
//! the same key on a different request is 409 `conflict`; a repeat while the first still runs
//! waits for it. A server error (5xx) forgets the key so the client can retry.
//!
//! A key belongs to its caller. Its row is scoped to the method and path, and the caller's
//! identity (the customer, user, API key or registering identity, as `crate::caller` verifies it,
//! not the bytes of the token) is part of the request a repeat must match: the same caller with a
//! refreshed token replays, another caller with the same key gets 409, never the stored body.
//! Callers without credentials cannot be told apart, so their keys must be unguessable
//! ([`is_unguessable`]) — except on a cart's own routes, whose path names the cart a guest holds.

use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use merx_core::platform::idempotency::{is_unguessable, Begin, StoredResponse};
use sha2::{Digest, Sha256};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::too_large;
use crate::store::PUBLISHABLE_KEY_HEADER;
use crate::AppState;

pub const HEADER: &str = "idempotency-key";

/// How long a repeat waits for the first request before answering 409.
const WAIT: Duration = Duration::from_secs(10);
/// Largest response kept for replay.
const MAX_STORED: usize = 4 * 1024 * 1024;

fn is_mutating(m: &Method) -> bool {
    matches!(
        *m,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// Paths that name the resource a guest holds by its id — a cart (`/store/carts/{id}…`) or the
/// payment collection of one (`/store/payment-collections/{id}/…`): the key's row is scoped to
/// that resource, so whoever holds the id is the one caller there.
fn names_guest_resource(path: &str) -> bool {
    let mut segments = path.trim_start_matches('/').split('/');
    matches!(
        (segments.next(), segments.next(), segments.next()),
        (Some("store"), Some("carts" | "payment-collections"), Some(id)) if !id.is_empty()
    )
}

/// What a repeat must match: who sends it, through which storefront, with which query and body.
fn request_hash(caller: Option<&str>, publishable: &[u8], query: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    for part in [
        caller.unwrap_or("anonymous").as_bytes(),
        publishable,
        query.as_bytes(),
    ] {
        hasher.update(part);
        hasher.update([0]);
    }
    hasher.update(body);
    hex::encode(hasher.finalize())
}

pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if !is_mutating(req.method()) {
        return next.run(req).await;
    }
    let Some(key) = req
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_string))
    else {
        return next.run(req).await;
    };
    let Ok(key) = key else {
        return ApiError::invalid("Idempotency-Key must be visible ASCII").into_response();
    };
    let caller = match Caller::of_request(&state, &mut req).await {
        Ok(c) => c.identity(),
        Err(e) => return e.into_response(),
    };
    if caller.is_none() && !names_guest_resource(req.uri().path()) && !is_unguessable(&key) {
        return ApiError::invalid(
            "Idempotency-Key must be unguessable on a request without credentials: send a random \
             UUID, or at least 32 hex or 22 base64url characters of random data",
        )
        .into_response();
    }
    let scope = format!("{} {}", req.method(), req.uri().path());
    let publishable = req
        .headers()
        .get(PUBLISHABLE_KEY_HEADER)
        .map(|v| v.as_bytes().to_vec())
        .unwrap_or_default();
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, state.config.body_limit_bytes).await else {
        return too_large().into_response();
    };
    let request_hash = request_hash(
        caller.as_deref(),
        &publishable,
        parts.uri.query().unwrap_or_default(),
        &bytes,
    );

    let service = &state.core.idempotency;
    let started = tokio::time::Instant::now();
    loop {
        match service.begin(&key, &scope, &request_hash).await {
            Err(e) => return ApiError::from(e).into_response(),
            Ok(Begin::Mismatch) => {
                return ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    "This Idempotency-Key was already used with a different request",
                )
                .into_response()
            }
            Ok(Begin::Replay(stored)) => return replay(stored),
            Ok(Begin::InProgress) if started.elapsed() < WAIT => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Ok(Begin::InProgress) => {
                return ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    "A request with this Idempotency-Key is still being processed",
                )
                .into_response()
            }
            Ok(Begin::Proceed) => break,
        }
    }

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (res_parts, res_body) = response.into_parts();
    let Ok(res_bytes) = to_bytes(res_body, MAX_STORED).await else {
        let _ = service.abandon(&key, &scope).await;
        return ApiError::internal(&"response too large to keep for idempotent replay")
            .into_response();
    };
    if res_parts.status.is_server_error() {
        if let Err(e) = service.abandon(&key, &scope).await {
            tracing::warn!(error = %e, "could not release idempotency key");
        }
    } else {
        let stored = StoredResponse {
            status: res_parts.status.as_u16(),
            content_type: res_parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            body: String::from_utf8_lossy(&res_bytes).into_owned(),
        };
        if let Err(e) = service.complete(&key, &scope, &stored).await {
            tracing::warn!(error = %e, "could not store idempotent response");
        }
    }
    Response::from_parts(res_parts, Body::from(res_bytes))
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut res = (status, stored.body).into_response();
    if let Some(ct) = stored
        .content_type
        .and_then(|c| HeaderValue::from_str(&c).ok())
    {
        res.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    res.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_resources_are_named_by_cart_and_collection_paths() {
        assert!(names_guest_resource("/store/carts/cart_1"));
        assert!(names_guest_resource("/store/carts/cart_1/line-items"));
        assert!(names_guest_resource(
            "/store/payment-collections/pay_col_1/payment-sessions"
        ));
        assert!(!names_guest_resource("/store/carts"));
        assert!(!names_guest_resource("/store/carts/"));
        assert!(!names_guest_resource("/store/payment-collections"));
        assert!(!names_guest_resource("/store/returns"));
        assert!(!names_guest_resource("/auth/customer/emailpass"));
    }

    #[test]
    fn the_caller_is_part_of_the_request() {
        let a = request_hash(Some("customer:cus_a"), b"pk", "", b"{}");
        assert_eq!(a, request_hash(Some("customer:cus_a"), b"pk", "", b"{}"));
        assert_ne!(a, request_hash(Some("customer:cus_b"), b"pk", "", b"{}"));
        assert_ne!(a, request_hash(None, b"pk", "", b"{}"));
        assert_ne!(a, request_hash(Some("customer:cus_a"), b"pk2", "", b"{}"));
    }
}
