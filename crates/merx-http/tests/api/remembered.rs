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
