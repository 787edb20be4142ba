//! Tax, as pure functions: which rates apply to an item, and the tax of a line rounded to the
//! currency's minor unit. Rounding happens once per tax line, so an order's tax is the sum of its
//! lines' and its total is what a payment provider charges (unlike Medusa #14817).
//!
//! Rate choice for a place (country, optional province) follows Medusa's tax module: a province's
//! rates (its override for the item, else its default) come before the country's; a combinable
//! province rate also takes the country's rate for the item.

use rust_decimal::Decimal;

/// What an override rate applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateTarget {
    Product(String),
    ProductType(String),
    ProductCategory(String),
}

/// A tax rate as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    pub id: String,
    pub name: String,
    pub code: String,
    /// Percent, e.g. `20` or `8.875`.
    pub rate: Decimal,
    pub is_default: bool,
    pub is_combinable: bool,
    /// Empty for a default rate.
    pub targets: Vec<RateTarget>,
}

/// The rates of one tax region.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RegionRates {
    pub rates: Vec<Rate>,
}

/// What is being taxed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Taxable {
    pub product_id: String,
    pub product_type_id: Option<String>,
    pub category_ids: Vec<String>,
}

/// How closely an override rate targets `item`: 0 by product, 1 by product type, 2 by category;
/// `None` when it does not apply to it.
fn specificity(rate: &Rate, item: &Taxable) -> Option<u8> {
    rate.targets
        .iter()
        .filter_map(|t| match t {
            RateTarget::Product(id) => (*id == item.product_id).then_some(0),
            RateTarget::ProductType(id) => {
                (item.product_type_id.as_deref() == Some(id.as_str())).then_some(1)
            }
            RateTarget::ProductCategory(id) => item.category_ids.contains(id).then_some(2),
        })
        .min()
}

fn default_rate(region: &RegionRates) -> Option<&Rate> {
    region.rates.iter().find(|r| r.is_default)
}

/// The region's override rate that targets `item` most closely (the first of equals).
fn best_override<'a>(region: &'a RegionRates, item: &Taxable) -> Option<&'a Rate> {
    region
        .rates
        .iter()
        .filter(|r| !r.is_default)
        .filter_map(|r| specificity(r, item).map(|s| (s, r)))
        .min_by_key(|(s, _)| *s)
        .map(|(_, r)| r)
}

/// The rates that apply to `item` given the province's and the country's tax regions.
///
/// As Medusa's tax module ranks them: the province's override (by product, then product type,
/// then category), the province's default, the country's override, the country's default. One rate
/// applies; a combinable province rate also takes the country's best rate for the item.
pub fn applicable_rates(
    province: Option<&RegionRates>,
    country: Option<&RegionRates>,
    item: &Taxable,
) -> Vec<Rate> {
    let country_best = || country.and_then(|c| best_override(c, item).or_else(|| default_rate(c)));
    if let Some(chosen) = province.and_then(|p| best_override(p, item).or_else(|| default_rate(p)))
    {
        let mut out = vec![chosen.clone()];
        if chosen.is_combinable {
            out.extend(country_best().cloned());
        }
        return out;
    }
    country_best().cloned().into_iter().collect()
}

/// Tax of one line, in minor units, per rate (same order as `rates`).
///
/// `amount` is the line's amount in minor units: before tax when `inclusive` is false, including
/// tax when it is true. The result's sum is the line's tax; for inclusive prices the line's
/// subtotal is `amount − Σ tax`.
pub fn line_tax(amount: i64, rates: &[Decimal], inclusive: bool) -> Vec<i64> {
    if rates.is_empty() || amount == 0 {
        return vec![0; rates.len()];
    }
    let hundred = Decimal::from(100);
    let amount_d = Decimal::from(amount);
    if !inclusive {
        return rates
            .iter()
            .map(|r| crate::money_round(amount_d * *r / hundred))
            .collect();
    }
    // Inclusive: net = gross / (1 + Σr); the tax is gross − net, rounded once, then shared out
    // across the rates in proportion, with the rounding remainder on the last rate.
    let total_rate: Decimal = rates.iter().copied().sum();
    if total_rate.is_zero() {
        return vec![0; rates.len()];
    }
    let net = amount_d / (Decimal::ONE + total_rate / hundred);
    let tax_total = crate::money_round(amount_d - net);
    let mut shares = Vec::with_capacity(rates.len());
    let mut given = 0i64;
    for (i, r) in rates.iter().enumerate() {
        if i + 1 == rates.len() {
            shares.push(tax_total - given);
        } else {
            let share = crate::money_round(Decimal::from(tax_total) * *r / total_rate);
            given += share;
            shares.push(share);
        }
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn rate(
        id: &str,
        pct: &str,
        default: bool,
        combinable: bool,
        targets: Vec<RateTarget>,
    ) -> Rate {
        Rate {
            id: id.into(),
            name: id.into(),
            code: id.into(),
            rate: Decimal::from_str(pct).unwrap(),
            is_default: default,
            is_combinable: combinable,
            targets,
        }
    }

    #[test]
    fn overrides_beat_defaults_and_provinces_beat_countries() {
        let country = RegionRates {
            rates: vec![
                rate("de_std", "19", true, false, vec![]),
                rate(
                    "de_books",
                    "7",
                    false,
                    false,
                    vec![RateTarget::ProductType("ptyp_books".into())],
                ),
            ],
        };
        let book = Taxable {
            product_id: "p1".into(),
            product_type_id: Some("ptyp_books".into()),
            category_ids: vec![],
        };
        let shirt = Taxable {
            product_id: "p2".into(),
            ..Default::default()
        };
        assert_eq!(
            applicable_rates(None, Some(&country), &book)[0].id,
            "de_books"
        );
        assert_eq!(
            applicable_rates(None, Some(&country), &shirt)[0].id,
            "de_std"
        );

        let ca = RegionRates {
            rates: vec![rate("gst", "5", true, false, vec![])],
        };
        let qc = RegionRates {
            rates: vec![rate("qst", "9.975", true, true, vec![])],
        };
        let ids: Vec<_> = applicable_rates(Some(&qc), Some(&ca), &shirt)
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(
            ids,
            ["qst", "gst"],
            "combinable province rate adds the federal one"
        );
        let on = RegionRates {
            rates: vec![rate("hst", "13", true, false, vec![])],
        };
        let ids: Vec<_> = applicable_rates(Some(&on), Some(&ca), &shirt)
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, ["hst"]);
        assert!(applicable_rates(None, None, &shirt).is_empty());
    }

    /// Medusa's ranking: the province's rates before the country's, a product rule before a
    /// product type rule, one rate (a combinable province rate adds the country's for the item).
    #[test]
    fn provinces_rank_before_countries_and_products_before_types() {
        let hoodie = Taxable {
            product_id: "prod_hoodie".into(),
            product_type_id: Some("ptyp_apparel".into()),
            category_ids: vec![],
        };
        let ids = |p: Option<&RegionRates>, c: Option<&RegionRates>| -> Vec<String> {
            applicable_rates(p, c, &hoodie)
                .into_iter()
                .map(|r| r.id)
                .collect()
        };
        let us = RegionRates {
            rates: vec![
                rate("us_std", "5", true, false, vec![]),
                rate(
                    "us_apparel",
                    "2",
                    false,
                    false,
                    vec![RateTarget::ProductType("ptyp_apparel".into())],
                ),
            ],
        };
        let mut ca = RegionRates {
            rates: vec![rate("ca_std", "7.25", true, false, vec![])],
        };
        assert_eq!(ids(None, Some(&us)), ["us_apparel"]);
        assert_eq!(
            ids(Some(&ca), Some(&us)),
            ["ca_std"],
            "the province's default beats the country's override"
        );
        ca.rates.push(rate(
            "ca_apparel",
            "1",
            false,
            false,
            vec![RateTarget::ProductType("ptyp_apparel".into())],
        ));
        ca.rates.push(rate(
            "ca_hoodie",
            "0",
            false,
            false,
            vec![RateTarget::Product("prod_hoodie".into())],
        ));
        assert_eq!(ids(Some(&ca), Some(&us)), ["ca_hoodie"], "one rate applies");
        ca.rates = vec![rate("ca_std", "7.25", true, true, vec![])];
        assert_eq!(
            ids(Some(&ca), Some(&us)),
            ["ca_std", "us_apparel"],
            "combinable: the country's rate for the item joins"
        );
        assert_eq!(ids(Some(&ca), None), ["ca_std"]);
        assert!(ids(None, None).is_empty());
    }

    #[test]
    fn exclusive_and_inclusive_line_tax_round_half_away_from_zero() {
        let r = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(line_tax(1000, &[r("20")], false), vec![200]);
        assert_eq!(line_tax(1, &[r("50")], false), vec![1], "0.5 rounds up");
        // 12.00 gross at 20% inclusive: net 10.00, tax 2.00.
        assert_eq!(line_tax(1200, &[r("20")], true), vec![200]);
        // 34.116425-style amounts never appear: everything is whole minor units.
        let t = line_tax(2843, &[r("20")], false);
        assert_eq!(t, vec![569]);
        let shares = line_tax(1000, &[r("5"), r("9.975")], true);
        assert_eq!(shares.iter().sum::<i64>(), 130);
    }

    proptest! {
        /// For random lines in 0-, 2- and 3-decimal currencies, the cart's tax is the sum of its
        /// lines' rounded taxes, the total is subtotal + tax, every amount is a whole minor unit,
        /// and rounding never drifts more than half a minor unit per tax line from the exact tax.
        #[test]
        fn cart_totals_are_the_sum_of_rounded_lines(
            lines in proptest::collection::vec((1i64..100_000, 1i64..20, 0u32..3000), 1..20),
            inclusive in any::<bool>(),
            digits in prop_oneof![Just(0u32), Just(2u32), Just(3u32)],
        ) {
            let _ = digits; // amounts are already minor units of a currency with `digits` decimals
            let mut subtotal = 0i64;
            let mut tax_total = 0i64;
            let mut total = 0i64;
            let mut exact_tax = Decimal::ZERO;
            for (unit, qty, bp) in &lines {
                let rate = Decimal::new(*bp as i64, 2); // 0.00% .. 29.99%
                let amount = unit * qty;
                let taxes = line_tax(amount, &[rate], inclusive);
                let tax: i64 = taxes.iter().sum();
                let (line_sub, line_total) = if inclusive { (amount - tax, amount) } else { (amount, amount + tax) };
                prop_assert_eq!(line_sub + tax, line_total);
                subtotal += line_sub;
                tax_total += tax;
                total += line_total;
                let a = Decimal::from(amount);
                exact_tax += if inclusive { a - a / (Decimal::ONE + rate / Decimal::from(100)) } else { a * rate / Decimal::from(100) };
            }
            prop_assert_eq!(subtotal + tax_total, total);
            let drift = (Decimal::from(tax_total) - exact_tax).abs();
            prop_assert!(drift <= Decimal::new(5, 1) * Decimal::from(lines.len() as i64));
        }
    }
}
