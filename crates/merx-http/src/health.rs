//! Liveness (`/health`, as Medusa serves it) and readiness (`/health/ready`, which also checks
//! the database).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use crate::AppState;

/// Liveness: the process is up and serving HTTP.
#[utoipa::path(get, path = "/health", tag = "Health",
    responses((status = 200, description = "The server is up", body = String, content_type = "text/plain")))]
pub async fn health() -> &'static str {
    "OK"
}

/// Readiness of the server's dependencies.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// `ok`, or the reason the database cannot be used.
    pub database: String,
}

/// Readiness: the server can reach its database.
#[utoipa::path(get, path = "/health/ready", tag = "Health",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "A dependency is unavailable", body = Readiness)))]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    match state
        .core
        .db
        .fetch_one(merx_db::query("SELECT 1 AS one"))
        .await
    {
        Ok(_) => (
            StatusCode::OK,
            Json(Readiness {
                status: "ok",
                database: "ok".into(),
            }),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Readiness {
                    status: "unavailable",
                    database: "unreachable".into(),
                }),
            )
        }
    }
}
