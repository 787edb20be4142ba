//! Input the Admin API refuses, found by the contract tests (`.ci/contract`): `metadata` that is
//! not an object on every resource that carries it, and category parents that do not exist or
//! would make the tree loop. Each is a 400 and changes nothing.

use axum::http::StatusCode;
use merx_core::auth::Role;
use serde_json::{json, Value};

use crate::app_test;
use crate::helpers::TestApp;

async fn created(app: &TestApp, key: &str, path: &str, body: Value, field: &str) -> String {
    let res = app.post_as(path, key, &body).await;
    assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.text());
    res.json()[field]["id"].as_str().unwrap().to_string()
}

async fn metadata_must_be_an_object(app: TestApp) {
    let key = app.admin_key(Role::Owner).await;
    let resources = [
        (
            "/admin/collections",
            json!({"title": "Summer"}),
            "collection",
        ),
        (
            "/admin/product-tags",
            json!({"value": "sale"}),
            "product_tag",
        ),
        (
            "/admin/product-types",
            json!({"value": "shirt"}),
            "product_type",
        ),
        (
            "/admin/product-categories",
            json!({"name": "Tops"}),
            "product_category",
        ),
        (
            "/admin/customer-groups",
            json!({"name": "VIP"}),
            "customer_group",
        ),
        (
            "/admin/sales-channels",
            json!({"name": "Web"}),
            "sales_channel",
        ),
        (
            "/admin/stock-locations",
            json!({"name": "Depot"}),
            "stock_location",
        ),
    ];
    for (path, body, field) in resources {
        for bad in [json!(5), json!([1, 2]), json!("x"), json!(true)] {
            let mut with = body.clone();
            with["metadata"] = bad.clone();
            let res = app.post_as(path, &key, &with).await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "create {path} {bad}");
            assert_eq!(res.json()["type"], "invalid_data");
        }
        let id = created(&app, &key, path, body, field).await;
        let one = format!("{path}/{id}");
        let res = app.post_as(&one, &key, &json!({"metadata": [null]})).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "update {one}");
        let res = app
            .post_as(&one, &key, &json!({"metadata": {"a": 1}}))
            .await;
        assert_eq!(res.status, StatusCode::OK, "update {one}: {}", res.text());
        assert_eq!(res.json()[field]["metadata"], json!({"a": 1}), "{one}");
        let read = app.get_as(&one, &key).await;
        assert_eq!(read.json()[field]["metadata"], json!({"a": 1}), "{one}");
    }
}
app_test!(
    admin_metadata_that_is_not_an_object_is_refused,
    metadata_must_be_an_object
);

async fn category_parents_must_exist_and_not_loop(app: TestApp) {
    let key = app.admin_key(Role::Owner).await;
    let path = "/admin/product-categories";
    let top = created(&app, &key, path, json!({"name": "Top"}), "product_category").await;
    let mid = created(
        &app,
        &key,
        path,
        json!({"name": "Mid", "parent_category_id": top}),
        "product_category",
    )
    .await;
    let low = created(
        &app,
        &key,
        path,
        json!({"name": "Low", "parent_category_id": mid}),
        "product_category",
    )
    .await;
    for (id, parent) in [
        (&top, "pcat_missing"),
        (&top, low.as_str()),
        (&top, mid.as_str()),
        (&mid, low.as_str()),
        (&top, top.as_str()),
    ] {
        let res = app
            .post_as(
                &format!("{path}/{id}"),
                &key,
                &json!({"parent_category_id": parent}),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{id} under {parent}");
        assert_eq!(res.json()["type"], "invalid_data");
    }
    let top_now = app.get_as(&format!("{path}/{top}"), &key).await.json();
    assert_eq!(
        top_now["product_category"]["parent_category_id"],
        Value::Null
    );
    // A legal move still works: Low up under Top.
    let res = app
        .post_as(
            &format!("{path}/{low}"),
            &key,
            &json!({"parent_category_id": top}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["product_category"]["parent_category_id"], top);
}
app_test!(
    category_parents_that_are_missing_or_descendants_are_refused,
    category_parents_must_exist_and_not_loop
);
