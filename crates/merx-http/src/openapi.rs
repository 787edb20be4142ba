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
        (name = "Auth", description = "Medusa's emailpass flow: register, log in, sessions, refresh, password reset"),
        (name = "Hooks", description = "Payment providers' webhooks, verified before they are trusted"),
        (name = "Demo", description = "The demo store's product images, drawn and served by Merx (`merx serve --demo`)"),
    )
)]
pub struct ApiDoc;

/// Declares how the Admin API and a customer's Store routes authenticate.
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
        components.add_security_scheme(
            "bearer_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A token from `POST /auth/{user|customer}/emailpass` (or its refresh)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    crate::session::COOKIE,
                    "A session from `POST /auth/session`",
                ),
            )),
        );
    }
}

/// Any one of `schemes` authenticates.
fn any_of(schemes: &[&str]) -> Vec<utoipa::openapi::security::SecurityRequirement> {
    schemes
        .iter()
        .map(|s| utoipa::openapi::security::SecurityRequirement::new(*s, Vec::<String>::new()))
        .collect()
}

/// Adds every route of the router's own tables, documented by its handler's types
/// ([`crate::route_doc`]): each Admin route with its required permission, each Store route with the
/// publishable-key header, both with the errors every route can answer.
struct EveryRoute;

impl utoipa::Modify for EveryRoute {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::OperationBuilder;

        let mut schemas = Vec::new();
        for route in crate::admin::route_table() {
            let doc = (route.operation)();
            let op = OperationBuilder::new()
                .tag("Admin")
                .description(Some(format!(
                    "Requires the `{}` permission.",
                    route.permission
                )))
                .securities(Some(any_of(&[
                    "secret_api_key",
                    "bearer_token",
                    "session_cookie",
                ])));
            let op = errors(op, &[400, 401, 403, 404, 409, 413, 429]);
            add_operation(openapi, &route.method, route.path, op, doc, &mut schemas);
        }
        for route in crate::store::route_table() {
            let doc = (route.operation)();
            let op = OperationBuilder::new()
                .tag("Store")
                .description(Some(
                    "Medusa v2 compatible; scoped to the publishable key's sales channels."
                        .to_string(),
                ))
                .parameter(header(crate::store::PUBLISHABLE_KEY_HEADER));
            // Routes that act for a logged-in customer say how the customer signs in.
            let op = match doc.needs_customer {
                true => op.securities(Some(any_of(&["bearer_token", "session_cookie"]))),
                false => op,
            };
            // Cart writes retry a change that raced another, then give up with a conflict.
            let op = errors(op, &[400, 401, 404, 409, 413, 429]);
            add_operation(openapi, &route.method, route.path, op, doc, &mut schemas);
        }
        for route in crate::public_route_table() {
            let doc = (route.operation)();
            let op = OperationBuilder::new().tag(route.tag);
            let op = errors(op, &[400, 401, 404, 413, 429]);
            add_operation(openapi, &route.method, route.path, op, doc, &mut schemas);
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, schema) in schemas {
            components.schemas.entry(name).or_insert(schema);
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
                    let declared = params.iter().any(|q| {
                        q.name == p.name
                            && q.parameter_in == utoipa::openapi::path::ParameterIn::Path
                    });
                    if !declared {
                        params.push(p);
                    }
                }
            }
        }
    }
}

/// Schemas that two different types publish under one name: each of these names would document
/// one of the types wrongly. The OpenAPI test asserts there are none.
pub fn schema_name_clashes() -> Vec<String> {
    let mut seen = std::collections::BTreeMap::new();
    let mut clashes = Vec::new();
    let docs = crate::admin::route_table()
        .into_iter()
        .map(|r| (r.operation)())
        .chain(
            crate::store::route_table()
                .into_iter()
                .map(|r| (r.operation)()),
        );
    for doc in docs {
        for (name, schema) in doc.schemas {
            let text = serde_json::to_string(&schema).unwrap_or_default();
            match seen.get(&name) {
                Some(previous) if previous != &text => clashes.push(name),
                Some(_) => {}
                None => {
                    seen.insert(name, text);
                }
            }
        }
    }
    clashes.sort();
    clashes.dedup();
    clashes
}

fn string_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .build()
}

fn header(name: &str) -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(utoipa::openapi::Required::True)
        .schema(Some(string_schema()))
        .build()
}

/// Every `{name}` of a route template, as a required string path parameter.
fn path_params(path: &str) -> Vec<utoipa::openapi::path::Parameter> {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(utoipa::openapi::Required::True)
                .schema(Some(string_schema()))
                .build()
        })
        .collect()
}

/// The error answers `codes`, each a `{"type", "message"}` body, and any other as the default.
fn errors(
    mut op: utoipa::openapi::path::OperationBuilder,
    codes: &[u16],
) -> utoipa::openapi::path::OperationBuilder {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let body = || {
        ResponseBuilder::new()
            .description("An error: `{\"type\", \"message\"}`")
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    for code in codes {
        op = op.response(code.to_string(), body());
    }
    op.response("default", body())
}

/// Adds `op` at `method path` with what its handler documents, unless an annotated operation is
/// already there.
fn add_operation(
    openapi: &mut utoipa::openapi::OpenApi,
    method: &axum::http::Method,
    path: &str,
    op: utoipa::openapi::path::OperationBuilder,
    doc: crate::route_doc::OperationDoc,
    schemas: &mut Vec<(
        String,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    )>,
) {
    use utoipa::openapi::path::{HttpMethod, PathItem};
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::{ContentBuilder, ResponseBuilder};

    let method = match *method {
        axum::http::Method::POST => HttpMethod::Post,
        axum::http::Method::DELETE => HttpMethod::Delete,
        axum::http::Method::PUT => HttpMethod::Put,
        axum::http::Method::PATCH => HttpMethod::Patch,
        _ => HttpMethod::Get,
    };
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
    if exists {
        return;
    }
    let mut params = path_params(path);
    params.extend(doc.query);
    let mut op = op.parameters(Some(params));
    if let Some((schema, required)) = doc.request {
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(schema)).build(),
                )
                .required(Some(required))
                .build(),
        ));
    }
    let op = match doc.success_text {
        Some(status) => op.response(
            status.to_string(),
            ResponseBuilder::new()
                .description("Success")
                .content(
                    "text/plain",
                    ContentBuilder::new().schema(Some(string_schema())).build(),
                )
                .build(),
        ),
        None => op,
    };
    let op = match doc.success_binary {
        Some((status, media_type)) => op.response(
            status.to_string(),
            ResponseBuilder::new()
                .description("Success")
                .content(
                    media_type,
                    ContentBuilder::new()
                        .schema(Some(
                            utoipa::openapi::ObjectBuilder::new()
                                .schema_type(utoipa::openapi::schema::Type::String)
                                .content_media_type(media_type)
                                .build(),
                        ))
                        .build(),
                )
                .build(),
        ),
        None => op,
    };
    let op = match doc.success {
        Some((status, schema)) => op.response(
            status.to_string(),
            ResponseBuilder::new()
                .description("Success")
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(schema)).build(),
                )
                .build(),
        ),
        None if doc.success_text.is_some() || doc.success_binary.is_some() => op,
        None => op.response("200", ResponseBuilder::new().description("Success").build()),
    };
    schemas.extend(doc.schemas);
    let item = PathItem::new(method, op.build());
    match openapi.paths.paths.get_mut(path) {
        Some(existing) => existing.merge_operations(item),
        None => {
            openapi.paths.paths.insert(path.to_string(), item);
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
