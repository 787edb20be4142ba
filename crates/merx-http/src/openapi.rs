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
    modifiers(&AdminAuth, &EveryRoute),
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

/// Adds every route the typed annotations do not cover yet, from the router's own tables: each
/// Admin route with its required permission, each Store route with the publishable-key header.
struct EveryRoute;

impl utoipa::Modify for EveryRoute {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{
            HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
        };
        use utoipa::openapi::security::SecurityRequirement;
        use utoipa::openapi::{Required, ResponseBuilder};

        let string = || {
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                .build()
        };
        let method_of = |m: &axum::http::Method| match *m {
            axum::http::Method::POST => HttpMethod::Post,
            axum::http::Method::DELETE => HttpMethod::Delete,
            axum::http::Method::PUT => HttpMethod::Put,
            axum::http::Method::PATCH => HttpMethod::Patch,
            _ => HttpMethod::Get,
        };
        let mut add = |method: HttpMethod, path: &str, op: utoipa::openapi::path::Operation| {
            let exists = openapi
                .paths
                .paths
                .get(path)
                .is_some_and(|item| match method {
                    HttpMethod::Get => item.get.is_some(),
                    HttpMethod::Post => item.post.is_some(),
                    HttpMethod::Delete => item.delete.is_some(),
                    HttpMethod::Put => item.put.is_some(),
                    HttpMethod::Patch => item.patch.is_some(),
                    _ => true,
                });
            if !exists {
                let item = PathItem::new(method, op);
                match openapi.paths.paths.get_mut(path) {
                    Some(existing) => existing.merge_operations(item),
                    None => {
                        openapi.paths.paths.insert(path.to_string(), item);
                    }
                }
            }
        };
        let ok = || {
            ResponseBuilder::new()
                .description("Success; see Medusa's shapes")
                .build()
        };
        let error = || {
            ResponseBuilder::new()
                .description("`{\"type\", \"message\"}`")
                .build()
        };
        // Every `{name}` of a route template, as a required string path parameter.
        let path_params = |path: &str| -> Vec<utoipa::openapi::path::Parameter> {
            path.split('/')
                .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
                .map(|name| {
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .schema(Some(string()))
                        .build()
                })
                .collect()
        };
        for route in crate::admin::route_table() {
            let op = OperationBuilder::new()
                .parameters(Some(path_params(route.path)))
                .tag("Admin")
                .description(Some(format!(
                    "Requires the `{}` permission.",
                    route.permission
                )))
                .security(SecurityRequirement::new(
                    "secret_api_key",
                    Vec::<String>::new(),
                ))
                .response("200", ok())
                .response("400", error())
                .response("401", error())
                .response("403", error())
                .build();
            add(method_of(&route.method), route.path, op);
        }
        for route in crate::store::route_table() {
            let op = OperationBuilder::new()
                .parameters(Some(path_params(route.path)))
                .tag("Store")
                .description(Some(
                    "Medusa v2 compatible; scoped to the publishable key's sales channels."
                        .to_string(),
                ))
                .parameter(
                    ParameterBuilder::new()
                        .name(crate::store::PUBLISHABLE_KEY_HEADER)
                        .parameter_in(ParameterIn::Header)
                        .required(Required::True)
                        .schema(Some(string()))
                        .build(),
                )
                .response("200", ok())
                .response("400", error())
                .response("404", error());
            // Cart writes retry a change that raced another, then give up with a conflict.
            let op = match route.method {
                axum::http::Method::GET => op,
                _ => op.response("409", error()),
            };
            add(method_of(&route.method), route.path, op.build());
        }
        // Annotated operations name their path parameters only where they describe them: declare
        // every `{name}` of every template, so the document is valid for clients and testers.
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in ops.into_iter().flatten() {
                let params = op.parameters.get_or_insert_with(Vec::new);
                for p in path_params(path) {
                    let declared = params
                        .iter()
                        .any(|q| q.name == p.name && q.parameter_in == ParameterIn::Path);
                    if !declared {
                        params.push(p);
                    }
                }
            }
        }
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
