//! Customers and admin users: Medusa's emailpass flow, cookie sessions, token refresh, password
//! reset through a captured notification, rate limits, invites, and secrets kept out of logs.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::Router;
use merx_core::auth::Role;
use merx_core::notification::CapturingNotifier;
use merx_core::Core;
use merx_db::Backend;
use merx_http::HttpConfig;
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestResponse};

async fn with_notifier<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp, CapturingNotifier) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if let Some(t) = merx_db::testing::TestDb::new(backend).await {
        let notifier = CapturingNotifier::default();
        let core = Core::with_auth(
            t.db.clone(),
            b"test-secret".to_vec(),
            Arc::new(notifier.clone()),
        );
        test(
            TestApp::with_core(core, HttpConfig::default(), Router::new()),
            notifier,
        )
        .await;
        t.cleanup().await;
    }
}

macro_rules! auth_test {
    ($name:ident, $test:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::with_notifier(merx_db::Backend::Sqlite, super::$test).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::with_notifier(merx_db::Backend::Postgres, super::$test).await
            }
        }
    };
}

async fn publishable(app: &TestApp) -> String {
    let admin = app.admin_key(Role::Admin).await;
    app.post_as(
        "/admin/api-keys",
        &admin,
        &json!({"title": "web", "type": "publishable"}),
    )
    .await
    .ok()["api_key"]["token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn store(
    app: &TestApp,
    method: Method,
    path: &str,
    pk: &str,
    bearer: Option<&str>,
    body: Option<&Value>,
    cookie: Option<&str>,
) -> TestResponse {
    let mut headers = vec![("x-publishable-api-key", pk)];
    let cookie_header;
    if let Some(c) = cookie {
        cookie_header = c.to_string();
        headers.push(("cookie", &cookie_header));
    }
    app.call(method, path, bearer, body, &headers).await
}

fn token(res: &TestResponse) -> String {
    res.ok()["token"].as_str().unwrap().to_string()
}

/// The payload of a JWT (no verification: the server verifies).
fn claims(jwt: &str) -> Value {
    use base64::Engine;
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

async fn register_create_login_me(app: TestApp, _: CapturingNotifier) {
    let pk = publishable(&app).await;
    let creds = json!({"email": "Ada@Example.com", "password": "analytical-engine"});
    let reg = token(
        &app.post_json("/auth/customer/emailpass/register", &creds)
            .await,
    );
    assert_eq!(
        claims(&reg)["actor_id"],
        "",
        "a registration token has no actor yet"
    );
    assert_eq!(claims(&reg)["actor_type"], "customer");
    // Registering again answers as the first time did: a taken email is not revealed
    // (sessions.rs checks the two answers alike).
    token(
        &app.post_json("/auth/customer/emailpass/register", &creds)
            .await,
    );

    let created = store(
        &app,
        Method::POST,
        "/store/customers",
        &pk,
        Some(&reg),
        Some(&json!({"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"})),
        None,
    )
    .await
    .ok();
    let customer = &created["customer"];
    assert_eq!(customer["email"], "ada@example.com");
    assert_eq!(customer["has_account"], true);
    let id = customer["id"].as_str().unwrap().to_string();
    // The registration token cannot create a second customer.
    store(
        &app,
        Method::POST,
        "/store/customers",
        &pk,
        Some(&reg),
        Some(&json!({"email": "ada@example.com"})),
        None,
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "duplicate_error");

    let login = token(&app.post_json("/auth/customer/emailpass", &creds).await);
    assert_eq!(claims(&login)["actor_id"], id);
    assert_eq!(claims(&login)["app_metadata"]["customer_id"], id);
    let me = store(
        &app,
        Method::GET,
        "/store/customers/me",
        &pk,
        Some(&login),
        None,
        None,
    )
    .await
    .ok();
    assert_eq!(me["customer"]["first_name"], "Ada");
    // Refreshing the registration token yields one with the actor.
    let refreshed = token(
        &app.call(Method::POST, "/auth/token/refresh", Some(&reg), None, &[])
            .await,
    );
    assert_eq!(claims(&refreshed)["actor_id"], id);

    // Profile and addresses.
    let updated = store(
        &app,
        Method::POST,
        "/store/customers/me",
        &pk,
        Some(&login),
        Some(&json!({"phone": "+44 20 7946 0958"})),
        None,
    )
    .await
    .ok();
    assert_eq!(updated["customer"]["phone"], "+44 20 7946 0958");
    let with_addr = store(&app, Method::POST, "/store/customers/me/addresses", &pk, Some(&login),
        Some(&json!({"first_name": "Ada", "address_1": "12 St James's Sq", "city": "London", "country_code": "GB", "postal_code": "SW1Y 4JH", "is_default_shipping": true})), None).await.ok();
    let addr = &with_addr["customer"]["addresses"][0];
    assert_eq!(addr["country_code"], "gb");
    assert_eq!(
        with_addr["customer"]["default_shipping_address_id"],
        addr["id"]
    );
    let addr_id = addr["id"].as_str().unwrap();
    store(
        &app,
        Method::POST,
        "/store/customers/me/addresses",
        &pk,
        Some(&login),
        Some(&json!({"country_code": "XX"})),
        None,
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    let del = store(
        &app,
        Method::DELETE,
        &format!("/store/customers/me/addresses/{addr_id}"),
        &pk,
        Some(&login),
        None,
        None,
    )
    .await
    .ok();
    assert_eq!(
        (
            del["id"].as_str(),
            del["object"].as_str(),
            del["deleted"].as_bool()
        ),
        (Some(id.as_str()), Some("address"), Some(true))
    );

    // Wrong password, unknown email, no credentials, a forged token.
    app.post_json(
        "/auth/customer/emailpass",
        &json!({"email": "ada@example.com", "password": "wrong-password"}),
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    app.post_json(
        "/auth/customer/emailpass",
        &json!({"email": "nobody@example.com", "password": "whatever1"}),
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    store(
        &app,
        Method::GET,
        "/store/customers/me",
        &pk,
        None,
        None,
        None,
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let forged = format!("{}.{}", &login[..login.rfind('.').unwrap()], "AAAA");
    store(
        &app,
        Method::GET,
        "/store/customers/me",
        &pk,
        Some(&forged),
        None,
        None,
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    for bad in [
        json!({"email": "not-an-email", "password": "long-enough"}),
        json!({"email": "x@example.com", "password": "short"}),
        json!({"email": "x@example.com"}),
    ] {
        app.post_json("/auth/customer/emailpass/register", &bad)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    }
    // A customer's token opens no admin route.
    app.get_as("/admin/products", &login)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
}
auth_test!(
    register_create_customer_login_and_me,
    register_create_login_me
);

async fn cookie_sessions(app: TestApp, _: CapturingNotifier) {
    let pk = publishable(&app).await;
    let creds = json!({"email": "grace@example.com", "password": "cobol-compiler"});
    let reg = token(
        &app.post_json("/auth/customer/emailpass/register", &creds)
            .await,
    );
    store(
        &app,
        Method::POST,
        "/store/customers",
        &pk,
        Some(&reg),
        Some(&json!({"email": "grace@example.com"})),
        None,
    )
    .await
    .ok();
    let login = token(&app.post_json("/auth/customer/emailpass", &creds).await);
    let session = app
        .call(Method::POST, "/auth/session", Some(&login), None, &[])
        .await;
    assert_eq!(session.status, StatusCode::OK);
    let set_cookie = session.headers["set-cookie"].to_str().unwrap().to_string();
    assert!(set_cookie.contains("HttpOnly"));
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    assert!(cookie.starts_with("connect.sid="));
    let me = store(
        &app,
        Method::GET,
        "/store/customers/me",
        &pk,
        None,
        None,
        Some(&cookie),
    )
    .await
    .ok();
    assert_eq!(me["customer"]["email"], "grace@example.com");
    let out = app
        .call(
            Method::DELETE,
            "/auth/session",
            None,
            None,
            &[("cookie", &cookie)],
        )
        .await
        .ok();
    assert_eq!(out, json!({"success": true}));
    store(
        &app,
        Method::GET,
        "/store/customers/me",
        &pk,
        None,
        None,
        Some(&cookie),
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
}
auth_test!(
    cookie_sessions_authenticate_until_destroyed,
    cookie_sessions
);

async fn password_reset(app: TestApp, notifier: CapturingNotifier) {
    let pk = publishable(&app).await;
    let creds = json!({"email": "linus@example.com", "password": "first-password"});
    let reg = token(
        &app.post_json("/auth/customer/emailpass/register", &creds)
            .await,
    );
    store(
        &app,
        Method::POST,
        "/store/customers",
        &pk,
        Some(&reg),
        Some(&json!({"email": "linus@example.com"})),
        None,
    )
    .await
    .ok();
    let known = app
        .post_json(
            "/auth/customer/emailpass/reset-password",
            &json!({"identifier": "linus@example.com"}),
        )
        .await;
    let unknown = app
        .post_json(
            "/auth/customer/emailpass/reset-password",
            &json!({"identifier": "ghost@example.com"}),
        )
        .await;
    assert_eq!(
        (known.status, known.text()),
        (StatusCode::CREATED, "Created".to_string())
    );
    assert_eq!(
        (unknown.status, unknown.text()),
        (known.status, known.text()),
        "existence is not revealed"
    );
    let sent = notifier.all();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "linus@example.com");
    assert_eq!(sent[0].template, "auth.password_reset");
    let reset = sent[0].data["token"].as_str().unwrap().to_string();
    // A reset token is not a login token.
    store(
        &app,
        Method::GET,
        "/store/customers/me",
        &pk,
        Some(&reset),
        None,
        None,
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let ok = app
        .call(
            Method::POST,
            "/auth/customer/emailpass/update",
            Some(&reset),
            Some(&json!({"password": "second-password"})),
            &[],
        )
        .await
        .ok();
    assert_eq!(ok, json!({"success": true}));
    app.post_json("/auth/customer/emailpass", &creds)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    app.post_json(
        "/auth/customer/emailpass",
        &json!({"email": "linus@example.com", "password": "second-password"}),
    )
    .await
    .ok();
    app.call(
        Method::POST,
        "/auth/customer/emailpass/update",
        Some(&reset),
        Some(&json!({"password": "third-password"})),
        &[],
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
}
auth_test!(
    password_reset_through_a_captured_notification,
    password_reset
);

async fn rate_limits(app: TestApp, _: CapturingNotifier) {
    let creds = json!({"email": "eve@example.com", "password": "right-password"});
    app.post_json("/auth/customer/emailpass/register", &creds)
        .await
        .ok();
    // Five failures from one address; then that address waits, even with the right password
    // (sessions.rs checks that other addresses do not).
    for _ in 0..5 {
        app.post_json(
            "/auth/customer/emailpass",
            &json!({"email": "eve@example.com", "password": "guess-guess"}),
        )
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let blocked = app.post_json("/auth/customer/emailpass", &creds).await;
    blocked.assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
    let retry: u64 = blocked.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15).contains(&retry), "Retry-After: {retry}");
    // Another identity is not affected.
    app.post_json(
        "/auth/customer/emailpass/register",
        &json!({"email": "bob@example.com", "password": "bobs-password"}),
    )
    .await
    .ok();
    app.post_json(
        "/auth/customer/emailpass",
        &json!({"email": "bob@example.com", "password": "bobs-password"}),
    )
    .await
    .ok();
}
auth_test!(login_attempts_are_rate_limited_per_identity, rate_limits);

async fn admin_users_and_invites(app: TestApp, _: CapturingNotifier) {
    app.core
        .users
        .create(
            &app.core.auth,
            "owner@example.com",
            "owner-password",
            Role::Owner,
            (None, None),
        )
        .await
        .unwrap();
    let owner = token(
        &app.post_json(
            "/auth/user/emailpass",
            &json!({"email": "owner@example.com", "password": "owner-password"}),
        )
        .await,
    );
    let me = app.get_as("/admin/users/me", &owner).await.ok();
    assert_eq!(me["user"]["role"], "owner");
    let invite = app
        .post_as(
            "/admin/invites",
            &owner,
            &json!({"email": "sam@example.com", "role": "support"}),
        )
        .await
        .ok();
    let invite_token = invite["invite"]["token"].as_str().unwrap().to_string();
    let accepted = app
        .post_json(
            "/admin/invites/accept",
            &json!({"token": invite_token, "password": "support-password", "first_name": "Sam"}),
        )
        .await
        .ok();
    assert_eq!(accepted["user"]["role"], "support");
    app.post_json(
        "/admin/invites/accept",
        &json!({"token": invite_token, "password": "support-password"}),
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let sam = token(
        &app.post_json(
            "/auth/user/emailpass",
            &json!({"email": "sam@example.com", "password": "support-password"}),
        )
        .await,
    );
    app.get_as("/admin/customers", &sam).await.ok();
    app.get_as("/admin/webhooks", &sam)
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    // Cookie sessions work for users too.
    let session = app
        .call(Method::POST, "/auth/session", Some(&sam), None, &[])
        .await;
    let cookie = session.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        app.call(
            Method::GET,
            "/admin/users/me",
            None,
            None,
            &[("cookie", &cookie)]
        )
        .await
        .ok()["user"]["email"],
        "sam@example.com"
    );
    // A user identity registered without an invite is no user: its token opens nothing in
    // the Admin API, before or after logging in (admin_people.rs has Medusa's invite flow).
    let stray = token(
        &app.post_json(
            "/auth/user/emailpass/register",
            &json!({"email": "x@example.com", "password": "whatever-pw"}),
        )
        .await,
    );
    app.get_as("/admin/users/me", &stray)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let stray_login = token(
        &app.post_json(
            "/auth/user/emailpass",
            &json!({"email": "x@example.com", "password": "whatever-pw"}),
        )
        .await,
    );
    app.get_as("/admin/customers", &stray_login)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // Customers' credentials are separate.
    app.post_json(
        "/auth/customer/emailpass",
        &json!({"email": "sam@example.com", "password": "support-password"}),
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // An admin promotes; only an owner makes owners.
    let sam_id = accepted["user"]["id"].as_str().unwrap();
    app.post_as(
        &format!("/admin/users/{sam_id}"),
        &owner,
        &json!({"role": "admin"}),
    )
    .await
    .ok();
}
auth_test!(
    admin_users_log_in_with_roles_and_join_by_invite,
    admin_users_and_invites
);

/// The buyer hears of their order once per change (placed, shipped, canceled, a return requested
/// and received), through the
/// standard subscribers, however often the dispatcher runs.
async fn order_notifications(app: TestApp, notifier: CapturingNotifier) {
    use crate::checkout::{complete, ready_cart, setup};
    let s = setup(&app, "eur", 10.0, 5).await;
    let first = complete(
        &app,
        &s,
        &ready_cart(&app, &s, 2, "pp_system_default").await,
    )
    .await["order"]
        .clone();
    let second = complete(
        &app,
        &s,
        &ready_cart(&app, &s, 1, "pp_system_default").await,
    )
    .await["order"]
        .clone();
    let (first_id, second_id) = (
        first["id"].as_str().unwrap(),
        second["id"].as_str().unwrap(),
    );
    let line = first["items"][0]["id"].as_str().unwrap();
    let fulfilled = app
        .post_as(
            &format!("/admin/orders/{first_id}/fulfillments"),
            &s.admin,
            &json!({"location_id": s.location, "items": [{"id": line, "quantity": 2}]}),
        )
        .await
        .ok();
    let fulfillment = fulfilled["order"]["fulfillments"][0]["id"]
        .as_str()
        .unwrap();
    app.post_as(
        &format!("/admin/orders/{first_id}/fulfillments/{fulfillment}/shipments"),
        &s.admin,
        &json!({}),
    )
    .await
    .ok();
    app.post_as(
        &format!("/admin/orders/{second_id}/cancel"),
        &s.admin,
        &json!({}),
    )
    .await
    .ok();
    // The first order: one unit sent back, and received.
    let ret = app
        .post_as(
            "/admin/returns",
            &s.admin,
            &json!({"order_id": first_id, "items": [{"id": line, "quantity": 1}]}),
        )
        .await
        .ok();
    let return_id = ret["return"]["id"].as_str().unwrap();
    app.post_as(
        &format!("/admin/returns/{return_id}/receive"),
        &s.admin,
        &json!({"location_id": s.location}),
    )
    .await
    .ok();
    let dispatcher = merx_core::platform::outbox::Dispatcher::new(
        app.db.clone(),
        merx_core::platform::background::standard_subscribers(
            &app.core,
            merx_core::platform::subscribers::Subscribers::new(),
        ),
        merx_core::platform::outbox::DispatchConfig::default(),
    );
    for _ in 0..3 {
        dispatcher.run_once().await.unwrap();
    }
    let mut sent: Vec<(String, String, Value)> = notifier
        .all()
        .into_iter()
        .filter(|n| n.template.starts_with("order.") || n.template.starts_with("return."))
        .map(|n| (n.template, n.to, n.data["order_id"].clone()))
        .collect();
    sent.sort_by(|a, b| (&a.0, a.2.to_string()).cmp(&(&b.0, b.2.to_string())));
    let mut expected = vec![
        (
            "order.canceled".to_string(),
            "buyer@example.com".to_string(),
            json!(second_id),
        ),
        (
            "order.placed".to_string(),
            "buyer@example.com".to_string(),
            json!(first_id),
        ),
        (
            "order.placed".to_string(),
            "buyer@example.com".to_string(),
            json!(second_id),
        ),
        (
            "order.shipped".to_string(),
            "buyer@example.com".to_string(),
            json!(first_id),
        ),
        (
            "return.received".to_string(),
            "buyer@example.com".to_string(),
            json!(first_id),
        ),
        (
            "return.requested".to_string(),
            "buyer@example.com".to_string(),
            json!(first_id),
        ),
    ];
    expected.sort_by(|a, b| (&a.0, a.2.to_string()).cmp(&(&b.0, b.2.to_string())));
    assert_eq!(sent, expected);
    let shipped = notifier
        .all()
        .into_iter()
        .find(|n| n.template == "order.shipped")
        .unwrap();
    assert_eq!(shipped.data["fulfillment_id"], fulfillment);
    assert_eq!(shipped.data["display_id"], first["display_id"]);
    let received = notifier
        .all()
        .into_iter()
        .find(|n| n.template == "return.received")
        .unwrap();
    assert_eq!(received.data["return_id"], return_id);
}
auth_test!(
    the_buyer_hears_once_that_their_order_was_placed_shipped_or_canceled,
    order_notifications
);
