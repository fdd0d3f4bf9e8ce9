//! A transaction: one movement of money from a debtor to a creditor.

use std::net::IpAddr;

use crate::channel::Channel;
use crate::ids::{AccountId, CountryCode, DeviceId, InstitutionId, PartyId, PhoneNumber, Text, TxId};
use crate::money::Money;
use crate::time::EventTime;

/// One side of a transaction: the account and what is known of who holds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Party {
    /// The account debited or credited.
    pub account: AccountId,
    /// The institution holding the account (bank, wallet provider, exchange).
    pub institution: Option<InstitutionId>,
    /// The customer or legal entity behind the account.
    pub party: Option<PartyId>,
    /// The holder's name as the message gave it (for screening).
    pub name: Option<Text>,
    /// The holder's country (residence or address).
    pub country: Option<CountryCode>,
    /// The holder's phone number, or the phone proxy the payment was addressed to (PromptPay, DuitNow,
    /// PayNow and KHQR pay to phone numbers).
    pub phone: Option<PhoneNumber>,
}

impl Party {
    /// A side known only by its account.
    pub fn account(account: AccountId) -> Party {
        Party { account, institution: None, party: None, name: None, country: None, phone: None }
    }

    /// A side known by its account and institution.
    pub fn at(account: AccountId, institution: Option<InstitutionId>) -> Party {
        Party { institution, ..Party::account(account) }
    }
}

/// One movement of money, as detection code sees it: no ground truth here (see
/// [`LabelledTransaction`](crate::LabelledTransaction)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Transaction {
    /// Unique within its source.
    pub id: TxId,
    /// When it happened (event time, UTC, millisecond).
    pub time: EventTime,
    /// Who paid.
    pub debtor: Party,
    /// Who was paid.
    pub creditor: Party,
    /// The amount debited, in the debtor's currency.
    pub amount: Money,
    /// The amount credited, when it differs from `amount` (a cross-currency payment, or fees deducted).
    pub received: Option<Money>,
    /// How the money moved.
    pub channel: Channel,
    /// The device that initiated the payment.
    pub device: Option<DeviceId>,
    /// The IP address that initiated the payment.
    pub ip: Option<IpAddr>,
    /// Why: an ISO 20022 purpose code (`SALA`, `SUPP`, ...) or the source's own.
    pub purpose: Option<Text>,
    /// Free-text payment reference or remittance information.
    pub reference: Option<Text>,
}

impl Transaction {
    /// A transaction with only the required fields; the optional ones are empty.
    pub fn new(id: TxId, time: EventTime, debtor: Party, creditor: Party, amount: Money, channel: Channel) -> Self {
        Transaction {
            id,
            time,
            debtor,
            creditor,
            amount,
            received: None,
            channel,
            device: None,
            ip: None,
            purpose: None,
            reference: None,
        }
    }

    /// The amount the creditor received: `received` if given, otherwise `amount`.
    pub fn credited(&self) -> Money {
        self.received.unwrap_or(self.amount)
    }
}

/// Appends an IP address as its `Display` writes it; IPv4 by hand, as the formatting machinery is slow for every
/// transaction (Parquet's column, the ring detector's key).
pub fn write_ip(out: &mut String, ip: IpAddr) {
    match ip {
        IpAddr::V4(ip) => {
            for (i, octet) in ip.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                if octet >= 100 {
                    out.push(char::from(b'0' + octet / 100));
                }
                if octet >= 10 {
                    out.push(char::from(b'0' + octet / 10 % 10));
                }
                out.push(char::from(b'0' + octet % 10));
            }
        }
        IpAddr::V6(ip) => {
            use std::fmt::Write;
            // Writing into a String cannot fail.
            let _ = write!(out, "{ip}");
        }
    }
}
