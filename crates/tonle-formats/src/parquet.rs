//! Native Parquet (not written yet).

use std::path::Path;

use tonle_core::LabelledTransaction;

use crate::error::{Location, ReadError, WriteError};
use crate::reader::display_name;
use crate::writer::RecordWriter;

/// Streams native Parquet rows.
pub struct ParquetReader;

impl ParquetReader {
    /// Opens a file.
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        Err(ReadError::fatal(Location::file(&display_name(path)), "the Parquet reader is not written yet"))
    }
}

impl Iterator for ParquetReader {
    type Item = Result<LabelledTransaction, ReadError>;
    fn next(&mut self) -> Option<Self::Item> {
        None
    }
}

/// Writes native Parquet.
pub struct ParquetWriter;

impl ParquetWriter {
    /// Creates a file.
    pub fn create(path: &Path) -> Result<Self, WriteError> {
        Err(WriteError::encode(path, "the Parquet writer is not written yet"))
    }
}

impl RecordWriter for ParquetWriter {
    fn write(&mut self, _record: &LabelledTransaction) -> Result<(), WriteError> {
        Ok(())
    }
    fn finish(self: Box<Self>) -> Result<(), WriteError> {
        Ok(())
    }
}
