//! The catalog reads Medusa's Next.js starter storefront makes (every `GET /store/products`,
//! `/store/collections`, `/store/product-categories` and `/store/regions` line of
//! `nextjs-starter-requests.md`, with their `fields` values verbatim: the spaces after commas and
//! the trailing comma), against a store with three levels of categories, collections, a tag, a
//! sale price and stock, on both engines. Each answer is checked for what the starter reads:
//! the arrays it iterates exist, and expanded relations are whole objects with Medusa's fields
//! (the key sets below are those of Medusa 2.21's real answers in `medusa-responses/`).

use std::collections::BTreeSet;

use axum::http::StatusCode;
use merx_core::auth::Role;
use serde_json::{json, Value};

use crate::app_test;
use crate::helpers::{store, TestApp};

/// A product's keys in `list_products.json` (Medusa's default Store product fields).
const PRODUCT_KEYS: &[&str] = &[
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
    "width",
];

/// The relations among [`PRODUCT_KEYS`]: `*products` selects a product's columns only.
const PRODUCT_RELATIONS: &[&str] = &[
    "collection",
    "images",
    "options",
    "tags",
    "type",
    "variants",
];

/// A variant's keys in `list_products.json`.
const VARIANT_KEYS: &[&str] = &[
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
    "width",
];

/// A `calculated_price`'s keys in `list_products.json`.
const CALCULATED_PRICE_KEYS: &[&str] = &[
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
    "raw_original_amount",
];

/// `calculated_price.calculated_price`'s keys in `list_products.json`.
const CHOSEN_PRICE_KEYS: &[&str] = &[
    "id",
    "max_quantity",
    "min_quantity",
    "price_list_id",
    "price_list_type",
];

/// A product image's keys in `list_products.json`.
const IMAGE_KEYS: &[&str] = &[
    "created_at",
    "deleted_at",
    "id",
    "metadata",
    "product_id",
    "rank",
    "updated_at",
    "url",
];

/// A region's keys in `list_regions.json`, and its countries'.
const REGION_KEYS: &[&str] = &[
    "countries",
    "created_at",
    "currency_code",
    "deleted_at",
    "id",
    "metadata",
    "name",
    "updated_at",
];
const COUNTRY_KEYS: &[&str] = &[
    "created_at",
    "deleted_at",
    "display_name",
    "iso_2",
    "iso_3",
    "metadata",
    "name",
    "num_code",
    "region_id",
    "updated_at",
];

/// A category's columns in Medusa's Store defaults (`store/product-categories/query-config.ts`;
/// no reference answer lists categories). Merx categories have no `external_id`.
const CATEGORY_KEYS: &[&str] = &[
    "created_at",
    "description",
    "handle",
    "id",
    "metadata",
    "name",
    "parent_category_id",
    "rank",
    "updated_at",
];

/// A collection's columns in Medusa's Store defaults (`store/collections/query-config.ts`).
const COLLECTION_KEYS: &[&str] = &["created_at", "handle", "id", "title", "updated_at"];

/// A tag's keys.
const TAG_KEYS: &[&str] = &["created_at", "id", "metadata", "updated_at", "value"];

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

/// Asserts `v` is an object with at least `expected`'s keys.
#[track_caller]
fn has_keys(v: &Value, expected: &[&str], what: &str) {
    let have = keys(v);
    let missing: Vec<&&str> = expected.iter().filter(|k| !have.contains(**k)).collect();
    assert!(missing.is_empty(), "{what} lacks {missing:?}: {v}");
}

#[track_caller]
fn array<'a>(v: &'a Value, what: &str) -> &'a Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("{what} is not an array: {v}"))
}

fn ids(items: &Value) -> Vec<String> {
    array(items, "items")
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

/// The query string as `@medusajs/js-sdk` sends it (`qs.stringify`): keys and values
/// percent-encoded as RFC 3986 has it, so `*` is `%2A`, `,` `%2C`, a space `%20`, `[` `%5B`.
fn as_the_sdk_sends(path: &str) -> String {
    fn encode(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    let Some((route, query)) = path.split_once('?') else {
        return path.to_string();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => format!("{}={}", encode(k), encode(v)),
            None => encode(pair),
        })
        .collect();
    format!("{route}?{}", pairs.join("&"))
}

/// The same query with only what a URI cannot hold encoded (spaces as `%20`), as a hand-written
/// `fetch` would send it.
fn barely_encoded(path: &str) -> String {
    path.replace(' ', "%20")
}

struct Store {
    pk: String,
    region: String,
    clothing: String,
    tops: String,
    tees: String,
    accessories: String,
    summer: String,
    winter: String,
    eco: String,
    tee: String,
    tee_s: String,
    hoodie: String,
    cap: String,
}

async fn post(app: &TestApp, key: &str, path: &str, body: Value) -> Value {
    app.post_as(path, key, &body).await.ok()
}

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id: {v}"))
        .to_string()
}

/// Three levels of categories (Clothing › Tops › Tees, and Accessories; an internal one),
/// collections Summer (with products) and Winter (without), the tag `eco`, a sale on the tee's S,
/// five of it in stock, and products the Web key must not see (a draft, one sold only in B2B).
async fn setup(app: &TestApp) -> Store {
    let admin = app.admin_key(Role::Admin).await;
    let region = id(&post(
        app,
        &admin,
        "/admin/regions",
        json!({"name": "Europe", "currency_code": "eur", "countries": ["de", "fr"]}),
    )
    .await["region"]);
    post(app, &admin, "/admin/tax-regions", json!({"country_code": "de", "default_tax_rate": {"name": "DE VAT", "code": "de-std", "rate": 19}})).await;
    let web = id(
        &post(app, &admin, "/admin/sales-channels", json!({"name": "Web"})).await["sales_channel"],
    );
    let b2b = id(
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
    post(
        app,
        &admin,
        &format!("/admin/api-keys/{}/sales-channels", id(&key["api_key"])),
        json!({"add": [web]}),
    )
    .await;
    let category = |body: Value| {
        let admin = admin.clone();
        async move {
            id(&post(app, &admin, "/admin/product-categories", body).await["product_category"])
        }
    };
    let clothing = category(json!({"name": "Clothing", "handle": "clothing"})).await;
    let tops =
        category(json!({"name": "Tops", "handle": "tops", "parent_category_id": clothing})).await;
    let tees = category(json!({"name": "Tees", "handle": "tees", "parent_category_id": tops, "description": "Short sleeves"})).await;
    let accessories = category(json!({"name": "Accessories", "handle": "accessories"})).await;
    category(json!({"name": "Staff only", "handle": "staff", "is_internal": true})).await;
    let summer = id(&post(
        app,
        &admin,
        "/admin/collections",
        json!({"title": "Summer", "handle": "summer"}),
    )
    .await["collection"]);
    let winter = id(&post(
        app,
        &admin,
        "/admin/collections",
        json!({"title": "Winter", "handle": "winter"}),
    )
    .await["collection"]);
    let eco =
        id(&post(app, &admin, "/admin/product-tags", json!({"value": "eco"})).await["product_tag"]);
    let price = |amount: f64| json!([{"currency_code": "eur", "amount": amount}]);
    let tee = post(app, &admin, "/admin/products", json!({
        "title": "Organic Tee", "handle": "organic-tee", "status": "published",
        "options": [{"title": "Size", "values": ["S", "M"]}],
        "variants": [
            {"title": "S", "sku": "TEE-S", "manage_inventory": true, "options": {"Size": "S"}, "prices": price(24.99)},
            {"title": "M", "sku": "TEE-M", "manage_inventory": false, "options": {"Size": "M"}, "prices": price(26.5)},
        ],
        "collection_id": summer, "tags": [{"id": eco}], "categories": [{"id": tees}],
        "sales_channels": [{"id": web}], "metadata": {"fabric": "cotton"},
        "images": [{"url": "https://img.example/tee-front.png"}, {"url": "https://img.example/tee-back.png"}],
        "thumbnail": "https://img.example/tee-front.png",
    })).await["product"].clone();
    let hoodie = post(
        app,
        &admin,
        "/admin/products",
        json!({
            "title": "Hoodie", "handle": "hoodie", "status": "published",
            "variants": [{"title": "One size", "prices": price(59.0)}],
            "collection_id": summer, "categories": [{"id": tops}], "sales_channels": [{"id": web}],
        }),
    )
    .await["product"]
        .clone();
    let cap = post(
        app,
        &admin,
        "/admin/products",
        json!({
            "title": "Cap", "handle": "cap", "status": "published",
            "variants": [{"title": "One size", "prices": price(15.0)}],
            "categories": [{"id": accessories}], "sales_channels": [{"id": web}],
        }),
    )
    .await["product"]
        .clone();
    post(
        app,
        &admin,
        "/admin/products",
        json!({
            "title": "Draft Scarf", "status": "draft",
            "variants": [{"title": "One", "prices": price(5.0)}],
            "collection_id": summer, "categories": [{"id": tees}], "sales_channels": [{"id": web}],
        }),
    )
    .await;
    post(
        app,
        &admin,
        "/admin/products",
        json!({
            "title": "Wholesale Tee Crate", "status": "published",
            "variants": [{"title": "Crate", "prices": price(100.0)}],
            "collection_id": summer, "tags": [{"id": eco}], "categories": [{"id": tees}],
            "sales_channels": [{"id": b2b}],
        }),
    )
    .await;
    let tee_s = id(&tee["variants"][0]);
    post(
        app,
        &admin,
        "/admin/price-lists",
        json!({"title": "Summer sale", "type": "sale", "status": "active",
        "prices": [{"variant_id": tee_s, "currency_code": "eur", "amount": 19.99}]}),
    )
    .await;
    let warehouse = id(&post(
        app,
        &admin,
        "/admin/stock-locations",
        json!({"name": "Warehouse"}),
    )
    .await["stock_location"]);
    post(
        app,
        &admin,
        &format!("/admin/stock-locations/{warehouse}/sales-channels"),
        json!({"add": [web]}),
    )
    .await;
    let items = app
        .get_as("/admin/inventory-items?sku=TEE-S", &admin)
        .await
        .ok();
    let item = id(&items["inventory_items"][0]);
    post(
        app,
        &admin,
        &format!("/admin/inventory-items/{item}/location-levels"),
        json!({"location_id": warehouse, "stocked_quantity": 5}),
    )
    .await;
    Store {
        pk,
        region,
        clothing,
        tops,
        tees,
        accessories,
        summer,
        winter,
        eco,
        tee: id(&tee),
        tee_s,
        hoodie: id(&hoodie),
        cap: id(&cap),
    }
}

/// `line` (a starter request with its `{…}` filled in) sent both as the js-sdk encodes it and
/// barely encoded; both answers must be 200 and equal. Returns the answer.
async fn starter(app: &TestApp, s: &Store, line: &str) -> Value {
    let sdk = store(app, &s.pk, &as_the_sdk_sends(line)).await;
    assert_eq!(sdk.status, StatusCode::OK, "{line}: {}", sdk.text());
    let plain = store(app, &s.pk, &barely_encoded(line)).await;
    assert_eq!(plain.status, StatusCode::OK, "{line}: {}", plain.text());
    let (sdk, plain) = (sdk.json(), plain.json());
    assert_eq!(sdk, plain, "{line}: the two encodings disagree");
    sdk
}

/// What the product pages read of a product asked for with the starter's `fields`:
/// Medusa's default fields, `metadata` and `tags`, and per variant `calculated_price`,
/// `inventory_quantity` and an `images` array.
#[track_caller]
fn assert_starter_product(p: &Value) {
    has_keys(p, PRODUCT_KEYS, "product");
    has_keys(p, &["metadata"], "product");
    for t in array(&p["tags"], "tags") {
        has_keys(t, TAG_KEYS, "tag");
    }
    for i in array(&p["images"], "images") {
        has_keys(i, IMAGE_KEYS, "image");
    }
    for v in array(&p["variants"], "variants") {
        has_keys(v, VARIANT_KEYS, "variant");
        has_keys(v, &["inventory_quantity", "images"], "variant");
        assert_eq!(v["images"], json!([]), "Merx has no variant images: {v}");
        let cp = &v["calculated_price"];
        has_keys(cp, CALCULATED_PRICE_KEYS, "calculated_price");
        has_keys(
            &cp["calculated_price"],
            CHOSEN_PRICE_KEYS,
            "calculated_price.calculated_price",
        );
        has_keys(
            &cp["original_price"],
            CHOSEN_PRICE_KEYS,
            "calculated_price.original_price",
        );
        assert!(cp["calculated_amount"].is_number(), "{cp}");
    }
}

/// The starter's product fields, verbatim (the trailing comma included).
const STARTER_PRODUCT_FIELDS: &str =
    "*variants.calculated_price,+variants.inventory_quantity,*variants.images,+metadata,+tags,";

async fn the_starters_product_reads_answer_what_its_pages_read(app: TestApp) {
    let s = setup(&app).await;
    let (reg, f) = (&s.region, STARTER_PRODUCT_FIELDS);

    // The category page.
    let line = format!(
        "/store/products?limit=100&region_id={reg}&fields={f}&category_id[0]={}&order=created_at",
        s.tees
    );
    let page = starter(&app, &s, &line).await;
    assert_eq!(ids(&page["products"]), [s.tee.as_str()], "{page}");
    assert_eq!(page["count"], 1);
    let tee = &page["products"][0];
    assert_starter_product(tee);
    assert_eq!(tee["metadata"], json!({"fabric": "cotton"}));
    assert_eq!(ids(&tee["tags"]), [s.eco.as_str()]);
    assert_eq!(tee["tags"][0]["value"], "eco");
    assert_eq!(array(&tee["images"], "images").len(), 2);
    let small = &tee["variants"][0];
    assert_eq!(small["id"], s.tee_s.as_str());
    assert_eq!(small["inventory_quantity"], 5, "{small}");
    assert_eq!(
        tee["variants"][1]["inventory_quantity"],
        Value::Null,
        "M is not managed"
    );
    let cp = &small["calculated_price"];
    assert_eq!(
        (
            cp["calculated_amount"].clone(),
            cp["original_amount"].clone()
        ),
        (json!(19.99), json!(24.99)),
        "the sale applies: {cp}"
    );
    assert_eq!(cp["is_calculated_price_price_list"], true);
    assert_eq!(cp["calculated_price"]["price_list_type"], "sale");
    assert_eq!(
        tee["variants"][1]["calculated_price"]["calculated_amount"],
        json!(26.5)
    );

    // The collection page, the store page, the sitemap.
    let line = format!(
        "/store/products?limit=100&region_id={reg}&fields={f}&collection_id[0]={}&order=created_at",
        s.summer
    );
    let page = starter(&app, &s, &line).await;
    assert_eq!(
        ids(&page["products"]),
        [s.tee.as_str(), s.hoodie.as_str()],
        "no draft, no B2B-only product"
    );
    array(&page["products"], "products")
        .iter()
        .for_each(assert_starter_product);
    let line = format!("/store/products?limit=100&region_id={reg}&fields={f}&order=created_at");
    let page = starter(&app, &s, &line).await;
    assert_eq!(
        ids(&page["products"]),
        [s.tee.as_str(), s.hoodie.as_str(), s.cap.as_str()]
    );
    array(&page["products"], "products")
        .iter()
        .for_each(assert_starter_product);
    let page = starter(
        &app,
        &s,
        &format!("/store/products?limit=100&region_id={reg}&fields=handle"),
    )
    .await;
    for p in array(&page["products"], "products") {
        assert_eq!(keys(p), ["handle", "id"].map(String::from).into(), "{p}");
    }
    assert_eq!(page["products"][2]["handle"], "cap");

    // The home page's featured collections.
    let line = format!("/store/products?limit=12&region_id={reg}&fields=*variants.calculated_price&collection_id={}", s.summer);
    let page = starter(&app, &s, &line).await;
    assert_eq!(ids(&page["products"]), [s.tee.as_str(), s.hoodie.as_str()]);
    for p in array(&page["products"], "products") {
        has_keys(p, PRODUCT_KEYS, "product");
        for v in array(&p["variants"], "variants") {
            has_keys(
                &v["calculated_price"],
                CALCULATED_PRICE_KEYS,
                "calculated_price",
            );
        }
    }

    // Related products, the product page by handle and by id.
    let line = format!("/store/products?limit=12&region_id={reg}&fields={f}&collection_id[0]={}&tag_id[0]={}&is_giftcard=false", s.summer, s.eco);
    let page = starter(&app, &s, &line).await;
    assert_eq!(ids(&page["products"]), [s.tee.as_str()]);
    assert_starter_product(&page["products"][0]);
    let page = starter(
        &app,
        &s,
        &format!("/store/products?limit=12&region_id={reg}&fields={f}&handle=organic-tee"),
    )
    .await;
    assert_eq!(ids(&page["products"]), [s.tee.as_str()]);
    assert_starter_product(&page["products"][0]);
    let page = starter(
        &app,
        &s,
        &format!(
            "/store/products?limit=12&region_id={reg}&fields={f}&id[0]={}",
            s.tee
        ),
    )
    .await;
    assert_eq!(ids(&page["products"]), [s.tee.as_str()]);
    assert_starter_product(&page["products"][0]);

    // `images` comes only when asked; an unknown relation is still a 400 naming it.
    let plain = starter(
        &app,
        &s,
        &format!("/store/products?region_id={reg}&id[0]={}", s.tee),
    )
    .await;
    assert!(plain["products"][0]["variants"][0].get("images").is_none());
    let bad = store(
        &app,
        &s.pk,
        &as_the_sdk_sends(&format!(
            "/store/products?region_id={reg}&fields=*variants.images,*variants.pictures"
        )),
    )
    .await;
    bad.assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    assert!(
        bad.json()["message"]
            .as_str()
            .unwrap()
            .contains("*variants.pictures"),
        "{}",
        bad.text()
    );
}
app_test!(
    the_starters_product_reads_answer_what_its_pages_read,
    the_starters_product_reads_answer_what_its_pages_read
);

/// A category rendered with `*parent_category`: its parent is a whole category, or `null` only
/// when it has none.
#[track_caller]
fn assert_parent(c: &Value, parent_id: Option<&str>) {
    match parent_id {
        None => assert_eq!(c["parent_category"], Value::Null, "{c}"),
        Some(p) => {
            has_keys(&c["parent_category"], CATEGORY_KEYS, "parent_category");
            assert_eq!(c["parent_category"]["id"], p, "{c}");
        }
    }
}

async fn the_starters_category_and_collection_reads_expand_what_it_reads(app: TestApp) {
    let s = setup(&app).await;
    let by_id = |list: &Value, id: &str| -> Value {
        array(list, "list")
            .iter()
            .find(|c| c["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} missing: {list}"))
    };

    // The footer's and the nav's categories.
    let line = "/store/product-categories?fields=*category_children, *products, *parent_category, *parent_category.parent_category&limit=100";
    let cats = starter(&app, &s, line).await;
    let list = &cats["product_categories"];
    assert_eq!(cats["count"], 4, "the internal category is hidden: {cats}");
    for c in array(list, "product_categories") {
        has_keys(c, CATEGORY_KEYS, "category");
        for k in array(&c["category_children"], "category_children") {
            has_keys(k, CATEGORY_KEYS, "category_children[]");
        }
        for p in array(&c["products"], "products") {
            let columns: Vec<&str> = PRODUCT_KEYS
                .iter()
                .copied()
                .filter(|k| !PRODUCT_RELATIONS.contains(k))
                .collect();
            has_keys(p, &columns, "category product");
        }
    }
    let tees = by_id(list, &s.tees);
    assert_parent(&tees, Some(&s.tops));
    assert_parent(&tees["parent_category"], Some(&s.clothing));
    assert!(
        tees["parent_category"]["parent_category"]
            .get("parent_category")
            .is_none(),
        "three levels were asked for, not four: {tees}"
    );
    assert_eq!(
        ids(&tees["products"]),
        [s.tee.as_str()],
        "no draft, no B2B-only product"
    );
    assert_eq!(tees["products"][0]["handle"], "organic-tee");
    assert_eq!(tees["category_children"], json!([]));
    let tops = by_id(list, &s.tops);
    assert_parent(&tops, Some(&s.clothing));
    assert_parent(&tops["parent_category"], None);
    assert_eq!(ids(&tops["category_children"]), [s.tees.as_str()]);
    assert_eq!(tops["category_children"][0]["name"], "Tees");
    assert_eq!(
        ids(&tops["products"]),
        [s.hoodie.as_str()],
        "a category's own products only"
    );
    let clothing = by_id(list, &s.clothing);
    assert_parent(&clothing, None);
    assert_eq!(ids(&clothing["category_children"]), [s.tops.as_str()]);
    assert_eq!(clothing["products"], json!([]));
    assert_eq!(
        ids(&by_id(list, &s.accessories)["products"]),
        [s.cap.as_str()]
    );
    // The starter tells top-level categories by their parent being null.
    let top: Vec<String> = array(list, "product_categories")
        .iter()
        .filter(|c| c["parent_category"].is_null())
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        top.iter().collect::<BTreeSet<_>>(),
        [&s.clothing, &s.accessories].into_iter().collect(),
        "{cats}"
    );

    // The category page, by handle: defaults (parent, children) and the asked-for products.
    let cat = starter(
        &app,
        &s,
        "/store/product-categories?fields=*category_children, *products&handle=tees",
    )
    .await;
    assert_eq!(ids(&cat["product_categories"]), [s.tees.as_str()]);
    let tees = &cat["product_categories"][0];
    assert_parent(tees, Some(&s.tops));
    assert_eq!(ids(&tees["products"]), [s.tee.as_str()]);
    assert_eq!(tees["category_children"], json!([]));
    let cat = starter(
        &app,
        &s,
        "/store/product-categories?fields=*category_children, *products&handle=tops",
    )
    .await;
    assert_eq!(
        ids(&cat["product_categories"][0]["category_children"]),
        [s.tees.as_str()]
    );
    // Medusa's default fields carry the parent and the children.
    let plain = starter(&app, &s, &format!("/store/product-categories/{}", s.tees)).await;
    assert_parent(&plain["product_category"], Some(&s.tops));
    assert_eq!(plain["product_category"]["category_children"], json!([]));
    assert!(
        plain["product_category"].get("products").is_none(),
        "only when asked"
    );

    // Collections: the footer's, the nav's, the collection page's.
    let cols = starter(&app, &s, "/store/collections?fields=*products&limit=100").await;
    assert_eq!(cols["count"], 2);
    for c in array(&cols["collections"], "collections") {
        has_keys(c, COLLECTION_KEYS, "collection");
        array(&c["products"], "products");
    }
    let summer = by_id(&cols["collections"], &s.summer);
    assert_eq!(
        ids(&summer["products"]),
        [s.tee.as_str(), s.hoodie.as_str()],
        "no draft, no B2B-only product"
    );
    has_keys(
        &summer["products"][0],
        &["id", "title", "handle", "thumbnail", "collection_id"],
        "collection product",
    );
    assert_eq!(
        by_id(&cols["collections"], &s.winter)["products"],
        json!([])
    );
    let cols = starter(
        &app,
        &s,
        "/store/collections?fields=id, handle, title&limit=100",
    )
    .await;
    for c in array(&cols["collections"], "collections") {
        assert_eq!(
            keys(c),
            ["handle", "id", "title"].map(String::from).into(),
            "{c}"
        );
    }
    let col = starter(
        &app,
        &s,
        "/store/collections?handle=summer&fields=*products",
    )
    .await;
    assert_eq!(ids(&col["collections"]), [s.summer.as_str()]);
    assert_eq!(
        ids(&col["collections"][0]["products"]),
        [s.tee.as_str(), s.hoodie.as_str()]
    );
    let one = starter(
        &app,
        &s,
        &format!("/store/collections/{}?fields=*products", s.summer),
    )
    .await;
    assert_eq!(
        ids(&one["collection"]["products"]),
        [s.tee.as_str(), s.hoodie.as_str()]
    );

    // Regions.
    let regions = starter(&app, &s, "/store/regions").await;
    for r in array(&regions["regions"], "regions") {
        has_keys(r, REGION_KEYS, "region");
        for c in array(&r["countries"], "countries") {
            has_keys(c, COUNTRY_KEYS, "country");
        }
    }
    let region = starter(&app, &s, &format!("/store/regions/{}", s.region)).await;
    assert_eq!(region["region"]["id"], s.region.as_str());
    has_keys(&region["region"], REGION_KEYS, "region");

    // Unknown relations are a 400 naming them; so are the prices these routes do not compute.
    for (path, named) in [
        (
            "/store/product-categories?fields=*products,*producers",
            "*producers",
        ),
        (
            "/store/collections?fields=*products.variants.calculated_price",
            "*products.variants.calculated_price",
        ),
        (
            "/store/product-categories?fields=+products.variants.inventory_quantity",
            "+products.variants.inventory_quantity",
        ),
    ] {
        let res = store(&app, &s.pk, &as_the_sdk_sends(path)).await;
        res.assert_error(StatusCode::BAD_REQUEST, "invalid_data");
        assert!(
            res.json()["message"].as_str().unwrap().contains(named),
            "{path}: {}",
            res.text()
        );
    }
}
app_test!(
    the_starters_category_and_collection_reads_expand_what_it_reads,
    the_starters_category_and_collection_reads_expand_what_it_reads
);

async fn a_descendants_tree_nests_every_level(app: TestApp) {
    let s = setup(&app).await;
    let tree = store(&app, &s.pk, "/store/product-categories?parent_category_id=null&include_descendants_tree=true&fields=*category_children,*parent_category").await.ok();
    let clothing = array(&tree["product_categories"], "product_categories")
        .iter()
        .find(|c| c["id"] == s.clothing.as_str())
        .cloned()
        .unwrap();
    assert_eq!(clothing["parent_category"], Value::Null);
    let tops = &clothing["category_children"][0];
    assert_eq!(tops["id"], s.tops.as_str());
    assert_eq!(
        tops["category_children"][0]["id"],
        s.tees.as_str(),
        "{tree}"
    );
    assert_eq!(tops["category_children"][0]["category_children"], json!([]));
}
app_test!(
    a_descendants_tree_nests_every_level,
    a_descendants_tree_nests_every_level
);
