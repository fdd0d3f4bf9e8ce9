//! The compact event a simulation schedules before it becomes a [`tonle_core::Transaction`].
//!
//! Events are 64 bytes and refer to accounts and devices by index, so a day of them sorts quickly; they
//! become full transactions (ids, names, phone numbers) only when written out, in time order.

use tonle_core::{Channel, Currency};

/// No device / no account.
pub const NONE: u32 = u32::MAX;

/// Why money moved: an ISO 20022 purpose code, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// No purpose given.
    None,
    /// Salary (SALA).
    Salary,
    /// Supplier payment (SUPP).
    Supplier,
    /// Goods and services (GDSV).
    Goods,
    /// Electricity bill (ELEC).
    Electricity,
    /// Telephone bill (PHON).
    Phone,
    /// Rent (RENT).
    Rent,
    /// Family maintenance (FAMI).
    Family,
    /// Investment (INVS): what a pig-butchering victim believes.
    Investment,
    /// Gambling or wagering (GAMB).
    Gaming,
}

impl Purpose {
    /// The code written on the transaction.
    pub fn code(self) -> Option<&'static str> {
        match self {
            Purpose::None => None,
            Purpose::Salary => Some("SALA"),
            Purpose::Supplier => Some("SUPP"),
            Purpose::Goods => Some("GDSV"),
            Purpose::Electricity => Some("ELEC"),
            Purpose::Phone => Some("PHON"),
            Purpose::Rent => Some("RENT"),
            Purpose::Family => Some("FAMI"),
            Purpose::Investment => Some("INVS"),
            Purpose::Gaming => Some("GAMB"),
        }
    }
}

/// One scheduled payment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// Event time, UTC milliseconds.
    pub time: i64,
    /// Tie-breaker: the order in which events were scheduled.
    pub seq: u64,
    /// Debtor account index.
    pub debtor: u32,
    /// Creditor account index.
    pub creditor: u32,
    /// Amount debited, minor units of `currency`.
    pub amount: i64,
    /// Amount credited, minor units of `received_currency`.
    pub received: i64,
    /// The debtor's currency.
    pub currency: Currency,
    /// The creditor's currency.
    pub received_currency: Currency,
    /// How the money moved.
    pub channel: Channel,
    /// Why.
    pub purpose: Purpose,
    /// Device index or [`NONE`].
    pub device: u32,
    /// Scenario index (0: ordinary life, no scenario).
    pub scenario: u32,
}

impl Event {
    /// The sort key: time, then scheduling order.
    #[inline]
    pub fn key(&self) -> (i64, u64) {
        (self.time, self.seq)
    }
}
