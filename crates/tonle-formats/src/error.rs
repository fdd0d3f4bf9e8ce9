//! Errors that say where: the file, the line or XML path, and the field.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// Where in an input a problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, as the user named it.
    pub file: Arc<str>,
    /// The 1-based line (CSV, JSONL, text), when known.
    pub line: Option<u64>,
    /// The XML path of the element (ISO 20022), when known, e.g. `/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[2]`.
    pub xml_path: Option<String>,
    /// The field or column, when the problem is in one.
    pub field: Option<String>,
}

impl Location {
    /// A whole file.
    pub fn file(file: &Arc<str>) -> Location {
        Location { file: Arc::clone(file), line: None, xml_path: None, field: None }
    }

    /// A line of a file.
    pub fn line(file: &Arc<str>, line: u64) -> Location {
        Location { line: Some(line), ..Location::file(file) }
    }

    /// The same place, narrowed to a field.
    pub fn with_field(mut self, field: impl Into<String>) -> Location {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(path) = &self.xml_path {
            write!(f, " at {path}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field {field:?}")?;
        }
        Ok(())
    }
}

/// A problem reading an input.
///
/// A *record* error spoils one record: a reader goes on after it with the next record, so `--on-error skip`
/// loses nothing good. A *fatal* error (the file cannot be opened, a required column is missing, the XML is cut
/// off) ends the reader; the records read before it were already delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct ReadError {
    /// Where.
    pub location: Location,
    /// What is wrong, and what was expected.
    pub message: String,
    /// Whether reading cannot go on after this.
    pub fatal: bool,
}

impl ReadError {
    /// One bad record; reading goes on.
    pub fn record(location: Location, message: impl fmt::Display) -> ReadError {
        ReadError { location, message: message.to_string(), fatal: false }
    }

    /// A problem that ends reading.
    pub fn fatal(location: Location, message: impl fmt::Display) -> ReadError {
        ReadError { location, message: message.to_string(), fatal: true }
    }

    /// The file cannot be opened or read.
    pub fn io(file: &Arc<str>, error: &std::io::Error) -> ReadError {
        ReadError::fatal(Location::file(file), format!("cannot read: {error}"))
    }
}

/// A problem writing an output.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The file system refused.
    #[error("{file}: cannot write: {source}")]
    Io {
        /// The output file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The encoder refused (CSV, JSON, Parquet).
    #[error("{file}: {message}")]
    Encode {
        /// The output file.
        file: String,
        /// The cause.
        message: String,
    },
    /// The output's extension names no format tonle writes.
    #[error("{0}: unknown output format (use .parquet, .csv or .jsonl)")]
    UnknownFormat(String),
}

impl WriteError {
    pub(crate) fn io(file: &Path, source: std::io::Error) -> WriteError {
        WriteError::Io { file: file.display().to_string(), source }
    }

    pub(crate) fn encode(file: &Path, message: impl fmt::Display) -> WriteError {
        WriteError::Encode { file: file.display().to_string(), message: message.to_string() }
    }
}
