//! OFAC SDN list in its CSV form: `sdn.csv` joined on `ent_num` with `alt.csv` (aliases) and `add.csv`
//! (addresses) when they are present.
//!
//! - `sdn.csv` has no header row; its columns are ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign,
//!   Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks. `-0-` means empty. The official file ends
//!   with a Ctrl-Z byte, ignored here.
//! - `alt.csv`: ent_num, alt_num, alt_type (`aka`, `fka`, `nka`; `weak aka` read as a weak alias),
//!   alt_name, alt_remarks; a header row is allowed.
//! - `add.csv`: ent_num, add_num, address, city/state/postal, country, add_remarks; a header row is
//!   allowed. Only the country is kept.
//!
//! SDN_Type `individual` gives [`Schema::Person`], `vessel` and `aircraft` theirs, `-0-`
//! [`Schema::Organization`]. Programmes come from the Program column (`SDGT] [IFSR` as the CSV writes
//! several). The Remarks column is read with [`crate::lists::ofac::parse_remarks`]: birth dates,
//! nationality and citizenship, digital currency addresses, and the quoted `a.k.a. 'X'` names, which
//! are OFAC's weak aliases (in the CSV form weak aliases appear only there; `alt.csv` holds the strong
//! ones). A vessel's flag is one of its countries. OFAC's export cuts Remarks at 1000 characters: the
//! last part of a cut text is not trusted, and if it is a date, country, alias or address it is reported
//! as skipped. Gender, identity documents and places of birth have no place in [`ListEntity`] and are
//! not kept.

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use super::countries::add_country;
use super::crypto::{infer_chain, plausible_address};
use super::{dates, push_name, push_unique, LineCounter, Loaded, Skipped};
use crate::entity::{CryptoAddress, ListEntity, ListName, NameKind, Schema};

/// The source every OFAC SDN entity gets.
pub const SOURCE: &str = "OFAC SDN";

/// Remarks longer than this were cut short by OFAC's CSV export.
const REMARKS_LIMIT: usize = 1000;

/// Whether a CSV line looks like an `sdn.csv` row: an ent_num then a quoted name.
pub fn looks_like_sdn_row(line: &str) -> bool {
    match line.split_once(',') {
        Some((num, rest)) => {
            !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) && rest.trim_start().starts_with('"')
        }
        None => false,
    }
}

/// The name of a companion file: the sdn file's name with its last `sdn` (any case) replaced by `what`
/// (`alt` or `add`) in the same case; `None` when the name has no `sdn`.
pub fn companion_name(file: &str, what: &str) -> Option<String> {
    let pos = file.to_ascii_lowercase().rfind("sdn")?;
    let found = &file[pos..pos + 3];
    let replacement =
        if found.chars().all(|c| c.is_ascii_uppercase()) { what.to_ascii_uppercase() } else { what.to_string() };
    Some(format!("{}{}{}", &file[..pos], replacement, &file[pos + 3..]))
}

/// The path of a companion file beside `sdn` (see [`companion_name`]).
pub fn companion_path(sdn: &Path, what: &str) -> Option<PathBuf> {
    let name = sdn.file_name()?.to_str()?;
    Some(sdn.with_file_name(companion_name(name, what)?))
}

/// A CSV row's fields as text: trimmed, `-0-` read as empty.
struct Row {
    line: Option<u64>,
    fields: Vec<Result<String, ()>>,
}

impl Row {
    /// Field `i`: `Ok(None)` when empty or missing, `Err` when not UTF-8.
    fn get(&self, i: usize) -> Result<Option<&str>, ()> {
        match self.fields.get(i) {
            None => Ok(None),
            Some(Err(())) => Err(()),
            Some(Ok(s)) => Ok(Some(s.as_str()).filter(|s| !s.is_empty() && *s != "-0-")),
        }
    }

    /// An end-of-file marker (Ctrl-Z) or a blank row.
    fn is_blank(&self) -> bool {
        self.fields.iter().all(|f| matches!(f, Ok(s) if s.is_empty() || s == "\u{1a}"))
    }
}

/// Every row of a headerless CSV; rows the reader cannot split are notes.
fn rows(bytes: &[u8], file: &str, skipped: &mut Vec<Skipped>) -> Vec<Row> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut lines = LineCounter::new(bytes);
    let mut out = Vec::new();
    let mut record = ::csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map(|p| lines.record_at(p.byte() as usize));
                let fields = record
                    .iter()
                    .map(|f| std::str::from_utf8(f).map(|s| s.trim().to_string()).map_err(|_| ()))
                    .collect();
                out.push(Row { line, fields });
            }
            Err(e) => {
                let line = e.position().map(|p| lines.record_at(p.byte() as usize));
                skipped.push(Skipped::new(file, format!("unreadable CSV row: {e}")).line(line));
                // A CSV read error other than I/O leaves the reader on the next row; I/O cannot fail on a
                // byte slice, so stop only if the reader makes no progress.
                if e.position().is_none() {
                    break;
                }
            }
        }
    }
    out
}

const SDN_COLUMNS: [&str; 12] = [
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
];

/// Reads the OFAC SDN CSV files: `sdn` and, when given, its `alt` and `add` companions. `file` is the
/// sdn file's name, for messages (the companions' names are derived from it).
pub fn parse_sdn_csv(sdn: &[u8], alt: Option<&[u8]>, add: Option<&[u8]>, file: &str) -> Loaded {
    let mut out = Loaded::default();
    let mut by_num: FxHashMap<String, usize> = FxHashMap::default();
    for row in rows(sdn, file, &mut out.skipped) {
        if row.is_blank() {
            continue;
        }
        if let Some(entity) = sdn_row(&row, file, &mut out.skipped) {
            let num = entity.id.trim_start_matches("ofac:").to_string();
            if by_num.contains_key(&num) {
                out.skipped.push(
                    Skipped::new(file, "ent_num repeats an earlier row")
                        .line(row.line)
                        .record(Some(format!("ent_num {num}"))),
                );
                continue;
            }
            by_num.insert(num, out.entities.len());
            out.entities.push(entity);
        }
    }
    if let Some(alt) = alt {
        let alt_file = companion_name(file, "alt").unwrap_or_else(|| format!("{file} (aliases)"));
        join_aliases(alt, &alt_file, &by_num, &mut out);
    }
    if let Some(add) = add {
        let add_file = companion_name(file, "add").unwrap_or_else(|| format!("{file} (addresses)"));
        join_addresses(add, &add_file, &by_num, &mut out);
    }
    out
}

/// The ent_num of a row, or a note why it has none. `Ok(None)` for a header row.
fn ent_num(row: &Row, file: &str, skipped: &mut Vec<Skipped>) -> Option<String> {
    match row.get(0) {
        Ok(Some(n)) if n.bytes().all(|b| b.is_ascii_digit()) => Some(n.to_string()),
        Ok(Some(n)) if n.eq_ignore_ascii_case("ent_num") => None,
        Ok(Some(n)) => {
            skipped.push(Skipped::new(file, format!("ent_num {n:?} is not a number")).line(row.line).field("ent_num"));
            None
        }
        Ok(None) => {
            skipped.push(Skipped::new(file, "row has no ent_num").line(row.line).field("ent_num"));
            None
        }
        Err(()) => {
            skipped.push(Skipped::new(file, "ent_num is not valid UTF-8").line(row.line).field("ent_num"));
            None
        }
    }
}

/// One `sdn.csv` row.
fn sdn_row(row: &Row, file: &str, skipped: &mut Vec<Skipped>) -> Option<ListEntity> {
    let num = ent_num(row, file, skipped)?;
    let record = Some(format!("ent_num {num}"));
    let note =
        |reason: String, field: &str| Skipped::new(file, reason).line(row.line).record(record.clone()).field(field);
    let name = match row.get(1) {
        Ok(Some(n)) => n.to_string(),
        Ok(None) => {
            skipped.push(note("row has no name".into(), "SDN_Name"));
            return None;
        }
        Err(()) => {
            skipped.push(note("name is not valid UTF-8".into(), "SDN_Name"));
            return None;
        }
    };
    if row.fields.len() < SDN_COLUMNS.len() {
        skipped.push(note(
            format!(
                "row has {} of {} columns; the missing ones are read as empty",
                row.fields.len(),
                SDN_COLUMNS.len()
            ),
            SDN_COLUMNS[row.fields.len()],
        ));
    }
    // Every other field: a UTF-8 error is a note and the field is read as empty.
    let mut get = |i: usize| -> Option<String> {
        match row.get(i) {
            Ok(v) => v.map(str::to_string),
            Err(()) => {
                skipped.push(note("not valid UTF-8".into(), SDN_COLUMNS[i]));
                None
            }
        }
    };
    let sdn_type = get(2);
    let program = get(3);
    let flag = get(9);
    let remarks = get(11);
    let schema = sdn_schema(sdn_type.as_deref()).unwrap_or_else(|other| {
        skipped.push(note(format!("unknown SDN_Type {other:?}; read as an organization"), "SDN_Type"));
        Schema::Organization
    });
    let mut entity =
        ListEntity { names: vec![ListName::primary(name)], ..ListEntity::new(format!("ofac:{num}"), SOURCE, schema) };
    if let Some(program) = program {
        for p in program.split(['[', ']']).map(str::trim).filter(|p| !p.is_empty()) {
            push_unique(&mut entity.programs, p.to_string());
        }
    }
    if let Some(flag) = flag {
        add_country(&mut entity, &flag, |reason| skipped.push(note(reason, "Vess_flag")));
    }
    if let Some(remarks) = remarks {
        let truncated = remarks.len() >= REMARKS_LIMIT;
        parse_remarks(&remarks, truncated, &mut entity, |reason| skipped.push(note(reason, "Remarks")));
    }
    Some(entity)
}

/// The kind of an SDN entry from its type (`SDN_Type` in the CSV, `sdnType` in the XML): an empty one, `-0-`
/// or `Entity` is an organisation; an unknown one is returned as the error.
pub(crate) fn sdn_schema(sdn_type: Option<&str>) -> Result<Schema, String> {
    match sdn_type.map(str::to_ascii_lowercase).as_deref() {
        None | Some("entity") => Ok(Schema::Organization),
        Some("individual") => Ok(Schema::Person),
        Some("vessel") => Ok(Schema::Vessel),
        Some("aircraft") => Ok(Schema::Aircraft),
        Some(other) => Err(other.to_owned()),
    }
}

/// Reads an OFAC Remarks text (the SDN CSV's last column) into `entity`: `DOB ...` and `alt. DOB ...`
/// birth dates, `nationality X`, `citizen X` and `Nationality of Registration X` countries, `Digital
/// Currency Address - TAG address` addresses, and `a.k.a. 'X'` / `f.k.a. 'X'` / `n.k.a. 'X'` weak
/// aliases. Other remarks are ignored. `truncated` says the text was cut short (its last part is then
/// not trusted). Each part that cannot be read is passed to `note`.
pub fn parse_remarks(remarks: &str, truncated: bool, entity: &mut ListEntity, mut note: impl FnMut(String)) {
    let parts: Vec<&str> = remarks.split(';').map(str::trim).filter(|p| !p.is_empty()).collect();
    for (i, part) in parts.iter().enumerate() {
        let cut = truncated && i + 1 == parts.len();
        let part = part.strip_prefix("alt.").map(str::trim_start).unwrap_or(part);
        if let Some(rest) = ["a.k.a.", "f.k.a.", "n.k.a."].iter().find_map(|p| part.strip_prefix(p)) {
            let rest = rest.trim();
            let rest = rest.strip_suffix('.').unwrap_or(rest);
            match rest.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
                Some(alias) if !alias.trim().is_empty() && !cut => {
                    let alias = ListName { text: alias.trim().to_string(), kind: NameKind::Weak };
                    push_name(&mut entity.names, alias);
                }
                _ => note(format!("cannot read alias {part:?}{}", if cut { " (remarks cut short)" } else { "" })),
            }
        } else if let Some(rest) = part.strip_prefix("DOB ") {
            match dates::parse_ofac(rest) {
                Some(ds) if !cut => ds.into_iter().for_each(|d| push_unique(&mut entity.birth_dates, d)),
                _ => note(format!("cannot read birth date {part:?}{}", if cut { " (remarks cut short)" } else { "" })),
            }
        } else if let Some(rest) = ["nationality ", "citizen ", "citizenship ", "Nationality of Registration "]
            .iter()
            .find_map(|p| part.strip_prefix(p))
        {
            if cut {
                note(format!("cannot read country {part:?} (remarks cut short)"));
            } else {
                add_country(entity, rest, &mut note);
            }
        } else if let Some(rest) = part.strip_prefix("Digital Currency Address -") {
            let mut words = rest.split_whitespace();
            match (words.next(), words.next().map(|a| a.trim_end_matches('.'))) {
                (Some(tag), Some(address)) if plausible_address(address) && !cut => {
                    let chain = infer_chain(address, Some(tag));
                    push_unique(&mut entity.addresses, CryptoAddress { chain, address: address.to_string() });
                }
                _ => note(format!(
                    "cannot read digital currency address {part:?}{}",
                    if cut { " (remarks cut short)" } else { "" }
                )),
            }
        } else if part.starts_with("Digital Currency") && cut {
            note(format!("cannot read digital currency address {part:?} (remarks cut short)"));
        }
    }
}

/// Joins `alt.csv` rows to their entities.
fn join_aliases(alt: &[u8], file: &str, by_num: &FxHashMap<String, usize>, out: &mut Loaded) {
    for row in rows(alt, file, &mut out.skipped) {
        if row.is_blank() {
            continue;
        }
        let Some(num) = ent_num(&row, file, &mut out.skipped) else { continue };
        let record = Some(match row.get(1) {
            Ok(Some(alt_num)) => format!("ent_num {num} alt_num {alt_num}"),
            _ => format!("ent_num {num}"),
        });
        let note = |reason: &str, field: Option<&str>| {
            let s = Skipped::new(file, reason).line(row.line).record(record.clone());
            match field {
                Some(f) => s.field(f),
                None => s,
            }
        };
        let Some(&index) = by_num.get(&num) else {
            out.skipped.push(note("alias of an ent_num that is not in the sdn file", Some("ent_num")));
            continue;
        };
        let name = match row.get(3) {
            Ok(Some(n)) => n.to_string(),
            Ok(None) => {
                out.skipped.push(note("alias row has no name", Some("alt_name")));
                continue;
            }
            Err(()) => {
                out.skipped.push(note("alias name is not valid UTF-8", Some("alt_name")));
                continue;
            }
        };
        let kind = match row.get(2).ok().flatten().map(str::to_ascii_lowercase).as_deref() {
            Some("aka" | "fka" | "nka") | None => NameKind::Alias,
            Some(t) if t.starts_with("weak") => NameKind::Weak,
            Some(_) => {
                out.skipped.push(note("unknown alt_type; read as a strong alias", Some("alt_type")));
                NameKind::Alias
            }
        };
        push_name(&mut out.entities[index].names, ListName { text: name, kind });
    }
}

/// Joins `add.csv` rows' countries to their entities.
fn join_addresses(add: &[u8], file: &str, by_num: &FxHashMap<String, usize>, out: &mut Loaded) {
    for row in rows(add, file, &mut out.skipped) {
        if row.is_blank() {
            continue;
        }
        let Some(num) = ent_num(&row, file, &mut out.skipped) else { continue };
        let record = Some(format!("ent_num {num}"));
        let Some(&index) = by_num.get(&num) else {
            out.skipped.push(
                Skipped::new(file, "address of an ent_num that is not in the sdn file")
                    .line(row.line)
                    .record(record)
                    .field("ent_num"),
            );
            continue;
        };
        match row.get(4) {
            Ok(Some(country)) => {
                let country = country.to_string();
                let line = row.line;
                let skipped = &mut out.skipped;
                add_country(&mut out.entities[index], &country, |reason| {
                    skipped.push(Skipped::new(file, reason).line(line).record(record.clone()).field("country"))
                });
            }
            Ok(None) => {}
            Err(()) => out
                .skipped
                .push(Skipped::new(file, "country is not valid UTF-8").line(row.line).record(record).field("country")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn companions() {
        assert_eq!(companion_name("ofac_sdn.csv", "alt").as_deref(), Some("ofac_alt.csv"));
        assert_eq!(companion_name("SDN.CSV", "add").as_deref(), Some("ADD.CSV"));
        assert_eq!(companion_name("list.csv", "alt"), None);
    }

    #[test]
    fn remarks() {
        let mut e = ListEntity::new("ofac:1".into(), SOURCE, Schema::Person);
        let mut notes = Vec::new();
        parse_remarks(
            "DOB 12 Jan 1960; alt. DOB 1961; nationality Iran; citizen Korea, North; Gender Male; a.k.a. 'ABU-'UMAR'.; \
             Digital Currency Address - XBT 16iWn2J1McqjToYLHSsAyS6En3QA8YQ91H; alt. Digital Currency Address - ETH \
             0x175d44451403Edf28469dF03A9280c1197ADb92c; nationality Atlantis",
            false,
            &mut e,
            |n| notes.push(n),
        );
        assert_eq!(e.birth_dates.len(), 2);
        assert_eq!(e.countries, vec!["IR", "KP"]);
        assert_eq!(e.names, vec![ListName { text: "ABU-'UMAR".into(), kind: NameKind::Weak }]);
        assert_eq!(e.addresses.len(), 2);
        assert_eq!(notes.len(), 1, "{notes:?}");
    }
}
