//! What the scenarios need to know about the store: keys, the region, product and variant ids,
//! search words and the flash-sale variant. Seeded runs know it; with `--target` it is read back
//! through the Store API (and the flash-sale variant is made through the Admin API).

use std::collections::BTreeSet;

use anyhow::Context;
use serde_json::{json, Value};

use crate::http::{Api, CallError};

/// The variant the flash sale races for.
#[derive(Debug, Clone)]
pub struct FlashItem {
    pub variant_id: String,
    pub units: i64,
}

#[derive(Debug, Clone)]
pub struct Fixture {
    pub publishable_key: String,
    pub admin_key: Option<String>,
    /// The region prices and carts use (the EUR one when there is one).
    pub region_id: String,
    /// A country of that region, for shipping addresses.
    pub country_code: String,
    pub products: Vec<String>,
    pub variants: Vec<String>,
    pub words: Vec<String>,
    pub flash: Option<FlashItem>,
}

fn call(e: CallError) -> anyhow::Error {
    anyhow::anyhow!("{} {}", e.label(), e.detail())
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Reads up to `limit` products of a running server (no flash-sale variant yet).
pub async fn discover(
    api: &Api,
    publishable_key: String,
    admin_key: Option<String>,
    limit: usize,
) -> anyhow::Result<Fixture> {
    let regions = api
        .store_get("/store/regions?limit=50")
        .await
        .map_err(call)
        .context("listing the target's regions")?;
    let regions = regions["regions"].as_array().cloned().unwrap_or_default();
    let region = regions
        .iter()
        .find(|r| r["currency_code"] == "eur")
        .or_else(|| regions.first())
        .context("the target has no region")?;
    let region_id = text(region, "id").context("a region without an id")?;
    let country_code = region["countries"]
        .as_array()
        .and_then(|c| c.first())
        .and_then(|c| text(c, "iso_2"))
        .with_context(|| format!("region {region_id} has no country"))?;

    let (mut products, mut variants, mut words) = (Vec::new(), Vec::new(), BTreeSet::new());
    while products.len() < limit {
        let page = api
            .store_get(&format!(
                "/store/products?limit=100&offset={}&fields=id,title,*variants",
                products.len()
            ))
            .await
            .map_err(call)
            .context("listing the target's products")?;
        let items = page["products"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            break;
        }
        for p in items.iter().take(limit - products.len()) {
            products.push(text(p, "id").context("a product without an id")?);
            let title = text(p, "title").unwrap_or_default().to_lowercase();
            words.extend(
                title
                    .split(|c: char| !c.is_alphabetic())
                    .filter(|w| w.len() >= 3)
                    .map(str::to_string),
            );
            for v in p["variants"].as_array().into_iter().flatten() {
                variants.extend(text(v, "id"));
            }
        }
    }
    anyhow::ensure!(
        !products.is_empty(),
        "the target shows no products to this publishable key"
    );
    Ok(Fixture {
        publishable_key,
        admin_key,
        region_id,
        country_code,
        products,
        variants,
        words: words.into_iter().take(64).collect(),
        flash: None,
    })
}

/// Makes the flash-sale variant on a running server: a new published product in the channel of
/// the discovered products, with `units` at one stock location of that channel.
pub async fn flash_on_target(
    api: &Api,
    fixture: &Fixture,
    units: i64,
) -> anyhow::Result<FlashItem> {
    let first = fixture.products.first().context("no products")?;
    let product = api
        .admin_get(&format!("/admin/products/{first}"))
        .await
        .map_err(call)
        .context("reading a product through the Admin API")?;
    let channel = product["product"]["sales_channels"]
        .as_array()
        .and_then(|c| c.first())
        .and_then(|c| text(c, "id"))
        .context("the product is in no sales channel")?;
    let locations = api
        .admin_get("/admin/stock-locations?limit=100")
        .await
        .map_err(call)
        .context("listing stock locations")?;
    let location = locations["stock_locations"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| {
            l["sales_channels"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|c| c["id"] == channel.as_str()))
        })
        .and_then(|l| text(l, "id"))
        .with_context(|| format!("no stock location serves sales channel {channel}"))?;
    let region = api
        .store_get(&format!("/store/regions/{}", fixture.region_id))
        .await
        .map_err(call)?;
    let currency = text(&region["region"], "currency_code").context("region without currency")?;
    let tag = ulid::Ulid::new().to_string().to_lowercase();
    let sku = format!("BENCH-FLASH-{tag}");
    let created = api
        .admin_post(
            "/admin/products",
            &json!({
                "title": "Limited Drop Sneaker",
                "handle": format!("merx-bench-flash-{tag}"),
                "status": "published",
                "options": [{"title": "Size", "values": ["One size"]}],
                "variants": [{
                    "title": "One size", "sku": sku, "manage_inventory": true,
                    "options": {"Size": "One size"},
                    "prices": [{"currency_code": currency, "amount": 99}],
                }],
                "sales_channels": [{"id": channel}],
            }),
        )
        .await
        .map_err(call)
        .context("creating the flash-sale product")?;
    let variant_id = created["product"]["variants"]
        .as_array()
        .and_then(|v| v.first())
        .and_then(|v| text(v, "id"))
        .context("the flash-sale product came back without a variant")?;
    let items = api
        .admin_get(&format!("/admin/inventory-items?sku={sku}"))
        .await
        .map_err(call)?;
    let item = items["inventory_items"]
        .as_array()
        .and_then(|i| i.first())
        .and_then(|i| text(i, "id"))
        .context("the flash-sale variant has no inventory item")?;
    api.admin_post(
        &format!("/admin/inventory-items/{item}/location-levels"),
        &json!({"location_id": location, "stocked_quantity": units}),
    )
    .await
    .map_err(call)
    .context("stocking the flash-sale variant")?;
    Ok(FlashItem { variant_id, units })
}
