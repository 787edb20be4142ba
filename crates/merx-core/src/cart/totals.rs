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

pub fn line(l: &Line) -> LineTotals {
    let rates: Vec<Decimal> = l.rates.iter().map(|r| r.rate).collect();
    let taxes = line_tax(l.amount, &rates, l.inclusive);
    let tax_total: i64 = taxes.iter().sum();
    let (subtotal, total) = if l.inclusive {
        (l.amount - tax_total, l.amount)
    } else {
        (l.amount, l.amount + tax_total)
    };
    LineTotals {
        subtotal,
        tax_total,
        total,
        tax_lines: l.rates.iter().cloned().zip(taxes).collect(),
    }
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

pub fn totals(items: &[LineTotals], shipping: &[LineTotals]) -> Totals {
    let sum = |ls: &[LineTotals], f: fn(&LineTotals) -> i64| ls.iter().map(f).sum::<i64>();
    let (item_subtotal, item_tax_total, item_total) = (
        sum(items, |l| l.subtotal),
        sum(items, |l| l.tax_total),
        sum(items, |l| l.total),
    );
    let (shipping_subtotal, shipping_tax_total, shipping_total) = (
        sum(shipping, |l| l.subtotal),
        sum(shipping, |l| l.tax_total),
        sum(shipping, |l| l.total),
    );
    Totals {
        item_subtotal,
        item_tax_total,
        item_total,
        shipping_subtotal,
        shipping_tax_total,
        shipping_total,
        subtotal: item_subtotal + shipping_subtotal,
        tax_total: item_tax_total + shipping_tax_total,
        total: item_total + shipping_total,
    }
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
        });
        assert_eq!(
            (item.subtotal, item.tax_total, item.total),
            (10000, 600, 10600)
        );
        let ship = line(&Line {
            amount: 1000,
            inclusive: false,
            rates: vec![],
        });
        let t = totals(&[item], &[ship]);
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
            let items: Vec<LineTotals> = items.iter().map(|(u, q, r, inc)| line(&Line { amount: u * q, inclusive: *inc, rates: vec![rate(*r, 3)] })).collect();
            let ship: Vec<LineTotals> = ship.iter().map(|(a, r, inc)| line(&Line { amount: *a, inclusive: *inc, rates: vec![rate(*r, 3)] })).collect();
            let t = totals(&items, &ship);
            prop_assert_eq!(t.total, items.iter().chain(ship.iter()).map(|l| l.total).sum::<i64>());
            prop_assert_eq!(t.subtotal + t.tax_total, t.total);
            for l in items.iter().chain(ship.iter()) {
                prop_assert_eq!(l.subtotal + l.tax_total, l.total);
                prop_assert_eq!(l.tax_lines.iter().map(|(_, a)| a).sum::<i64>(), l.tax_total);
            }
        }
    }
}
