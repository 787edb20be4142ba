//! The OpenAPI 3.1 description, generated from the handlers' own annotations and types.

use axum::Json;
use utoipa::OpenApi;

use crate::{error, health, metrics};

#[derive(OpenApi)]
#[openapi(
    info(title = "Merx", description = "Headless commerce engine: Medusa-compatible Store API, Admin API and merchandising."),
    paths(health::health, health::ready, metrics::render, spec),
    components(schemas(error::ErrorBody, health::Readiness)),
    tags((name = "Health", description = "Liveness, readiness and metrics"))
)]
pub struct ApiDoc;

/// The spec as pretty JSON (what `merx openapi` prints and `/openapi.json` serves).
pub fn json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// This API's OpenAPI document.
#[utoipa::path(get, path = "/openapi.json", tag = "Health",
    responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
pub async fn spec() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
