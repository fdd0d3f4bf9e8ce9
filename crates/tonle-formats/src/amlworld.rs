//! IBM AMLworld (Altman et al., NeurIPS 2023): `*_Trans.csv`, labelled with the attempts of `*_Patterns.txt`.
//!
//! `X_Trans.csv` has the header
//! `Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering`
//! (the name `Account` appears twice, so columns are read by position and the header is checked). The file is
//! 7-bit ASCII without quotes, so rows are split on commas by hand; a row holding a quote is read as written.
//!
//! How a row becomes a transaction:
//!
//! - id: `<file stem>:<line>`, e.g. `HI-Small_Trans:2` for the first data row;
//! - time: `YYYY/MM/DD HH:MM` (also `YYYY-MM-DD HH:MM`, and an optional `:SS`), read as UTC;
//! - debtor: account = the first `Account`, institution = `From Bank` as written (leading zeros kept);
//!   creditor: the second `Account` at `To Bank`;
//! - amount: `Amount Paid` in `Payment Currency`; received: `Amount Received` in `Receiving Currency` when it
//!   differs from the amount (another currency or another value);
//! - currencies: the source's names (`US Dollar`, `UK Pound`, `Brazil Real`, ...) map to ISO 4217 codes, and
//!   `Bitcoin` to BTC (see [`currency_for_name`]). Amounts are rounded half to even to the currency's minor
//!   unit: the source writes two decimals for every currency, so yen amounts are rounded to whole yen;
//! - channel: from `Payment Format` (see [`PaymentFormat::channel`]); the format as written is kept in
//!   `purpose`, since ACH and Wire (for instance) share a channel;
//! - label: always present; `illicit` is `Is Laundering` = 1. Typology and scenario come from the patterns file.
//!
//! `X_Patterns.txt` (given in [`ReadOptions::patterns`], or found beside `X_Trans.csv`) lists laundering
//! attempts as blocks:
//!
//! ```text
//! BEGIN LAUNDERING ATTEMPT - CYCLE:  Max 5 hops
//! 2022/08/01 08:35,011,800D7AE80,008777,8034B4510,101883.33,Yuan,101883.33,Yuan,ACH,1
//! ...
//! END LAUNDERING ATTEMPT - CYCLE
//! ```
//!
//! A Trans row labelled 1 takes the typology (`Typology::parse` of the name) and the scenario `<typology>-<n>`
//! (n: the attempt's 1-based number in the file, e.g. `cycle-1`) of a patterns row with the same 10 non-label
//! fields, compared as values: the time as an instant (so `/` and `-` separators agree), bank ids with leading
//! zeros stripped, accounts as written, amounts in minor units with their currency, the payment format. A
//! transaction can appear in several attempts and Trans.csv holds duplicate rows, so matches are consumed first
//! in, first out: the first matching Trans row takes the earliest attempt. Rows labelled 0 are never matched
//! (every patterns row is laundering), so licit duplicates cannot consume a pattern. Only the patterns are
//! held in memory; Trans.csv streams.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use compact_str::CompactString;
use tonle_core::{
    AccountId, Channel, Currency, EventTime, InstitutionId, Label, LabelledTransaction, Money, Party, ScenarioId, Text,
    Transaction, TxId, Typology,
};

use crate::error::{Location, ReadError};
use crate::reader::{display_name, ReadOptions, Records};

/// The header of `*_Trans.csv` and of the rows of `*_Patterns.txt`.
pub const HEADER: [&str; 11] = [
    "Timestamp",
    "From Bank",
    "Account",
    "To Bank",
    "Account",
    "Amount Received",
    "Receiving Currency",
    "Amount Paid",
    "Payment Currency",
    "Payment Format",
    "Is Laundering",
];

/// The names errors give the columns: the header's, with the two `Account` columns told apart.
const FIELD: [&str; 11] = [
    "Timestamp",
    "From Bank",
    "Account (column 3)",
    "To Bank",
    "Account (column 5)",
    "Amount Received",
    "Receiving Currency",
    "Amount Paid",
    "Payment Currency",
    "Payment Format",
    "Is Laundering",
];

/// AMLworld's currency names and the ISO 4217 code (or crypto asset) each stands for.
pub const CURRENCY_NAMES: [(&str, &str); 15] = [
    ("US Dollar", "USD"),
    ("Euro", "EUR"),
    ("Yuan", "CNY"),
    ("Yen", "JPY"),
    ("UK Pound", "GBP"),
    ("Rupee", "INR"),
    ("Ruble", "RUB"),
    ("Canadian Dollar", "CAD"),
    ("Australian Dollar", "AUD"),
    ("Swiss Franc", "CHF"),
    ("Mexican Peso", "MXN"),
    ("Brazil Real", "BRL"),
    ("Shekel", "ILS"),
    ("Saudi Riyal", "SAR"),
    ("Bitcoin", "BTC"),
];

/// The currency an AMLworld currency name stands for (`"UK Pound"` is GBP, `"Bitcoin"` BTC), if it is one of
/// the 15 names the data sets use (exact spelling).
pub fn currency_for_name(name: &str) -> Option<Currency> {
    CURRENCY_NAMES.iter().find(|(known, _)| *known == name).and_then(|(_, code)| Currency::from_code(code).ok())
}

/// The currencies of [`CURRENCY_NAMES`], looked up once per reader.
#[derive(Debug, Clone)]
struct Currencies([(&'static [u8], Currency); 15]);

impl Currencies {
    fn new() -> Currencies {
        Currencies(CURRENCY_NAMES.map(|(name, code)| {
            // Every code in the table is a currency tonle knows (the unit test below checks it).
            (name.as_bytes(), Currency::from_code(code).unwrap_or(Currency::USD))
        }))
    }

    fn get(&self, name: &[u8]) -> Option<Currency> {
        self.0.iter().find(|(known, _)| *known == name).map(|(_, currency)| *currency)
    }
}

/// AMLworld's `Payment Format`: exactly seven values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentFormat {
    /// `ACH`.
    Ach,
    /// `Wire`.
    Wire,
    /// `Cheque`.
    Cheque,
    /// `Credit Card`.
    CreditCard,
    /// `Cash`.
    Cash,
    /// `Reinvestment`.
    Reinvestment,
    /// `Bitcoin`.
    Bitcoin,
}

impl PaymentFormat {
    /// Every format, with its spelling in the data.
    pub const ALL: [(PaymentFormat, &'static str); 7] = [
        (PaymentFormat::Ach, "ACH"),
        (PaymentFormat::Wire, "Wire"),
        (PaymentFormat::Cheque, "Cheque"),
        (PaymentFormat::CreditCard, "Credit Card"),
        (PaymentFormat::Cash, "Cash"),
        (PaymentFormat::Reinvestment, "Reinvestment"),
        (PaymentFormat::Bitcoin, "Bitcoin"),
    ];

    /// Reads the spelling of the data (exact).
    pub fn parse(text: &str) -> Option<PaymentFormat> {
        PaymentFormat::ALL.iter().find(|(_, name)| *name == text).map(|(format, _)| *format)
    }

    /// The spelling in the data.
    pub fn as_str(self) -> &'static str {
        PaymentFormat::ALL[self as usize].1
    }

    /// The channel tonle reads the format as:
    ///
    /// - `ACH`, `Wire`: [`Channel::BankTransfer`];
    /// - `Cheque`: [`Channel::Cheque`];
    /// - `Credit Card`: [`Channel::Card`];
    /// - `Cash`: [`Channel::CashDeposit`]. AMLworld's cash is a payment from one account to another settled in
    ///   cash: the money is drawn from the debtor's account and reaches the creditor's account as cash, so it is
    ///   read as a cash deposit into the creditor's account (the side where cash enters the system, which is
    ///   where placement and structuring show), with the debtor's account as the origin of the funds;
    /// - `Reinvestment`: [`Channel::Internal`] (a book transfer, mostly to the same account);
    /// - `Bitcoin`: [`Channel::OnChain`].
    pub fn channel(self) -> Channel {
        match self {
            PaymentFormat::Ach | PaymentFormat::Wire => Channel::BankTransfer,
            PaymentFormat::Cheque => Channel::Cheque,
            PaymentFormat::CreditCard => Channel::Card,
            PaymentFormat::Cash => Channel::CashDeposit,
            PaymentFormat::Reinvestment => Channel::Internal,
            PaymentFormat::Bitcoin => Channel::OnChain,
        }
    }
}

/// Opens an AMLworld `*_Trans.csv`, with its patterns file when one is given or sits beside it.
///
/// The patterns are read first and in full; an error in them is fatal and names the patterns file and line.
pub fn open(path: &Path, options: &ReadOptions) -> Result<Records, ReadError> {
    let name = display_name(path);
    let file = File::open(path).map_err(|e| ReadError::io(&name, &e))?;
    let patterns_path = match &options.patterns {
        Some(patterns) => Some(patterns.clone()),
        None => default_patterns_path(path).filter(|p| p.is_file()),
    };
    let patterns = patterns_path.map(|p| Patterns::open(&p)).transpose()?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let reader = AmlWorldReader::new(name, &stem, BufReader::with_capacity(1 << 16, file), patterns)?;
    Ok(Box::new(reader))
}

/// `X_Patterns.txt` for `X_Trans.csv`; `None` when the name does not end in `_Trans.csv`.
pub fn default_patterns_path(trans: &Path) -> Option<PathBuf> {
    let file_name = trans.file_name()?.to_str()?;
    let bundle = file_name.strip_suffix("_Trans.csv")?;
    Some(trans.with_file_name(format!("{bundle}_Patterns.txt")))
}

/// Streams the transactions of a `*_Trans.csv`.
pub struct AmlWorldReader<R: BufRead> {
    file: Arc<str>,
    stem: CompactString,
    lines: LineReader<R>,
    currencies: Currencies,
    patterns: Option<Patterns>,
    done: bool,
}

impl<R: BufRead> AmlWorldReader<R> {
    /// Reads from any buffered byte stream and checks the header. `name` is used in messages and `stem` in
    /// transaction ids (`<stem>:<line>`).
    pub fn new(name: Arc<str>, stem: &str, input: R, patterns: Option<Patterns>) -> Result<Self, ReadError> {
        let mut lines = LineReader::new(input);
        check_header(&name, &mut lines, &[&HEADER], "an AMLworld *_Trans.csv header")?;
        Ok(AmlWorldReader {
            file: name,
            stem: CompactString::new(stem),
            lines,
            currencies: Currencies::new(),
            patterns,
            done: false,
        })
    }

    fn decode(&mut self) -> Result<LabelledTransaction, BadRow> {
        let line = self.lines.line;
        let row = Row::parse(self.lines.text(), &self.currencies)?;
        let (typology, scenario) = match (&mut self.patterns, row.laundering) {
            (Some(patterns), true) => patterns.take(&row).unwrap_or_default(),
            _ => (None, None),
        };
        let tx = Transaction {
            id: line_id(&self.stem, line),
            time: row.time,
            debtor: Party::at(account(row.from_account), Some(institution(row.from_bank))),
            creditor: Party::at(account(row.to_account), Some(institution(row.to_bank))),
            amount: row.paid,
            received: (row.received != row.paid).then_some(row.received),
            channel: row.format.channel(),
            device: None,
            ip: None,
            purpose: Text::new(CompactString::const_new(row.format.as_str())).ok(),
            reference: None,
        };
        Ok(LabelledTransaction { tx, label: Some(Label { illicit: row.laundering, typology, scenario }) })
    }
}

impl<R: BufRead> Iterator for AmlWorldReader<R> {
    type Item = Result<LabelledTransaction, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            match self.lines.next_line() {
                Err(error) => {
                    self.done = true;
                    return Some(Err(ReadError::io(&self.file, &error)));
                }
                Ok(LineStatus::End) => {
                    self.done = true;
                    return None;
                }
                Ok(LineStatus::TooLong) => return Some(Err(self.lines.too_long(&self.file))),
                Ok(LineStatus::Line) if self.lines.text().is_empty() => continue,
                Ok(LineStatus::Line) => {
                    let line = self.lines.line;
                    return Some(self.decode().map_err(|bad| bad.into_error(&self.file, line, &FIELD)));
                }
            }
        }
    }
}

/// The laundering attempts of a `*_Patterns.txt`, indexed for matching Trans rows.
#[derive(Debug, Default)]
pub struct Patterns {
    attempts: Vec<Attempt>,
    index: HashMap<Key, VecDeque<u32>>,
    rows: usize,
}

/// One `BEGIN LAUNDERING ATTEMPT` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The typology named on the BEGIN line.
    pub typology: Typology,
    /// `<typology>-<n>`, n counting attempts from 1 in file order.
    pub scenario: ScenarioId,
    /// The text after the name on the BEGIN line (`Max 5 hops`), if any.
    pub description: Option<String>,
    /// The line of the BEGIN line.
    pub line: u64,
    /// How many transaction rows the block lists.
    pub rows: usize,
}

/// The 10 non-label fields of a row, as values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    time: EventTime,
    from_bank: CompactString,
    from_account: CompactString,
    to_bank: CompactString,
    to_account: CompactString,
    received: Money,
    paid: Money,
    format: PaymentFormat,
}

impl Key {
    fn of(row: &Row<'_>) -> Key {
        Key {
            time: row.time,
            from_bank: CompactString::new(strip_bank_zeros(row.from_bank)),
            from_account: CompactString::new(row.from_account),
            to_bank: CompactString::new(strip_bank_zeros(row.to_bank)),
            to_account: CompactString::new(row.to_account),
            received: row.received,
            paid: row.paid,
            format: row.format,
        }
    }
}

/// A bank id without its leading zeros, as `*_accounts.csv` writes it; all zeros is `0`.
pub fn strip_bank_zeros(bank: &str) -> &str {
    let stripped = bank.trim_start_matches('0');
    if stripped.is_empty() && !bank.is_empty() {
        "0"
    } else {
        stripped
    }
}

const BEGIN: &str = "BEGIN LAUNDERING ATTEMPT - ";
const END: &str = "END LAUNDERING ATTEMPT - ";

impl Patterns {
    /// Reads a patterns file.
    pub fn open(path: &Path) -> Result<Patterns, ReadError> {
        let name = display_name(path);
        let file = File::open(path).map_err(|e| ReadError::io(&name, &e))?;
        Patterns::from_reader(name, BufReader::new(file))
    }

    /// Reads patterns from any buffered byte stream; `name` is used in messages. Every error is fatal and names
    /// the line.
    pub fn from_reader(name: Arc<str>, input: impl BufRead) -> Result<Patterns, ReadError> {
        let currencies = Currencies::new();
        let mut lines = LineReader::new(input);
        let mut patterns = Patterns::default();
        // The attempt being read: its index and its typology's name as written.
        let mut open: Option<(usize, String)> = None;
        loop {
            match lines.next_line().map_err(|e| ReadError::io(&name, &e))? {
                LineStatus::End => break,
                LineStatus::TooLong => {
                    let mut error = lines.too_long(&name);
                    error.fatal = true;
                    return Err(error);
                }
                LineStatus::Line => {}
            }
            let line = lines.line;
            let at = || Location::line(&name, line);
            let bytes = lines.text();
            let bytes = if line == 1 { bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes) } else { bytes };
            let text = std::str::from_utf8(bytes).map_err(|_| ReadError::fatal(at(), "is not UTF-8 text"))?;
            let trimmed = text.trim();
            if trimmed.is_empty() {
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix(BEGIN) {
                if let Some((index, _)) = &open {
                    let begun = patterns.attempts[*index].line;
                    return Err(ReadError::fatal(
                        at(),
                        format!("a new attempt begins before the attempt begun on line {begun} has ended"),
                    ));
                }
                let (typology_name, description) = match rest.split_once(':') {
                    Some((typology_name, description)) => {
                        (typology_name.trim(), Some(description.trim()).filter(|d| !d.is_empty()))
                    }
                    None => (rest.trim(), None),
                };
                let typology = Typology::parse(typology_name).map_err(|_| {
                    ReadError::fatal(at(), "has no typology name (expected e.g. \"BEGIN LAUNDERING ATTEMPT - CYCLE\")")
                })?;
                let number = patterns.attempts.len() + 1;
                let scenario = ScenarioId::new(format!("{typology}-{number}"))
                    .map_err(|e| ReadError::fatal(at(), e.to_string()))?;
                open = Some((patterns.attempts.len(), typology_name.to_owned()));
                patterns.attempts.push(Attempt {
                    typology,
                    scenario,
                    description: description.map(str::to_owned),
                    line,
                    rows: 0,
                });
            } else if let Some(rest) = trimmed.strip_prefix(END) {
                let Some((index, begun_name)) = open.take() else {
                    return Err(ReadError::fatal(at(), "ends an attempt that was not begun"));
                };
                let ended = Typology::parse(rest).ok();
                if ended.as_ref() != Some(&patterns.attempts[index].typology) {
                    let begun = patterns.attempts[index].line;
                    return Err(ReadError::fatal(
                        at(),
                        format!("ends {:?} but the attempt begun on line {begun} is {begun_name:?}", rest.trim()),
                    ));
                }
            } else {
                let Some((index, _)) = &open else {
                    return Err(ReadError::fatal(
                        at(),
                        "is neither a BEGIN LAUNDERING ATTEMPT line, an END LAUNDERING ATTEMPT line nor a row \
                         inside an attempt",
                    ));
                };
                let row = Row::parse(bytes, &currencies).map_err(|bad| {
                    let mut error = bad.into_error(&name, line, &FIELD);
                    error.fatal = true;
                    error
                })?;
                patterns.index.entry(Key::of(&row)).or_default().push_back(*index as u32);
                patterns.attempts[*index].rows += 1;
                patterns.rows += 1;
            }
        }
        if let Some((index, begun_name)) = open {
            let begun = patterns.attempts[index].line;
            return Err(ReadError::fatal(
                Location::line(&name, lines.line),
                format!("the file ends inside the {begun_name} attempt begun on line {begun} (expected an END line)"),
            ));
        }
        Ok(patterns)
    }

    /// The attempts, in file order.
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// How many transaction rows the attempts list in all.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// How many listed rows no Trans row has matched yet.
    pub fn unmatched(&self) -> usize {
        self.index.values().map(VecDeque::len).sum()
    }

    /// Consumes the earliest attempt listing this row, if any.
    fn take(&mut self, row: &Row<'_>) -> Option<(Option<Typology>, Option<ScenarioId>)> {
        let key = Key::of(row);
        let queue = self.index.get_mut(&key)?;
        let index = queue.pop_front()?;
        if queue.is_empty() {
            self.index.remove(&key);
        }
        let attempt = self.attempts.get(index as usize)?;
        Some((Some(attempt.typology.clone()), Some(attempt.scenario.clone())))
    }
}

/// One row, parsed; texts borrow the line.
struct Row<'a> {
    time: EventTime,
    from_bank: &'a str,
    from_account: &'a str,
    to_bank: &'a str,
    to_account: &'a str,
    received: Money,
    paid: Money,
    format: PaymentFormat,
    laundering: bool,
}

impl<'a> Row<'a> {
    fn parse(line: &'a [u8], currencies: &Currencies) -> Result<Row<'a>, BadRow> {
        let mut fields = [&b""[..]; 11];
        let count = split_fields(line, &mut fields);
        if count != fields.len() {
            return Err(BadRow::Count { found: count, expected: fields.len() });
        }
        let [time, from_bank, from_account, to_bank, to_account, received, received_currency, paid, paid_currency, format, laundering] =
            fields;
        let time = parse_minute_time(time)
            .ok_or_else(|| BadRow::field(0, format!("{} is not a time of the form YYYY/MM/DD HH:MM", show(time))))?;
        let received_currency = currency(currencies, received_currency, 6)?;
        let paid_currency = currency(currencies, paid_currency, 8)?;
        let format = utf8(format, 9).ok().and_then(PaymentFormat::parse).ok_or_else(|| {
            let names: Vec<_> = PaymentFormat::ALL.iter().map(|(_, name)| *name).collect();
            BadRow::field(9, format!("{} is not a payment format (expected one of: {})", show(format), names.join(", ")))
        })?;
        let laundering = match laundering {
            b"0" => false,
            b"1" => true,
            other => return Err(BadRow::field(10, format!("{} is not 0 or 1", show(other)))),
        };
        Ok(Row {
            time,
            from_bank: id_text(from_bank, 1, "a bank id")?,
            from_account: id_text(from_account, 2, "an account id")?,
            to_bank: id_text(to_bank, 3, "a bank id")?,
            to_account: id_text(to_account, 4, "an account id")?,
            received: amount(received, received_currency, 5)?,
            paid: amount(paid, paid_currency, 7)?,
            format,
            laundering,
        })
    }
}

fn currency(currencies: &Currencies, name: &[u8], column: usize) -> Result<Currency, BadRow> {
    currencies.get(name).ok_or_else(|| {
        let names: Vec<_> = CURRENCY_NAMES.iter().map(|(name, _)| *name).collect();
        BadRow::field(column, format!("{} is not a currency name (expected one of: {})", show(name), names.join(", ")))
    })
}

fn id_text<'a>(bytes: &'a [u8], column: usize, what: &str) -> Result<&'a str, BadRow> {
    if bytes.is_empty() {
        return Err(BadRow::field(column, format!("is empty (expected {what})")));
    }
    utf8(bytes, column)
}

fn utf8(bytes: &[u8], column: usize) -> Result<&str, BadRow> {
    std::str::from_utf8(bytes).map_err(|_| BadRow::field(column, format!("{} is not UTF-8 text", show(bytes))))
}

/// A non-negative decimal amount, rounded half to even to the currency's minor unit.
pub(crate) fn amount(bytes: &[u8], currency: Currency, column: usize) -> Result<Money, BadRow> {
    let expected = || {
        BadRow::field(column, format!("{} is not an amount (expected a non-negative decimal such as 3697.34)", show(bytes)))
    };
    let text = std::str::from_utf8(bytes).map_err(|_| expected())?;
    let money = Money::parse_rounded(text, currency).map_err(|e| match e {
        tonle_core::MoneyError::Amount(tonle_core::decimal::DecimalError::Overflow(_)) => {
            BadRow::field(column, format!("{} is too large for {currency}", show(bytes)))
        }
        _ => expected(),
    })?;
    if money.is_negative() {
        return Err(expected());
    }
    Ok(money)
}

/// An id the row has checked to be non-empty.
fn account(text: &str) -> AccountId {
    AccountId::new(text).unwrap_or_else(|_| unreachable_id())
}

fn institution(text: &str) -> InstitutionId {
    InstitutionId::new(text).unwrap_or_else(|_| unreachable_institution())
}

#[cold]
fn unreachable_id() -> AccountId {
    // Rows check ids are non-empty before they get here.
    AccountId::new("?").unwrap_or_else(|_| unreachable_id())
}

#[cold]
fn unreachable_institution() -> InstitutionId {
    InstitutionId::new("?").unwrap_or_else(|_| unreachable_institution())
}

// ------------------------------------------------------------------------------------------------------------
// Shared by the AMLworld and PaySim readers: lines, fields, ids, times and row errors.

/// Lines longer than this are refused (a record error), so a file without newlines cannot exhaust memory.
pub(crate) const MAX_LINE: usize = 1 << 20;

/// What [`LineReader::next_line`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineStatus {
    /// A line, in [`LineReader::text`] (without its `\n` or `\r\n`).
    Line,
    /// A line longer than [`MAX_LINE`], skipped.
    TooLong,
    /// The end of the input.
    End,
}

/// Reads lines into one reused buffer.
pub(crate) struct LineReader<R> {
    input: R,
    buffer: Vec<u8>,
    /// The 1-based number of the last line read.
    pub(crate) line: u64,
}

impl<R: BufRead> LineReader<R> {
    pub(crate) fn new(input: R) -> LineReader<R> {
        LineReader { input, buffer: Vec::with_capacity(256), line: 0 }
    }

    pub(crate) fn next_line(&mut self) -> io::Result<LineStatus> {
        self.buffer.clear();
        let read = self.input.by_ref().take(MAX_LINE as u64 + 1).read_until(b'\n', &mut self.buffer)?;
        if read == 0 {
            return Ok(LineStatus::End);
        }
        self.line += 1;
        if self.buffer.last() == Some(&b'\n') {
            self.buffer.pop();
        } else if self.buffer.len() > MAX_LINE {
            // Skip the rest of the line without keeping it.
            loop {
                self.buffer.clear();
                let read = self.input.by_ref().take(MAX_LINE as u64).read_until(b'\n', &mut self.buffer)?;
                if read == 0 || self.buffer.last() == Some(&b'\n') {
                    break;
                }
            }
            self.buffer.clear();
            return Ok(LineStatus::TooLong);
        }
        if self.buffer.last() == Some(&b'\r') {
            self.buffer.pop();
        }
        Ok(LineStatus::Line)
    }

    /// The last line read.
    pub(crate) fn text(&self) -> &[u8] {
        &self.buffer
    }

    pub(crate) fn too_long(&self, file: &Arc<str>) -> ReadError {
        ReadError::record(Location::line(file, self.line), format!("is longer than {MAX_LINE} bytes"))
    }
}

/// Reads the first line and checks it is one of the `headers`; returns which one. A missing or different
/// header is fatal.
pub(crate) fn check_header<R: BufRead>(
    file: &Arc<str>,
    lines: &mut LineReader<R>,
    headers: &[&[&str]],
    what: &str,
) -> Result<usize, ReadError> {
    let at = || Location::line(file, 1);
    let first = match lines.next_line().map_err(|e| ReadError::io(file, &e))? {
        LineStatus::End => return Err(ReadError::fatal(at(), format!("the file is empty (expected {what})"))),
        LineStatus::TooLong => return Err(ReadError::fatal(at(), format!("is not {what}: the line is too long"))),
        LineStatus::Line => lines.text(),
    };
    let first = first.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(first);
    let mut fields = [&b""[..]; 16];
    let count = split_fields(first, &mut fields);
    if let Some(found) = headers.iter().position(|header| {
        header.len() == count && header.iter().zip(&fields).all(|(name, field)| name.as_bytes() == *field)
    }) {
        return Ok(found);
    }
    // Name the first column that differs from the closest header (the one of the same length, else the first).
    let header = headers.iter().find(|h| h.len() == count).unwrap_or(&headers[0]);
    let expected = header.join(",");
    let differs = header.iter().zip(&fields[..count.min(fields.len())]).position(|(name, field)| name.as_bytes() != *field);
    Err(match differs {
        Some(column) => ReadError::fatal(
            at().with_field(header[column]),
            format!(
                "column {} is {}; expected {what}: {expected}",
                column + 1,
                show(fields[column]),
            ),
        ),
        None => ReadError::fatal(at(), format!("has {count} columns; expected {what}: {expected}")),
    })
}

/// Splits a line on commas into `fields`; returns how many fields the line has (possibly more than fit).
pub(crate) fn split_fields<'a, const N: usize>(line: &'a [u8], fields: &mut [&'a [u8]; N]) -> usize {
    let mut count = 0;
    for field in line.split(|&b| b == b',') {
        if let Some(slot) = fields.get_mut(count) {
            *slot = field;
        }
        count += 1;
    }
    count
}

/// A row that could not be read: the wrong number of fields, or one bad field.
#[derive(Debug)]
pub(crate) enum BadRow {
    /// The row has `found` fields instead of `expected`.
    Count { found: usize, expected: usize },
    /// A field (by position) and what is wrong with it.
    Field { column: usize, message: String },
}

impl BadRow {
    pub(crate) fn field(column: usize, message: impl Into<String>) -> BadRow {
        BadRow::Field { column, message: message.into() }
    }

    /// The record error, naming the line and, for a bad field, the column from `names`.
    pub(crate) fn into_error(self, file: &Arc<str>, line: u64, names: &[&str]) -> ReadError {
        let location = Location::line(file, line);
        match self {
            BadRow::Count { found, expected } => {
                ReadError::record(location, format!("has {found} fields; expected {expected}"))
            }
            BadRow::Field { column, message } => {
                let name = names.get(column).copied().unwrap_or("?");
                ReadError::record(location.with_field(name), message)
            }
        }
    }
}

/// A field's text for messages: quoted, cut at 40 characters, invalid UTF-8 replaced.
pub(crate) fn show(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(40).collect();
        format!("{cut:?}...")
    } else {
        format!("{text:?}")
    }
}

/// The transaction id `<stem>:<line>`; inline (no allocation) while it fits 24 bytes.
pub(crate) fn line_id(stem: &str, line: u64) -> TxId {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = line;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut id = CompactString::with_capacity(stem.len() + 1 + digits.len() - start);
    id.push_str(stem);
    id.push(':');
    // Only ASCII digits were written.
    id.push_str(std::str::from_utf8(&digits[start..]).unwrap_or_default());
    // Never empty: it holds at least the colon and one digit.
    TxId::new(id).unwrap_or_else(|_| unreachable_tx_id())
}

#[cold]
fn unreachable_tx_id() -> TxId {
    TxId::new(":").unwrap_or_else(|_| unreachable_tx_id())
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = if year >= 0 { year } else { year - 399 } / 400;
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        _ => 28,
    }
}

/// A checked calendar time (years 0000 to 9999) as an event time.
pub(crate) fn civil_time(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<EventTime> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 59 || year > 9999 {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    EventTime::from_millis(seconds * 1000).ok()
}

/// The value of a run of ASCII digits.
pub(crate) fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 9 {
        return None;
    }
    let mut value = 0u32;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(b - b'0');
    }
    Some(value)
}

/// `YYYY/MM/DD HH:MM` or `YYYY-MM-DD HH:MM`, optionally with `:SS`, as UTC.
pub(crate) fn parse_minute_time(bytes: &[u8]) -> Option<EventTime> {
    if bytes.len() != 16 && bytes.len() != 19 {
        return None;
    }
    let separator = bytes[4];
    if (separator != b'/' && separator != b'-') || bytes[7] != separator || bytes[10] != b' ' || bytes[13] != b':' {
        return None;
    }
    let second = if bytes.len() == 19 {
        if bytes[16] != b':' {
            return None;
        }
        digits(&bytes[17..19])?
    } else {
        0
    };
    civil_time(
        digits(&bytes[0..4])?,
        digits(&bytes[5..7])?,
        digits(&bytes[8..10])?,
        digits(&bytes[11..13])?,
        digits(&bytes[14..16])?,
        second,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_currency_name_is_known() {
        for (name, code) in CURRENCY_NAMES {
            assert_eq!(currency_for_name(name).map(|c| c.code().to_owned()), Some(code.to_owned()), "{name}");
        }
        assert_eq!(currency_for_name("Yen").unwrap().exponent(), 0);
        assert_eq!(currency_for_name("Bitcoin").unwrap().exponent(), 8);
        assert_eq!(currency_for_name("Dollar"), None);
    }

    #[test]
    fn days_from_civil_agrees_with_chrono() {
        use chrono::{Datelike, NaiveDate};
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        let mut date = NaiveDate::from_ymd_opt(1599, 12, 25).unwrap();
        while date.year() < 2403 {
            let expected = (date - epoch).num_days();
            assert_eq!(days_from_civil(i64::from(date.year()), date.month(), date.day()), expected, "{date}");
            date = date + chrono::Days::new(13);
        }
    }

    #[test]
    fn minute_times() {
        let t = parse_minute_time(b"2022/09/01 00:20").unwrap();
        assert_eq!(t.to_string(), "2022-09-01T00:20:00.000Z");
        assert_eq!(parse_minute_time(b"2022-09-01 00:20"), Some(t));
        assert_eq!(parse_minute_time(b"2022/09/01 00:20:30").unwrap().to_string(), "2022-09-01T00:20:30.000Z");
        assert_eq!(parse_minute_time(b"2024/02/29 23:59").unwrap().to_string(), "2024-02-29T23:59:00.000Z");
        for bad in [
            &b"2022/09/01"[..],
            b"2022/13/01 00:20",
            b"2023/02/29 00:20",
            b"2022/09/01 24:00",
            b"2022/09/01 00:60",
            b"2022/09-01 00:20",
            b"2022/09/01T00:20",
            b"2022/0a/01 00:20",
            b"+022/09/01 00:20",
            b"2022/09/00 00:20",
        ] {
            assert_eq!(parse_minute_time(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn line_ids() {
        assert_eq!(line_id("HI-Small_Trans", 2).as_str(), "HI-Small_Trans:2");
        assert_eq!(line_id("x", 0).as_str(), "x:0");
        assert_eq!(line_id("", u64::MAX).as_str(), ":18446744073709551615");
    }

    #[test]
    fn bank_zeros() {
        assert_eq!(strip_bank_zeros("0074695"), "74695");
        assert_eq!(strip_bank_zeros("000"), "0");
        assert_eq!(strip_bank_zeros("10"), "10");
    }
}
