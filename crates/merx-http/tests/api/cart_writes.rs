//! Cart writes answer with the cart they wrote, computed in memory rather than read back: every
//! answer must equal what a read shows afterwards, and concurrent writes to one cart must not lose
//! each other's changes.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::app_test;
use crate::checkout::{
    complete, empty_cart, pay_with, setup, spawn_store, store, write_cart, Shop,
};
use crate::helpers::TestApp;

async fn read_cart(app: &TestApp, s: &Shop, id: &str) -> Value {
    store(app, s, Method::GET, &format!("/store/carts/{id}"), None)
        .await
        .ok()["cart"]
        .clone()
}

/// Asserts that a write's answer is the cart a read now returns, field for field.
async fn answers_as_read(app: &TestApp, s: &Shop, step: &str, answered: &Value) {
    let id = answered["id"].as_str().unwrap();
    let read = read_cart(app, s, id).await;
    assert_eq!(answered, &read, "{step}: the answer differs from a read");
}

async fn cart_writes_answer_what_reads_show(app: TestApp) {
    let s = setup(&app, "eur", 12.5, 100).await;
    let created = write_cart(&app, &s, "/store/carts", json!({"region_id": s.region, "email": "Buyer@Example.com",
        "metadata": {"source": "test"},
        "shipping_address": {"first_name": "B", "address_1": "Str 1", "city": "Berlin", "country_code": "de", "postal_code": "10115"}})).await;
    answers_as_read(&app, &s, "create", &created).await;
    let id = created["id"].as_str().unwrap().to_string();
    let items = format!("/store/carts/{id}/line-items");

    let added = write_cart(
        &app,
        &s,
        &items,
        json!({"variant_id": s.variant, "quantity": 2}),
    )
    .await;
    assert_eq!(added["items"][0]["quantity"], 2);
    assert_eq!(added["item_subtotal"], json!(25));
    answers_as_read(&app, &s, "add a line", &added).await;

    let again = write_cart(
        &app,
        &s,
        &items,
        json!({"variant_id": s.variant, "quantity": 1}),
    )
    .await;
    assert_eq!(
        again["items"].as_array().unwrap().len(),
        1,
        "same variant, same line"
    );
    assert_eq!(again["items"][0]["quantity"], 3);
    answers_as_read(&app, &s, "add to a line", &again).await;

    let line = again["items"][0]["id"].as_str().unwrap().to_string();
    let updated = write_cart(&app, &s, &format!("{items}/{line}"), json!({"quantity": 4})).await;
    assert_eq!(updated["items"][0]["quantity"], 4);
    answers_as_read(&app, &s, "update a line", &updated).await;

    let with_meta = write_cart(
        &app,
        &s,
        &format!("{items}/{line}"),
        json!({"quantity": 4, "metadata": {"gift": true}}),
    )
    .await;
    assert_eq!(with_meta["items"][0]["metadata"], json!({"gift": true}));
    answers_as_read(&app, &s, "update a line's metadata", &with_meta).await;

    let shipped = write_cart(
        &app,
        &s,
        &format!("/store/carts/{id}/shipping-methods"),
        json!({"option_id": s.option}),
    )
    .await;
    assert_eq!(shipped["shipping_methods"].as_array().unwrap().len(), 1);
    assert_eq!(shipped["shipping_total"], json!(5.95), "5 plus 19% VAT");
    answers_as_read(&app, &s, "add a shipping method", &shipped).await;

    let emailed = write_cart(
        &app,
        &s,
        &format!("/store/carts/{id}"),
        json!({"email": "other@example.com"}),
    )
    .await;
    assert_eq!(emailed["email"], "other@example.com");
    assert_eq!(emailed["shipping_methods"], shipped["shipping_methods"]);
    answers_as_read(&app, &s, "update the cart", &emailed).await;

    let pc = store(
        &app,
        &s,
        Method::POST,
        "/store/payment-collections",
        Some(json!({"cart_id": id})),
    )
    .await
    .ok()["payment_collection"]
        .clone();
    let session = store(
        &app,
        &s,
        Method::POST,
        &format!(
            "/store/payment-collections/{}/payment-sessions",
            pc["id"].as_str().unwrap()
        ),
        Some(json!({"provider_id": "pp_system_default", "context": {"ip": "127.0.0.1"}})),
    )
    .await
    .ok()["payment_collection"]
        .clone();
    assert_eq!(session["status"], "awaiting");
    assert_eq!(session["payment_sessions"].as_array().unwrap().len(), 1);
    let read = read_cart(&app, &s, &id).await;
    assert_eq!(
        session, read["payment_collection"],
        "the session's answer differs from a read"
    );

    let deleted = store(&app, &s, Method::DELETE, &format!("{items}/{line}"), None)
        .await
        .ok();
    assert_eq!(deleted["deleted"], true);
    assert_eq!(deleted["parent"]["items"], json!([]));
    answers_as_read(&app, &s, "delete a line", &deleted["parent"]).await;
}

app_test!(
    cart_writes_answer_what_reads_show,
    cart_writes_answer_what_reads_show
);

/// Eight buyers' tabs add one unit each to one cart at once: every addition that succeeded is in
/// the cart (none overwrote another), and any that gave up did so with a clean 409.
async fn concurrent_additions_lose_nothing(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 100).await;
    let id = empty_cart(&app, &s).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        tasks.push(spawn_store(
            &app,
            &s,
            Method::POST,
            format!("/store/carts/{id}/line-items"),
            Some(json!({"variant_id": s.variant, "quantity": 1})),
        ));
    }
    let mut added = 0;
    for t in tasks {
        let res = t.await.unwrap();
        let (status, body) = (res.status, res.json());
        match status {
            StatusCode::OK => added += 1,
            StatusCode::CONFLICT => assert_eq!(body["type"], "conflict", "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(added >= 1, "at least one addition goes through");
    let read = read_cart(&app, &s, &id).await;
    assert_eq!(read["items"].as_array().unwrap().len(), 1);
    assert_eq!(read["items"][0]["quantity"], added, "no addition was lost");
}

app_test!(
    concurrent_additions_lose_nothing,
    concurrent_additions_lose_nothing
);

/// Completing answers with the order as it was written; it must be the order a read shows, lines
/// in the same order.
async fn completion_answers_what_reads_show(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 100).await;
    let web =
        app.get_as("/admin/sales-channels", &s.admin).await.ok()["sales_channels"][0]["id"].clone();
    let mut variants = vec![s.variant.clone()];
    for n in 0..3 {
        let p = app
            .post_as(
                "/admin/products",
                &s.admin,
                &json!({"title": format!("Extra {n}"), "status": "published", "sales_channels": [{"id": web}],
                    "variants": [{"title": "X", "manage_inventory": false, "prices": [{"currency_code": "eur", "amount": 3 + n}]}]}),
            )
            .await
            .ok();
        variants.push(
            p["product"]["variants"][0]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let cart = store(&app, &s, Method::POST, "/store/carts", Some(json!({"region_id": s.region, "email": "buyer@example.com",
        "shipping_address": {"first_name": "B", "address_1": "Str 1", "city": "Berlin", "country_code": "de", "postal_code": "10115"}})))
        .await
        .ok();
    let id = cart["cart"]["id"].as_str().unwrap().to_string();
    for v in &variants {
        store(
            &app,
            &s,
            Method::POST,
            &format!("/store/carts/{id}/line-items"),
            Some(json!({"variant_id": v, "quantity": 2})),
        )
        .await
        .ok();
    }
    store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{id}/shipping-methods"),
        Some(json!({"option_id": s.option})),
    )
    .await
    .ok();
    pay_with(&app, &s, &id, "pp_system_default").await;
    let done = complete(&app, &s, &id).await;
    assert_eq!(done["type"], "order", "{done}");
    let order = &done["order"];
    assert_eq!(order["items"].as_array().unwrap().len(), 4);
    assert_eq!(order["item_subtotal"], json!(20 + 6 + 8 + 10));
    let read = store(
        &app,
        &s,
        Method::GET,
        &format!("/store/orders/{}", order["id"].as_str().unwrap()),
        None,
    )
    .await
    .ok();
    assert_eq!(
        order, &read["order"],
        "the completion's answer differs from a read"
    );
    let again = complete(&app, &s, &id).await;
    assert_eq!(
        &again["order"], order,
        "completing again answers the same order"
    );
}

app_test!(
    completion_answers_what_reads_show,
    completion_answers_what_reads_show
);

/// A line keeps what the product was when added: type, collection, option values, categories and
/// tags as the product read shows them, in its order.
async fn lines_snapshot_what_product_reads_show(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 100).await;
    let admin = &s.admin;
    let id_of = |v: &Value, key: &str| v[key]["id"].as_str().unwrap().to_string();
    let web =
        app.get_as("/admin/sales-channels", admin).await.ok()["sales_channels"][0]["id"].clone();
    let mut categories = Vec::new();
    for (name, rank) in [("Zeta", 0), ("Alpha", 1), ("Mid", 2)] {
        let c = app
            .post_as(
                "/admin/product-categories",
                admin,
                &json!({"name": name, "rank": rank}),
            )
            .await
            .ok();
        categories.push(id_of(&c, "product_category"));
    }
    let mut tags = Vec::new();
    for value in ["zinc", "amber", "eco"] {
        let t = app
            .post_as("/admin/product-tags", admin, &json!({"value": value}))
            .await
            .ok();
        tags.push(id_of(&t, "product_tag"));
    }
    let collection = id_of(
        &app.post_as("/admin/collections", admin, &json!({"title": "Summer"}))
            .await
            .ok(),
        "collection",
    );
    let kind = id_of(
        &app.post_as("/admin/product-types", admin, &json!({"value": "Apparel"}))
            .await
            .ok(),
        "product_type",
    );
    let product = app
        .post_as(
            "/admin/products",
            admin,
            &json!({
                "title": "Linen Shirt", "status": "published", "subtitle": "Breezy", "description": "Light",
                "options": [{"title": "Size", "values": ["S", "M"]}, {"title": "Color", "values": ["Red", "Blue"]}],
                "variants": [
                    {"title": "M / Blue", "sku": "LS-M-B", "barcode": "123", "manage_inventory": false,
                     "options": {"Size": "M", "Color": "Blue"}, "prices": [{"currency_code": "eur", "amount": 40}]},
                    {"title": "S / Red", "sku": "LS-S-R", "manage_inventory": false,
                     "options": {"Size": "S", "Color": "Red"}, "prices": [{"currency_code": "eur", "amount": 40}]}
                ],
                "collection_id": collection, "type_id": kind,
                "tags": tags.iter().map(|t| json!({"id": t})).collect::<Vec<_>>(),
                "categories": categories.iter().map(|c| json!({"id": c})).collect::<Vec<_>>(),
                "sales_channels": [{"id": web}],
            }),
        )
        .await
        .ok()["product"]
        .clone();
    let variant = product["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["sku"] == "LS-M-B")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let read = app
        .get_as(
            &format!("/admin/products/{}", product["id"].as_str().unwrap()),
            admin,
        )
        .await
        .ok()["product"]
        .clone();
    let ids = |list: &Value| -> Vec<Value> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].clone())
            .collect()
    };
    let id = empty_cart(&app, &s).await;
    let line = store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{id}/line-items"),
        Some(json!({"variant_id": variant, "quantity": 1})),
    )
    .await
    .ok()["cart"]["items"][0]
        .clone();
    assert_eq!(line["product_title"], "Linen Shirt");
    assert_eq!(line["product_subtitle"], "Breezy");
    assert_eq!(line["product_description"], "Light");
    assert_eq!(line["product_type"], "Apparel");
    assert_eq!(line["product_type_id"], json!(kind));
    assert_eq!(line["product_collection"], "Summer");
    assert_eq!(line["variant_title"], "M / Blue");
    assert_eq!(line["variant_sku"], "LS-M-B");
    assert_eq!(line["variant_barcode"], "123");
    assert_eq!(
        line["variant_option_values"],
        json!({"Size": "M", "Color": "Blue"})
    );
    assert_eq!(
        ids(&line["product"]["categories"]),
        ids(&read["categories"]),
        "categories as the product lists them"
    );
    assert_eq!(
        ids(&line["product"]["tags"]),
        ids(&read["tags"]),
        "tags as the product lists them"
    );
    assert_eq!(ids(&line["product"]["categories"]).len(), 3);
    assert_eq!(ids(&line["product"]["tags"]).len(), 3);
}

app_test!(
    lines_snapshot_what_product_reads_show,
    lines_snapshot_what_product_reads_show
);

/// `metadata: null` on a cart update clears it; leaving the field out keeps it.
async fn null_metadata_clears_a_carts_metadata(app: TestApp) {
    let s = setup(&app, "eur", 12.5, 100).await;
    let created = write_cart(
        &app,
        &s,
        "/store/carts",
        json!({"region_id": s.region, "metadata": {"source": "ad"}}),
    )
    .await;
    let path = format!("/store/carts/{}", created["id"].as_str().unwrap());
    let kept = write_cart(&app, &s, &path, json!({"email": "b@example.com"})).await;
    assert_eq!(kept["metadata"], json!({"source": "ad"}), "absent keeps it");
    let cleared = write_cart(&app, &s, &path, json!({"metadata": null})).await;
    assert_eq!(cleared["metadata"], Value::Null, "null clears it");
    answers_as_read(&app, &s, "clear metadata", &cleared).await;
}
app_test!(
    null_metadata_on_a_cart_update_clears_it,
    null_metadata_clears_a_carts_metadata
);
