//! The foundation every route stands on: health, errors for bad requests, metrics, CORS, OpenAPI.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use merx_db::Backend;
use merx_http::extract::ApiJson;
use merx_http::{AppState, HttpConfig};
use serde_json::json;

use crate::app_test;
use crate::helpers::{with_custom_app, TestApp};

async fn health_is_ok(app: TestApp) {
    let res = app.get("/health").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.text(), "OK");
    assert!(res.headers.contains_key("x-request-id"));
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json(), json!({"status": "ok", "database": "ok"}));
}
app_test!(health_and_readiness_answer_200, health_is_ok);

async fn request_ids_are_kept_or_made(app: TestApp) {
    let res = app
        .send(
            Request::builder()
                .uri("/health")
                .header("x-request-id", "abc-123")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.headers["x-request-id"], "abc-123");
    let a = app.get("/health").await.headers["x-request-id"].clone();
    let b = app.get("/health").await.headers["x-request-id"].clone();
    assert_ne!(a, b);
}
app_test!(
    request_ids_are_echoed_or_generated,
    request_ids_are_kept_or_made
);

async fn unknown_routes_are_404(app: TestApp) {
    let res = app.get("/store/nothing-here").await;
    res.assert_error(StatusCode::NOT_FOUND, "not_found");
    assert!(res.json()["message"]
        .as_str()
        .unwrap()
        .contains("/store/nothing-here"));
    let res = app.post_json("/health", &json!({})).await;
    res.assert_error(StatusCode::METHOD_NOT_ALLOWED, "not_allowed");
}
app_test!(
    unknown_routes_and_methods_get_medusa_error_bodies,
    unknown_routes_are_404
);

#[derive(serde::Deserialize)]
struct EchoBody {
    name: String,
}

async fn echo(ApiJson(body): ApiJson<EchoBody>) -> String {
    body.name
}

async fn boom() -> &'static str {
    panic!("handler bug")
}

fn extensions() -> Router<AppState> {
    Router::new()
        .route("/echo", post(echo))
        .route("/boom", get(boom))
}

async fn bad_bodies(app: TestApp) {
    let ok = app.post_json("/echo", &json!({"name": "x"})).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.text(), "x");

    let malformed = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/echo")
                .header("content-type", "application/json")
                .body(Body::from("{\"name\": "))
                .unwrap(),
        )
        .await;
    malformed.assert_error(StatusCode::BAD_REQUEST, "invalid_data");

    let wrong_type = app.post_json("/echo", &json!({"name": 5})).await;
    wrong_type.assert_error(StatusCode::BAD_REQUEST, "invalid_data");

    let wrong_content_type = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/echo")
                .header("content-type", "text/plain")
                .body(Body::from("{\"name\":\"x\"}"))
                .unwrap(),
        )
        .await;
    wrong_content_type.assert_error(StatusCode::BAD_REQUEST, "invalid_data");

    let big = "x".repeat(2048);
    let too_large = app.post_json("/echo", &json!({ "name": big })).await;
    too_large.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "invalid_data");

    let panicked = app.get("/boom").await;
    panicked.assert_error(StatusCode::INTERNAL_SERVER_ERROR, "unexpected_state");
    assert!(
        !panicked.text().contains("handler bug"),
        "no internals leak"
    );
}

fn small_limit() -> HttpConfig {
    HttpConfig {
        body_limit_bytes: 1024,
        ..HttpConfig::default()
    }
}

#[tokio::test]
async fn bad_bodies_are_4xx_with_medusa_bodies_on_sqlite() {
    with_custom_app(Backend::Sqlite, small_limit(), extensions(), bad_bodies).await
}

#[tokio::test]
async fn bad_bodies_are_4xx_with_medusa_bodies_on_postgres() {
    with_custom_app(Backend::Postgres, small_limit(), extensions(), bad_bodies).await
}

async fn metrics_count_requests(app: TestApp) {
    app.get("/health").await;
    let res = app.get("/metrics").await;
    assert_eq!(res.status, StatusCode::OK);
    let text = res.text();
    assert!(
        text.lines()
            .any(|l| l.starts_with("merx_http_requests_total")
                && l.contains("route=\"/health\"")
                && l.contains("status=\"200\"")),
        "{text}"
    );
    assert!(
        text.contains("merx_http_request_duration_seconds_bucket"),
        "{text}"
    );
}
app_test!(metrics_count_requests_by_route, metrics_count_requests);

async fn cors_allows_configured_origins_only(app: TestApp) {
    let preflight = |origin: &str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/health")
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .body(Body::empty())
            .unwrap()
    };
    let allowed = app.send(preflight("http://localhost:8000")).await;
    assert_eq!(
        allowed.headers["access-control-allow-origin"],
        "http://localhost:8000"
    );
    assert_eq!(allowed.headers["access-control-allow-credentials"], "true");
    let denied = app.send(preflight("https://evil.example")).await;
    assert!(!denied.headers.contains_key("access-control-allow-origin"));
}
app_test!(
    cors_allows_configured_origins_only,
    cors_allows_configured_origins_only
);

/// The served spec equals the committed snapshot; set `MERX_UPDATE_SNAPSHOTS=1` to accept a change.
#[tokio::test]
async fn openapi_spec_matches_the_snapshot() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json");
    let generated = merx_http::openapi::json();
    if std::env::var("MERX_UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "OpenAPI spec changed; review and run with MERX_UPDATE_SNAPSHOTS=1 to accept.\n{generated}"
    );
    let spec: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(spec["paths"]["/health"]["get"].is_object());
    assert!(spec["components"]["schemas"]["ErrorBody"].is_object());
}

/// The spec lists every Store route with its method, the storefront checkout's writes included.
#[tokio::test]
async fn openapi_lists_the_store_checkout_routes_with_their_methods() {
    let spec: serde_json::Value = serde_json::from_str(&merx_http::openapi::json()).unwrap();
    for (method, path) in [
        ("post", "/store/carts"),
        ("get", "/store/carts/{id}"),
        ("post", "/store/carts/{id}"),
        ("post", "/store/carts/{id}/line-items"),
        ("delete", "/store/carts/{id}/line-items/{line_id}"),
        ("get", "/store/shipping-options"),
        ("post", "/store/carts/{id}/shipping-methods"),
        ("post", "/store/payment-collections"),
        ("post", "/store/payment-collections/{id}/payment-sessions"),
        ("post", "/store/carts/{id}/complete"),
        ("get", "/store/orders/{id}"),
        ("get", "/store/return-reasons/{id}"),
    ] {
        let op = &spec["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is missing");
        assert_eq!(op["tags"][0], "Store", "{method} {path}");
    }
    assert!(
        spec["paths"]["/store/carts/{id}/complete"]["post"]["responses"]["409"].is_object(),
        "a cart write documents its conflict answer"
    );
}

#[tokio::test]
async fn openapi_is_served_as_json() {
    with_custom_app(
        Backend::Sqlite,
        HttpConfig::default(),
        Router::new(),
        |app| async move {
            let res = app.get("/openapi.json").await;
            assert_eq!(res.status, StatusCode::OK);
            assert_eq!(
                res.json(),
                serde_json::from_str::<serde_json::Value>(&merx_http::openapi::json()).unwrap()
            );
        },
    )
    .await
}

async fn demo_seed_is_idempotent(app: TestApp) {
    let first = merx_core::seed::demo(&app.core).await.unwrap();
    let second = merx_core::seed::demo(&app.core).await.unwrap();
    assert_eq!(first.store_name, second.store_name);
    let stores = app
        .db
        .fetch_all(merx_db::query("SELECT id FROM store"))
        .await
        .unwrap();
    assert_eq!(stores.len(), 1);
}
app_test!(
    seeding_the_demo_twice_keeps_one_store,
    demo_seed_is_idempotent
);

#[test]
fn every_admin_route_is_in_the_openapi_document() {
    let spec: serde_json::Value = serde_json::from_str(&merx_http::openapi::json()).unwrap();
    for route in merx_http::admin::route_table() {
        let method = route.method.as_str().to_lowercase();
        assert!(
            spec["paths"][route.path][&method].is_object(),
            "{} {} is missing from /openapi.json",
            route.method,
            route.path
        );
    }
    assert!(spec["paths"]["/store/products"]["get"].is_object());
}

/// Route modules do not reach into each other: what several of them need (response shapes,
/// bodies, extractors) has a home of its own (`views`, `bodies`, `caller`, …). A route module is a
/// file of `src/store` or `src/admin` whose handlers the router registers.
#[test]
fn no_route_module_imports_a_sibling_route_module() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for area in ["store", "admin"] {
        let dir = src.join(area);
        let router = std::fs::read_to_string(dir.join("mod.rs")).unwrap();
        let modules: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().into_string().unwrap();
                name.strip_suffix(".rs").map(str::to_string)
            })
            .filter(|m| m != "mod")
            .collect();
        // Registered as `m::routes(…)` (Admin) or as a handler after its path (Store).
        let compact: String = router.split_whitespace().collect();
        let routed: Vec<&String> = modules
            .iter()
            .filter(|m| {
                compact.contains(&format!("{m}::routes(")) || compact.contains(&format!("\",{m}::"))
            })
            .collect();
        assert!(!routed.is_empty(), "no route modules found in src/{area}");
        // Nor does the router re-export a route module's items for others to take.
        for m in &routed {
            if router.contains(&format!("use {m}::")) {
                problems.push(format!("src/{area}/mod.rs re-exports items of {m}"));
            }
        }
        for file in std::fs::read_dir(src.join(""))
            .unwrap()
            .chain(std::fs::read_dir(&dir).unwrap())
        {
            let path = file.unwrap().path();
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("mod.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let inside = path.parent() == Some(dir.as_path());
            for m in &routed {
                let crate_path = format!("crate::{area}::{m}::");
                let super_path = format!("super::{m}::");
                let own = path.file_stem().is_some_and(|s| s == m.as_str());
                if text.contains(&crate_path) || (inside && !own && text.contains(&super_path)) {
                    problems.push(format!("{} uses {area}::{m}", path.display()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The document is one a client generator or a contract tester can use: every `{name}` of every
/// route template is a declared path parameter, and every parameter has a schema.
#[test]
fn every_openapi_parameter_is_declared_with_a_schema() {
    let spec: serde_json::Value = serde_json::from_str(&merx_http::openapi::json()).unwrap();
    let mut problems = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for name in path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            {
                if !params
                    .iter()
                    .any(|p| p["name"] == name && p["in"] == "path")
                {
                    problems.push(format!("{method} {path}: path parameter {name} undeclared"));
                }
            }
            for p in &params {
                if p.get("schema").is_none() {
                    problems.push(format!(
                        "{method} {path}: parameter {} has no schema",
                        p["name"]
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
