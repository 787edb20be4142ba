//! Read scenarios: one GET per request, the body read in full.

use std::sync::Arc;
use std::time::Instant;

use super::{drive, merged, Ctx, XorShift};
use crate::report::ScenarioReport;
use crate::stats::Recorder;

/// GET /health: the HTTP stack without the database.
pub async fn ceiling(ctx: &Ctx) -> ScenarioReport {
    read(ctx, "ceiling", false, |_, _| "/health".to_string()).await
}

/// The first page of products with region prices, as a storefront's listing page asks for it.
pub async fn list(ctx: &Ctx) -> ScenarioReport {
    let path = format!(
        "/store/products?limit=20&region_id={}",
        ctx.fixture.region_id
    );
    read(ctx, "list", true, move |_, _| path.clone()).await
}

/// `list`'s page with the `fields` Medusa's Next.js starter asks for on its listing pages
/// (`*variants.calculated_price,+variants.inventory_quantity,*variants.images,+metadata,+tags,`),
/// percent-encoded as `@medusajs/js-sdk` sends it. Availability comes along, so a cached answer
/// also depends on stock.
pub async fn starter_list(ctx: &Ctx) -> ScenarioReport {
    let path = format!(
        "/store/products?limit=20&region_id={}&fields=%2Avariants.calculated_price%2C%2Bvariants.inventory_quantity%2C%2Avariants.images%2C%2Bmetadata%2C%2Btags%2C&order=created_at",
        ctx.fixture.region_id
    );
    read(ctx, "starter-list", true, move |_, _| path.clone()).await
}

/// One product page, picked at random from the seeded products.
pub async fn detail(ctx: &Ctx) -> ScenarioReport {
    read(ctx, "detail", true, |rng, fx| {
        let id = rng.pick(&fx.products).map(String::as_str).unwrap_or("");
        format!("/store/products/{id}?region_id={}", fx.region_id)
    })
    .await
}

/// Full-text search for a word of the seeded titles.
pub async fn search(ctx: &Ctx) -> ScenarioReport {
    read(ctx, "search", true, |rng, fx| {
        let q = rng.pick(&fx.words).map(String::as_str).unwrap_or("shirt");
        format!("/store/products?q={q}&limit=20&region_id={}", fx.region_id)
    })
    .await
}

async fn read<P>(ctx: &Ctx, name: &'static str, with_key: bool, path: P) -> ScenarioReport
where
    P: Fn(&mut XorShift, &crate::fixture::Fixture) -> String + Send + Sync + 'static,
{
    let path = Arc::new(path);
    let (parts, seconds) = drive(ctx, |worker, budget| {
        let (api, fixture, path) = (ctx.api.clone(), ctx.fixture.clone(), path.clone());
        async move {
            let mut rng = XorShift::new(worker as u64);
            let mut rec = Recorder::default();
            while budget.take() {
                let p = path(&mut rng, &fixture);
                let started = Instant::now();
                match api.get_raw(&p, with_key).await {
                    Ok(()) => rec.ok(started.elapsed()),
                    Err(e) => rec.call_error(&e),
                }
            }
            rec
        }
    })
    .await;
    ScenarioReport::measured(name, &merged(parts), seconds)
}
