//! Merx's HTTP surface: the axum router with its middleware (request ids, tracing, body limit,
//! CORS, panic safety, Medusa-style error bodies, metrics) and the routes of every API.

pub mod admin;
mod auth_routes;
mod bodies;
mod caller;
pub mod client_addr;
mod demo_images;
mod dto;
pub mod error;
pub mod extract;
pub mod fields;
mod health;
mod hooks;
pub mod idempotency;
mod layers;
pub mod list;
pub mod metrics;
pub mod openapi;
pub mod qs;
mod queries;
pub mod read_cache;
mod render;
pub mod route_doc;
mod server;
mod session;
pub(crate) mod store;
mod views;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use merx_core::Core;

pub use client_addr::TrustedProxies;
pub use error::{ApiError, ApiResult};
pub use server::{serve_with_limits, ServerLimits};

/// HTTP settings.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Largest accepted request body, in bytes.
    pub body_limit_bytes: usize,
    /// Origins allowed by CORS (`*` for any, without credentials).
    pub cors_origins: Vec<String>,
    /// Memory for cached Store API reads, in bytes (0 turns the cache off).
    pub read_cache_bytes: usize,
    /// Longest a cached read is served without a write invalidating it: the bound on staleness
    /// when an invalidation is lost (several processes without NATS).
    pub read_cache_ttl: std::time::Duration,
    /// Longest a client may take to send a request's body once its headers arrived.
    pub body_timeout: std::time::Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client for per-address rate limits
    /// (none: the header is ignored and the TCP peer is the client).
    pub trusted_proxies: TrustedProxies,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            body_limit_bytes: 1024 * 1024,
            cors_origins: vec![
                "http://localhost:8000".into(),
                "http://localhost:5173".into(),
                "http://localhost:9000".into(),
            ],
            read_cache_bytes: 16 * 1024 * 1024,
            read_cache_ttl: std::time::Duration::from_secs(30),
            body_timeout: std::time::Duration::from_secs(30),
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Shared, so that cloning the state for each request and extractor is one count, not one
    /// per service handle.
    pub core: Arc<Core>,
    pub config: Arc<HttpConfig>,
    pub read_cache: Arc<read_cache::ReadCache>,
}

impl AppState {
    pub fn new(core: Core, config: HttpConfig) -> Self {
        Self {
            core: Arc::new(core),
            read_cache: Arc::new(read_cache::ReadCache::new(
                config.read_cache_bytes,
                config.read_cache_ttl,
            )),
            config: Arc::new(config),
        }
    }
}

/// The whole application: every route and the middleware around them.
pub fn router(state: AppState) -> Router {
    router_with_extensions(state, Router::new())
}

/// `/auth`, `/hooks`, the demo's images and accepting an invite: the routes outside the Admin
/// API's authentication and the Store API.
fn public_routes() -> route_doc::PublicRoutes {
    auth_routes::routes()
        .merge(hooks::routes())
        .merge(demo_images::routes())
        .merge(admin::public_routes())
}

/// Every `/auth`, `/hooks` and `/static/demo` route and `POST /admin/invites/accept`, for the
/// OpenAPI document.
pub fn public_route_table() -> Vec<route_doc::PublicRoute> {
    public_routes().table
}

/// The application plus `extensions`: custom routes that get the same middleware, error format and
/// state as Merx's own (how an embedding program adds its endpoints).
pub fn router_with_extensions(state: AppState, extensions: Router<AppState>) -> Router {
    metrics::handle();
    let config = state.config.clone();
    let state_for_idempotency = state.clone();
    let routes = extensions
        .merge(admin::router(state.clone()))
        .merge(store::router(state.clone()))
        .merge(public_routes().router)
        .route("/health", get(health::health))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(metrics::render))
        .route("/openapi.json", get(openapi::spec))
        .fallback(layers::not_found)
        .method_not_allowed_fallback(layers::method_not_allowed)
        .with_state(state);
    let routes = routes.layer(axum::middleware::from_fn_with_state(
        state_for_idempotency,
        idempotency::middleware,
    ));
    layers::wrap(routes, &config).layer(DefaultBodyLimit::max(config.body_limit_bytes))
}

/// Serves `app` on `listener` with the default [`ServerLimits`] until `shutdown` completes, then
/// lets in-flight requests finish. Handlers see each connection's peer address
/// (`ConnectInfo<SocketAddr>`), which per-address rate limits count by.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_limits(listener, app, ServerLimits::default(), shutdown).await
}
