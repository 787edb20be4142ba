//! Seeds a store through Merx's own services, as an import would: two regions (EUR, USD) with tax,
//! a sales channel with a publishable key, a secret admin key, two stock locations, N products
//! with three variants priced in both regions and stocked in both locations, one flat shipping
//! option per region, and the flash-sale variant (K units in one location).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use merx_core::api_key::KeyType;
use merx_core::auth::Role;
use merx_core::catalog::{NewProduct, NewVariant, ProductStatus};
use merx_core::inventory::{Change, LocationAddress};
use merx_core::platform::outbox::{DispatchConfig, Dispatcher};
use merx_core::platform::subscribers::Subscribers;
use merx_core::pricing::NewPrice;
use merx_core::region::NewRegion;
use merx_core::shipping::{NewShippingOption, PriceType};
use merx_core::tax::NewTaxRate;
use merx_core::{Core, CoreError};
use rust_decimal::Decimal;

use crate::fixture::{Fixture, FlashItem};

/// Title words; every product title is one of each plus its number, so `q` has real hits.
const ADJECTIVES: &[&str] = &[
    "Classic", "Organic", "Vintage", "Urban", "Alpine", "Coastal", "Nordic", "Rustic", "Modern",
    "Heritage", "Summit", "Harbor", "Meadow", "Canyon", "Polar", "Tidal",
];
const MATERIALS: &[&str] = &[
    "Linen", "Wool", "Canvas", "Leather", "Denim", "Cotton", "Bamboo", "Cashmere",
];
const NOUNS: &[&str] = &[
    "Shirt", "Hoodie", "Jacket", "Tote", "Cap", "Scarf", "Sneaker", "Backpack", "Sweater",
    "Beanie", "Parka", "Blanket",
];
const SIZES: [&str; 3] = ["S", "M", "L"];
/// Units per variant per location: enough that the checkout scenario never runs out.
const STOCK_PER_LOCATION: i64 = 100_000;

/// Words to search for (lower case, as a shopper types them).
pub fn search_words() -> Vec<String> {
    ADJECTIVES
        .iter()
        .chain(MATERIALS)
        .chain(NOUNS)
        .map(|w| w.to_lowercase())
        .collect()
}

fn title(i: usize) -> String {
    let a = ADJECTIVES[i % ADJECTIVES.len()];
    let m = MATERIALS[(i / ADJECTIVES.len()) % MATERIALS.len()];
    let n = NOUNS[(i / (ADJECTIVES.len() * MATERIALS.len())) % NOUNS.len()];
    format!("{a} {m} {n} {}", i + 1)
}

/// Services return `CoreError`; the bench wants one error type with context.
fn core_err(e: CoreError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// What the catalogue loop needs from the store set-up.
#[derive(Clone)]
struct Shop {
    channel: String,
    eur: String,
    usd: String,
    locations: [String; 2],
}

/// Seeds `products` products (and the rest) and returns what the scenarios need.
pub async fn seed(
    core: &Core,
    products: usize,
    flash_units: i64,
    tasks: usize,
) -> anyhow::Result<Fixture> {
    let (shop, publishable_key, admin_key) = store(core).await?;
    let started = Instant::now();
    let catalogue = catalogue(core, &shop, products, tasks).await?;
    eprintln!(
        "seeded {products} products ({} variants) in {:.1}s",
        catalogue.variants.len(),
        started.elapsed().as_secs_f64()
    );
    let flash = flash_item(core, &shop, flash_units).await?;
    drain_outbox(core).await?;
    analyze(core).await?;
    Ok(Fixture {
        publishable_key,
        admin_key: Some(admin_key),
        region_id: shop.eur,
        country_code: "de".into(),
        products: catalogue.products,
        variants: catalogue.variants,
        words: search_words(),
        flash: Some(flash),
    })
}

/// Regions, tax, channel, keys, locations and shipping options.
async fn store(core: &Core) -> anyhow::Result<(Shop, String, String)> {
    let store = core
        .store
        .ensure("Merx Bench Store")
        .await
        .map_err(core_err)?;
    let eur = core
        .regions
        .create(NewRegion {
            name: "Europe".into(),
            currency_code: "eur".into(),
            countries: vec!["de".into(), "fr".into(), "nl".into()],
            ..Default::default()
        })
        .await
        .map_err(core_err)?;
    let usd = core
        .regions
        .create(NewRegion {
            name: "North America".into(),
            currency_code: "usd".into(),
            countries: vec!["us".into(), "ca".into()],
            ..Default::default()
        })
        .await
        .map_err(core_err)?;
    for (country, rate) in [("de", 19), ("fr", 20), ("nl", 21), ("us", 0), ("ca", 5)] {
        core.tax
            .create_region(
                country,
                None,
                None,
                Some(NewTaxRate {
                    name: format!("{} VAT", country.to_uppercase()),
                    code: format!("{country}-std"),
                    rate: Decimal::from(rate),
                    ..Default::default()
                }),
            )
            .await
            .map_err(core_err)?;
    }
    let channel = core
        .sales_channels
        .create("Bench webshop", None, false, None)
        .await
        .map_err(core_err)?;
    let (key, publishable_key) = core
        .api_keys
        .create("Bench storefront", KeyType::Publishable, None, None)
        .await
        .map_err(core_err)?;
    core.sales_channels
        .link_key(&key.id, std::slice::from_ref(&channel.id), &[])
        .await
        .map_err(core_err)?;
    let (_, admin_key) = core
        .api_keys
        .create("Bench admin", KeyType::Secret, Some(Role::Admin), None)
        .await
        .map_err(core_err)?;
    core.store
        .update(
            &store.id,
            merx_core::store::StoreChanges {
                default_region_id: Some(Some(eur.id.clone())),
                default_sales_channel_id: Some(Some(channel.id.clone())),
                ..Default::default()
            },
        )
        .await
        .map_err(core_err)?;
    let mut locations = Vec::new();
    for (name, city, country) in [
        ("Berlin warehouse", "Berlin", "de"),
        ("Newark warehouse", "Newark", "us"),
    ] {
        let location = core
            .inventory
            .create_location(
                name,
                Some(LocationAddress {
                    city: Some(city.into()),
                    country_code: Some(country.into()),
                    ..Default::default()
                }),
                None,
            )
            .await
            .map_err(core_err)?;
        core.inventory
            .link_channels(&location.id, std::slice::from_ref(&channel.id), &[])
            .await
            .map_err(core_err)?;
        locations.push(location.id);
    }
    let [berlin, newark]: [String; 2] = locations
        .try_into()
        .map_err(|_| anyhow::anyhow!("expected two stock locations"))?;
    for (region, location, amount) in [(&eur.id, &berlin, 499), (&usd.id, &newark, 599)] {
        core.shipping
            .create_option(NewShippingOption {
                name: "Standard Shipping".into(),
                region_id: region.clone(),
                stock_location_id: Some(location.clone()),
                price_type: Some(PriceType::Flat),
                amount: Some(amount),
                ..Default::default()
            })
            .await
            .map_err(core_err)?;
    }
    let shop = Shop {
        channel: channel.id,
        eur: eur.id,
        usd: usd.id,
        locations: [berlin, newark],
    };
    Ok((shop, publishable_key, admin_key))
}

struct Catalogue {
    products: Vec<String>,
    variants: Vec<String>,
}

/// Creates the products with `tasks` concurrent writers (Postgres takes them in parallel; SQLite
/// queues them on its one writer, which still overlaps the reads).
async fn catalogue(
    core: &Core,
    shop: &Shop,
    products: usize,
    tasks: usize,
) -> anyhow::Result<Catalogue> {
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let next_analyze = Arc::new(AtomicUsize::new(250));
    let made = Arc::new(Mutex::new(Vec::with_capacity(products)));
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..tasks.max(1) {
        let (core, shop) = (core.clone(), shop.clone());
        let (next, done, made) = (next.clone(), done.clone(), made.clone());
        let next_analyze = next_analyze.clone();
        set.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= products {
                    return Ok::<(), anyhow::Error>(());
                }
                let (product, variants) = product(&core, &shop, i)
                    .await
                    .with_context(|| format!("seeding product {}", i + 1))?;
                made.lock()
                    .map_err(|_| anyhow::anyhow!("a seeding task panicked"))?
                    .push((i, product, variants));
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                // Each time the catalogue doubles, as autovacuum re-analyzes a growing table:
                // without fresh statistics Postgres plans lookups for empty tables and seeding
                // slows down as they grow.
                let due = next_analyze.load(Ordering::Relaxed);
                if n >= due
                    && next_analyze
                        .compare_exchange(due, due * 2, Ordering::Relaxed, Ordering::Relaxed)
                        .is_ok()
                {
                    analyze(&core).await?;
                }
                if n % 1000 == 0 {
                    let secs = started.elapsed().as_secs_f64();
                    eprintln!(
                        "  {n}/{products} products ({:.0}/s, {secs:.0}s)",
                        n as f64 / secs
                    );
                }
            }
        });
    }
    while let Some(joined) = set.join_next().await {
        joined.context("a seeding task panicked")??;
    }
    let mut made = std::mem::take(
        &mut *made
            .lock()
            .map_err(|_| anyhow::anyhow!("a seeding task panicked"))?,
    );
    // Sorted by number, so the scenarios' random picks are the same from run to run.
    made.sort_by_key(|(i, _, _)| *i);
    let mut catalogue = Catalogue {
        products: Vec::with_capacity(made.len()),
        variants: Vec::with_capacity(made.len() * 3),
    };
    for (_, p, vs) in made {
        catalogue.products.push(p);
        catalogue.variants.extend(vs);
    }
    Ok(catalogue)
}

fn prices(shop: &Shop, cents: i64) -> Vec<NewPrice> {
    vec![
        NewPrice {
            currency_code: "eur".into(),
            amount: Decimal::new(cents, 2),
            region_id: Some(shop.eur.clone()),
            min_quantity: None,
            max_quantity: None,
        },
        NewPrice {
            currency_code: "usd".into(),
            amount: Decimal::new(cents + 300, 2),
            region_id: Some(shop.usd.clone()),
            min_quantity: None,
            max_quantity: None,
        },
    ]
}

/// Product `i`: three sizes, priced in both regions, stocked in both locations.
async fn product(core: &Core, shop: &Shop, i: usize) -> anyhow::Result<(String, Vec<String>)> {
    let title = title(i);
    let base = 1990 + (i as i64 % 40) * 100;
    let variants = SIZES
        .iter()
        .enumerate()
        .map(|(vi, size)| NewVariant {
            title: Some(size.to_string()),
            sku: Some(format!("BENCH-{}-{size}", i + 1)),
            manage_inventory: true,
            options: [("Size".to_string(), size.to_string())]
                .into_iter()
                .collect(),
            prices: prices(shop, base + vi as i64 * 200),
            ..Default::default()
        })
        .collect();
    let bundle = core
        .catalog
        .create(NewProduct {
            description: Some(format!(
                "The {title}, seeded by merx-bench: three sizes, priced in euros and dollars."
            )),
            title,
            status: Some(ProductStatus::Published),
            options: vec![("Size".into(), SIZES.iter().map(|s| s.to_string()).collect())],
            variants,
            sales_channel_ids: vec![shop.channel.clone()],
            ..Default::default()
        })
        .await
        .map_err(core_err)?;
    let variant_ids: Vec<String> = bundle
        .variants
        .iter()
        .map(|v| v.variant.id.clone())
        .collect();
    stock(core, &variant_ids, &shop.locations, STOCK_PER_LOCATION).await?;
    Ok((bundle.product.id, variant_ids))
}

/// Stocks each variant's inventory item with `units` at every location given.
async fn stock(
    core: &Core,
    variant_ids: &[String],
    locations: &[String],
    units: i64,
) -> anyhow::Result<()> {
    let items = core
        .inventory
        .variant_items(variant_ids)
        .await
        .map_err(core_err)?;
    let change = Change::new("merx-bench seed", None);
    for v in variant_ids {
        let item = items
            .get(v)
            .and_then(|links| links.first())
            .with_context(|| format!("variant {v} has no inventory item"))?;
        for location in locations {
            core.inventory
                .create_level(&item.inventory_item_id, location, units, 0, &change)
                .await
                .map_err(core_err)?;
        }
    }
    Ok(())
}

/// The flash-sale variant: one product, one variant, `units` in the Berlin warehouse only.
async fn flash_item(core: &Core, shop: &Shop, units: i64) -> anyhow::Result<FlashItem> {
    let bundle = core
        .catalog
        .create(NewProduct {
            title: "Limited Drop Sneaker".into(),
            handle: Some("merx-bench-flash-sale".into()),
            status: Some(ProductStatus::Published),
            variants: vec![NewVariant {
                title: Some("One size".into()),
                sku: Some("BENCH-FLASH".into()),
                manage_inventory: true,
                prices: prices(shop, 9900),
                ..Default::default()
            }],
            sales_channel_ids: vec![shop.channel.clone()],
            ..Default::default()
        })
        .await
        .map_err(core_err)?;
    let variant_id = bundle
        .variants
        .first()
        .map(|v| v.variant.id.clone())
        .context("the flash-sale product has no variant")?;
    stock(
        core,
        std::slice::from_ref(&variant_id),
        &shop.locations[..1],
        units,
    )
    .await?;
    Ok(FlashItem { variant_id, units })
}

/// Marks the import's events as dispatched, through Merx's own dispatcher, so the server under
/// test does not spend the first seconds of a scenario working through an import backlog.
async fn drain_outbox(core: &Core) -> anyhow::Result<()> {
    let started = Instant::now();
    let dispatcher = Dispatcher::new(
        core.db.clone(),
        Subscribers::new(),
        DispatchConfig::default(),
    );
    let mut events = 0;
    loop {
        let report = dispatcher.run_once().await.map_err(core_err)?;
        events += report.fanned_out;
        if report.fanned_out == 0 && report.delivered + report.failed == 0 {
            break;
        }
    }
    eprintln!(
        "dispatched {events} seed events in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Gives Postgres' planner statistics for the fresh tables, as autovacuum would on a store that has
/// been running (without them it plans for empty tables: reads were 2–3× slower on a server with
/// autovacuum off). SQLite is left as Merx ships it: Merx runs no ANALYZE there.
async fn analyze(core: &Core) -> anyhow::Result<()> {
    if core.db.backend() == merx_db::Backend::Postgres {
        let started = Instant::now();
        core.db
            .execute_script("ANALYZE")
            .await
            .context("ANALYZE after seeding")?;
        let secs = started.elapsed().as_secs_f64();
        if secs >= 1.0 {
            eprintln!("  analyzed in {secs:.1}s");
        }
    }
    Ok(())
}
