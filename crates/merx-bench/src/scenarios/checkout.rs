//! The 8-call guest checkout of the Store API (as `@medusajs/js-sdk` storefronts make it), and the
//! `checkout` scenario: each iteration is one virtual customer buying one random variant.

use std::future::Future;
use std::time::Instant;

use serde_json::{json, Map, Value};

use super::{drive, merged, Ctx, XorShift};
use crate::fixture::Fixture;
use crate::http::{Api, CallError};
use crate::report::ScenarioReport;
use crate::stats::Recorder;

/// The calls, in order; the names are also the keys of the per-call report.
pub const CALLS: [&str; 8] = [
    "1 POST /store/carts",
    "2 POST /store/carts/:id/line-items",
    "3 GET /store/shipping-options",
    "4 POST /store/carts/:id/shipping-methods",
    "5 POST /store/payment-collections",
    "6 POST /store/payment-collections/:id/payment-sessions",
    "7 POST /store/carts/:id/complete",
    "8 GET /store/orders/:id",
];
pub const COMPLETE: usize = 6;

/// Per-call latencies and errors.
#[derive(Debug, Default, Clone)]
pub struct Steps(pub [Recorder; 8]);

impl Steps {
    pub fn merge(&mut self, other: Steps) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            mine.merge(theirs);
        }
    }

    pub fn calls(&self) -> u64 {
        self.0.iter().map(|r| r.successes() + r.failures()).sum()
    }

    /// `{call: {requests, p50_ms…, errors}}` for the JSON report.
    pub fn to_json(&self) -> Value {
        let mut calls = Map::new();
        for (name, r) in CALLS.iter().zip(&self.0) {
            let mut c = json!({"requests": r.successes() + r.failures(), "errors": r.errors});
            if let (Some(l), Some(obj)) = (r.latency(), c.as_object_mut()) {
                obj.insert("p50_ms".into(), json!(crate::report::round(l.p50_ms, 3)));
                obj.insert("p95_ms".into(), json!(crate::report::round(l.p95_ms, 3)));
                obj.insert("p99_ms".into(), json!(crate::report::round(l.p99_ms, 3)));
                obj.insert("max_ms".into(), json!(crate::report::round(l.max_ms, 3)));
            }
            calls.insert(name.to_string(), c);
        }
        Value::Object(calls)
    }
}

/// Where a checkout stopped, and why.
#[derive(Debug)]
pub struct Failure {
    pub step: usize,
    pub error: CallError,
}

/// Times one call into `steps`, turning its error into the checkout's failure.
async fn timed(
    steps: &mut Steps,
    step: usize,
    call: impl Future<Output = Result<Value, CallError>>,
) -> Result<Value, Failure> {
    let started = Instant::now();
    match call.await {
        Ok(v) => {
            steps.0[step].ok(started.elapsed());
            Ok(v)
        }
        Err(error) => {
            steps.0[step].call_error(&error);
            Err(Failure { step, error })
        }
    }
}

fn id_at(v: &Value, object: &str, step: usize) -> Result<String, Failure> {
    v[object]["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| Failure {
            step,
            error: CallError::Unexpected(format!("no {object}.id in the response")),
        })
}

/// One guest buys one unit of `variant_id`; returns the order id.
pub async fn checkout(
    api: &Api,
    fx: &Fixture,
    variant_id: &str,
    email: &str,
    steps: &mut Steps,
) -> Result<String, Failure> {
    let body = json!({
        "region_id": fx.region_id,
        "email": email,
        "shipping_address": {
            "first_name": "Bench", "last_name": "Buyer", "address_1": "Teststraße 1",
            "city": "Berlin", "postal_code": "10115", "country_code": fx.country_code,
        },
    });
    let cart = timed(steps, 0, api.store_post("/store/carts", &body)).await?;
    let cart_id = id_at(&cart, "cart", 0)?;

    let item = json!({"variant_id": variant_id, "quantity": 1});
    let path = format!("/store/carts/{cart_id}/line-items");
    timed(steps, 1, api.store_post(&path, &item)).await?;

    let path = format!("/store/shipping-options?cart_id={cart_id}");
    let options = timed(steps, 2, api.store_get(&path)).await?;
    let option_id = options["shipping_options"][0]["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| Failure {
            step: 2,
            error: CallError::Unexpected("no shipping option for the cart".into()),
        })?;

    let path = format!("/store/carts/{cart_id}/shipping-methods");
    let method = json!({"option_id": option_id});
    timed(steps, 3, api.store_post(&path, &method)).await?;

    let collection = json!({"cart_id": cart_id});
    let c = timed(
        steps,
        4,
        api.store_post("/store/payment-collections", &collection),
    )
    .await?;
    let collection_id = id_at(&c, "payment_collection", 4)?;

    let path = format!("/store/payment-collections/{collection_id}/payment-sessions");
    let session = json!({"provider_id": "pp_system_default"});
    timed(steps, 5, api.store_post(&path, &session)).await?;

    let path = format!("/store/carts/{cart_id}/complete");
    let done = timed(steps, COMPLETE, api.store_post(&path, &json!({}))).await?;
    if done["type"] != "order" {
        let error = CallError::Unexpected(format!(
            "complete answered type {} ({})",
            done["type"], done["error"]["message"]
        ));
        // The call itself succeeded; count the unexpected answer against it too.
        steps.0[COMPLETE].call_error(&error);
        return Err(Failure {
            step: COMPLETE,
            error,
        });
    }
    let order_id = id_at(&done, "order", COMPLETE)?;

    let path = format!("/store/orders/{order_id}");
    timed(steps, 7, api.store_get(&path)).await?;
    Ok(order_id)
}

/// Records a finished checkout into the scenario's recorder.
pub fn record(rec: &mut Recorder, started: Instant, result: &Result<String, Failure>) {
    match result {
        Ok(_) => rec.ok(started.elapsed()),
        Err(f) => rec.error(f.error.label(), || {
            format!("{}: {}", CALLS[f.step], f.error.detail())
        }),
    }
}

pub async fn run(ctx: &Ctx) -> ScenarioReport {
    if ctx.fixture.variants.is_empty() {
        return ScenarioReport::skipped("checkout", "no variants to buy");
    }
    let (parts, seconds) = drive(ctx, |worker, budget| {
        let (api, fixture) = (ctx.api.clone(), ctx.fixture.clone());
        async move {
            let mut rng = XorShift::new(worker as u64);
            let (mut rec, mut steps) = (Recorder::default(), Steps::default());
            let mut n = 0u64;
            while budget.take() {
                n += 1;
                let variant = rng.pick(&fixture.variants).cloned().unwrap_or_default();
                let email = format!("bench-{worker}-{n}@example.com");
                let started = Instant::now();
                let result = checkout(&api, &fixture, &variant, &email, &mut steps).await;
                record(&mut rec, started, &result);
            }
            (rec, steps)
        }
    })
    .await;
    let mut steps = Steps::default();
    let mut recs = Vec::new();
    for (r, s) in parts {
        recs.push(r);
        steps.merge(s);
    }
    let rec = merged(recs);
    let mut report = ScenarioReport::measured("checkout", &rec, seconds);
    report
        .extra
        .insert("checkouts_per_s".into(), json!(report.req_per_s));
    report
        .extra
        .insert("http_calls".into(), json!(steps.calls()));
    report.extra.insert("calls".into(), steps.to_json());
    report
}
