//! The simulation's fixed exchange rates, and amounts rounded the way people pay them.

use std::collections::BTreeMap;

use tonle_core::Currency;

/// Units of each currency per US dollar.
#[derive(Debug, Clone)]
pub struct Rates {
    per_usd: Vec<(Currency, f64)>,
}

impl Rates {
    /// Rates from the scenario's `fx_per_usd` table (validated: every code known, every rate positive).
    pub fn new(table: &BTreeMap<String, f64>) -> Rates {
        let mut per_usd = vec![(Currency::USD, 1.0)];
        for (code, rate) in table {
            if let Ok(currency) = Currency::from_code(code) {
                if currency != Currency::USD {
                    per_usd.push((currency, *rate));
                }
            }
        }
        Rates { per_usd }
    }

    /// Units of `currency` per US dollar (1 for a currency without a rate, which validation rules out).
    pub fn per_usd(&self, currency: Currency) -> f64 {
        self.per_usd.iter().find(|(c, _)| *c == currency).map(|(_, r)| *r).unwrap_or(1.0)
    }

    /// Every currency with its rate, US dollar first.
    pub fn all(&self) -> &[(Currency, f64)] {
        &self.per_usd
    }

    /// A US-dollar value in `currency`'s minor units, rounded to `unit` minor units (at least one unit).
    #[inline]
    pub fn from_usd(&self, usd: f64, currency: Currency, unit: i64) -> i64 {
        let minor = usd * self.per_usd(currency) * currency.minor_per_major() as f64;
        let units = (minor / unit as f64).round().max(1.0);
        units as i64 * unit
    }

    /// Converts minor units between currencies at the fixed rate, rounded to the nearest minor unit.
    #[inline]
    pub fn convert(&self, minor: i64, from: Currency, to: Currency) -> i64 {
        if from == to {
            return minor;
        }
        let usd = minor as f64 / from.minor_per_major() as f64 / self.per_usd(from);
        (usd * self.per_usd(to) * to.minor_per_major() as f64).round() as i64
    }

    /// The US-dollar value of an amount.
    pub fn to_usd(&self, minor: i64, currency: Currency) -> f64 {
        minor as f64 / currency.minor_per_major() as f64 / self.per_usd(currency)
    }
}

/// The smallest amount people actually pay in a currency, in minor units: 100 riel, 1,000 dong, 1 cent.
pub fn cash_unit(currency: Currency) -> i64 {
    match currency.code() {
        "KHR" => 100 * 100,
        "VND" => 1000,
        "USDT" => 10_000,
        _ => 1,
    }
}

/// A "round" transfer unit: people send 10 dollars, 50 ringgit, 100,000 riel or 500,000 dong.
pub fn round_unit(currency: Currency) -> i64 {
    match currency.code() {
        "KHR" => 10_000 * 100,
        "VND" => 100_000,
        "THB" => 100 * 100,
        "CNY" => 50 * 100,
        "USDT" => 10_000_000,
        _ => 10 * 100,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_and_rounding() {
        let table = [("KHR".to_owned(), 4100.0), ("VND".to_owned(), 25_400.0)].into_iter().collect();
        let rates = Rates::new(&table);
        assert_eq!(rates.from_usd(10.0, Currency::USD, 1), 1000);
        assert_eq!(rates.from_usd(1.0, Currency::KHR, cash_unit(Currency::KHR)), 410_000);
        assert_eq!(rates.convert(1000, Currency::USD, Currency::KHR), 4_100_000);
        assert_eq!(rates.convert(25_400, Currency::VND, Currency::USD), 100);
        assert_eq!(rates.from_usd(0.0001, Currency::USD, 1), 1, "never zero");
    }
}
