//! Currencies: every ISO 4217 currency with its true minor-unit exponent, plus the crypto assets tonle traces.

use std::fmt;
use std::str::FromStr;

use crate::serde_str::serde_via_str;

/// A currency or crypto asset: its code and the number of decimal places of its minor unit.
///
/// Fiat codes and exponents come from ISO 4217 (USD 2, KHR 2, VND 0, JPY 0, BHD 3, ...). Crypto assets use the
/// precision of their ledgers: BTC 8 (satoshi), USDT 6 (TRC-20 and ERC-20), USDC 6, TRX 6 (sun).
/// The value is five bytes and `Copy`, so it costs nothing to carry on every transaction.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 4],
    exponent: u8,
}

/// Why a text is not a currency tonle knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurrencyError {
    /// Not an ISO 4217 code nor a known crypto asset.
    #[error("unknown currency code {0:?} (expected an ISO 4217 code such as USD or KHR, or BTC, USDT, USDC, TRX)")]
    Unknown(String),
    /// An ISO 4217 code without a minor unit (gold, special drawing rights, ...): no exact money can be made of it.
    #[error("currency {0} has no minor unit in ISO 4217 and cannot carry exact amounts")]
    NoMinorUnit(String),
}

/// Crypto assets: code and ledger precision. `XBT` is the ISO-style alias of Bitcoin used by OFAC lists.
const CRYPTO: &[(&str, u8)] = &[("BTC", 8), ("XBT", 8), ("USDT", 6), ("USDC", 6), ("TRX", 6)];

impl Currency {
    /// United States dollar (exponent 2), Cambodia's everyday currency beside the riel.
    pub const USD: Currency = Currency::new_unchecked("USD", 2);
    /// Cambodian riel (exponent 2 in ISO 4217, although coins below 100 riel are not in use).
    pub const KHR: Currency = Currency::new_unchecked("KHR", 2);
    /// Thai baht.
    pub const THB: Currency = Currency::new_unchecked("THB", 2);
    /// Malaysian ringgit.
    pub const MYR: Currency = Currency::new_unchecked("MYR", 2);
    /// Singapore dollar.
    pub const SGD: Currency = Currency::new_unchecked("SGD", 2);
    /// Vietnamese dong (exponent 0).
    pub const VND: Currency = Currency::new_unchecked("VND", 0);
    /// Japanese yen (exponent 0).
    pub const JPY: Currency = Currency::new_unchecked("JPY", 0);
    /// Chinese yuan renminbi.
    pub const CNY: Currency = Currency::new_unchecked("CNY", 2);
    /// Lao kip.
    pub const LAK: Currency = Currency::new_unchecked("LAK", 2);
    /// Myanmar kyat.
    pub const MMK: Currency = Currency::new_unchecked("MMK", 2);
    /// Euro.
    pub const EUR: Currency = Currency::new_unchecked("EUR", 2);
    /// Tether USD (6 decimals on Tron and Ethereum).
    pub const USDT: Currency = Currency::new_unchecked("USDT", 6);
    /// USD Coin (6 decimals).
    pub const USDC: Currency = Currency::new_unchecked("USDC", 6);
    /// Bitcoin (8 decimals: satoshi).
    pub const BTC: Currency = Currency::new_unchecked("BTC", 8);
    /// Tronix (6 decimals: sun).
    pub const TRX: Currency = Currency::new_unchecked("TRX", 6);

    /// Builds a currency from a code of at most 4 ASCII uppercase letters; for the constants above only.
    const fn new_unchecked(code: &str, exponent: u8) -> Currency {
        let bytes = code.as_bytes();
        let mut buf = [0u8; 4];
        let mut i = 0;
        while i < bytes.len() {
            buf[i] = bytes[i];
            i += 1;
        }
        Currency { code: buf, exponent }
    }

    /// Looks a code up (case-insensitive): ISO 4217 first, then the crypto assets.
    pub fn from_code(code: &str) -> Result<Currency, CurrencyError> {
        let bytes = code.as_bytes();
        if !(3..=4).contains(&bytes.len()) || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(CurrencyError::Unknown(code.to_owned()));
        }
        let mut upper = [0u8; 4];
        for (slot, b) in upper.iter_mut().zip(bytes) {
            *slot = b.to_ascii_uppercase();
        }
        // The bytes are ASCII letters, checked above, so this cannot fail.
        let upper = std::str::from_utf8(&upper[..bytes.len()]).map_err(|_| CurrencyError::Unknown(code.to_owned()))?;
        if let Some(&(crypto, exponent)) = CRYPTO.iter().find(|(c, _)| *c == upper) {
            let canonical = if crypto == "XBT" { "BTC" } else { crypto };
            return Ok(Currency::new_unchecked(canonical, exponent));
        }
        match iso_currency::Currency::from_code(upper) {
            Some(iso) => match iso.exponent() {
                Some(exponent) => Ok(Currency::new_unchecked(upper, exponent as u8)),
                None => Err(CurrencyError::NoMinorUnit(upper.to_owned())),
            },
            None => Err(CurrencyError::Unknown(code.to_owned())),
        }
    }

    /// The code, e.g. `"USD"` or `"USDT"`.
    pub fn code(&self) -> &str {
        let len = self.code.iter().position(|&b| b == 0).unwrap_or(4);
        // Codes are built from ASCII letters only (see `new_unchecked` callers), so they are valid UTF-8.
        std::str::from_utf8(&self.code[..len]).unwrap_or("???")
    }

    /// Number of decimal places of the minor unit: 2 for USD (cents), 0 for VND, 8 for BTC.
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    /// Whether this is a crypto asset rather than an ISO 4217 currency.
    pub fn is_crypto(&self) -> bool {
        CRYPTO.iter().any(|(c, _)| *c == self.code())
    }

    /// Ten to the power of the exponent: how many minor units make one major unit.
    pub fn minor_per_major(&self) -> i64 {
        10i64.pow(self.exponent as u32)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(e{})", self.code(), self.exponent)
    }
}

impl FromStr for Currency {
    type Err = CurrencyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

serde_via_str!(Currency);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn true_exponents() {
        for (code, exponent) in [
            ("USD", 2),
            ("KHR", 2),
            ("THB", 2),
            ("MYR", 2),
            ("SGD", 2),
            ("VND", 0),
            ("JPY", 0),
            ("BHD", 3),
            ("USDT", 6),
            ("BTC", 8),
            ("TRX", 6),
        ] {
            let currency = Currency::from_code(code).unwrap();
            assert_eq!(currency.exponent(), exponent, "{code}");
            assert_eq!(currency.code(), code);
        }
    }

    #[test]
    fn constants_agree_with_lookup() {
        for c in [Currency::USD, Currency::KHR, Currency::VND, Currency::USDT, Currency::BTC, Currency::TRX] {
            assert_eq!(Currency::from_code(c.code()).unwrap(), c);
        }
    }

    #[test]
    fn case_and_aliases() {
        assert_eq!(Currency::from_code("usd").unwrap(), Currency::USD);
        assert_eq!(Currency::from_code("XBT").unwrap(), Currency::BTC);
        assert!(Currency::USDT.is_crypto());
        assert!(!Currency::KHR.is_crypto());
    }

    #[test]
    fn rejects_unknown_and_unitless() {
        assert!(matches!(Currency::from_code("ABC"), Err(CurrencyError::Unknown(_))));
        assert!(matches!(Currency::from_code("US"), Err(CurrencyError::Unknown(_))));
        assert!(matches!(Currency::from_code("U$D"), Err(CurrencyError::Unknown(_))));
        assert!(matches!(Currency::from_code("XAU"), Err(CurrencyError::NoMinorUnit(_))));
    }
}
