//! Choosing a writer: native CSV, JSON Lines or Parquet by the output's extension.

use std::path::Path;

use tonle_core::LabelledTransaction;

use crate::error::WriteError;
use crate::native::csv::CsvWriter;
use crate::native::jsonl::JsonlWriter;
use crate::parquet::ParquetWriter;

/// A sink of records in one native format.
pub trait RecordWriter: Send {
    /// Writes one record.
    fn write(&mut self, record: &LabelledTransaction) -> Result<(), WriteError>;
    /// Flushes buffered rows and closes the file; a file not finished may be incomplete.
    fn finish(self: Box<Self>) -> Result<(), WriteError>;
}

/// The native output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Native CSV.
    Csv,
    /// Native JSON Lines.
    Jsonl,
    /// Native Parquet.
    Parquet,
}

impl OutputFormat {
    /// The format a file name's extension asks for.
    pub fn from_path(path: &Path) -> Result<OutputFormat, WriteError> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("csv") => Ok(OutputFormat::Csv),
            Some("jsonl" | "ndjson") => Ok(OutputFormat::Jsonl),
            Some("parquet") => Ok(OutputFormat::Parquet),
            _ => Err(WriteError::UnknownFormat(path.display().to_string())),
        }
    }
}

/// Creates a writer for a file in a format (see [`OutputFormat::from_path`] to take it from the extension).
pub fn create_writer(path: &Path, format: OutputFormat) -> Result<Box<dyn RecordWriter>, WriteError> {
    Ok(match format {
        OutputFormat::Csv => Box::new(CsvWriter::create(path)?),
        OutputFormat::Jsonl => Box::new(JsonlWriter::create(path)?),
        OutputFormat::Parquet => Box::new(ParquetWriter::create(path)?),
    })
}
