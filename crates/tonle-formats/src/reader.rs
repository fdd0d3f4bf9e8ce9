//! Choosing a reader: input formats and the options some of them need.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tonle_core::{Currency, EventTime, LabelledTransaction};

use crate::error::{Location, ReadError};
use crate::native::csv::CsvReader;
use crate::native::jsonl::JsonlReader;
use crate::parquet::ParquetReader;
use crate::{amlsim, amlworld, iso20022, paysim};

/// A stream of records from one input. After a fatal error it ends.
pub type Records = Box<dyn Iterator<Item = Result<LabelledTransaction, ReadError>> + Send>;

/// The formats tonle reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// tonle's own CSV, JSON Lines or Parquet, told apart by the file extension.
    Native,
    /// IBM AMLworld (NeurIPS 2023) `*_Trans.csv`, with `*_Patterns.txt` beside it when present.
    AmlWorld,
    /// IBM AMLSim `transactions.csv`, with `alert_accounts.csv` and `accounts.csv` beside it when present.
    AmlSim,
    /// PaySim logs (Kaggle PaySim1 or PaySim 2 `rawLog.csv`).
    PaySim,
    /// ISO 20022 FI to FI customer credit transfers (pacs.008.001.08 to .12).
    Pacs008,
    /// ISO 20022 customer credit transfer initiations (pain.001).
    Pain001,
}

impl InputFormat {
    /// All formats, with the names the CLI uses.
    pub const NAMES: [(&'static str, InputFormat); 6] = [
        ("native", InputFormat::Native),
        ("amlworld", InputFormat::AmlWorld),
        ("amlsim", InputFormat::AmlSim),
        ("paysim", InputFormat::PaySim),
        ("pacs008", InputFormat::Pacs008),
        ("pain001", InputFormat::Pain001),
    ];
}

impl FromStr for InputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InputFormat::NAMES.iter().find(|(name, _)| *name == s).map(|(_, f)| *f).ok_or_else(|| {
            let names: Vec<_> = InputFormat::NAMES.iter().map(|(n, _)| *n).collect();
            format!("unknown format {s:?}; expected one of {}", names.join(", "))
        })
    }
}

/// What some sources leave out and the reader must be told.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The currency of sources that name none (AMLSim, PaySim). Default USD.
    pub currency: Currency,
    /// The time of PaySim's step 0 (a step is one hour). Default 2025-01-01T00:00:00Z.
    pub start: EventTime,
    /// The AMLworld patterns file; by default `X_Patterns.txt` beside `X_Trans.csv`, if it exists.
    pub patterns: Option<PathBuf>,
    /// Counts the bytes read from the main input files (not side files, not Parquet), for a progress bar.
    pub bytes_read: Option<Arc<AtomicU64>>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            currency: Currency::USD,
            // 2025-01-01T00:00:00Z, a valid time by construction.
            start: EventTime::from_millis(1_735_689_600_000).unwrap_or_default(),
            patterns: None,
            bytes_read: None,
        }
    }
}

/// A main input file that counts what is read from it into [`ReadOptions::bytes_read`].
pub(crate) struct InputFile {
    file: File,
    counter: Option<Arc<AtomicU64>>,
}

impl Read for InputFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.file.read(buf)?;
        if let Some(counter) = &self.counter {
            counter.fetch_add(read as u64, Ordering::Relaxed);
        }
        Ok(read)
    }
}

/// Opens a main input file: its name for messages, and the file, counted when the options ask.
pub(crate) fn open_input(path: &Path, options: &ReadOptions) -> Result<(Arc<str>, InputFile), ReadError> {
    let name = display_name(path);
    let file = File::open(path).map_err(|e| ReadError::io(&name, &e))?;
    Ok((name, InputFile { file, counter: options.bytes_read.clone() }))
}

/// The file name as messages show it.
pub(crate) fn display_name(path: &Path) -> Arc<str> {
    path.display().to_string().into()
}

/// Opens a reader for one file.
pub fn open_reader(format: InputFormat, path: &Path, options: &ReadOptions) -> Result<Records, ReadError> {
    Ok(match format {
        InputFormat::Native => {
            let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
            match extension.as_deref() {
                Some("csv") => {
                    let (name, file) = open_input(path, options)?;
                    Box::new(CsvReader::new(name, file)?)
                }
                Some("jsonl" | "ndjson" | "json") => {
                    let (name, file) = open_input(path, options)?;
                    Box::new(JsonlReader::new(name, BufReader::with_capacity(1 << 16, file)))
                }
                Some("parquet") => Box::new(ParquetReader::open(path)?),
                _ => {
                    return Err(ReadError::fatal(
                        Location::file(&display_name(path)),
                        "unknown native file type (use .csv, .jsonl or .parquet)",
                    ))
                }
            }
        }
        InputFormat::AmlWorld => amlworld::open(path, options)?,
        InputFormat::AmlSim => amlsim::open(path, options)?,
        InputFormat::PaySim => paysim::open(path, options)?,
        InputFormat::Pacs008 => iso20022::open_message(path, iso20022::Message::Pacs008, options)?,
        InputFormat::Pain001 => iso20022::open_message(path, iso20022::Message::Pain001, options)?,
    })
}
