//! The cart, checkout, customer and order calls Medusa's Next.js starter storefront makes, sent as
//! it sends them (its `fields` values verbatim, spaces and all) in its order: register, create the
//! customer, log in, add an address, cart, line item, shipping options, shipping method, payment
//! collection and session, complete, then the order, the order list and the customer's orders.
//! Each answer is checked for what the starter reads, and its keys against Medusa 2.21's answers
//! (`shared/reference/medusa-responses/`, the key lists below).

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::app_test;
use crate::checkout::{setup, Shop};
use crate::helpers::{TestApp, TestResponse};

const CART_FIELDS: &str = "*items, *region, *items.product, *items.variant, *items.thumbnail, *items.metadata, +items.total, *promotions, +shipping_methods.name";
const ORDER_FIELDS: &str =
    "*payment_collections.payments,*items,*items.metadata,*items.variant,*items.product";
const ORDERS_FIELDS: &str = "*items,+items.metadata,*items.variant,*items.product";

/// Medusa's cart (`add_line_item.json`).
const MEDUSA_CART: &[&str] = &[
    "billing_address",
    "completed_at",
    "created_at",
    "credit_line_subtotal",
    "credit_line_tax_total",
    "credit_line_total",
    "credit_lines",
    "currency_code",
    "customer_id",
    "discount_subtotal",
    "discount_tax_total",
    "discount_total",
    "email",
    "id",
    "item_discount_total",
    "item_subtotal",
    "item_tax_total",
    "item_total",
    "items",
    "locale",
    "metadata",
    "original_item_subtotal",
    "original_item_tax_total",
    "original_item_total",
    "original_shipping_subtotal",
    "original_shipping_tax_total",
    "original_shipping_total",
    "original_tax_total",
    "original_total",
    "promotions",
    "region",
    "region_id",
    "sales_channel_id",
    "shipping_address",
    "shipping_discount_total",
    "shipping_methods",
    "shipping_subtotal",
    "shipping_tax_total",
    "shipping_total",
    "subtotal",
    "tax_total",
    "total",
    "updated_at",
];
/// Medusa's cart line (`add_line_item.json`).
const MEDUSA_CART_ITEM: &[&str] = &[
    "adjustments",
    "compare_at_unit_price",
    "created_at",
    "id",
    "is_giftcard",
    "is_tax_inclusive",
    "metadata",
    "product",
    "product_collection",
    "product_description",
    "product_handle",
    "product_id",
    "product_subtitle",
    "product_title",
    "product_type",
    "product_type_id",
    "quantity",
    "requires_shipping",
    "tax_lines",
    "thumbnail",
    "title",
    "unit_price",
    "updated_at",
    "variant_barcode",
    "variant_id",
    "variant_sku",
    "variant_title",
];
/// Medusa's cart region with `*region` and its countries (`add_line_item.json`).
const MEDUSA_REGION: &[&str] = &[
    "automatic_taxes",
    "countries",
    "currency_code",
    "id",
    "name",
];
const MEDUSA_COUNTRY: &[&str] = &[
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
/// A line's variant and product as Medusa expands them (`complete_cart.json`, its relations
/// left out).
const MEDUSA_VARIANT: &[&str] = &[
    "allow_backorder",
    "barcode",
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
const MEDUSA_PRODUCT: &[&str] = &[
    "collection_id",
    "created_at",
    "deleted_at",
    "description",
    "discountable",
    "external_id",
    "handle",
    "height",
    "hs_code",
    "id",
    "is_giftcard",
    "length",
    "material",
    "metadata",
    "mid_code",
    "origin_country",
    "status",
    "subtitle",
    "thumbnail",
    "title",
    "type_id",
    "updated_at",
    "weight",
    "width",
];
/// Medusa's store shipping option (`list_shipping_options.json`), without `service_zone`: Merx
/// has no fulfillment sets to nest there.
const MEDUSA_OPTION: &[&str] = &[
    "amount",
    "calculated_price",
    "data",
    "id",
    "insufficient_inventory",
    "is_tax_inclusive",
    "name",
    "price_type",
    "prices",
    "provider",
    "provider_id",
    "rules",
    "service_zone_id",
    "shipping_profile_id",
    "type",
];
const MEDUSA_OPTION_CALCULATED: &[&str] = &[
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
const MEDUSA_PRICE: &[&str] = &[
    "amount",
    "created_at",
    "currency_code",
    "deleted_at",
    "id",
    "max_quantity",
    "min_quantity",
    "price_list",
    "price_list_id",
    "price_rules",
    "price_set_id",
    "raw_amount",
    "raw_max_quantity",
    "raw_min_quantity",
    "rules_count",
    "title",
    "updated_at",
];
const MEDUSA_PRICE_RULE: &[&str] = &[
    "attribute",
    "created_at",
    "deleted_at",
    "id",
    "operator",
    "price_id",
    "priority",
    "updated_at",
    "value",
];
/// A payment of an order's collection (`admin-setup/63-admin-order-retrieve.json`), without its
/// `captures`, `refunds` and `payment_session` relations, which `*payment_collections.payments`
/// does not ask for.
const MEDUSA_PAYMENT: &[&str] = &[
    "amount",
    "canceled_at",
    "captured_at",
    "created_at",
    "currency_code",
    "data",
    "deleted_at",
    "id",
    "metadata",
    "payment_collection_id",
    "payment_session_id",
    "provider_id",
    "raw_amount",
    "updated_at",
];

/// The keys of `medusa` that `v` lacks.
fn missing(v: &Value, medusa: &[&str]) -> Vec<String> {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"));
    medusa
        .iter()
        .filter(|k| !obj.contains_key(**k))
        .map(|k| k.to_string())
        .collect()
}

fn assert_shape(v: &Value, medusa: &[&str], what: &str) {
    assert_eq!(missing(v, medusa), Vec::<String>::new(), "{what}: {v}");
}

/// A `fields` value as the js-sdk puts it in a URL.
fn enc(fields: &str) -> String {
    fields
        .replace('%', "%25")
        .replace(' ', "%20")
        .replace('+', "%2B")
        .replace(',', "%2C")
}

/// A Store request as the starter sends it: the publishable key, and the customer's token.
async fn store(
    app: &TestApp,
    shop: &Shop,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> TestResponse {
    app.call(
        method,
        path,
        token,
        body,
        &[("x-publishable-api-key", shop.pk.as_str())],
    )
    .await
}

async fn the_starters_checkout_gets_what_it_reads(app: TestApp) {
    let shop = setup(&app, "eur", 20.0, 10).await;
    let get = |path: String, token: Option<String>| {
        let (app, shop) = (&app, &shop);
        async move { store(app, shop, Method::GET, &path, token.as_deref(), None).await }
    };
    // The catalog as the starter shows a product: a thumbnail, and a free-shipping option from
    // 30 eur on.
    let listed = get("/store/products?limit=1".into(), None).await.ok();
    let product_id = listed["products"][0]["id"].as_str().unwrap().to_string();
    let handle = listed["products"][0]["handle"]
        .as_str()
        .unwrap()
        .to_string();
    app.post_as(
        &format!("/admin/products/{product_id}"),
        &shop.admin,
        &json!({"thumbnail": "https://img.example/widget.png"}),
    )
    .await
    .ok();
    let free = app
        .post_as(
            "/admin/shipping-options",
            &shop.admin,
            &json!({"name": "Free over 30", "region_id": shop.region, "amount": 0,
                "price_type": "flat", "min_subtotal": 30}),
        )
        .await
        .ok()["shipping_option"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Sign-up: register, create the customer with the registration token, log in.
    let creds = json!({"email": "shopper@example.com", "password": "correct-horse-battery"});
    let registration = app
        .post_json("/auth/customer/emailpass/register", &creds)
        .await
        .ok()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let created = store(
        &app,
        &shop,
        Method::POST,
        "/store/customers",
        Some(&registration),
        Some(&json!({"email": "shopper@example.com", "first_name": "Ada", "last_name": "L", "phone": "123"})),
    )
    .await
    .ok();
    let customer_id = created["customer"]["id"].as_str().unwrap().to_string();
    let token = app.post_json("/auth/customer/emailpass", &creds).await.ok()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let t = Some(token.as_str());
    let address = json!({"first_name": "Ada", "last_name": "L", "company": "", "address_1": "Main 1",
        "address_2": "", "city": "Berlin", "postal_code": "10115", "province": "", "country_code": "de",
        "phone": "123"});
    let me = store(
        &app,
        &shop,
        Method::POST,
        "/store/customers/me/addresses",
        t,
        Some(&address),
    )
    .await
    .ok();
    assert_eq!(me["customer"]["addresses"][0]["city"], "Berlin");

    // The cart and its line.
    let cart = store(
        &app,
        &shop,
        Method::POST,
        "/store/carts",
        t,
        Some(&json!({"region_id": shop.region})),
    )
    .await
    .ok();
    let cart_id = cart["cart"]["id"].as_str().unwrap().to_string();
    assert_eq!(cart["cart"]["customer_id"], customer_id.as_str());
    store(
        &app,
        &shop,
        Method::POST,
        &format!("/store/carts/{cart_id}/line-items"),
        t,
        Some(&json!({"variant_id": shop.variant, "quantity": 2})),
    )
    .await
    .ok();

    // Without `fields`: Medusa's defaults, the line's product a stub of ids, no variant.
    let plain = get(format!("/store/carts/{cart_id}"), Some(token.clone()))
        .await
        .ok()["cart"]
        .clone();
    let line = &plain["items"][0];
    assert!(line.get("variant").is_none(), "{line}");
    let mut stub: Vec<&String> = line["product"].as_object().unwrap().keys().collect();
    stub.sort();
    assert_eq!(
        stub,
        ["categories", "collection_id", "id", "tags", "type_id"]
    );

    // The starter's cart read.
    let read = get(
        format!("/store/carts/{cart_id}?fields={}", enc(CART_FIELDS)),
        Some(token.clone()),
    )
    .await
    .ok()["cart"]
        .clone();
    assert_shape(&read, MEDUSA_CART, "cart");
    let line = &read["items"][0];
    assert_shape(line, MEDUSA_CART_ITEM, "cart line");
    assert_shape(&line["variant"], MEDUSA_VARIANT, "cart line's variant");
    assert_shape(&line["product"], MEDUSA_PRODUCT, "cart line's product");
    assert_eq!(line["variant"]["id"], shop.variant.as_str());
    assert_eq!(line["variant"]["title"], "W", "shown as \"Variant: W\"");
    assert_eq!(line["variant"]["sku"], "W-1");
    assert_eq!(line["product"]["id"], product_id.as_str());
    assert_eq!(line["product"]["title"], "Widget");
    assert_eq!(line["product"]["handle"], handle.as_str());
    assert_eq!(
        line["product"]["thumbnail"],
        "https://img.example/widget.png"
    );
    assert!(
        line["product"]["categories"].is_array(),
        "the stub's ids stay"
    );
    assert!(line.as_object().unwrap().contains_key("thumbnail"));
    assert_eq!(
        line["total"],
        json!(40),
        "2 × 20 eur, untaxed before an address"
    );
    assert_eq!(line["metadata"], json!({}));
    assert_shape(&read["region"], MEDUSA_REGION, "region");
    assert_shape(
        &read["region"]["countries"][0],
        MEDUSA_COUNTRY,
        "region's country",
    );
    assert_eq!(read["region"]["id"], shop.region.as_str());
    assert_eq!(read["promotions"], json!([]));
    assert_eq!(read["shipping_methods"], json!([]));

    // Every key the cart and its line carry can be named in `fields`; unknown ones are a 400.
    for (key, v) in read.as_object().unwrap() {
        let entry = if v.is_object() || v.is_array() {
            format!("*{key}")
        } else {
            format!("+{key}")
        };
        let res = get(
            format!("/store/carts/{cart_id}?fields={}", enc(&entry)),
            Some(token.clone()),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{entry}: {}", res.text());
    }
    for key in line.as_object().unwrap().keys() {
        let entry = format!("+items.{key}");
        let res = get(
            format!("/store/carts/{cart_id}?fields={}", enc(&entry)),
            Some(token.clone()),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{entry}: {}", res.text());
    }
    let bad = get(
        format!(
            "/store/carts/{cart_id}?fields={}",
            enc("*items, *items.colour")
        ),
        Some(token.clone()),
    )
    .await;
    bad.assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    assert_eq!(
        bad.json()["message"],
        "Requested fields [*items.colour] are not valid"
    );

    // Addresses, then promotion codes through the cart update: none exist yet.
    let updated = store(
        &app,
        &shop,
        Method::POST,
        &format!("/store/carts/{cart_id}"),
        t,
        Some(&json!({"shipping_address": address, "billing_address": address, "email": "shopper@example.com"})),
    )
    .await
    .ok();
    assert_eq!(updated["cart"]["shipping_address"]["city"], "Berlin");
    store(
        &app,
        &shop,
        Method::POST,
        &format!("/store/carts/{cart_id}"),
        t,
        Some(&json!({"promo_codes": []})),
    )
    .await
    .ok();
    let refused = store(
        &app,
        &shop,
        Method::POST,
        &format!("/store/carts/{cart_id}"),
        t,
        Some(&json!({"promo_codes": ["SAVE10"], "email": "other@example.com"})),
    )
    .await;
    refused.assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    assert_eq!(
        refused.json()["message"],
        "The promotion code SAVE10 is invalid"
    );
    let after = get(format!("/store/carts/{cart_id}"), Some(token.clone()))
        .await
        .ok();
    assert_eq!(
        after["cart"]["email"], "shopper@example.com",
        "a refused code changes nothing"
    );

    // Shipping options with their prices and the rules those apply under.
    let options = get(
        format!("/store/shipping-options?cart_id={cart_id}"),
        Some(token.clone()),
    )
    .await
    .ok()["shipping_options"]
        .clone();
    let options = options.as_array().unwrap();
    assert_eq!(options.len(), 2, "{options:?}");
    for o in options {
        assert_shape(o, MEDUSA_OPTION, "shipping option");
        assert_shape(
            &o["calculated_price"],
            MEDUSA_OPTION_CALCULATED,
            "option's calculated price",
        );
        let prices = o["prices"].as_array().unwrap();
        assert_eq!(prices.len(), 1, "{o}");
        assert_shape(&prices[0], MEDUSA_PRICE, "option's price");
        assert_eq!(prices[0]["currency_code"], "eur");
        assert_eq!(prices[0]["amount"], o["amount"]);
        assert_eq!(
            o["calculated_price"]["calculated_price"]["id"],
            prices[0]["id"]
        );
        let rules = prices[0]["price_rules"].as_array().unwrap();
        assert_eq!(prices[0]["rules_count"], json!(rules.len()));
        for r in rules {
            assert_shape(r, MEDUSA_PRICE_RULE, "price rule");
            assert_eq!(r["price_id"], prices[0]["id"]);
        }
        assert!(rules.iter().any(|r| r["attribute"] == "region_id"
            && r["value"] == shop.region.as_str()
            && r["operator"] == "eq"));
    }
    let free_option = options.iter().find(|o| o["id"] == free.as_str()).unwrap();
    let rules = &free_option["prices"][0]["price_rules"];
    assert!(
        rules
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["attribute"] == "item_total"
                && r["operator"] == "gte"
                && r["value"] == "30"),
        "the free-shipping banner's rule: {rules}"
    );
    assert_eq!(free_option["prices"][0]["amount"], json!(0));
    let standard = options
        .iter()
        .find(|o| o["id"] == shop.option.as_str())
        .unwrap();
    assert_eq!(
        standard["prices"][0]["price_rules"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let calculated = store(
        &app,
        &shop,
        Method::POST,
        &format!("/store/shipping-options/{}/calculate", shop.option),
        t,
        Some(&json!({"cart_id": cart_id, "data": {}})),
    )
    .await
    .ok();
    assert_eq!(calculated["shipping_option"]["amount"], json!(5));
    assert_eq!(calculated["shipping_option"]["prices"], standard["prices"]);

    let with_method = store(
        &app,
        &shop,
        Method::POST,
        &format!("/store/carts/{cart_id}/shipping-methods"),
        t,
        Some(&json!({"option_id": shop.option})),
    )
    .await
    .ok();
    assert_eq!(
        with_method["cart"]["shipping_methods"][0]["name"],
        "Standard"
    );

    // Payment.
    let providers = get(
        format!("/store/payment-providers?region_id={}", shop.region),
        Some(token.clone()),
    )
    .await
    .ok();
    assert!(providers["payment_providers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["id"] == "pp_system_default"));
    let collection = store(
        &app,
        &shop,
        Method::POST,
        "/store/payment-collections",
        t,
        Some(&json!({"cart_id": cart_id})),
    )
    .await
    .ok()["payment_collection"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    store(
        &app,
        &shop,
        Method::POST,
        &format!("/store/payment-collections/{collection}/payment-sessions"),
        t,
        Some(&json!({"provider_id": "pp_system_default"})),
    )
    .await
    .ok();
    let done = store(
        &app,
        &shop,
        Method::POST,
        &format!("/store/carts/{cart_id}/complete"),
        t,
        None,
    )
    .await
    .ok();
    assert_eq!(done["type"], "order", "{done}");
    let order_id = done["order"]["id"].as_str().unwrap().to_string();
    let total = done["order"]["total"].clone();

    // The confirmation page: payments, and the lines' variant and product.
    let order = get(
        format!("/store/orders/{order_id}?fields={}", enc(ORDER_FIELDS)),
        Some(token.clone()),
    )
    .await
    .ok()["order"]
        .clone();
    let payments = order["payment_collections"][0]["payments"]
        .as_array()
        .unwrap();
    assert_eq!(payments.len(), 1, "{order}");
    assert_shape(&payments[0], MEDUSA_PAYMENT, "payment");
    assert_eq!(payments[0]["provider_id"], "pp_system_default");
    assert_eq!(payments[0]["amount"], total);
    assert_eq!(payments[0]["payment_collection_id"], collection.as_str());
    assert!(payments[0]["created_at"].is_string());
    let line = &order["items"][0];
    assert_shape(&line["variant"], MEDUSA_VARIANT, "order line's variant");
    assert_shape(&line["product"], MEDUSA_PRODUCT, "order line's product");
    assert_eq!(line["variant"]["title"], "W");
    assert_eq!(
        line["product"]["thumbnail"],
        "https://img.example/widget.png"
    );
    assert_eq!(line["metadata"], json!({}));
    for (key, v) in order.as_object().unwrap() {
        let entry = if v.is_object() || v.is_array() {
            format!("*{key}")
        } else {
            format!("+{key}")
        };
        let res = get(
            format!("/store/orders/{order_id}?fields={}", enc(&entry)),
            Some(token.clone()),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{entry}: {}", res.text());
    }
    for key in line.as_object().unwrap().keys() {
        let entry = format!("+items.{key}");
        let res = get(
            format!("/store/orders/{order_id}?fields={}", enc(&entry)),
            Some(token.clone()),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{entry}: {}", res.text());
    }
    // Without `fields`, the defaults: no payments or live variant are read.
    let plain = get(format!("/store/orders/{order_id}"), Some(token.clone()))
        .await
        .ok()["order"]
        .clone();
    assert!(
        plain["payment_collections"][0].get("payments").is_none(),
        "{plain}"
    );
    assert!(plain["items"][0].get("variant").is_none());
    get(
        format!("/store/orders/{order_id}?fields=*payment_collections.refunds"),
        Some(token.clone()),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");

    // The account's order list and the customer with their orders.
    let list = get(
        format!(
            "/store/orders?limit=10&order=-created_at&fields={}",
            enc(ORDERS_FIELDS)
        ),
        Some(token.clone()),
    )
    .await
    .ok();
    assert_eq!(list["count"], 1);
    assert_eq!(list["orders"][0]["id"], order_id.as_str());
    assert_eq!(list["orders"][0]["items"][0]["variant"]["title"], "W");
    assert_eq!(
        list["orders"][0]["items"][0]["product"]["handle"],
        handle.as_str()
    );
    let me = get(
        "/store/customers/me?fields=*orders".into(),
        Some(token.clone()),
    )
    .await
    .ok();
    let orders = me["customer"]["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["id"], order_id.as_str());
    assert_eq!(orders[0]["display_id"], done["order"]["display_id"]);
    assert_eq!(orders[0]["customer_id"], customer_id.as_str());
    let plain = get("/store/customers/me".into(), Some(token.clone()))
        .await
        .ok();
    assert!(plain["customer"].get("orders").is_none());
    get(
        "/store/customers/me?fields=*wishlist".into(),
        Some(token.clone()),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");

    // Locales: Merx stores no translations, so the store offers none (Medusa's answer for a store
    // without supported locales).
    assert_eq!(
        get("/store/locales".into(), None).await.ok(),
        json!({"locales": []})
    );
}
app_test!(
    the_starters_checkout_gets_what_it_reads_sqlite_and_postgres,
    the_starters_checkout_gets_what_it_reads
);

/// A line whose product was deleted since shows `variant: null` and `product: null` when they
/// are asked for, instead of failing the cart.
async fn expanded_lines_of_a_deleted_product_are_null(app: TestApp) {
    let shop = setup(&app, "eur", 20.0, 10).await;
    let cart = store(
        &app,
        &shop,
        Method::POST,
        "/store/carts",
        None,
        Some(&json!({"region_id": shop.region})),
    )
    .await
    .ok()["cart"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    store(
        &app,
        &shop,
        Method::POST,
        &format!("/store/carts/{cart}/line-items"),
        None,
        Some(&json!({"variant_id": shop.variant, "quantity": 1})),
    )
    .await
    .ok();
    let product = store(
        &app,
        &shop,
        Method::GET,
        "/store/products?limit=1",
        None,
        None,
    )
    .await
    .ok()["products"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.delete_as(&format!("/admin/products/{product}"), &shop.admin)
        .await
        .ok();
    let read = store(
        &app,
        &shop,
        Method::GET,
        &format!("/store/carts/{cart}?fields={}", enc(CART_FIELDS)),
        None,
        None,
    )
    .await
    .ok();
    let line = &read["cart"]["items"][0];
    assert_eq!(line["variant"], Value::Null, "{line}");
    assert_eq!(line["product"], Value::Null, "{line}");
    assert_eq!(line["variant_title"], "W", "the line keeps its snapshot");
}
app_test!(
    deleted_products_expand_to_null,
    expanded_lines_of_a_deleted_product_are_null
);
