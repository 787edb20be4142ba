//! Flash sale: N buyers race for K units of one variant, each through the full checkout. Every
//! buyer runs (the scenario ignores --duration and --max-requests, since the invariants need the
//! whole crowd); C workers bound how many race at once. Afterwards the units sold are counted
//! from the orders the Admin API reports.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde_json::json;

use super::checkout::{checkout, record, Steps};
use super::{merged, Ctx};
use crate::http::{Api, CallError};
use crate::report::ScenarioReport;
use crate::stats::Recorder;

/// How the buyers fared.
#[derive(Debug, Default, Clone, Copy)]
struct Outcomes {
    orders: u64,
    clean_4xx: u64,
    server_5xx: u64,
    other: u64,
}

pub async fn run(ctx: &Ctx) -> ScenarioReport {
    let Some(flash) = ctx.fixture.flash.clone() else {
        return ScenarioReport::skipped(
            "flash-sale",
            "needs the flash-sale variant: run without --target, or give --admin-key",
        );
    };
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for worker in 0..ctx.concurrency.min(ctx.buyers.max(1)) {
        // Workers take turns over the servers, so buyers race through every process at once.
        let api = ctx.apis[worker % ctx.apis.len()].clone();
        let (fixture, next) = (ctx.fixture.clone(), next.clone());
        let (variant, buyers) = (flash.variant_id.clone(), ctx.buyers);
        set.spawn(async move {
            let (mut rec, mut steps, mut out) =
                (Recorder::default(), Steps::default(), Outcomes::default());
            loop {
                let buyer = next.fetch_add(1, Ordering::Relaxed);
                if buyer >= buyers {
                    break;
                }
                let email = format!("flash-{buyer}@example.com");
                let t = Instant::now();
                let result = checkout(&api, &fixture, &variant, &email, &mut steps).await;
                record(&mut rec, t, &result);
                match &result {
                    Ok(_) => out.orders += 1,
                    Err(f) if f.error.is_client_error() => out.clean_4xx += 1,
                    Err(f) if f.error.is_server_error() => out.server_5xx += 1,
                    Err(_) => out.other += 1,
                }
            }
            (rec, steps, out)
        });
    }
    let (mut recs, mut steps, mut out) = (Vec::new(), Steps::default(), Outcomes::default());
    while let Some(joined) = set.join_next().await {
        if let Ok((r, s, o)) = joined {
            recs.push(r);
            steps.merge(s);
            out.orders += o.orders;
            out.clean_4xx += o.clean_4xx;
            out.server_5xx += o.server_5xx;
            out.other += o.other;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let rec = merged(recs);
    let mut report = ScenarioReport::measured("flash-sale", &rec, seconds);

    let sold = units_sold(&ctx.api, &flash.variant_id).await;
    let units = flash.units;
    let buyers = ctx.buyers as i64;
    let mut invariants = json!({
        "units": units,
        "buyers": buyers,
        "servers": ctx.apis.len(),
        "orders_created": out.orders,
        "failed_with_clean_4xx": out.clean_4xx,
        "failed_with_5xx": out.server_5xx,
        "failed_otherwise": out.other,
    });
    let ok = match &sold {
        Ok((orders, sold)) => {
            let oversold = (sold - units).max(0);
            // With more buyers than units every unit should sell; fewer means buyers were turned
            // away while stock was left.
            let undersold = (units.min(buyers) - sold).max(0);
            invariants["orders_with_variant"] = json!(orders);
            invariants["units_sold"] = json!(sold);
            invariants["units_oversold"] = json!(oversold);
            invariants["units_undersold"] = json!(undersold);
            oversold == 0 && out.server_5xx == 0 && out.other == 0
        }
        Err(e) => {
            invariants["units_sold_error"] = json!(format!("{} {}", e.label(), e.detail()));
            false
        }
    };
    invariants["ok"] = json!(ok);
    report.extra.insert("invariants".into(), invariants);
    report
        .extra
        .insert("http_calls".into(), json!(steps.calls()));
    report.extra.insert("calls".into(), steps.to_json());
    report
}

/// (orders containing `variant_id`, units of it ordered), from every order the Admin API lists.
async fn units_sold(api: &Api, variant_id: &str) -> Result<(i64, i64), CallError> {
    let (mut offset, mut orders, mut units) = (0usize, 0i64, 0i64);
    loop {
        let page = api
            .admin_get(&format!("/admin/orders?limit=1000&offset={offset}"))
            .await?;
        let items = page["orders"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            return Ok((orders, units));
        }
        offset += items.len();
        for order in &items {
            let q: i64 = order["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|line| line["variant_id"] == variant_id)
                .map(|line| line["quantity"].as_i64().unwrap_or(0))
                .sum();
            if q > 0 {
                orders += 1;
                units += q;
            }
        }
    }
}
