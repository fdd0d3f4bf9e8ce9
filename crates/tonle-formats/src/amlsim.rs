//! Reader for amlsim (not written yet).

use std::path::Path;

use crate::error::{Location, ReadError};
use crate::reader::{display_name, ReadOptions, Records};

/// Opens a amlsim file.
pub fn open(path: &Path, _options: &ReadOptions) -> Result<Records, ReadError> {
    Err(ReadError::fatal(Location::file(&display_name(path)), "the amlsim reader is not written yet"))
}
