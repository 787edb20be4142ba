//! Sessions and login, hardened: a logout or a password reset ends the identity's tokens and
//! cookie sessions, refresh stops at an absolute limit from the login, per-address limits count
//! the real client behind trusted proxies only, failed logins slow down one address without
//! locking the owner out elsewhere, and registering does not tell whether an email is taken.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use merx_core::auth::{AuthSettings, Role};
use merx_core::notification::CapturingNotifier;
use merx_core::Core;
use merx_db::Backend;
use merx_http::{HttpConfig, TrustedProxies};
use serde_json::{json, Value};

use crate::app_test;
use crate::helpers::{TestApp, TestResponse};

/// The JWT secret of [`with_proxied_app`], so a test can sign tokens of an old login.
const SECRET: &[u8] = b"sessions-test-secret";
const DAY: i64 = 24 * 3600;

/// The application behind trusted proxies `10.0.0.0/8`, signing with [`SECRET`], notifying
/// through a capturing notifier, under `settings`.
async fn with_proxied_app<F, Fut>(backend: Backend, settings: AuthSettings, test: F)
where
    F: FnOnce(TestApp, CapturingNotifier) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if let Some(t) = merx_db::testing::TestDb::new(backend).await {
        let notifier = CapturingNotifier::default();
        let mut core = Core::with_auth(t.db.clone(), SECRET.to_vec(), Arc::new(notifier.clone()));
        core.auth = core.auth.with_settings(settings);
        let config = HttpConfig {
            trusted_proxies: TrustedProxies::parse(&["10.0.0.0/8"]).unwrap(),
            ..HttpConfig::default()
        };
        test(TestApp::with_core(core, config, Router::new()), notifier).await;
        t.cleanup().await;
    }
}

fn default_limits() -> AuthSettings {
    AuthSettings::default()
}

/// Per-address limits small enough to reach in a few requests.
fn small_limits() -> AuthSettings {
    AuthSettings {
        logins_per_address: 3,
        registrations_per_address: 3,
        ..AuthSettings::default()
    }
}

/// `sessions_test!(name, test[, settings])`: [`with_proxied_app`] on SQLite and on Postgres.
macro_rules! sessions_test {
    ($name:ident, $test:ident) => {
        sessions_test!($name, $test, default_limits);
    };
    ($name:ident, $test:ident, $settings:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::with_proxied_app(merx_db::Backend::Sqlite, super::$settings(), super::$test)
                    .await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::with_proxied_app(
                    merx_db::Backend::Postgres,
                    super::$settings(),
                    super::$test,
                )
                .await
            }
        }
    };
}

/// A JSON POST from TCP peer `peer` (as `merx_http::serve` would see it), with extra headers.
async fn post_from(
    app: &TestApp,
    peer: &str,
    path: &str,
    body: &Value,
    headers: &[(&str, &str)],
) -> TestResponse {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("content-type", "application/json")
        .extension(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    app.send(req.body(Body::from(body.to_string())).unwrap())
        .await
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

fn token(res: &TestResponse) -> String {
    res.ok()["token"].as_str().unwrap().to_string()
}

/// The payload of a JWT.
fn claims(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// `claims` signed with [`SECRET`], as the server signs.
fn sign(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET).unwrap();
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

/// `jwt` as if its login had happened `age` seconds ago (signed with [`SECRET`]).
fn logged_in_ago(jwt: &str, age: i64) -> String {
    let mut c = claims(jwt);
    let now = c["iat"].as_i64().unwrap();
    c["auth_time"] = json!(now - age);
    sign(&c)
}

/// Registers `email`, creates its customer and logs in; returns the login token.
async fn customer(app: &TestApp, pk: &str, email: &str, password: &str) -> String {
    let creds = json!({"email": email, "password": password});
    let reg = token(
        &app.post_json("/auth/customer/emailpass/register", &creds)
            .await,
    );
    app.call(
        Method::POST,
        "/store/customers",
        Some(&reg),
        Some(&json!({"email": email})),
        &[("x-publishable-api-key", pk)],
    )
    .await
    .ok();
    token(&app.post_json("/auth/customer/emailpass", &creds).await)
}

/// A session cookie (`connect.sid=…`) for `jwt`.
async fn cookie(app: &TestApp, jwt: &str) -> String {
    let res = app
        .call(Method::POST, "/auth/session", Some(jwt), None, &[])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    res.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// `GET /store/customers/me` with a bearer token or a cookie.
async fn me(app: &TestApp, pk: &str, bearer: Option<&str>, cookie: Option<&str>) -> TestResponse {
    let mut headers = vec![("x-publishable-api-key", pk)];
    if let Some(c) = cookie {
        headers.push(("cookie", c));
    }
    app.call(Method::GET, "/store/customers/me", bearer, None, &headers)
        .await
}

async fn refresh(app: &TestApp, bearer: &str) -> TestResponse {
    app.call(Method::POST, "/auth/token/refresh", Some(bearer), None, &[])
        .await
}

async fn password_reset_revokes(app: TestApp, notifier: CapturingNotifier) {
    let pk = publishable(&app).await;
    let before = customer(&app, &pk, "ada@example.com", "first-password").await;
    let session = cookie(&app, &before).await;
    me(&app, &pk, Some(&before), None).await.ok();
    me(&app, &pk, None, Some(&session)).await.ok();

    app.post_json(
        "/auth/customer/emailpass/reset-password",
        &json!({"identifier": "ada@example.com"}),
    )
    .await;
    let reset = notifier.all()[0].data["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.call(
        Method::POST,
        "/auth/customer/emailpass/update",
        Some(&reset),
        Some(&json!({"password": "second-password"})),
        &[],
    )
    .await
    .ok();

    // Whoever held the old credentials is out: every route, the session and refresh.
    me(&app, &pk, Some(&before), None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    me(&app, &pk, None, Some(&session))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    refresh(&app, &before)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    app.call(Method::POST, "/auth/session", Some(&before), None, &[])
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // The new password's login works.
    let after = token(
        &app.post_json(
            "/auth/customer/emailpass",
            &json!({"email": "ada@example.com", "password": "second-password"}),
        )
        .await,
    );
    me(&app, &pk, Some(&after), None).await.ok();
}
sessions_test!(
    a_password_reset_revokes_the_tokens_and_sessions_issued_before,
    password_reset_revokes
);

async fn logout_revokes(app: TestApp) {
    let pk = publishable(&app).await;
    let laptop = customer(&app, &pk, "grace@example.com", "cobol-compiler").await;
    let phone = token(
        &app.post_json(
            "/auth/customer/emailpass",
            &json!({"email": "grace@example.com", "password": "cobol-compiler"}),
        )
        .await,
    );
    let session = cookie(&app, &phone).await;
    me(&app, &pk, None, Some(&session)).await.ok();

    let out = app
        .call(Method::DELETE, "/auth/session", Some(&laptop), None, &[])
        .await;
    assert_eq!(out.ok(), json!({"success": true}));
    assert!(out.headers["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    // Logging out ends the identity's every token and session, not only the one presented.
    for (bearer, cookie) in [
        (Some(laptop.as_str()), None),
        (Some(phone.as_str()), None),
        (None, Some(session.as_str())),
    ] {
        me(&app, &pk, bearer, cookie)
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    refresh(&app, &phone)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");

    // A logout with only the cookie does the same.
    let again = token(
        &app.post_json(
            "/auth/customer/emailpass",
            &json!({"email": "grace@example.com", "password": "cobol-compiler"}),
        )
        .await,
    );
    let session = cookie(&app, &again).await;
    app.call(
        Method::DELETE,
        "/auth/session",
        None,
        None,
        &[("cookie", &session)],
    )
    .await
    .ok();
    me(&app, &pk, Some(&again), None)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // With nothing live to end, the answer is the same.
    assert_eq!(
        app.call(Method::DELETE, "/auth/session", Some(&again), None, &[])
            .await
            .ok(),
        json!({"success": true})
    );

    // Admin users too.
    app.core
        .users
        .create(
            &app.core.auth,
            "ops@example.com",
            "ops-password",
            Role::Admin,
            (None, None),
        )
        .await
        .unwrap();
    let admin = token(
        &app.post_json(
            "/auth/user/emailpass",
            &json!({"email": "ops@example.com", "password": "ops-password"}),
        )
        .await,
    );
    let admin_session = cookie(&app, &admin).await;
    app.get_as("/admin/users/me", &admin).await.ok();
    app.delete_as("/auth/session", &admin).await.ok();
    app.get_as("/admin/users/me", &admin)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    app.call(
        Method::GET,
        "/admin/users/me",
        None,
        None,
        &[("cookie", &admin_session)],
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
}
app_test!(
    logout_revokes_every_token_and_cookie_session_of_the_identity,
    logout_revokes
);

async fn absolute_refresh_limit(app: TestApp, _: CapturingNotifier) {
    let pk = publishable(&app).await;
    let login = customer(&app, &pk, "linus@example.com", "first-password").await;
    let c = claims(&login);
    assert_eq!(c["auth_time"], c["iat"], "a login is an authentication");
    // A refreshed token keeps the original authentication time.
    let refreshed = token(&refresh(&app, &login).await);
    assert_eq!(claims(&refreshed)["auth_time"], c["auth_time"]);
    me(&app, &pk, Some(&refreshed), None).await.ok();

    // Customers: 30 days from the login.
    refresh(&app, &logged_in_ago(&login, 31 * DAY))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let old = logged_in_ago(&login, 30 * DAY - 3600);
    let last = claims(&token(&refresh(&app, &old).await));
    assert_eq!(last["auth_time"], claims(&old)["auth_time"]);
    assert_eq!(
        last["exp"].as_i64().unwrap(),
        claims(&old)["auth_time"].as_i64().unwrap() + 30 * DAY,
        "a refreshed token does not outlive the limit"
    );
    // A cookie session does not outlive it either, nor renew it.
    let res = app
        .call(Method::POST, "/auth/session", Some(&old), None, &[])
        .await;
    let set_cookie = res.headers["set-cookie"].to_str().unwrap().to_string();
    let max_age: i64 = set_cookie
        .split("Max-Age=")
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(max_age <= 3600, "{set_cookie}");
    let session = set_cookie.split(';').next().unwrap();
    let from_cookie = app
        .call(
            Method::POST,
            "/auth/token/refresh",
            None,
            None,
            &[("cookie", session)],
        )
        .await;
    assert_eq!(
        claims(&token(&from_cookie))["auth_time"],
        claims(&old)["auth_time"]
    );

    // Admin users: 24 hours.
    app.core
        .users
        .create(
            &app.core.auth,
            "root@example.com",
            "root-password",
            Role::Owner,
            (None, None),
        )
        .await
        .unwrap();
    let admin = token(
        &app.post_json(
            "/auth/user/emailpass",
            &json!({"email": "root@example.com", "password": "root-password"}),
        )
        .await,
    );
    refresh(&app, &logged_in_ago(&admin, 25 * 3600))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let renewed = token(&refresh(&app, &logged_in_ago(&admin, 23 * 3600)).await);
    app.get_as("/admin/users/me", &renewed).await.ok();
}
sessions_test!(
    refresh_is_refused_past_the_absolute_limit_from_the_login,
    absolute_refresh_limit
);

/// A failed login of an unknown email (so that only the per-address limit can refuse it).
async fn bad_login_from(app: &TestApp, peer: &str, n: usize, xff: &str) -> TestResponse {
    post_from(
        app,
        peer,
        "/auth/customer/emailpass",
        &json!({"email": format!("nobody{n}@example.com"), "password": "wrong-password"}),
        &[("x-forwarded-for", xff)],
    )
    .await
}

fn assert_limited(res: &TestResponse) {
    res.assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
    let retry: u64 = res.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1, "Retry-After: {retry}");
}

async fn untrusted_forwarded_for(app: TestApp, _: CapturingNotifier) {
    // The peer is no trusted proxy: what it says in X-Forwarded-For is ignored.
    for n in 0..3 {
        bad_login_from(&app, "203.0.113.7:5000", n, &format!("198.51.100.{n}"))
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    assert_limited(&bad_login_from(&app, "203.0.113.7:5001", 3, "198.51.100.3").await);
    assert_limited(&bad_login_from(&app, "203.0.113.7:5002", 4, "10.0.0.1").await);
    // Another peer has its own budget.
    bad_login_from(&app, "203.0.113.8:5000", 5, "198.51.100.3")
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
}
sessions_test!(
    forwarded_for_from_an_untrusted_peer_does_not_change_the_limited_address,
    untrusted_forwarded_for,
    small_limits
);

async fn trusted_forwarded_for(app: TestApp, _: CapturingNotifier) {
    let proxy = "10.0.0.1:443";
    for n in 0..3 {
        bad_login_from(&app, proxy, n, "198.51.100.1")
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    assert_limited(&bad_login_from(&app, proxy, 3, "198.51.100.1").await);
    // Another client behind the same proxy has its own budget.
    bad_login_from(&app, proxy, 4, "198.51.100.2")
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // A hop the client wrote itself (left of what the proxy saw) changes nothing; trusted
    // proxies in the chain are skipped.
    assert_limited(&bad_login_from(&app, proxy, 5, "6.6.6.6, 198.51.100.1").await);
    assert_limited(&bad_login_from(&app, "10.0.0.2:443", 6, "198.51.100.1, 10.0.0.9").await);
}
sessions_test!(
    forwarded_for_from_a_trusted_proxy_names_the_client,
    trusted_forwarded_for,
    small_limits
);

async fn no_lockout_from_elsewhere(app: TestApp) {
    let pk = publishable(&app).await;
    customer(&app, &pk, "eve@example.com", "right-password").await;
    let right = json!({"email": "eve@example.com", "password": "right-password"});
    let wrong = json!({"email": "eve@example.com", "password": "guess-guess"});
    let attacker = "203.0.113.66:40000";
    // Ten guesses from one address: five are judged, then that address must wait.
    let mut answers = Vec::new();
    for _ in 0..10 {
        answers.push(
            post_from(&app, attacker, "/auth/customer/emailpass", &wrong, &[])
                .await
                .status,
        );
    }
    assert_eq!(
        answers,
        [
            [StatusCode::UNAUTHORIZED; 5],
            [StatusCode::TOO_MANY_REQUESTS; 5]
        ]
        .concat()
    );
    assert_limited(&post_from(&app, attacker, "/auth/customer/emailpass", &right, &[]).await);
    // The owner, elsewhere, logs in.
    let login = token(
        &post_from(
            &app,
            "198.51.100.20:50000",
            "/auth/customer/emailpass",
            &right,
            &[],
        )
        .await,
    );
    me(&app, &pk, Some(&login), None).await.ok();
    // That does not let the attacker's address in, and the attacker's address can still log in
    // to other accounts (the wait is per identity there).
    assert_limited(&post_from(&app, attacker, "/auth/customer/emailpass", &right, &[]).await);
    customer(&app, &pk, "mallory@example.com", "mallorys-password").await;
    token(
        &post_from(
            &app,
            attacker,
            "/auth/customer/emailpass",
            &json!({"email": "mallory@example.com", "password": "mallorys-password"}),
            &[],
        )
        .await,
    );
}
app_test!(
    bad_passwords_from_one_address_do_not_lock_out_the_owner_at_another,
    no_lockout_from_elsewhere
);

async fn taken_email_registration(app: TestApp) {
    let pk = publishable(&app).await;
    let register = |password: &'static str| {
        let app = app.clone();
        async move {
            app.post_json(
                "/auth/customer/emailpass/register",
                &json!({"email": "ada@example.com", "password": password}),
            )
            .await
        }
    };
    let first = register("analytical-engine").await;
    let second = register("someone-elses-guess").await;
    // The same answer: status, headers, body and token shape.
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(second.status, first.status);
    let names = |r: &TestResponse| {
        let mut n: Vec<String> = r
            .headers
            .keys()
            .map(|k| k.to_string())
            .filter(|k| k != "x-request-id")
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(&second), names(&first));
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&second.json()), ["token"]);
    let (a, b) = (claims(&token(&first)), claims(&token(&second)));
    assert_eq!(keys(&a), keys(&b));
    for field in ["actor_id", "actor_type", "app_metadata", "token_version"] {
        assert_eq!(a[field], b[field], "{field}");
    }
    assert_eq!(
        a["exp"].as_i64().unwrap() - a["iat"].as_i64().unwrap(),
        b["exp"].as_i64().unwrap() - b["iat"].as_i64().unwrap()
    );
    let id_shape = |c: &Value| {
        let id = c["auth_identity_id"].as_str().unwrap().to_string();
        (id.split('_').next().unwrap().to_string(), id.len())
    };
    assert_eq!(id_shape(&a), id_shape(&b));

    // The second answer logs nobody in and changes nothing: the account's owner is unaffected.
    let second_token = token(&second);
    app.call(
        Method::POST,
        "/auth/session",
        Some(&second_token),
        None,
        &[],
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    refresh(&app, &second_token)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let create = |reg: String| {
        let app = app.clone();
        let pk = pk.clone();
        async move {
            app.call(
                Method::POST,
                "/store/customers",
                Some(&reg),
                Some(&json!({"email": "ada@example.com"})),
                &[("x-publishable-api-key", &pk)],
            )
            .await
        }
    };
    create(token(&first)).await.ok();
    // Completing the taken registration says what to do instead.
    let taken = create(second_token).await;
    taken.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "duplicate_error");
    assert!(taken.json()["message"].as_str().unwrap().contains("log in"));
    app.post_json(
        "/auth/customer/emailpass",
        &json!({"email": "ada@example.com", "password": "someone-elses-guess"}),
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    app.post_json(
        "/auth/customer/emailpass",
        &json!({"email": "ada@example.com", "password": "analytical-engine"}),
    )
    .await
    .ok();
}
app_test!(
    registering_a_taken_email_answers_exactly_like_a_new_one,
    taken_email_registration
);

async fn registration_limit(app: TestApp, _: CapturingNotifier) {
    let register = |peer: &'static str, n: usize| {
        let app = app.clone();
        async move {
            post_from(
                &app,
                peer,
                "/auth/customer/emailpass/register",
                &json!({"email": format!("new{n}@example.com"), "password": "long-enough"}),
                &[],
            )
            .await
        }
    };
    for n in 0..3 {
        register("203.0.113.9:1000", n).await.ok();
    }
    assert_limited(&register("203.0.113.9:1001", 3).await);
    register("203.0.113.10:1000", 4).await.ok();
}
sessions_test!(
    registration_is_rate_limited_per_client_address,
    registration_limit,
    small_limits
);

async fn deleted_user_sessions(app: TestApp) {
    let owner = app.admin_key(Role::Owner).await;
    let user = app
        .core
        .users
        .create(
            &app.core.auth,
            "leaver@example.com",
            "leaver-password",
            Role::Support,
            (None, None),
        )
        .await
        .unwrap();
    let jwt = token(
        &app.post_json(
            "/auth/user/emailpass",
            &json!({"email": "leaver@example.com", "password": "leaver-password"}),
        )
        .await,
    );
    let session = cookie(&app, &jwt).await;
    app.delete_as(&format!("/admin/users/{}", user.id), &owner)
        .await
        .ok();
    app.get_as("/admin/users/me", &jwt)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    app.call(
        Method::GET,
        "/admin/users/me",
        None,
        None,
        &[("cookie", &session)],
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
}
app_test!(
    deleting_a_user_with_a_cookie_session_ends_it,
    deleted_user_sessions
);
