//! An institution's own list, as CSV.
//!
//! The first row is a header naming the columns, in any order (names are matched without regard to case
//! or surrounding space; unknown columns are ignored):
//!
//! | column | required | content |
//! |---|---|---|
//! | `id` | yes | the institution's own id for the entry, unique in the file |
//! | `name` | yes | the primary name |
//! | `schema` | no | `person`, `organization` (or `organisation`, `company`), `vessel`, `aircraft`; empty: unknown |
//! | `aliases` | no | other names, separated by `;` |
//! | `birth_date` | no | `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; several separated by `;` |
//! | `country` | no | ISO 3166-1 alpha-2 codes or English country names, separated by `;` |
//! | `program` | no | programmes or list reasons, separated by `;` |
//!
//! For example:
//!
//! ```text
//! id,name,schema,aliases,birth_date,country,program
//! 17,"DOE, John",person,Johnny Doe;J. Doe,1960-01-12,US;Canada,internal fraud
//! 18,Acme Shell Ltd,organization,,,,
//! ```
//!
//! Ids are `csv:<file name>:<id>`; the source is the file's name. A row without an id or a name, or with an
//! id already used, is skipped; a value that cannot be read (a date, a country, a schema) is a note and
//! the row is kept without it.

use rustc_hash::FxHashSet;

use super::countries::{self, Country};
use super::{dates, push_name, push_unique, LineCounter, Loaded, Skipped};
use crate::entity::{ListEntity, ListName, NameKind, Schema};

/// The columns, in the order [`write_csv`] writes them.
pub const COLUMNS: [&str; 7] = ["id", "name", "schema", "aliases", "birth_date", "country", "program"];

fn schema_name(schema: Schema) -> &'static str {
    match schema {
        Schema::Person => "person",
        Schema::Organization => "organization",
        Schema::Vessel => "vessel",
        Schema::Aircraft => "aircraft",
        Schema::Unknown => "",
    }
}

fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split(';').map(str::trim).filter(|p| !p.is_empty())
}

/// Reads an institution's CSV list. `file` is the file's name: it is the source and part of every id.
pub fn parse_csv(data: &[u8], file: &str) -> Loaded {
    let mut out = Loaded::default();
    let mut reader = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(data);
    let mut lines = LineCounter::new(data);
    let mut record = ::csv::ByteRecord::new();
    let mut columns: Option<[Option<usize>; 7]> = None;
    let mut seen = FxHashSet::default();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| lines.record_at(p.byte() as usize));
                out.skipped.push(Skipped::new(file, format!("unreadable CSV row: {e}")).line(line));
                if e.position().is_none() {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map(|p| lines.record_at(p.byte() as usize));
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let Some(cols) = columns else {
            let header: Vec<String> = record
                .iter()
                .map(|f| String::from_utf8_lossy(f).trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
                .collect();
            let mut found = [None; 7];
            for (i, name) in COLUMNS.iter().enumerate() {
                found[i] = header.iter().position(|h| h == name);
            }
            if found[0].is_none() || found[1].is_none() {
                out.skipped.push(
                    Skipped::new(file, "header row lacks the id and name columns; nothing read")
                        .line(line)
                        .field("header"),
                );
                return out;
            }
            columns = Some(found);
            continue;
        };
        if let Some(entity) = row(&record, &cols, line, file, &mut out.skipped) {
            if seen.insert(entity.id.clone()) {
                out.entities.push(entity);
            } else {
                out.skipped.push(
                    Skipped::new(file, "id repeats an earlier row").line(line).record(Some(entity.id)).field("id"),
                );
            }
        }
    }
    if columns.is_none() {
        out.skipped.push(Skipped::new(file, "file has no header row; nothing read").field("header"));
    }
    out
}

fn row(
    record: &::csv::ByteRecord,
    cols: &[Option<usize>; 7],
    line: Option<u64>,
    file: &str,
    skipped: &mut Vec<Skipped>,
) -> Option<ListEntity> {
    // Column `c` as text; a UTF-8 error is noted and the value read as empty.
    let mut bad = Vec::new();
    let mut get = |c: usize| -> String {
        let Some(bytes) = cols[c].and_then(|i| record.get(i)) else { return String::new() };
        match std::str::from_utf8(bytes) {
            Ok(s) => s.trim().to_string(),
            Err(_) => {
                bad.push(COLUMNS[c]);
                String::new()
            }
        }
    };
    let values: Vec<String> = (0..COLUMNS.len()).map(&mut get).collect();
    let id = values[0].clone();
    let record_id = (!id.is_empty()).then(|| id.clone());
    let note =
        |reason: String, field: &str| Skipped::new(file, reason).line(line).record(record_id.clone()).field(field);
    for field in bad {
        skipped.push(note("not valid UTF-8".into(), field));
    }
    if id.is_empty() {
        skipped.push(note("row has no id".into(), "id"));
        return None;
    }
    if values[1].is_empty() {
        skipped.push(note("row has no name".into(), "name"));
        return None;
    }
    let schema = Schema::parse(&values[2]).unwrap_or_else(|| {
        skipped.push(note(format!("unknown schema {:?}", values[2]), "schema"));
        Schema::Unknown
    });
    let mut entity = ListEntity {
        names: vec![ListName::primary(values[1].clone())],
        ..ListEntity::new(format!("csv:{file}:{id}"), file, schema)
    };
    for alias in split_list(&values[3]) {
        push_name(&mut entity.names, ListName { text: alias.to_string(), kind: NameKind::Alias });
    }
    for date in split_list(&values[4]) {
        match dates::parse_iso(date) {
            Some(d) => push_unique(&mut entity.birth_dates, d),
            None => skipped.push(note(format!("{date:?} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"), "birth_date")),
        }
    }
    for country in split_list(&values[5]) {
        match countries::lookup(country) {
            Country::Code(c) => push_unique(&mut entity.countries, c.to_string()),
            Country::None => {}
            Country::Unknown => skipped.push(note(format!("unknown country {country:?}"), "country")),
        }
    }
    for program in split_list(&values[6]) {
        push_unique(&mut entity.programs, program.to_string());
    }
    Some(entity)
}

/// Writes entities in this format (the inverse of [`parse_csv`] for entities it can hold: the id written is
/// the part after the last `:` of the entity's id; weak and original-script names are written as aliases;
/// crypto addresses are not written).
pub fn write_csv(entities: &[ListEntity]) -> Result<Vec<u8>, ::csv::Error> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS)?;
    for e in entities {
        let id = e.id.rsplit(':').next().unwrap_or(&e.id);
        let primary = e.names.iter().find(|n| n.kind == NameKind::Primary).map(|n| n.text.as_str()).unwrap_or("");
        let aliases: Vec<&str> =
            e.names.iter().filter(|n| n.kind != NameKind::Primary).map(|n| n.text.as_str()).collect();
        let dates: Vec<String> = e
            .birth_dates
            .iter()
            .map(|d| match (d.month, d.day) {
                (Some(m), Some(day)) => format!("{:04}-{m:02}-{day:02}", d.year),
                (Some(m), None) => format!("{:04}-{m:02}", d.year),
                _ => format!("{:04}", d.year),
            })
            .collect();
        writer.write_record([
            id,
            primary,
            schema_name(e.schema),
            &aliases.join(";"),
            &dates.join(";"),
            &e.countries.join(";"),
            &e.programs.join(";"),
        ])?;
    }
    writer.into_inner().map_err(|e| ::csv::Error::from(e.into_error()))
}
