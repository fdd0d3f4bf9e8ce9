//! Reader for ISO 20022 (not written yet).

use std::path::Path;

use crate::error::{Location, ReadError};
use crate::reader::{display_name, Records};

/// Opens a pacs.008 file.
pub fn open_pacs008(path: &Path) -> Result<Records, ReadError> {
    Err(ReadError::fatal(Location::file(&display_name(path)), "the pacs.008 reader is not written yet"))
}

/// Opens a pain.001 file.
pub fn open_pain001(path: &Path) -> Result<Records, ReadError> {
    Err(ReadError::fatal(Location::file(&display_name(path)), "the pain.001 reader is not written yet"))
}
