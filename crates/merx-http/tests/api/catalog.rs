//! Catalog, regions, channels, pricing and tax through the Admin and Store APIs, on both engines.
//! The Store shapes are checked against the field names of Medusa 2.21's real responses.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use merx_core::auth::Role;
use serde_json::{json, Value};

use crate::app_test;
use crate::helpers::{store, TestApp};

/// A store set up through the Admin API.
struct Shop {
    admin: String,
    pk: String,
    eu: String,
    us: String,
    web: String,
    b2b: String,
    shirts: String,
    summer: String,
    apparel_type: String,
    tag_eco: String,
    tee: Value,
    mug: Value,
    hidden: Value,
}

impl Shop {
    fn id(v: &Value) -> String {
        v["id"].as_str().unwrap().to_string()
    }
}

async fn post(app: &TestApp, key: &str, path: &str, body: Value) -> Value {
    app.post_as(path, key, &body).await.ok()
}

fn variant(title: &str, sku: &str, option: (&str, &str), eur: f64, usd: f64) -> Value {
    json!({
        "title": title, "sku": sku, "options": {option.0: option.1},
        "prices": [{"currency_code": "eur", "amount": eur}, {"currency_code": "usd", "amount": usd}]
    })
}

async fn shop(app: &TestApp) -> Shop {
    let admin = app.admin_key(Role::Admin).await;
    let eu = post(app, &admin, "/admin/regions", json!({"name": "Europe", "currency_code": "eur", "countries": ["de", "fr"], "is_tax_inclusive": true})).await;
    let us = post(
        app,
        &admin,
        "/admin/regions",
        json!({"name": "US", "currency_code": "usd", "countries": ["us"]}),
    )
    .await;
    let eu = Shop::id(&eu["region"]);
    let us = Shop::id(&us["region"]);
    post(app, &admin, "/admin/tax-regions", json!({"country_code": "de", "default_tax_rate": {"name": "DE VAT", "code": "de-std", "rate": 19}})).await;
    post(app, &admin, "/admin/tax-regions", json!({"country_code": "us", "default_tax_rate": {"name": "US", "code": "us-std", "rate": 0}})).await;
    post(app, &admin, "/admin/tax-regions", json!({"country_code": "us", "province_code": "ny", "default_tax_rate": {"name": "NY", "code": "ny", "rate": 8.875}})).await;
    let web = Shop::id(
        &post(app, &admin, "/admin/sales-channels", json!({"name": "Web"})).await["sales_channel"],
    );
    let b2b = Shop::id(
        &post(app, &admin, "/admin/sales-channels", json!({"name": "B2B"})).await["sales_channel"],
    );
    let key = post(
        app,
        &admin,
        "/admin/api-keys",
        json!({"title": "Storefront", "type": "publishable"}),
    )
    .await;
    let pk = key["api_key"]["token"].as_str().unwrap().to_string();
    let key_id = Shop::id(&key["api_key"]);
    post(
        app,
        &admin,
        &format!("/admin/api-keys/{key_id}/sales-channels"),
        json!({"add": [web.clone()]}),
    )
    .await;
    let apparel = Shop::id(
        &post(
            app,
            &admin,
            "/admin/product-categories",
            json!({"name": "Apparel"}),
        )
        .await["product_category"],
    );
    let shirts = Shop::id(
        &post(
            app,
            &admin,
            "/admin/product-categories",
            json!({"name": "Shirts", "parent_category_id": apparel}),
        )
        .await["product_category"],
    );
    post(
        app,
        &admin,
        "/admin/product-categories",
        json!({"name": "Staff only", "is_internal": true}),
    )
    .await;
    let summer = Shop::id(
        &post(
            app,
            &admin,
            "/admin/collections",
            json!({"title": "Summer"}),
        )
        .await["collection"],
    );
    let apparel_type = Shop::id(
        &post(
            app,
            &admin,
            "/admin/product-types",
            json!({"value": "Apparel"}),
        )
        .await["product_type"],
    );
    let tag_eco = Shop::id(
        &post(app, &admin, "/admin/product-tags", json!({"value": "eco"})).await["product_tag"],
    );
    let tee = post(app, &admin, "/admin/products", json!({
        "title": "Organic Tee", "status": "published", "description": "Soft organic cotton shirt",
        "options": [{"title": "Size", "values": ["S", "M"]}],
        "variants": [variant("S", "TEE-S", ("Size", "S"), 24.99, 29.0), variant("M", "TEE-M", ("Size", "M"), 26.5, 31.0)],
        "collection_id": summer, "type_id": apparel_type, "tags": [{"id": tag_eco}], "categories": [{"id": shirts}],
        "sales_channels": [{"id": web}], "images": [{"url": "https://img.example/tee.png"}],
    })).await["product"].clone();
    let mug = post(app, &admin, "/admin/products", json!({
        "title": "Enamel Mug", "status": "published", "handle": "enamel-mug",
        "variants": [{"title": "One size", "prices": [{"currency_code": "eur", "amount": 12}, {"currency_code": "usd", "amount": 14}]}],
        "sales_channels": [{"id": web}],
    })).await["product"].clone();
    let hidden = post(
        app,
        &admin,
        "/admin/products",
        json!({
            "title": "Wholesale Crate", "status": "published",
            "variants": [{"title": "Crate", "prices": [{"currency_code": "eur", "amount": 100}]}],
            "sales_channels": [{"id": b2b}],
        }),
    )
    .await["product"]
        .clone();
    post(
        app,
        &admin,
        "/admin/products",
        json!({"title": "Draft Scarf", "status": "draft", "sales_channels": [{"id": web}],
        "variants": [{"title": "One", "prices": [{"currency_code": "eur", "amount": 5}]}]}),
    )
    .await;
    Shop {
        admin,
        pk,
        eu,
        us,
        web,
        b2b,
        shirts,
        summer,
        apparel_type,
        tag_eco,
        tee,
        mug,
        hidden,
    }
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

async fn publishable_keys_gate_the_store(app: TestApp) {
    let s = shop(&app).await;
    let missing = app.get("/store/products").await;
    missing.assert_error(StatusCode::BAD_REQUEST, "not_allowed");
    assert!(missing.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("Publishable API key required in the request header: x-publishable-api-key"));
    let bad = store(&app, "pk_nope", "/store/products").await;
    bad.assert_error(StatusCode::BAD_REQUEST, "not_allowed");
    assert_eq!(
        bad.json()["message"],
        "A valid publishable key is required to proceed with the request"
    );

    let list = store(&app, &s.pk, "/store/products").await.ok();
    let titles: BTreeSet<String> = list["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        titles,
        set(&["Enamel Mug", "Organic Tee"]),
        "other channel's and draft products are invisible"
    );
    assert_eq!(list["count"], 2);
    store(
        &app,
        &s.pk,
        &format!("/store/products/{}", Shop::id(&s.hidden)),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "not_found");
    store(
        &app,
        &s.pk,
        &format!("/store/products?sales_channel_id[]={}", s.b2b),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    // Moving the product into the key's channel makes it visible.
    post(
        &app,
        &s.admin,
        &format!("/admin/sales-channels/{}/products", s.web),
        json!({"add": [Shop::id(&s.hidden)]}),
    )
    .await;
    assert_eq!(store(&app, &s.pk, "/store/products").await.ok()["count"], 3);
    // A revoked key stops working at once.
    let keys = app
        .get_as("/admin/api-keys?type=publishable", &s.admin)
        .await
        .ok();
    let id = keys["api_keys"][0]["id"].as_str().unwrap().to_string();
    app.post_as(
        &format!("/admin/api-keys/{id}/revoke"),
        &s.admin,
        &json!({}),
    )
    .await
    .ok();
    store(&app, &s.pk, "/store/products")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "not_allowed");
}
app_test!(
    publishable_keys_gate_the_store_and_scope_it_to_their_channels,
    publishable_keys_gate_the_store
);

async fn product_shape_matches_medusa(app: TestApp) {
    let s = shop(&app).await;
    let res = store(
        &app,
        &s.pk,
        &format!("/store/products/{}?region_id={}", Shop::id(&s.tee), s.eu),
    )
    .await
    .ok();
    let p = &res["product"];
    assert_eq!(
        keys(p),
        set(&[
            "categories",
            "collection",
            "collection_id",
            "created_at",
            "description",
            "discountable",
            "handle",
            "height",
            "hs_code",
            "id",
            "images",
            "is_giftcard",
            "length",
            "material",
            "mid_code",
            "options",
            "origin_country",
            "subtitle",
            "tags",
            "thumbnail",
            "title",
            "type",
            "type_id",
            "updated_at",
            "variants",
            "weight",
            "width"
        ])
    );
    let v = &p["variants"][0];
    assert_eq!(
        keys(v),
        set(&[
            "allow_backorder",
            "barcode",
            "calculated_price",
            "created_at",
            "deleted_at",
            "ean",
            "height",
            "hs_code",
            "id",
            "length",
            "manage_inventory",
            "material",
            "metadata",
            "mid_code",
            "options",
            "origin_country",
            "product_id",
            "sku",
            "thumbnail",
            "title",
            "upc",
            "updated_at",
            "variant_rank",
            "weight",
            "width"
        ])
    );
    assert_eq!(
        keys(&v["calculated_price"]),
        set(&[
            "calculated_amount",
            "calculated_price",
            "currency_code",
            "id",
            "is_calculated_price_price_list",
            "is_calculated_price_tax_inclusive",
            "is_original_price_price_list",
            "is_original_price_tax_inclusive",
            "original_amount",
            "original_price",
            "raw_calculated_amount",
            "raw_original_amount"
        ])
    );
    assert_eq!(
        keys(&v["options"][0]),
        set(&[
            "created_at",
            "deleted_at",
            "id",
            "metadata",
            "option",
            "option_id",
            "rank",
            "updated_at",
            "value"
        ])
    );
    assert_eq!(
        keys(&p["options"][0]),
        set(&[
            "created_at",
            "deleted_at",
            "id",
            "is_exclusive",
            "metadata",
            "title",
            "updated_at",
            "values"
        ])
    );
    assert_eq!(
        keys(&p["options"][0]["values"][0]),
        set(&[
            "created_at",
            "deleted_at",
            "id",
            "metadata",
            "option_id",
            "rank",
            "updated_at",
            "value"
        ])
    );
    assert_eq!(
        keys(&p["images"][0]),
        set(&[
            "created_at",
            "deleted_at",
            "id",
            "metadata",
            "product_id",
            "rank",
            "updated_at",
            "url"
        ])
    );
    assert_eq!(v["calculated_price"]["calculated_amount"], json!(24.99));
    assert_eq!(
        v["calculated_price"]["raw_calculated_amount"],
        json!({"value": "24.99", "precision": 20})
    );
    assert_eq!(v["calculated_price"]["currency_code"], "eur");
    assert_eq!(
        v["calculated_price"]["calculated_price"]["price_list_id"],
        Value::Null
    );
    assert_eq!(p["collection"]["title"], "Summer");
    assert_eq!(p["type"]["value"], "Apparel");
    assert_eq!(p["tags"][0]["value"], "eco");
    assert_eq!(p["categories"][0]["name"], "Shirts");
    assert_eq!(p["variants"][0]["options"][0]["option"]["title"], "Size");
    // Without a region, no prices are computed (and the list omits categories, as Medusa does).
    let list = store(&app, &s.pk, "/store/products?limit=1").await.ok();
    assert!(list["products"][0]["variants"][0]
        .get("calculated_price")
        .is_none());
    assert!(list["products"][0].get("categories").is_none());

    let regions = store(&app, &s.pk, "/store/regions").await.ok();
    assert_eq!(regions["count"], 2);
    let eu = &regions["regions"][0];
    assert_eq!(
        keys(eu),
        set(&[
            "countries",
            "created_at",
            "currency_code",
            "deleted_at",
            "id",
            "metadata",
            "name",
            "updated_at"
        ])
    );
    assert_eq!(
        keys(&eu["countries"][0]),
        set(&[
            "created_at",
            "deleted_at",
            "display_name",
            "iso_2",
            "iso_3",
            "metadata",
            "name",
            "num_code",
            "region_id",
            "updated_at"
        ])
    );
    assert_eq!(eu["countries"][0]["iso_2"], "de");
    assert_eq!(eu["countries"][0]["display_name"], "Germany");
    assert_eq!(eu["countries"][0]["num_code"], "276");
    let one = store(&app, &s.pk, &format!("/store/regions/{}", s.us))
        .await
        .ok();
    assert_eq!(one["region"]["currency_code"], "usd");
    let cur = store(&app, &s.pk, "/store/currencies/EUR").await.ok();
    assert_eq!(cur["currency"]["decimal_digits"], 2);
    store(&app, &s.pk, "/store/currencies/xyz")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
}
app_test!(
    store_product_and_region_shapes_match_medusa,
    product_shape_matches_medusa
);

async fn fields_selection(app: TestApp) {
    let s = shop(&app).await;
    let id = Shop::id(&s.tee);
    let only = store(
        &app,
        &s.pk,
        &format!("/store/products/{id}?fields=title,handle"),
    )
    .await
    .ok();
    assert_eq!(keys(&only["product"]), set(&["id", "title", "handle"]));
    let plus = store(
        &app,
        &s.pk,
        &format!("/store/products/{id}?fields=%2Bmetadata,-variants,-images"),
    )
    .await
    .ok();
    assert!(plus["product"].get("metadata").is_some());
    assert!(plus["product"].get("variants").is_none() && plus["product"].get("images").is_none());
    assert!(plus["product"].get("options").is_some());
    let nested = store(
        &app,
        &s.pk,
        &format!("/store/products/{id}?fields=id,variants.sku,*collection"),
    )
    .await
    .ok();
    assert_eq!(
        keys(&nested["product"]),
        set(&["id", "variants", "collection"])
    );
    assert_eq!(keys(&nested["product"]["variants"][0]), set(&["id", "sku"]));
    assert_eq!(nested["product"]["collection"]["handle"], "summer");
    // `+variants.calculated_price` without a region uses the store's default region, else is a 400.
    let needs_region = store(
        &app,
        &s.pk,
        &format!("/store/products/{id}?fields=%2Bvariants.calculated_price"),
    )
    .await;
    needs_region.assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    assert!(needs_region.json()["message"]
        .as_str()
        .unwrap()
        .contains("region_id"));
    let stores = app.get_as("/admin/stores", &s.admin).await.ok();
    let store_id = stores["stores"][0]["id"].as_str().unwrap().to_string();
    post(
        &app,
        &s.admin,
        &format!("/admin/stores/{store_id}"),
        json!({"default_region_id": s.us}),
    )
    .await;
    let priced = store(
        &app,
        &s.pk,
        &format!("/store/products/{id}?fields=*variants.calculated_price"),
    )
    .await
    .ok();
    assert_eq!(
        priced["product"]["variants"][0]["calculated_price"]["calculated_amount"],
        json!(29)
    );
    assert_eq!(
        priced["product"]["variants"][0]["calculated_price"]["currency_code"],
        "usd"
    );
    let bad = store(
        &app,
        &s.pk,
        &format!("/store/products/{id}?fields=%2Bnot_a_field,variants.nope"),
    )
    .await;
    bad.assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    assert_eq!(
        bad.json()["message"],
        "Requested fields [+not_a_field, variants.nope] are not valid"
    );
}
app_test!(
    fields_select_add_remove_and_expand_relations,
    fields_selection
);

async fn filters_and_pagination(app: TestApp) {
    let s = shop(&app).await;
    let page1 = store(&app, &s.pk, "/store/products?limit=1&offset=0")
        .await
        .ok();
    let page2 = store(&app, &s.pk, "/store/products?limit=1&offset=1")
        .await
        .ok();
    assert_eq!(
        (
            page1["count"].as_i64(),
            page1["limit"].as_i64(),
            page1["offset"].as_i64()
        ),
        (Some(2), Some(1), Some(0))
    );
    assert_ne!(page1["products"][0]["id"], page2["products"][0]["id"]);
    let empty = store(&app, &s.pk, "/store/products?limit=5&offset=10")
        .await
        .ok();
    assert_eq!(
        (
            empty["count"].as_i64(),
            empty["products"].as_array().unwrap().len()
        ),
        (Some(2), 0)
    );
    let count = |v: Value| v["count"].as_i64().unwrap();
    assert_eq!(
        count(
            store(&app, &s.pk, "/store/products?handle=enamel-mug")
                .await
                .ok()
        ),
        1
    );
    assert_eq!(
        count(
            store(
                &app,
                &s.pk,
                &format!(
                    "/store/products?id[0]={}&id[1]={}",
                    Shop::id(&s.tee),
                    Shop::id(&s.mug)
                )
            )
            .await
            .ok()
        ),
        2
    );
    assert_eq!(
        count(
            store(
                &app,
                &s.pk,
                &format!("/store/products?collection_id[]={}", s.summer)
            )
            .await
            .ok()
        ),
        1
    );
    assert_eq!(
        count(
            store(
                &app,
                &s.pk,
                &format!("/store/products?category_id={}", s.shirts)
            )
            .await
            .ok()
        ),
        1
    );
    assert_eq!(
        count(
            store(
                &app,
                &s.pk,
                &format!("/store/products?tag_id[]={}", s.tag_eco)
            )
            .await
            .ok()
        ),
        1
    );
    assert_eq!(
        count(
            store(
                &app,
                &s.pk,
                &format!("/store/products?type_id={}", s.apparel_type)
            )
            .await
            .ok()
        ),
        1
    );
    assert_eq!(
        count(
            store(&app, &s.pk, "/store/products?created_at[$gt]=2000-01-01")
                .await
                .ok()
        ),
        2
    );
    assert_eq!(
        count(
            store(
                &app,
                &s.pk,
                "/store/products?created_at[$lt]=2000-01-01T00:00:00Z"
            )
            .await
            .ok()
        ),
        0
    );
    let desc = store(&app, &s.pk, "/store/products?order=-title")
        .await
        .ok();
    assert_eq!(desc["products"][0]["title"], "Organic Tee");
    // Search, by prefix, over title and description.
    assert_eq!(
        count(store(&app, &s.pk, "/store/products?q=organ").await.ok()),
        1
    );
    assert_eq!(
        count(
            store(&app, &s.pk, "/store/products?q=cotton%20shirt")
                .await
                .ok()
        ),
        1
    );
    assert_eq!(
        count(store(&app, &s.pk, "/store/products?q=mug").await.ok()),
        1
    );
    assert_eq!(
        count(
            store(&app, &s.pk, "/store/products?q=%22%2A%3A%26")
                .await
                .ok()
        ),
        0
    );
    assert_eq!(
        count(store(&app, &s.pk, "/store/products?q=crate").await.ok()),
        0,
        "search stays inside the key's channels"
    );
    // The index follows writes: a renamed product is found by its new words only, a deleted one
    // not at all.
    let tee = s.tee["id"].as_str().unwrap().to_string();
    post(
        &app,
        &s.admin,
        &format!("/admin/products/{tee}"),
        json!({"title": "Linen Smock", "handle": "linen-smock", "description": "Woven"}),
    )
    .await;
    let found = |v: Value| {
        v["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        found(store(&app, &s.pk, "/store/products?q=smock").await.ok()),
        vec![tee.clone()]
    );
    assert!(found(store(&app, &s.pk, "/store/products?q=organ").await.ok()).is_empty());
    app.delete_as(&format!("/admin/products/{tee}"), &s.admin)
        .await
        .ok();
    assert!(found(store(&app, &s.pk, "/store/products?q=smock").await.ok()).is_empty());
    for bad in [
        "/store/products?limit=-1",
        "/store/products?offset=-3",
        "/store/products?limit=ten",
        "/store/products?created_at[$between]=2020-01-01",
        "/store/products?created_at[$gt]=yesterday",
        "/store/products?order=price",
        "/store/products?region_id[]=a&region_id[]=b",
    ] {
        store(&app, &s.pk, bad)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    }
    store(&app, &s.pk, "/store/products?region_id=reg_missing")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    store(
        &app,
        &s.pk,
        &format!("/store/products?region_id={}&country_code=us", s.eu),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");

    let cats = store(
        &app,
        &s.pk,
        "/store/product-categories?parent_category_id=null&include_descendants_tree=true",
    )
    .await
    .ok();
    assert_eq!(cats["count"], 1, "the internal category is hidden: {cats}");
    assert_eq!(
        cats["product_categories"][0]["category_children"][0]["name"],
        "Shirts"
    );
    let cols = store(&app, &s.pk, "/store/collections").await.ok();
    assert_eq!(
        (cols["count"].as_i64(), cols["limit"].as_i64()),
        (Some(1), Some(10))
    );
    assert_eq!(
        store(&app, &s.pk, "/store/product-tags").await.ok()["product_tags"][0]["value"],
        "eco"
    );
    assert_eq!(
        store(&app, &s.pk, "/store/product-types").await.ok()["product_types"][0]["value"],
        "Apparel"
    );
}
app_test!(
    filters_operators_search_and_pagination_with_count,
    filters_and_pagination
);

async fn calculated_prices(app: TestApp) {
    let s = shop(&app).await;
    let tee = Shop::id(&s.tee);
    let tee_s = s.tee["variants"][0]["id"].as_str().unwrap().to_string();
    let price = |v: &Value| v["product"]["variants"][0]["calculated_price"].clone();

    // Base price per region currency.
    let us = store(
        &app,
        &s.pk,
        &format!("/store/products/{tee}?region_id={}", s.us),
    )
    .await
    .ok();
    assert_eq!(price(&us)["calculated_amount"], json!(29));
    assert_eq!(price(&us)["is_calculated_price_tax_inclusive"], false);

    // A region-specific price beats the currency-wide one.
    post(
        &app,
        &s.admin,
        &format!("/admin/products/{tee}/variants/{tee_s}"),
        json!({"prices": [
            {"currency_code": "eur", "amount": 24.99}, {"currency_code": "usd", "amount": 29},
            {"currency_code": "usd", "amount": 27.5, "rules": {"region_id": s.us}},
            {"currency_code": "eur", "amount": 20, "min_quantity": 10},
        ]}),
    )
    .await;
    let us = store(
        &app,
        &s.pk,
        &format!("/store/products/{tee}?region_id={}", s.us),
    )
    .await
    .ok();
    assert_eq!(price(&us)["calculated_amount"], json!(27.5));

    // A sale price list lowers the calculated price and keeps the original.
    let sale = post(
        &app,
        &s.admin,
        "/admin/price-lists",
        json!({"title": "Spring sale", "type": "sale", "status": "active",
        "prices": [{"variant_id": tee_s, "currency_code": "eur", "amount": 19.99}]}),
    )
    .await;
    let eu = store(
        &app,
        &s.pk,
        &format!("/store/products/{tee}?region_id={}", s.eu),
    )
    .await
    .ok();
    let p = price(&eu);
    assert_eq!(
        (p["calculated_amount"].clone(), p["original_amount"].clone()),
        (json!(19.99), json!(24.99))
    );
    assert_eq!(p["is_calculated_price_price_list"], true);
    assert_eq!(p["is_original_price_price_list"], false);
    assert_eq!(p["calculated_price"]["price_list_type"], "sale");
    assert_eq!(
        p["calculated_price"]["price_list_id"],
        sale["price_list"]["id"]
    );

    // A VIP price list applies only to its customer group.
    let vip = post(
        &app,
        &s.admin,
        "/admin/customer-groups",
        json!({"name": "VIP"}),
    )
    .await;
    let vip_id = vip["customer_group"]["id"].as_str().unwrap().to_string();
    post(
        &app,
        &s.admin,
        &format!("/admin/customer-groups/{vip_id}/customers"),
        json!({"add": ["cus_alice"]}),
    )
    .await;
    post(
        &app,
        &s.admin,
        "/admin/price-lists",
        json!({"title": "VIP", "type": "sale", "rules": {"customer.groups.id": [vip_id]},
        "prices": [{"variant_id": tee_s, "currency_code": "eur", "amount": 15}]}),
    )
    .await;
    let explain = |q: String| {
        let app = &app;
        let admin = s.admin.clone();
        async move {
            app.get_as(&format!("/admin/prices/explain?{q}"), &admin)
                .await
                .ok()["explanation"]
                .clone()
        }
    };
    let anon = explain(format!("variant_id={tee_s}&region_id={}", s.eu)).await;
    assert_eq!(anon["result"]["calculated_amount"], json!(19.99));
    let alice = explain(format!(
        "variant_id={tee_s}&region_id={}&customer_id=cus_alice",
        s.eu
    ))
    .await;
    assert_eq!(alice["result"]["calculated_amount"], json!(15));
    assert_eq!(alice["result"]["original_amount"], json!(24.99));
    let reasons: Vec<String> = alice["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["verdict"].as_str().unwrap().to_string())
        .collect();
    assert!(
        reasons.contains(&"WrongCurrency".to_string())
            && reasons.contains(&"ChosenAsCalculated".to_string()),
        "{alice}"
    );
    // A quantity tier applies from its minimum quantity.
    let bulk = explain(format!("variant_id={tee_s}&region_id={}&quantity=12", s.eu)).await;
    assert_eq!(bulk["result"]["original_amount"], json!(20), "{bulk}");
    assert_eq!(bulk["result"]["calculated_amount"], json!(19.99));

    // Tax-inclusive region with a tax place: amounts with and without tax, rounded to the cent.
    let de = store(
        &app,
        &s.pk,
        &format!("/store/products/{tee}?region_id={}&country_code=de", s.eu),
    )
    .await
    .ok();
    let p = price(&de);
    assert_eq!(p["is_calculated_price_tax_inclusive"], true);
    assert_eq!(p["calculated_amount_with_tax"], json!(19.99));
    assert_eq!(
        p["calculated_amount_without_tax"],
        json!(16.8),
        "19.99 / 1.19 = 16.798… → 16.80"
    );
    assert_eq!(
        p["original_amount_without_tax"],
        json!(21),
        "24.99 / 1.19 = 21.0000…"
    );
    // Tax-exclusive region, New York: 8.875% on top, rounded half away from zero.
    let ny = store(
        &app,
        &s.pk,
        &format!(
            "/store/products/{tee}?region_id={}&country_code=us&province=ny",
            s.us
        ),
    )
    .await
    .ok();
    let p = price(&ny);
    assert_eq!(p["calculated_amount_without_tax"], json!(27.5));
    assert_eq!(
        p["calculated_amount_with_tax"],
        json!(29.94),
        "27.50 × 1.08875 = 29.940625"
    );
    // An override rate for the product type beats the state's default.
    let ny_region = app.get_as("/admin/tax-regions", &s.admin).await.ok();
    let ny_id = ny_region["tax_regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["province_code"] == "ny")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    post(
        &app,
        &s.admin,
        "/admin/tax-rates",
        json!({"tax_region_id": ny_id, "name": "Clothing", "code": "ny-clothing", "rate": 4,
        "rules": [{"reference": "product_type", "reference_id": s.apparel_type}]}),
    )
    .await;
    let ny = store(
        &app,
        &s.pk,
        &format!(
            "/store/products/{tee}?region_id={}&country_code=us&province=ny",
            s.us
        ),
    )
    .await
    .ok();
    assert_eq!(price(&ny)["calculated_amount_with_tax"], json!(28.6));

    // Ended and draft lists do not apply.
    let list_id = sale["price_list"]["id"].as_str().unwrap();
    post(
        &app,
        &s.admin,
        &format!("/admin/price-lists/{list_id}"),
        json!({"status": "draft"}),
    )
    .await;
    let eu = store(
        &app,
        &s.pk,
        &format!("/store/products/{tee}?region_id={}", s.eu),
    )
    .await
    .ok();
    assert_eq!(price(&eu)["calculated_amount"], json!(24.99));
}
app_test!(
    calculated_prices_for_base_region_sale_group_tier_and_tax_cases,
    calculated_prices
);

async fn bad_catalog_input(app: TestApp) {
    let s = shop(&app).await;
    let bad = |path: &'static str, body: Value| {
        let app = &app;
        let admin = s.admin.clone();
        async move { app.post_as(path, &admin, &body).await }
    };
    bad(
        "/admin/regions",
        json!({"name": "Mars", "currency_code": "xyz"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    bad(
        "/admin/regions",
        json!({"name": "Dup", "currency_code": "eur", "countries": ["de"]}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    bad(
        "/admin/regions",
        json!({"name": "Nowhere", "currency_code": "eur", "countries": ["zz"]}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    bad("/admin/products", json!({"title": "X", "variants": [{"title": "a", "prices": [{"currency_code": "xyz", "amount": 1}]}]}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    bad("/admin/products", json!({"title": "X", "variants": [{"title": "a", "prices": [{"currency_code": "eur", "amount": 1.001}]}]}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    bad("/admin/products", json!({"title": "X", "variants": [{"title": "a", "prices": [{"currency_code": "jpy", "amount": 1.5}]}]}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    bad("/admin/products", json!({"title": "X", "variants": [{"title": "a", "prices": [{"currency_code": "eur", "amount": -1}]}]}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    bad("/admin/products", json!({"title": "X", "options": [{"title": "Size", "values": ["S"]}], "variants": [{"options": {"Size": "XL"}}]}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    bad(
        "/admin/products",
        json!({"title": "X", "collection_id": "pcol_missing"}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    bad("/admin/products", json!({"title": "X", "colour": "red"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    bad("/admin/products", json!({"title": ""}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    bad(
        "/admin/products",
        json!({"title": "Dup", "handle": "enamel-mug"}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "duplicate_error");
    bad(
        "/admin/products",
        json!({"title": "Dup sku", "variants": [{"title": "x", "sku": "TEE-S"}]}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "duplicate_error");
    bad("/admin/price-lists", json!({"title": "Bad", "prices": [{"variant_id": "variant_missing", "currency_code": "eur", "amount": 1}]}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    bad(
        "/admin/tax-rates",
        json!({"tax_region_id": "txreg_x", "name": "x", "code": "x", "rate": 5}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "not_found");
    // Nothing above changed the catalog.
    let products = app.get_as("/admin/products", &s.admin).await.ok();
    assert_eq!(products["count"], 4);
    let lists = app.get_as("/admin/price-lists", &s.admin).await.ok();
    assert_eq!(lists["count"], 0);
}
app_test!(
    bad_catalog_input_is_a_400_and_changes_nothing,
    bad_catalog_input
);

async fn admin_product_lifecycle_checked(app: TestApp) {
    let s = shop(&app).await;
    let mug = Shop::id(&s.mug);
    let updated = post(
        &app,
        &s.admin,
        &format!("/admin/products/{mug}"),
        json!({"title": "Camp Mug", "status": "draft"}),
    )
    .await;
    assert_eq!(updated["product"]["title"], "Camp Mug");
    assert_eq!(updated["product"]["status"], "draft");
    assert_eq!(
        store(&app, &s.pk, "/store/products").await.ok()["count"],
        1,
        "drafts leave the store"
    );
    post(
        &app,
        &s.admin,
        &format!("/admin/products/{mug}"),
        json!({"status": "published"}),
    )
    .await;
    // Adding a variant whose options are taken is refused; a new combination is accepted.
    app.post_as(
        &format!("/admin/products/{}/variants", Shop::id(&s.tee)),
        &s.admin,
        &json!({"title": "M again", "options": {"Size": "M"}}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    let product = app
        .get_as(&format!("/admin/products/{}", Shop::id(&s.tee)), &s.admin)
        .await
        .ok();
    assert_eq!(product["product"]["variants"].as_array().unwrap().len(), 2);
    assert_eq!(
        product["product"]["variants"][0]["prices"][0]["amount"],
        json!(24.99)
    );
    let del = app
        .delete_as(&format!("/admin/products/{mug}"), &s.admin)
        .await
        .ok();
    assert_eq!(
        del,
        json!({"id": mug, "object": "product", "deleted": true})
    );
    assert_eq!(store(&app, &s.pk, "/store/products").await.ok()["count"], 1);
    app.get_as(&format!("/admin/products/{mug}"), &s.admin)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    let _ = (&s.web, &s.eu);
    // Every change was announced through the outbox.
    let events = app
        .db
        .fetch_all(
            merx_db::query("SELECT name FROM outbox_event WHERE aggregate_id = ?").bind(&mug),
        )
        .await
        .unwrap();
    let names: BTreeSet<String> = events.iter().map(|r| r.text("name").unwrap()).collect();
    assert!(
        names.contains("product.created")
            && names.contains("product.updated")
            && names.contains("product.deleted"),
        "{names:?}"
    );
}
app_test!(
    admin_products_update_gate_the_store_and_emit_events,
    admin_product_lifecycle_checked
);

async fn variant_edits_and_deletion(app: TestApp) {
    let s = shop(&app).await;
    let tee = Shop::id(&s.tee);
    let small = s.tee["variants"][0]["id"].as_str().unwrap().to_string();
    let medium = s.tee["variants"][1]["id"].as_str().unwrap().to_string();
    let path = format!("/admin/products/{tee}/variants/{small}");
    let store_path = format!("/store/products/{tee}");
    let variant_in = |p: &Value, id: &str| -> Value {
        p["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    // Fill the Store read cache first: the edit must show through it.
    let before = store(&app, &s.pk, &store_path).await.ok();
    assert_eq!(variant_in(&before["product"], &small)["title"], "S");

    let edited = post(
        &app,
        &s.admin,
        &path,
        json!({"title": "Small", "sku": "TEE-SMALL", "allow_backorder": true, "weight": 300,
               "material": "cotton", "metadata": {"fit": "slim"}}),
    )
    .await;
    let v = variant_in(&edited["product"], &small);
    assert_eq!(
        (
            &v["title"],
            &v["sku"],
            &v["allow_backorder"],
            &v["weight"],
            &v["material"],
            &v["metadata"]["fit"]
        ),
        (
            &json!("Small"),
            &json!("TEE-SMALL"),
            &json!(true),
            &json!(300),
            &json!("cotton"),
            &json!("slim")
        )
    );
    assert_eq!(
        v["manage_inventory"], s.tee["variants"][0]["manage_inventory"],
        "untouched"
    );
    assert_eq!(
        v["prices"], s.tee["variants"][0]["prices"],
        "prices untouched when not sent"
    );
    let shown = store(&app, &s.pk, &store_path).await.ok();
    assert_eq!(variant_in(&shown["product"], &small)["title"], "Small");
    assert_eq!(variant_in(&shown["product"], &small)["sku"], "TEE-SMALL");

    // null clears a field; the other variant is untouched.
    let cleared = post(&app, &s.admin, &path, json!({"sku": null, "weight": null})).await;
    let v = variant_in(&cleared["product"], &small);
    assert_eq!(
        (&v["sku"], &v["weight"], &v["title"]),
        (&Value::Null, &Value::Null, &json!("Small"))
    );
    assert_eq!(variant_in(&cleared["product"], &medium)["sku"], "TEE-M");

    // Bad input changes nothing.
    app.post_as(&path, &s.admin, &json!({"sku": "TEE-M"}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "duplicate_error");
    app.post_as(&path, &s.admin, &json!({"title": "  ", "sku": "X"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    app.post_as(&path, &s.admin, &json!({"weight": -1}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    app.post_as(&path, &s.admin, &json!({"colour": "red"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    let after_bad = app
        .get_as(&format!("/admin/products/{tee}"), &s.admin)
        .await
        .ok();
    let v = variant_in(&after_bad["product"], &small);
    assert_eq!((&v["title"], &v["sku"]), (&json!("Small"), &Value::Null));

    post(&app, &s.admin, &path, json!({"sku": "TEE-SMALL"})).await;

    // Deleting: the variant leaves the product (and the Store), the other stays.
    let deleted = app.delete_as(&path, &s.admin).await.ok();
    assert_eq!(
        (&deleted["id"], &deleted["object"], &deleted["deleted"]),
        (&json!(small), &json!("variant"), &json!(true))
    );
    assert_eq!(deleted["parent"]["variants"].as_array().unwrap().len(), 1);
    let shown = store(&app, &s.pk, &store_path).await.ok();
    let ids: Vec<&Value> = shown["product"]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["id"])
        .collect();
    assert_eq!(ids, [&json!(medium)]);
    app.delete_as(&path, &s.admin)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    app.post_as(&path, &s.admin, &json!({"title": "Ghost"}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    // Its SKU is free again.
    post(
        &app,
        &s.admin,
        &format!("/admin/products/{tee}/variants/{medium}"),
        json!({"sku": "TEE-SMALL"}),
    )
    .await;
}
app_test!(
    an_admin_edits_a_variant_field_by_field_and_deletes_it,
    variant_edits_and_deletion
);

async fn customer_group_edits(app: TestApp) {
    let admin = app.admin_key(Role::Admin).await;
    let g = post(
        &app,
        &admin,
        "/admin/customer-groups",
        json!({"name": "VIP", "metadata": {"tier": 1}}),
    )
    .await;
    let id = Shop::id(&g["customer_group"]);
    let path = format!("/admin/customer-groups/{id}");
    let renamed = post(&app, &admin, &path, json!({"name": " Gold "})).await;
    assert_eq!(renamed["customer_group"]["name"], "Gold");
    assert_eq!(
        renamed["customer_group"]["metadata"],
        json!({"tier": 1}),
        "kept"
    );
    let cleared = post(&app, &admin, &path, json!({"metadata": null})).await;
    assert_eq!(cleared["customer_group"]["metadata"], Value::Null);
    assert_eq!(cleared["customer_group"]["name"], "Gold");
    app.post_as(&path, &admin, &json!({"name": ""}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    app.post_as(
        "/admin/customer-groups/cusgroup_nope",
        &admin,
        &json!({"name": "X"}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "not_found");
    let read = app.get_as(&path, &admin).await.ok();
    assert_eq!(read["customer_group"]["name"], "Gold");
}
app_test!(
    an_admin_renames_a_customer_group_and_clears_its_metadata,
    customer_group_edits
);

async fn product_images_replaced(app: TestApp) {
    let s = shop(&app).await;
    let tee = Shop::id(&s.tee);
    let urls = |p: &Value| -> Vec<String> {
        p["images"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["url"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(urls(&s.tee), ["https://img.example/tee.png"]);
    let store_path = format!("/store/products/{tee}");
    let _ = store(&app, &s.pk, &store_path).await.ok();
    let updated = post(
        &app,
        &s.admin,
        &format!("/admin/products/{tee}"),
        json!({"images": [{"url": "https://img.example/front.png"}, {"url": "https://img.example/back.png"}]}),
    )
    .await;
    assert_eq!(
        urls(&updated["product"]),
        [
            "https://img.example/front.png",
            "https://img.example/back.png"
        ],
        "replaced, in the order given"
    );
    assert_eq!(
        updated["product"]["title"], s.tee["title"],
        "nothing else changed"
    );
    let shown = store(&app, &s.pk, &store_path).await.ok();
    assert_eq!(
        urls(&shown["product"]),
        [
            "https://img.example/front.png",
            "https://img.example/back.png"
        ]
    );
    app.post_as(
        &format!("/admin/products/{tee}"),
        &s.admin,
        &json!({"images": [{"url": " "}]}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    let emptied = post(
        &app,
        &s.admin,
        &format!("/admin/products/{tee}"),
        json!({"images": []}),
    )
    .await;
    assert!(urls(&emptied["product"]).is_empty());
}
app_test!(
    an_admin_replaces_a_products_images_and_the_store_shows_them_at_once,
    product_images_replaced
);

async fn option_edits(app: TestApp) {
    let s = shop(&app).await;
    let tee = Shop::id(&s.tee);
    let base = format!("/admin/products/{tee}/options");
    let options = |p: &Value| -> Vec<(String, Vec<String>)> {
        p["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let values = o["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["value"].as_str().unwrap().to_string())
                    .collect();
                (o["title"].as_str().unwrap().to_string(), values)
            })
            .collect()
    };
    let owned = |list: &[(&str, &[&str])]| -> Vec<(String, Vec<String>)> {
        list.iter()
            .map(|(t, vs)| (t.to_string(), vs.iter().map(|v| v.to_string()).collect()))
            .collect()
    };
    let added = post(
        &app,
        &s.admin,
        &base,
        json!({"title": "Color", "values": ["Red", "Blue"]}),
    )
    .await;
    assert_eq!(
        options(&added["product"]),
        owned(&[("Size", &["S", "M"]), ("Color", &["Red", "Blue"])])
    );
    let color = added["product"]["options"][1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let size = added["product"]["options"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for bad in [
        json!({"title": "size", "values": ["XL"]}),
        json!({"title": "Fabric", "values": []}),
        json!({"title": "Fabric", "values": ["Wool", "Wool"]}),
        json!({"title": " ", "values": ["Wool"]}),
    ] {
        app.post_as(&base, &s.admin, &bad)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    }

    // Rename and extend; a value a variant uses cannot be taken away.
    let fit = post(
        &app,
        &s.admin,
        &format!("{base}/{size}"),
        json!({"title": "Fit", "values": ["S", "M", "L"]}),
    )
    .await;
    assert_eq!(
        options(&fit["product"])[0],
        owned(&[("Fit", &["S", "M", "L"])])[0]
    );
    let shown = store(&app, &s.pk, &format!("/store/products/{tee}"))
        .await
        .ok();
    assert_eq!(
        shown["product"]["options"][0]["title"], "Fit",
        "the Store shows it at once"
    );
    app.post_as(
        &format!("{base}/{size}"),
        &s.admin,
        &json!({"values": ["S"]}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    let narrowed = post(
        &app,
        &s.admin,
        &format!("{base}/{color}"),
        json!({"values": ["Red"]}),
    )
    .await;
    assert_eq!(
        options(&narrowed["product"])[1],
        owned(&[("Color", &["Red"])])[0]
    );

    // Deleting Fit would leave the S and M variants alike; deleting Color is fine.
    app.delete_as(&format!("{base}/{size}"), &s.admin)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    let deleted = app
        .delete_as(&format!("{base}/{color}"), &s.admin)
        .await
        .ok();
    assert_eq!(
        (&deleted["object"], &deleted["deleted"]),
        (&json!("product_option"), &json!(true))
    );
    assert_eq!(
        options(&deleted["parent"]),
        owned(&[("Fit", &["S", "M", "L"])])
    );
    app.delete_as(&format!("{base}/{color}"), &s.admin)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    // A new variant takes the new value.
    let large = post(
        &app,
        &s.admin,
        &format!("/admin/products/{tee}/variants"),
        variant("L", "TEE-L", ("Fit", "L"), 28.0, 33.0),
    )
    .await;
    assert_eq!(large["product"]["variants"].as_array().unwrap().len(), 3);
}
app_test!(
    an_admin_adds_renames_narrows_and_deletes_product_options,
    option_edits
);
