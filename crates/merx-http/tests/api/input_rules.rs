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

async fn metadata(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 5).await;
    let (token, _) = customer(&app, &s.pk, "ada@example.com").await;
    let cart = empty_cart(&app, &s).await;
    let line = write_cart(
        &app,
        &s,
        &format!("/store/carts/{cart}/line-items"),
        json!({"variant_id": s.variant, "quantity": 1, "metadata": {"gift": true}}),
    )
    .await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let address =
        |metadata: Value| json!({"first_name": "A", "country_code": "de", "metadata": metadata});
    for bad in [json!("str"), json!(1), json!([1]), json!(true)] {
        let guest_writes = [
            (
                "/store/carts".to_string(),
                json!({"region_id": s.region, "metadata": bad}),
            ),
            (format!("/store/carts/{cart}"), json!({"metadata": bad})),
            (
                format!("/store/carts/{cart}"),
                json!({"shipping_address": address(bad.clone())}),
            ),
            (
                format!("/store/carts/{cart}/line-items"),
                json!({"variant_id": s.variant, "quantity": 1, "metadata": bad}),
            ),
            (
                format!("/store/carts/{cart}/line-items/{line}"),
                json!({"quantity": 2, "metadata": bad}),
            ),
        ];
        for (path, body) in guest_writes {
            let res = store(&app, &s, Method::POST, &path, Some(body)).await;
            res.assert_error(StatusCode::BAD_REQUEST, "invalid_data");
            assert!(res.text().contains("metadata"), "{path}: {}", res.text());
        }
        for (path, body) in [
            ("/store/customers/me", json!({"metadata": bad})),
            ("/store/customers/me/addresses", address(bad.clone())),
        ] {
            as_customer(&app, &s, &token, Method::POST, path, Some(body))
                .await
                .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
        }
    }
    // Nothing stuck; an object or null is fine.
    let now = write_cart(
        &app,
        &s,
        &format!("/store/carts/{cart}/line-items/{line}"),
        json!({"quantity": 1, "metadata": null}),
    )
    .await;
    assert_eq!(now["items"][0]["metadata"], json!({"gift": true}));
    assert_eq!(now["items"].as_array().unwrap().len(), 1);
    let now = write_cart(
        &app,
        &s,
        &format!("/store/carts/{cart}"),
        json!({"metadata": {"note": "ring twice"}}),
    )
    .await;
    assert_eq!(now["metadata"], json!({"note": "ring twice"}));
    let me = as_customer(
        &app,
        &s,
        &token,
        Method::POST,
        "/store/customers/me",
        Some(json!({"metadata": null})),
    )
    .await
    .ok();
    assert_eq!(me["customer"]["metadata"], Value::Null);
}
app_test!(
    metadata_must_be_an_object_or_null_on_every_store_write,
    metadata
);

