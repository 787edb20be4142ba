//! The OpenAPI 3.1 description, generated from the handlers' own annotations and types.

use axum::Json;
use utoipa::OpenApi;

use crate::admin::{api_keys, events, webhooks};
use crate::{dto, error, health, metrics};

#[derive(OpenApi)]
#[openapi(
    info(title = "Merx", description = "Headless commerce engine: Medusa-compatible Store API, Admin API and merchandising."),
    paths(
        health::health, health::ready, metrics::render, spec,
        webhooks::list, webhooks::create, webhooks::retrieve, webhooks::update, webhooks::delete,
        webhooks::attempts,
        events::list, events::replay, events::replay_all,
        api_keys::list, api_keys::create, api_keys::retrieve, api_keys::revoke,
    ),
    components(schemas(error::ErrorBody, health::Readiness, dto::Deleted)),
    modifiers(&AdminAuth),
    tags(
        (name = "Health", description = "Liveness, readiness and metrics"),
        (name = "Webhooks", description = "Signed event deliveries to your systems, with a delivery log"),
        (name = "Events", description = "The outbox: deliveries, dead letters and replay"),
        (name = "API keys", description = "Publishable and secret API keys"),
    )
)]
pub struct ApiDoc;

/// Declares how the Admin API authenticates.
struct AdminAuth;

impl utoipa::Modify for AdminAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "secret_api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "A secret API key (sk_…) as the Basic username, or `Bearer sk_…`",
                    ))
                    .build(),
            ),
        );
    }
}

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
