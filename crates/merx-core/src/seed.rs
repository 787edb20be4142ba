//! Demo data for `merx serve --demo`: two regions (EUR, USD) with tax, a web shop channel with a
//! publishable key, a category tree, collections, ~50 products with three variants each, prices in
//! both currencies and a running sale, and product pictures that Merx draws and serves itself
//! ([`images`]). Seeding is idempotent: a second start reuses what exists.

pub mod images;

use rust_decimal::Decimal;

use crate::api_key::KeyType;
use crate::catalog::{CategoryInput, LabelKind, NewProduct, NewVariant, ProductStatus};
use crate::error::CoreResult;
use crate::pricing::calc::PriceListType;
use crate::pricing::{NewPrice, NewPriceList};
use crate::region::NewRegion;
use crate::store::{NewStoreCurrency, Store, StoreChanges};
use crate::tax::NewTaxRate;
use crate::Core;

/// What the demo seed made, for the start-up banner.
#[derive(Debug, Clone, Default)]
pub struct DemoReport {
    pub store_name: String,
    pub publishable_key: String,
    pub products: i64,
    pub regions: Vec<(String, String)>,
}

const KEY_TITLE: &str = "Demo webshop";

struct Family {
    category: &'static str,
    parent: &'static str,
    noun: &'static str,
    type_value: &'static str,
    option: &'static str,
    values: [&'static str; 3],
    base_cents: i64,
    adjectives: &'static [&'static str],
}

const FAMILIES: &[Family] = &[
    Family {
        category: "Shirts",
        parent: "Apparel",
        noun: "T-Shirt",
        type_value: "Apparel",
        option: "Size",
        values: ["S", "M", "L"],
        base_cents: 1990,
        adjectives: &[
            "Classic",
            "Organic",
            "Striped",
            "Vintage",
            "Pocket",
            "Heavyweight",
            "Linen",
            "Graphic",
            "Slim",
            "Boxy",
            "Henley",
        ],
    },
    Family {
        category: "Sweatshirts",
        parent: "Apparel",
        noun: "Hoodie",
        type_value: "Apparel",
        option: "Size",
        values: ["S", "M", "L"],
        base_cents: 4990,
        adjectives: &[
            "Cozy",
            "Zip",
            "Fleece",
            "Oversized",
            "Cropped",
            "Alpine",
            "Harbor",
            "Quarter-Zip",
        ],
    },
    Family {
        category: "Bags",
        parent: "Accessories",
        noun: "Tote Bag",
        type_value: "Accessories",
        option: "Color",
        values: ["Black", "Natural", "Navy"],
        base_cents: 2490,
        adjectives: &[
            "Market", "Canvas", "Weekend", "Laptop", "Beach", "City", "Shopper",
        ],
    },
    Family {
        category: "Caps",
        parent: "Accessories",
        noun: "Cap",
        type_value: "Accessories",
        option: "Color",
        values: ["Black", "Olive", "Sand"],
        base_cents: 2290,
        adjectives: &[
            "Dad",
            "Trucker",
            "Five-Panel",
            "Wool",
            "Corduroy",
            "Runner",
            "Bucket",
        ],
    },
    Family {
        category: "Mugs",
        parent: "Home",
        noun: "Mug",
        type_value: "Home",
        option: "Size",
        values: ["250 ml", "350 ml", "500 ml"],
        base_cents: 1290,
        adjectives: &[
            "Enamel",
            "Stoneware",
            "Speckled",
            "Travel",
            "Espresso",
            "Diner",
            "Camp",
        ],
    },
    Family {
        category: "Posters",
        parent: "Home",
        noun: "Poster",
        type_value: "Home",
        option: "Format",
        values: ["A3", "A2", "A1"],
        base_cents: 1990,
        adjectives: &[
            "Mountain",
            "Ocean",
            "City",
            "Botanical",
            "Abstract",
            "Retro",
            "Minimal",
            "Cosmic",
            "Desert",
        ],
    },
];

const COLLECTIONS: &[&str] = &["Essentials", "Summer Edit", "Limited Drop"];

/// The public URL [`demo`] writes into image URLs: `merx serve`'s default address, as a browser
/// on the same machine reaches it.
pub const DEFAULT_PUBLIC_URL: &str = "http://localhost:9000";

/// A demo product's handle.
fn handle(adjective: &str, noun: &str) -> String {
    crate::catalog::slugify(&format!("{adjective} {noun}"))
}

/// The store's name on a fresh server.
pub const DEFAULT_STORE_NAME: &str = "Merx Store";
/// The sales channel a fresh server has, as Medusa names it.
pub const DEFAULT_CHANNEL_NAME: &str = "Default Sales Channel";

/// What a fresh Medusa has before any seed, made sure of at every `merx serve` start (idempotent):
/// the store (supporting eur, with its tax-exclusive price preference) and a default sales
/// channel. The providers (`pp_system_default`, `manual_manual`, `tp_system`) are built in and
/// need no rows. A store that already has a default channel (the demo's) keeps it.
pub async fn defaults(core: &Core) -> CoreResult<Store> {
    // Read first: once made, this is a read (remembered), not a write transaction.
    if let Some(store) = core.store.get().await? {
        if !store.supported_currencies.is_empty() && store.default_sales_channel_id.is_some() {
            return Ok(store);
        }
    }
    let store = core.store.ensure(DEFAULT_STORE_NAME).await?;
    if store.default_sales_channel_id.is_some() {
        return Ok(store);
    }
    let channel = core
        .sales_channels
        .create(
            DEFAULT_CHANNEL_NAME,
            Some("Created by Merx".into()),
            false,
            None,
        )
        .await?;
    if !core
        .store
        .claim_default_channel(&store.id, &channel.id)
        .await?
    {
        // Another process started at the same moment and gave the store its channel first.
        core.sales_channels.delete(&channel.id).await?;
    }
    Ok(core.store.get().await?.unwrap_or(store))
}

/// Seeds the demo store (idempotent), its images at [`DEFAULT_PUBLIC_URL`].
pub async fn demo(core: &Core) -> CoreResult<DemoReport> {
    demo_at(core, DEFAULT_PUBLIC_URL).await
}

/// Seeds the demo store (idempotent) with image URLs on the server reached at `public_url`
/// (`http://localhost:9000`): its product pictures are served by Merx itself, under
/// [`images::PATH`]. A store seeded before at another URL (or with the third-party images of
/// older versions) has its demo image URLs moved to `public_url`.
pub async fn demo_at(core: &Core, public_url: &str) -> CoreResult<DemoReport> {
    let store = core.store.ensure("Merx Demo Store").await?;
    let existing_keys = core
        .api_keys
        .list(
            Some(KeyType::Publishable),
            merx_types::PageRequest {
                limit: 100,
                offset: 0,
            },
        )
        .await?;
    if let Some(key) = existing_keys
        .items
        .iter()
        .find(|k| k.title == KEY_TITLE && !k.is_revoked())
    {
        let count = core
            .catalog
            .list_ids(
                &Default::default(),
                merx_types::PageRequest {
                    limit: 0,
                    offset: 0,
                },
            )
            .await?
            .count;
        repoint_images(core, public_url).await?;
        let regions = core
            .regions
            .list(
                &[],
                None,
                None,
                None,
                &merx_types::TimeBounds::default(),
                merx_types::PageRequest {
                    limit: 10,
                    offset: 0,
                },
            )
            .await?;
        return Ok(DemoReport {
            store_name: store.name,
            publishable_key: key.token.clone().unwrap_or_default(),
            products: count,
            regions: regions.items.into_iter().map(|r| (r.name, r.id)).collect(),
        });
    }

    let europe = core
        .regions
        .create(NewRegion {
            name: "Europe".into(),
            currency_code: "eur".into(),
            countries: ["de", "fr", "it", "es", "nl"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            is_tax_inclusive: Some(true),
            ..Default::default()
        })
        .await?;
    let america = core
        .regions
        .create(NewRegion {
            name: "North America".into(),
            currency_code: "usd".into(),
            countries: vec!["us".into(), "ca".into()],
            ..Default::default()
        })
        .await?;
    for (country, rate) in [
        ("de", "19"),
        ("fr", "20"),
        ("it", "22"),
        ("es", "21"),
        ("nl", "21"),
        ("ca", "5"),
        ("us", "0"),
    ] {
        let name = format!("{} VAT", country.to_uppercase());
        core.tax
            .create_region(
                country,
                None,
                None,
                Some(NewTaxRate {
                    name: name.clone(),
                    code: format!("{country}-std"),
                    rate: rate.parse().unwrap_or_default(),
                    ..Default::default()
                }),
            )
            .await?;
    }
    let channel = core
        .sales_channels
        .create("Webshop", Some("The demo storefront".into()), false, None)
        .await?;
    let (key, token) = core
        .api_keys
        .create(KEY_TITLE, KeyType::Publishable, None, None)
        .await?;
    core.sales_channels
        .link_key(&key.id, std::slice::from_ref(&channel.id), &[])
        .await?;
    core.store
        .update(
            &store.id,
            StoreChanges {
                supported_currencies: Some(vec![
                    NewStoreCurrency {
                        currency_code: "eur".into(),
                        is_default: true,
                        is_tax_inclusive: None,
                    },
                    NewStoreCurrency {
                        currency_code: "usd".into(),
                        is_default: false,
                        is_tax_inclusive: None,
                    },
                ]),
                default_region_id: Some(Some(europe.id.clone())),
                default_sales_channel_id: Some(Some(channel.id.clone())),
                ..Default::default()
            },
        )
        .await?;

    let mut collections = Vec::new();
    for c in COLLECTIONS {
        collections.push(core.taxonomy.create_collection(c, None, None).await?.id);
    }
    let mut parents = std::collections::BTreeMap::new();
    for f in FAMILIES {
        if !parents.contains_key(f.parent) {
            let p = core
                .taxonomy
                .create_category(CategoryInput {
                    name: f.parent.into(),
                    ..Default::default()
                })
                .await?;
            parents.insert(f.parent, p.id);
        }
    }
    let mut types = std::collections::BTreeMap::new();
    for f in FAMILIES {
        if !types.contains_key(f.type_value) {
            types.insert(
                f.type_value,
                core.taxonomy
                    .create_label(LabelKind::Type, f.type_value, None)
                    .await?
                    .id,
            );
        }
    }
    let tag_new = core
        .taxonomy
        .create_label(LabelKind::Tag, "new", None)
        .await?
        .id;
    let tag_eco = core
        .taxonomy
        .create_label(LabelKind::Tag, "eco", None)
        .await?
        .id;

    let mut n = 0i64;
    let mut sale_prices = Vec::new();
    for f in FAMILIES {
        let category = core
            .taxonomy
            .create_category(CategoryInput {
                name: f.category.into(),
                parent_category_id: parents.get(f.parent).cloned(),
                ..Default::default()
            })
            .await?;
        for (i, adjective) in f.adjectives.iter().enumerate() {
            n += 1;
            let title = format!("{adjective} {}", f.noun);
            let step = (i as i64 % 4) * 500;
            let variants = f
                .values
                .iter()
                .enumerate()
                .map(|(vi, value)| {
                    let cents = f.base_cents + step + vi as i64 * 200;
                    NewVariant {
                        title: Some(value.to_string()),
                        sku: Some(format!(
                            "DEMO-{n:03}-{}",
                            value.replace(' ', "").to_uppercase()
                        )),
                        manage_inventory: true,
                        options: [(f.option.to_string(), value.to_string())]
                            .into_iter()
                            .collect(),
                        prices: vec![
                            NewPrice {
                                currency_code: "eur".into(),
                                amount: Decimal::new(cents, 2),
                                region_id: None,
                                min_quantity: None,
                                max_quantity: None,
                            },
                            NewPrice {
                                currency_code: "usd".into(),
                                amount: Decimal::new(cents + 300, 2),
                                region_id: None,
                                min_quantity: None,
                                max_quantity: None,
                            },
                            NewPrice {
                                currency_code: "eur".into(),
                                amount: Decimal::new(cents * 9 / 10, 2),
                                region_id: None,
                                min_quantity: Some(10),
                                max_quantity: None,
                            },
                        ],
                        ..Default::default()
                    }
                })
                .collect();
            let mut tags = Vec::new();
            if i % 3 == 0 {
                tags.push(tag_new.clone());
            }
            if adjective.contains("Organic")
                || adjective.contains("Canvas")
                || adjective.contains("Linen")
            {
                tags.push(tag_eco.clone());
            }
            let handle = handle(adjective, f.noun);
            let bundle = core
                .catalog
                .create(NewProduct {
                    title: title.clone(),
                    subtitle: Some(format!("{} from the {} range", f.noun, f.parent.to_lowercase())),
                    description: Some(format!("The {title}: a demo product of Merx, priced in euros and dollars, in three {}s.", f.option.to_lowercase())),
                    handle: Some(handle.clone()),
                    status: Some(ProductStatus::Published),
                    thumbnail: Some(images::url(public_url, &handle)),
                    images: vec![images::url(public_url, &handle), images::url(public_url, &format!("{handle}-2"))],
                    options: vec![(f.option.to_string(), f.values.iter().map(|v| v.to_string()).collect())],
                    variants,
                    collection_id: Some(collections[n as usize % collections.len()].clone()),
                    type_id: types.get(f.type_value).cloned(),
                    tag_ids: tags,
                    category_ids: vec![category.id.clone()],
                    sales_channel_ids: vec![channel.id.clone()],
                    physical: crate::catalog::Physical { weight: Some(200 + 50 * i as i64), ..Default::default() },
                    ..Default::default()
                })
                .await?;
            if n % 5 == 0 {
                for v in &bundle.variants {
                    let cents = f.base_cents + step + v.variant.variant_rank * 200;
                    sale_prices.push((
                        v.variant.id.clone(),
                        NewPrice {
                            currency_code: "eur".into(),
                            amount: Decimal::new(cents * 8 / 10, 2),
                            region_id: None,
                            min_quantity: None,
                            max_quantity: None,
                        },
                    ));
                }
            }
        }
    }
    // Stock: one warehouse serving the web shop, every variant stocked.
    let warehouse = core
        .inventory
        .create_location(
            "Main warehouse",
            Some(crate::inventory::LocationAddress {
                city: Some("Berlin".into()),
                country_code: Some("de".into()),
                address_1: Some("Lagerstraße 1".into()),
                ..Default::default()
            }),
            None,
        )
        .await?;
    core.inventory
        .link_channels(&warehouse.id, std::slice::from_ref(&channel.id), &[])
        .await?;
    let items = core
        .inventory
        .items(
            &[],
            merx_types::PageRequest {
                limit: 1000,
                offset: 0,
            },
        )
        .await?;
    for (i, item) in items.items.iter().enumerate() {
        let change = crate::inventory::Change::new("demo stock", None);
        core.inventory
            .create_level(
                &item.id,
                &warehouse.id,
                20 + (i as i64 * 7) % 80,
                0,
                &change,
            )
            .await?;
    }
    // Shipping: standard and express in Europe, standard in North America.
    use crate::shipping::{NewShippingOption, PriceType};
    for (region, name, price_type, amount, per_item) in [
        (&europe.id, "Standard Shipping", PriceType::Flat, 499, None),
        (
            &europe.id,
            "Express Shipping",
            PriceType::Calculated,
            999,
            Some(100),
        ),
        (&america.id, "Standard Shipping", PriceType::Flat, 599, None),
    ] {
        core.shipping
            .create_option(NewShippingOption {
                name: name.into(),
                region_id: region.clone(),
                stock_location_id: Some(warehouse.id.clone()),
                price_type: Some(price_type),
                amount: Some(amount),
                data: per_item.map(|p: i64| serde_json::json!({"per_item": p})),
                type_description: Some(
                    if per_item.is_some() {
                        "Next day; priced per item"
                    } else {
                        "2-3 days"
                    }
                    .into(),
                ),
                ..Default::default()
            })
            .await?;
    }
    core.pricing
        .create_list(NewPriceList {
            title: "Winter sale".into(),
            description: "20% off every fifth product, in euros".into(),
            list_type: PriceListType::Sale,
            active: true,
            starts_at: None,
            ends_at: None,
            customer_group_ids: Vec::new(),
            metadata: None,
            prices: sale_prices,
        })
        .await?;
    Ok(DemoReport {
        store_name: store.name,
        publishable_key: token,
        products: n,
        regions: vec![(europe.name, europe.id), (america.name, america.id)],
    })
}

/// Moves every demo image URL (Merx's own at another public URL, or an older version's
/// third-party ones) to `public_url`; products whose images are already there, or are not the
/// demo's, are left alone.
async fn repoint_images(core: &Core, public_url: &str) -> CoreResult<()> {
    let ids = core
        .catalog
        .list_ids(
            &Default::default(),
            merx_types::PageRequest {
                limit: 10_000,
                offset: 0,
            },
        )
        .await?
        .items;
    let relations = crate::catalog::Relations {
        images: true,
        ..Default::default()
    };
    let moved = |url: &str| images::name_in(url).map(|name| images::url(public_url, name));
    for bundle in core.catalog.load(&ids, relations).await? {
        let thumbnail = bundle.product.thumbnail.as_deref().and_then(moved);
        let urls: Vec<String> = bundle
            .images
            .iter()
            .map(|i| moved(&i.url).unwrap_or_else(|| i.url.clone()))
            .collect();
        let thumbnail_moves = thumbnail.is_some() && thumbnail != bundle.product.thumbnail;
        let images_move = bundle.images.iter().zip(&urls).any(|(i, u)| &i.url != u);
        if !thumbnail_moves && !images_move {
            continue;
        }
        core.catalog
            .update(
                &bundle.product.id,
                crate::catalog::ProductChanges {
                    thumbnail: thumbnail_moves.then_some(thumbnail),
                    images: images_move.then_some(urls),
                    ..Default::default()
                },
            )
            .await?;
    }
    Ok(())
}
