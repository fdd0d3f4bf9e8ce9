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
//!   `Bitcoin` to BTC (see [`currency_for_name`]). A field that is none of these names but an upper-case ISO
//!   4217 code or crypto asset (`KHR`, `THB`, `USDT`), as [`AmlWorldWriter`] writes currencies AMLworld has no
//!   name for, is read as that code. Amounts are rounded half to even to the currency's minor unit: the source
//!   writes two decimals for every currency, so yen amounts are rounded to whole yen;
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
//!
//! [`AmlWorldWriter`] writes both files from tonle's records, lossily (see [`writer`]).

pub mod writer;

pub use writer::{currency_name, AmlWorldWriter, UNKNOWN_BANK};

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use compact_str::CompactString;
use tonle_core::{
    AccountId, Channel, Currency, EventTime, InstitutionId, Label, LabelledTransaction, Money, Party, ScenarioId, Text,
    Transaction, Typology,
};

use crate::civil::{civil_time, digits};
use crate::delimited::{amount_text, check_header, id_text, line_id, show, split_line, BadRow, LineReader, LineStatus};
use crate::error::{Location, ReadError};
use crate::reader::{display_name, open_input, ReadOptions, Records};

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

    /// An AMLworld name, else an upper-case code (only on a miss, so real AMLworld rows never pay for it).
    fn get(&self, name: &[u8]) -> Option<Currency> {
        match self.0.iter().find(|(known, _)| *known == name) {
            Some((_, currency)) => Some(*currency),
            None => currency_for_code(name),
        }
    }
}

/// The currency of an upper-case ISO 4217 code or crypto asset (`KHR`, `USDT`), as the writer spells
/// currencies that have no AMLworld name.
fn currency_for_code(code: &[u8]) -> Option<Currency> {
    if !(3..=4).contains(&code.len()) || !code.iter().all(u8::is_ascii_uppercase) {
        return None;
    }
    // Checked ASCII just above, so valid UTF-8.
    std::str::from_utf8(code).ok().and_then(|code| Currency::from_code(code).ok())
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
    let (name, file) = open_input(path, options)?;
    let patterns_path = match &options.patterns {
        Some(patterns) => Some(patterns.clone()),
        None => default_patterns_path(path).filter(|p| p.is_file()),
    };
    let patterns = patterns_path.map(|p| Patterns::open(&p)).transpose()?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let reader = AmlWorldReader::new(name, &stem, BufReader::with_capacity(1 << 20, file), patterns)?;
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
        })
    }

    /// The patterns, with the rows matched so far consumed: after the last record,
    /// [`Patterns::unmatched`] counts the listed rows that no Trans row matched.
    pub fn patterns(&self) -> Option<&Patterns> {
        self.patterns.as_ref()
    }

    fn decode(&mut self) -> Result<LabelledTransaction, BadRow> {
        let line = self.lines.line;
        let row = Row::parse(self.lines.text(), &self.currencies)?;
        let (typology, scenario) = match (&mut self.patterns, row.laundering) {
            (Some(patterns), true) => patterns.take(&row).unwrap_or_default(),
            _ => (None, None),
        };
        // Every field spelled out rather than `..Transaction::new(..)`: building the whole value in place is
        // measurably faster on this hot path than building one and moving it.
        let tx = Transaction {
            id: line_id(&self.stem, line)?,
            time: row.time,
            debtor: Party::at(row.from_account, Some(row.from_bank)),
            creditor: Party::at(row.to_account, Some(row.to_bank)),
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
        if let Err(error) = self.lines.next_record_line(&self.file)? {
            return Some(Err(error));
        }
        let line = self.lines.line;
        Some(self.decode().map_err(|bad| bad.into_error(&self.file, line, &FIELD)))
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
    fn of(row: &Row) -> Key {
        Key {
            time: row.time,
            from_bank: CompactString::new(strip_bank_zeros(row.from_bank.as_str())),
            from_account: CompactString::new(row.from_account.as_str()),
            to_bank: CompactString::new(strip_bank_zeros(row.to_bank.as_str())),
            to_account: CompactString::new(row.to_account.as_str()),
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
    fn take(&mut self, row: &Row) -> Option<(Option<Typology>, Option<ScenarioId>)> {
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

/// One row, parsed.
struct Row {
    time: EventTime,
    from_bank: InstitutionId,
    from_account: AccountId,
    to_bank: InstitutionId,
    to_account: AccountId,
    received: Money,
    paid: Money,
    format: PaymentFormat,
    laundering: bool,
}

impl Row {
    /// Reads the 11 fields, checking them in column order (a currency before its amount).
    fn parse(line: &[u8], currencies: &Currencies) -> Result<Row, BadRow> {
        let mut fields = [""; 11];
        split_line(line, &mut fields)?;
        let [time, from_bank, from_account, to_bank, to_account, received, received_currency, paid, paid_currency, format, laundering] =
            fields;
        let time = parse_minute_time(time.as_bytes()).ok_or_else(|| {
            BadRow::field(0, format!("{} is not a time of the form YYYY/MM/DD HH:MM", show(time.as_bytes())))
        })?;
        let from_bank = InstitutionId::new(id_text(from_bank, 1, "a bank id")?).map_err(|e| BadRow::field(1, e))?;
        let from_account =
            AccountId::new(id_text(from_account, 2, "an account id")?).map_err(|e| BadRow::field(2, e))?;
        let to_bank = InstitutionId::new(id_text(to_bank, 3, "a bank id")?).map_err(|e| BadRow::field(3, e))?;
        let to_account = AccountId::new(id_text(to_account, 4, "an account id")?).map_err(|e| BadRow::field(4, e))?;
        let received_currency = currency(currencies, received_currency, 6)?;
        let received = amount_text(received, received_currency, 5)?;
        let paid_currency = currency(currencies, paid_currency, 8)?;
        let paid = amount_text(paid, paid_currency, 7)?;
        let format = PaymentFormat::parse(format).ok_or_else(|| {
            let names: Vec<_> = PaymentFormat::ALL.iter().map(|(_, name)| *name).collect();
            BadRow::field(
                9,
                format!("{} is not a payment format (expected one of: {})", show(format.as_bytes()), names.join(", ")),
            )
        })?;
        let laundering = match laundering {
            "0" => false,
            "1" => true,
            other => return Err(BadRow::field(10, format!("{} is not 0 or 1", show(other.as_bytes())))),
        };
        Ok(Row { time, from_bank, from_account, to_bank, to_account, received, paid, format, laundering })
    }
}

fn currency(currencies: &Currencies, name: &str, column: usize) -> Result<Currency, BadRow> {
    currencies.get(name.as_bytes()).ok_or_else(|| {
        let names: Vec<_> = CURRENCY_NAMES.iter().map(|(name, _)| *name).collect();
        BadRow::field(
            column,
            format!(
                "{} is not a currency name (expected one of: {}; or an upper-case ISO 4217 code such as KHR)",
                show(name.as_bytes()),
                names.join(", ")
            ),
        )
    })
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
    fn codes_are_read_when_no_name_matches() {
        let currencies = Currencies::new();
        assert_eq!(currencies.get(b"US Dollar"), Some(Currency::USD));
        assert_eq!(currencies.get(b"KHR"), Some(Currency::KHR));
        assert_eq!(currencies.get(b"USDT"), Some(Currency::USDT));
        assert_eq!(currencies.get(b"USD"), Some(Currency::USD));
        assert_eq!(currencies.get(b"VND").map(|c| c.exponent()), Some(0));
        for bad in [&b"khr"[..], b"Khr", b"ABC", b"XAU", b"US", b"USDTX", b"", b"Dollar", b"\xff\xfe\xfd"] {
            assert_eq!(currencies.get(bad), None, "{}", String::from_utf8_lossy(bad));
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
    fn bank_zeros() {
        assert_eq!(strip_bank_zeros("0074695"), "74695");
        assert_eq!(strip_bank_zeros("000"), "0");
        assert_eq!(strip_bank_zeros("10"), "10");
    }
}
