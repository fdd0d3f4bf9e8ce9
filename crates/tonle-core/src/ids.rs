//! Identifiers and small checked texts: transaction, account, institution, party, device and scenario ids,
//! names and references, ISO 3166 country codes and phone numbers.

use std::fmt;
use std::str::FromStr;

use compact_str::CompactString;

use crate::serde_str::serde_via_str;

/// Why a text is not a valid identifier, country code or phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// An empty text where a value is required (absent values are `None`, never empty).
    #[error("{0} is empty")]
    Empty(&'static str),
    /// Not two letters.
    #[error("{0:?} is not an ISO 3166 alpha-2 country code (two letters, e.g. KH)")]
    Country(String),
    /// Not a phone number.
    #[error("{0:?} is not a phone number (digits, optionally with a leading + and separators - ( ) . space)")]
    Phone(String),
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        ///
        /// Never empty: an absent value is `None`. Short values (up to 24 bytes) are stored inline.
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(CompactString);

        impl $name {
            /// Wraps a non-empty text.
            pub fn new(text: impl Into<CompactString>) -> Result<Self, IdError> {
                let text = text.into();
                if text.is_empty() {
                    Err(IdError::Empty($what))
                } else {
                    Ok($name(text))
                }
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self.0.as_str(), f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        serde_via_str!($name);
    };
}

text_type!(
    /// A transaction's id, unique within its source (e.g. a UETR, an end-to-end id, or file and line).
    TxId,
    "transaction id"
);
text_type!(
    /// An account: IBAN, domestic account number, wallet address or mobile-money number.
    AccountId,
    "account id"
);
text_type!(
    /// A bank, wallet provider or exchange: BIC, clearing member id, or a source's bank code.
    InstitutionId,
    "institution id"
);
text_type!(
    /// A person or organisation behind accounts (customer id, national id, registration number).
    PartyId,
    "party id"
);
text_type!(
    /// A device fingerprint or id from the channel that initiated the payment.
    DeviceId,
    "device id"
);
text_type!(
    /// The scenario (simulation run, laundering attempt, case) a label belongs to.
    ScenarioId,
    "scenario id"
);
text_type!(
    /// Free text: a name, a purpose code, a payment reference or remittance information.
    Text,
    "text"
);

/// An ISO 3166-1 alpha-2 country code, upper case: `KH`, `TH`, `MY`, `SG`, `VN`, `CN`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Reads two ASCII letters, in either case.
    pub fn new(text: &str) -> Result<CountryCode, IdError> {
        match text.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Ok(CountryCode([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => Err(IdError::Country(text.to_owned())),
        }
    }

    /// The two letters.
    pub fn as_str(&self) -> &str {
        // Two ASCII letters by construction, so valid UTF-8.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CountryCode {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CountryCode::new(s)
    }
}

serde_via_str!(CountryCode);

/// A phone number, normalised to an optional `+` and 3 to 20 digits: `+85512345678`.
///
/// Separators that people and ISO 20022 write (`+855-12-345-678`, `(012) 345 678`) are removed, so one number
/// always has one text and can key features (many accounts sharing one phone is a mule signal).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber(CompactString);

impl PhoneNumber {
    /// Normalises and checks a phone number.
    pub fn new(text: &str) -> Result<PhoneNumber, IdError> {
        // Already normal (what tonle itself writes): take it whole.
        let digits = text.strip_prefix('+').unwrap_or(text);
        if (3..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(PhoneNumber(CompactString::from(text)));
        }
        let bad = || IdError::Phone(text.to_owned());
        let mut normal = CompactString::with_capacity(text.len());
        for (i, c) in text.chars().enumerate() {
            match c {
                '0'..='9' => normal.push(c),
                '+' if i == 0 => normal.push(c),
                '-' | '(' | ')' | '.' | ' ' => {}
                _ => return Err(bad()),
            }
        }
        let digits = normal.trim_start_matches('+').len();
        if (3..=20).contains(&digits) {
            Ok(PhoneNumber(normal))
        } else if text.is_empty() {
            Err(IdError::Empty("phone number"))
        } else {
            Err(bad())
        }
    }

    /// The normalised number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0.as_str(), f)
    }
}

impl FromStr for PhoneNumber {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PhoneNumber::new(s)
    }
}

serde_via_str!(PhoneNumber);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_never_empty() {
        assert_eq!(AccountId::new(""), Err(IdError::Empty("account id")));
        assert_eq!(AccountId::new("KH12 ABAA").unwrap().as_str(), "KH12 ABAA");
    }

    #[test]
    fn country_codes() {
        assert_eq!(CountryCode::new("kh").unwrap().as_str(), "KH");
        assert!(CountryCode::new("KHM").is_err());
        assert!(CountryCode::new("K1").is_err());
        assert!(CountryCode::new("").is_err());
    }

    #[test]
    fn phone_numbers_normalise() {
        assert_eq!(PhoneNumber::new("+855-12-345-678").unwrap().as_str(), "+85512345678");
        assert_eq!(PhoneNumber::new("(012) 345.678").unwrap().as_str(), "012345678");
        let once = PhoneNumber::new("+66 81 234 5678").unwrap();
        assert_eq!(PhoneNumber::new(once.as_str()).unwrap(), once);
        assert!(PhoneNumber::new("12").is_err());
        assert!(PhoneNumber::new("855+1234").is_err());
        assert!(PhoneNumber::new("call me").is_err());
        assert_eq!(PhoneNumber::new(""), Err(IdError::Empty("phone number")));
    }
}
