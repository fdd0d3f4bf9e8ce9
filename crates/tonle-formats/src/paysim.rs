//! PaySim mobile-money logs: the Kaggle PaySim1 file (`PS_20174392719_1491204439457_log.csv`) and PaySim 2's
//! `<simName>_rawLog.csv`. The header says which:
//!
//! - Kaggle: `step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud`
//! - PaySim 2: `step,action,amount,nameOrig,oldBalanceOrig,newBalanceOrig,nameDest,oldBalanceDest,newBalanceDest,isFraud,isFlaggedFraud,isUnauthorizedOverdraft`
//!
//! Both are unquoted comma-separated text (LF or CRLF), split by hand. How a row becomes a transaction:
//!
//! - id: `<file stem>:<line>`;
//! - time: [`ReadOptions::start`] plus `step` hours (PaySim has no calendar; Kaggle steps start at 1, PaySim 2
//!   steps at 0);
//! - amount: `amount` in [`ReadOptions::currency`], rounded half to even to its minor unit; never negative;
//! - debtor `nameOrig`, creditor `nameDest`, as written (`C…` customers, `M…` merchants, `B…` banks, `CC…`
//!   mules), without institution;
//! - channel: from `type`/`action` (see [`channel_for_type`]); the type as written is kept in `purpose`;
//! - label: always present; `illicit` is `isFraud` = 1, and fraud has the typology
//!   [`Typology::AccountTakeover`] (PaySim's fraud takes over a customer's account, transfers the balance to a
//!   mule and cashes it out). No scenario.
//!
//! The balance columns, `isFlaggedFraud` and `isUnauthorizedOverdraft` are not read: a transaction has no
//! place for them, and PaySim's balances are known to be inconsistent.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;

use compact_str::CompactString;
use tonle_core::{
    AccountId, Channel, Currency, EventTime, Label, LabelledTransaction, Party, Text, Transaction, Typology,
};

use crate::civil::digits;
use crate::delimited::{amount_text, check_header, id_text, line_id, show, split_line, BadRow, LineReader};
use crate::error::ReadError;
use crate::reader::{open_input, ReadOptions, Records};

/// The Kaggle PaySim1 header.
pub const KAGGLE_HEADER: [&str; 11] = [
    "step",
    "type",
    "amount",
    "nameOrig",
    "oldbalanceOrg",
    "newbalanceOrig",
    "nameDest",
    "oldbalanceDest",
    "newbalanceDest",
    "isFraud",
    "isFlaggedFraud",
];

/// The PaySim 2 `rawLog.csv` header.
pub const PAYSIM2_HEADER: [&str; 12] = [
    "step",
    "action",
    "amount",
    "nameOrig",
    "oldBalanceOrig",
    "newBalanceOrig",
    "nameDest",
    "oldBalanceDest",
    "newBalanceDest",
    "isFraud",
    "isFlaggedFraud",
    "isUnauthorizedOverdraft",
];

/// Which PaySim wrote the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The Kaggle PaySim1 log.
    Kaggle,
    /// PaySim 2's `rawLog.csv`.
    PaySim2,
}

impl Variant {
    /// The header of the variant.
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Variant::Kaggle => &KAGGLE_HEADER,
            Variant::PaySim2 => &PAYSIM2_HEADER,
        }
    }
}

/// The transaction types PaySim writes.
pub const TYPES: [&str; 6] = ["CASH_IN", "CASH_OUT", "TRANSFER", "PAYMENT", "DEBIT", "DEPOSIT"];

/// The channel of a PaySim transaction type:
///
/// - `CASH_IN`: [`Channel::CashDeposit`] (cash paid in at a merchant or agent);
/// - `CASH_OUT`: [`Channel::CashWithdrawal`] (cash taken out at a merchant or agent);
/// - `TRANSFER`, `PAYMENT`: [`Channel::MobileWallet`] (customer to customer, customer to merchant);
/// - `DEBIT`: [`Channel::BankTransfer`] (from the wallet to a bank account);
/// - `DEPOSIT` (PaySim 2): [`Channel::CashDeposit`].
pub fn channel_for_type(name: &str) -> Option<Channel> {
    Some(match name {
        "CASH_IN" => Channel::CashDeposit,
        "CASH_OUT" => Channel::CashWithdrawal,
        "TRANSFER" | "PAYMENT" => Channel::MobileWallet,
        "DEBIT" => Channel::BankTransfer,
        "DEPOSIT" => Channel::CashDeposit,
        _ => return None,
    })
}

const MILLIS_PER_HOUR: i64 = 3_600_000;

/// Opens a PaySim log.
pub fn open(path: &Path, options: &ReadOptions) -> Result<Records, ReadError> {
    let (name, file) = open_input(path, options)?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let reader = PaySimReader::new(name, &stem, BufReader::with_capacity(1 << 16, file), options)?;
    Ok(Box::new(reader))
}

/// Streams the transactions of a PaySim log.
pub struct PaySimReader<R: BufRead> {
    file: Arc<str>,
    stem: CompactString,
    lines: LineReader<R>,
    variant: Variant,
    currency: Currency,
    start: EventTime,
}

impl<R: BufRead> PaySimReader<R> {
    /// Reads from any buffered byte stream and tells the variant from the header. `name` is used in messages,
    /// `stem` in transaction ids (`<stem>:<line>`); the options give the currency and the time of step 0.
    pub fn new(name: Arc<str>, stem: &str, input: R, options: &ReadOptions) -> Result<Self, ReadError> {
        let mut lines = LineReader::new(input);
        let found = check_header(
            &name,
            &mut lines,
            &[&KAGGLE_HEADER, &PAYSIM2_HEADER],
            "a PaySim header (Kaggle PaySim1 or PaySim 2 rawLog)",
        )?;
        let variant = if found == 0 { Variant::Kaggle } else { Variant::PaySim2 };
        Ok(PaySimReader {
            file: name,
            stem: CompactString::new(stem),
            lines,
            variant,
            currency: options.currency,
            start: options.start,
        })
    }

    /// Which PaySim wrote the file.
    pub fn variant(&self) -> Variant {
        self.variant
    }

    fn decode(&self) -> Result<LabelledTransaction, BadRow> {
        let mut twelve = [""; 12];
        let mut eleven = [""; 11];
        let fields: &[&str] = match self.variant {
            Variant::Kaggle => {
                split_line(self.lines.text(), &mut eleven)?;
                &eleven
            }
            Variant::PaySim2 => {
                split_line(self.lines.text(), &mut twelve)?;
                &twelve
            }
        };
        let step = fields[0];
        let time = digits(step.as_bytes())
            .and_then(|hours| self.start.checked_add_millis(i64::from(hours) * MILLIS_PER_HOUR))
            .ok_or_else(|| {
                BadRow::field(
                    0,
                    format!("{} is not a step (expected a whole number of hours, e.g. 1)", show(step.as_bytes())),
                )
            })?;
        let kind = fields[1];
        let channel = channel_for_type(kind).ok_or_else(|| {
            BadRow::field(
                1,
                format!("{} is not a PaySim type (expected one of: {})", show(kind.as_bytes()), TYPES.join(", ")),
            )
        })?;
        let amount = amount_text(fields[2], self.currency, 2)?;
        let debtor = AccountId::new(id_text(fields[3], 3, "an account id")?).map_err(|e| BadRow::field(3, e))?;
        let creditor = AccountId::new(id_text(fields[6], 6, "an account id")?).map_err(|e| BadRow::field(6, e))?;
        let illicit = match fields[9] {
            "0" => false,
            "1" => true,
            other => return Err(BadRow::field(9, format!("{} is not 0 or 1", show(other.as_bytes())))),
        };
        let id = line_id(&self.stem, self.lines.line)?;
        let tx = Transaction {
            purpose: Text::new(kind).ok(),
            ..Transaction::new(id, time, Party::account(debtor), Party::account(creditor), amount, channel)
        };
        let typology = illicit.then_some(Typology::AccountTakeover);
        Ok(LabelledTransaction { tx, label: Some(Label { illicit, typology, scenario: None }) })
    }
}

impl<R: BufRead> Iterator for PaySimReader<R> {
    type Item = Result<LabelledTransaction, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Err(error) = self.lines.next_record_line(&self.file)? {
            return Some(Err(error));
        }
        let line = self.lines.line;
        let names = self.variant.header();
        Some(self.decode().map_err(|bad| bad.into_error(&self.file, line, names)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_a_channel() {
        for name in TYPES {
            assert!(channel_for_type(name).is_some(), "{name}");
        }
        assert_eq!(channel_for_type("cash_in"), None);
    }
}
