//! IBM AMLSim: the `transactions.csv` (or `cash_tx.csv`) written by `scripts/convert_logs.py`, with
//! `alert_accounts.csv` and `accounts.csv` read from the same directory when they are there.
//!
//! Columns are found by name (any case, any order; other columns are ignored): `tran_id`, `orig_acct`,
//! `bene_acct`, `tx_type`, `base_amt`, `tran_timestamp`, `is_sar` (older schemas: `is_fraud`) and `alert_id`.
//! The file is read as CSV (RFC 4180 quotes, also around line breaks; LF or CRLF; blank lines skipped), and
//! errors give the line a record starts on. How a row becomes a transaction:
//!
//! - id: `tran_id` as written (unique within the file; it has gaps, since cash rows go to `cash_tx.csv`);
//! - time: `tran_timestamp`, RFC 3339 (`2017-01-01T00:00:00Z`; AMLSim's times are whole days); a time without
//!   offset, or a bare date, is read as UTC;
//! - debtor `orig_acct`, creditor `bene_acct`, each at its `bank_id` from `accounts.csv` when that file is there
//!   and has the column (the value as written, `default` included);
//! - amount: `base_amt` in [`ReadOptions::currency`], rounded half to even (Java writes `1.2345678E7` for large
//!   values); never negative;
//! - channel: `tx_type` is an open set, mapped by [`channel_for_tx_type`]; the type as written is kept in
//!   `purpose` so nothing is lost when several types share a channel or an unknown type falls back;
//! - label: always present; `illicit` is `is_sar` (`True`/`False` in any case, or `1`/`0`). A row with
//!   `alert_id` ≥ 0 belongs to the scenario `alert-<id>` and takes the typology of the alert's `alert_type` in
//!   `alert_accounts.csv` (`Typology::parse`: `fan_out`, `cycle`, `gather_scatter`, ...), also for false alerts
//!   (`is_sar` False). `alert_id` -1 (or empty) means no alert.
//!
//! The side files are held in memory (one entry per alert and per account); an error in them is fatal and names
//! the side file and line.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;

use compact_str::CompactString;
use tonle_core::{
    AccountId, Channel, Currency, EventTime, InstitutionId, Label, LabelledTransaction, Party, ScenarioId, Text,
    Transaction, TxId, Typology,
};

use crate::civil::{civil_time, digits};
use crate::delimited::{amount, show, BadRow, LineReader, LineStatus, MAX_LINE};
use crate::error::{Location, ReadError};
use crate::reader::{display_name, open_input, ReadOptions, Records};

/// The channel of an AMLSim `tx_type` (case and `-`/`_` do not matter):
///
/// - `TRANSFER`, `WIRE`, `CREDIT` (a credit transfer to the beneficiary), `PAYMENT`: [`Channel::BankTransfer`];
/// - `CHECK`, `CHEQUE`, `CHECK-DEPOSIT`: [`Channel::Cheque`];
/// - `DEPOSIT`, `CASH-IN`, `CASH-DEPOSIT`: [`Channel::CashDeposit`];
/// - `CASH-OUT`, `WITHDRAWAL`, `CASH-WITHDRAWAL`: [`Channel::CashWithdrawal`];
/// - anything else: [`Channel::BankTransfer`], AMLSim's default kind of transaction.
pub fn channel_for_tx_type(tx_type: &str) -> Channel {
    let mut buffer = [0u8; 16];
    let bytes = tx_type.trim().as_bytes();
    if bytes.len() > buffer.len() {
        return Channel::BankTransfer;
    }
    for (slot, &b) in buffer.iter_mut().zip(bytes) {
        *slot = if b == b'_' { b'-' } else { b.to_ascii_uppercase() };
    }
    match &buffer[..bytes.len()] {
        b"CHECK" | b"CHEQUE" | b"CHECK-DEPOSIT" => Channel::Cheque,
        b"DEPOSIT" | b"CASH-IN" | b"CASH-DEPOSIT" => Channel::CashDeposit,
        b"CASH-OUT" | b"WITHDRAWAL" | b"CASH-WITHDRAWAL" => Channel::CashWithdrawal,
        _ => Channel::BankTransfer,
    }
}

/// Opens an AMLSim transactions file, with `alert_accounts.csv` and `accounts.csv` from its directory when they
/// exist.
pub fn open(path: &Path, options: &ReadOptions) -> Result<Records, ReadError> {
    let (name, file) = open_input(path, options)?;
    let directory = path.parent().unwrap_or_else(|| Path::new(""));
    let alerts_path = directory.join("alert_accounts.csv");
    let alerts = if alerts_path.is_file() { Some(Alerts::open(&alerts_path)?) } else { None };
    let accounts_path = directory.join("accounts.csv");
    let banks = if accounts_path.is_file() { Some(AccountBanks::open(&accounts_path)?) } else { None };
    let reader = AmlSimReader::new(name, BufReader::with_capacity(1 << 16, file), options.currency, alerts, banks)?;
    Ok(Box::new(reader))
}

/// The column names a transactions file must have, with the accepted spellings of each.
const COLUMNS: [&[&str]; 8] = [
    &["tran_id"],
    &["orig_acct"],
    &["bene_acct"],
    &["tx_type"],
    &["base_amt"],
    &["tran_timestamp"],
    &["is_sar", "is_fraud"],
    &["alert_id"],
];

/// Streams the transactions of an AMLSim `transactions.csv`.
pub struct AmlSimReader<R: BufRead> {
    file: Arc<str>,
    records: CsvRecords<R>,
    /// The file's header, for messages.
    names: Vec<String>,
    /// For each of [`COLUMNS`], its position in the file.
    positions: [usize; 8],
    currency: Currency,
    alerts: Alerts,
    banks: Option<AccountBanks>,
    done: bool,
}

impl<R: BufRead> AmlSimReader<R> {
    /// Reads from any buffered byte stream and finds the columns; `name` is used in messages. Without `alerts` the rows
    /// of alerts have a scenario but no typology; without `banks` the parties have no institution.
    pub fn new(
        name: Arc<str>,
        input: R,
        currency: Currency,
        alerts: Option<Alerts>,
        banks: Option<AccountBanks>,
    ) -> Result<Self, ReadError> {
        let mut records = CsvRecords::new(input);
        let (names, found) = read_header(&name, &mut records, &COLUMNS, "an AMLSim transactions.csv")?;
        let mut positions = [0; 8];
        for (slot, position) in positions.iter_mut().zip(found) {
            *slot = position.unwrap_or_default();
        }
        Ok(AmlSimReader {
            file: name,
            records,
            names,
            positions,
            currency,
            alerts: alerts.unwrap_or_default(),
            banks,
            done: false,
        })
    }

    fn field(&self, column: usize) -> &[u8] {
        self.records.get(self.positions[column]).unwrap_or_default()
    }

    fn party(&self, column: usize, what: &str) -> Result<Party, BadRow> {
        let text = non_empty(self.field(column), self.positions[column], what)?;
        let account = AccountId::new(text).map_err(|e| BadRow::field(self.positions[column], e.to_string()))?;
        let institution = self.banks.as_ref().and_then(|banks| banks.get(text)).cloned();
        Ok(Party::at(account, institution))
    }

    fn decode(&self) -> Result<LabelledTransaction, BadRow> {
        if self.records.len() != self.names.len() {
            return Err(BadRow::Count { found: self.records.len(), expected: self.names.len() });
        }
        let at = |column: usize| self.positions[column];
        let id = non_empty(self.field(0), at(0), "a transaction id")?;
        let id = TxId::new(id).map_err(|e| BadRow::field(at(0), e.to_string()))?;
        let debtor = self.party(1, "an account id")?;
        let creditor = self.party(2, "an account id")?;
        let tx_type = non_empty(self.field(3), at(3), "a transaction type such as TRANSFER")?;
        let amount = amount(self.field(4), self.currency, at(4))?;
        let time = self.field(5);
        let time = parse_timestamp(time).ok_or_else(|| {
            BadRow::field(at(5), format!("{} is not a time (expected RFC 3339, e.g. 2017-01-01T00:00:00Z)", show(time)))
        })?;
        let illicit = parse_bool(self.field(6))
            .ok_or_else(|| BadRow::field(at(6), format!("{} is not True, False, 1 or 0", show(self.field(6)))))?;
        let alert = parse_alert_id(self.field(7)).ok_or_else(|| {
            BadRow::field(
                at(7),
                format!("{} is not an alert id (expected -1 or a whole number >= 0)", show(self.field(7))),
            )
        })?;
        let (typology, scenario) = match alert {
            None => (None, None),
            Some(alert) => {
                let scenario =
                    ScenarioId::new(format!("alert-{alert}")).map_err(|e| BadRow::field(at(7), e.to_string()))?;
                (self.alerts.typology(alert).cloned(), Some(scenario))
            }
        };
        let tx = Transaction {
            purpose: Text::new(tx_type).ok(),
            ..Transaction::new(id, time, debtor, creditor, amount, channel_for_tx_type(tx_type))
        };
        Ok(LabelledTransaction { tx, label: Some(Label { illicit, typology, scenario }) })
    }
}

impl<R: BufRead> Iterator for AmlSimReader<R> {
    type Item = Result<LabelledTransaction, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.records.next_record() {
            Ok(Next::End) => {
                self.done = true;
                None
            }
            Ok(Next::Record) => {
                let line = self.records.line;
                Some(self.decode().map_err(|bad| bad.into_error(&self.file, line, &self.names)))
            }
            Ok(Next::Bad(message)) => {
                Some(Err(ReadError::record(Location::line(&self.file, self.records.line), message)))
            }
            Err(error) => {
                self.done = true;
                Some(Err(ReadError::io(&self.file, &error)))
            }
        }
    }
}

/// The typology of each AMLSim alert, from `alert_accounts.csv` (`alert_id`, `alert_type`; other columns
/// ignored).
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    types: HashMap<u64, Typology>,
}

impl Alerts {
    /// Reads `alert_accounts.csv`.
    pub fn open(path: &Path) -> Result<Alerts, ReadError> {
        let name = display_name(path);
        let file = File::open(path).map_err(|e| ReadError::io(&name, &e))?;
        Alerts::from_reader(name, BufReader::new(file))
    }

    /// Reads alert members from any byte stream; `name` is used in messages. Every error is fatal. An alert
    /// listed with two different types is an error.
    pub fn from_reader(name: Arc<str>, input: impl BufRead) -> Result<Alerts, ReadError> {
        let mut records = CsvRecords::new(input);
        let columns: [&[&str]; 2] = [&["alert_id"], &["alert_type"]];
        let (names, found) = read_header(&name, &mut records, &columns, "an AMLSim alert_accounts.csv")?;
        let [id_at, type_at] = [found[0].unwrap_or_default(), found[1].unwrap_or_default()];
        let mut alerts = Alerts::default();
        let mut first_line: HashMap<u64, u64> = HashMap::new();
        for_each_row(&name, &mut records, &names, |record, line| {
            let id_text = record.get(id_at).unwrap_or_default();
            let id = parse_alert_id(id_text).flatten().ok_or_else(|| {
                BadRow::field(id_at, format!("{} is not an alert id (expected a whole number >= 0)", show(id_text)))
            })?;
            let type_text =
                non_empty(record.get(type_at).unwrap_or_default(), type_at, "an alert type such as fan_out")?;
            let typology = Typology::parse(type_text).map_err(|e| BadRow::field(type_at, e.to_string()))?;
            match alerts.types.get(&id) {
                Some(known) if *known != typology => {
                    let first = first_line.get(&id).copied().unwrap_or_default();
                    Err(BadRow::field(type_at, format!("alert {id} is {typology} here but {known} on line {first}")))
                }
                Some(_) => Ok(()),
                None => {
                    alerts.types.insert(id, typology);
                    first_line.insert(id, line);
                    Ok(())
                }
            }
        })?;
        Ok(alerts)
    }

    /// The typology of an alert.
    pub fn typology(&self, alert: u64) -> Option<&Typology> {
        self.types.get(&alert)
    }

    /// How many alerts are known.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether no alert is known.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }
}

/// The bank of each AMLSim account, from `accounts.csv` (`acct_id`, `bank_id`; other columns ignored).
#[derive(Debug, Clone, Default)]
pub struct AccountBanks {
    /// Account to an index into `banks`.
    accounts: HashMap<CompactString, u32>,
    /// The distinct banks.
    banks: Vec<InstitutionId>,
}

impl AccountBanks {
    /// Reads `accounts.csv`. A file without a `bank_id` column (older schemas) gives no banks.
    pub fn open(path: &Path) -> Result<AccountBanks, ReadError> {
        let name = display_name(path);
        let file = File::open(path).map_err(|e| ReadError::io(&name, &e))?;
        AccountBanks::from_reader(name, BufReader::with_capacity(1 << 16, file))
    }

    /// Reads accounts from any byte stream; `name` is used in messages. Every error is fatal. An account listed
    /// at two different banks is an error.
    pub fn from_reader(name: Arc<str>, input: impl BufRead) -> Result<AccountBanks, ReadError> {
        let mut records = CsvRecords::new(input);
        let columns: [&[&str]; 1] = [&["acct_id"]];
        let (names, found) = read_header(&name, &mut records, &columns, "an AMLSim accounts.csv")?;
        let account_at = found[0].unwrap_or_default();
        let mut banks = AccountBanks::default();
        let Some(bank_at) = names.iter().position(|n| n.eq_ignore_ascii_case("bank_id")) else {
            return Ok(banks);
        };
        let mut bank_index: HashMap<CompactString, u32> = HashMap::new();
        for_each_row(&name, &mut records, &names, |record, _line| {
            let account = non_empty(record.get(account_at).unwrap_or_default(), account_at, "an account id")?;
            let bank = non_empty(record.get(bank_at).unwrap_or_default(), bank_at, "a bank id")?;
            let index = match bank_index.get(bank) {
                Some(index) => *index,
                None => {
                    let institution = InstitutionId::new(bank).map_err(|e| BadRow::field(bank_at, e.to_string()))?;
                    let index = banks.banks.len() as u32;
                    banks.banks.push(institution);
                    bank_index.insert(CompactString::new(bank), index);
                    index
                }
            };
            match banks.accounts.get(account) {
                Some(&known) if known != index => Err(BadRow::field(
                    bank_at,
                    format!("account {account} is at {bank} here but at {} above", banks.banks[known as usize]),
                )),
                Some(_) => Ok(()),
                None => {
                    banks.accounts.insert(CompactString::new(account), index);
                    Ok(())
                }
            }
        })?;
        Ok(banks)
    }

    /// The bank of an account.
    pub fn get(&self, account: &str) -> Option<&InstitutionId> {
        self.accounts.get(account).and_then(|&index| self.banks.get(index as usize))
    }

    /// How many accounts are known.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Whether no account is known.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }
}

/// Reads the header and finds each wanted column (by any of its spellings, any case). A missing header or
/// column is fatal. Returns the file's column names and, per wanted column, its position.
fn read_header<R: BufRead>(
    file: &Arc<str>,
    records: &mut CsvRecords<R>,
    wanted: &[&[&str]],
    what: &str,
) -> Result<(Vec<String>, Vec<Option<usize>>), ReadError> {
    let at = |line: u64| Location::line(file, line.max(1));
    match records.next_record().map_err(|e| ReadError::io(file, &e))? {
        Next::Record => {}
        Next::End => return Err(ReadError::fatal(at(1), format!("the file is empty (expected the header of {what})"))),
        Next::Bad(message) => return Err(ReadError::fatal(at(records.line), message)),
    }
    let at = || at(records.line);
    let names: Vec<String> = (0..records.len())
        .map(|i| {
            let name = records.get(i).unwrap_or_default();
            let name = if i == 0 { name.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(name) } else { name };
            String::from_utf8_lossy(name).trim().to_owned()
        })
        .collect();
    let mut found = Vec::with_capacity(wanted.len());
    for spellings in wanted {
        let position = spellings.iter().find_map(|s| names.iter().position(|n| n.eq_ignore_ascii_case(s)));
        if position.is_none() {
            return Err(ReadError::fatal(
                at().with_field(spellings[0]),
                format!(
                    "the header has no column {} (expected the header of {what}; found: {})",
                    spellings.join(" or "),
                    names.join(",")
                ),
            ));
        }
        found.push(position);
    }
    Ok((names, found))
}

/// Calls `each` with every row of a side file and its line; the first error is fatal.
fn for_each_row<R: BufRead>(
    file: &Arc<str>,
    records: &mut CsvRecords<R>,
    names: &[String],
    mut each: impl FnMut(&CsvRecords<R>, u64) -> Result<(), BadRow>,
) -> Result<(), ReadError> {
    loop {
        let result = match records.next_record().map_err(|e| ReadError::io(file, &e))? {
            Next::End => return Ok(()),
            Next::Bad(message) => Err(BadRow::Line(message)),
            Next::Record if records.len() == names.len() => each(records, records.line),
            Next::Record => Err(BadRow::Count { found: records.len(), expected: names.len() }),
        };
        if let Err(bad) = result {
            let mut error = bad.into_error(file, records.line, names);
            error.fatal = true;
            return Err(error);
        }
    }
}

/// What [`CsvRecords::next_record`] found.
#[derive(Debug)]
enum Next {
    /// A record, in the reader's fields.
    Record,
    /// A record that cannot be read (too long, or a quote never closed); reading goes on after it.
    Bad(String),
    /// The end of the input.
    End,
}

/// Where the CSV parser is within a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field.
    FieldStart,
    /// In a field without quotes, or after a quoted part.
    Unquoted,
    /// Inside quotes.
    Quoted,
    /// Just after a quote inside quotes: a second quote is a literal one, anything else closes the quotes.
    QuoteInQuoted,
}

/// A CSV record reader that knows the line each record starts on: RFC 4180 quotes (`""` inside quotes is a
/// quote; a quoted field may hold commas and line breaks), LF or CRLF, blank lines skipped. Fields are kept in
/// one reused buffer.
struct CsvRecords<R> {
    lines: LineReader<R>,
    data: Vec<u8>,
    ends: Vec<usize>,
    /// The line the last record started on.
    line: u64,
}

impl<R: BufRead> CsvRecords<R> {
    fn new(input: R) -> CsvRecords<R> {
        CsvRecords {
            lines: LineReader::new(input),
            data: Vec::with_capacity(256),
            ends: Vec::with_capacity(16),
            line: 0,
        }
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, index: usize) -> Option<&[u8]> {
        let end = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        self.data.get(start..end)
    }

    fn next_record(&mut self) -> io::Result<Next> {
        self.data.clear();
        self.ends.clear();
        let mut state = State::FieldStart;
        let mut started = false;
        loop {
            match self.lines.next_line()? {
                LineStatus::End if !started => return Ok(Next::End),
                LineStatus::End => {
                    return Ok(Next::Bad(format!(
                        "has a quote that is never closed (the record begins on line {})",
                        self.line
                    )))
                }
                LineStatus::TooLong => {
                    if !started {
                        self.line = self.lines.line;
                    }
                    return Ok(Next::Bad(format!("is longer than {MAX_LINE} bytes")));
                }
                LineStatus::Line => {}
            }
            let line = self.lines.text();
            if !started {
                if line.is_empty() {
                    continue;
                }
                started = true;
                self.line = self.lines.line;
            } else {
                // A line break inside quotes belongs to the field.
                self.data.push(b'\n');
            }
            for &byte in line {
                state = match (state, byte) {
                    (State::FieldStart, b'"') => State::Quoted,
                    (State::FieldStart | State::Unquoted | State::QuoteInQuoted, b',') => {
                        self.ends.push(self.data.len());
                        State::FieldStart
                    }
                    (State::Quoted, b'"') => State::QuoteInQuoted,
                    (State::QuoteInQuoted, b'"') => {
                        self.data.push(b'"');
                        State::Quoted
                    }
                    (State::Quoted, _) => {
                        self.data.push(byte);
                        State::Quoted
                    }
                    (State::FieldStart | State::Unquoted | State::QuoteInQuoted, _) => {
                        self.data.push(byte);
                        State::Unquoted
                    }
                };
            }
            if state != State::Quoted {
                self.ends.push(self.data.len());
                return Ok(Next::Record);
            }
            if self.data.len() > MAX_LINE {
                // A quote never closed would otherwise swallow the rest of the file: give up on this record here,
                // and read the next line as the start of a new one.
                return Ok(Next::Bad(format!(
                    "has a quoted field longer than {MAX_LINE} bytes (a quote is probably never closed)"
                )));
            }
        }
    }
}

fn non_empty<'a>(bytes: &'a [u8], column: usize, what: &str) -> Result<&'a str, BadRow> {
    if bytes.is_empty() {
        return Err(BadRow::field(column, format!("is empty (expected {what})")));
    }
    std::str::from_utf8(bytes).map_err(|_| BadRow::field(column, format!("{} is not UTF-8 text", show(bytes))))
}

/// `True`/`False` in any case, or `1`/`0`.
fn parse_bool(bytes: &[u8]) -> Option<bool> {
    if bytes == b"1" || bytes.eq_ignore_ascii_case(b"true") {
        Some(true)
    } else if bytes == b"0" || bytes.eq_ignore_ascii_case(b"false") {
        Some(false)
    } else {
        None
    }
}

/// `-1` or empty: no alert (`Some(None)`); a whole number: the alert; anything else: `None`.
fn parse_alert_id(bytes: &[u8]) -> Option<Option<u64>> {
    match bytes {
        b"" | b"-1" => Some(None),
        _ if bytes.len() <= 19 && bytes.iter().all(u8::is_ascii_digit) => {
            std::str::from_utf8(bytes).ok()?.parse().ok().map(Some)
        }
        _ => None,
    }
}

/// RFC 3339 with any offset; or, read as UTC, `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS` or `YYYY-MM-DD HH:MM:SS`.
fn parse_timestamp(bytes: &[u8]) -> Option<EventTime> {
    let naive = |bytes: &[u8]| -> Option<EventTime> {
        let date = |b: &[u8]| Some((digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?));
        match bytes.len() {
            10 if bytes[4] == b'-' && bytes[7] == b'-' => {
                let (year, month, day) = date(bytes)?;
                civil_time(year, month, day, 0, 0, 0)
            }
            19 if bytes[4] == b'-'
                && bytes[7] == b'-'
                && (bytes[10] == b'T' || bytes[10] == b't' || bytes[10] == b' ')
                && bytes[13] == b':'
                && bytes[16] == b':' =>
            {
                let (year, month, day) = date(bytes)?;
                civil_time(year, month, day, digits(&bytes[11..13])?, digits(&bytes[14..16])?, digits(&bytes[17..19])?)
            }
            _ => None,
        }
    };
    // AMLSim's own form, `2017-01-01T00:00:00Z`, is read without chrono.
    if let Some(utc) = bytes.strip_suffix(b"Z").filter(|b| b.len() == 19) {
        if let Some(time) = naive(utc) {
            return Some(time);
        }
    }
    naive(bytes).or_else(|| EventTime::parse_rfc3339(std::str::from_utf8(bytes).ok()?).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let day = parse_timestamp(b"2017-01-01T00:00:00Z").unwrap();
        assert_eq!(day.to_string(), "2017-01-01T00:00:00.000Z");
        assert_eq!(parse_timestamp(b"2017-01-01"), Some(day));
        assert_eq!(parse_timestamp(b"2017-01-01 00:00:00"), Some(day));
        assert_eq!(parse_timestamp(b"2017-01-01T07:00:00+07:00"), Some(day));
        assert_eq!(parse_timestamp(b"2017-01-01T00:00:00.000Z"), Some(day));
        for bad in [&b"2017-13-01T00:00:00Z"[..], b"2017/01/01", b"", b"yesterday", b"2017-01-01T00:00:00ZZ"] {
            assert_eq!(parse_timestamp(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn booleans_and_alerts() {
        assert_eq!(parse_bool(b"True"), Some(true));
        assert_eq!(parse_bool(b"FALSE"), Some(false));
        assert_eq!(parse_bool(b"1"), Some(true));
        assert_eq!(parse_bool(b"yes"), None);
        assert_eq!(parse_alert_id(b"-1"), Some(None));
        assert_eq!(parse_alert_id(b"0"), Some(Some(0)));
        assert_eq!(parse_alert_id(b"-2"), None);
        assert_eq!(parse_alert_id(b"99999999999999999999"), None);
    }

    #[test]
    fn tx_types() {
        assert_eq!(channel_for_tx_type("CASH-OUT"), Channel::CashWithdrawal);
        assert_eq!(channel_for_tx_type("cash_in"), Channel::CashDeposit);
        assert_eq!(channel_for_tx_type("CHECK"), Channel::Cheque);
        assert_eq!(channel_for_tx_type("WIRE"), Channel::BankTransfer);
        assert_eq!(channel_for_tx_type("SOMETHING-VERY-LONG-AND-NEW"), Channel::BankTransfer);
    }
}
