//! Idempotency keys belong to their caller: another caller's repeat of a key is a 409, never the
//! stored answer; the same caller by another credential (its session cookie) replays; a caller
//! without credentials must send an unguessable key, except on the routes of a cart it holds.

use axum::http::{Method, StatusCode};
use merx_db::query;
use serde_json::{json, Value};

use crate::app_test;
use crate::checkout::{setup, Shop};
use crate::helpers::{customer, TestApp, TestResponse};

const KEY: &str = "5f0c8e2a-9b1d-4c7e-a3f6-2d8b0e4c1a97";
const OTHER_KEY: &str = "kTz8-_Qw3LmN0pRsTuVwXy";

/// A request with an idempotency key, the shop's publishable key and optional credentials.
async fn keyed(
    app: &TestApp,
    s: &Shop,
    key: &str,
    bearer: Option<&str>,
    cookie: Option<&str>,
    path: &str,
    body: &Value,
) -> TestResponse {
    let mut headers = vec![
        ("x-publishable-api-key", s.pk.as_str()),
        ("idempotency-key", key),
    ];
    if let Some(c) = cookie {
        headers.push(("cookie", c));
    }
    app.call(Method::POST, path, bearer, Some(body), &headers)
        .await
}

async fn carts(app: &TestApp) -> i64 {
    app.db
        .fetch_one(query("SELECT COUNT(*) AS n FROM cart"))
        .await
        .unwrap()
        .int("n")
        .unwrap()
}

fn personal_cart(s: &Shop, email: &str) -> Value {
    json!({"region_id": s.region, "email": email,
        "shipping_address": {"first_name": "A", "address_1": "Str 1", "city": "Berlin", "country_code": "de", "postal_code": "10115"}})
}

async fn guessable_guest_keys(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 5).await;
    let body = personal_cart(&s, "a@example.com");
    for _guest in ["a", "b"] {
        let res = keyed(&app, &s, "order-1", None, None, "/store/carts", &body).await;
        res.assert_error(StatusCode::BAD_REQUEST, "invalid_data");
        assert!(res.headers.get("idempotent-replayed").is_none());
        assert!(!res.text().contains("a@example.com"), "{}", res.text());
    }
    assert_eq!(carts(&app).await, 0, "a refused key runs nothing");

    // The other anonymous creates refuse such keys too.
    for (path, body) in [
        (
            "/auth/customer/emailpass/register",
            json!({"email": "n@example.com", "password": "correct-horse-battery"}),
        ),
        (
            "/auth/customer/emailpass",
            json!({"email": "n@example.com", "password": "correct-horse-battery"}),
        ),
        (
            "/auth/customer/emailpass/reset-password",
            json!({"identifier": "n@example.com"}),
        ),
        ("/store/payment-collections", json!({"cart_id": "cart_x"})),
        (
            "/store/returns",
            json!({"order_id": "order_x", "items": []}),
        ),
    ] {
        keyed(&app, &s, "attempt-1", None, None, path, &body)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    }

    // Unguessable keys work, each guest with their own.
    let a = keyed(&app, &s, KEY, None, None, "/store/carts", &body)
        .await
        .ok();
    let again = keyed(&app, &s, KEY, None, None, "/store/carts", &body).await;
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.ok()["cart"]["id"], a["cart"]["id"]);
    let b = keyed(&app, &s, OTHER_KEY, None, None, "/store/carts", &body)
        .await
        .ok();
    assert_ne!(b["cart"]["id"], a["cart"]["id"]);
    assert_eq!(carts(&app).await, 2);
}
app_test!(
    a_guessable_key_without_credentials_is_refused_so_no_guest_gets_anothers_cart,
    guessable_guest_keys
);

async fn keys_belong_to_callers(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 5).await;
    let (ada, _) = customer(&app, &s.pk, "ada@example.com").await;
    let (eve, _) = customer(&app, &s.pk, "eve@example.com").await;
    let body = personal_cart(&s, "ada@example.com");
    let first = keyed(&app, &s, KEY, Some(&ada), None, "/store/carts", &body)
        .await
        .ok();
    let cart = first["cart"]["id"].as_str().unwrap().to_string();

    // Another customer, and a guest, sending the same key and body: 409, nothing of Ada's.
    for bearer in [Some(eve.as_str()), None] {
        let res = keyed(&app, &s, KEY, bearer, None, "/store/carts", &body).await;
        res.assert_error(StatusCode::CONFLICT, "conflict");
        assert!(!res.text().contains(&cart), "{}", res.text());
        assert!(!res.text().contains("Str 1"), "{}", res.text());
    }
    assert_eq!(carts(&app).await, 1, "neither repeat ran");

    // Ada through her session cookie instead of the token is the same caller: a replay.
    let session = app
        .call(Method::POST, "/auth/session", Some(&ada), None, &[])
        .await;
    assert_eq!(session.status, StatusCode::OK, "{}", session.text());
    let cookie = session.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let replayed = keyed(&app, &s, KEY, None, Some(&cookie), "/store/carts", &body).await;
    assert_eq!(replayed.headers["idempotent-replayed"], "true");
    assert_eq!(replayed.ok()["cart"]["id"], cart.as_str());

    // A key an identified caller chose by counting is fine: it is theirs alone.
    let own = keyed(
        &app,
        &s,
        "cart-1",
        Some(&eve),
        None,
        "/store/carts",
        &personal_cart(&s, "eve@example.com"),
    )
    .await
    .ok();
    keyed(
        &app,
        &s,
        "cart-1",
        Some(&ada),
        None,
        "/store/carts",
        &personal_cart(&s, "eve@example.com"),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "conflict");
    assert_ne!(own["cart"]["id"], cart.as_str());
}
app_test!(
    a_key_replayed_by_another_caller_is_a_conflict_and_the_same_caller_replays_by_any_credential,
    keys_belong_to_callers
);

async fn cart_scoped_guest_keys(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 5).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let cart = app
            .call(
                Method::POST,
                "/store/carts",
                None,
                Some(&json!({"region_id": s.region})),
                &[("x-publishable-api-key", &s.pk)],
            )
            .await
            .ok()["cart"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let path = format!("/store/carts/{cart}/line-items");
        let add = json!({"variant_id": s.variant, "quantity": 1});
        let first = keyed(&app, &s, "add-1", None, None, &path, &add).await.ok();
        let again = keyed(&app, &s, "add-1", None, None, &path, &add).await;
        assert_eq!(again.headers["idempotent-replayed"], "true");
        assert_eq!(again.ok(), first);
        assert_eq!(first["cart"]["items"][0]["quantity"], 1, "added once");
        ids.push(cart);
    }
    assert_ne!(ids[0], ids[1]);
}
app_test!(
    a_guest_may_count_keys_on_the_routes_of_its_own_cart,
    cart_scoped_guest_keys
);
