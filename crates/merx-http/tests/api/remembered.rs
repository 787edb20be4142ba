//! Setup that checkout reads on every request is remembered between requests (a region's shipping
//! options, a channel's stock locations, the store's defaults): a change to any of it must reach
//! the very next request.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::app_test;
use crate::checkout::{setup, store, write_cart, Shop};
use crate::helpers::TestApp;

async fn option_names(app: &TestApp, s: &Shop, cart: &str) -> Vec<String> {
    let listed = store(
        app,
        s,
        Method::GET,
        &format!("/store/shipping-options?cart_id={cart}"),
        None,
    )
    .await
    .ok();
    listed["shipping_options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect()
}

async fn shipping_option_changes_reach_the_next_request(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 5).await;
    let cart = write_cart(&app, &s, "/store/carts", json!({"region_id": s.region})).await;
    let cart = cart["id"].as_str().unwrap();
    assert_eq!(option_names(&app, &s, cart).await, ["Standard"]);

    let express = app
        .post_as(
            "/admin/shipping-options",
            &s.admin,
            &json!({"name": "Express", "region_id": s.region, "amount": 9}),
        )
        .await
        .ok();
    assert_eq!(
        option_names(&app, &s, cart).await,
        ["Standard", "Express"],
        "a new option is offered at once"
    );

    let deleted = app
        .delete_as(&format!("/admin/shipping-options/{}", s.option), &s.admin)
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text());
    assert_eq!(
        option_names(&app, &s, cart).await,
        ["Express"],
        "a deleted option is gone at once"
    );
    let refused = store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}/shipping-methods"),
        Some(json!({"option_id": s.option})),
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "{}",
        refused.text()
    );
    assert_eq!(refused.json()["type"], "invalid_data");
    let chosen = store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}/shipping-methods"),
        Some(json!({"option_id": express["shipping_option"]["id"]})),
    )
    .await
    .ok();
    assert_eq!(chosen["cart"]["shipping_methods"][0]["name"], "Express");
}
app_test!(
    a_shipping_option_created_or_deleted_is_offered_or_refused_at_once,
    shipping_option_changes_reach_the_next_request
);

async fn location_changes_reach_the_next_request(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 5).await;
    let cart = write_cart(&app, &s, "/store/carts", json!({"region_id": s.region})).await;
    let cart = cart["id"].as_str().unwrap();
    let add = |qty: i64| {
        let (app, s) = (app.clone(), s.clone());
        let path = format!("/store/carts/{cart}/line-items");
        async move {
            store(
                &app,
                &s,
                Method::POST,
                &path,
                Some(json!({"variant_id": s.variant, "quantity": qty})),
            )
            .await
        }
    };
    assert_eq!(add(1).await.status, StatusCode::OK);

    let channels = app.get_as("/admin/sales-channels", &s.admin).await.ok();
    let web = channels["sales_channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Web")
        .unwrap()["id"]
        .clone();
    let links = format!("/admin/stock-locations/{}/sales-channels", s.location);
    app.post_as(&links, &s.admin, &json!({"remove": [web]}))
        .await
        .ok();
    let refused = add(1).await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "the channel no longer ships from the location: {}",
        refused.text()
    );

    app.post_as(&links, &s.admin, &json!({"add": [web]}))
        .await
        .ok();
    let added = add(1).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text());
    assert_eq!(added.json()["cart"]["items"][0]["quantity"], 2);
}
app_test!(
    a_stock_location_unlinked_from_a_channel_stops_serving_it_at_once,
    location_changes_reach_the_next_request
);

async fn store_defaults_reach_the_next_cart(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 5).await;
    let stores = app.get_as("/admin/stores", &s.admin).await.ok();
    let store_id = stores["stores"][0]["id"].as_str().unwrap().to_string();
    let regions = app.get_as("/admin/regions", &s.admin).await.ok();
    let away = regions["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Away")
        .unwrap()["id"]
        .clone();
    for region in [json!(s.region), away] {
        app.post_as(
            &format!("/admin/stores/{store_id}"),
            &s.admin,
            &json!({"default_region_id": region}),
        )
        .await
        .ok();
        let cart = write_cart(&app, &s, "/store/carts", json!({})).await;
        assert_eq!(
            cart["region_id"], region,
            "a new cart takes the store's current default region"
        );
    }
}
app_test!(
    a_new_cart_takes_the_store_default_region_set_just_before,
    store_defaults_reach_the_next_cart
);

// ---------- Store product reads with the read cache off: products and prices are remembered per
// catalog version (`CatalogService::load_for_store`, `PricingService::prices_shown`); every
// catalog write must reach the very next read.

/// Runs `test` with the Store read cache off, on SQLite and on Postgres.
macro_rules! uncached_test {
    ($name:ident, $test:ident) => {
        mod $name {
            fn config() -> merx_http::HttpConfig {
                merx_http::HttpConfig {
                    read_cache_bytes: 0,
                    ..Default::default()
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::helpers::with_custom_app(
                    merx_db::Backend::Sqlite,
                    config(),
                    axum::Router::new(),
                    super::$test,
                )
                .await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::helpers::with_custom_app(
                    merx_db::Backend::Postgres,
                    config(),
                    axum::Router::new(),
                    super::$test,
                )
                .await
            }
        }
    };
}

fn id_of(v: &serde_json::Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

async fn remembered_products_and_prices_follow_every_catalog_write(app: TestApp) {
    use merx_core::auth::Role;
    let admin = app.admin_key(Role::Admin).await;
    let post = |path: String, body: serde_json::Value| {
        let (app, admin) = (app.clone(), admin.clone());
        async move { app.post_as(&path, &admin, &body).await.ok() }
    };
    let eu = id_of(
        &post(
            "/admin/regions".into(),
            json!({"name": "Europe", "currency_code": "eur", "countries": ["de"]}),
        )
        .await["region"],
    );
    let web =
        id_of(&post("/admin/sales-channels".into(), json!({"name": "Web"})).await["sales_channel"]);
    let key = post(
        "/admin/api-keys".into(),
        json!({"title": "Storefront", "type": "publishable"}),
    )
    .await;
    post(
        format!("/admin/api-keys/{}/sales-channels", id_of(&key["api_key"])),
        json!({"add": [web]}),
    )
    .await;
    let pk = key["api_key"]["token"].as_str().unwrap().to_string();
    let shirts = id_of(
        &post(
            "/admin/product-categories".into(),
            json!({"name": "Shirts"}),
        )
        .await["product_category"],
    );
    let created = post(
        "/admin/products".into(),
        json!({
            "title": "Organic Tee", "status": "published", "sales_channels": [{"id": web}],
            "categories": [{"id": shirts}],
            "variants": [{"title": "One size", "sku": "TEE",
                "prices": [{"currency_code": "eur", "amount": 25}]}],
        }),
    )
    .await;
    let tee = id_of(&created["product"]);
    let variant = id_of(&created["product"]["variants"][0]);
    let detail_path = format!("/store/products/{tee}?region_id={eu}");
    let list_path = format!("/store/products?region_id={eu}");
    let read = |path: String| {
        let (app, pk) = (app.clone(), pk.clone());
        async move {
            let first = crate::helpers::store(&app, &pk, &path).await.ok();
            let second = crate::helpers::store(&app, &pk, &path).await.ok();
            assert_eq!(first, second, "a repeated read of {path} answers the same");
            first
        }
    };
    let detail = read(detail_path.clone()).await;
    assert_eq!(detail["product"]["title"], "Organic Tee");
    assert_eq!(detail["product"]["categories"][0]["id"], json!(shirts));
    let list = read(list_path.clone()).await;
    assert_eq!(
        list["products"][0]["variants"][0]["calculated_price"]["calculated_amount"],
        json!(25)
    );

    post(
        format!("/admin/products/{tee}"),
        json!({"title": "Recycled Tee"}),
    )
    .await;
    let detail = read(detail_path.clone()).await;
    assert_eq!(detail["product"]["title"], "Recycled Tee", "{detail}");
    assert_eq!(
        read(list_path.clone()).await["products"][0]["title"],
        "Recycled Tee"
    );

    post(
        format!("/admin/products/{tee}/variants/{variant}"),
        json!({"sku": "TEE-2", "prices": [{"currency_code": "eur", "amount": 14.5}]}),
    )
    .await;
    let list = read(list_path.clone()).await;
    let v = &list["products"][0]["variants"][0];
    assert_eq!(v["sku"], "TEE-2", "{list}");
    assert_eq!(
        v["calculated_price"]["calculated_amount"],
        json!(14.5),
        "{list}"
    );

    post(
        "/admin/price-lists".into(),
        json!({"title": "Flash sale", "type": "sale", "status": "active",
            "prices": [{"variant_id": variant, "currency_code": "eur", "amount": 9}]}),
    )
    .await;
    let detail = read(detail_path.clone()).await;
    let price = &detail["product"]["variants"][0]["calculated_price"];
    assert_eq!(price["calculated_amount"], json!(9), "{detail}");
    assert_eq!(price["original_amount"], json!(14.5));

    post(
        format!("/admin/product-categories/{shirts}"),
        json!({"is_active": false}),
    )
    .await;
    let detail = read(detail_path.clone()).await;
    assert_eq!(
        detail["product"]["categories"],
        json!([]),
        "an inactive category is no longer shown: {detail}"
    );

    let gone = app
        .delete_as(&format!("/admin/products/{tee}"), &admin)
        .await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.text());
    crate::helpers::store(&app, &pk, &detail_path)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(read(list_path).await["products"], json!([]));
}
uncached_test!(
    with_the_read_cache_off_a_catalog_write_reaches_the_next_product_read,
    remembered_products_and_prices_follow_every_catalog_write
);

/// The stock a Store answer shows is remembered per variant and channel until stock changes
/// (`InventoryService::units_shown`): with the read cache off, an order's reservation and an
/// Admin level change each reach the very next read.
async fn shown_stock_follows_reservations_and_level_changes(app: TestApp) {
    use crate::checkout::{complete, ready_cart, setup};
    let s = setup(&app, "eur", 10.0, 5).await;
    let path = format!(
        "/store/products?region_id={}&fields=%2Bvariants.inventory_quantity",
        s.region
    );
    let shown = |app: TestApp, pk: String, path: String| async move {
        let first = crate::helpers::store(&app, &pk, &path).await.ok();
        let second = crate::helpers::store(&app, &pk, &path).await.ok();
        assert_eq!(first, second, "a repeated read answers the same");
        first["products"][0]["variants"][0]["inventory_quantity"].clone()
    };
    assert_eq!(
        shown(app.clone(), s.pk.clone(), path.clone()).await,
        json!(5)
    );

    let cart = ready_cart(&app, &s, 2, "pp_system_default").await;
    assert_eq!(complete(&app, &s, &cart).await["type"], "order");
    assert_eq!(
        shown(app.clone(), s.pk.clone(), path.clone()).await,
        json!(3),
        "the order's reservation shows at the next read"
    );

    let res = app
        .post_as(
            &format!(
                "/admin/inventory-items/{}/location-levels/{}",
                s.item, s.location
            ),
            &s.admin,
            &json!({"stocked_quantity": 12}),
        )
        .await;
    assert_eq!(res.status, axum::http::StatusCode::OK, "{}", res.text());
    assert_eq!(
        shown(app.clone(), s.pk.clone(), path.clone()).await,
        json!(10),
        "12 stocked, 2 reserved"
    );
}
uncached_test!(
    shown_stock_follows_reservations_and_level_changes_with_the_read_cache_off,
    shown_stock_follows_reservations_and_level_changes
);
