//! Input the Store API refuses the same way on every route that takes it: emails, metadata, list
//! paging, order and date filters — each a 400 `invalid_data` — and an over-long URI, a 414 with
//! the same `{"type","message"}` body as every other error.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::app_test;
use crate::checkout::{empty_cart, setup, store, write_cart, Shop};
use crate::helpers::{customer, TestApp, TestResponse};

async fn as_customer(
    app: &TestApp,
    s: &Shop,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> TestResponse {
    app.call(
        method,
        path,
        Some(token),
        body.as_ref(),
        &[("x-publishable-api-key", &s.pk)],
    )
    .await
}

async fn emails(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 5).await;
    for bad in [
        "not-an-email",
        "ada@example",
        "a b@example.com",
        "@example.com",
    ] {
        store(
            &app,
            &s,
            Method::POST,
            "/store/carts",
            Some(json!({"region_id": s.region, "email": bad})),
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
        let cart = empty_cart(&app, &s).await;
        store(
            &app,
            &s,
            Method::POST,
            &format!("/store/carts/{cart}"),
            Some(json!({"email": bad})),
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    }
    let made = write_cart(
        &app,
        &s,
        "/store/carts",
        json!({"region_id": s.region, "email": " Ada@Example.COM "}),
    )
    .await;
    assert_eq!(made["email"], "ada@example.com");
}
app_test!(
    a_cart_takes_only_valid_emails_when_created_as_when_updated,
    emails
);

