//! Cart and order totals with Medusa's field semantics, as pure functions over whole minor units.
//! Each tax line is rounded once; every total is a sum of rounded parts, so `total` is exactly what
//! a payment provider charges.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::tax::calc::line_tax;

/// A tax rate applied to a line (kept on orders as their tax lines).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedRate {
    pub rate_id: String,
    pub code: String,
    pub name: String,
    /// Percent.
    pub rate: Decimal,
}

/// A priced line (an item or a shipping method).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// unit price × quantity, minor units.
    pub amount: i64,
    pub inclusive: bool,
    pub rates: Vec<AppliedRate>,
}

/// A line's totals and its rounded tax lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineTotals {
    pub subtotal: i64,
    pub tax_total: i64,
    pub total: i64,
    pub tax_lines: Vec<(AppliedRate, i64)>,
}

/// An amount too large to add up exactly: a client's mistake (a huge quantity or price), refused
/// rather than wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge;

impl From<TooLarge> for merx_types::DomainError {
    fn from(_: TooLarge) -> Self {
        merx_types::DomainError::invalid(format!(
            "The amount is larger than the largest Merx handles ({} minor units)",
            merx_types::money::MAX_AMOUNT
        ))
    }
}

fn sum(parts: impl IntoIterator<Item = i64>) -> Result<i64, TooLarge> {
    parts
        .into_iter()
        .try_fold(0i64, |acc, x| acc.checked_add(x))
        .ok_or(TooLarge)
}

pub fn line(l: &Line) -> Result<LineTotals, TooLarge> {
    let rates: Vec<Decimal> = l.rates.iter().map(|r| r.rate).collect();
    let taxes = line_tax(l.amount, &rates, l.inclusive);
    let tax_total = sum(taxes.iter().copied())?;
    let (subtotal, total) = if l.inclusive {
        (l.amount.checked_sub(tax_total).ok_or(TooLarge)?, l.amount)
    } else {
        (l.amount, l.amount.checked_add(tax_total).ok_or(TooLarge)?)
    };
    Ok(LineTotals {
        subtotal,
        tax_total,
        total,
        tax_lines: l.rates.iter().cloned().zip(taxes).collect(),
    })
}

/// Every `*_total` a cart or order carries (discounts and credit lines are zero until promotions land).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub item_subtotal: i64,
    pub item_tax_total: i64,
    pub item_total: i64,
    pub shipping_subtotal: i64,
    pub shipping_tax_total: i64,
    pub shipping_total: i64,
    pub subtotal: i64,
    pub tax_total: i64,
    pub total: i64,
}

pub fn totals(items: &[LineTotals], shipping: &[LineTotals]) -> Result<Totals, TooLarge> {
    let of = |ls: &[LineTotals], f: fn(&LineTotals) -> i64| sum(ls.iter().map(f));
    let (item_subtotal, item_tax_total, item_total) = (
        of(items, |l| l.subtotal)?,
        of(items, |l| l.tax_total)?,
        of(items, |l| l.total)?,
    );
    let (shipping_subtotal, shipping_tax_total, shipping_total) = (
        of(shipping, |l| l.subtotal)?,
        of(shipping, |l| l.tax_total)?,
        of(shipping, |l| l.total)?,
    );
    Ok(Totals {
        item_subtotal,
        item_tax_total,
        item_total,
        shipping_subtotal,
        shipping_tax_total,
        shipping_total,
        subtotal: sum([item_subtotal, shipping_subtotal])?,
        tax_total: sum([item_tax_total, shipping_tax_total])?,
        total: sum([item_total, shipping_total])?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rate(pct: i64, scale: u32) -> AppliedRate {
        AppliedRate {
            rate_id: "r".into(),
            code: "c".into(),
            name: "n".into(),
            rate: Decimal::new(pct, scale),
        }
    }

    #[test]
    fn medusa_example_without_discount() {
        let item = line(&Line {
            amount: 10000,
            inclusive: false,
            rates: vec![rate(6, 0)],
        })
        .unwrap();
        assert_eq!(
            (item.subtotal, item.tax_total, item.total),
            (10000, 600, 10600)
        );
        let ship = line(&Line {
            amount: 1000,
            inclusive: false,
            rates: vec![],
        })
        .unwrap();
        let t = totals(&[item], &[ship]).unwrap();
        assert_eq!((t.subtotal, t.tax_total, t.total), (11000, 600, 11600));
    }

    proptest! {
        /// Totals equal the sum of the rounded lines, in 0-, 2- and 3-decimal currencies alike
        /// (amounts are minor units of any of them), inclusive or not.
        #[test]
        fn totals_are_sums_of_rounded_lines(
            items in proptest::collection::vec((1i64..10_000_000, 1i64..50, 0i64..30_000, any::<bool>()), 1..15),
            ship in proptest::collection::vec((0i64..100_000, 0i64..30_000, any::<bool>()), 0..3),
        ) {
            let items: Vec<LineTotals> = items.iter().map(|(u, q, r, inc)| line(&Line { amount: u * q, inclusive: *inc, rates: vec![rate(*r, 3)] }).unwrap()).collect();
            let ship: Vec<LineTotals> = ship.iter().map(|(a, r, inc)| line(&Line { amount: *a, inclusive: *inc, rates: vec![rate(*r, 3)] }).unwrap()).collect();
            let t = totals(&items, &ship).unwrap();
            prop_assert_eq!(t.total, items.iter().chain(ship.iter()).map(|l| l.total).sum::<i64>());
            prop_assert_eq!(t.subtotal + t.tax_total, t.total);
            for l in items.iter().chain(ship.iter()) {
                prop_assert_eq!(l.subtotal + l.tax_total, l.total);
                prop_assert_eq!(l.tax_lines.iter().map(|(_, a)| a).sum::<i64>(), l.tax_total);
            }
        }

        /// Any amounts up to i64::MAX, with rates of 0–100 %: the totals are exact
        /// or refused as too large, never wrapped (debug builds panic on a wrap).
        #[test]
        fn extreme_amounts_are_exact_or_refused(
            items in proptest::collection::vec((0i64..=i64::MAX, 0i64..=100_000, any::<bool>()), 1..6),
            ship in proptest::collection::vec((0i64..=i64::MAX, 0i64..=100_000, any::<bool>()), 0..3),
        ) {
            let lines = |ls: &[(i64, i64, bool)]| -> Result<Vec<LineTotals>, TooLarge> {
                ls.iter().map(|(a, r, inc)| line(&Line { amount: *a, inclusive: *inc, rates: vec![rate(*r, 3)] })).collect()
            };
            let (Ok(items_t), Ok(ship_t)) = (lines(&items), lines(&ship)) else {
                return Ok(());
            };
            let exact = |ls: &[LineTotals], f: fn(&LineTotals) -> i64| ls.iter().map(|l| f(l) as i128).sum::<i128>();
            let want_total = exact(&items_t, |l| l.total) + exact(&ship_t, |l| l.total);
            match totals(&items_t, &ship_t) {
                Ok(t) => {
                    prop_assert_eq!(t.total as i128, want_total);
                    prop_assert_eq!(t.subtotal as i128 + t.tax_total as i128, t.total as i128);
                }
                Err(TooLarge) => {
                    let parts = [
                        exact(&items_t, |l| l.subtotal), exact(&items_t, |l| l.tax_total), exact(&items_t, |l| l.total),
                        exact(&ship_t, |l| l.subtotal), exact(&ship_t, |l| l.tax_total), want_total,
                        exact(&items_t, |l| l.subtotal) + exact(&ship_t, |l| l.subtotal),
                        exact(&items_t, |l| l.tax_total) + exact(&ship_t, |l| l.tax_total),
                    ];
                    prop_assert!(parts.iter().any(|p| *p > i64::MAX as i128 || *p < i64::MIN as i128), "refused though every sum fits");
                }
            }
        }

        /// Bounded lines (what carts allow) never overflow, whatever their number's taxes.
        #[test]
        fn bounded_lines_always_add_up(
            amounts in proptest::collection::vec((0i64..=merx_types::money::MAX_AMOUNT, 0i64..=100_000, any::<bool>()), 1..8),
        ) {
            let lines: Vec<LineTotals> = amounts.iter().map(|(a, r, inc)| line(&Line { amount: *a, inclusive: *inc, rates: vec![rate(*r, 3)] }).unwrap()).collect();
            prop_assert!(totals(&lines, &[]).is_ok());
        }
    }
}
