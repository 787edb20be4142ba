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

/// Every Store list route, as the guest or customer who may read it.
fn lists(s: &Shop) -> Vec<(String, bool)> {
    [
        ("/store/products", false),
        ("/store/regions", false),
        ("/store/currencies", false),
        ("/store/collections", false),
        ("/store/product-categories", false),
        ("/store/product-tags", false),
        ("/store/product-types", false),
        ("/store/return-reasons", false),
        ("/store/orders", true),
        ("/store/customers/me/addresses", true),
    ]
    .into_iter()
    .map(|(p, auth)| (p.to_string(), auth))
    .chain([(
        format!("/store/payment-providers?region_id={}", s.region),
        false,
    )])
    .collect()
}

async fn get(app: &TestApp, s: &Shop, token: &str, path: &str, auth: bool) -> TestResponse {
    if auth {
        as_customer(app, s, token, Method::GET, path, None).await
    } else {
        store(app, s, Method::GET, path, None).await
    }
}

fn with(path: &str, query: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{query}")
}

async fn list_parameters(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 5).await;
    let (token, _) = customer(&app, &s.pk, "ada@example.com").await;
    for (path, auth) in lists(&s) {
        get(&app, &s, &token, &path, auth).await.ok();
        for bad in ["limit=-1", "offset=-1", "limit=ten", "order=no_such_field"] {
            let res = get(&app, &s, &token, &with(&path, bad), auth).await;
            res.assert_error(StatusCode::BAD_REQUEST, "invalid_data");
        }
    }
    let dated = [
        "/store/products",
        "/store/regions",
        "/store/collections",
        "/store/product-categories",
        "/store/product-tags",
        "/store/product-types",
        "/store/return-reasons",
        "/store/orders",
        "/store/customers/me/addresses",
    ];
    for path in dated {
        let auth = path == "/store/orders" || path.starts_with("/store/customers");
        for bad in [
            "created_at[$gt]=yesterday",
            "updated_at[$lte]=2024-13-45",
            "created_at[$near]=2024-01-01",
        ] {
            let res = get(&app, &s, &token, &with(path, bad), auth).await;
            res.assert_error(StatusCode::BAD_REQUEST, "invalid_data");
        }
        get(
            &app,
            &s,
            &token,
            &with(path, "created_at[$gte]=2024-01-01&order=-created_at"),
            auth,
        )
        .await
        .ok();
    }
}
app_test!(
    every_store_list_refuses_negative_pages_unknown_orders_and_bad_dates,
    list_parameters
);

async fn lists_follow_order_and_dates(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 5).await;
    for (value, label) in [
        ("b_size", "Size"),
        ("a_color", "Colour"),
        ("c_late", "Late"),
    ] {
        app.post_as(
            "/admin/return-reasons",
            &s.admin,
            &json!({"value": value, "label": label}),
        )
        .await
        .ok();
    }
    let values = |body: &Value, list: &str, field: &str| -> Vec<String> {
        body[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[field].as_str().unwrap().to_string())
            .collect()
    };
    let all = store(
        &app,
        &s,
        Method::GET,
        "/store/return-reasons?order=-value",
        None,
    )
    .await
    .ok();
    assert_eq!(
        values(&all, "return_reasons", "value"),
        ["c_late", "b_size", "a_color"]
    );
    let page = store(
        &app,
        &s,
        Method::GET,
        "/store/return-reasons?order=label&limit=1&offset=1",
        None,
    )
    .await
    .ok();
    assert_eq!(values(&page, "return_reasons", "value"), ["c_late"]);
    assert_eq!(
        (page["count"].as_i64(), page["limit"].as_i64()),
        (Some(3), Some(1))
    );
    let future = store(
        &app,
        &s,
        Method::GET,
        "/store/return-reasons?created_at[$gt]=2999-01-01",
        None,
    )
    .await
    .ok();
    assert_eq!(future["count"], 0);

    // Regions (SQL) by name, both ways; the setup made "Home" and "Away".
    let up = store(&app, &s, Method::GET, "/store/regions?order=name", None)
        .await
        .ok();
    assert_eq!(values(&up, "regions", "name"), ["Away", "Home"]);
    let down = store(&app, &s, Method::GET, "/store/regions?order=-name", None)
        .await
        .ok();
    assert_eq!(values(&down, "regions", "name"), ["Home", "Away"]);
    let none = store(
        &app,
        &s,
        Method::GET,
        "/store/regions?updated_at[$lt]=2000-01-01",
        None,
    )
    .await
    .ok();
    assert_eq!(none["count"], 0);
}
app_test!(
    store_lists_sort_by_the_order_asked_and_keep_to_the_dates,
    lists_follow_order_and_dates
);

async fn long_uris(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 5).await;
    let long = "x".repeat(20 * 1024);
    for path in [
        format!("/store/products?q={long}"),
        format!("/store/{long}"),
        format!("/admin/products?q={long}"),
    ] {
        let res = store(&app, &s, Method::GET, &path, None).await;
        res.assert_error(StatusCode::URI_TOO_LONG, "invalid_data");
        assert_eq!(res.headers["content-type"], "application/json");
    }
    // Just under the limit is served.
    let fits = format!("/store/products?q={}", "x".repeat(15 * 1024));
    store(&app, &s, Method::GET, &fits, None).await.ok();
}
app_test!(an_overlong_uri_is_a_414_with_a_json_error_body, long_uris);
