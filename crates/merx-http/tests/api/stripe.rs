//! Stripe against a local server that answers as Stripe's REST API does: PaymentIntents with manual
//! capture, signed webhooks, and the race between the webhook and the client's `complete`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use merx_core::payment::stripe::{StripeConfig, StripeProvider};
use merx_core::Core;
use merx_db::{query, Backend};
use merx_http::HttpConfig;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::checkout::{ready_cart, setup, store};
use crate::helpers::TestApp;

const KEY: &str = "sk_test_123";
const WHSEC: &str = "whsec_test";

#[derive(Clone, Default)]
struct Fake {
    intents: Arc<Mutex<HashMap<String, Value>>>,
    captures: Arc<Mutex<Vec<(String, i64)>>>,
}

fn authorized(h: &HeaderMap) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {KEY}"))
}

fn form(body: &Bytes) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn stripe_error(status: StatusCode, msg: &str) -> (StatusCode, Json<Value>) {
    (
        status,
        Json(json!({"error": {"type": "invalid_request_error", "message": msg}})),
    )
}

async fn create(State(f): State<Fake>, h: HeaderMap, body: Bytes) -> (StatusCode, Json<Value>) {
    if !authorized(&h) {
        return stripe_error(StatusCode::UNAUTHORIZED, "Invalid API Key provided");
    }
    let p = form(&body);
    if p.get("capture_method").map(String::as_str) != Some("manual") {
        return stripe_error(StatusCode::BAD_REQUEST, "expected manual capture");
    }
    let n = f.intents.lock().unwrap().len() + 1;
    let id = format!("pi_{n}");
    let intent = json!({"id": id, "object": "payment_intent", "amount": p["amount"].parse::<i64>().unwrap(), "currency": p["currency"],
        "status": "requires_payment_method", "client_secret": format!("{id}_secret_x")});
    f.intents.lock().unwrap().insert(id, intent.clone());
    (StatusCode::OK, Json(intent))
}

async fn retrieve(
    State(f): State<Fake>,
    h: HeaderMap,
    Path(id): Path<String>,
) -> (StatusCode, Json<Value>) {
    if !authorized(&h) {
        return stripe_error(StatusCode::UNAUTHORIZED, "Invalid API Key provided");
    }
    match f.intents.lock().unwrap().get(&id) {
        Some(i) => (StatusCode::OK, Json(i.clone())),
        None => stripe_error(StatusCode::NOT_FOUND, "No such payment_intent"),
    }
}

async fn act(
    State(f): State<Fake>,
    h: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> (StatusCode, Json<Value>) {
    if !authorized(&h) {
        return stripe_error(StatusCode::UNAUTHORIZED, "Invalid API Key provided");
    }
    let mut intents = f.intents.lock().unwrap();
    let Some(intent) = intents.get_mut(&id) else {
        return stripe_error(StatusCode::NOT_FOUND, "No such payment_intent");
    };
    match action.as_str() {
        "capture" => {
            let amount = form(&body)
                .get("amount_to_capture")
                .and_then(|a| a.parse().ok())
                .unwrap_or(0);
            f.captures.lock().unwrap().push((id.clone(), amount));
            intent["status"] = json!("succeeded");
        }
        "cancel" => intent["status"] = json!("canceled"),
        _ => return stripe_error(StatusCode::NOT_FOUND, "Unrecognized request URL"),
    }
    (StatusCode::OK, Json(intent.clone()))
}

async fn fake_stripe() -> (String, Fake) {
    let fake = Fake::default();
    let app = Router::new()
        .route("/v1/payment_intents", post(create))
        .route("/v1/payment_intents/{id}", get(retrieve))
        .route("/v1/payment_intents/{id}/{action}", post(act))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, fake)
}

fn signed(body: &str) -> String {
    let t = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut mac = Hmac::<Sha256>::new_from_slice(WHSEC.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

async fn orders(app: &TestApp) -> i64 {
    app.db
        .fetch_one(query("SELECT COUNT(*) AS n FROM orders"))
        .await
        .unwrap()
        .int("n")
        .unwrap()
}

async fn webhook_before_complete(backend: Backend) {
    let Some(t) = merx_db::testing::TestDb::new(backend).await else {
        return;
    };
    let (url, fake) = fake_stripe().await;
    let stripe = Arc::new(StripeProvider::new(StripeConfig {
        api_key: KEY.into(),
        webhook_secret: WHSEC.into(),
        api_base: url,
        tolerance_secs: 300,
    }));
    let core = Core::with_providers(
        t.db.clone(),
        b"s".to_vec(),
        Arc::new(merx_core::notification::LogNotifier),
        vec![stripe],
    );
    let app = TestApp::with_core(core, HttpConfig::default(), Router::new());
    let s = setup(&app, "eur", 10.0, 10).await;
    let cart = ready_cart(&app, &s, 2, "pp_stripe_stripe").await;
    let view = store(&app, &s, Method::GET, &format!("/store/carts/{cart}"), None)
        .await
        .ok();
    let session = &view["cart"]["payment_collection"]["payment_sessions"][0];
    let intent = session["data"]["id"].as_str().unwrap().to_string();
    assert!(
        session["data"]["client_secret"]
            .as_str()
            .unwrap()
            .starts_with(&intent),
        "the storefront gets the client secret"
    );
    assert_eq!(
        fake.intents.lock().unwrap()[&intent]["amount"],
        view["cart"]["total"]
            .as_f64()
            .map(|t| (t * 100.0).round() as i64)
            .unwrap()
    );

    // Not confirmed yet: completing asks for more, and nothing is created.
    let early = store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}/complete"),
        None,
    )
    .await
    .ok();
    assert_eq!(early["type"], "cart");
    assert_eq!(orders(&app).await, 0);

    // The customer confirms with Stripe.js; Stripe's webhook arrives before the client's complete.
    fake.intents.lock().unwrap().get_mut(&intent).unwrap()["status"] = json!("requires_capture");
    let event = json!({"id": "evt_1", "type": "payment_intent.amount_capturable_updated", "data": {"object": {"id": intent}}}).to_string();
    let forged = app
        .send(
            axum::http::Request::builder()
                .method(Method::POST)
                .uri("/hooks/payment/stripe")
                .header("stripe-signature", "t=1,v1=00")
                .body(axum::body::Body::from(event.clone()))
                .unwrap(),
        )
        .await;
    forged.assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    assert_eq!(orders(&app).await, 0, "a forged webhook changes nothing");
    let hook = app
        .send(
            axum::http::Request::builder()
                .method(Method::POST)
                .uri("/hooks/payment/stripe")
                .header("stripe-signature", signed(&event))
                .body(axum::body::Body::from(event.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(hook.status, StatusCode::OK, "{}", hook.text());
    let from_hook = hook.json()["order_id"].as_str().unwrap().to_string();
    // The client's complete, and a replayed webhook, both find the same order.
    let done = store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}/complete"),
        None,
    )
    .await
    .ok();
    assert_eq!(done["type"], "order");
    assert_eq!(done["order"]["id"], from_hook.as_str());
    let again = app
        .send(
            axum::http::Request::builder()
                .method(Method::POST)
                .uri("/hooks/payment/stripe_stripe")
                .header("stripe-signature", signed(&event))
                .body(axum::body::Body::from(event))
                .unwrap(),
        )
        .await;
    assert_eq!(again.json()["order_id"], from_hook.as_str());
    assert_eq!(orders(&app).await, 1, "exactly one order");

    // Capture goes to Stripe with the exact amount.
    let captured = app
        .call(
            Method::POST,
            &format!("/admin/orders/{from_hook}/capture"),
            Some(&s.admin),
            None,
            &[],
        )
        .await
        .ok();
    assert_eq!(captured["order"]["payment_status"], "captured");
    let total_minor = (captured["order"]["total"].as_f64().unwrap() * 100.0).round() as i64;
    assert_eq!(*fake.captures.lock().unwrap(), vec![(intent, total_minor)]);
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stripe_webhook_before_the_clients_complete_yields_one_order_on_sqlite() {
    webhook_before_complete(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stripe_webhook_before_the_clients_complete_yields_one_order_on_postgres() {
    webhook_before_complete(Backend::Postgres).await
}
