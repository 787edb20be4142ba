//! The storefront checkout through the Store API on both engines: one order per cart under
//! concurrency, payment failures that leave nothing behind and can be retried, recovery of a
//! checkout interrupted mid-payment, exact totals in 0-, 2- and 3-decimal currencies, bad input.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use axum::Router;
use merx_core::auth::Role;
use merx_core::payment::{Authorization, PaymentProvider};
use merx_core::platform::BoxFuture;
use merx_core::Core;
use merx_db::{query, Backend};
use merx_http::HttpConfig;
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestResponse};

/// A payment provider the test controls: it declines while `decline` is set, and can hang once
/// (a process dying mid-authorization).
#[derive(Default)]
struct TestProvider {
    decline: AtomicBool,
    hang_once: AtomicBool,
    /// Take a while over the next authorization, as a slow gateway would.
    slow_once: AtomicBool,
    authorizations: AtomicUsize,
    cancels: AtomicUsize,
    keys: std::sync::Mutex<Vec<String>>,
}

impl PaymentProvider for TestProvider {
    fn id(&self) -> &str {
        "pp_test"
    }
    fn initiate<'a>(
        &'a self,
        _: i64,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Value>> {
        Box::pin(async { Ok(json!({"client_secret": "test"})) })
    }
    fn authorize<'a>(
        &'a self,
        data: &'a Value,
        _: i64,
        _: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Authorization>> {
        Box::pin(async move {
            self.keys.lock().unwrap().push(key.to_string());
            if self.hang_once.swap(false, Ordering::SeqCst) {
                std::future::pending::<()>().await;
            }
            if self.slow_once.swap(false, Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(400)).await;
            }
            self.authorizations.fetch_add(1, Ordering::SeqCst);
            if self.decline.load(Ordering::SeqCst) {
                return Ok(Authorization::Declined("card_declined".into()));
            }
            Ok(Authorization::Authorized(data.clone()))
        })
    }
    fn cancel<'a>(&'a self, _: &'a Value, _: &'a str) -> BoxFuture<'a, anyhow::Result<()>> {
        self.cancels.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(()) })
    }
}

#[derive(Clone)]
pub(crate) struct Shop {
    pub pk: String,
    pub region: String,
    pub other_region_option: String,
    pub variant: String,
    pub item: String,
    pub option: String,
    pub admin: String,
    pub location: String,
}

async fn post(app: &TestApp, key: &str, path: &str, body: Value) -> Value {
    app.post_as(path, key, &body).await.ok()
}

pub(crate) async fn setup(app: &TestApp, currency: &str, price: f64, stock: i64) -> Shop {
    let admin = app.admin_key(Role::Admin).await;
    let region = post(
        app,
        &admin,
        "/admin/regions",
        json!({"name": "Home", "currency_code": currency, "countries": ["de"],
        "payment_providers": ["pp_system_default", "pp_test", "pp_stripe_stripe"]}),
    )
    .await["region"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = post(
        app,
        &admin,
        "/admin/regions",
        json!({"name": "Away", "currency_code": currency, "countries": ["fr"]}),
    )
    .await["region"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    post(app, &admin, "/admin/tax-regions", json!({"country_code": "de", "default_tax_rate": {"name": "VAT", "code": "vat", "rate": 19}})).await;
    let web = post(app, &admin, "/admin/sales-channels", json!({"name": "Web"})).await
        ["sales_channel"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let key = post(
        app,
        &admin,
        "/admin/api-keys",
        json!({"title": "web", "type": "publishable"}),
    )
    .await;
    post(
        app,
        &admin,
        &format!(
            "/admin/api-keys/{}/sales-channels",
            key["api_key"]["id"].as_str().unwrap()
        ),
        json!({"add": [web]}),
    )
    .await;
    let loc = post(app, &admin, "/admin/stock-locations", json!({"name": "WH"})).await
        ["stock_location"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    post(
        app,
        &admin,
        &format!("/admin/stock-locations/{loc}/sales-channels"),
        json!({"add": [web]}),
    )
    .await;
    let p = post(app, &admin, "/admin/products", json!({"title": "Widget", "status": "published", "sales_channels": [{"id": web}],
        "variants": [{"title": "W", "sku": "W-1", "prices": [{"currency_code": currency, "amount": price}]}]})).await;
    let variant = p["product"]["variants"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let items = app
        .get_as("/admin/inventory-items?sku=W-1", &admin)
        .await
        .ok();
    let item = items["inventory_items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    post(
        app,
        &admin,
        &format!("/admin/inventory-items/{item}/location-levels"),
        json!({"location_id": loc, "stocked_quantity": stock}),
    )
    .await;
    let option = post(
        app,
        &admin,
        "/admin/shipping-options",
        json!({"name": "Standard", "region_id": region, "amount": 5, "price_type": "flat"}),
    )
    .await;
    let other_option = post(
        app,
        &admin,
        "/admin/shipping-options",
        json!({"name": "Far", "region_id": other, "amount": 1}),
    )
    .await;
    Shop {
        admin: admin.clone(),
        location: loc.clone(),
        pk: key["api_key"]["token"].as_str().unwrap().to_string(),
        region,
        other_region_option: other_option["shipping_option"]["id"]
            .as_str()
            .unwrap()
            .to_string(),
        variant,
        item,
        option: option["shipping_option"]["id"]
            .as_str()
            .unwrap()
            .to_string(),
    }
}

pub(crate) async fn store(
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
        &[("x-publishable-api-key", &s.pk)],
    )
    .await
}

/// A Store API request on a task of its own, to race others.
pub(crate) fn spawn_store(
    app: &TestApp,
    s: &Shop,
    method: Method,
    path: String,
    body: Option<Value>,
) -> tokio::task::JoinHandle<TestResponse> {
    let (app, s) = (app.clone(), s.clone());
    tokio::spawn(async move { store(&app, &s, method, &path, body).await })
}

/// A cart ready to complete with `qty` widgets and a session with `provider`.
pub(crate) async fn ready_cart(app: &TestApp, s: &Shop, qty: i64, provider: &str) -> String {
    let cart = store(app, s, Method::POST, "/store/carts", Some(json!({"region_id": s.region, "email": "buyer@example.com",
        "shipping_address": {"first_name": "B", "address_1": "Str 1", "city": "Berlin", "country_code": "de", "postal_code": "10115"}}))).await.ok();
    let id = cart["cart"]["id"].as_str().unwrap().to_string();
    store(
        app,
        s,
        Method::POST,
        &format!("/store/carts/{id}/line-items"),
        Some(json!({"variant_id": s.variant, "quantity": qty})),
    )
    .await
    .ok();
    store(
        app,
        s,
        Method::POST,
        &format!("/store/carts/{id}/shipping-methods"),
        Some(json!({"option_id": s.option})),
    )
    .await
    .ok();
    pay_with(app, s, &id, provider).await;
    id
}

/// A payment collection for the cart (created, or brought up to date) with a new session with
/// `provider`; returns the collection as the session's answer shows it.
pub(crate) async fn pay_with(app: &TestApp, s: &Shop, cart: &str, provider: &str) -> Value {
    let pc = store(
        app,
        s,
        Method::POST,
        "/store/payment-collections",
        Some(json!({"cart_id": cart})),
    )
    .await
    .ok();
    let pc_id = pc["payment_collection"]["id"].as_str().unwrap();
    store(
        app,
        s,
        Method::POST,
        &format!("/store/payment-collections/{pc_id}/payment-sessions"),
        Some(json!({"provider_id": provider})),
    )
    .await
    .ok()["payment_collection"]
        .clone()
}

/// A Store write answered 200: the cart in its answer.
pub(crate) async fn write_cart(app: &TestApp, s: &Shop, path: &str, body: Value) -> Value {
    store(app, s, Method::POST, path, Some(body)).await.ok()["cart"].clone()
}

/// A new cart in the shop's region, with nothing in it; its id.
pub(crate) async fn empty_cart(app: &TestApp, s: &Shop) -> String {
    write_cart(app, s, "/store/carts", json!({"region_id": s.region})).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `POST /store/carts/:id/complete`, answered 200.
pub(crate) async fn complete(app: &TestApp, s: &Shop, cart: &str) -> Value {
    store(
        app,
        s,
        Method::POST,
        &format!("/store/carts/{cart}/complete"),
        None,
    )
    .await
    .ok()
}

pub(crate) async fn reserved(app: &TestApp, item: &str) -> i64 {
    app.db
        .fetch_one(query("SELECT CAST(COALESCE(SUM(reserved_quantity), 0) AS BIGINT) AS n FROM inventory_level WHERE inventory_item_id = ?").bind(item))
        .await
        .unwrap()
        .int("n")
        .unwrap()
}

async fn orders(app: &TestApp) -> i64 {
    app.db
        .fetch_one(query("SELECT COUNT(*) AS n FROM orders"))
        .await
        .unwrap()
        .int("n")
        .unwrap()
}

async fn with_provider<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp, Arc<TestProvider>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if let Some(t) = merx_db::testing::TestDb::new(backend).await {
        let provider = Arc::new(TestProvider::default());
        let core = Core::with_providers(
            t.db.clone(),
            b"s".to_vec(),
            Arc::new(merx_core::notification::LogNotifier),
            vec![provider.clone()],
        );
        test(
            TestApp::with_core(core, HttpConfig::default(), Router::new()),
            provider,
        )
        .await;
        t.cleanup().await;
    }
}

macro_rules! checkout_test {
    ($name:ident, $test:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::with_provider(merx_db::Backend::Sqlite, super::$test).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::with_provider(merx_db::Backend::Postgres, super::$test).await
            }
        }
    };
}

async fn concurrent_completes_make_one_order(app: TestApp, _: Arc<TestProvider>) {
    let s = setup(&app, "eur", 10.0, 50).await;
    let cart = ready_cart(&app, &s, 2, "pp_system_default").await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        tasks.push(spawn_store(
            &app,
            &s,
            Method::POST,
            format!("/store/carts/{cart}/complete"),
            None,
        ));
    }
    let mut ids = std::collections::BTreeSet::new();
    for t in tasks {
        let res = t.await.unwrap();
        let (status, body) = (res.status, res.json());
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["type"], "order", "{body}");
        ids.insert(body["order"]["id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids.len(), 1, "every caller got the one order");
    assert_eq!(orders(&app).await, 1);
    assert_eq!(reserved(&app, &s.item).await, 2, "reserved once");
    let again = store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}/complete"),
        None,
    )
    .await
    .ok();
    assert_eq!(
        again["order"]["id"].as_str().unwrap(),
        ids.iter().next().unwrap()
    );
    // The completed cart is frozen.
    store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}/line-items"),
        Some(json!({"variant_id": s.variant, "quantity": 1})),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "not_allowed");
    let placed = app
        .db
        .fetch_one(query(
            "SELECT COUNT(*) AS n FROM outbox_event WHERE name = 'order.placed'",
        ))
        .await
        .unwrap()
        .int("n")
        .unwrap();
    assert_eq!(placed, 1);
}
checkout_test!(
    two_concurrent_completes_produce_one_order,
    concurrent_completes_make_one_order
);

async fn declined_payment_then_retry(app: TestApp, provider: Arc<TestProvider>) {
    let s = setup(&app, "eur", 10.0, 5).await;
    let cart = ready_cart(&app, &s, 3, "pp_test").await;
    provider.decline.store(true, Ordering::SeqCst);
    let failed = store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}/complete"),
        None,
    )
    .await
    .ok();
    assert_eq!(
        failed["type"], "cart",
        "Medusa's 200 with the cart and the error: {failed}"
    );
    assert_eq!(failed["error"]["type"], "payment_authorization_error");
    assert!(failed["error"]["message"]
        .as_str()
        .unwrap()
        .contains("card_declined"));
    assert_eq!(failed["cart"]["id"], cart.as_str());
    assert_eq!(
        reserved(&app, &s.item).await,
        0,
        "the failed attempt left no reservation"
    );
    assert_eq!(orders(&app).await, 0);
    // The customer retries with a new session; the card works now.
    provider.decline.store(false, Ordering::SeqCst);
    pay_with(&app, &s, &cart, "pp_test").await;
    let done = complete(&app, &s, &cart).await;
    assert_eq!(done["type"], "order", "{done}");
    assert_eq!(reserved(&app, &s.item).await, 3);
    assert_eq!(done["order"]["payment_status"], "authorized");
}
checkout_test!(
    a_failed_authorization_leaves_no_reservation_and_the_cart_completes_on_retry,
    declined_payment_then_retry
);

/// Starts completing `cart` with a slow gateway and returns once the gateway has the
/// authorization in hand (the completion still running).
async fn completing_while_authorizing(
    app: &TestApp,
    s: &Shop,
    cart: &str,
    provider: &TestProvider,
) -> tokio::task::JoinHandle<TestResponse> {
    provider.slow_once.store(true, Ordering::SeqCst);
    let completing = spawn_store(
        app,
        s,
        Method::POST,
        format!("/store/carts/{cart}/complete"),
        None,
    );
    for _ in 0..200 {
        if !provider.keys.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(
        !provider.keys.lock().unwrap().is_empty(),
        "authorization began"
    );
    completing
}

/// The customer changes the cart (another tab) while its payment is being authorized: the order
/// would not be what they now see, so none is placed, the payment is cancelled, the reservation
/// released, and completing again places the order of the cart as it now is.
async fn cart_changed_during_completion(app: TestApp, provider: Arc<TestProvider>) {
    let s = setup(&app, "eur", 10.0, 5).await;
    let cart = ready_cart(&app, &s, 1, "pp_test").await;
    let completing = completing_while_authorizing(&app, &s, &cart, &provider).await;
    store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}"),
        Some(json!({"email": "changed@example.com"})),
    )
    .await
    .ok();
    let res = completing.await.unwrap();
    let (status, body) = (res.status, res.json());
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["type"], "conflict", "{body}");
    assert_eq!(orders(&app).await, 0, "no order of the cart as it was");
    assert_eq!(
        reserved(&app, &s.item).await,
        0,
        "the reservation was released"
    );
    let open = store(&app, &s, Method::GET, &format!("/store/carts/{cart}"), None)
        .await
        .ok();
    assert_eq!(open["cart"]["completed_at"], Value::Null);
    assert_eq!(open["cart"]["payment_collection"]["status"], "canceled");

    pay_with(&app, &s, &cart, "pp_test").await;
    let done = complete(&app, &s, &cart).await;
    assert_eq!(done["type"], "order", "{done}");
    assert_eq!(done["order"]["email"], "changed@example.com");
    assert_eq!(orders(&app).await, 1);
}
checkout_test!(
    a_cart_changed_while_its_payment_is_authorized_is_not_ordered,
    cart_changed_during_completion
);

/// A payment session replaced while the gateway authorizes the old one: the old authorization
/// is cancelled at the gateway, no order is placed, and completing again pays with the new one.
async fn session_replaced_during_completion(app: TestApp, provider: Arc<TestProvider>) {
    let s = setup(&app, "eur", 10.0, 5).await;
    let cart = ready_cart(&app, &s, 1, "pp_test").await;
    let completing = completing_while_authorizing(&app, &s, &cart, &provider).await;
    let replaced = pay_with(&app, &s, &cart, "pp_test").await;
    let new_session = replaced["payment_sessions"][0]["id"].clone();
    let res = completing.await.unwrap();
    let (status, body) = (res.status, res.json());
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["type"], "cart", "{body}");
    assert_eq!(
        body["error"]["type"], "payment_authorization_error",
        "{body}"
    );
    assert_eq!(orders(&app).await, 0, "no order paid by a replaced session");
    assert_eq!(
        provider.cancels.load(Ordering::SeqCst),
        1,
        "the gateway released it"
    );
    assert_eq!(
        reserved(&app, &s.item).await,
        0,
        "the reservation was released"
    );

    let done = complete(&app, &s, &cart).await;
    assert_eq!(done["type"], "order", "{done}");
    let sessions = &done["order"]["payment_collections"][0]["payment_sessions"];
    assert_eq!(sessions[0]["id"], new_session, "{done}");
    assert_eq!(sessions[0]["status"], "authorized");
    assert_eq!(orders(&app).await, 1);
}
checkout_test!(
    a_payment_session_replaced_while_the_old_one_is_authorized_is_not_ordered,
    session_replaced_during_completion
);

/// A variant deleted after it was added to a cart: completing answers a clear 400 (not a 404 that
/// reads as "no such cart"), and nothing is reserved or ordered.
async fn deleted_variant_in_cart(app: TestApp, _: Arc<TestProvider>) {
    let s = setup(&app, "eur", 10.0, 5).await;
    let cart = ready_cart(&app, &s, 1, "pp_system_default").await;
    let read = store(&app, &s, Method::GET, &format!("/store/carts/{cart}"), None)
        .await
        .ok();
    let product = read["cart"]["items"][0]["product_id"].as_str().unwrap();
    app.delete_as(
        &format!("/admin/products/{product}/variants/{}", s.variant),
        &s.admin,
    )
    .await
    .ok();
    let res = store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}/complete"),
        None,
    )
    .await;
    res.assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    assert!(res.text().contains("no longer available"), "{}", res.text());
    assert_eq!(orders(&app).await, 0);
    assert_eq!(reserved(&app, &s.item).await, 0);
}
checkout_test!(
    a_cart_whose_variant_was_deleted_is_refused_with_a_clear_400,
    deleted_variant_in_cart
);

async fn interrupted_checkout_recovers(app: TestApp, provider: Arc<TestProvider>) {
    let s = setup(&app, "eur", 10.0, 5).await;
    let cart = ready_cart(&app, &s, 1, "pp_test").await;
    provider.hang_once.store(true, Ordering::SeqCst);
    // The process dies while the provider is authorizing (after inventory was reserved).
    let core = app.core.clone();
    let id = cart.clone();
    let run = tokio::spawn(async move { merx_core::checkout::complete(&core, &id).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    run.abort();
    let _ = run.await;
    assert_eq!(orders(&app).await, 0);
    assert_eq!(
        reserved(&app, &s.item).await,
        1,
        "the dead process had reserved stock"
    );
    // A restarted process recovers the journal once the dead one's lease expires.
    let mut restarted = Core::with_providers(
        app.db.clone(),
        b"s".to_vec(),
        Arc::new(merx_core::notification::LogNotifier),
        vec![provider.clone()],
    );
    restarted.workflows = restarted
        .workflows
        .clone()
        .with_lease(Duration::from_millis(1));
    app.db
        .execute(
            query("UPDATE workflow_execution SET locked_until = ? WHERE status = 'running'")
                .bind(merx_types::time::now() - Duration::from_secs(1)),
        )
        .await
        .unwrap();
    assert_eq!(restarted.workflows.recover().await.unwrap(), 1);
    assert_eq!(
        orders(&app).await,
        1,
        "the authorized payment ended in an order"
    );
    assert_eq!(reserved(&app, &s.item).await, 1, "reserved once, not twice");
    let keys = provider.keys.lock().unwrap().clone();
    assert_eq!(keys.len(), 2);
    assert_eq!(
        keys[0], keys[1],
        "the retried authorization reused its idempotency key"
    );
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
}
checkout_test!(
    a_checkout_interrupted_during_payment_is_recovered_into_one_order,
    interrupted_checkout_recovers
);

async fn exact_totals(app: &TestApp, currency: &str, price: f64) {
    let s = setup(app, currency, price, 100).await;
    let cart = ready_cart(app, &s, 3, "pp_system_default").await;
    let c = store(app, &s, Method::GET, &format!("/store/carts/{cart}"), None)
        .await
        .ok()["cart"]
        .clone();
    let digits = merx_types::Currency::find(currency).unwrap().decimal_digits as i32;
    let minor = |v: &Value| (v.as_f64().unwrap() * 10f64.powi(digits)).round() as i64;
    let lines: i64 = c["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(c["shipping_methods"].as_array().unwrap())
        .map(|l| minor(&l["total"]))
        .sum();
    assert_eq!(
        minor(&c["total"]),
        lines,
        "{currency}: total is the sum of the lines"
    );
    assert_eq!(
        minor(&c["subtotal"]) + minor(&c["tax_total"]),
        minor(&c["total"])
    );
    assert!(minor(&c["tax_total"]) > 0, "{currency}: taxed");
    for v in [
        &c["total"],
        &c["tax_total"],
        &c["items"][0]["tax_lines"][0]["total"],
    ] {
        let x = v.as_f64().unwrap() * 10f64.powi(digits);
        assert!(
            (x - x.round()).abs() < 1e-6,
            "{currency}: {v} is a whole minor unit"
        );
    }
    let order = store(
        app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}/complete"),
        None,
    )
    .await
    .ok();
    assert_eq!(
        order["order"]["total"], c["total"],
        "{currency}: the order charges the cart's total"
    );
    assert_eq!(
        order["order"]["payment_collections"][0]["amount"],
        c["total"]
    );
}

async fn exact_totals_jpy(app: TestApp, _: Arc<TestProvider>) {
    exact_totals(&app, "jpy", 1999.0).await
}
async fn exact_totals_eur(app: TestApp, _: Arc<TestProvider>) {
    exact_totals(&app, "eur", 19.99).await
}
async fn exact_totals_kwd(app: TestApp, _: Arc<TestProvider>) {
    exact_totals(&app, "kwd", 3.333).await
}
checkout_test!(
    totals_are_exact_sums_of_rounded_lines_in_a_0_decimal_currency,
    exact_totals_jpy
);
checkout_test!(
    totals_are_exact_sums_of_rounded_lines_in_a_2_decimal_currency,
    exact_totals_eur
);
checkout_test!(
    totals_are_exact_sums_of_rounded_lines_in_a_3_decimal_currency,
    exact_totals_kwd
);

async fn bad_input(app: TestApp, _: Arc<TestProvider>) {
    let s = setup(&app, "eur", 10.0, 2).await;
    let id = empty_cart(&app, &s).await;
    let items = format!("/store/carts/{id}/line-items");
    store(
        &app,
        &s,
        Method::POST,
        &items,
        Some(json!({"variant_id": "variant_nope", "quantity": 1})),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    store(
        &app,
        &s,
        Method::POST,
        &items,
        Some(json!({"variant_id": s.variant, "quantity": 0})),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    store(
        &app,
        &s,
        Method::POST,
        &items,
        Some(json!({"variant_id": s.variant, "quantity": -3})),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    store(
        &app,
        &s,
        Method::POST,
        &items,
        Some(json!({"variant_id": s.variant, "quantity": 3})),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "not_allowed");
    store(
        &app,
        &s,
        Method::POST,
        &items,
        Some(json!({"variant_id": s.variant, "quantity": "two"})),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{id}/complete"),
        None,
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    store(
        &app,
        &s,
        Method::POST,
        &items,
        Some(json!({"variant_id": s.variant, "quantity": 1})),
    )
    .await
    .ok();
    store(
        &app,
        &s,
        Method::POST,
        &items,
        Some(json!({"variant_id": s.variant, "quantity": 1})),
    )
    .await
    .ok();
    let merged = store(&app, &s, Method::GET, &format!("/store/carts/{id}"), None)
        .await
        .ok();
    assert_eq!(
        merged["cart"]["items"].as_array().unwrap().len(),
        1,
        "the same variant merges into one line"
    );
    assert_eq!(merged["cart"]["items"][0]["quantity"], 2);
    store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{id}/shipping-methods"),
        Some(json!({"option_id": s.other_region_option})),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{id}"),
        Some(json!({"shipping_address": {"country_code": "fr"}})),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    store(&app, &s, Method::GET, "/store/carts/cart_missing", None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    store(&app, &s, Method::GET, "/store/payment-providers", None)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    // Nothing above changed the cart.
    let after = store(&app, &s, Method::GET, &format!("/store/carts/{id}"), None)
        .await
        .ok();
    assert_eq!(after["cart"]["items"], merged["cart"]["items"]);
    assert_eq!(after["cart"]["shipping_methods"], json!([]));
    assert_eq!(after["cart"]["shipping_address"], Value::Null);
    assert_eq!(orders(&app).await, 0);
}
checkout_test!(bad_checkout_input_is_a_4xx_and_changes_nothing, bad_input);

async fn calculated_shipping(app: TestApp, _: Arc<TestProvider>) {
    let s = setup(&app, "eur", 10.0, 20).await;
    app.post_as(
        "/admin/shipping-options",
        &s.admin,
        &json!({"name": "Express", "region_id": s.region, "price_type": "calculated",
        "amount": 9.99, "per_item_amount": 1.5, "min_subtotal": 25}),
    )
    .await
    .ok();
    let cart = empty_cart(&app, &s).await;
    store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}/line-items"),
        Some(json!({"variant_id": s.variant, "quantity": 2})),
    )
    .await
    .ok();
    let options = store(
        &app,
        &s,
        Method::GET,
        &format!("/store/shipping-options?cart_id={cart}"),
        None,
    )
    .await
    .ok();
    let names: Vec<&str> = options["shipping_options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Standard"], "Express needs a subtotal of 25");
    store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}/line-items"),
        Some(json!({"variant_id": s.variant, "quantity": 1})),
    )
    .await
    .ok();
    let options = store(
        &app,
        &s,
        Method::GET,
        &format!("/store/shipping-options?cart_id={cart}"),
        None,
    )
    .await
    .ok();
    let express = options["shipping_options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Express")
        .unwrap()
        .clone();
    assert_eq!(express["price_type"], "calculated");
    assert_eq!(express["amount"], json!(14.49), "9.99 + 3 × 1.50");
    let calc = store(
        &app,
        &s,
        Method::POST,
        &format!(
            "/store/shipping-options/{}/calculate",
            express["id"].as_str().unwrap()
        ),
        Some(json!({"cart_id": cart})),
    )
    .await
    .ok();
    assert_eq!(calc["shipping_option"]["amount"], json!(14.49));
    let with = store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}/shipping-methods"),
        Some(json!({"option_id": express["id"]})),
    )
    .await
    .ok();
    assert_eq!(with["cart"]["shipping_methods"][0]["amount"], json!(14.49));
    assert_eq!(with["cart"]["shipping_subtotal"], json!(14.49));
}
checkout_test!(
    calculated_shipping_options_are_priced_by_the_manual_provider_and_gated_by_requirements,
    calculated_shipping
);
