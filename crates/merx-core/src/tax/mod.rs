//! Tax: tax regions per country and province, default and override rates, and the pure
//! calculation of tax lines in [`calc`].

pub mod calc;
