//! Exact money. Amounts are stored as integer minor units of a currency and computed with decimals;
//! rounding is half away from zero to the currency's precision, once per line, so that the sum of
//! rounded lines is the total a payment provider charges.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::{Currency, DomainError};

/// The largest amount, in minor units, that a line, a cart or an order may come to: 10^15 (ten
/// trillion euros, a quadrillion yen). Far inside i64, so a sum of bounded parts with taxes of at
/// most 100 % cannot wrap; anything larger is refused as a client's mistake.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// `unit_price × quantity` when it is within [`MAX_AMOUNT`].
pub fn line_amount(unit_price: i64, quantity: i64) -> Option<i64> {
    unit_price
        .checked_mul(quantity)
        .filter(|a| (-MAX_AMOUNT..=MAX_AMOUNT).contains(a))
}

/// An amount in minor units of a currency (`2499` EUR is €24.99).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    pub minor: i64,
    pub currency: &'static Currency,
}

impl Money {
    pub fn new(minor: i64, currency: &'static Currency) -> Self {
        Self { minor, currency }
    }

    /// Parses a currency code and a major-unit amount as a client sends it (`24.99`). An amount with
    /// more digits than the currency has is refused rather than silently rounded, and so is one
    /// beyond [`MAX_AMOUNT`].
    pub fn from_major(amount: Decimal, currency_code: &str) -> Result<Self, DomainError> {
        let currency = Currency::find(currency_code).ok_or_else(|| {
            DomainError::invalid(format!("Unknown currency code: {currency_code}"))
        })?;
        let minor = major_to_minor_exact(amount, currency.decimal_digits).ok_or_else(|| {
            DomainError::invalid(format!(
                "Amount {amount} has more than {} decimal digits for {}",
                currency.decimal_digits,
                currency.code.to_uppercase()
            ))
        })?;
        if !(-MAX_AMOUNT..=MAX_AMOUNT).contains(&minor) {
            return Err(DomainError::invalid(format!(
                "Amount {amount} is larger than the largest Merx handles"
            )));
        }
        Ok(Self { minor, currency })
    }

    /// The amount in major units, exactly (`24.99`).
    pub fn to_major(&self) -> Decimal {
        minor_to_major(self.minor, self.currency.decimal_digits)
    }
}

/// `2499` with 2 digits is `24.99`.
pub fn minor_to_major(minor: i64, digits: u32) -> Decimal {
    Decimal::new(minor, digits)
}

/// `24.99` with 2 digits is `2499`; `None` if the amount needs more digits or overflows.
pub fn major_to_minor_exact(major: Decimal, digits: u32) -> Option<i64> {
    let scaled = major.checked_mul(Decimal::from(10i64.checked_pow(digits)?))?;
    if scaled.fract() != Decimal::ZERO {
        return None;
    }
    i64::try_from(scaled).ok()
}

/// Rounds a major-unit decimal to minor units, half away from zero (`0.125` → `13` at 2 digits).
pub fn round_to_minor(major: Decimal, digits: u32) -> Option<i64> {
    let rounded = major.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero);
    major_to_minor_exact(rounded, digits)
}

/// Rounds a minor-unit decimal (e.g. a tax computed on minor units) to a whole minor unit.
pub fn round_minor(minor: Decimal) -> Option<i64> {
    i64::try_from(minor.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    #[test]
    fn major_and_minor_convert_exactly_per_precision() {
        let eur = Money::from_major(Decimal::from_str("24.99").unwrap(), "EUR").unwrap();
        assert_eq!(eur.minor, 2499);
        assert_eq!(eur.to_major().to_string(), "24.99");
        let jpy = Money::from_major(Decimal::from(1500), "jpy").unwrap();
        assert_eq!(jpy.minor, 1500);
        let kwd = Money::from_major(Decimal::from_str("1.005").unwrap(), "kwd").unwrap();
        assert_eq!(kwd.minor, 1005);
    }

    #[test]
    fn too_many_digits_and_unknown_currencies_are_refused() {
        assert!(Money::from_major(Decimal::from_str("1.001").unwrap(), "eur").is_err());
        assert!(Money::from_major(Decimal::from_str("1.5").unwrap(), "jpy").is_err());
        assert!(Money::from_major(Decimal::ONE, "zzz").is_err());
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(
            round_to_minor(Decimal::from_str("0.125").unwrap(), 2),
            Some(13)
        );
        assert_eq!(
            round_to_minor(Decimal::from_str("-0.125").unwrap(), 2),
            Some(-13)
        );
        assert_eq!(
            round_to_minor(Decimal::from_str("0.5").unwrap(), 0),
            Some(1)
        );
        assert_eq!(round_minor(Decimal::from_str("2.5").unwrap()), Some(3));
        assert_eq!(round_minor(Decimal::from_str("2.4999").unwrap()), Some(2));
    }

    proptest! {
        #[test]
        fn minor_major_round_trip(minor in -1_000_000_000_000i64..1_000_000_000_000i64, digits in 0u32..=3) {
            let major = minor_to_major(minor, digits);
            prop_assert_eq!(major_to_minor_exact(major, digits), Some(minor));
            prop_assert_eq!(round_to_minor(major, digits), Some(minor));
        }
    }
}
