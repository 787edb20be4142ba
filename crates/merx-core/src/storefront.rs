//! What the storefront asks of several areas at once: the pricing context of a request (region,
//! currency, customer groups, tax place) and the prices of products in it, with tax when the
//! context says where the buyer is.

use std::borrow::Borrow;
use std::collections::HashMap;

use merx_types::{Currency, DomainError};
use rust_decimal::Decimal;

use crate::catalog::ProductBundle;
use crate::error::CoreResult;
use crate::pricing::{PriceContext, VariantPrice};
use crate::region::Region;
use crate::tax::calc::{applicable_rates, line_tax, RegionRates, Taxable};
use crate::Core;

/// What a request says about pricing.
#[derive(Debug, Clone, Default)]
pub struct PricingRequest {
    pub region_id: Option<String>,
    pub currency_code: Option<String>,
    pub country_code: Option<String>,
    pub province: Option<String>,
    pub customer_id: Option<String>,
    /// The customer's groups when the caller read them already (else read from `customer_id`).
    pub customer_group_ids: Option<Vec<String>>,
    pub quantity: Option<i64>,
}

/// The resolved context.
#[derive(Debug, Clone)]
pub struct ResolvedContext {
    pub region: Option<Region>,
    pub price: PriceContext,
    /// Country and province for tax, when known and the region computes tax automatically.
    pub tax_place: Option<(String, Option<String>)>,
}

/// Amounts with and without tax, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxAmounts {
    pub calculated_with_tax: i64,
    pub calculated_without_tax: i64,
    pub original_with_tax: i64,
    pub original_without_tax: i64,
}

/// A variant's price, with tax amounts when the context has a tax place.
#[derive(Debug, Clone, PartialEq)]
pub struct PricedVariant {
    pub price: VariantPrice,
    pub tax: Option<TaxAmounts>,
}

/// Resolves region (given, else the store's default), currency, customer groups and tax place.
/// `Ok(None)`: no region or currency could be found.
pub async fn resolve(core: &Core, req: &PricingRequest) -> CoreResult<Option<ResolvedContext>> {
    resolve_with(&core.store, &core.regions, &core.pricing, req).await
}

/// [`resolve`] for callers that hold the three services rather than a `Core`.
pub async fn resolve_with(
    store: &crate::store::StoreService,
    regions: &crate::region::RegionService,
    pricing: &crate::pricing::PricingService,
    req: &PricingRequest,
) -> CoreResult<Option<ResolvedContext>> {
    let region_id = match &req.region_id {
        Some(id) => Some(id.clone()),
        None if req.currency_code.is_none() => store.get().await?.and_then(|s| s.default_region_id),
        None => None,
    };
    let region = match region_id {
        Some(id) => Some(regions.get(&id).await?),
        None => None,
    };
    let currency = match (&req.currency_code, &region) {
        (Some(c), _) => Currency::find(c)
            .ok_or_else(|| DomainError::invalid(format!("Unknown currency code: {c}")))?
            .code
            .to_string(),
        (None, Some(r)) => r.currency_code.clone(),
        (None, None) => return Ok(None),
    };
    let tax_place = match (&req.country_code, &region) {
        (Some(country), Some(r)) => {
            let country = country.to_lowercase();
            if !r.countries.contains(&country) {
                return Err(DomainError::invalid(format!(
                    "Country {country} is not in region {}",
                    r.id
                ))
                .into());
            }
            r.automatic_taxes
                .then(|| (country, req.province.clone().map(|p| p.to_lowercase())))
        }
        (Some(_), None) => {
            return Err(DomainError::invalid("country_code needs a region_id").into())
        }
        _ => None,
    };
    let customer_group_ids = match (&req.customer_group_ids, &req.customer_id) {
        (Some(known), _) => known.clone(),
        (None, Some(c)) => pricing.customer_groups(c).await?,
        (None, None) => Vec::new(),
    };
    let quantity = req.quantity.unwrap_or(1);
    if quantity < 1 {
        return Err(DomainError::invalid("quantity must be at least 1").into());
    }
    let tax_inclusive = pricing
        .preferences()
        .tax_inclusive(
            region.as_ref().is_some_and(|r| r.is_tax_inclusive),
            &currency,
        )
        .await?;
    Ok(Some(ResolvedContext {
        price: PriceContext {
            currency_code: currency,
            region_id: region.as_ref().map(|r| r.id.clone()),
            quantity,
            customer_group_ids,
            tax_inclusive,
        },
        region,
        tax_place,
    }))
}

fn taxed(amount: i64, rates: &[Decimal], inclusive: bool) -> (i64, i64) {
    let tax: i64 = line_tax(amount, rates, inclusive).iter().sum();
    if inclusive {
        (amount, amount - tax)
    } else {
        (amount + tax, amount)
    }
}

/// Prices every variant of `bundles` in `ctx` (bundles need their categories loaded when the
/// context has a tax place, for category-specific rates). Prices are read as the Store shows
/// them ([`crate::pricing::PricingService::prices_shown`]).
pub async fn price_bundles<B: Borrow<ProductBundle>>(
    core: &Core,
    bundles: &[B],
    ctx: &ResolvedContext,
) -> CoreResult<HashMap<String, PricedVariant>> {
    let variant_ids: Vec<String> = bundles
        .iter()
        .flat_map(|b| b.borrow().variants.iter().map(|v| v.variant.id.clone()))
        .collect();
    let prices = core.pricing.prices_shown(&variant_ids, &ctx.price).await?;
    let place_rates: Option<(Option<RegionRates>, Option<RegionRates>)> = match &ctx.tax_place {
        Some((country, province)) => Some(
            core.tax
                .rates_for_place(country, province.as_deref())
                .await?,
        ),
        None => None,
    };
    let mut out = HashMap::with_capacity(prices.len());
    for b in bundles {
        let b = b.borrow();
        let rates: Option<Vec<Decimal>> = place_rates.as_ref().map(|(province, country)| {
            let item = Taxable {
                product_id: b.product.id.clone(),
                product_type_id: b.product.type_id.clone(),
                category_ids: b.categories.iter().map(|c| c.id.clone()).collect(),
            };
            applicable_rates(province.as_ref(), country.as_ref(), &item)
                .iter()
                .map(|r| r.rate)
                .collect()
        });
        for v in &b.variants {
            let Some(price) = prices.get(&v.variant.id) else {
                continue;
            };
            let tax = rates.as_ref().map(|rates| {
                let (cw, cwo) = taxed(price.calculated.amount, rates, price.tax_inclusive);
                let (ow, owo) = taxed(price.original.amount, rates, price.tax_inclusive);
                TaxAmounts {
                    calculated_with_tax: cw,
                    calculated_without_tax: cwo,
                    original_with_tax: ow,
                    original_without_tax: owo,
                }
            });
            out.insert(
                v.variant.id.clone(),
                PricedVariant {
                    price: price.clone(),
                    tax,
                },
            );
        }
    }
    Ok(out)
}
