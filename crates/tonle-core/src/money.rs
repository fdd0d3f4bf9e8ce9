//! Exact money: a signed count of minor units and its currency.

use std::fmt;
use std::str::FromStr;

use crate::currency::{Currency, CurrencyError};
use crate::decimal::{write_scaled, Decimal, DecimalError, Rounding};
use crate::serde_str::serde_via_str;

/// An amount of money: integer minor units (cents, riel-cents, satoshi, ...) and the currency they count.
///
/// Arithmetic is checked: adding two currencies or overflowing 64 bits is an error, never a wrap or a panic.
/// The text form is the major-unit decimal with exactly the currency's decimals and its code: `1234.50 USD`,
/// `40000000.00 KHR`, `150000 VND`, `0.00010000 BTC`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

/// Why an amount could not be made or computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The amount text is not a valid decimal for this currency.
    #[error("amount {0}")]
    Amount(#[from] DecimalError),
    /// The currency is unknown.
    #[error(transparent)]
    Currency(#[from] CurrencyError),
    /// Two amounts of different currencies were combined.
    #[error("cannot combine {0} with {1} without an exchange rate")]
    CurrencyMismatch(Currency, Currency),
    /// The result does not fit 64-bit minor units.
    #[error("amount overflow")]
    Overflow,
    /// A money text without a currency code, e.g. `12.50` instead of `12.50 USD`.
    #[error("{0:?} is not an amount with a currency (expected e.g. \"12.50 USD\")")]
    Syntax(String),
}

impl Money {
    /// Money from a count of minor units.
    pub const fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Zero in a currency.
    pub const fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    /// Parses a major-unit decimal (`"12.5"`, `"-0.01"`) exactly: more decimals than the currency has are an
    /// error unless they are zeros.
    pub fn parse_exact(amount: &str, currency: Currency) -> Result<Money, MoneyError> {
        let minor = Decimal::parse(amount)?.to_scaled(currency.exponent(), Rounding::Exact, amount)?;
        Ok(Money { minor, currency })
    }

    /// Parses a major-unit decimal, also in exponent notation (`"1.3e-05"`), rounding half to even to the
    /// currency's minor unit. For outside data written through floating point, such as `837.4000000000001`.
    pub fn parse_rounded(amount: &str, currency: Currency) -> Result<Money, MoneyError> {
        let minor = Decimal::parse(amount)?.to_scaled(currency.exponent(), Rounding::HalfEven, amount)?;
        Ok(Money { minor, currency })
    }

    /// The count of minor units.
    pub const fn minor(&self) -> i64 {
        self.minor
    }

    /// The currency.
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// Whether the amount is zero.
    pub const fn is_zero(&self) -> bool {
        self.minor == 0
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(&self) -> bool {
        self.minor < 0
    }

    /// The major-unit decimal without the code: `"1234.50"`.
    pub fn amount_text(&self) -> String {
        let mut text = String::with_capacity(24);
        self.write_amount(&mut text).expect("writing to a String cannot fail");
        text
    }

    /// Writes the major-unit decimal without the code.
    pub fn write_amount(&self, out: &mut impl fmt::Write) -> fmt::Result {
        write_scaled(out, self.minor, self.currency.exponent())
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }

    /// The sum, if both are in one currency and it fits.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        let minor = self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// The difference, if both are in one currency and it fits.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        let minor = self.minor.checked_sub(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// The amount times a whole number, if it fits.
    pub fn checked_mul(self, factor: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(factor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// The amount with its sign flipped, if it fits.
    pub fn checked_neg(self) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_neg().ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// The absolute value, if it fits.
    pub fn checked_abs(self) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_abs().ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// The share `numerator / denominator` of the amount, rounded half to even (e.g. 85% forwarded).
    pub fn checked_ratio(self, numerator: i64, denominator: i64) -> Result<Money, MoneyError> {
        if denominator == 0 {
            return Err(MoneyError::Overflow);
        }
        let product = i128::from(self.minor) * i128::from(numerator);
        let minor = div_round_half_even(product, i128::from(denominator));
        let minor = i64::try_from(minor).map_err(|_| MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }
}

/// `numerator / denominator` rounded half to even, for any signs (`denominator` not zero).
pub(crate) fn div_round_half_even(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder == 0 {
        return quotient;
    }
    let twice = remainder.unsigned_abs().saturating_mul(2);
    let divisor = denominator.unsigned_abs();
    let away = twice > divisor || (twice == divisor && quotient % 2 != 0);
    if !away {
        quotient
    } else if (numerator < 0) != (denominator < 0) {
        quotient - 1
    } else {
        quotient + 1
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_amount(f)?;
        write!(f, " {}", self.currency)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    /// Parses `"12.50 USD"` or `"USD 12.50"`, exactly.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (left, right) = text.trim().split_once(' ').ok_or_else(|| MoneyError::Syntax(text.to_owned()))?;
        let (left, right) = (left.trim(), right.trim());
        match Currency::from_code(right) {
            Ok(currency) => Money::parse_exact(left, currency),
            Err(_) => Money::parse_exact(right, Currency::from_code(left)?),
        }
    }
}

serde_via_str!(Money);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print_each_exponent() {
        let cases = [
            ("1234.5", Currency::USD, 123450, "1234.50 USD"),
            ("40000000", Currency::KHR, 4_000_000_000, "40000000.00 KHR"),
            ("150000", Currency::VND, 150000, "150000 VND"),
            ("0.0001", Currency::BTC, 10000, "0.00010000 BTC"),
            ("12.345678", Currency::USDT, 12345678, "12.345678 USDT"),
            ("-0.05", Currency::SGD, -5, "-0.05 SGD"),
        ];
        for (text, currency, minor, shown) in cases {
            let money = Money::parse_exact(text, currency).unwrap();
            assert_eq!(money.minor(), minor, "{text}");
            assert_eq!(money.to_string(), shown);
            assert_eq!(shown.parse::<Money>().unwrap(), money);
        }
    }

    #[test]
    fn exact_refuses_extra_precision_rounded_accepts() {
        assert!(Money::parse_exact("1.005", Currency::USD).is_err());
        assert!(Money::parse_exact("10.5", Currency::VND).is_err());
        assert_eq!(Money::parse_rounded("1.005", Currency::USD).unwrap().minor(), 100);
        assert_eq!(Money::parse_rounded("1.015", Currency::USD).unwrap().minor(), 102);
        assert_eq!(Money::parse_rounded("10.5", Currency::VND).unwrap().minor(), 10);
    }

    #[test]
    fn checked_arithmetic() {
        let a = Money::from_minor(150, Currency::USD);
        let b = Money::from_minor(50, Currency::USD);
        assert_eq!(a.checked_add(b).unwrap().minor(), 200);
        assert_eq!(b.checked_sub(a).unwrap().minor(), -100);
        assert_eq!(a.checked_mul(3).unwrap().minor(), 450);
        assert!(matches!(
            a.checked_add(Money::from_minor(1, Currency::KHR)),
            Err(MoneyError::CurrencyMismatch(Currency::USD, Currency::KHR))
        ));
        assert_eq!(Money::from_minor(i64::MAX, Currency::USD).checked_add(b), Err(MoneyError::Overflow));
        assert_eq!(Money::from_minor(i64::MIN, Currency::USD).checked_neg(), Err(MoneyError::Overflow));
        assert_eq!(a.checked_ratio(85, 100).unwrap().minor(), 128); // 127.5 -> 128 (even)
        assert_eq!(Money::from_minor(-150, Currency::USD).checked_ratio(85, 100).unwrap().minor(), -128);
        assert_eq!(Money::from_minor(10, Currency::USD).checked_ratio(1, 4).unwrap().minor(), 2);
        // 2.5 -> 2
    }

    #[test]
    fn text_errors_name_the_problem() {
        assert!(matches!("12.50".parse::<Money>(), Err(MoneyError::Syntax(_))));
        assert!(matches!("12.50 XYZ".parse::<Money>(), Err(MoneyError::Currency(_))));
        assert!(matches!("12,50 USD".parse::<Money>(), Err(MoneyError::Amount(_))));
    }
}
