//! List loaders: read the published sanctions and watch-list formats into [`ListEntity`] values.
//!
//! Each format has its own module with a parser over bytes (so tests need no files); [`load`] reads a
//! file, [`detect`]s its format and calls the right parser. Bad input never panics: every good record is
//! kept and every record or field that cannot be read is reported as a [`Skipped`] note.
//!
//! | format | module | ids | source |
//! |---|---|---|---|
//! | OFAC SDN CSV (`sdn.csv` + `alt.csv` + `add.csv`) | [`ofac`] | `ofac:<ent_num>` | `OFAC SDN` |
//! | OFAC SDN XML (`sdn.xml`) | [`ofac_xml`] | `ofac:<uid>` | `OFAC SDN` |
//! | UN Security Council consolidated list XML | [`un`] | `un:<REFERENCE_NUMBER>` | `UN SC` |
//! | OpenSanctions FollowTheMoney JSON lines | [`ftm`] | `os:<id>` | `OpenSanctions` |
//! | an institution's own CSV | [`csv`] | `csv:<file>:<id>` | the file's name |
//! | crypto address lists, one per line | [`addresses`] | `address:<chain>:<address>` | `OFAC addresses (<tag>)` |

pub mod addresses;
pub mod countries;
pub mod crypto;
pub mod csv;
pub mod dates;
pub mod ftm;
pub mod ofac;
pub mod ofac_xml;
pub mod un;
mod xml;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::entity::{ListEntity, ListName, NameKind};

/// What a loader read: the entities, and what it skipped (with why).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    /// The entities read, in file order.
    pub entities: Vec<ListEntity>,
    /// Every record or field that could not be read.
    pub skipped: Vec<Skipped>,
}

impl Loaded {
    /// Appends another load's entities and notes to this one.
    pub fn extend(&mut self, other: Loaded) {
        self.entities.extend(other.entities);
        self.skipped.extend(other.skipped);
    }
}

/// A record or field that could not be read: the file, the line (1-based, where the format has lines) or
/// the record, the field, why. [`fmt::Display`] gives one readable line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file's name, as given to the loader.
    pub file: String,
    /// The 1-based line where the record (or field) is, if the format has lines.
    pub line: Option<u64>,
    /// The record's own id or another way to find it (`ent_num 306`, `QDi.001`), if known.
    pub record: Option<String>,
    /// The field (column, element or property) at fault, if the note is about one field.
    pub field: Option<String>,
    /// Why it was skipped.
    pub reason: String,
}

impl Skipped {
    /// A note about `file` with only a reason; fill in the rest with the builder methods.
    pub fn new(file: &str, reason: impl Into<String>) -> Self {
        Skipped { file: file.to_string(), line: None, record: None, field: None, reason: reason.into() }
    }

    /// Sets the line.
    pub fn line(mut self, line: Option<u64>) -> Self {
        self.line = line;
        self
    }

    /// Sets the record.
    pub fn record(mut self, record: Option<String>) -> Self {
        self.record = record;
        self
    }

    /// Sets the field.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(record) = &self.record {
            write!(f, ": record {record}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field {field}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// A file that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be opened or read.
    #[error("cannot read list file {file}")]
    Io {
        /// The file.
        file: String,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// A line of an allow list is not `name,entity_id`.
    #[error("{file}:{line}: expected name,entity_id")]
    AllowLine {
        /// The file.
        file: String,
        /// The line, from 1.
        line: usize,
    },
    /// Neither the file's name nor its first bytes say which list format it is in.
    #[error("list file {file}: cannot tell its format from its name or first bytes")]
    UnknownFormat {
        /// The file.
        file: String,
    },
}

/// The list formats [`load`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListFormat {
    /// OFAC SDN CSV (`sdn.csv`, with `alt.csv` and `add.csv` beside it when present).
    OfacCsv,
    /// OFAC SDN XML (`sdn.xml`).
    OfacXml,
    /// UN Security Council consolidated list XML.
    UnXml,
    /// OpenSanctions FollowTheMoney entities, one JSON object a line.
    FtmJson,
    /// An institution's own CSV list (see [`csv`]).
    Csv,
    /// Crypto addresses, one a line (see [`addresses`]).
    Addresses,
}

fn io_error(path: &Path, source: std::io::Error) -> LoadError {
    LoadError::Io { file: path.display().to_string(), source }
}

/// The first bytes of a file (up to 4 KiB).
fn head(path: &Path) -> Result<Vec<u8>, LoadError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut buf = Vec::with_capacity(4096);
    file.take(4096).read_to_end(&mut buf).map_err(|e| io_error(path, e))?;
    Ok(buf)
}

/// Tells a file's format by its name and extension and its first bytes (up to 4 KiB):
///
/// - `.json`, `.jsonl`, `.ndjson`, or a file starting with `{`: [`ListFormat::FtmJson`];
/// - `.xml` or a file starting with `<`: [`ListFormat::OfacXml`] if it has `sdnList`,
///   [`ListFormat::UnXml`] if it has `CONSOLIDATED_LIST`;
/// - `.csv`: [`ListFormat::OfacCsv`] if its first row is an ent_num and a quoted name (or, failing other
///   signs, its name has `sdn`), [`ListFormat::Csv`] if its first row is a header with a `name` column;
/// - `.txt`, or a name with `address`: [`ListFormat::Addresses`].
///
/// Anything else is [`LoadError::UnknownFormat`]; a file that cannot be opened is [`LoadError::Io`].
pub fn detect(path: &Path) -> Result<ListFormat, LoadError> {
    let name = file_name(path).to_ascii_lowercase();
    let head = head(path)?;
    let text = String::from_utf8_lossy(&head);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if name.ends_with(".jsonl") || name.ends_with(".json") || name.ends_with(".ndjson") {
        return Ok(ListFormat::FtmJson);
    }
    if name.ends_with(".xml") || trimmed.starts_with('<') {
        if text.contains("<sdnList") || text.contains(":sdnList") {
            return Ok(ListFormat::OfacXml);
        }
        if text.contains("CONSOLIDATED_LIST") {
            return Ok(ListFormat::UnXml);
        }
        return Err(LoadError::UnknownFormat { file: path.display().to_string() });
    }
    if trimmed.starts_with('{') {
        return Ok(ListFormat::FtmJson);
    }
    let first_line = trimmed.lines().next().unwrap_or("");
    if name.ends_with(".csv") {
        if ofac::looks_like_sdn_row(first_line) {
            return Ok(ListFormat::OfacCsv);
        }
        if first_line.to_ascii_lowercase().split(',').any(|c| c.trim().trim_matches('"') == "name") {
            return Ok(ListFormat::Csv);
        }
        if name.contains("sdn") {
            return Ok(ListFormat::OfacCsv);
        }
        return Err(LoadError::UnknownFormat { file: path.display().to_string() });
    }
    if name.ends_with(".txt") || name.contains("address") {
        return Ok(ListFormat::Addresses);
    }
    Err(LoadError::UnknownFormat { file: path.display().to_string() })
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|e| io_error(path, e))
}

/// Reads a companion file if it exists (`None` when it does not).
fn read_optional(path: Option<PathBuf>) -> Result<Option<Vec<u8>>, LoadError> {
    match path {
        Some(p) if p.is_file() => read(&p).map(Some),
        _ => Ok(None),
    }
}

/// Reads a list file: [`detect`]s its format and parses it. Only I/O and an unknown format are errors;
/// bad records are [`Skipped`] notes in the result.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let format = detect(path)?;
    let name = file_name(path);
    let bytes = read(path)?;
    Ok(match format {
        ListFormat::OfacCsv => {
            let alt = read_optional(ofac::companion_path(path, "alt"))?;
            let add = read_optional(ofac::companion_path(path, "add"))?;
            ofac::parse_sdn_csv(&bytes, alt.as_deref(), add.as_deref(), &name)
        }
        ListFormat::OfacXml => ofac_xml::parse_sdn_xml(&bytes, &name),
        ListFormat::UnXml => un::parse_un_xml(&bytes, &name),
        ListFormat::FtmJson => ftm::parse_ftm_json(&bytes, &name),
        ListFormat::Csv => csv::parse_csv(&bytes, &name),
        ListFormat::Addresses => addresses::parse_addresses(&bytes, addresses::tag_from_file_name(&name), &name),
    })
}

/// Adds `value` to `list` unless it is already there (lists here are short: a linear check is cheapest).
pub(crate) fn push_unique<T: PartialEq>(list: &mut Vec<T>, value: T) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// Adds a name unless the entity already has one with the same text; then the stronger kind is kept
/// (primary over alias over original script over weak).
pub(crate) fn push_name(names: &mut Vec<ListName>, name: ListName) {
    fn rank(kind: NameKind) -> u8 {
        match kind {
            NameKind::Primary => 3,
            NameKind::Alias => 2,
            NameKind::Original => 1,
            NameKind::Weak => 0,
        }
    }
    match names.iter_mut().find(|n| n.text == name.text) {
        Some(existing) => {
            if rank(name.kind) > rank(existing.kind) {
                existing.kind = name.kind;
            }
        }
        None => names.push(name),
    }
}

/// A `&[u8]` split into lines, each with its 1-based number and without its line ending.
pub(crate) fn lines(bytes: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.split(|&b| b == b'\n').enumerate().map(|(i, l)| (i as u64 + 1, l.strip_suffix(b"\r").unwrap_or(l)))
}

/// Line numbers for byte offsets, counted as offsets move forward so that a file is scanned once.
pub(crate) struct LineCounter<'a> {
    data: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    /// A counter at the start of `data` (line 1).
    pub(crate) fn new(data: &'a [u8]) -> Self {
        LineCounter { data, pos: 0, line: 1 }
    }

    /// The 1-based line of byte offset `pos` (offsets past the end count as the end).
    pub(crate) fn at(&mut self, pos: usize) -> u64 {
        let pos = pos.min(self.data.len());
        if pos >= self.pos {
            self.line += self.data[self.pos..pos].iter().filter(|&&b| b == b'\n').count() as u64;
        } else {
            self.line = 1 + self.data[..pos].iter().filter(|&&b| b == b'\n').count() as u64;
        }
        self.pos = pos;
        self.line
    }

    /// The 1-based line of a record starting at byte offset `pos`, skipping the line ending the CSV reader
    /// may leave before it.
    pub(crate) fn record_at(&mut self, mut pos: usize) -> u64 {
        while self.data.get(pos).is_some_and(|&b| b == b'\r' || b == b'\n') {
            pos += 1;
        }
        self.at(pos)
    }
}
