//! Shared pieces of the line-oriented readers (AMLworld, AMLSim, PaySim): a line reader with a length cap,
//! fast comma splitting, header checks, row errors with the column they concern, and field helpers.

use std::io::{self, BufRead, Read};
use std::sync::Arc;

use compact_str::CompactString;
use tonle_core::{Currency, Money, TxId};

use crate::error::{Location, ReadError};

/// A non-empty id.
pub(crate) fn id_text<'a>(text: &'a str, column: usize, what: &str) -> Result<&'a str, BadRow> {
    if text.is_empty() {
        return Err(BadRow::field(column, format!("is empty (expected {what})")));
    }
    Ok(text)
}

/// A non-negative decimal amount, rounded half to even to the currency's minor unit.
pub(crate) fn amount(bytes: &[u8], currency: Currency, column: usize) -> Result<Money, BadRow> {
    match std::str::from_utf8(bytes) {
        Ok(text) => amount_text(text, currency, column),
        Err(_) => {
            Err(BadRow::field(column, format!("{} is not an amount (expected a decimal such as 3697.34)", show(bytes))))
        }
    }
}

/// A non-negative decimal amount, rounded half to even to the currency's minor unit.
pub(crate) fn amount_text(text: &str, currency: Currency, column: usize) -> Result<Money, BadRow> {
    let money = Money::parse_rounded(text, currency).map_err(|e| match e {
        tonle_core::MoneyError::Amount(tonle_core::decimal::DecimalError::Overflow(_)) => {
            BadRow::field(column, format!("{} is too large for {currency}", show(text.as_bytes())))
        }
        _ => BadRow::field(
            column,
            format!("{} is not an amount (expected a decimal such as 3697.34)", show(text.as_bytes())),
        ),
    })?;
    if money.is_negative() {
        return Err(BadRow::field(
            column,
            format!("{} is negative (expected an amount of 0 or more)", show(text.as_bytes())),
        ));
    }
    Ok(money)
}

// ------------------------------------------------------------------------------------------------------------
// Shared with the PaySim and AMLSim readers: lines, fields, ids, times, amounts and row errors.

/// Lines longer than this are refused (a record error), so a file without newlines cannot exhaust memory.
pub(crate) const MAX_LINE: usize = 1 << 20;

/// What [`LineReader::next_line`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineStatus {
    /// A line, in [`LineReader::text`] (without its `\n` or `\r\n`).
    Line,
    /// A line longer than [`MAX_LINE`], skipped.
    TooLong,
    /// The end of the input.
    End,
}

/// Reads lines into one reused buffer.
pub(crate) struct LineReader<R> {
    input: R,
    buffer: Vec<u8>,
    /// The 1-based number of the last line read.
    pub(crate) line: u64,
    /// Whether the input ended or failed: nothing more will be read.
    done: bool,
}

impl<R: BufRead> LineReader<R> {
    pub(crate) fn new(input: R) -> LineReader<R> {
        LineReader { input, buffer: Vec::with_capacity(256), line: 0, done: false }
    }

    /// Moves to the next line that is not blank, for a reader's `Iterator::next`: `Some(Ok(()))` when it is in
    /// [`text`](Self::text); `Some(Err(..))` for a line too long (a record error, reading goes on) or an input
    /// that fails (fatal, nothing more is read); `None` at the end.
    pub(crate) fn next_record_line(&mut self, file: &Arc<str>) -> Option<Result<(), ReadError>> {
        loop {
            if self.done {
                return None;
            }
            match self.next_line() {
                Err(error) => {
                    self.done = true;
                    return Some(Err(ReadError::io(file, &error)));
                }
                Ok(LineStatus::End) => {
                    self.done = true;
                    return None;
                }
                Ok(LineStatus::TooLong) => return Some(Err(self.too_long(file))),
                Ok(LineStatus::Line) if self.text().is_empty() => continue,
                Ok(LineStatus::Line) => return Some(Ok(())),
            }
        }
    }

    pub(crate) fn next_line(&mut self) -> io::Result<LineStatus> {
        self.buffer.clear();
        let read = self.input.by_ref().take(MAX_LINE as u64 + 1).read_until(b'\n', &mut self.buffer)?;
        if read == 0 {
            return Ok(LineStatus::End);
        }
        self.line += 1;
        if self.buffer.last() == Some(&b'\n') {
            self.buffer.pop();
        } else if self.buffer.len() > MAX_LINE {
            // Skip the rest of the line without keeping it.
            loop {
                self.buffer.clear();
                let read = self.input.by_ref().take(MAX_LINE as u64).read_until(b'\n', &mut self.buffer)?;
                if read == 0 || self.buffer.last() == Some(&b'\n') {
                    break;
                }
            }
            self.buffer.clear();
            return Ok(LineStatus::TooLong);
        }
        if self.buffer.last() == Some(&b'\r') {
            self.buffer.pop();
        }
        Ok(LineStatus::Line)
    }

    /// The last line read.
    pub(crate) fn text(&self) -> &[u8] {
        &self.buffer
    }

    pub(crate) fn too_long(&self, file: &Arc<str>) -> ReadError {
        ReadError::record(Location::line(file, self.line), format!("is longer than {MAX_LINE} bytes"))
    }
}

/// Reads the first line and checks it is one of the `headers`; returns which one. A missing or different
/// header is fatal.
pub(crate) fn check_header<R: BufRead>(
    file: &Arc<str>,
    lines: &mut LineReader<R>,
    headers: &[&[&str]],
    what: &str,
) -> Result<usize, ReadError> {
    let at = || Location::line(file, 1);
    let first = match lines.next_line().map_err(|e| ReadError::io(file, &e))? {
        LineStatus::End => return Err(ReadError::fatal(at(), format!("the file is empty (expected {what})"))),
        LineStatus::TooLong => return Err(ReadError::fatal(at(), format!("is not {what}: the line is too long"))),
        LineStatus::Line => lines.text(),
    };
    let first = first.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(first);
    let mut fields = [&b""[..]; 16];
    let count = split_fields(first, &mut fields);
    if let Some(found) = headers.iter().position(|header| {
        header.len() == count && header.iter().zip(&fields).all(|(name, field)| name.as_bytes() == *field)
    }) {
        return Ok(found);
    }
    // Name the first column that differs from the closest header (the one of the same length, else the first).
    let header = headers.iter().find(|h| h.len() == count).unwrap_or(&headers[0]);
    let expected = header.join(",");
    let differs =
        header.iter().zip(&fields[..count.min(fields.len())]).position(|(name, field)| name.as_bytes() != *field);
    Err(match differs {
        Some(column) => ReadError::fatal(
            at().with_field(header[column]),
            format!("column {} is {}; expected {what}: {expected}", column + 1, show(fields[column]),),
        ),
        None => ReadError::fatal(at(), format!("has {count} columns; expected {what}: {expected}")),
    })
}

/// Calls `each` with the position of every comma in `line`, in order. Eight bytes at a time: this is the
/// innermost loop of the AMLworld and PaySim readers.
#[inline(always)]
fn for_each_comma(line: &[u8], mut each: impl FnMut(usize)) {
    const COMMAS: u64 = u64::from_le_bytes([b','; 8]);
    const LOW7: u64 = u64::from_le_bytes([0x7f; 8]);
    let (chunks, rest) = line.as_chunks::<8>();
    for (index, chunk) in chunks.iter().enumerate() {
        // A byte of `x` is zero where the line has a comma; `mask` gets the high bit of exactly those bytes.
        let x = u64::from_le_bytes(*chunk) ^ COMMAS;
        let mut mask = !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7);
        while mask != 0 {
            each(index * 8 + (mask.trailing_zeros() / 8) as usize);
            mask &= mask - 1;
        }
    }
    let done = chunks.len() * 8;
    for (offset, &byte) in rest.iter().enumerate() {
        if byte == b',' {
            each(done + offset);
        }
    }
}

/// Splits a line on commas into `fields`; returns how many fields the line has (possibly more than fit).
pub(crate) fn split_fields<'a, const N: usize>(line: &'a [u8], fields: &mut [&'a [u8]; N]) -> usize {
    let mut count = 0;
    let mut start = 0;
    for_each_comma(line, |comma| {
        if let Some(slot) = fields.get_mut(count) {
            *slot = line.get(start..comma).unwrap_or_default();
        }
        count += 1;
        start = comma + 1;
    });
    if let Some(slot) = fields.get_mut(count) {
        *slot = line.get(start..).unwrap_or_default();
    }
    count + 1
}

/// Splits a UTF-8 line into exactly `N` fields (the line is checked as UTF-8 once, not field by field).
pub(crate) fn split_line<'a, const N: usize>(line: &'a [u8], fields: &mut [&'a str; N]) -> Result<(), BadRow> {
    let text = match std::str::from_utf8(line) {
        Ok(text) => text,
        Err(error) => {
            let mut raw = [&b""[..]; N];
            let count = split_fields(line, &mut raw);
            if count != N {
                return Err(BadRow::Count { found: count, expected: N });
            }
            let column = line[..error.valid_up_to()].iter().filter(|&&b| b == b',').count();
            let field = raw.get(column).copied().unwrap_or_default();
            return Err(BadRow::field(column, format!("{} is not UTF-8 text", show(field))));
        }
    };
    let mut count = 0;
    let mut start = 0;
    for_each_comma(line, |comma| {
        if let Some(slot) = fields.get_mut(count) {
            // Commas are ASCII, so both ends are character boundaries.
            *slot = text.get(start..comma).unwrap_or_default();
        }
        count += 1;
        start = comma + 1;
    });
    if let Some(slot) = fields.get_mut(count) {
        *slot = text.get(start..).unwrap_or_default();
    }
    if count + 1 != N {
        return Err(BadRow::Count { found: count + 1, expected: N });
    }
    Ok(())
}

/// A row that could not be read: the wrong number of fields, or one bad field.
#[derive(Debug)]
pub(crate) enum BadRow {
    /// The row has `found` fields instead of `expected`.
    Count { found: usize, expected: usize },
    /// A field (by position) and what is wrong with it.
    Field { column: usize, message: String },
    /// The row as a whole and what is wrong with it.
    Line(String),
}

impl BadRow {
    pub(crate) fn field(column: usize, message: impl ToString) -> BadRow {
        BadRow::Field { column, message: message.to_string() }
    }

    /// The record error, naming the line and, for a bad field, the column from `names`.
    pub(crate) fn into_error<S: AsRef<str>>(self, file: &Arc<str>, line: u64, names: &[S]) -> ReadError {
        let location = Location::line(file, line);
        match self {
            BadRow::Count { found, expected } => {
                ReadError::record(location, format!("has {found} fields; expected {expected}"))
            }
            BadRow::Field { column, message } => {
                let name = names.get(column).map_or("?", AsRef::as_ref);
                ReadError::record(location.with_field(name), message)
            }
            BadRow::Line(message) => ReadError::record(location, message),
        }
    }
}

/// A field's text for messages: quoted, cut at 40 characters, invalid UTF-8 replaced.
pub(crate) fn show(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(40).collect();
        format!("{cut:?}...")
    } else {
        format!("{text:?}")
    }
}

/// The transaction id `<stem>:<line>`; inline (no allocation) while it fits 24 bytes.
pub(crate) fn line_id(stem: &str, line: u64) -> Result<TxId, BadRow> {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = line;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut id = CompactString::with_capacity(stem.len() + 1 + digits.len() - start);
    id.push_str(stem);
    id.push(':');
    // Only ASCII digits were written.
    id.push_str(std::str::from_utf8(&digits[start..]).unwrap_or_default());
    // Never empty (it holds at least the colon and one digit), so never an error.
    TxId::new(id).map_err(|e| BadRow::Line(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ids() {
        assert_eq!(line_id("HI-Small_Trans", 2).unwrap().as_str(), "HI-Small_Trans:2");
        assert_eq!(line_id("x", 0).unwrap().as_str(), "x:0");
        assert_eq!(line_id("", u64::MAX).unwrap().as_str(), ":18446744073709551615");
    }

    #[test]
    fn comma_splitting_agrees_with_the_slow_way() {
        let mut seed = 7u64;
        for length in 0..70 {
            for _ in 0..20 {
                let line: Vec<u8> = (0..length)
                    .map(|_| {
                        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                        [b',', b'a', 0x2c ^ 0x80, 0xac, b'\x00', b'-'][(seed >> 59) as usize % 6]
                    })
                    .collect();
                let slow: Vec<&[u8]> = line.split(|&b| b == b',').collect();
                let mut fields = [&b""[..]; 80];
                let count = split_fields(&line, &mut fields);
                assert_eq!(count, slow.len());
                assert_eq!(&fields[..count], &slow[..]);
            }
        }
        let mut three = [""; 3];
        assert!(split_line(b"a,b,c", &mut three).is_ok());
        assert_eq!(three, ["a", "b", "c"]);
        assert!(matches!(split_line(b"a,b", &mut three), Err(BadRow::Count { found: 2, expected: 3 })));
        assert!(matches!(split_line(b"a,\xff,c", &mut three), Err(BadRow::Field { column: 1, .. })));
        assert!(matches!(split_line(b"a,\xff,c,d", &mut three), Err(BadRow::Count { found: 4, expected: 3 })));
    }
}
