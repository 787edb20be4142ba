//! Inventory through the Admin and Store APIs: no oversell under concurrency (two app instances on
//! one database), backorders, unmanaged variants, bundles all-or-nothing, events in the same
//! transaction, the audit trail and availability on the Store API.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use merx_core::auth::Role;
use merx_db::testing::TestDb;
use merx_db::{query, Backend, Db, DbOptions};
use merx_http::HttpConfig;
use serde_json::{json, Value};

use crate::app_test;
use crate::helpers::TestApp;

struct Setup {
    admin: String,
    pk: String,
    web: String,
    warehouse: String,
    shop_floor: String,
}

async fn post(app: &TestApp, key: &str, path: &str, body: Value) -> Value {
    app.post_as(path, key, &body).await.ok()
}

async fn setup(app: &TestApp) -> Setup {
    let admin = app.admin_key(Role::Admin).await;
    let web = post(app, &admin, "/admin/sales-channels", json!({"name": "Web"})).await
        ["sales_channel"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let key = post(
        app,
        &admin,
        "/admin/api-keys",
        json!({"title": "Storefront", "type": "publishable"}),
    )
    .await;
    let pk = key["api_key"]["token"].as_str().unwrap().to_string();
    post(
        app,
        &admin,
        &format!(
            "/admin/api-keys/{}/sales-channels",
            key["api_key"]["id"].as_str().unwrap()
        ),
        json!({"add": [web]}),
    )
    .await;
    let warehouse = post(app, &admin, "/admin/stock-locations", json!({"name": "Warehouse", "address": {"city": "Berlin", "country_code": "DE", "address_1": "Lager 1"}})).await;
    let warehouse = warehouse["stock_location"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let shop_floor = post(
        app,
        &admin,
        "/admin/stock-locations",
        json!({"name": "Shop"}),
    )
    .await["stock_location"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for loc in [&warehouse, &shop_floor] {
        post(
            app,
            &admin,
            &format!("/admin/stock-locations/{loc}/sales-channels"),
            json!({"add": [web]}),
        )
        .await;
    }
    Setup {
        admin,
        pk,
        web,
        warehouse,
        shop_floor,
    }
}

/// A published product with one variant; returns (variant id, its inventory item id).
async fn product(
    app: &TestApp,
    s: &Setup,
    title: &str,
    variant: Value,
) -> (String, Option<String>) {
    let p = post(app, &s.admin, "/admin/products", json!({"title": title, "status": "published", "sales_channels": [{"id": s.web}], "variants": [variant]})).await;
    let v = p["product"]["variants"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let items = app
        .get_as(
            &format!(
                "/admin/inventory-items?sku={}",
                p["product"]["variants"][0]["sku"]
                    .as_str()
                    .unwrap_or("none")
            ),
            &s.admin,
        )
        .await
        .ok();
    (
        v,
        items["inventory_items"][0]["id"]
            .as_str()
            .map(str::to_string),
    )
}

async fn stock(app: &TestApp, s: &Setup, item: &str, location: &str, qty: i64) {
    post(
        app,
        &s.admin,
        &format!("/admin/inventory-items/{item}/location-levels"),
        json!({"location_id": location, "stocked_quantity": qty}),
    )
    .await;
}

async fn levels(app: &TestApp, s: &Setup, item: &str) -> Vec<(i64, i64)> {
    let v = app
        .get_as(
            &format!("/admin/inventory-items/{item}/location-levels"),
            &s.admin,
        )
        .await
        .ok();
    v["inventory_levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["stocked_quantity"].as_i64().unwrap(),
                l["reserved_quantity"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// N concurrent reservations for K units, spread over two app instances (separate pools, as two
/// processes would have) on one database: exactly K succeed, the rest are clean 400s naming the variant.
async fn no_oversell(backend: Backend) {
    let Some(t) = TestDb::new(backend).await else {
        return;
    };
    let a = TestApp::build(t.db.clone(), HttpConfig::default(), axum::Router::new());
    let other = Db::connect(
        &t.url,
        &DbOptions {
            max_connections: 8,
            ..DbOptions::default()
        },
    )
    .await
    .unwrap();
    let b = TestApp::build(other.clone(), HttpConfig::default(), axum::Router::new());
    let s = setup(&a).await;
    let (variant, item) = product(&a, &s, "Limited Sneaker", json!({"title": "42", "sku": "SNK-42", "prices": [{"currency_code": "eur", "amount": 120}]})).await;
    let item = item.unwrap();
    stock(&a, &s, &item, &s.warehouse, 6).await;
    stock(&a, &s, &item, &s.shop_floor, 4).await;
    let (k, n) = (10, 60);
    let mut tasks = Vec::new();
    for i in 0..n {
        let app = if i % 2 == 0 {
            a.router.clone()
        } else {
            b.router.clone()
        };
        let (path, key, channel) = (
            format!("/admin/product-variants/{variant}/reservations"),
            s.admin.clone(),
            s.web.clone(),
        );
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let req = axum::http::Request::builder()
                .method(Method::POST)
                .uri(path)
                .header("authorization", format!("Bearer {key}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(json!({"quantity": 1, "sales_channel_id": channel, "line_item_id": format!("cali_{i}")}).to_string()))
                .unwrap();
            let res = app.oneshot(req).await.unwrap();
            let status = res.status();
            let body = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
            (status, serde_json::from_slice::<Value>(&body).unwrap())
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        if status == StatusCode::OK {
            ok += 1;
        } else {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(body["type"], "not_allowed");
            assert!(
                body["message"].as_str().unwrap().contains(&variant),
                "{body}"
            );
        }
    }
    assert_eq!(ok, k, "exactly the stocked units were reserved");
    let lv = levels(&a, &s, &item).await;
    assert_eq!(lv.iter().map(|l| l.1).sum::<i64>(), k);
    assert!(
        lv.iter().all(|(stocked, reserved)| stocked - reserved >= 0),
        "{lv:?}"
    );
    let available = a
        .call(
            Method::GET,
            "/store/products?fields=id,variants.inventory_quantity",
            None,
            None,
            &[("x-publishable-api-key", &s.pk)],
        )
        .await
        .ok();
    assert_eq!(
        available["products"][0]["variants"][0]["inventory_quantity"],
        0
    );
    other.close().await;
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reservations_never_oversell_on_sqlite() {
    no_oversell(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reservations_never_oversell_across_two_instances_on_postgres() {
    no_oversell(Backend::Postgres).await
}

async fn backorders_unmanaged_and_bundles(app: TestApp) {
    let s = setup(&app).await;
    let reserve = |variant: String, qty: i64| {
        let app = &app;
        let (admin, web) = (s.admin.clone(), s.web.clone());
        async move {
            app.post_as(
                &format!("/admin/product-variants/{variant}/reservations"),
                &admin,
                &json!({"quantity": qty, "sales_channel_id": web}),
            )
            .await
        }
    };
    // Backorders: reservations may exceed stock.
    let (pre, item) = product(
        &app,
        &s,
        "Preorder Vinyl",
        json!({"title": "LP", "sku": "LP-1", "allow_backorder": true}),
    )
    .await;
    stock(&app, &s, item.as_ref().unwrap(), &s.warehouse, 1).await;
    reserve(pre.clone(), 5).await.ok();
    assert_eq!(levels(&app, &s, item.as_ref().unwrap()).await, vec![(1, 5)]);
    // Restocking a backordered level is allowed even though stock is below the reservations.
    app.post_as(
        &format!(
            "/admin/inventory-items/{}/location-levels/{}",
            item.as_ref().unwrap(),
            s.warehouse
        ),
        &s.admin,
        &json!({"stocked_quantity": 3}),
    )
    .await
    .ok();

    // Unmanaged variants are never limited and reserve nothing.
    let (gift, _) = product(
        &app,
        &s,
        "Gift Card",
        json!({"title": "Card", "manage_inventory": false}),
    )
    .await;
    let made = reserve(gift, 1000).await.ok();
    assert_eq!(made["reservations"], json!([]));

    // A bundle of 2 × A + 1 × B reserves all or nothing.
    let a = post(
        &app,
        &s.admin,
        "/admin/inventory-items",
        json!({"sku": "PART-A", "title": "Part A"}),
    )
    .await["inventory_item"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b = post(
        &app,
        &s.admin,
        "/admin/inventory-items",
        json!({"sku": "PART-B", "title": "Part B"}),
    )
    .await["inventory_item"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    stock(&app, &s, &a, &s.warehouse, 3).await;
    stock(&app, &s, &b, &s.warehouse, 5).await;
    let bundle = post(
        &app,
        &s.admin,
        "/admin/products",
        json!({"title": "Kit", "status": "published", "sales_channels": [{"id": s.web}],
        "variants": [{"title": "Kit", "manage_inventory": true}]}),
    )
    .await;
    let product_id = bundle["product"]["id"].as_str().unwrap();
    let kit = bundle["product"]["variants"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Replace the auto-created item with the two parts.
    let own = app
        .db
        .fetch_one(
            query(
                "SELECT inventory_item_id FROM product_variant_inventory_item WHERE variant_id = ?",
            )
            .bind(&kit),
        )
        .await
        .unwrap()
        .text("inventory_item_id")
        .unwrap();
    app.delete_as(&format!("/admin/inventory-items/{own}"), &s.admin)
        .await
        .ok();
    post(
        &app,
        &s.admin,
        &format!("/admin/products/{product_id}/variants/{kit}/inventory-items"),
        json!({"inventory_item_id": a, "required_quantity": 2}),
    )
    .await;
    post(
        &app,
        &s.admin,
        &format!("/admin/products/{product_id}/variants/{kit}/inventory-items"),
        json!({"inventory_item_id": b, "required_quantity": 1}),
    )
    .await;
    let first = reserve(kit.clone(), 1).await.ok();
    assert_eq!(first["reservations"].as_array().unwrap().len(), 2);
    assert_eq!(levels(&app, &s, &a).await, vec![(3, 2)]);
    assert_eq!(levels(&app, &s, &b).await, vec![(5, 1)]);
    let second = reserve(kit.clone(), 1).await;
    second.assert_error(StatusCode::BAD_REQUEST, "not_allowed");
    assert_eq!(
        levels(&app, &s, &b).await,
        vec![(5, 1)],
        "B was not reserved when A ran out"
    );
    let store_view = app
        .call(
            Method::GET,
            &format!("/store/products/{product_id}?fields=id,variants.inventory_quantity"),
            None,
            None,
            &[("x-publishable-api-key", &s.pk)],
        )
        .await
        .ok();
    assert_eq!(
        store_view["product"]["variants"][0]["inventory_quantity"], 0,
        "1 A left, 2 needed"
    );

    for bad in [
        json!({"quantity": 0, "sales_channel_id": s.web}),
        json!({"quantity": -2, "sales_channel_id": s.web}),
    ] {
        app.post_as(
            &format!("/admin/product-variants/{kit}/reservations"),
            &s.admin,
            &bad,
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    }
    app.post_as(
        "/admin/product-variants/variant_missing/reservations",
        &s.admin,
        &json!({"quantity": 1, "sales_channel_id": s.web}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "not_found");
}
app_test!(
    backorders_pass_zero_unmanaged_variants_are_unlimited_and_bundles_reserve_all_or_nothing,
    backorders_unmanaged_and_bundles
);

async fn level_changes_are_events_and_audited(app: TestApp) {
    let s = setup(&app).await;
    let (_, item) = product(&app, &s, "Lamp", json!({"title": "Lamp", "sku": "LAMP"})).await;
    let item = item.unwrap();
    stock(&app, &s, &item, &s.warehouse, 4).await;
    app.post_as(
        &format!(
            "/admin/inventory-items/{item}/location-levels/{}",
            s.warehouse
        ),
        &s.admin,
        &json!({"stocked_quantity": 9, "reason": "delivery 1234"}),
    )
    .await
    .ok();
    let r = post(
        &app,
        &s.admin,
        "/admin/reservations",
        json!({"inventory_item_id": item, "location_id": s.warehouse, "quantity": 7}),
    )
    .await;
    let rid = r["reservation"]["id"].as_str().unwrap().to_string();
    // Stock cannot drop below what is reserved.
    app.post_as(
        &format!(
            "/admin/inventory-items/{item}/location-levels/{}",
            s.warehouse
        ),
        &s.admin,
        &json!({"stocked_quantity": 5}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "not_allowed");
    // A reservation larger than what is left is refused and writes nothing.
    let events_before = app
        .db
        .fetch_one(query(
            "SELECT COUNT(*) AS n FROM outbox_event WHERE name = 'inventory.level_changed'",
        ))
        .await
        .unwrap()
        .int("n")
        .unwrap();
    app.post_as(
        "/admin/reservations",
        &s.admin,
        &json!({"inventory_item_id": item, "location_id": s.warehouse, "quantity": 3}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "not_allowed");
    let events_after = app
        .db
        .fetch_one(query(
            "SELECT COUNT(*) AS n FROM outbox_event WHERE name = 'inventory.level_changed'",
        ))
        .await
        .unwrap()
        .int("n")
        .unwrap();
    assert_eq!(events_before, events_after);
    app.delete_as(&format!("/admin/reservations/{rid}"), &s.admin)
        .await
        .ok();
    assert_eq!(levels(&app, &s, &item).await, vec![(9, 0)]);

    let events = app
        .db
        .fetch_all(query("SELECT payload FROM outbox_event WHERE name = 'inventory.level_changed' AND aggregate_id = ? ORDER BY seq").bind(&item))
        .await
        .unwrap();
    let states: Vec<(i64, i64)> = events
        .iter()
        .map(|r| {
            let p = r.json("payload").unwrap();
            (
                p["stocked_quantity"].as_i64().unwrap(),
                p["reserved_quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![(4, 0), (9, 0), (9, 7), (9, 0)],
        "one event per change, in order, with the committed state"
    );

    let log = app
        .get_as(
            &format!(
                "/admin/inventory-items/{item}/location-levels/{}/adjustments",
                s.warehouse
            ),
            &s.admin,
        )
        .await
        .ok();
    let reasons: BTreeSet<String> = log["adjustments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["reason"].as_str().unwrap().to_string())
        .collect();
    assert!(
        reasons.contains("delivery 1234")
            && reasons.contains("reservation")
            && reasons.contains("reservation released"),
        "{reasons:?}"
    );
    assert!(log["adjustments"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["actor"].as_str().is_some_and(|x| x.starts_with("apk_"))));

    // Bulk updates go through the same checks.
    let batch = post(&app, &s.admin, "/admin/inventory-items/location-levels/batch", json!({
        "update": [{"inventory_item_id": item, "location_id": s.warehouse, "stocked_quantity": 2}],
        "create": [{"inventory_item_id": item, "location_id": s.shop_floor, "stocked_quantity": 3}],
    })).await;
    assert_eq!(batch["created"][0]["available_quantity"], 3);
    assert_eq!(batch["updated"][0]["stocked_quantity"], 2);
    let store_view = app
        .call(
            Method::GET,
            "/store/products?fields=id,variants.inventory_quantity",
            None,
            None,
            &[("x-publishable-api-key", &s.pk)],
        )
        .await
        .ok();
    assert_eq!(
        store_view["products"][0]["variants"][0]["inventory_quantity"], 5,
        "summed over the channel's locations"
    );
    post(
        &app,
        &s.admin,
        &format!("/admin/stock-locations/{}/sales-channels", s.shop_floor),
        json!({"remove": [s.web]}),
    )
    .await;
    let store_view = app
        .call(
            Method::GET,
            "/store/products?fields=id,variants.inventory_quantity",
            None,
            None,
            &[("x-publishable-api-key", &s.pk)],
        )
        .await
        .ok();
    assert_eq!(
        store_view["products"][0]["variants"][0]["inventory_quantity"],
        2
    );
}
app_test!(
    level_changes_emit_events_in_the_same_transaction_and_are_audited,
    level_changes_are_events_and_audited
);

async fn reservations_expire(app: TestApp) {
    let s = setup(&app).await;
    let (_, item) = product(&app, &s, "Ticket", json!({"title": "Seat", "sku": "SEAT"})).await;
    let item = item.unwrap();
    stock(&app, &s, &item, &s.warehouse, 2).await;
    post(&app, &s.admin, "/admin/reservations", json!({"inventory_item_id": item, "location_id": s.warehouse, "quantity": 2, "expires_at": "2000-01-01T00:00:00Z"})).await;
    assert_eq!(levels(&app, &s, &item).await, vec![(2, 2)]);
    assert_eq!(app.core.inventory.expire_reservations().await.unwrap(), 1);
    assert_eq!(levels(&app, &s, &item).await, vec![(2, 0)]);
}
app_test!(expired_reservations_are_released, reservations_expire);

/// Deleting a level answers Medusa's `{id, object, deleted, parent}`: the level's own id, and the
/// item with the levels it still has.
async fn deleting_a_level_answers_the_level(app: TestApp) {
    let s = setup(&app).await;
    let (_, item) = product(
        &app,
        &s,
        "Mug",
        json!({"title": "One", "sku": "MUG", "manage_inventory": true, "prices": []}),
    )
    .await;
    let item = item.expect("a managed variant has an item");
    stock(&app, &s, &item, &s.warehouse, 4).await;
    stock(&app, &s, &item, &s.shop_floor, 2).await;
    let listed = app
        .get_as(
            &format!("/admin/inventory-items/{item}/location-levels"),
            &s.admin,
        )
        .await
        .ok();
    let level_id = listed["inventory_levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["location_id"] == json!(s.shop_floor))
        .map(|l| l["id"].clone())
        .expect("the shop floor's level");
    let res = app
        .delete_as(
            &format!(
                "/admin/inventory-items/{item}/location-levels/{}",
                s.shop_floor
            ),
            &s.admin,
        )
        .await
        .ok();
    assert_eq!(res["id"], level_id, "{res}");
    assert_eq!(res["object"], "inventory-level");
    assert_eq!(res["deleted"], true);
    assert_eq!(res["parent"]["id"], json!(item));
    let remaining = res["parent"]["location_levels"].as_array().expect("levels");
    assert_eq!(remaining.len(), 1, "{res}");
    assert_eq!(remaining[0]["location_id"], json!(s.warehouse));
}
app_test!(
    deleting_a_location_level_answers_the_level_and_the_remaining_levels,
    deleting_a_level_answers_the_level
);

/// `POST /admin/reservations/{id}` applies what Medusa's update takes: quantity, location (the
/// units move between the levels), description and metadata; it refuses a move the new location
/// cannot hold and fields that name the reservation's owner, changing nothing.
async fn reservation_updates_apply_every_field(app: TestApp) {
    let s = setup(&app).await;
    let (_, item) = product(
        &app,
        &s,
        "Lamp",
        json!({"title": "One", "sku": "LAMP", "manage_inventory": true, "prices": []}),
    )
    .await;
    let item = item.expect("a managed variant has an item");
    stock(&app, &s, &item, &s.warehouse, 5).await;
    stock(&app, &s, &item, &s.shop_floor, 2).await;
    let reserved_at = |app: TestApp, location: String| {
        let (item, admin) = (item.clone(), s.admin.clone());
        async move {
            let l = app
                .get_as(
                    &format!("/admin/inventory-items/{item}/location-levels"),
                    &admin,
                )
                .await
                .ok();
            l["inventory_levels"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["location_id"] == json!(location))
                .map(|l| l["reserved_quantity"].as_i64().unwrap())
                .unwrap()
        }
    };
    let r = post(
        &app,
        &s.admin,
        "/admin/reservations",
        json!({"inventory_item_id": item, "location_id": s.warehouse, "quantity": 3}),
    )
    .await["reservation"]
        .clone();
    let rid = r["id"].as_str().unwrap().to_string();
    let path = format!("/admin/reservations/{rid}");

    let updated = post(
        &app,
        &s.admin,
        &path,
        json!({"description": "held for pickup", "metadata": {"ticket": 7}}),
    )
    .await["reservation"]
        .clone();
    assert_eq!(updated["quantity"], 3, "quantity stays when not given");
    assert_eq!(updated["description"], "held for pickup");
    assert_eq!(updated["metadata"], json!({"ticket": 7}));

    // Three units cannot move to a floor that stocks two: refused, nothing moves.
    app.post_as(&path, &s.admin, &json!({"location_id": s.shop_floor}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "not_allowed");
    assert_eq!(reserved_at(app.clone(), s.warehouse.clone()).await, 3);
    assert_eq!(reserved_at(app.clone(), s.shop_floor.clone()).await, 0);

    let moved = post(
        &app,
        &s.admin,
        &path,
        json!({"location_id": s.shop_floor, "quantity": 2}),
    )
    .await["reservation"]
        .clone();
    assert_eq!(moved["location_id"], json!(s.shop_floor));
    assert_eq!(moved["quantity"], 2);
    assert_eq!(moved["description"], "held for pickup");
    assert_eq!(reserved_at(app.clone(), s.warehouse.clone()).await, 0);
    assert_eq!(reserved_at(app.clone(), s.shop_floor.clone()).await, 2);

    app.post_as(&path, &s.admin, &json!({"inventory_item_id": item}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
}
app_test!(
    reservation_updates_apply_quantity_location_description_and_metadata,
    reservation_updates_apply_every_field
);
