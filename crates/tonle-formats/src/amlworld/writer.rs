//! Writing IBM AMLworld: `X_Trans.csv` and, when asked, `X_Patterns.txt`, in the layout
//! [`AmlWorldReader`](super::AmlWorldReader) reads.
//!
//! AMLworld carries much less than tonle, so writing is lossy. Each record becomes one row of
//! `Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering`:
//!
//! - `Timestamp`: `YYYY/MM/DD HH:MM`, UTC. AMLworld has minute precision: seconds and milliseconds are dropped
//!   (the time is truncated to its minute).
//! - `From Bank`, `Account`: the debtor's institution and account; `To Bank`, `Account`: the creditor's. An
//!   absent institution is written as [`UNKNOWN_BANK`] (`0`), since every AMLworld row names a bank; it reads
//!   back as institution `0`.
//! - `Amount Received`, `Receiving Currency`: the amount credited ([`Transaction::credited`]); `Amount Paid`,
//!   `Payment Currency`: the amount debited. Amounts are written exactly, with the currency's decimals
//!   (`150000` VND, `12.50` USD, `12.345678` USDT, `0.00010000` BTC), not AMLworld's two decimals for every
//!   currency, so they read back to the same minor units. A received amount equal to the amount reads back as
//!   none.
//! - Currencies: AMLworld's name where it has one ([`CURRENCY_NAMES`]: `US Dollar`, `Yuan`, `Bitcoin`, ...),
//!   otherwise the code (`KHR`, `THB`, `VND`, `MYR`, `SGD`, `USDT`), which the reader also accepts.
//! - `Payment Format`, from the channel ([`PaymentFormat::for_channel`]): `bank-transfer`, `instant`, `khqr`,
//!   `duitnow`, `paynow`, `promptpay` and `mobile-wallet` are `ACH`; `card` is `Credit Card`; `cash-deposit`
//!   and `cash-withdrawal` are `Cash`; `cheque` is `Cheque`; `internal` is `Reinvestment`; `on-chain`,
//!   `crypto-on-ramp` and `crypto-off-ramp` are `Bitcoin`. The reader reads these back as `bank-transfer`,
//!   `card`, `cash-deposit`, `cheque`, `internal` and `on-chain`. One exception keeps AMLworld data read by
//!   tonle as it was: when the purpose is one of the seven formats, as the reader keeps it, and that format
//!   reads as the record's channel, the purpose is written (so `Wire` stays `Wire`).
//! - `Is Laundering`: 1 when the label says illicit, 0 when licit or unlabelled.
//! - Not written: the id (the reader makes `<file stem>:<line>`), parties, names, countries, phones, device,
//!   IP, purpose and reference.
//!
//! The patterns file lists the illicit records that have a typology, grouped into laundering attempts by
//! their scenario (and typology), attempts in the order their first record was written:
//!
//! ```text
//! BEGIN LAUNDERING ATTEMPT - FAN-OUT: scenario s-17
//! 2025/03/01 08:15,ABAAKHPP,A1,ACLBKHPP,B1,100.00,US Dollar,100.00,US Dollar,ACH,1
//! ...
//! END LAUNDERING ATTEMPT - FAN-OUT
//! ```
//!
//! The name is the typology's kebab-case name in upper case (`FAN-OUT`, `GATHER-SCATTER`, `PIG-BUTCHERING`);
//! the scenario id, when there is one, follows as the attempt's description. The reader gives each row the
//! typology back, and the scenario `<typology>-<n>` (n: the attempt's number in the file), not the original
//! scenario id. Illicit records without a typology are in no attempt and read back untyped. Attempts are held
//! in memory (illicit records are a small share) and written by [`RecordWriter::finish`]. The reader matches
//! identical rows first in, first out, so two records with the same row text in different attempts can read
//! back with each other's attempt.
//!
//! Refused, with a [`WriteError::Encode`] naming the transaction (and nothing written for it): a bank or
//! account id holding a comma or a line break (AMLworld is CSV without quotes), a negative amount (AMLworld has
//! none and the reader refuses them), and, when writing patterns, a typology name holding `:` or a line break.
//!
//! [`Transaction::credited`]: tonle_core::Transaction::credited

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Timelike};
use tonle_core::{Channel, Currency, EventTime, InstitutionId, LabelledTransaction, Money, ScenarioId, Typology};

use super::{PaymentFormat, CURRENCY_NAMES, HEADER};
use crate::error::WriteError;
use crate::writer::RecordWriter;

/// What `From Bank` or `To Bank` holds when the record names no institution.
pub const UNKNOWN_BANK: &str = "0";

/// The name AMLworld gives a currency (`US Dollar`, `Bitcoin`), or else its code (`KHR`, `USDT`).
pub fn currency_name(currency: &Currency) -> &str {
    let code = currency.code();
    CURRENCY_NAMES.iter().find(|(_, known)| *known == code).map_or(code, |&(name, _)| name)
}

impl PaymentFormat {
    /// The format a channel is written as: the inverse of [`PaymentFormat::channel`] where there is one, else
    /// the nearest format (instant, QR and wallet payments are `ACH`, crypto ramps `Bitcoin`, cash withdrawals
    /// `Cash`).
    pub fn for_channel(channel: Channel) -> PaymentFormat {
        match channel {
            Channel::BankTransfer
            | Channel::Instant
            | Channel::Khqr
            | Channel::DuitNow
            | Channel::PayNow
            | Channel::PromptPay
            | Channel::MobileWallet => PaymentFormat::Ach,
            Channel::Card => PaymentFormat::CreditCard,
            Channel::CashDeposit | Channel::CashWithdrawal => PaymentFormat::Cash,
            Channel::Cheque => PaymentFormat::Cheque,
            Channel::Internal => PaymentFormat::Reinvestment,
            Channel::OnChain | Channel::CryptoOnRamp | Channel::CryptoOffRamp => PaymentFormat::Bitcoin,
        }
    }
}

/// Writes AMLworld `X_Trans.csv` and, optionally, `X_Patterns.txt` (see the [module docs](self)).
pub struct AmlWorldWriter {
    trans_path: PathBuf,
    trans: BufWriter<File>,
    /// The row being written, reused.
    row: String,
    patterns: Option<PatternsOut>,
}

/// The patterns file and the attempts gathered for it.
struct PatternsOut {
    path: PathBuf,
    file: BufWriter<File>,
    attempts: Vec<AttemptOut>,
    /// Each attempt's index in `attempts`, by scenario and typology.
    index: HashMap<(Option<ScenarioId>, Typology), usize>,
}

/// One laundering attempt to write.
struct AttemptOut {
    /// The typology as AMLworld spells it: `FAN-OUT`.
    name: String,
    scenario: Option<ScenarioId>,
    /// The attempt's rows, each ending in a newline.
    rows: String,
}

impl AmlWorldWriter {
    /// Creates (or truncates) the transactions file, writing its header, and the patterns file when a path is
    /// given (written by [`RecordWriter::finish`]).
    pub fn create(trans_path: &Path, patterns_path: Option<&Path>) -> Result<Self, WriteError> {
        let file = File::create(trans_path).map_err(|e| WriteError::io(trans_path, e))?;
        let mut trans = BufWriter::with_capacity(1 << 16, file);
        writeln!(trans, "{}", HEADER.join(",")).map_err(|e| WriteError::io(trans_path, e))?;
        let patterns = match patterns_path {
            Some(path) => {
                let file = File::create(path).map_err(|e| WriteError::io(path, e))?;
                Some(PatternsOut {
                    path: path.to_path_buf(),
                    file: BufWriter::new(file),
                    attempts: Vec::new(),
                    index: HashMap::new(),
                })
            }
            None => None,
        };
        Ok(AmlWorldWriter { trans_path: trans_path.to_path_buf(), trans, row: String::with_capacity(160), patterns })
    }
}

impl RecordWriter for AmlWorldWriter {
    fn write(&mut self, record: &LabelledTransaction) -> Result<(), WriteError> {
        encode_row(&mut self.row, &self.trans_path, record)?;
        // Find (or check and open) the record's attempt before writing anything, so a refused record leaves
        // no trace.
        let attempt = match (&mut self.patterns, &record.label) {
            (Some(patterns), Some(label)) if label.illicit => match &label.typology {
                Some(typology) => Some(patterns.attempt(record, typology, label.scenario.as_ref())?),
                None => None,
            },
            _ => None,
        };
        self.row.push('\n');
        self.trans.write_all(self.row.as_bytes()).map_err(|e| WriteError::io(&self.trans_path, e))?;
        if let (Some(patterns), Some(index)) = (&mut self.patterns, attempt) {
            patterns.attempts[index].rows.push_str(&self.row);
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<(), WriteError> {
        let AmlWorldWriter { trans_path, mut trans, patterns, .. } = *self;
        trans.flush().map_err(|e| WriteError::io(&trans_path, e))?;
        drop(trans);
        match patterns {
            Some(patterns) => patterns.finish(),
            None => Ok(()),
        }
    }
}

impl PatternsOut {
    /// The index of the attempt of a scenario and typology, opened on first use.
    fn attempt(
        &mut self,
        record: &LabelledTransaction,
        typology: &Typology,
        scenario: Option<&ScenarioId>,
    ) -> Result<usize, WriteError> {
        let key = (scenario.cloned(), typology.clone());
        if let Some(&index) = self.index.get(&key) {
            return Ok(index);
        }
        let name = typology.as_str().to_ascii_uppercase();
        if name.contains([':', '\n', '\r']) {
            return Err(WriteError::encode(
                &self.path,
                format!(
                    "transaction {:?}: typology {name:?} holds a colon or a line break, which an AMLworld \
                     BEGIN LAUNDERING ATTEMPT line cannot carry",
                    record.tx.id.as_str()
                ),
            ));
        }
        let index = self.attempts.len();
        self.attempts.push(AttemptOut { name, scenario: scenario.cloned(), rows: String::new() });
        self.index.insert(key, index);
        Ok(index)
    }

    fn finish(self) -> Result<(), WriteError> {
        let PatternsOut { path, mut file, attempts, .. } = self;
        let io = |e| WriteError::io(&path, e);
        for (i, attempt) in attempts.iter().enumerate() {
            // A blank line between attempts, as in AMLworld's files.
            let gap = if i > 0 { "\n" } else { "" };
            write!(file, "{gap}BEGIN LAUNDERING ATTEMPT - {}", attempt.name).map_err(io)?;
            // A scenario id on several lines would break the file: it is only a description, so it is left out.
            if let Some(scenario) = attempt.scenario.as_ref().filter(|s| !s.as_str().contains(['\n', '\r'])) {
                write!(file, ": scenario {scenario}").map_err(io)?;
            }
            file.write_all(b"\n").map_err(io)?;
            file.write_all(attempt.rows.as_bytes()).map_err(io)?;
            writeln!(file, "END LAUNDERING ATTEMPT - {}", attempt.name).map_err(io)?;
        }
        file.flush().map_err(io)
    }
}

/// Fills `row` with a record's row, without the newline.
fn encode_row(row: &mut String, path: &Path, record: &LabelledTransaction) -> Result<(), WriteError> {
    let tx = &record.tx;
    let refuse = |message: String| WriteError::encode(path, format!("transaction {:?}: {message}", tx.id.as_str()));
    row.clear();
    write_minute(row, tx.time);
    fn bank(institution: Option<&InstitutionId>) -> &str {
        institution.map_or(UNKNOWN_BANK, InstitutionId::as_str)
    }
    let ids = [
        ("debtor institution", bank(tx.debtor.institution.as_ref())),
        ("debtor account", tx.debtor.account.as_str()),
        ("creditor institution", bank(tx.creditor.institution.as_ref())),
        ("creditor account", tx.creditor.account.as_str()),
    ];
    for (what, id) in ids {
        if id.contains([',', '\n', '\r']) {
            return Err(refuse(format!(
                "{what} {id:?} holds a comma or a line break, which AMLworld's CSV without quotes cannot carry"
            )));
        }
        row.push(',');
        row.push_str(id);
    }
    for (what, money) in [("amount received", tx.credited()), ("amount", tx.amount)] {
        if money.is_negative() {
            return Err(refuse(format!("{what} {money} is negative; AMLworld amounts are 0 or more")));
        }
        row.push(',');
        write_amount(row, money);
        row.push(',');
        row.push_str(currency_name(&money.currency()));
    }
    let format = tx
        .purpose
        .as_ref()
        .and_then(|purpose| PaymentFormat::parse(purpose.as_str()))
        .filter(|format| format.channel() == tx.channel)
        .unwrap_or_else(|| PaymentFormat::for_channel(tx.channel));
    row.push(',');
    row.push_str(format.as_str());
    row.push_str(if record.label.as_ref().is_some_and(|l| l.illicit) { ",1" } else { ",0" });
    Ok(())
}

/// Writes `YYYY/MM/DD HH:MM`: the time's minute, seconds dropped.
fn write_minute(out: &mut String, time: EventTime) {
    let t = time.to_datetime();
    // Writing into a String cannot fail.
    let _ = write!(out, "{:04}/{:02}/{:02} {:02}:{:02}", t.year(), t.month(), t.day(), t.hour(), t.minute());
}

/// Writes an amount in major units with exactly its currency's decimals.
fn write_amount(out: &mut String, money: Money) {
    // Writing into a String cannot fail.
    let _ = money.write_amount(out);
}
