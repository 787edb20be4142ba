//! The Store API's read cache for `GET /store/products[/:id]`, end to end: every test fills the
//! cache, reads the same answer again, changes the data through the Admin API and expects the next
//! read to show the change at once (invalidation is synchronous at commit, so there is no waiting),
//! except for a price list that starts later, which must show without any write once it starts.
//!
//! The read-model versions are process-wide, so other tests running in parallel may invalidate
//! entries early; that can only make these tests pass for the wrong reason, never fail them.

use std::collections::BTreeSet;
use std::time::Duration;

use axum::http::StatusCode;
use merx_core::auth::Role;
use serde_json::{json, Value};

use crate::app_test;
use crate::helpers::{store, TestApp};

/// A store with one region, one sales channel and a publishable key for it.
struct Shop {
    admin: String,
    pk: String,
    eu: String,
    web: String,
}

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

async fn post(app: &TestApp, key: &str, path: &str, body: Value) -> Value {
    app.post_as(path, key, &body).await.ok()
}

/// Reads `path` twice: both 200 with the very same bytes (the second is the cached answer).
async fn read_twice(app: &TestApp, pk: &str, path: &str) -> Value {
    let first = store(app, pk, path).await;
    let value = first.ok();
    let second = store(app, pk, path).await;
    assert_eq!(second.status, StatusCode::OK, "body: {}", second.text());
    assert_eq!(
        first.text(),
        second.text(),
        "a repeated read of {path} answers the same"
    );
    value
}

/// Reads `path` twice: both 404 (errors are answered, not cached).
async fn not_found_twice(app: &TestApp, pk: &str, path: &str) {
    for _ in 0..2 {
        store(app, pk, path)
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
    }
}

async fn channel(app: &TestApp, admin: &str, name: &str) -> String {
    id(&post(app, admin, "/admin/sales-channels", json!({"name": name})).await["sales_channel"])
}

/// A new publishable key that sees `channels`; returns its token.
async fn publishable_key(app: &TestApp, admin: &str, title: &str, channels: &[&str]) -> String {
    let key = post(
        app,
        admin,
        "/admin/api-keys",
        json!({"title": title, "type": "publishable"}),
    )
    .await;
    let key_id = id(&key["api_key"]);
    post(
        app,
        admin,
        &format!("/admin/api-keys/{key_id}/sales-channels"),
        json!({"add": channels}),
    )
    .await;
    key["api_key"]["token"].as_str().unwrap().to_string()
}

async fn shop(app: &TestApp) -> Shop {
    let admin = app.admin_key(Role::Admin).await;
    let eu = id(&post(
        app,
        &admin,
        "/admin/regions",
        json!({"name": "Europe", "currency_code": "eur", "countries": ["de", "fr"]}),
    )
    .await["region"]);
    let web = channel(app, &admin, "Web").await;
    let pk = publishable_key(app, &admin, "Storefront", &[web.as_str()]).await;
    Shop { admin, pk, eu, web }
}

/// The body of a product with one variant priced in EUR, in `channels`.
fn product_body(title: &str, status: &str, sku: &str, channels: &[&str], eur: f64) -> Value {
    let channels: Vec<Value> = channels.iter().map(|c| json!({"id": c})).collect();
    json!({
        "title": title, "status": status, "sales_channels": channels,
        "variants": [{"title": "One size", "sku": sku, "prices": [{"currency_code": "eur", "amount": eur}]}],
    })
}

/// Creates a product; returns (product id, its variant's id).
async fn product(app: &TestApp, admin: &str, body: Value) -> (String, String) {
    let p = post(app, admin, "/admin/products", body).await;
    (id(&p["product"]), id(&p["product"]["variants"][0]))
}

fn product_ids(list: &Value) -> BTreeSet<String> {
    list["products"]
        .as_array()
        .unwrap_or_else(|| panic!("not a product list: {list}"))
        .iter()
        .map(id)
        .collect()
}

fn in_list<'a>(list: &'a Value, product_id: &str) -> &'a Value {
    list["products"]
        .as_array()
        .unwrap_or_else(|| panic!("not a product list: {list}"))
        .iter()
        .find(|p| p["id"] == product_id)
        .unwrap_or_else(|| panic!("{product_id} is not in {list}"))
}

fn set<S: AsRef<str>>(items: &[S]) -> BTreeSet<String> {
    items.iter().map(|s| s.as_ref().to_string()).collect()
}

// ---------- 1. product updates

async fn product_update_shows_at_once(app: TestApp) {
    let s = shop(&app).await;
    let (tee, _) = product(
        &app,
        &s.admin,
        product_body("Organic Tee", "published", "TEE", &[s.web.as_str()], 25.0),
    )
    .await;
    let list_path = format!("/store/products?region_id={}", s.eu);
    let detail_path = format!("/store/products/{tee}?region_id={}", s.eu);

    let list = read_twice(&app, &s.pk, &list_path).await;
    assert_eq!(in_list(&list, &tee)["title"], "Organic Tee");
    assert_eq!(
        in_list(&list, &tee)["variants"][0]["calculated_price"]["calculated_amount"],
        json!(25)
    );
    let detail = read_twice(&app, &s.pk, &detail_path).await;
    assert_eq!(detail["product"]["title"], "Organic Tee");
    assert_eq!(
        detail["product"]["variants"][0]["calculated_price"]["calculated_amount"],
        json!(25)
    );

    let updated = post(
        &app,
        &s.admin,
        &format!("/admin/products/{tee}"),
        json!({"title": "Recycled Tee"}),
    )
    .await;
    assert_eq!(updated["product"]["title"], "Recycled Tee");

    let list = store(&app, &s.pk, &list_path).await.ok();
    assert_eq!(
        in_list(&list, &tee)["title"],
        "Recycled Tee",
        "the cached list was not served after the update: {list}"
    );
    assert_eq!(
        in_list(&list, &tee)["variants"][0]["calculated_price"]["calculated_amount"],
        json!(25)
    );
    let detail = store(&app, &s.pk, &detail_path).await.ok();
    assert_eq!(
        detail["product"]["title"], "Recycled Tee",
        "the cached product was not served after the update: {detail}"
    );
    // And the new answer is what gets cached from now on.
    let again = read_twice(&app, &s.pk, &detail_path).await;
    assert_eq!(again["product"]["title"], "Recycled Tee");
}
app_test!(
    admin_product_update_is_visible_at_once_in_cached_list_and_detail,
    product_update_shows_at_once
);

// ---------- 2. variant prices

async fn variant_price_change_shows_at_once(app: TestApp) {
    let s = shop(&app).await;
    let (mug, mug_v) = product(
        &app,
        &s.admin,
        product_body("Enamel Mug", "published", "MUG", &[s.web.as_str()], 12.0),
    )
    .await;
    let detail_path = format!("/store/products/{mug}?region_id={}", s.eu);
    let list_path = format!("/store/products?region_id={}&limit=10", s.eu);
    let price = |v: &Value| v["product"]["variants"][0]["calculated_price"].clone();

    let detail = read_twice(&app, &s.pk, &detail_path).await;
    assert_eq!(price(&detail)["calculated_amount"], json!(12));
    assert_eq!(price(&detail)["currency_code"], "eur");
    let list = read_twice(&app, &s.pk, &list_path).await;
    assert_eq!(
        in_list(&list, &mug)["variants"][0]["calculated_price"]["calculated_amount"],
        json!(12)
    );

    post(
        &app,
        &s.admin,
        &format!("/admin/products/{mug}/variants/{mug_v}"),
        json!({"prices": [{"currency_code": "eur", "amount": 14.5}]}),
    )
    .await;

    let detail = store(&app, &s.pk, &detail_path).await.ok();
    assert_eq!(
        price(&detail)["calculated_amount"],
        json!(14.5),
        "the cached price was served after the change: {detail}"
    );
    assert_eq!(price(&detail)["original_amount"], json!(14.5));
    let list = store(&app, &s.pk, &list_path).await.ok();
    assert_eq!(
        in_list(&list, &mug)["variants"][0]["calculated_price"]["calculated_amount"],
        json!(14.5),
        "the cached list price was served after the change: {list}"
    );

    // A price list (another catalog write) shows at once too.
    post(
        &app,
        &s.admin,
        "/admin/price-lists",
        json!({"title": "Flash sale", "type": "sale", "status": "active",
        "prices": [{"variant_id": mug_v, "currency_code": "eur", "amount": 9}]}),
    )
    .await;
    let detail = store(&app, &s.pk, &detail_path).await.ok();
    assert_eq!(price(&detail)["calculated_amount"], json!(9), "{detail}");
    assert_eq!(price(&detail)["original_amount"], json!(14.5));
    assert_eq!(price(&detail)["is_calculated_price_price_list"], true);
}
app_test!(
    variant_price_change_is_visible_at_once_in_cached_calculated_price,
    variant_price_change_shows_at_once
);

// ---------- 3. stock and channel membership

async fn stock_and_channel_changes_show_at_once(app: TestApp) {
    let s = shop(&app).await;
    let warehouse = id(&post(
        &app,
        &s.admin,
        "/admin/stock-locations",
        json!({"name": "Warehouse"}),
    )
    .await["stock_location"]);
    post(
        &app,
        &s.admin,
        &format!("/admin/stock-locations/{warehouse}/sales-channels"),
        json!({"add": [s.web]}),
    )
    .await;
    let (lamp, _) = product(
        &app,
        &s.admin,
        product_body("Desk Lamp", "published", "LAMP", &[s.web.as_str()], 40.0),
    )
    .await;
    let (mug, _) = product(
        &app,
        &s.admin,
        product_body("Enamel Mug", "published", "MUG", &[s.web.as_str()], 12.0),
    )
    .await;
    let items = app
        .get_as("/admin/inventory-items?sku=LAMP", &s.admin)
        .await
        .ok();
    let item = items["inventory_items"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("the managed variant has no inventory item: {items}"))
        .to_string();
    post(
        &app,
        &s.admin,
        &format!("/admin/inventory-items/{item}/location-levels"),
        json!({"location_id": warehouse, "stocked_quantity": 5}),
    )
    .await;

    let detail_path = format!("/store/products/{lamp}?fields=%2Bvariants.inventory_quantity");
    let list_path = "/store/products?fields=%2Bvariants.inventory_quantity";
    let stock_of = |v: &Value| v["product"]["variants"][0]["inventory_quantity"].clone();

    let detail = read_twice(&app, &s.pk, &detail_path).await;
    assert_eq!(stock_of(&detail), json!(5), "{detail}");
    let list = read_twice(&app, &s.pk, list_path).await;
    assert_eq!(
        in_list(&list, &lamp)["variants"][0]["inventory_quantity"],
        json!(5)
    );

    // A level update (an inventory event, no catalog event).
    app.post_as(
        &format!("/admin/inventory-items/{item}/location-levels/{warehouse}"),
        &s.admin,
        &json!({"stocked_quantity": 8}),
    )
    .await
    .ok();
    let detail = store(&app, &s.pk, &detail_path).await.ok();
    assert_eq!(
        stock_of(&detail),
        json!(8),
        "the cached stock was served after the level changed: {detail}"
    );
    let list = store(&app, &s.pk, list_path).await.ok();
    assert_eq!(
        in_list(&list, &lamp)["variants"][0]["inventory_quantity"],
        json!(8),
        "the cached list stock was served after the level changed: {list}"
    );

    // A reservation lowers what is available, at once.
    read_twice(&app, &s.pk, &detail_path).await;
    post(
        &app,
        &s.admin,
        "/admin/reservations",
        json!({"inventory_item_id": item, "location_id": warehouse, "quantity": 3}),
    )
    .await;
    let detail = store(&app, &s.pk, &detail_path).await.ok();
    assert_eq!(
        stock_of(&detail),
        json!(5),
        "the cached stock was served after a reservation: {detail}"
    );

    // Leaving the key's channel: the detail is a 404 and the lists drop it, at once.
    let plain_list = read_twice(&app, &s.pk, "/store/products").await;
    assert_eq!(product_ids(&plain_list), set(&[&lamp, &mug]));
    let plain_detail_path = format!("/store/products/{lamp}");
    read_twice(&app, &s.pk, &plain_detail_path).await;
    read_twice(&app, &s.pk, &detail_path).await;
    read_twice(&app, &s.pk, list_path).await;
    post(
        &app,
        &s.admin,
        &format!("/admin/sales-channels/{}/products", s.web),
        json!({"remove": [lamp]}),
    )
    .await;
    store(&app, &s.pk, &plain_detail_path)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    store(&app, &s.pk, &detail_path)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    let plain_list = store(&app, &s.pk, "/store/products").await.ok();
    assert_eq!(
        product_ids(&plain_list),
        set(&[&mug]),
        "the cached list still showed the removed product: {plain_list}"
    );
    assert_eq!(plain_list["count"], 1);
    let list = store(&app, &s.pk, list_path).await.ok();
    assert_eq!(product_ids(&list), set(&[&mug]), "{list}");
}
app_test!(
    stock_changes_and_leaving_the_channel_are_visible_at_once_in_cached_reads,
    stock_and_channel_changes_show_at_once
);

// ---------- 4. price lists that start later

async fn price_list_start_shows_without_a_write(app: TestApp) {
    let s = shop(&app).await;
    let (tee, tee_v) = product(
        &app,
        &s.admin,
        product_body("Organic Tee", "published", "TEE", &[s.web.as_str()], 25.0),
    )
    .await;
    let starts = merx_types::time::now() + Duration::from_secs(3);
    let sale = post(
        &app,
        &s.admin,
        "/admin/price-lists",
        json!({"title": "Weekend sale", "type": "sale", "status": "active",
        "starts_at": merx_types::time::to_api(starts),
        "prices": [{"variant_id": tee_v, "currency_code": "eur", "amount": 19.5}]}),
    )
    .await;
    let sale_id = id(&sale["price_list"]);
    let detail_path = format!("/store/products/{tee}?region_id={}", s.eu);
    let list_path = format!("/store/products?region_id={}", s.eu);
    let price = |v: &Value| v["product"]["variants"][0]["calculated_price"].clone();

    let detail = read_twice(&app, &s.pk, &detail_path).await;
    let list = read_twice(&app, &s.pk, &list_path).await;
    assert!(
        merx_types::time::now() < starts,
        "the machine was too slow: the reads before the start ran after it"
    );
    assert_eq!(price(&detail)["calculated_amount"], json!(25), "{detail}");
    assert_eq!(price(&detail)["is_calculated_price_price_list"], false);
    assert_eq!(
        in_list(&list, &tee)["variants"][0]["calculated_price"]["calculated_amount"],
        json!(25)
    );

    // Time passes; nothing is written.
    let wait = Duration::try_from(starts - merx_types::time::now()).unwrap_or(Duration::ZERO);
    tokio::time::sleep(wait + Duration::from_millis(500)).await;

    let detail = store(&app, &s.pk, &detail_path).await.ok();
    assert_eq!(
        price(&detail)["calculated_amount"],
        json!(19.5),
        "the cached base price outlived the price list's start: {detail}"
    );
    assert_eq!(price(&detail)["original_amount"], json!(25));
    assert_eq!(price(&detail)["is_calculated_price_price_list"], true);
    assert_eq!(
        price(&detail)["calculated_price"]["price_list_id"],
        json!(sale_id)
    );
    let list = store(&app, &s.pk, &list_path).await.ok();
    assert_eq!(
        in_list(&list, &tee)["variants"][0]["calculated_price"]["calculated_amount"],
        json!(19.5),
        "the cached list price outlived the price list's start: {list}"
    );
}
app_test!(
    cached_prices_expire_when_a_price_list_starts_without_any_write,
    price_list_start_shows_without_a_write
);

// ---------- 5. keys with different channels

async fn keys_do_not_share_answers_across_channels(app: TestApp) {
    let admin = app.admin_key(Role::Admin).await;
    let eu = id(&post(
        &app,
        &admin,
        "/admin/regions",
        json!({"name": "Europe", "currency_code": "eur", "countries": ["de"]}),
    )
    .await["region"]);
    let a = channel(&app, &admin, "Web").await;
    let b = channel(&app, &admin, "Retail").await;
    let pk_a = publishable_key(&app, &admin, "Web storefront", &[a.as_str()]).await;
    let pk_b = publishable_key(&app, &admin, "Retail kiosk", &[b.as_str()]).await;
    let (only_a, _) = product(
        &app,
        &admin,
        product_body("Web Exclusive", "published", "WEB-1", &[a.as_str()], 30.0),
    )
    .await;
    let (only_b, _) = product(
        &app,
        &admin,
        product_body(
            "Kiosk Exclusive",
            "published",
            "KIOSK-1",
            &[b.as_str()],
            20.0,
        ),
    )
    .await;
    let (both, _) = product(
        &app,
        &admin,
        product_body(
            "Gift Card",
            "published",
            "GIFT-1",
            &[a.as_str(), b.as_str()],
            10.0,
        ),
    )
    .await;

    for path in [
        "/store/products".to_string(),
        format!("/store/products?region_id={eu}&limit=20"),
    ] {
        let seen_a = read_twice(&app, &pk_a, &path).await;
        assert_eq!(product_ids(&seen_a), set(&[&only_a, &both]), "{seen_a}");
        let seen_b = store(&app, &pk_b, &path).await.ok();
        assert_eq!(
            product_ids(&seen_b),
            set(&[&only_b, &both]),
            "key B was answered with key A's cached list: {seen_b}"
        );
        assert_eq!(seen_b["count"], 2);
        // And back: key B's answer did not replace key A's.
        let seen_a = store(&app, &pk_a, &path).await.ok();
        assert_eq!(product_ids(&seen_a), set(&[&only_a, &both]), "{seen_a}");
    }

    // The same product URL: found for key A, not for key B, in either order.
    let detail_a = format!("/store/products/{only_a}?region_id={eu}");
    read_twice(&app, &pk_a, &detail_a).await;
    not_found_twice(&app, &pk_b, &detail_a).await;
    assert_eq!(
        store(&app, &pk_a, &detail_a).await.ok()["product"]["title"],
        "Web Exclusive"
    );
    let detail_b = format!("/store/products/{only_b}");
    not_found_twice(&app, &pk_a, &detail_b).await;
    let seen = read_twice(&app, &pk_b, &detail_b).await;
    assert_eq!(seen["product"]["title"], "Kiosk Exclusive");
    not_found_twice(&app, &pk_a, &detail_b).await;
}
app_test!(
    publishable_keys_of_different_channels_never_see_each_others_cached_answers,
    keys_do_not_share_answers_across_channels
);

// ---------- 6. errors

async fn errors_are_not_cached(app: TestApp) {
    let s = shop(&app).await;
    // A draft in the key's channel: invisible until published.
    let (draft, _) = product(
        &app,
        &s.admin,
        product_body("Draft Scarf", "draft", "SCARF", &[s.web.as_str()], 15.0),
    )
    .await;
    let draft_path = format!("/store/products/{draft}");
    not_found_twice(&app, &s.pk, &draft_path).await;
    let list = read_twice(&app, &s.pk, "/store/products").await;
    assert_eq!(product_ids(&list), BTreeSet::new());
    post(
        &app,
        &s.admin,
        &format!("/admin/products/{draft}"),
        json!({"status": "published"}),
    )
    .await;
    let found = store(&app, &s.pk, &draft_path).await.ok();
    assert_eq!(found["product"]["title"], "Draft Scarf");
    let list = store(&app, &s.pk, "/store/products").await.ok();
    assert_eq!(product_ids(&list), set(&[&draft]), "{list}");

    // Published but in no channel of the key: invisible until added to one.
    let (boots, _) = product(
        &app,
        &s.admin,
        product_body("Rain Boots", "published", "BOOTS", &[], 60.0),
    )
    .await;
    let boots_path = format!("/store/products/{boots}?region_id={}", s.eu);
    not_found_twice(&app, &s.pk, &boots_path).await;
    post(
        &app,
        &s.admin,
        &format!("/admin/sales-channels/{}/products", s.web),
        json!({"add": [boots]}),
    )
    .await;
    let found = store(&app, &s.pk, &boots_path).await.ok();
    assert_eq!(found["product"]["title"], "Rain Boots");
    assert_eq!(
        found["product"]["variants"][0]["calculated_price"]["calculated_amount"],
        json!(60)
    );

    // An invalid query is a 400 every time, and a valid one after it is answered normally.
    for _ in 0..2 {
        store(&app, &s.pk, "/store/products?limit=-1")
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    }
    let list = read_twice(&app, &s.pk, "/store/products?limit=10").await;
    assert_eq!(product_ids(&list), set(&[&draft, &boots]));
}
app_test!(
    error_answers_are_not_cached_and_a_product_becoming_visible_is_found_at_once,
    errors_are_not_cached
);

// ---------- customer groups

/// Registers and logs in a customer; returns (customer id, bearer token).
async fn logged_in_customer(app: &TestApp, pk: &str, email: &str) -> (String, String) {
    let creds = json!({"email": email, "password": "correct-horse-battery"});
    let reg = app
        .post_json("/auth/customer/emailpass/register", &creds)
        .await
        .ok()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let created = app
        .call(
            axum::http::Method::POST,
            "/store/customers",
            Some(&reg),
            Some(&json!({"email": email})),
            &[("x-publishable-api-key", pk)],
        )
        .await
        .ok();
    let login = app.post_json("/auth/customer/emailpass", &creds).await.ok()["token"]
        .as_str()
        .unwrap()
        .to_string();
    (id(&created["customer"]), login)
}

async fn customer_group_prices(app: TestApp) {
    let s = shop(&app).await;
    let (tee, tee_v) = product(
        &app,
        &s.admin,
        product_body("Tee", "published", "TEE-G", &[s.web.as_str()], 25.0),
    )
    .await;
    let path = format!("/store/products/{tee}?region_id={}", s.eu);
    let list = format!("/store/products?region_id={}", s.eu);
    let (vip, vip_token) = logged_in_customer(&app, &s.pk, "vip@example.com").await;
    let (_, plain_token) = logged_in_customer(&app, &s.pk, "plain@example.com").await;
    let group = post(
        &app,
        &s.admin,
        "/admin/customer-groups",
        json!({"name": "VIP"}),
    )
    .await;
    let group_id = id(&group["customer_group"]);
    post(
        &app,
        &s.admin,
        &format!("/admin/customer-groups/{group_id}/customers"),
        json!({"add": [vip]}),
    )
    .await;
    post(
        &app,
        &s.admin,
        "/admin/price-lists",
        json!({"title": "VIP", "type": "sale", "rules": {"customer.groups.id": [group_id]},
            "prices": [{"variant_id": tee_v, "currency_code": "eur", "amount": 15}]}),
    )
    .await;
    let as_customer = |token: Option<String>, path: String| {
        let (app, pk) = (app.clone(), s.pk.clone());
        async move {
            app.call(
                axum::http::Method::GET,
                &path,
                token.as_deref(),
                None,
                &[("x-publishable-api-key", pk.as_str())],
            )
            .await
            .ok()
        }
    };
    let calculated =
        |v: &Value| v["product"]["variants"][0]["calculated_price"]["calculated_amount"].clone();
    let listed = |v: &Value| {
        in_list(v, &tee)["variants"][0]["calculated_price"]["calculated_amount"].clone()
    };
    // Guests first, so that a cached guest answer is there to leak if the key ignored the groups.
    for _ in 0..2 {
        assert_eq!(
            calculated(&as_customer(None, path.clone()).await),
            json!(25)
        );
        assert_eq!(listed(&as_customer(None, list.clone()).await), json!(25));
    }
    for _ in 0..2 {
        let mine = as_customer(Some(vip_token.clone()), path.clone()).await;
        assert_eq!(
            calculated(&mine),
            json!(15),
            "the VIP sees the group's price"
        );
        assert_eq!(
            mine["product"]["variants"][0]["calculated_price"]["original_amount"],
            json!(25)
        );
        let mine = as_customer(Some(vip_token.clone()), list.clone()).await;
        assert_eq!(listed(&mine), json!(15));
    }
    assert_eq!(
        calculated(&as_customer(Some(plain_token.clone()), path.clone()).await),
        json!(25),
        "a customer outside the group pays the base price"
    );
    assert_eq!(
        calculated(&as_customer(None, path.clone()).await),
        json!(25)
    );

    // Leaving the group takes the price away at once.
    post(
        &app,
        &s.admin,
        &format!("/admin/customer-groups/{group_id}/customers"),
        json!({"remove": [vip]}),
    )
    .await;
    assert_eq!(
        calculated(&as_customer(Some(vip_token), path.clone()).await),
        json!(25)
    );
}
app_test!(
    a_logged_in_customer_sees_the_price_lists_of_their_groups_and_guests_do_not,
    customer_group_prices
);
