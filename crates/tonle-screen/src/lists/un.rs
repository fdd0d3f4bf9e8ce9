//! UN Security Council consolidated sanctions list, XML (`CONSOLIDATED_LIST` with `INDIVIDUALS/INDIVIDUAL`
//! and `ENTITIES/ENTITY`).
//!
//! - Primary name: `FIRST_NAME` to `FOURTH_NAME` joined in order; `NAME_ORIGINAL_SCRIPT` is the
//!   [`NameKind::Original`] name.
//! - `INDIVIDUAL_ALIAS` / `ENTITY_ALIAS`: `QUALITY` `Good`, `a.k.a.`, `f.k.a.` (or none) give
//!   [`NameKind::Alias`], `Low` gives [`NameKind::Weak`].
//! - `INDIVIDUAL_DATE_OF_BIRTH`: `TYPE_OF_DATE` `EXACT` or `APPROXIMATELY` with `DATE` or `YEAR`, `BETWEEN`
//!   with `FROM_YEAR` and `TO_YEAR` (one date a year, see [`super::dates::range`]).
//! - Countries: `NATIONALITY/VALUE` and the addresses' `COUNTRY`.
//! - Programme: `UN_LIST_TYPE` (`Al-Qaida`, `DPRK`...).
//!
//! Ids are `un:<REFERENCE_NUMBER>` (`un:<DATAID>` when there is none); the source is `UN SC`.

use super::countries::add_country;
use super::dates::{self, parse_iso};
use super::xml::{for_each_record, Item, Node};
use super::{push_name, push_unique, Loaded, Skipped};
use crate::entity::{ListEntity, ListName, NameKind, PartialDate, Schema};

/// The source every UN entity gets.
pub const SOURCE: &str = "UN SC";

/// Reads a UN Security Council consolidated list. `file` names the file in messages.
pub fn parse_un_xml(data: &[u8], file: &str) -> Loaded {
    let mut out = Loaded::default();
    let mut seen = rustc_hash::FxHashSet::default();
    for_each_record(data, &["INDIVIDUAL", "ENTITY"], |item| match item {
        Item::Record(node, line) => {
            if let Some(entity) = record(&node, line, file, &mut out.skipped) {
                if seen.insert(entity.id.clone()) {
                    out.entities.push(entity);
                } else {
                    out.skipped.push(
                        Skipped::new(file, "id repeats an earlier record").line(Some(line)).record(Some(entity.id)),
                    );
                }
            }
        }
        Item::Broken { line, message, record } => {
            let id = record.as_ref().and_then(record_id);
            out.skipped
                .push(Skipped::new(file, format!("broken XML, record skipped: {message}")).line(Some(line)).record(id));
        }
    });
    out
}

fn record_id(node: &Node) -> Option<String> {
    node.text_of("REFERENCE_NUMBER").or_else(|| node.text_of("DATAID")).map(str::to_string)
}

fn record(node: &Node, line: u64, file: &str, skipped: &mut Vec<Skipped>) -> Option<ListEntity> {
    let Some(id) = record_id(node) else {
        skipped.push(
            Skipped::new(file, "record has neither REFERENCE_NUMBER nor DATAID")
                .line(Some(line))
                .field("REFERENCE_NUMBER"),
        );
        return None;
    };
    let note =
        |reason: String, field: &str| Skipped::new(file, reason).line(Some(line)).record(Some(id.clone())).field(field);
    let mut bad = Vec::new();
    node.bad_fields(&mut bad);
    for field in bad {
        skipped.push(note("not valid UTF-8 (or an unknown entity); read as empty".into(), &field));
    }
    let primary: Vec<&str> =
        ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"].iter().filter_map(|n| node.text_of(n)).collect();
    if primary.is_empty() {
        skipped.push(note("record has no name".into(), "FIRST_NAME"));
        return None;
    }
    let person = node.name == "INDIVIDUAL";
    let schema = if person { Schema::Person } else { Schema::Organization };
    let mut entity = ListEntity {
        names: vec![ListName::primary(primary.join(" "))],
        ..ListEntity::new(format!("un:{id}"), SOURCE, schema)
    };
    for original in node.children("NAME_ORIGINAL_SCRIPT") {
        let text = original.text.trim();
        if !text.is_empty() {
            push_name(&mut entity.names, ListName { text: text.to_string(), kind: NameKind::Original });
        }
    }
    let alias_tag = if person { "INDIVIDUAL_ALIAS" } else { "ENTITY_ALIAS" };
    for alias in node.children(alias_tag) {
        let Some(name) = alias.text_of("ALIAS_NAME") else { continue };
        let kind = match alias.text_of("QUALITY").map(str::to_ascii_lowercase).as_deref() {
            Some("low") => NameKind::Weak,
            Some("good" | "a.k.a." | "f.k.a." | "n.k.a.") | None => NameKind::Alias,
            Some(other) => {
                skipped.push(note(format!("unknown alias QUALITY {other:?}; read as a strong alias"), "QUALITY"));
                NameKind::Alias
            }
        };
        push_name(&mut entity.names, ListName { text: name.to_string(), kind });
    }
    for dob in node.children("INDIVIDUAL_DATE_OF_BIRTH") {
        match birth_dates(dob) {
            Ok(ds) => ds.into_iter().for_each(|d| push_unique(&mut entity.birth_dates, d)),
            Err(reason) => skipped.push(note(reason, "INDIVIDUAL_DATE_OF_BIRTH")),
        }
    }
    for nationality in node.children("NATIONALITY") {
        for value in nationality.children("VALUE") {
            add_country(&mut entity, value.text.trim(), |r| skipped.push(note(r, "NATIONALITY")));
        }
    }
    let address_tag = if person { "INDIVIDUAL_ADDRESS" } else { "ENTITY_ADDRESS" };
    for address in node.children(address_tag) {
        if let Some(country) = address.text_of("COUNTRY") {
            add_country(&mut entity, country, |r| skipped.push(note(r, "COUNTRY")));
        }
    }
    if let Some(program) = node.text_of("UN_LIST_TYPE") {
        push_unique(&mut entity.programs, program.to_string());
    }
    Some(entity)
}

fn year(node: &Node, name: &str) -> Result<Option<PartialDate>, String> {
    match node.text_of(name) {
        None => Ok(None),
        Some(y) => match parse_iso(y) {
            Some(d) if d.month.is_none() => Ok(Some(d)),
            _ => Err(format!("{name} {y:?} is not a year")),
        },
    }
}

/// One `INDIVIDUAL_DATE_OF_BIRTH`: its dates (none for an empty one).
fn birth_dates(dob: &Node) -> Result<Vec<PartialDate>, String> {
    let kind = dob.text_of("TYPE_OF_DATE").unwrap_or("").to_ascii_uppercase();
    if let Some(date) = dob.text_of("DATE") {
        return match parse_iso(date) {
            Some(d) => Ok(vec![d]),
            None => Err(format!("DATE {date:?} is not a date")),
        };
    }
    if let Some(y) = year(dob, "YEAR")? {
        return Ok(vec![y]);
    }
    match (year(dob, "FROM_YEAR")?, year(dob, "TO_YEAR")?) {
        (Some(from), Some(to)) => Ok(dates::range(from, to)),
        (Some(one), None) | (None, Some(one)) => Ok(vec![one]),
        (None, None) if kind == "BETWEEN" => Err("BETWEEN without FROM_YEAR and TO_YEAR".into()),
        // EXACT or APPROXIMATELY with only a NOTE, or an empty element: nothing said.
        (None, None) => Ok(Vec::new()),
    }
}
