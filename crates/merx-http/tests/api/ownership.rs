//! Who may use a cart, an order and its returns through the Store API: a customer's cart and
//! orders are that customer's alone (anyone else is told they do not exist); a guest cart and a
//! guest order are their id's bearer's, as in Medusa; a guest order's return is the shop's to take.

use axum::http::{Method, StatusCode};
use merx_db::query;
use serde_json::{json, Value};

use crate::app_test;
use crate::checkout::{setup, store, Shop};
use crate::helpers::{TestApp, TestResponse};

async fn customer(app: &TestApp, s: &Shop, email: &str) -> (String, String) {
    crate::helpers::customer(app, &s.pk, email).await
}

/// A Store request with a customer's bearer token.
pub(crate) async fn as_customer(
    app: &TestApp,
    s: &Shop,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> TestResponse {
    app.call(
        method,
        path,
        Some(token),
        body.as_ref(),
        &[("x-publishable-api-key", &s.pk)],
    )
    .await
}

/// The same request as a guest, as `intruder`, and as `owner`: what each gets.
struct Callers<'a> {
    app: &'a TestApp,
    s: &'a Shop,
    owner: &'a str,
    intruder: &'a str,
}

impl Callers<'_> {
    /// Asserts that a guest and the other customer both get 404 `not_found`.
    async fn refused(&self, method: Method, path: &str, body: Option<Value>) {
        store(self.app, self.s, method.clone(), path, body.clone())
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
        as_customer(self.app, self.s, self.intruder, method, path, body)
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
    }

    async fn owner(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        as_customer(self.app, self.s, self.owner, method, path, body)
            .await
            .ok()
    }
}

fn address() -> Value {
    json!({"first_name": "Ada", "address_1": "Str 1", "city": "Berlin", "country_code": "de", "postal_code": "10115"})
}

async fn customer_carts_are_the_customers(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 50).await;
    let (ada, _) = customer(&app, &s, "ada@example.com").await;
    let (eve, _) = customer(&app, &s, "eve@example.com").await;
    let c = Callers {
        app: &app,
        s: &s,
        owner: &ada,
        intruder: &eve,
    };
    let cart = c
        .owner(
            Method::POST,
            "/store/carts",
            Some(json!({"region_id": s.region, "shipping_address": address()})),
        )
        .await["cart"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/store/carts/{cart}");

    c.refused(Method::GET, &path, None).await;
    c.refused(
        Method::POST,
        &path,
        Some(json!({"email": "thief@example.com"})),
    )
    .await;
    c.refused(
        Method::POST,
        &format!("{path}/line-items"),
        Some(json!({"variant_id": s.variant, "quantity": 1})),
    )
    .await;
    let line = c
        .owner(
            Method::POST,
            &format!("{path}/line-items"),
            Some(json!({"variant_id": s.variant, "quantity": 1})),
        )
        .await["cart"]["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    c.refused(
        Method::POST,
        &format!("{path}/line-items/{line}"),
        Some(json!({"quantity": 5})),
    )
    .await;
    c.refused(Method::DELETE, &format!("{path}/line-items/{line}"), None)
        .await;
    c.refused(
        Method::GET,
        &format!("/store/shipping-options?cart_id={cart}"),
        None,
    )
    .await;
    c.refused(
        Method::POST,
        &format!("/store/shipping-options/{}/calculate", s.option),
        Some(json!({"cart_id": cart})),
    )
    .await;
    c.refused(
        Method::POST,
        &format!("{path}/shipping-methods"),
        Some(json!({"option_id": s.option})),
    )
    .await;
    // Taking a cart over needs a login (401 for a guest); another customer's is not there.
    store(&app, &s, Method::POST, &format!("{path}/customer"), None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    as_customer(
        &app,
        &s,
        &eve,
        Method::POST,
        &format!("{path}/customer"),
        None,
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "not_found");
    c.owner(
        Method::POST,
        &format!("{path}/shipping-methods"),
        Some(json!({"option_id": s.option})),
    )
    .await;
    c.refused(
        Method::POST,
        "/store/payment-collections",
        Some(json!({"cart_id": cart})),
    )
    .await;
    let collection = c
        .owner(
            Method::POST,
            "/store/payment-collections",
            Some(json!({"cart_id": cart})),
        )
        .await["payment_collection"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    c.refused(
        Method::POST,
        &format!("/store/payment-collections/{collection}/payment-sessions"),
        Some(json!({"provider_id": "pp_system_default"})),
    )
    .await;
    c.owner(
        Method::POST,
        &format!("/store/payment-collections/{collection}/payment-sessions"),
        Some(json!({"provider_id": "pp_system_default"})),
    )
    .await;
    c.refused(Method::POST, &format!("{path}/complete"), None)
        .await;

    // Nothing the others sent stuck; the owner sees and completes the cart.
    let mine = c.owner(Method::GET, &path, None).await;
    assert_eq!(mine["cart"]["email"], "ada@example.com");
    assert_eq!(mine["cart"]["items"][0]["quantity"], 1);
    assert_eq!(mine["cart"]["completed_at"], Value::Null);
    let placed = c
        .owner(Method::POST, &format!("{path}/complete"), None)
        .await;
    assert_eq!(placed["type"], "order", "{placed}");
}
app_test!(
    a_customers_cart_is_refused_to_guests_and_other_customers_on_every_route,
    customer_carts_are_the_customers
);

async fn guest_carts_are_the_bearers(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 50).await;
    let (ada, ada_id) = customer(&app, &s, "ada@example.com").await;
    let (eve, _) = customer(&app, &s, "eve@example.com").await;
    let cart = store(
        &app,
        &s,
        Method::POST,
        "/store/carts",
        Some(json!({"region_id": s.region})),
    )
    .await
    .ok()["cart"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/store/carts/{cart}");
    // Whoever holds a guest cart's id may use it, logged in or not.
    store(&app, &s, Method::GET, &path, None).await.ok();
    as_customer(&app, &s, &eve, Method::GET, &path, None)
        .await
        .ok();
    // Logging in takes it over; from then on it is that customer's.
    let taken = as_customer(
        &app,
        &s,
        &ada,
        Method::POST,
        &format!("{path}/customer"),
        None,
    )
    .await
    .ok();
    assert_eq!(taken["cart"]["customer_id"], ada_id.as_str());
    store(&app, &s, Method::GET, &path, None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    as_customer(
        &app,
        &s,
        &eve,
        Method::POST,
        &format!("{path}/customer"),
        None,
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "not_found");
    as_customer(&app, &s, &ada, Method::GET, &path, None)
        .await
        .ok();
}
app_test!(
    a_guest_cart_is_its_ids_bearers_until_a_customer_takes_it,
    guest_carts_are_the_bearers
);

/// A cart of `token`'s customer (a guest cart without one), ready to complete; the order placed.
async fn place_order(app: &TestApp, s: &Shop, token: Option<&str>) -> Value {
    let send = |method: Method, path: String, body: Option<Value>| async move {
        app.call(
            method,
            &path,
            token,
            body.as_ref(),
            &[("x-publishable-api-key", &s.pk)],
        )
        .await
        .ok()
    };
    let cart = send(
        Method::POST,
        "/store/carts".into(),
        Some(json!({"region_id": s.region, "email": "guest@example.com", "shipping_address": address()})),
    )
    .await["cart"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    send(
        Method::POST,
        format!("/store/carts/{cart}/line-items"),
        Some(json!({"variant_id": s.variant, "quantity": 2})),
    )
    .await;
    send(
        Method::POST,
        format!("/store/carts/{cart}/shipping-methods"),
        Some(json!({"option_id": s.option})),
    )
    .await;
    let pc = send(
        Method::POST,
        "/store/payment-collections".into(),
        Some(json!({"cart_id": cart})),
    )
    .await["payment_collection"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    send(
        Method::POST,
        format!("/store/payment-collections/{pc}/payment-sessions"),
        Some(json!({"provider_id": "pp_system_default"})),
    )
    .await;
    send(Method::POST, format!("/store/carts/{cart}/complete"), None).await["order"].clone()
}

/// Fulfils and ships every unit of the order (Admin API); its first line's id.
async fn ship(app: &TestApp, s: &Shop, order: &Value) -> String {
    let id = order["id"].as_str().unwrap();
    let line = order["items"][0]["id"].as_str().unwrap().to_string();
    let fulfilled = app
        .post_as(
            &format!("/admin/orders/{id}/fulfillments"),
            &s.admin,
            &json!({"location_id": s.location, "items": [{"id": line, "quantity": 2}]}),
        )
        .await
        .ok();
    let f = fulfilled["order"]["fulfillments"][0]["id"]
        .as_str()
        .unwrap();
    app.post_as(
        &format!("/admin/orders/{id}/fulfillments/{f}/shipments"),
        &s.admin,
        &json!({}),
    )
    .await
    .ok();
    line
}

async fn orders_and_returns_are_the_customers(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 50).await;
    let (ada, ada_id) = customer(&app, &s, "ada@example.com").await;
    let (eve, _) = customer(&app, &s, "eve@example.com").await;
    let c = Callers {
        app: &app,
        s: &s,
        owner: &ada,
        intruder: &eve,
    };
    let order = place_order(&app, &s, Some(&ada)).await;
    assert_eq!(order["customer_id"], ada_id.as_str());
    let id = order["id"].as_str().unwrap().to_string();
    let path = format!("/store/orders/{id}");
    c.refused(Method::GET, &path, None).await;
    assert_eq!(c.owner(Method::GET, &path, None).await["order"]["id"], id);

    let line = ship(&app, &s, &order).await;
    let one = json!({"order_id": id, "items": [{"id": line, "quantity": 1}]});
    c.refused(Method::POST, "/store/returns", Some(one.clone()))
        .await;
    c.refused(Method::POST, "/store/return", Some(one.clone()))
        .await;
    let ret = c
        .owner(Method::POST, "/store/returns", Some(one.clone()))
        .await;
    assert_eq!(ret["return"]["status"], "requested");
    let made = app
        .db
        .fetch_one(query("SELECT COUNT(*) AS n FROM order_return WHERE order_id = ?").bind(&id))
        .await
        .unwrap()
        .int("n")
        .unwrap();
    assert_eq!(made, 1, "only the owner's return was made");

    // A guest order is read by its id, as in Medusa; its return is the shop's to take.
    let guest = place_order(&app, &s, None).await;
    let guest_id = guest["id"].as_str().unwrap();
    store(
        &app,
        &s,
        Method::GET,
        &format!("/store/orders/{guest_id}"),
        None,
    )
    .await
    .ok();
    let line = ship(&app, &s, &guest).await;
    let body = json!({"order_id": guest_id, "items": [{"id": line, "quantity": 1}]});
    store(&app, &s, Method::POST, "/store/returns", Some(body.clone()))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "not_allowed");
    as_customer(&app, &s, &ada, Method::POST, "/store/returns", Some(body))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "not_allowed");
}
app_test!(
    a_customers_order_and_its_returns_are_refused_to_guests_and_other_customers,
    orders_and_returns_are_the_customers
);
