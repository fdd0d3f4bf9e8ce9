//! Native JSON Lines: one JSON object per line with the native column names as keys. Absent fields are left out
//! (or `null`); `illicit` is a JSON boolean; every other value, amounts included, is a JSON string.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use tonle_core::LabelledTransaction;

use super::{Column, EncodedRow, FieldError, FlatRow, COLUMNS};
use crate::error::{Location, ReadError, WriteError};
use crate::writer::RecordWriter;

/// One JSON line, borrowing strings where they need no unescaping.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRow<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    amount: Option<Cow<'a, str>>,
    #[serde(borrow)]
    currency: Option<Cow<'a, str>>,
    #[serde(borrow)]
    received_amount: Option<Cow<'a, str>>,
    #[serde(borrow)]
    received_currency: Option<Cow<'a, str>>,
    #[serde(borrow)]
    channel: Option<Cow<'a, str>>,
    #[serde(borrow)]
    debtor_account: Option<Cow<'a, str>>,
    #[serde(borrow)]
    debtor_institution: Option<Cow<'a, str>>,
    #[serde(borrow)]
    debtor_party: Option<Cow<'a, str>>,
    #[serde(borrow)]
    debtor_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    debtor_country: Option<Cow<'a, str>>,
    #[serde(borrow)]
    debtor_phone: Option<Cow<'a, str>>,
    #[serde(borrow)]
    creditor_account: Option<Cow<'a, str>>,
    #[serde(borrow)]
    creditor_institution: Option<Cow<'a, str>>,
    #[serde(borrow)]
    creditor_party: Option<Cow<'a, str>>,
    #[serde(borrow)]
    creditor_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    creditor_country: Option<Cow<'a, str>>,
    #[serde(borrow)]
    creditor_phone: Option<Cow<'a, str>>,
    #[serde(borrow)]
    device: Option<Cow<'a, str>>,
    #[serde(borrow)]
    ip: Option<Cow<'a, str>>,
    #[serde(borrow)]
    purpose: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reference: Option<Cow<'a, str>>,
    illicit: Option<bool>,
    #[serde(borrow)]
    typology: Option<Cow<'a, str>>,
    #[serde(borrow)]
    scenario: Option<Cow<'a, str>>,
}

impl JsonRow<'_> {
    fn flat(&self) -> FlatRow<'_> {
        fn text<'r>(field: &'r Option<Cow<'_, str>>) -> Option<&'r str> {
            field.as_deref()
        }
        let illicit = self.illicit.map(|flag| if flag { "true" } else { "false" });
        FlatRow {
            fields: [
                text(&self.id),
                text(&self.time),
                text(&self.amount),
                text(&self.currency),
                text(&self.received_amount),
                text(&self.received_currency),
                text(&self.channel),
                text(&self.debtor_account),
                text(&self.debtor_institution),
                text(&self.debtor_party),
                text(&self.debtor_name),
                text(&self.debtor_country),
                text(&self.debtor_phone),
                text(&self.creditor_account),
                text(&self.creditor_institution),
                text(&self.creditor_party),
                text(&self.creditor_name),
                text(&self.creditor_country),
                text(&self.creditor_phone),
                text(&self.device),
                text(&self.ip),
                text(&self.purpose),
                text(&self.reference),
                illicit,
                text(&self.typology),
                text(&self.scenario),
            ],
        }
    }
}

/// Streams native JSON Lines; blank lines are skipped.
pub struct JsonlReader<R: BufRead> {
    file: Arc<str>,
    input: R,
    line: String,
    line_number: u64,
    done: bool,
}

impl JsonlReader<BufReader<File>> {
    /// Opens a file.
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        let name: Arc<str> = path.display().to_string().into();
        let file = File::open(path).map_err(|e| ReadError::io(&name, &e))?;
        Ok(JsonlReader::new(name, BufReader::with_capacity(1 << 16, file)))
    }
}

impl<R: BufRead> JsonlReader<R> {
    /// Reads from any buffered byte stream; `name` is used in messages.
    pub fn new(name: Arc<str>, input: R) -> Self {
        JsonlReader { file: name, input, line: String::new(), line_number: 0, done: false }
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<LabelledTransaction, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            self.line.clear();
            self.line_number += 1;
            let location = Location::line(&self.file, self.line_number);
            match self.input.read_line(&mut self.line) {
                Ok(0) => {
                    self.done = true;
                    return None;
                }
                Ok(_) => {}
                Err(error) if error.kind() == std::io::ErrorKind::InvalidData => {
                    // Not UTF-8: `read_line` consumed the line; say so and go on with the next.
                    return Some(Err(ReadError::record(location, "is not valid UTF-8")));
                }
                Err(error) => {
                    self.done = true;
                    return Some(Err(ReadError::fatal(location, format!("cannot read: {error}"))));
                }
            }
            let text = self.line.trim_end_matches(['\n', '\r']);
            if text.trim().is_empty() {
                continue;
            }
            let row: JsonRow<'_> = match serde_json::from_str(text) {
                Ok(row) => row,
                Err(error) => {
                    return Some(Err(match diagnose(text) {
                        Some(FieldError { column, message }) => ReadError::record(location.with_field(column), message),
                        None => ReadError::record(location, format!("invalid JSON: {error}")),
                    }))
                }
            };
            return Some(row.flat().decode().map_err(|e| ReadError::record(location.with_field(e.column), e.message)));
        }
    }
}

/// Names the field of a line that is valid JSON but not a native row: an unknown key, or a value of the wrong
/// JSON type. `None` when the line is not a JSON object at all. Runs only after the fast parse failed.
fn diagnose(text: &str) -> Option<FieldError> {
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).ok()?;
    object.iter().find_map(|(key, value)| {
        let Some(column) = COLUMNS.iter().find(|c| **c == key.as_str()) else {
            return Some(FieldError {
                column: "(key)",
                message: format!("unknown key {key:?}; native keys are: {}", COLUMNS.join(", ")),
            });
        };
        let is_illicit = *column == Column::Illicit.name();
        match value {
            serde_json::Value::Null | serde_json::Value::String(_) if !is_illicit => None,
            serde_json::Value::Null | serde_json::Value::Bool(_) if is_illicit => None,
            other if is_illicit => {
                Some(FieldError { column, message: format!("{other} is not a JSON boolean (true or false)") })
            }
            other => Some(FieldError {
                column,
                message: format!("{other} is not a JSON string (amounts too are strings, e.g. \"12.50\")"),
            }),
        }
    })
}

/// Writes native JSON Lines.
pub struct JsonlWriter<W: Write> {
    path: std::path::PathBuf,
    output: W,
    row: EncodedRow,
}

impl JsonlWriter<BufWriter<File>> {
    /// Creates (or truncates) a file.
    pub fn create(path: &Path) -> Result<Self, WriteError> {
        let file = File::create(path).map_err(|e| WriteError::io(path, e))?;
        Ok(JsonlWriter::new(path, BufWriter::with_capacity(1 << 16, file)))
    }
}

impl<W: Write> JsonlWriter<W> {
    /// Writes to any byte sink; `path` is used in messages.
    pub fn new(path: &Path, output: W) -> Self {
        JsonlWriter { path: path.to_path_buf(), output, row: EncodedRow::default() }
    }

    /// Flushes and returns the sink.
    pub fn into_inner(mut self) -> Result<W, WriteError> {
        self.output.flush().map_err(|e| WriteError::io(&self.path, e))?;
        Ok(self.output)
    }

    fn write_row(&mut self) -> std::io::Result<()> {
        write_object(&mut self.output, &self.row)?;
        self.output.write_all(b"\n")
    }
}

/// Writes a row as one JSON object (no newline).
fn write_object(out: &mut impl Write, row: &EncodedRow) -> std::io::Result<()> {
    out.write_all(b"{")?;
    let mut first = true;
    for (name, field) in COLUMNS.iter().zip(row.fields()) {
        let Some(text) = field else { continue };
        if !first {
            out.write_all(b",")?;
        }
        first = false;
        serde_json::to_writer(&mut *out, name)?;
        out.write_all(b":")?;
        if *name == Column::Illicit.name() {
            out.write_all(text.as_bytes())?;
        } else {
            serde_json::to_writer(&mut *out, text)?;
        }
    }
    out.write_all(b"}")
}

/// Decodes one native JSON object: a line of native JSON Lines, or one transaction of an API request. The
/// error names the field (`(key)` for an unknown key, `(json)` for text that is not a JSON object).
pub fn decode_object(text: &str) -> Result<LabelledTransaction, FieldError> {
    match serde_json::from_str::<JsonRow<'_>>(text) {
        Ok(row) => row.flat().decode(),
        Err(error) => Err(diagnose(text)
            .unwrap_or_else(|| FieldError { column: "(json)", message: format!("invalid JSON: {error}") })),
    }
}

/// Encodes a transaction (and its label, if any) as one native JSON object, as a line of native JSON Lines
/// holds it.
pub fn encode_object(record: &LabelledTransaction) -> String {
    let mut row = EncodedRow::default();
    row.encode(record);
    let mut out = Vec::with_capacity(512);
    // Writing into a Vec cannot fail, and serde_json writes UTF-8.
    write_object(&mut out, &row).expect("writing to memory");
    String::from_utf8(out).expect("JSON is UTF-8")
}

impl<W: Write + Send> RecordWriter for JsonlWriter<W> {
    fn write(&mut self, record: &LabelledTransaction) -> Result<(), WriteError> {
        self.row.encode(record);
        self.write_row().map_err(|e| WriteError::io(&self.path, e))
    }

    fn finish(self: Box<Self>) -> Result<(), WriteError> {
        self.into_inner().map(drop)
    }
}
