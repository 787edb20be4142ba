//! Setting up a store through Medusa's Admin API: what a fresh server has, the store's supported
//! currencies and defaults, price preferences, and a tax-inclusive currency priced gross on the
//! Store API (see the reference run in `medusa-responses/admin-setup/`, files 02-05).

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use merx_core::auth::Role;
use serde_json::{json, Value};

use crate::app_test;
use crate::helpers::{TestApp, TestResponse};

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {v}"))
        .to_string()
}

/// Starts the app as `merx serve` does (twice: it is idempotent) and returns an admin key.
async fn started(app: &TestApp) -> String {
    merx_core::seed::defaults(&app.core).await.unwrap();
    merx_core::seed::defaults(&app.core).await.unwrap();
    app.admin_key(Role::Admin).await
}

async fn the_store(app: &TestApp, admin: &str) -> Value {
    let list = app.get_as("/admin/stores", admin).await.ok();
    assert_eq!(list["count"], 1, "{list}");
    list["stores"][0].clone()
}

fn assert_invalid(res: &TestResponse, field: &str) {
    res.assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    let message = res.json()["message"].as_str().unwrap().to_string();
    assert!(message.contains(field), "{message} should name {field}");
}

async fn a_fresh_server_has_medusas_defaults(app: TestApp) {
    let admin = started(&app).await;
    let store = the_store(&app, &admin).await;
    // Medusa's store keys (02-store-list.json), no more, no fewer.
    assert_eq!(
        keys(&store),
        set(&[
            "id",
            "name",
            "default_sales_channel_id",
            "default_region_id",
            "default_location_id",
            "metadata",
            "created_at",
            "updated_at",
            "supported_currencies",
        ])
    );
    assert_eq!(store["default_region_id"], Value::Null);
    assert_eq!(store["default_location_id"], Value::Null);
    let currencies = store["supported_currencies"].as_array().unwrap();
    assert_eq!(currencies.len(), 1, "{store}");
    let eur = &currencies[0];
    assert_eq!(
        keys(eur),
        set(&[
            "id",
            "currency_code",
            "is_default",
            "store_id",
            "created_at",
            "updated_at",
            "deleted_at",
            "currency",
        ])
    );
    assert_eq!(eur["currency_code"], "eur");
    assert_eq!(eur["is_default"], true);
    assert_eq!(eur["store_id"], store["id"]);
    assert!(eur["id"].as_str().unwrap().starts_with("stocur_"));
    assert_eq!(eur["currency"]["symbol"], "€");
    assert_eq!(eur["currency"]["decimal_digits"], 2);

    // One default sales channel, named as Medusa names it, and it is the store's.
    let channels = app.get_as("/admin/sales-channels", &admin).await.ok();
    assert_eq!(channels["count"], 1, "{channels}");
    assert_eq!(
        channels["sales_channels"][0]["name"],
        "Default Sales Channel"
    );
    assert_eq!(
        store["default_sales_channel_id"],
        channels["sales_channels"][0]["id"]
    );

    // eur's price preference, tax-exclusive.
    let prefs = app.get_as("/admin/price-preferences", &admin).await.ok();
    assert_eq!(prefs["count"], 1, "{prefs}");
    let pref = &prefs["price_preferences"][0];
    assert_eq!(
        keys(pref),
        set(&[
            "id",
            "attribute",
            "value",
            "is_tax_inclusive",
            "created_at",
            "updated_at",
            "deleted_at",
        ])
    );
    assert_eq!(pref["attribute"], "currency_code");
    assert_eq!(pref["value"], "eur");
    assert_eq!(pref["is_tax_inclusive"], false);

    // The one store by id; any other id is a 404.
    let by_id = app
        .get_as(&format!("/admin/stores/{}", id(&store)), &admin)
        .await
        .ok();
    assert_eq!(by_id["store"], store);
    app.get_as("/admin/stores/store_nope", &admin)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    // The built-in providers: a region gets pp_system_default, a tax region answers tp_system.
    let region = app
        .post_as(
            "/admin/regions",
            &admin,
            &json!({"name": "Europe", "currency_code": "eur", "countries": ["de"]}),
        )
        .await
        .ok();
    assert_eq!(
        region["region"]["payment_providers"][0]["id"],
        "pp_system_default"
    );
    let tax = app
        .post_as("/admin/tax-regions", &admin, &json!({"country_code": "de"}))
        .await
        .ok();
    assert_eq!(tax["tax_region"]["provider_id"], "tp_system");
}
app_test!(
    a_fresh_server_has_a_store_a_default_channel_and_an_eur_preference,
    a_fresh_server_has_medusas_defaults
);

async fn the_demo_keeps_its_own_channel(app: TestApp) {
    merx_core::seed::demo(&app.core).await.unwrap();
    merx_core::seed::defaults(&app.core).await.unwrap();
    let admin = app.admin_key(Role::Admin).await;
    let store = the_store(&app, &admin).await;
    let channels = app.get_as("/admin/sales-channels", &admin).await.ok();
    assert_eq!(
        channels["count"], 1,
        "no second default channel: {channels}"
    );
    assert_eq!(channels["sales_channels"][0]["name"], "Webshop");
    assert_eq!(
        store["default_sales_channel_id"],
        channels["sales_channels"][0]["id"]
    );
    let codes: Vec<&str> = store["supported_currencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["currency_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["eur", "usd"]);
}
app_test!(
    a_demo_store_started_keeps_its_channel_and_currencies,
    the_demo_keeps_its_own_channel
);

async fn store_update_as_medusa_does(app: TestApp) {
    let admin = started(&app).await;
    let store = the_store(&app, &admin).await;
    let path = format!("/admin/stores/{}", id(&store));
    let eur_before = app
        .get_as("/admin/price-preferences?value=eur", &admin)
        .await
        .ok()["price_preferences"][0]
        .clone();

    // Medusa's request of 03-store-update-currencies.json.
    let updated = app
        .post_as(
            &path,
            &admin,
            &json!({"supported_currencies": [
                {"currency_code": "eur", "is_default": true, "is_tax_inclusive": true},
                {"currency_code": "usd", "is_default": false, "is_tax_inclusive": false}
            ]}),
        )
        .await
        .ok()["store"]
        .clone();
    assert_eq!(keys(&updated), keys(&store));
    let currencies = updated["supported_currencies"].as_array().unwrap();
    let summary: Vec<(&str, bool)> = currencies
        .iter()
        .map(|c| {
            (
                c["currency_code"].as_str().unwrap(),
                c["is_default"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(summary, [("eur", true), ("usd", false)]);
    // The rows are replaced (new ids), as Medusa's are; the answer has no is_tax_inclusive.
    assert_ne!(currencies[0]["id"], store["supported_currencies"][0]["id"]);
    assert!(currencies[0].get("is_tax_inclusive").is_none());
    assert_eq!(currencies[1]["currency"]["symbol"], "$");

    // The preferences: eur's updated in place, usd's created (04-price-preferences.json's query).
    let prefs = app
        .get_as(
            "/admin/price-preferences?attribute=currency_code&value[0]=eur&value[1]=usd",
            &admin,
        )
        .await
        .ok();
    assert_eq!(prefs["count"], 2, "{prefs}");
    let by_value = |v: &str| {
        prefs["price_preferences"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["value"] == v)
            .unwrap_or_else(|| panic!("no {v} preference: {prefs}"))
            .clone()
    };
    assert_eq!(by_value("eur")["is_tax_inclusive"], true);
    assert_eq!(by_value("eur")["id"], eur_before["id"]);
    assert_eq!(by_value("usd")["is_tax_inclusive"], false);

    // The defaults, name and metadata.
    let region = app
        .post_as(
            "/admin/regions",
            &admin,
            &json!({"name": "Europe", "currency_code": "eur", "countries": ["de"]}),
        )
        .await
        .ok()["region"]
        .clone();
    let channel = app
        .post_as("/admin/sales-channels", &admin, &json!({"name": "B2B"}))
        .await
        .ok()["sales_channel"]
        .clone();
    let location = app
        .post_as("/admin/stock-locations", &admin, &json!({"name": "Berlin"}))
        .await
        .ok()["stock_location"]
        .clone();
    let updated = app
        .post_as(
            &path,
            &admin,
            &json!({"name": "Berlin Goods", "default_region_id": id(&region),
                "default_sales_channel_id": id(&channel), "default_location_id": id(&location),
                "metadata": {"vat_id": "DE123"}}),
        )
        .await
        .ok()["store"]
        .clone();
    assert_eq!(updated["name"], "Berlin Goods");
    assert_eq!(updated["default_region_id"], region["id"]);
    assert_eq!(updated["default_sales_channel_id"], channel["id"]);
    assert_eq!(updated["default_location_id"], location["id"]);
    assert_eq!(updated["metadata"], json!({"vat_id": "DE123"}));
    // Currencies not sent are kept.
    assert_eq!(updated["supported_currencies"].as_array().unwrap().len(), 2);
    assert_eq!(the_store(&app, &admin).await, updated);
    let cleared = app
        .post_as(&path, &admin, &json!({"default_location_id": null}))
        .await
        .ok();
    assert_eq!(cleared["store"]["default_location_id"], Value::Null);

    // Bad updates are 400s naming the field, and change nothing.
    for (body, field) in [
        (
            json!({"supported_currencies": [{"currency_code": "eur"}, {"currency_code": "usd"}]}),
            "supported_currencies",
        ),
        (
            json!({"supported_currencies": [{"currency_code": "eur", "is_default": true},
                {"currency_code": "usd", "is_default": true}]}),
            "supported_currencies",
        ),
        (
            json!({"supported_currencies": [{"currency_code": "xyz", "is_default": true}]}),
            "xyz",
        ),
        (
            json!({"supported_currencies": [{"currency_code": "eur", "is_default": true},
                {"currency_code": "EUR"}]}),
            "supported_currencies",
        ),
        (json!({"supported_currencies": []}), "supported_currencies"),
        (
            json!({"default_region_id": "reg_nope"}),
            "default_region_id",
        ),
        (
            json!({"default_sales_channel_id": "sc_nope"}),
            "default_sales_channel_id",
        ),
        (
            json!({"default_location_id": "sloc_nope"}),
            "default_location_id",
        ),
    ] {
        assert_invalid(&app.post_as(&path, &admin, &body).await, field);
    }
    app.post_as(&path, &admin, &json!({"is_tax_inclusive": true}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    app.post_as("/admin/stores/store_nope", &admin, &json!({"name": "X"}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    let after = the_store(&app, &admin).await;
    assert_eq!(
        after["supported_currencies"],
        updated["supported_currencies"]
    );
    assert_eq!(after["default_region_id"], region["id"]);
}
app_test!(
    store_update_replaces_currencies_sets_preferences_and_defaults,
    store_update_as_medusa_does
);

async fn price_preference_crud(app: TestApp) {
    let admin = started(&app).await;
    let created = app
        .post_as(
            "/admin/price-preferences",
            &admin,
            &json!({"attribute": "currency_code", "value": "GBP", "is_tax_inclusive": true}),
        )
        .await
        .ok()["price_preference"]
        .clone();
    assert!(id(&created).starts_with("prpref_"));
    assert_eq!(created["value"], "gbp");
    assert_eq!(created["is_tax_inclusive"], true);
    let path = format!("/admin/price-preferences/{}", id(&created));
    assert_eq!(
        app.get_as(&path, &admin).await.ok()["price_preference"],
        created
    );
    app.post_as(
        "/admin/price-preferences",
        &admin,
        &json!({"attribute": "currency_code", "value": "gbp"}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "duplicate_error");
    let updated = app
        .post_as(&path, &admin, &json!({"is_tax_inclusive": false}))
        .await
        .ok();
    assert_eq!(updated["price_preference"]["is_tax_inclusive"], false);
    let listed = app
        .get_as(
            &format!("/admin/price-preferences?id={}", id(&created)),
            &admin,
        )
        .await
        .ok();
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["price_preferences"][0]["is_tax_inclusive"], false);

    for (body, field) in [
        (
            json!({"attribute": "country_code", "value": "de"}),
            "attribute",
        ),
        (
            json!({"attribute": "currency_code", "value": "xyz"}),
            "value",
        ),
        (
            json!({"attribute": "region_id", "value": "reg_nope"}),
            "value",
        ),
        (json!({"value": "eur"}), "attribute"),
        (json!({"attribute": "currency_code"}), "value"),
    ] {
        assert_invalid(
            &app.post_as("/admin/price-preferences", &admin, &body).await,
            field,
        );
    }

    let deleted = app.delete_as(&path, &admin).await.ok();
    assert_eq!(
        deleted,
        json!({"id": id(&created), "object": "price_preference", "deleted": true})
    );
    app.get_as(&path, &admin)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    // A region gets its own preference (Medusa's), and the two stay one.
    let region = app
        .post_as(
            "/admin/regions",
            &admin,
            &json!({"name": "Europe", "currency_code": "eur", "countries": ["de"]}),
        )
        .await
        .ok()["region"]
        .clone();
    let prefs = app
        .get_as(
            &format!(
                "/admin/price-preferences?attribute=region_id&value={}",
                id(&region)
            ),
            &admin,
        )
        .await
        .ok();
    assert_eq!(prefs["count"], 1, "{prefs}");
    assert_eq!(prefs["price_preferences"][0]["is_tax_inclusive"], false);
    let region_pref = format!(
        "/admin/price-preferences/{}",
        id(&prefs["price_preferences"][0])
    );
    app.post_as(&region_pref, &admin, &json!({"is_tax_inclusive": true}))
        .await
        .ok();
    let read = app
        .get_as(&format!("/admin/regions/{}", id(&region)), &admin)
        .await
        .ok();
    assert_eq!(read["region"]["is_tax_inclusive"], true);
    app.post_as(
        &format!("/admin/regions/{}", id(&region)),
        &admin,
        &json!({"is_tax_inclusive": false}),
    )
    .await
    .ok();
    assert_eq!(
        app.get_as(&region_pref, &admin).await.ok()["price_preference"]["is_tax_inclusive"],
        false
    );
}
app_test!(
    price_preferences_are_created_read_updated_and_deleted,
    price_preference_crud
);

/// A German shop: eur, tax-inclusive by the store's currency preference (not the region's).
struct GrossShop {
    admin: String,
    pk: String,
    region: String,
    option: String,
    variant: String,
    product: String,
}

async fn gross_shop(app: &TestApp) -> GrossShop {
    let admin = started(app).await;
    let store = the_store(app, &admin).await;
    app.post_as(
        &format!("/admin/stores/{}", id(&store)),
        &admin,
        &json!({"supported_currencies": [
            {"currency_code": "eur", "is_default": true, "is_tax_inclusive": true}
        ]}),
    )
    .await
    .ok();
    let region = id(&app
        .post_as(
            "/admin/regions",
            &admin,
            &json!({"name": "Europe", "currency_code": "eur", "countries": ["de"]}),
        )
        .await
        .ok()["region"]);
    app.post_as(
        "/admin/tax-regions",
        &admin,
        &json!({"country_code": "de", "default_tax_rate": {"name": "VAT", "code": "vat", "rate": 19}}),
    )
    .await
    .ok();
    let channel = store["default_sales_channel_id"].clone();
    let key = app
        .post_as(
            "/admin/api-keys",
            &admin,
            &json!({"title": "web", "type": "publishable"}),
        )
        .await
        .ok();
    app.post_as(
        &format!("/admin/api-keys/{}/sales-channels", id(&key["api_key"])),
        &admin,
        &json!({"add": [channel]}),
    )
    .await
    .ok();
    let product = app
        .post_as(
            "/admin/products",
            &admin,
            &json!({"title": "Hoodie", "status": "published", "sales_channels": [{"id": channel}],
                "variants": [{"title": "S", "manage_inventory": false,
                    "prices": [{"currency_code": "eur", "amount": 119}]}]}),
        )
        .await
        .ok()["product"]
        .clone();
    let option = id(&app
        .post_as(
            "/admin/shipping-options",
            &admin,
            &json!({"name": "Standard DE", "region_id": region, "amount": 11.9, "price_type": "flat"}),
        )
        .await
        .ok()["shipping_option"]);
    GrossShop {
        admin,
        pk: key["api_key"]["token"].as_str().unwrap().to_string(),
        region,
        option,
        variant: id(&product["variants"][0]),
        product: id(&product),
    }
}

async fn shop_call(app: &TestApp, s: &GrossShop, method: Method, path: &str, body: Value) -> Value {
    app.call(
        method,
        path,
        None,
        Some(&body),
        &[("x-publishable-api-key", &s.pk)],
    )
    .await
    .ok()
}

/// A German cart with one hoodie and the shipping option: the cart as read back.
async fn german_cart(app: &TestApp, s: &GrossShop) -> Value {
    let cart = shop_call(
        app,
        s,
        Method::POST,
        "/store/carts",
        json!({"region_id": s.region,
        "shipping_address": {"first_name": "B", "address_1": "Str 1", "city": "Berlin",
            "country_code": "de", "postal_code": "10115"}}),
    )
    .await;
    let cart_id = id(&cart["cart"]);
    shop_call(
        app,
        s,
        Method::POST,
        &format!("/store/carts/{cart_id}/line-items"),
        json!({"variant_id": s.variant, "quantity": 1}),
    )
    .await;
    shop_call(
        app,
        s,
        Method::POST,
        &format!("/store/carts/{cart_id}/shipping-methods"),
        json!({"option_id": s.option}),
    )
    .await;
    crate::helpers::store(app, &s.pk, &format!("/store/carts/{cart_id}"))
        .await
        .ok()["cart"]
        .clone()
}

async fn tax_inclusive_currency(app: TestApp) {
    let s = gross_shop(&app).await;
    // The Store API's price: 119 is the gross price, VAT inside it.
    let read = crate::helpers::store(
        &app,
        &s.pk,
        &format!(
            "/store/products/{}?region_id={}&country_code=de&fields=*variants.calculated_price",
            s.product, s.region
        ),
    )
    .await
    .ok();
    let price = &read["product"]["variants"][0]["calculated_price"];
    assert_eq!(price["is_calculated_price_tax_inclusive"], true, "{price}");
    assert_eq!(price["calculated_amount"], json!(119));
    assert_eq!(price["calculated_amount_with_tax"], json!(119));
    assert_eq!(price["calculated_amount_without_tax"], json!(100));

    // The cart (tax-inclusive-cart.json's figures).
    let cart = german_cart(&app, &s).await;
    for (field, want) in [
        ("item_total", json!(119)),
        ("item_subtotal", json!(100)),
        ("item_tax_total", json!(19)),
        ("shipping_total", json!(11.9)),
        ("shipping_subtotal", json!(10)),
        ("shipping_tax_total", json!(1.9)),
        ("subtotal", json!(110)),
        ("tax_total", json!(20.9)),
        ("total", json!(130.9)),
    ] {
        assert_eq!(cart[field], want, "{field}: {cart}");
    }

    // The preference decides: tax-exclusive again, the same 119 has 19 % added on top.
    let prefs = app
        .get_as("/admin/price-preferences?value=eur", &s.admin)
        .await
        .ok();
    app.post_as(
        &format!(
            "/admin/price-preferences/{}",
            id(&prefs["price_preferences"][0])
        ),
        &s.admin,
        &json!({"is_tax_inclusive": false}),
    )
    .await
    .ok();
    let cart = german_cart(&app, &s).await;
    for (field, want) in [
        ("item_subtotal", json!(119)),
        ("item_tax_total", json!(22.61)),
        ("item_total", json!(141.61)),
        ("shipping_tax_total", json!(2.26)),
        ("total", json!(155.77)),
    ] {
        assert_eq!(cart[field], want, "{field}: {cart}");
    }
}
app_test!(
    a_tax_inclusive_currency_carries_its_vat_inside_the_price,
    tax_inclusive_currency
);
