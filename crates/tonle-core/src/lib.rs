//! The vocabulary of tonle: money, transactions, channels and ground-truth labels.
//!
//! Everything else in tonle (readers, the simulator, the engine, the server) speaks in these types. This crate
//! does no I/O. Money is exact (integer minor units with an ISO 4217 currency or a crypto asset), time is event
//! time in UTC at millisecond precision, and ground-truth labels travel *beside* a transaction
//! ([`LabelledTransaction`]), never inside it, so detection code that takes a [`Transaction`] cannot see them.

mod serde_str;

pub mod account;
pub mod channel;
pub mod currency;
pub mod decimal;
pub mod decision;
pub mod fx;
pub mod ids;
pub mod label;
pub mod money;
pub mod screening;
pub mod time;
pub mod transaction;

pub use account::{AccountKind, AccountRecord, AccountRole};
pub use channel::Channel;
pub use currency::{Currency, CurrencyError};
pub use decision::{Decision, Fact, Reason};
pub use fx::{FxError, FxRate, FxTable};
pub use ids::{AccountId, CountryCode, DeviceId, IdError, InstitutionId, PartyId, PhoneNumber, ScenarioId, Text, TxId};
pub use label::{Label, LabelledTransaction, Typology};
pub use money::{Money, MoneyError};
pub use screening::{ScreenHit, Screener};
pub use time::{EventTime, TimeError};
pub use transaction::{Party, Transaction};
