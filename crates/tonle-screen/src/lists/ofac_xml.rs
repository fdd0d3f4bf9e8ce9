//! OFAC SDN list in its XML form (`sdn.xml`: `sdnList` of `sdnEntry`).
//!
//! Per entry: `uid`; `lastName` and `firstName` (written `LAST, First` as the CSV form does);
//! `sdnType` (`Individual`, `Entity`, `Vessel`, `Aircraft`); `programList/program`; `akaList/aka` with
//! `category` `strong` ([`NameKind::Alias`]) or `weak` ([`NameKind::Weak`]); `dateOfBirthList/
//! dateOfBirthItem/dateOfBirth` (OFAC's date forms, see [`super::dates::parse_ofac`]);
//! `nationalityList`, `citizenshipList` and `addressList` countries and `vesselInfo/vesselFlag`;
//! `idList/id` with `idType` `Digital Currency Address - <TAG>` and the address in `idNumber`.
//!
//! Ids are `ofac:<uid>` (the same numbers as the CSV form's ent_num); the source is `OFAC SDN`.

use super::countries::add_country;
use super::crypto::{infer_chain, plausible_address};
use super::ofac::{sdn_schema, SOURCE};
use super::xml::{for_each_record, Item, Node};
use super::{dates, push_name, push_unique, Loaded, Skipped};
use crate::entity::{CryptoAddress, ListEntity, ListName, NameKind, Schema};

/// Reads an OFAC `sdn.xml`. `file` names the file in messages.
pub fn parse_sdn_xml(data: &[u8], file: &str) -> Loaded {
    let mut out = Loaded::default();
    let mut seen = rustc_hash::FxHashSet::default();
    for_each_record(data, &["sdnEntry"], |item| match item {
        Item::Record(node, line) => {
            if let Some(entity) = entry(&node, line, file, &mut out.skipped) {
                if seen.insert(entity.id.clone()) {
                    out.entities.push(entity);
                } else {
                    out.skipped.push(
                        Skipped::new(file, "uid repeats an earlier entry").line(Some(line)).record(Some(entity.id)),
                    );
                }
            }
        }
        Item::Broken { line, message, record } => {
            let uid = record.as_ref().and_then(|r| r.text_of("uid")).map(|u| format!("uid {u}"));
            out.skipped
                .push(Skipped::new(file, format!("broken XML, entry skipped: {message}")).line(Some(line)).record(uid));
        }
    });
    out
}

/// `LAST, First`, `LAST` or `First`, from a node with `lastName` and `firstName`.
fn full_name(node: &Node) -> Option<String> {
    match (node.text_of("lastName"), node.text_of("firstName")) {
        (Some(last), Some(first)) => Some(format!("{last}, {first}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_string()),
        (None, None) => None,
    }
}

fn entry(node: &Node, line: u64, file: &str, skipped: &mut Vec<Skipped>) -> Option<ListEntity> {
    let Some(uid) = node.text_of("uid") else {
        skipped.push(Skipped::new(file, "entry has no uid").line(Some(line)).field("uid"));
        return None;
    };
    let record = Some(format!("uid {uid}"));
    let note =
        |reason: String, field: &str| Skipped::new(file, reason).line(Some(line)).record(record.clone()).field(field);
    let mut bad = Vec::new();
    node.bad_fields(&mut bad);
    for field in bad {
        skipped.push(note("not valid UTF-8 (or an unknown entity); read as empty".into(), &field));
    }
    if !uid.bytes().all(|b| b.is_ascii_digit()) {
        skipped.push(note(format!("uid {uid:?} is not a number"), "uid"));
        return None;
    }
    let Some(name) = full_name(node) else {
        skipped.push(note("entry has no name".into(), "lastName"));
        return None;
    };
    let schema = sdn_schema(node.text_of("sdnType")).unwrap_or_else(|other| {
        skipped.push(note(format!("unknown sdnType {other:?}; read as an organization"), "sdnType"));
        Schema::Organization
    });
    let mut entity =
        ListEntity { names: vec![ListName::primary(name)], ..ListEntity::new(format!("ofac:{uid}"), SOURCE, schema) };
    for list in node.children("programList") {
        for p in list.children("program") {
            let p = p.text.trim();
            if !p.is_empty() {
                push_unique(&mut entity.programs, p.to_string());
            }
        }
    }
    for list in node.children("akaList") {
        for aka in list.children("aka") {
            let Some(text) = full_name(aka) else { continue };
            let kind = match aka.text_of("category").map(str::to_ascii_lowercase).as_deref() {
                Some("weak") => NameKind::Weak,
                _ => NameKind::Alias,
            };
            push_name(&mut entity.names, ListName { text, kind });
        }
    }
    for list in node.children("dateOfBirthList") {
        for item in list.children("dateOfBirthItem") {
            let Some(date) = item.text_of("dateOfBirth") else { continue };
            match dates::parse_ofac(date) {
                Some(ds) => ds.into_iter().for_each(|d| push_unique(&mut entity.birth_dates, d)),
                None => skipped.push(note(format!("cannot read birth date {date:?}"), "dateOfBirth")),
            }
        }
    }
    for (list, item) in
        [("nationalityList", "nationality"), ("citizenshipList", "citizenship"), ("addressList", "address")]
    {
        for l in node.children(list) {
            for i in l.children(item) {
                if let Some(country) = i.text_of("country") {
                    add_country(&mut entity, country, |r| skipped.push(note(r, item)));
                }
            }
        }
    }
    if let Some(flag) = node.child("vesselInfo").and_then(|v| v.text_of("vesselFlag")) {
        add_country(&mut entity, flag, |r| skipped.push(note(r, "vesselFlag")));
    }
    for list in node.children("idList") {
        for id in list.children("id") {
            let Some(tag) = id.text_of("idType").and_then(|t| t.strip_prefix("Digital Currency Address -")) else {
                continue;
            };
            let tag = tag.trim();
            match id.text_of("idNumber") {
                Some(address) if plausible_address(address) => {
                    let chain = infer_chain(address, Some(tag));
                    push_unique(&mut entity.addresses, CryptoAddress { chain, address: address.to_string() });
                }
                other => skipped.push(note(format!("cannot read digital currency address {other:?}"), "idNumber")),
            }
        }
    }
    Some(entity)
}
