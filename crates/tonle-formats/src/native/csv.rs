//! Native CSV: a header row naming the native columns (any order, optional ones may be left out), then one
//! transaction per row.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::sync::Arc;

use tonle_core::LabelledTransaction;

use super::{Column, EncodedRow, FlatRow, COLUMNS, REQUIRED};
use crate::error::{Location, ReadError, WriteError};
use crate::writer::RecordWriter;

/// Streams native CSV rows.
pub struct CsvReader<R: Read> {
    file: Arc<str>,
    reader: csv::Reader<BufReader<R>>,
    /// Added to the csv crate's line numbers (see [`crlf_line_offset`]).
    line_offset: u64,
    /// For each file column, the native column it holds.
    columns: Vec<Column>,
    record: csv::StringRecord,
    done: bool,
}

impl CsvReader<File> {
    /// Opens a file and checks its header.
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        let name: Arc<str> = path.display().to_string().into();
        let file = File::open(path).map_err(|e| ReadError::io(&name, &e))?;
        CsvReader::new(name, file)
    }
}

impl<R: Read> CsvReader<R> {
    /// Reads from any byte stream; `name` is used in messages.
    pub fn new(name: Arc<str>, input: R) -> Result<Self, ReadError> {
        let mut input = BufReader::with_capacity(1 << 16, input);
        let line_offset = crlf_line_offset(&mut input).map_err(|e| ReadError::io(&name, &e))?;
        let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(input);
        let header_location = || Location::line(&name, 1);
        let headers = reader.headers().map_err(|e| ReadError::fatal(header_location(), e))?.clone();
        let mut columns = Vec::with_capacity(headers.len());
        for header in headers.iter() {
            let header = header.trim_start_matches('\u{feff}');
            let index = COLUMNS.iter().position(|c| *c == header).ok_or_else(|| {
                ReadError::fatal(
                    header_location().with_field(header),
                    format!("unknown column; native columns are: {}", COLUMNS.join(", ")),
                )
            })?;
            let column = Column::ALL[index];
            if columns.contains(&column) {
                return Err(ReadError::fatal(header_location().with_field(header), "column appears twice"));
            }
            columns.push(column);
        }
        if let Some(missing) = REQUIRED.iter().find(|c| !columns.contains(c)) {
            return Err(ReadError::fatal(header_location().with_field(missing.name()), "required column is missing"));
        }
        Ok(CsvReader { file: name, reader, line_offset, columns, record: csv::StringRecord::new(), done: false })
    }
}

impl<R: Read> Iterator for CsvReader<R> {
    type Item = Result<LabelledTransaction, ReadError>;

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
                if self.record.len() != self.columns.len() {
                    return Some(Err(ReadError::record(
                        location,
                        format!("has {} fields, the header has {}", self.record.len(), self.columns.len()),
                    )));
                }
                let mut row = FlatRow::default();
                for (column, text) in self.columns.iter().zip(self.record.iter()) {
                    row.fields[*column as usize] = Some(text);
                }
                Some(row.decode().map_err(|e| ReadError::record(location.with_field(e.column), e.message)))
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

/// What to add to the csv crate's line numbers for a file: 1 when its first line ends in CRLF. The crate counts
/// the `\n` of a record's CRLF only when it reads the next record, so in a CRLF file it reports each record one
/// line early.
pub(crate) fn crlf_line_offset(input: &mut impl BufRead) -> std::io::Result<u64> {
    let head = input.fill_buf()?;
    let crlf = head.iter().position(|&b| b == b'\n').is_some_and(|i| i > 0 && head[i - 1] == b'\r');
    Ok(u64::from(crlf))
}

/// Writes native CSV with every column in the documented order.
pub struct CsvWriter<W: Write> {
    path: std::path::PathBuf,
    writer: csv::Writer<W>,
    row: EncodedRow,
}

impl CsvWriter<BufWriter<File>> {
    /// Creates (or truncates) a file and writes the header.
    pub fn create(path: &Path) -> Result<Self, WriteError> {
        let file = File::create(path).map_err(|e| WriteError::io(path, e))?;
        CsvWriter::new(path, BufWriter::with_capacity(1 << 16, file))
    }
}

impl<W: Write> CsvWriter<W> {
    /// Writes to any byte sink; `path` is used in messages.
    pub fn new(path: &Path, output: W) -> Result<Self, WriteError> {
        let mut writer = csv::WriterBuilder::new().from_writer(output);
        writer.write_record(COLUMNS).map_err(|e| WriteError::encode(path, e))?;
        Ok(CsvWriter { path: path.to_path_buf(), writer, row: EncodedRow::default() })
    }

    /// Flushes and returns the sink.
    pub fn into_inner(self) -> Result<W, WriteError> {
        let path = self.path;
        self.writer.into_inner().map_err(|e| WriteError::encode(&path, e.error()))
    }
}

impl<W: Write + Send> RecordWriter for CsvWriter<W> {
    fn write(&mut self, record: &LabelledTransaction) -> Result<(), WriteError> {
        self.row.encode(record);
        self.writer
            .write_record(self.row.fields().map(|field| field.unwrap_or("")))
            .map_err(|e| WriteError::encode(&self.path, e))
    }

    fn finish(self: Box<Self>) -> Result<(), WriteError> {
        let path = self.path.clone();
        let mut inner = self.into_inner()?;
        inner.flush().map_err(|e| WriteError::io(&path, e))
    }
}
