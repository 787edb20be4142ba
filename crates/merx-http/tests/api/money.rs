//! Money that cannot overflow and payment operations that cannot race, probed as an attacker or a
//! careless client would: huge quantities and prices, ten captures or refunds at once, cancel
//! racing capture, and checkouts left behind by a process that died.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use axum::Router;
use merx_core::payment::operations::{operation_key, Movement};
use merx_core::payment::{Authorization, PaymentProvider};
use merx_core::platform::BoxFuture;
use merx_core::Core;
use merx_db::{query, Backend};
use merx_http::HttpConfig;
use serde_json::{json, Value};

use crate::app_test;
use crate::checkout::{ready_cart, setup, store, write_cart, Shop};
use crate::helpers::{TestApp, TestResponse};

// ---------- quantities and amounts

/// A published product with one variant that does not manage inventory, priced `amount` EUR.
async fn unmanaged(app: &TestApp, s: &Shop, amount: f64) -> String {
    let channel = app.get_as("/admin/sales-channels", &s.admin).await.ok()["sales_channels"][0]
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let p = app
        .post_as(
            "/admin/products",
            &s.admin,
            &json!({"title": format!("Unmanaged {amount}"), "status": "published", "sales_channels": [{"id": channel}],
                "variants": [{"title": "U", "manage_inventory": false, "prices": [{"currency_code": "eur", "amount": amount}]}]}),
        )
        .await
        .ok();
    p["product"]["variants"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn add(app: &TestApp, s: &Shop, cart: &str, variant: &str, quantity: i64) -> TestResponse {
    store(
        app,
        s,
        Method::POST,
        &format!("/store/carts/{cart}/line-items"),
        Some(json!({"variant_id": variant, "quantity": quantity})),
    )
    .await
}

async fn quantities_and_amounts_are_bounded(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 10).await;
    let one_euro = unmanaged(&app, &s, 1.0).await;
    let million = unmanaged(&app, &s, 1_000_000.0).await;
    let cart = write_cart(&app, &s, "/store/carts", json!({"region_id": s.region})).await["id"]
        .as_str()
        .unwrap()
        .to_string();

    // 2^62 − 1 units of €1.00 wrapped to item_total −1 before.
    add(&app, &s, &cart, &one_euro, 4_611_686_018_427_387_903)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    add(&app, &s, &cart, &million, 1_000_000_000_000)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    add(&app, &s, &cart, &one_euro, 10_001)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    let empty = store(&app, &s, Method::GET, &format!("/store/carts/{cart}"), None)
        .await
        .ok();
    assert_eq!(empty["cart"]["items"].as_array().unwrap().len(), 0);
    assert_eq!(empty["cart"]["total"], 0);

    // The default maximum itself is fine, and adding to it again is the same line's quantity.
    let full = add(&app, &s, &cart, &one_euro, 10_000).await.ok();
    assert_eq!(full["cart"]["item_total"], 10_000);
    add(&app, &s, &cart, &one_euro, 1)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    let line = full["cart"]["items"][0]["id"].as_str().unwrap().to_string();
    store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}/line-items/{line}"),
        Some(json!({"quantity": i64::MAX})),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");

    // €1,000,000 × 10,000 is €10^10: within bounds and exact.
    let big = add(&app, &s, &cart, &million, 10_000).await.ok();
    assert_eq!(big["cart"]["item_total"], 10_000_010_000i64);

    // A price that makes the cart larger than any amount Merx handles is refused, not wrapped.
    let huge = unmanaged(&app, &s, 100_000_000_000.0).await;
    add(&app, &s, &cart, &huge, 10_000)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    app.post_as(
        "/admin/products",
        &s.admin,
        &json!({"title": "Too dear", "variants": [{"title": "T", "prices": [{"currency_code": "eur", "amount": 9.2e16}]}]}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    let after = store(&app, &s, Method::GET, &format!("/store/carts/{cart}"), None)
        .await
        .ok();
    assert_eq!(after["cart"]["item_total"], 10_000_010_000i64);
}
app_test!(
    quantities_and_amounts_beyond_their_bounds_are_a_400_never_a_wrapped_total,
    quantities_and_amounts_are_bounded
);

// ---------- payment operations

/// A gateway that takes its time over captures, refunds and cancels (so that racing requests
/// overlap), counts them, keeps the idempotency keys it was given, and can hang an authorization
/// once (a process dying mid-checkout).
#[derive(Default)]
struct SlowGateway {
    captures: AtomicUsize,
    refunds: AtomicUsize,
    cancels: AtomicUsize,
    keys: Mutex<Vec<String>>,
    hang_once: AtomicBool,
    /// Hang the next capture (the process dies while the gateway is capturing).
    hang_capture_once: AtomicBool,
}

impl SlowGateway {
    async fn operation(&self, counter: &AtomicUsize, key: &str) -> anyhow::Result<()> {
        self.keys.lock().unwrap().push(key.to_string());
        tokio::time::sleep(Duration::from_millis(60)).await;
        counter.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

impl PaymentProvider for SlowGateway {
    fn id(&self) -> &str {
        "pp_test"
    }
    fn initiate<'a>(
        &'a self,
        _: i64,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Value>> {
        Box::pin(async { Ok(json!({"ref": "slow"})) })
    }
    fn authorize<'a>(
        &'a self,
        data: &'a Value,
        _: i64,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Authorization>> {
        Box::pin(async move {
            if self.hang_once.swap(false, Ordering::SeqCst) {
                std::future::pending::<()>().await;
            }
            Ok(Authorization::Authorized(data.clone()))
        })
    }
    fn cancel<'a>(&'a self, _: &'a Value, key: &'a str) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(self.operation(&self.cancels, key))
    }
    fn capture<'a>(
        &'a self,
        _: &'a Value,
        _: i64,
        key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            if self.hang_capture_once.swap(false, Ordering::SeqCst) {
                self.keys.lock().unwrap().push(key.to_string());
                std::future::pending::<()>().await;
            }
            self.operation(&self.captures, key).await
        })
    }
    fn refund<'a>(
        &'a self,
        _: &'a Value,
        _: i64,
        key: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(self.operation(&self.refunds, key))
    }
}

/// The node name the test's first process runs executions under.
const NODE: &str = "test-node-a";

fn core_with(db: merx_db::Db, gateway: Arc<SlowGateway>) -> Core {
    let mut core = Core::with_providers(
        db,
        b"s".to_vec(),
        Arc::new(merx_core::notification::LogNotifier),
        vec![gateway],
    );
    core.workflows = core.workflows.clone().with_owner(NODE);
    core
}

async fn with_gateway<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp, Arc<SlowGateway>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if let Some(t) = merx_db::testing::TestDb::new(backend).await {
        let gateway = Arc::new(SlowGateway::default());
        let core = core_with(t.db.clone(), gateway.clone());
        test(
            TestApp::with_core(core, HttpConfig::default(), Router::new()),
            gateway,
        )
        .await;
        t.cleanup().await;
    }
}

macro_rules! gateway_test {
    ($name:ident, $test:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::with_gateway(merx_db::Backend::Sqlite, super::$test).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::with_gateway(merx_db::Backend::Postgres, super::$test).await
            }
        }
    };
}

/// A placed order paid through the slow gateway: (order id, total in minor units).
async fn placed_order(app: &TestApp, s: &Shop) -> (String, i64) {
    let cart = ready_cart(app, s, 2, "pp_test").await;
    let placed = store(
        app,
        s,
        Method::POST,
        &format!("/store/carts/{cart}/complete"),
        None,
    )
    .await
    .ok();
    assert_eq!(placed["type"], "order", "{placed}");
    let id = placed["order"]["id"].as_str().unwrap().to_string();
    let total = (placed["order"]["total"].as_f64().unwrap() * 100.0).round() as i64;
    (id, total)
}

/// (authorized, captured, refunded, canceled) of the order's payment, as stored.
async fn payment_row(app: &TestApp, order: &str) -> (i64, i64, i64, bool) {
    let r = app
        .db
        .fetch_one(query("SELECT amount, captured_amount, refunded_amount, canceled_at FROM payment WHERE order_id = ?").bind(order))
        .await
        .unwrap();
    (
        r.int("amount").unwrap(),
        r.int("captured_amount").unwrap(),
        r.int("refunded_amount").unwrap(),
        r.opt_time("canceled_at").unwrap().is_some(),
    )
}

/// `n` copies of an Admin POST sent at once; their statuses.
async fn at_once(app: &TestApp, token: &str, path: &str, body: Value, n: usize) -> Vec<StatusCode> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (app, token, path, body) = (
                app.clone(),
                token.to_string(),
                path.to_string(),
                body.clone(),
            );
            tokio::spawn(async move { app.post_as(&path, &token, &body).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses
}

fn successes(statuses: &[StatusCode]) -> usize {
    statuses.iter().filter(|s| **s == StatusCode::OK).count()
}

async fn parallel_captures_and_refunds(app: TestApp, gateway: Arc<SlowGateway>) {
    let s = setup(&app, "eur", 10.0, 50).await;
    let (order, total) = placed_order(&app, &s).await;

    let captures = at_once(
        &app,
        &s.admin,
        &format!("/admin/orders/{order}/capture"),
        json!({}),
        10,
    )
    .await;
    assert_eq!(successes(&captures), 1, "{captures:?}");
    assert!(captures
        .iter()
        .all(|c| c.is_success() || c.is_client_error()));
    assert_eq!(payment_row(&app, &order).await, (total, total, 0, false));
    assert_eq!(gateway.captures.load(Ordering::SeqCst), 1);

    let refunds = at_once(
        &app,
        &s.admin,
        &format!("/admin/orders/{order}/refund"),
        json!({"amount": total as f64 / 100.0}),
        10,
    )
    .await;
    assert_eq!(successes(&refunds), 1, "{refunds:?}");
    assert_eq!(
        payment_row(&app, &order).await,
        (total, total, total, false)
    );
    assert_eq!(gateway.refunds.load(Ordering::SeqCst), 1);
    let refunded = app
        .get_as(&format!("/admin/orders/{order}"), &s.admin)
        .await
        .ok();
    assert_eq!(refunded["order"]["payment_status"], "refunded");
    let events: i64 = app
        .db
        .fetch_one(query("SELECT COUNT(*) AS n FROM outbox_event WHERE name IN ('payment.captured', 'payment.refunded') AND aggregate_id = ?").bind(&order))
        .await
        .unwrap()
        .int("n")
        .unwrap();
    assert_eq!(events, 2, "one event per money movement");

    // Partial captures racing on a second order never take more than was authorized.
    let (second, total) = placed_order(&app, &s).await;
    let quarter = (total / 4) as f64 / 100.0;
    let partial = at_once(
        &app,
        &s.admin,
        &format!("/admin/orders/{second}/capture"),
        json!({"amount": quarter}),
        10,
    )
    .await;
    assert_eq!(successes(&partial), 4, "{partial:?}");
    let (_, captured, _, _) = payment_row(&app, &second).await;
    assert_eq!(captured, 4 * (total / 4));
}
gateway_test!(
    ten_parallel_captures_or_refunds_of_the_total_move_the_money_exactly_once,
    parallel_captures_and_refunds
);

async fn cancel_racing_capture(app: TestApp, gateway: Arc<SlowGateway>) {
    let s = setup(&app, "eur", 10.0, 50).await;
    for _ in 0..3 {
        let (order, total) = placed_order(&app, &s).await;
        let (a, b) = (app.clone(), app.clone());
        let (ta, tb) = (s.admin.clone(), s.admin.clone());
        let (pa, pb) = (
            format!("/admin/orders/{order}/cancel"),
            format!("/admin/orders/{order}/capture"),
        );
        let cancel = tokio::spawn(async move { a.post_as(&pa, &ta, &json!({})).await });
        let capture = tokio::spawn(async move { b.post_as(&pb, &tb, &json!({})).await });
        let (cancel, capture) = (cancel.await.unwrap(), capture.await.unwrap());
        assert!(
            !(cancel.status == StatusCode::OK && capture.status == StatusCode::OK),
            "both won: cancel {} / capture {}",
            cancel.text(),
            capture.text()
        );
        let status = app
            .get_as(&format!("/admin/orders/{order}"), &s.admin)
            .await
            .ok()["order"]["status"]
            .clone();
        let (_, captured, _, canceled) = payment_row(&app, &order).await;
        if cancel.status == StatusCode::OK {
            assert_eq!(
                (status.as_str(), captured, canceled),
                (Some("canceled"), 0, true)
            );
        } else {
            assert_eq!(capture.status, StatusCode::OK, "{}", capture.text());
            assert_eq!((captured, canceled), (total, false));
            assert_ne!(status, "canceled");
        }
    }
    assert!(gateway.captures.load(Ordering::SeqCst) + gateway.cancels.load(Ordering::SeqCst) >= 3);
}
gateway_test!(
    cancel_and_capture_sent_together_one_of_them_loses,
    cancel_racing_capture
);

async fn keys_reach_the_gateway(app: TestApp, gateway: Arc<SlowGateway>) {
    let s = setup(&app, "eur", 10.0, 50).await;
    let (order, _) = placed_order(&app, &s).await;
    let payment = app
        .db
        .fetch_one(query("SELECT id FROM payment WHERE order_id = ?").bind(&order))
        .await
        .unwrap()
        .text("id")
        .unwrap();
    app.call(
        Method::POST,
        &format!("/admin/orders/{order}/capture"),
        Some(&s.admin),
        Some(&json!({"amount": 1})),
        &[("idempotency-key", "capture-one-euro")],
    )
    .await
    .ok();
    let keys = gateway.keys.lock().unwrap().clone();
    assert_eq!(
        keys,
        vec![operation_key(
            Movement::Capture,
            &payment,
            Some("capture-one-euro")
        )],
        "the client's key reaches the gateway, derived per payment"
    );
    app.post_as(
        &format!("/admin/orders/{order}/capture"),
        &s.admin,
        &json!({}),
    )
    .await
    .ok();
    let keys = gateway.keys.lock().unwrap().clone();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1], "each operation has a key of its own");
}
gateway_test!(
    payment_operations_carry_their_idempotency_key_to_the_provider,
    keys_reach_the_gateway
);

async fn stale_operation_is_settled(app: TestApp, gateway: Arc<SlowGateway>) {
    let s = setup(&app, "eur", 10.0, 50).await;
    let (order, total) = placed_order(&app, &s).await;
    gateway.hang_capture_once.store(true, Ordering::SeqCst);
    let (a, token, path) = (
        app.clone(),
        s.admin.clone(),
        format!("/admin/orders/{order}/capture"),
    );
    let dying = tokio::spawn(async move { a.post_as(&path, &token, &json!({})).await });
    let pending = || async {
        app.db
            .fetch_one(query(
                "SELECT COUNT(*) AS n FROM payment_operation WHERE status = 'pending'",
            ))
            .await
            .unwrap()
            .int("n")
            .unwrap()
    };
    for _ in 0..100 {
        if pending().await == 1 && !gateway.keys.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    dying.abort();
    let _ = dying.await;
    // The claim stands (never more than authorized), and a second capture cannot run meanwhile.
    assert_eq!(payment_row(&app, &order).await, (total, total, 0, false));
    app.post_as(
        &format!("/admin/orders/{order}/capture"),
        &s.admin,
        &json!({}),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    // Young operations are left to the process running them.
    assert_eq!(
        app.core
            .payments
            .settle_stale_operations(Duration::from_secs(300))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        app.core
            .payments
            .settle_stale_operations(Duration::ZERO)
            .await
            .unwrap(),
        1
    );
    assert_eq!(pending().await, 0);
    let keys = gateway.keys.lock().unwrap().clone();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1], "asked again under the same key");
    assert_eq!(gateway.captures.load(Ordering::SeqCst), 1);
    let captured: i64 = app
        .db
        .fetch_one(query("SELECT COUNT(*) AS n FROM outbox_event WHERE name = 'payment.captured' AND aggregate_id = ?").bind(&order))
        .await
        .unwrap()
        .int("n")
        .unwrap();
    assert_eq!(captured, 1);
}
gateway_test!(
    a_capture_left_pending_by_a_dead_process_is_settled_under_the_same_key,
    stale_operation_is_settled
);

// ---------- checkouts a dead process left behind

/// Starts completing `cart` on a task that hangs in the gateway's authorization, then kills the
/// task (the process "dies" with stock reserved and the execution running).
async fn die_mid_checkout(app: &TestApp, gateway: &SlowGateway, cart: &str) {
    gateway.hang_once.store(true, Ordering::SeqCst);
    let core = app.core.clone();
    let id = cart.to_string();
    let run = tokio::spawn(async move { merx_core::checkout::complete(&core, &id).await });
    for _ in 0..100 {
        let running = app
            .db
            .fetch_one(query("SELECT COUNT(*) AS n FROM workflow_execution WHERE status = 'running' AND idempotency_key = ?").bind(cart))
            .await
            .unwrap()
            .int("n")
            .unwrap();
        if running == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    run.abort();
    let _ = run.await;
}

async fn orders_of(app: &TestApp, cart: &str) -> i64 {
    app.db
        .fetch_one(query("SELECT COUNT(*) AS n FROM orders WHERE cart_id = ?").bind(cart))
        .await
        .unwrap()
        .int("n")
        .unwrap()
}

async fn dead_owners_run_is_finished_by_the_next_complete(app: TestApp, gateway: Arc<SlowGateway>) {
    let s = setup(&app, "eur", 10.0, 5).await;
    let cart = ready_cart(&app, &s, 1, "pp_test").await;
    die_mid_checkout(&app, &gateway, &cart).await;
    assert_eq!(orders_of(&app, &cart).await, 0);
    // The dead process's lease runs out (it no longer renews it).
    app.db
        .execute(
            query("UPDATE workflow_execution SET locked_until = ? WHERE status = 'running'")
                .bind(merx_types::time::now() - Duration::from_secs(1)),
        )
        .await
        .unwrap();
    let started = Instant::now();
    let done = store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}/complete"),
        None,
    )
    .await
    .ok();
    assert_eq!(done["type"], "order", "{done}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered after {:?}",
        started.elapsed()
    );
    assert_eq!(orders_of(&app, &cart).await, 1);
}
gateway_test!(
    a_completion_left_by_a_dead_process_is_finished_by_the_next_complete_at_once,
    dead_owners_run_is_finished_by_the_next_complete
);

async fn restarted_owner_takes_its_runs_back(app: TestApp, gateway: Arc<SlowGateway>) {
    let s = setup(&app, "eur", 10.0, 5).await;
    let cart = ready_cart(&app, &s, 1, "pp_test").await;
    die_mid_checkout(&app, &gateway, &cart).await;
    // Another process must not take it while its lease is live...
    let other = Core::with_providers(
        app.db.clone(),
        b"s".to_vec(),
        Arc::new(merx_core::notification::LogNotifier),
        vec![gateway.clone()],
    );
    assert_eq!(other.workflows.recover().await.unwrap(), 0);
    assert_eq!(other.workflows.recover_owned().await.unwrap(), 0);
    // ...but the same node, restarted, takes it back at once (the lease is still live).
    let restarted = core_with(app.db.clone(), gateway.clone());
    assert_eq!(restarted.workflows.recover_owned().await.unwrap(), 1);
    assert_eq!(orders_of(&app, &cart).await, 1);
    let left: i64 = app
        .db
        .fetch_one(query(
            "SELECT COUNT(*) AS n FROM workflow_execution WHERE status IN ('running', 'compensating')",
        ))
        .await
        .unwrap()
        .int("n")
        .unwrap();
    assert_eq!(left, 0);
}
gateway_test!(
    a_restarted_process_takes_back_its_unfinished_checkouts_without_waiting_for_their_lease,
    restarted_owner_takes_its_runs_back
);

// ---------- a region change is one write

async fn region_change_is_atomic(app: TestApp) {
    let s = setup(&app, "eur", 10.0, 10).await;
    // A region in another currency, where the shop's variant has no price.
    let dollars = app
        .post_as(
            "/admin/regions",
            &s.admin,
            &json!({"name": "US", "currency_code": "usd", "countries": ["us"]}),
        )
        .await
        .ok()["region"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cart = write_cart(&app, &s, "/store/carts", json!({"region_id": s.region})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    add(&app, &s, &cart, &s.variant, 2).await.ok();
    store(
        &app,
        &s,
        Method::POST,
        &format!("/store/carts/{cart}"),
        Some(json!({"region_id": dollars})),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "invalid_data");
    // Nothing of the change was written: before, the cart moved to USD with its EUR prices.
    let after = store(&app, &s, Method::GET, &format!("/store/carts/{cart}"), None)
        .await
        .ok();
    assert_eq!(after["cart"]["region_id"], s.region.as_str());
    assert_eq!(after["cart"]["currency_code"], "eur");
    assert_eq!(after["cart"]["item_total"], 20);
}
app_test!(
    a_region_change_that_cannot_price_every_line_changes_nothing,
    region_change_is_atomic
);
