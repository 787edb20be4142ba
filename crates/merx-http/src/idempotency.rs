//! `Idempotency-Key` on every mutating route: the first request with a key runs and its response
//! is stored; a repeat of the same request gets that response (with `Idempotent-Replayed: true`);
//! the same key on a different request is 409 `conflict`; a repeat while the first still runs
//! waits for it. A server error (5xx) forgets the key so the client can retry.

use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use merx_core::platform::idempotency::{Begin, StoredResponse};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::extract::too_large;
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

/// Keys are scoped to the caller's credentials and the request's method and path, so one client's
/// key never replays another's response.
fn scope(req: &Request) -> String {
    let mut h = Sha256::new();
    for name in [
        header::AUTHORIZATION.as_str(),
        "x-publishable-api-key",
        header::COOKIE.as_str(),
    ] {
        if let Some(v) = req.headers().get(name) {
            h.update(name.as_bytes());
            h.update(v.as_bytes());
        }
    }
    format!(
        "{} {} {}",
        req.method(),
        req.uri().path(),
        &hex::encode(h.finalize())[..16]
    )
}

pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
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
    let scope = scope(&req);
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, state.config.body_limit_bytes).await else {
        return too_large().into_response();
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.uri.query().unwrap_or_default().as_bytes());
    hasher.update([0]);
    hasher.update(&bytes);
    let request_hash = hex::encode(hasher.finalize());

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
