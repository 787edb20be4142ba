//! The middleware stack every request passes through, and the fallbacks for unknown routes.

use std::any::Any;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::extract::too_large;
use crate::{metrics, HttpConfig};

/// Longest request target (path and query) served: Node's default header limit, so what Medusa
/// accepts fits. Longer ones get a JSON 414 here, below hyper's own limit (64 KiB), whose 414 is
/// written before any of this code runs and has no body.
pub const MAX_URI_BYTES: usize = 16 * 1024;

/// Wraps the routes in the stack (outermost first): request id → tracing → id echoed on the
/// response → panic → CORS → error bodies normalised → URI length → metrics.
pub fn wrap(routes: Router, config: &HttpConfig) -> Router {
    routes
        .layer(middleware::from_fn(metrics::track))
        .layer(middleware::from_fn(uri_limit))
        .layer(middleware::from_fn(json_errors))
        .layer(cors(config))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // The path only: query strings can carry tokens.
                tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
            })
            // One access-log line per request: status and latency, inside the span above.
            .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO))
            .on_failure(tower_http::trace::DefaultOnFailure::new().level(tracing::Level::WARN)),
        )
        .layer(SetRequestIdLayer::x_request_id(UlidRequestId))
        // A body that trickles in slower than this fails the request instead of holding it open.
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            config.body_timeout,
        ))
}

/// Request ids are ULIDs, unless the client (or a proxy) sent one.
#[derive(Clone, Copy)]
struct UlidRequestId;

impl MakeRequestId for UlidRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&ulid::Ulid::new().to_string())
            .ok()
            .map(RequestId::new)
    }
}

fn cors(config: &HttpConfig) -> CorsLayer {
    let base = CorsLayer::new()
        .allow_methods(AllowMethods::mirror_request())
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([header::HeaderName::from_static("x-request-id")]);
    if config.cors_origins.iter().any(|o| o == "*") {
        return base.allow_origin(AllowOrigin::any());
    }
    let origins: Vec<HeaderValue> = config
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
        .collect();
    base.allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
}

/// 414 for a request target longer than [`MAX_URI_BYTES`].
async fn uri_limit(req: Request, next: Next) -> Response {
    let len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if len > MAX_URI_BYTES {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "invalid_data",
            format!("The request URI is longer than the server accepts ({MAX_URI_BYTES} bytes)"),
        )
        .into_response();
    }
    next.run(req).await
}

/// Any error response that is not already JSON (axum's own rejections, a layer's 413, …) is
/// rewritten into the `{"type","message"}` body, so clients see one error format.
async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        StatusCode::NOT_FOUND => ApiError::not_found("Not found"),
        s if s.is_server_error() => {
            ApiError::new(s, "unexpected_state", "An unexpected error occurred")
        }
        s => ApiError::new(
            s,
            "invalid_data",
            s.canonical_reason()
                .unwrap_or("Invalid request")
                .to_string(),
        ),
    };
    let mut rewritten = error.into_response();
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rewritten
}

fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "unexpected_state",
        "An unexpected error occurred",
    )
    .into_response()
}

/// Unknown routes: 404 in Medusa's shape.
pub async fn not_found(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("Route {method} {} not found", uri.path()))
}

/// A known path with a method it does not serve.
pub async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "not_allowed",
        format!("Method {method} is not allowed on {}", uri.path()),
    )
}
