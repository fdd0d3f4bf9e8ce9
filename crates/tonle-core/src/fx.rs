//! Conversion to a base currency through a dated table of exchange rates, exactly.

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;

use crate::currency::Currency;
use crate::decimal::{Decimal, DecimalError};
use crate::money::{div_round_half_even, Money};

/// An exchange rate as an exact positive fraction: one major unit of one currency buys
/// `numerator / denominator` major units of another.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FxRate {
    numerator: i128,
    denominator: i128,
}

/// Why a rate could not be read or an amount not converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FxError {
    /// The rate text is not a decimal.
    #[error("exchange rate {0}")]
    Rate(#[from] DecimalError),
    /// Rates must be above zero.
    #[error("exchange rate {0:?} must be greater than zero")]
    NotPositive(String),
    /// A rate that involves neither side of the table's base currency.
    #[error("rate {from}->{to} does not involve the base currency {base}")]
    NotBase {
        /// The rate's source currency.
        from: Currency,
        /// The rate's target currency.
        to: Currency,
        /// The table's base.
        base: Currency,
    },
    /// No rate on or before the date.
    #[error("no {currency}->{base} rate on or before {date}")]
    NoRate {
        /// The currency to convert.
        currency: Currency,
        /// The table's base.
        base: Currency,
        /// The day of the amount.
        date: NaiveDate,
    },
    /// The converted amount does not fit 64-bit minor units.
    #[error("converting {0} overflows")]
    Overflow(Money),
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

impl FxRate {
    /// Reads a positive decimal rate such as `4100` or `0.000244` or `6.5e4`.
    pub fn parse(text: &str) -> Result<FxRate, FxError> {
        let decimal = Decimal::parse(text)?;
        if decimal.negative || decimal.mantissa == 0 {
            return Err(FxError::NotPositive(text.to_owned()));
        }
        let overflow = || FxError::Rate(DecimalError::Overflow(text.to_owned()));
        let mantissa = i128::try_from(decimal.mantissa).map_err(|_| overflow())?;
        let power = 10i128.checked_pow(decimal.scale.unsigned_abs()).ok_or_else(overflow)?;
        let (numerator, denominator) =
            if decimal.scale >= 0 { (mantissa, power) } else { (mantissa.checked_mul(power).ok_or_else(overflow)?, 1) };
        Ok(FxRate::fraction(numerator, denominator))
    }

    fn fraction(numerator: i128, denominator: i128) -> FxRate {
        let divisor = gcd(numerator, denominator).max(1);
        FxRate { numerator: numerator / divisor, denominator: denominator / divisor }
    }

    /// The rate the other way round.
    pub fn inverse(&self) -> FxRate {
        FxRate { numerator: self.denominator, denominator: self.numerator }
    }
}

impl fmt::Debug for FxRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.numerator, self.denominator)
    }
}

/// Dated exchange rates into one base currency. A conversion uses the latest rate dated on or before the
/// amount's day, and rounds half to even to the base currency's minor unit.
#[derive(Debug, Clone)]
pub struct FxTable {
    base: Currency,
    /// Per currency: (day, value of one unit in base units), sorted by day.
    rates: HashMap<Currency, Vec<(NaiveDate, FxRate)>>,
}

impl FxTable {
    /// An empty table converting into `base`.
    pub fn new(base: Currency) -> FxTable {
        FxTable { base, rates: HashMap::new() }
    }

    /// The base currency.
    pub fn base(&self) -> Currency {
        self.base
    }

    /// Records that on `date` one `from` bought `rate` units of `to`; either side must be the base
    /// (`USD->KHR 4100` and `KHR->USD 0.000244` both work). A later insert for the same day replaces the earlier.
    pub fn insert(&mut self, date: NaiveDate, from: Currency, to: Currency, rate: FxRate) -> Result<(), FxError> {
        let (currency, in_base) = if to == self.base {
            (from, rate)
        } else if from == self.base {
            (to, rate.inverse())
        } else {
            return Err(FxError::NotBase { from, to, base: self.base });
        };
        let series = self.rates.entry(currency).or_default();
        match series.binary_search_by_key(&date, |(day, _)| *day) {
            Ok(i) => series[i].1 = in_base,
            Err(i) => series.insert(i, (date, in_base)),
        }
        Ok(())
    }

    /// Every rate it holds, by currency code and day: the same list for the same rates, however they were
    /// inserted.
    pub fn entries(&self) -> Vec<(Currency, NaiveDate, FxRate)> {
        let mut entries: Vec<(Currency, NaiveDate, FxRate)> = self
            .rates
            .iter()
            .flat_map(|(currency, series)| series.iter().map(|(day, rate)| (*currency, *day, *rate)))
            .collect();
        entries.sort_by(|a, b| (a.0.code(), a.1).cmp(&(b.0.code(), b.1)));
        entries
    }

    /// The value of one unit of `currency` in base units on `date`.
    pub fn rate_on(&self, currency: Currency, date: NaiveDate) -> Result<FxRate, FxError> {
        if currency == self.base {
            return Ok(FxRate { numerator: 1, denominator: 1 });
        }
        let no_rate = || FxError::NoRate { currency, base: self.base, date };
        let series = self.rates.get(&currency).ok_or_else(no_rate)?;
        let after = series.partition_point(|(day, _)| *day <= date);
        after.checked_sub(1).map(|i| series[i].1).ok_or_else(no_rate)
    }

    /// Converts an amount on a day into the base currency.
    pub fn to_base(&self, money: Money, date: NaiveDate) -> Result<Money, FxError> {
        let rate = self.rate_on(money.currency(), date)?;
        let overflow = || FxError::Overflow(money);
        let base_unit = 10i128.pow(u32::from(self.base.exponent()));
        let money_unit = 10i128.pow(u32::from(money.currency().exponent()));
        let numerator = i128::from(money.minor())
            .checked_mul(rate.numerator)
            .and_then(|n| n.checked_mul(base_unit))
            .ok_or_else(overflow)?;
        let denominator = rate.denominator.checked_mul(money_unit).ok_or_else(overflow)?;
        let minor = i64::try_from(div_round_half_even(numerator, denominator)).map_err(|_| overflow())?;
        Ok(Money::from_minor(minor, self.base))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
    }

    fn table() -> FxTable {
        let mut fx = FxTable::new(Currency::USD);
        fx.insert(day(1), Currency::USD, Currency::KHR, FxRate::parse("4000").unwrap()).unwrap();
        fx.insert(day(10), Currency::USD, Currency::KHR, FxRate::parse("4100").unwrap()).unwrap();
        fx.insert(day(1), Currency::BTC, Currency::USD, FxRate::parse("60000.50").unwrap()).unwrap();
        fx.insert(day(1), Currency::VND, Currency::USD, FxRate::parse("0.00004").unwrap()).unwrap();
        fx
    }

    #[test]
    fn converts_exactly_with_the_dated_rate() {
        let fx = table();
        let riel = Money::parse_exact("41000", Currency::KHR).unwrap();
        assert_eq!(fx.to_base(riel, day(5)).unwrap().to_string(), "10.25 USD");
        assert_eq!(fx.to_base(riel, day(10)).unwrap().to_string(), "10.00 USD");
        assert_eq!(fx.to_base(riel, day(31)).unwrap().to_string(), "10.00 USD");
        let sats = Money::parse_exact("0.001", Currency::BTC).unwrap();
        assert_eq!(fx.to_base(sats, day(2)).unwrap().to_string(), "60.00 USD"); // 60.0005 rounds to even
        let dong = Money::parse_exact("250000", Currency::VND).unwrap();
        assert_eq!(fx.to_base(dong, day(2)).unwrap().to_string(), "10.00 USD");
        let dollars = Money::parse_exact("7.77", Currency::USD).unwrap();
        assert_eq!(fx.to_base(dollars, day(1)).unwrap(), dollars);
    }

    #[test]
    fn missing_and_invalid_rates() {
        let mut fx = table();
        let riel = Money::parse_exact("1", Currency::KHR).unwrap();
        assert!(matches!(fx.to_base(riel, NaiveDate::from_ymd_opt(2025, 2, 28).unwrap()), Err(FxError::NoRate { .. })));
        let baht = Money::parse_exact("1", Currency::THB).unwrap();
        assert!(matches!(fx.to_base(baht, day(5)), Err(FxError::NoRate { .. })));
        assert!(matches!(FxRate::parse("0"), Err(FxError::NotPositive(_))));
        assert!(matches!(FxRate::parse("-1"), Err(FxError::NotPositive(_))));
        let rate = FxRate::parse("1").unwrap();
        assert!(matches!(fx.insert(day(1), Currency::KHR, Currency::THB, rate), Err(FxError::NotBase { .. })));
        fx.insert(day(1), Currency::TRX, Currency::USD, FxRate::parse("1e15").unwrap()).unwrap();
        let huge = Money::from_minor(i64::MAX, Currency::TRX);
        assert!(matches!(fx.to_base(huge, day(2)), Err(FxError::Overflow(_))));
    }
}
