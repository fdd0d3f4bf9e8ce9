//! Account ground truth as CSV: one [`AccountRecord`] per row, beside a transaction file.
//!
//! RFC 4180, UTF-8, a header row with exactly these columns in this order (see [`ACCOUNT_COLUMNS`]):
//!
//! ```text
//! account,institution,party,name,kind,country,currency,opened,phone,device,role,scenarios
//! KH-0001,ABAAKHPP,P-17,"Sok, Dara",person,KH,USD,2024-05-01T00:00:00.000Z,+85512345678,d-9,mule,pig-butchering-3
//! ```
//!
//! - An empty field is an absent value; `account`, `kind`, `currency` and `role` are required.
//! - `kind` and `role` are the kebab-case names of [`AccountKind`] and [`AccountRole`] (`cash-out`).
//! - `currency` is an ISO 4217 code or a crypto asset; `country` ISO 3166-1 alpha-2; `phone` as
//!   [`PhoneNumber`] normalises it.
//! - `opened` is RFC 3339 (written with milliseconds and `Z`, read with any offset).
//! - `scenarios` are the scenario ids joined with `;` (empty: none), so a scenario id holding `;` cannot be
//!   written.
//!
//! Reading streams and follows the transaction readers' rules: a bad row is a record error naming the file, the
//! line and the field, and reading goes on; a missing or different header is fatal.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use tonle_core::{
    AccountId, AccountKind, AccountRecord, AccountRole, CountryCode, Currency, DeviceId, EventTime, InstitutionId,
    PartyId, PhoneNumber, ScenarioId, Text,
};

use crate::error::{Location, ReadError, WriteError};
use crate::native::csv::crlf_line_offset;
use crate::reader::display_name;

/// The columns of an accounts file, in file order.
pub const ACCOUNT_COLUMNS: [&str; 12] = [
    "account",
    "institution",
    "party",
    "name",
    "kind",
    "country",
    "currency",
    "opened",
    "phone",
    "device",
    "role",
    "scenarios",
];

/// What separates the scenario ids in the `scenarios` column.
pub const SCENARIO_SEPARATOR: char = ';';

/// Column indexes, by name.
const ACCOUNT: usize = 0;
const INSTITUTION: usize = 1;
const PARTY: usize = 2;
const NAME: usize = 3;
const KIND: usize = 4;
const COUNTRY: usize = 5;
const CURRENCY: usize = 6;
const OPENED: usize = 7;
const PHONE: usize = 8;
const DEVICE: usize = 9;
const ROLE: usize = 10;
const SCENARIOS: usize = 11;

/// Writes an accounts file: the header, then one row per record.
pub struct AccountsWriter<W: Write = BufWriter<File>> {
    path: PathBuf,
    writer: csv::Writer<W>,
    /// One reused text per column.
    fields: [String; 12],
}

impl AccountsWriter<BufWriter<File>> {
    /// Creates (or truncates) a file and writes the header.
    pub fn create(path: &Path) -> Result<Self, WriteError> {
        let file = File::create(path).map_err(|e| WriteError::io(path, e))?;
        AccountsWriter::new(path, BufWriter::with_capacity(1 << 16, file))
    }
}

impl<W: Write> AccountsWriter<W> {
    /// Writes to any byte sink; `path` is used in messages.
    pub fn new(path: &Path, output: W) -> Result<Self, WriteError> {
        let mut writer = csv::WriterBuilder::new().from_writer(output);
        writer.write_record(ACCOUNT_COLUMNS).map_err(|e| WriteError::encode(path, e))?;
        Ok(AccountsWriter { path: path.to_path_buf(), writer, fields: Default::default() })
    }

    /// Writes one record. A scenario id holding `;` is refused (it would read back as two).
    pub fn write(&mut self, record: &AccountRecord) -> Result<(), WriteError> {
        if let Some(bad) = record.scenarios.iter().find(|s| s.as_str().contains(SCENARIO_SEPARATOR)) {
            return Err(WriteError::encode(
                &self.path,
                format!(
                    "account {:?}: scenario id {:?} holds {SCENARIO_SEPARATOR:?}, which separates scenarios",
                    record.account.as_str(),
                    bad.as_str()
                ),
            ));
        }
        let fields = &mut self.fields;
        fn put(slot: &mut String, value: Option<&dyn fmt::Display>) {
            use fmt::Write as _;
            slot.clear();
            if let Some(value) = value {
                // Writing into a String cannot fail.
                let _ = write!(slot, "{value}");
            }
        }
        put(&mut fields[ACCOUNT], Some(&record.account));
        put(&mut fields[INSTITUTION], record.institution.as_ref().map(|v| v as _));
        put(&mut fields[PARTY], record.party.as_ref().map(|v| v as _));
        put(&mut fields[NAME], record.name.as_ref().map(|v| v as _));
        put(&mut fields[KIND], Some(&record.kind));
        put(&mut fields[COUNTRY], record.country.as_ref().map(|v| v as _));
        put(&mut fields[CURRENCY], Some(&record.currency));
        put(&mut fields[OPENED], record.opened.as_ref().map(|v| v as _));
        put(&mut fields[PHONE], record.phone.as_ref().map(|v| v as _));
        put(&mut fields[DEVICE], record.device.as_ref().map(|v| v as _));
        put(&mut fields[ROLE], Some(&record.role));
        let scenarios = &mut fields[SCENARIOS];
        scenarios.clear();
        for (i, scenario) in record.scenarios.iter().enumerate() {
            if i > 0 {
                scenarios.push(SCENARIO_SEPARATOR);
            }
            scenarios.push_str(scenario.as_str());
        }
        self.writer.write_record(self.fields.iter()).map_err(|e| WriteError::encode(&self.path, e))
    }

    /// Flushes and returns the sink.
    pub fn into_inner(self) -> Result<W, WriteError> {
        let path = self.path;
        self.writer.into_inner().map_err(|e| WriteError::encode(&path, e.error()))
    }

    /// Flushes buffered rows and closes the file; a file not finished may be incomplete.
    pub fn finish(self) -> Result<(), WriteError> {
        let path = self.path.clone();
        let mut inner = self.into_inner()?;
        inner.flush().map_err(|e| WriteError::io(&path, e))
    }
}

/// Opens an accounts file and checks its header.
pub fn read_accounts(path: &Path) -> Result<AccountsReader<File>, ReadError> {
    let name = display_name(path);
    let file = File::open(path).map_err(|e| ReadError::io(&name, &e))?;
    AccountsReader::new(name, file)
}

/// Streams the records of an accounts file.
pub struct AccountsReader<R: Read> {
    file: Arc<str>,
    reader: csv::Reader<BufReader<R>>,
    /// Added to the csv crate's line numbers (see [`crlf_line_offset`]).
    line_offset: u64,
    record: csv::StringRecord,
    done: bool,
}

impl<R: Read> AccountsReader<R> {
    /// Reads from any byte stream and checks the header; `name` is used in messages. A missing or different
    /// header is fatal and names the first column that differs.
    pub fn new(name: Arc<str>, input: R) -> Result<Self, ReadError> {
        let mut input = BufReader::with_capacity(1 << 16, input);
        let line_offset = crlf_line_offset(&mut input).map_err(|e| ReadError::io(&name, &e))?;
        let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(input);
        let at = || Location::line(&name, 1);
        let expected = ACCOUNT_COLUMNS.join(",");
        let headers =
            reader.headers().map_err(|e| ReadError::fatal(at(), format!("{e} (expected the header {expected})")))?;
        let found: Vec<&str> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| if i == 0 { h.trim_start_matches('\u{feff}') } else { h })
            .collect();
        if found.len() <= 1 && found.first().is_none_or(|h| h.is_empty()) {
            return Err(ReadError::fatal(at(), format!("the file is empty (expected the header {expected})")));
        }
        if let Some(column) = ACCOUNT_COLUMNS.iter().zip(&found).position(|(want, got)| want != got) {
            return Err(ReadError::fatal(
                at().with_field(ACCOUNT_COLUMNS[column]),
                format!("column {} is {:?}; expected the header {expected}", column + 1, found[column]),
            ));
        }
        if found.len() != ACCOUNT_COLUMNS.len() {
            return Err(ReadError::fatal(at(), format!("has {} columns; expected the header {expected}", found.len())));
        }
        Ok(AccountsReader { file: name, reader, line_offset, record: csv::StringRecord::new(), done: false })
    }
}

/// A field that could not be read: its column and why.
struct BadField {
    column: usize,
    message: String,
}

impl BadField {
    fn new(column: usize, message: impl fmt::Display) -> BadField {
        BadField { column, message: message.to_string() }
    }
}

/// Reads one row's fields (exactly [`ACCOUNT_COLUMNS`]`.len()` of them).
fn decode(fields: &csv::StringRecord) -> Result<AccountRecord, BadField> {
    let get = |column: usize| fields.get(column).filter(|text| !text.is_empty());
    fn parse<T: FromStr>(text: Option<&str>, column: usize) -> Result<Option<T>, BadField>
    where
        T::Err: fmt::Display,
    {
        text.map(|text| text.parse::<T>().map_err(|e| BadField::new(column, e))).transpose()
    }
    let required = |column: usize| get(column).ok_or_else(|| BadField::new(column, "is required"));
    let scenarios = match get(SCENARIOS) {
        None => Vec::new(),
        Some(text) => text
            .split(SCENARIO_SEPARATOR)
            .map(|id| {
                ScenarioId::new(id).map_err(|_| {
                    BadField::new(
                        SCENARIOS,
                        format!("{text:?} holds an empty scenario id (ids are separated by {SCENARIO_SEPARATOR:?})"),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(AccountRecord {
        account: AccountId::new(required(ACCOUNT)?).map_err(|e| BadField::new(ACCOUNT, e))?,
        institution: parse::<InstitutionId>(get(INSTITUTION), INSTITUTION)?,
        party: parse::<PartyId>(get(PARTY), PARTY)?,
        name: parse::<Text>(get(NAME), NAME)?,
        kind: required(KIND)?.parse::<AccountKind>().map_err(|e| BadField::new(KIND, e))?,
        country: parse::<CountryCode>(get(COUNTRY), COUNTRY)?,
        currency: required(CURRENCY)?.parse::<Currency>().map_err(|e| BadField::new(CURRENCY, e))?,
        opened: parse::<EventTime>(get(OPENED), OPENED)?,
        phone: parse::<PhoneNumber>(get(PHONE), PHONE)?,
        device: parse::<DeviceId>(get(DEVICE), DEVICE)?,
        role: required(ROLE)?.parse::<AccountRole>().map_err(|e| BadField::new(ROLE, e))?,
        scenarios,
    })
}

impl<R: Read> Iterator for AccountsReader<R> {
    type Item = Result<AccountRecord, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.reader.read_record(&mut self.record) {
            Ok(false) => {
                self.done = true;
                None
            }
            Ok(true) => {
                let line = self.record.position().map_or(0, |p| p.line()) + self.line_offset;
                let location = Location::line(&self.file, line);
                if self.record.len() != ACCOUNT_COLUMNS.len() {
                    return Some(Err(ReadError::record(
                        location,
                        format!("has {} fields, the header has {}", self.record.len(), ACCOUNT_COLUMNS.len()),
                    )));
                }
                Some(
                    decode(&self.record).map_err(|bad| {
                        ReadError::record(location.with_field(ACCOUNT_COLUMNS[bad.column]), bad.message)
                    }),
                )
            }
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line()) + self.line_offset;
                let location = Location::line(&self.file, line);
                if matches!(error.kind(), csv::ErrorKind::Utf8 { .. }) {
                    // The record was consumed; the next one can still be read.
                    Some(Err(ReadError::record(location, error)))
                } else {
                    self.done = true;
                    Some(Err(ReadError::fatal(location, error)))
                }
            }
        }
    }
}
