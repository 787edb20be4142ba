//! Medusa's Next.js starter against the store `merx serve --demo` seeds: every catalog read the
//! starter makes (`nextjs-starter-requests.md`), with the demo's own ids and handles, answers 200
//! with what the starter's pages read. The same reads against a store built for them, with nested
//! categories, sale prices and a completed order, are in `starter_catalog.rs` and
//! `starter_checkout.rs`.

use axum::http::StatusCode;
use serde_json::Value;

use crate::app_test;
use crate::helpers::{store, TestApp};

const STARTER_FIELDS: &str =
    "*variants.calculated_price,+variants.inventory_quantity,*variants.images,+metadata,+tags,";

fn encoded(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn read(app: &TestApp, pk: &str, path: &str) -> Value {
    let res = store(app, pk, path).await;
    assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.text());
    res.json()
}

fn array<'a>(v: &'a Value, what: &str) -> &'a Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("{what} is not an array: {v}"))
}

/// What the starter's product cards and pages read of each product.
fn assert_starter_products(answer: &Value, what: &str) {
    let products = array(&answer["products"], what);
    assert!(!products.is_empty(), "{what}: no products");
    for p in products {
        assert!(
            p["metadata"].is_object() || p["metadata"].is_null(),
            "{what}"
        );
        array(&p["tags"], "tags");
        for v in array(&p["variants"], "variants") {
            array(&v["images"], "variant images");
            assert!(
                v["calculated_price"]["calculated_amount"].is_number(),
                "{what}: {v}"
            );
            assert!(
                v["inventory_quantity"].is_number() || v["inventory_quantity"].is_null(),
                "{what}"
            );
        }
        let thumbnail = p["thumbnail"].as_str().unwrap_or_default();
        assert!(
            thumbnail.contains("/static/demo/"),
            "{what}: the demo serves its own images, not {thumbnail}"
        );
    }
}

async fn the_demo_answers_every_catalog_read_of_the_starter(app: TestApp) {
    let report = merx_core::seed::demo(&app.core).await.unwrap();
    let pk = report.publishable_key.clone();
    let region = report.regions[0].1.clone();

    read(&app, &pk, "/store/regions").await;
    read(&app, &pk, &format!("/store/regions/{region}")).await;

    // The footer, on every page.
    let categories = read(
        &app,
        &pk,
        &format!(
            "/store/product-categories?fields={}&limit=100",
            encoded(
                "*category_children, *products, *parent_category, *parent_category.parent_category"
            )
        ),
    )
    .await;
    let categories = array(&categories["product_categories"], "categories").clone();
    assert!(!categories.is_empty());
    for c in &categories {
        array(&c["products"], "category products");
        array(&c["category_children"], "category children");
        assert!(c.get("parent_category").is_some(), "{c}");
    }
    let child = categories
        .iter()
        .find(|c| !c["parent_category_id"].is_null())
        .expect("the demo nests categories");
    assert_eq!(
        child["parent_category"]["id"], child["parent_category_id"],
        "a child's parent is expanded, so the footer does not list it twice"
    );
    let collections = read(
        &app,
        &pk,
        &format!(
            "/store/collections?fields={}&limit=100",
            encoded("*products")
        ),
    )
    .await;
    let collections = array(&collections["collections"], "collections").clone();
    assert!(!collections.is_empty());
    for c in &collections {
        array(&c["products"], "collection products");
    }
    read(
        &app,
        &pk,
        &format!(
            "/store/collections?fields={}&limit=100",
            encoded("id, handle, title")
        ),
    )
    .await;

    // The category and collection pages.
    let category = &categories[0];
    let handle = category["handle"].as_str().unwrap();
    let by_handle = read(
        &app,
        &pk,
        &format!(
            "/store/product-categories?fields={}&handle={handle}",
            encoded("*category_children, *products")
        ),
    )
    .await;
    assert_eq!(by_handle["product_categories"][0]["handle"], handle);
    let collection = &collections[0];
    let chandle = collection["handle"].as_str().unwrap();
    let by_handle = read(
        &app,
        &pk,
        &format!(
            "/store/collections?handle={chandle}&fields={}",
            encoded("*products")
        ),
    )
    .await;
    assert_eq!(by_handle["collections"][0]["handle"], chandle);

    // The product lists and pages.
    let fields = encoded(STARTER_FIELDS);
    let all = read(
        &app,
        &pk,
        &format!("/store/products?limit=100&region_id={region}&fields={fields}&order=created_at"),
    )
    .await;
    assert_starter_products(&all, "store page");
    let product = all["products"][0].clone();
    let (pid, phandle) = (
        product["id"].as_str().unwrap(),
        product["handle"].as_str().unwrap(),
    );
    let category_id = category["id"].as_str().unwrap();
    let collection_id = collection["id"].as_str().unwrap();
    for (what, query) in [
        (
            "category page",
            format!("category_id%5B0%5D={category_id}&order=created_at"),
        ),
        (
            "collection page",
            format!("collection_id%5B0%5D={collection_id}&order=created_at"),
        ),
        ("product page", format!("handle={phandle}")),
        ("related products", format!("id%5B0%5D={pid}")),
    ] {
        let limit = if what.ends_with("page") && what != "product page" {
            100
        } else {
            12
        };
        let answer = read(
            &app,
            &pk,
            &format!("/store/products?limit={limit}&region_id={region}&fields={fields}&{query}"),
        )
        .await;
        if what != "category page" && what != "collection page" {
            assert_starter_products(&answer, what);
        } else {
            array(&answer["products"], what);
        }
    }
    let handles = read(
        &app,
        &pk,
        &format!("/store/products?limit=100&region_id={region}&fields=handle"),
    )
    .await;
    assert!(array(&handles["products"], "handles")
        .iter()
        .all(|p| p["handle"].is_string()));
    let teasers = read(
        &app,
        &pk,
        &format!(
            "/store/products?limit=12&region_id={region}&fields={}&collection_id={collection_id}",
            encoded("*variants.calculated_price")
        ),
    )
    .await;
    array(&teasers["products"], "collection teaser");
    read(&app, &pk, "/store/locales").await;
    read(
        &app,
        &pk,
        &format!("/store/payment-providers?region_id={region}"),
    )
    .await;
}
app_test!(
    the_demo_store_answers_every_catalog_read_of_medusas_nextjs_starter,
    the_demo_answers_every_catalog_read_of_the_starter
);
