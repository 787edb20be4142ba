//! `/admin/tax-regions` and `/admin/tax-rates` as Medusa 2.21 has them: the store setup's tax
//! regions (`admin-setup/08`–`10` in `medusa-responses/`: Germany, the US, and California as a
//! province sublevel of the US), carts taxed by province, and bad setups refused with a 4xx that
//! names the field. The key sets below are those of the reference answers.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use merx_core::auth::Role;
use serde_json::{json, Value};

use crate::app_test;
use crate::helpers::{TestApp, TestResponse};

/// `tax_region` of 08/09/10.
const REGION_KEYS: &[&str] = &[
    "children",
    "country_code",
    "created_at",
    "created_by",
    "deleted_at",
    "id",
    "metadata",
    "parent",
    "parent_id",
    "province_code",
    "provider_id",
    "tax_rates",
    "updated_at",
];
/// `tax_region.tax_rates[]` of 08/10.
const RATE_KEYS: &[&str] = &[
    "code",
    "created_at",
    "created_by",
    "deleted_at",
    "id",
    "is_combinable",
    "is_default",
    "metadata",
    "name",
    "rate",
    "rules",
    "tax_region_id",
    "updated_at",
];
/// `tax_region.parent` of 10.
const PARENT_KEYS: &[&str] = &[
    "country_code",
    "created_at",
    "created_by",
    "deleted_at",
    "id",
    "metadata",
    "parent_id",
    "province_code",
    "provider",
    "provider_id",
    "updated_at",
];

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

fn set(k: &[&str]) -> BTreeSet<String> {
    k.iter().map(|s| s.to_string()).collect()
}

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {v}"))
        .to_string()
}

/// The bodies `sdk.admin.taxRegion.create` sent in 08, 09 and 10 (10's parent is 09's answer).
fn de_body() -> Value {
    json!({"country_code": "de", "provider_id": "tp_system",
        "default_tax_rate": {"name": "DE VAT", "code": "DE19", "rate": 19}})
}
fn us_body() -> Value {
    json!({"country_code": "us", "provider_id": "tp_system"})
}
fn us_ca_body(parent: &str) -> Value {
    json!({"country_code": "us", "province_code": "us-ca", "parent_id": parent,
        "default_tax_rate": {"name": "California", "code": "US-CA", "rate": 7.25}})
}

/// Creates the three reference regions; returns their answers.
async fn reference_setup(app: &TestApp, admin: &str) -> (Value, Value, Value) {
    let de = app
        .post_as("/admin/tax-regions?fields=*tax_rates", admin, &de_body())
        .await
        .ok()["tax_region"]
        .clone();
    let us = app
        .post_as("/admin/tax-regions", admin, &us_body())
        .await
        .ok()["tax_region"]
        .clone();
    let ca = app
        .post_as(
            "/admin/tax-regions?fields=*tax_rates",
            admin,
            &us_ca_body(&id(&us)),
        )
        .await
        .ok()["tax_region"]
        .clone();
    (de, us, ca)
}

async fn medusa_setup_answers_medusas_shapes(app: TestApp) {
    let admin = app.admin_key(Role::Admin).await;
    let (de, us, ca) = reference_setup(&app, &admin).await;

    // 08: a country with its default rate.
    assert_eq!(keys(&de), set(REGION_KEYS), "{de}");
    assert!(id(&de).starts_with("txreg_"));
    assert_eq!(de["country_code"], "de");
    assert_eq!(de["province_code"], Value::Null);
    assert_eq!(de["parent_id"], Value::Null);
    assert_eq!(de["provider_id"], "tp_system");
    assert!(
        de["created_by"].as_str().is_some_and(|c| !c.is_empty()),
        "{de}"
    );
    assert_eq!(de["metadata"], Value::Null);
    assert_eq!(de["deleted_at"], Value::Null);
    assert_eq!(de["children"], json!([]));
    assert_eq!(de["parent"], Value::Null);
    let rate = &de["tax_rates"][0];
    assert_eq!(de["tax_rates"].as_array().unwrap().len(), 1);
    assert_eq!(keys(rate), set(RATE_KEYS), "{rate}");
    assert!(id(rate).starts_with("txr_"));
    assert_eq!(rate["rate"], json!(19));
    assert_eq!(rate["code"], "DE19");
    assert_eq!(rate["name"], "DE VAT");
    assert_eq!(rate["is_default"], true);
    assert_eq!(rate["is_combinable"], false);
    assert_eq!(rate["tax_region_id"], de["id"]);
    assert_eq!(rate["created_by"], de["created_by"]);
    assert_eq!(rate["rules"], json!([]));

    // 09: a country without a rate of its own.
    assert_eq!(keys(&us), set(REGION_KEYS), "{us}");
    assert_eq!(us["provider_id"], "tp_system");
    assert_eq!(us["tax_rates"], json!([]));

    // 10: California, a sublevel of the US: no provider of its own, its parent shown.
    assert_eq!(keys(&ca), set(REGION_KEYS), "{ca}");
    assert_eq!(ca["country_code"], "us");
    assert_eq!(ca["province_code"], "us-ca");
    assert_eq!(ca["parent_id"], us["id"]);
    assert_eq!(ca["provider_id"], Value::Null);
    assert_eq!(keys(&ca["parent"]), set(PARENT_KEYS), "{ca}");
    assert_eq!(ca["parent"]["id"], us["id"]);
    assert_eq!(ca["parent"]["provider_id"], "tp_system");
    assert_eq!(ca["parent"]["provider"], json!({"id": "tp_system"}));
    assert_eq!(keys(&ca["tax_rates"][0]), set(RATE_KEYS));
    assert_eq!(ca["tax_rates"][0]["rate"], json!(7.25));
    assert_eq!(ca["tax_rates"][0]["code"], "US-CA");

    // The US now lists California among its children, with its rates.
    let us_now = app
        .get_as(&format!("/admin/tax-regions/{}", id(&us)), &admin)
        .await
        .ok()["tax_region"]
        .clone();
    assert_eq!(keys(&us_now), set(REGION_KEYS));
    let children = us_now["children"].as_array().unwrap();
    assert_eq!(children.len(), 1, "{us_now}");
    assert_eq!(children[0]["id"], ca["id"]);
    assert_eq!(children[0]["province_code"], "us-ca");
    assert_eq!(children[0]["tax_rates"][0]["rate"], json!(7.25));

    // List filters, as the SDK sends them.
    let count = |q: &'static str| {
        let app = app.clone();
        let admin = admin.clone();
        async move {
            let l = app
                .get_as(&format!("/admin/tax-regions{q}"), &admin)
                .await
                .ok();
            let ids: Vec<String> = l["tax_regions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    r["country_code"].as_str().unwrap().to_string()
                        + r["province_code"]
                            .as_str()
                            .map(|p| format!("/{p}"))
                            .as_deref()
                            .unwrap_or("")
                })
                .collect();
            if !q.contains("limit") {
                assert_eq!(l["count"], json!(ids.len()), "{l}");
            }
            ids
        }
    };
    assert_eq!(count("").await, ["de", "us", "us/us-ca"]);
    assert_eq!(count("?parent_id=null").await, ["de", "us"]);
    assert_eq!(count("?country_code=us").await, ["us", "us/us-ca"]);
    assert_eq!(
        count("?country_code[0]=de&country_code[1]=us&province_code=null").await,
        ["de", "us"]
    );
    assert_eq!(count("?province_code=us-ca").await, ["us/us-ca"]);
    let by_parent: &'static str = Box::leak(format!("?parent_id={}", id(&us)).into_boxed_str());
    assert_eq!(count(by_parent).await, ["us/us-ca"]);
    assert_eq!(count("?q=ca").await, ["us/us-ca"]);
    assert_eq!(
        count("?limit=1&offset=1").await,
        ["us"],
        "by country, then province"
    );

    // A region's answer is the same read back, and its metadata can be changed.
    let de_read = app
        .get_as(&format!("/admin/tax-regions/{}", id(&de)), &admin)
        .await
        .ok()["tax_region"]
        .clone();
    assert_eq!(de_read, de);
    let de_changed = app
        .post_as(
            &format!("/admin/tax-regions/{}", id(&de)),
            &admin,
            &json!({"metadata": {"vat_id": "DE123"}}),
        )
        .await
        .ok()["tax_region"]
        .clone();
    assert_eq!(de_changed["metadata"], json!({"vat_id": "DE123"}));
    assert_eq!(de_changed["tax_rates"], de["tax_rates"]);

    // Deleting the US deletes California with it.
    let gone = app
        .delete_as(&format!("/admin/tax-regions/{}", id(&us)), &admin)
        .await
        .ok();
    assert_eq!(
        gone,
        json!({"id": us["id"], "object": "tax_region", "deleted": true})
    );
    app.get_as(&format!("/admin/tax-regions/{}", id(&ca)), &admin)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(count("").await, ["de"]);
}
app_test!(
    medusa_setup_answers_medusas_shapes,
    medusa_setup_answers_medusas_shapes
);

struct Shop {
    admin: String,
    pk: String,
    region: String,
    variant: String,
}

async fn shop(app: &TestApp) -> Shop {
    let admin = app.admin_key(Role::Admin).await;
    let post = |path: &'static str, body: Value| {
        let app = app.clone();
        let admin = admin.clone();
        async move { app.post_as(path, &admin, &body).await.ok() }
    };
    let region = id(&post(
        "/admin/regions",
        json!({"name": "US", "currency_code": "usd", "countries": ["us"]}),
    )
    .await["region"]);
    let web = id(&post("/admin/sales-channels", json!({"name": "Web"})).await["sales_channel"]);
    let key = post(
        "/admin/api-keys",
        json!({"title": "web", "type": "publishable"}),
    )
    .await;
    app.post_as(
        &format!("/admin/api-keys/{}/sales-channels", id(&key["api_key"])),
        &admin,
        &json!({"add": [web]}),
    )
    .await
    .ok();
    let product = post(
        "/admin/products",
        json!({"title": "Hoodie", "status": "published", "sales_channels": [{"id": web}],
            "variants": [{"title": "M", "manage_inventory": false,
                "prices": [{"currency_code": "usd", "amount": 100}]}]}),
    )
    .await;
    Shop {
        admin,
        pk: key["api_key"]["token"].as_str().unwrap().to_string(),
        region,
        variant: id(&product["product"]["variants"][0]),
    }
}

async fn shopper(
    app: &TestApp,
    s: &Shop,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> TestResponse {
    app.call(
        method,
        path,
        None,
        body.as_ref(),
        &[("x-publishable-api-key", s.pk.as_str())],
    )
    .await
}

/// A cart of one 100 usd item shipped to `province` in the US; returns its id.
async fn cart_to(app: &TestApp, s: &Shop, province: &str) -> String {
    let cart = shopper(
        app,
        s,
        Method::POST,
        "/store/carts",
        Some(json!({"region_id": s.region,
        "shipping_address": {"first_name": "A", "address_1": "1 Main St", "city": "Somewhere",
            "country_code": "us", "province": province, "postal_code": "90001"}})),
    )
    .await
    .ok();
    let cart_id = id(&cart["cart"]);
    shopper(
        app,
        s,
        Method::POST,
        &format!("/store/carts/{cart_id}/line-items"),
        Some(json!({"variant_id": s.variant, "quantity": 1})),
    )
    .await
    .ok();
    cart_id
}

async fn tax_of(app: &TestApp, s: &Shop, cart: &str) -> Value {
    let c = shopper(app, s, Method::GET, &format!("/store/carts/{cart}"), None)
        .await
        .ok();
    c["cart"]["tax_total"].clone()
}

async fn carts_are_taxed_by_province(app: TestApp) {
    let s = shop(&app).await;
    let (_, us, ca) = reference_setup(&app, &s.admin).await;
    let california = cart_to(&app, &s, "us-ca").await;
    let nevada = cart_to(&app, &s, "us-nv").await;
    // Carts often carry the bare subdivision code: it is the same province.
    let california_short = cart_to(&app, &s, "CA").await;
    assert_eq!(tax_of(&app, &s, &california).await, json!(7.25));
    assert_eq!(tax_of(&app, &s, &california_short).await, json!(7.25));
    assert_eq!(
        tax_of(&app, &s, &nevada).await,
        json!(0),
        "the US region has no rate of its own yet (as in Medusa's setup)"
    );

    // A country-wide default: Nevada takes it, California keeps its own.
    let us_rate = app
        .post_as(
            "/admin/tax-rates",
            &s.admin,
            &json!({"tax_region_id": id(&us), "name": "US", "code": "US", "rate": 5, "is_default": true}),
        )
        .await
        .ok()["tax_rate"]
        .clone();
    assert_eq!(us_rate["tax_region"]["id"], us["id"]);
    assert_eq!(tax_of(&app, &s, &nevada).await, json!(5));
    assert_eq!(tax_of(&app, &s, &california).await, json!(7.25));

    // A changed province rate applies at once; a combinable one adds the country's.
    let ca_rate = id(&ca["tax_rates"][0]);
    let changed = app
        .post_as(
            &format!("/admin/tax-rates/{ca_rate}"),
            &s.admin,
            &json!({"rate": 8}),
        )
        .await
        .ok();
    assert_eq!(changed["tax_rate"]["rate"], json!(8));
    assert_eq!(
        changed["tax_rate"]["code"], "US-CA",
        "untouched fields stay"
    );
    assert_eq!(tax_of(&app, &s, &california).await, json!(8));
    app.post_as(
        &format!("/admin/tax-rates/{ca_rate}"),
        &s.admin,
        &json!({"is_combinable": true}),
    )
    .await
    .ok();
    assert_eq!(tax_of(&app, &s, &california).await, json!(13));
    assert_eq!(tax_of(&app, &s, &nevada).await, json!(5));

    // Deleting the province's region leaves California at the country's rate.
    app.delete_as(&format!("/admin/tax-regions/{}", id(&ca)), &s.admin)
        .await
        .ok();
    assert_eq!(tax_of(&app, &s, &california).await, json!(5));
}
app_test!(carts_are_taxed_by_province, carts_are_taxed_by_province);

/// Asserts a 4xx of `kind` whose message names `field`.
fn refused(res: TestResponse, status: StatusCode, kind: &str, field: &str) {
    res.assert_error(status, kind);
    let message = res.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains(field),
        "the message names {field}: {message}"
    );
}

async fn bad_setups_are_refused_naming_the_field(app: TestApp) {
    let admin = app.admin_key(Role::Admin).await;
    let bad = StatusCode::BAD_REQUEST;
    let post = |body: Value| {
        let app = app.clone();
        let admin = admin.clone();
        async move { app.post_as("/admin/tax-regions", &admin, &body).await }
    };
    refused(
        post(json!({"country_code": "de", "provider_id": "tp_avalara"})).await,
        bad,
        "invalid_data",
        "provider_id",
    );
    refused(
        post(json!({"country_code": "xx", "provider_id": "tp_system"})).await,
        bad,
        "invalid_data",
        "country_code",
    );
    // A province before its country.
    refused(
        post(json!({"country_code": "ca", "province_code": "ca-qc",
            "default_tax_rate": {"name": "QST", "code": "QST", "rate": 9.975}}))
        .await,
        bad,
        "invalid_data",
        "parent_id",
    );
    refused(
        post(json!({"country_code": "ca", "province_code": "ca-qc", "parent_id": "txreg_missing"}))
            .await,
        bad,
        "invalid_data",
        "parent_id",
    );
    // Rates outside 0..=100.
    for rate in [json!(101), json!(-1), json!(1000.5)] {
        refused(
            post(json!({"country_code": "de", "provider_id": "tp_system",
                "default_tax_rate": {"name": "DE VAT", "code": "DE19", "rate": rate}}))
            .await,
            bad,
            "invalid_data",
            "default_tax_rate.rate",
        );
    }
    // Medusa's shape, with a field it does not have.
    refused(
        post(json!({"country_code": "de", "provider_id": "tp_system", "rate": 19})).await,
        bad,
        "invalid_data",
        "rate",
    );
    assert_eq!(
        app.get_as("/admin/tax-regions", &admin).await.ok()["count"],
        0,
        "nothing refused was created"
    );

    let (de, us, ca) = reference_setup(&app, &admin).await;
    // A place has one region.
    refused(
        post(de_body()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "duplicate_error",
        "country_code",
    );
    refused(
        post(us_ca_body(&id(&us))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "duplicate_error",
        "province_code",
    );
    refused(
        post(json!({"country_code": "us", "province_code": "CA"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "duplicate_error",
        "province_code",
    );
    // A province's parent is its own country's region, not another's or a province's.
    refused(
        post(json!({"country_code": "us", "province_code": "us-ny", "parent_id": id(&de)})).await,
        bad,
        "invalid_data",
        "parent_id",
    );
    refused(
        post(json!({"country_code": "us", "province_code": "us-ny", "parent_id": id(&ca)})).await,
        bad,
        "invalid_data",
        "parent_id",
    );
    refused(
        post(json!({"country_code": "us", "parent_id": id(&us)})).await,
        bad,
        "invalid_data",
        "province_code",
    );

    // Updates.
    let region = |r: &Value| format!("/admin/tax-regions/{}", id(r));
    refused(
        app.post_as(&region(&de), &admin, &json!({"provider_id": "tp_nope"}))
            .await,
        bad,
        "invalid_data",
        "provider_id",
    );
    refused(
        app.post_as(&region(&de), &admin, &json!({"province_code": "de-be"}))
            .await,
        bad,
        "invalid_data",
        "province_code",
    );
    app.post_as("/admin/tax-regions/txreg_missing", &admin, &json!({}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    // Rates.
    let rate = |body: Value| {
        let app = app.clone();
        let admin = admin.clone();
        async move { app.post_as("/admin/tax-rates", &admin, &body).await }
    };
    refused(
        rate(json!({"tax_region_id": id(&us), "name": "US", "code": "US", "rate": 100.01})).await,
        bad,
        "invalid_data",
        "rate",
    );
    refused(
        rate(
            json!({"tax_region_id": id(&us), "name": "Books", "code": "B", "rate": 0,
            "rules": [{"reference": "customer_group", "reference_id": "cusgroup_1"}]}),
        )
        .await,
        bad,
        "invalid_data",
        "rules[0].reference",
    );
    refused(
        rate(
            json!({"tax_region_id": id(&us), "name": "Books", "code": "B", "rate": 0,
            "rules": [{"reference": "product", "reference_id": " "}]}),
        )
        .await,
        bad,
        "invalid_data",
        "rules[0].reference_id",
    );
    refused(
        rate(json!({"tax_region_id": id(&us), "name": " ", "code": "B", "rate": 1})).await,
        bad,
        "invalid_data",
        "name",
    );
    refused(
        rate(json!({"name": "US", "code": "US", "rate": 1})).await,
        bad,
        "invalid_data",
        "tax_region_id",
    );
    let ca_rate = format!("/admin/tax-rates/{}", id(&ca["tax_rates"][0]));
    refused(
        app.post_as(&ca_rate, &admin, &json!({"rate": 250})).await,
        bad,
        "invalid_data",
        "rate",
    );
    refused(
        app.post_as(
            &ca_rate,
            &admin,
            &json!({"rules": [{"reference": "product", "reference_id": "prod_1"}]}),
        )
        .await,
        bad,
        "invalid_data",
        "rules",
    );
    app.post_as("/admin/tax-rates/txr_missing", &admin, &json!({"rate": 1}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    // Nothing refused changed anything.
    let after = app
        .get_as(&format!("/admin/tax-regions/{}", id(&ca)), &admin)
        .await
        .ok()["tax_region"]
        .clone();
    assert_eq!(after, ca);
    assert_eq!(
        app.get_as("/admin/tax-regions", &admin).await.ok()["count"],
        3
    );
    assert_eq!(
        app.get_as("/admin/tax-rates", &admin).await.ok()["count"],
        2
    );
}
app_test!(
    bad_setups_are_refused_naming_the_field,
    bad_setups_are_refused_naming_the_field
);

async fn tax_rates_take_rules_and_answer_with_their_region(app: TestApp) {
    let admin = app.admin_key(Role::Admin).await;
    let (_, us, _) = reference_setup(&app, &admin).await;
    let created = app
        .post_as(
            "/admin/tax-rates",
            &admin,
            &json!({"tax_region_id": id(&us), "name": "Books", "code": "US-BOOKS", "rate": 0,
                "metadata": {"note": "exempt"},
                "rules": [{"reference": "product_type", "reference_id": "ptyp_books"},
                          {"reference": "product", "reference_id": "prod_atlas"}]}),
        )
        .await
        .ok()["tax_rate"]
        .clone();
    let mut with_region = set(RATE_KEYS);
    with_region.insert("tax_region".into());
    assert_eq!(keys(&created), with_region, "{created}");
    assert_eq!(created["is_default"], false);
    assert_eq!(created["metadata"], json!({"note": "exempt"}));
    assert_eq!(created["tax_region"]["id"], us["id"]);
    assert_eq!(
        created["tax_region"]["provider"],
        json!({"id": "tp_system"})
    );
    let rules = created["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(
        keys(&rules[0]),
        set(&[
            "created_at",
            "created_by",
            "deleted_at",
            "id",
            "reference",
            "reference_id",
            "tax_rate_id",
            "updated_at"
        ])
    );
    assert_eq!(rules[0]["reference"], "product");
    assert_eq!(rules[0]["reference_id"], "prod_atlas");
    assert_eq!(rules[0]["tax_rate_id"], created["id"]);
    assert_eq!(rules[1]["reference"], "product_type");

    // Rules given on update replace the rate's.
    let path = format!("/admin/tax-rates/{}", id(&created));
    let updated = app
        .post_as(
            &path,
            &admin,
            &json!({"name": "Books and maps", "metadata": null,
                "rules": [{"reference": "product_type", "reference_id": "ptyp_maps"}]}),
        )
        .await
        .ok()["tax_rate"]
        .clone();
    assert_eq!(updated["name"], "Books and maps");
    assert_eq!(updated["metadata"], Value::Null);
    let rules: Vec<&str> = updated["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reference_id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["ptyp_maps"]);
    assert_eq!(app.get_as(&path, &admin).await.ok()["tax_rate"], updated);

    // The region lists it; the rate list filters by region.
    let region = app
        .get_as(&format!("/admin/tax-regions/{}", id(&us)), &admin)
        .await
        .ok()["tax_region"]
        .clone();
    assert_eq!(region["tax_rates"][0]["id"], created["id"]);
    let listed = app
        .get_as(
            &format!("/admin/tax-rates?tax_region_id={}", id(&us)),
            &admin,
        )
        .await
        .ok();
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["tax_rates"][0]["id"], created["id"]);
    let defaults = app
        .get_as("/admin/tax-rates?is_default=true", &admin)
        .await
        .ok();
    assert_eq!(defaults["count"], 2, "DE19 and US-CA");

    let gone = app.delete_as(&path, &admin).await.ok();
    assert_eq!(
        gone,
        json!({"id": created["id"], "object": "tax_rate", "deleted": true})
    );
    app.get_as(&path, &admin)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
}
app_test!(
    tax_rates_take_rules_and_answer_with_their_region,
    tax_rates_take_rules_and_answer_with_their_region
);
