//! Ground truth about accounts: what kind of holder an account has and what part it plays in a scheme.
//!
//! Simulators know every account's role (victim, mule, scammer, ...); labelled data sets such as AMLSim list
//! suspicious accounts. An [`AccountRecord`] carries that truth beside the account's profile, for evaluation
//! and for building test scenarios; detection code never sees it.

use std::fmt;
use std::str::FromStr;

use crate::currency::Currency;
use crate::ids::{AccountId, CountryCode, DeviceId, InstitutionId, PartyId, PhoneNumber, ScenarioId, Text};
use crate::serde_str::serde_via_str;
use crate::time::EventTime;

/// Who holds an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccountKind {
    /// A natural person.
    Person,
    /// A company that pays salaries, suppliers and bills.
    Business,
    /// A shop or service taking card and QR payments.
    Merchant,
    /// A self-hosted crypto wallet (an address on a blockchain).
    Wallet,
    /// A crypto exchange's account or hot wallet.
    Exchange,
    /// A casino or junket operator.
    Casino,
    /// An institution's cash desk: the other side of cash deposits and withdrawals.
    Cash,
}

/// The part an account plays, as far as the ground truth knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccountRole {
    /// Ordinary life only.
    Normal,
    /// Defrauded: pays money to a scheme.
    Victim,
    /// Receives and passes on others' money (knowingly or not).
    Mule,
    /// Runs the scheme and receives its proceeds.
    Scammer,
    /// Where laundered money leaves the payment system: cash, crypto, casino.
    CashOut,
    /// Moves criminal money to hide its origin.
    Launderer,
}

const KINDS: &[(AccountKind, &str)] = &[
    (AccountKind::Person, "person"),
    (AccountKind::Business, "business"),
    (AccountKind::Merchant, "merchant"),
    (AccountKind::Wallet, "wallet"),
    (AccountKind::Exchange, "exchange"),
    (AccountKind::Casino, "casino"),
    (AccountKind::Cash, "cash"),
];

const ROLES: &[(AccountRole, &str)] = &[
    (AccountRole::Normal, "normal"),
    (AccountRole::Victim, "victim"),
    (AccountRole::Mule, "mule"),
    (AccountRole::Scammer, "scammer"),
    (AccountRole::CashOut, "cash-out"),
    (AccountRole::Launderer, "launderer"),
];

/// A text that names no account kind or role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {text:?} (expected one of: {expected})")]
pub struct UnknownName {
    /// What was being named ("account kind", "account role").
    pub what: &'static str,
    /// The text given.
    pub text: String,
    /// The accepted names, comma-separated.
    pub expected: String,
}

macro_rules! named_enum {
    ($ty:ty, $table:ident, $what:literal) => {
        impl $ty {
            /// Every value, in declaration order.
            pub fn all() -> impl Iterator<Item = $ty> {
                $table.iter().map(|(value, _)| *value)
            }

            /// The kebab-case name.
            pub fn as_str(&self) -> &'static str {
                $table[*self as usize].1
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $table.iter().find(|(_, name)| *name == s).map(|(value, _)| *value).ok_or_else(|| UnknownName {
                    what: $what,
                    text: s.to_owned(),
                    expected: $table.iter().map(|(_, name)| *name).collect::<Vec<_>>().join(", "),
                })
            }
        }

        serde_via_str!($ty);
    };
}

named_enum!(AccountKind, KINDS, "account kind");
named_enum!(AccountRole, ROLES, "account role");

/// One account's profile and ground truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    /// The account.
    pub account: AccountId,
    /// The institution holding it.
    pub institution: Option<InstitutionId>,
    /// The customer behind it.
    pub party: Option<PartyId>,
    /// The holder's name.
    pub name: Option<Text>,
    /// Who holds it.
    pub kind: AccountKind,
    /// The holder's country.
    pub country: Option<CountryCode>,
    /// The account's currency.
    pub currency: Currency,
    /// When it was opened, when known.
    pub opened: Option<EventTime>,
    /// The holder's phone number.
    pub phone: Option<PhoneNumber>,
    /// The device the holder usually banks from.
    pub device: Option<DeviceId>,
    /// Its part in a scheme ([`AccountRole::Normal`] when none).
    pub role: AccountRole,
    /// The scenarios it takes part in (schemes, and legitimate look-alikes), in order of appearance.
    pub scenarios: Vec<ScenarioId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in AccountKind::all() {
            assert_eq!(kind.as_str().parse::<AccountKind>().unwrap(), kind);
        }
        for role in AccountRole::all() {
            assert_eq!(role.as_str().parse::<AccountRole>().unwrap(), role);
        }
        let err = "smurf".parse::<AccountRole>().unwrap_err();
        assert!(err.to_string().contains("cash-out"), "{err}");
    }
}
