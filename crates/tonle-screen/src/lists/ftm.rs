//! OpenSanctions FollowTheMoney entities, one JSON object a line (`entities.ftm.json`):
//! `{"id": ..., "schema": ..., "properties": {"name": [...], ...}}`.
//!
//! - Schemas: `Person`; `Organization`, `Company`, `LegalEntity`, `PublicBody` (organizations); `Vessel`;
//!   `Airplane` (aircraft).
//! - Names: the first `name` is primary, further `name`s, `alias` and `previousName` are aliases,
//!   `weakAlias` weak aliases (with no `name`, `firstName` ... `lastName` are joined).
//! - `birthDate` (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`); countries from `country`, `nationality`, `citizenship`,
//!   `jurisdiction` (codes or names); programmes from `programId`, `program` and `topics`.
//! - `CryptoWallet` (`publicKey`, `currency`, `holder`): the address goes to its holder when the holder is
//!   in the file, else the wallet is an entity of its own (no names, schema unknown).
//! - `Sanction` (`entity`, `programId`/`program`): its programmes go to the sanctioned entity.
//!
//! Other schemas (addresses, identifications, relationships...) are not entities to screen: each is
//! counted in one note per schema. Nor are entities marked `"target": false` (OpenSanctions' flag for
//! entities in the file only as related to a listed one, such as a sanctioned company's director): they are
//! counted in one note. With no `name` and no name parts, the `caption` is the primary name. Ids are `os:<id>`; the source is `OpenSanctions`.

use rustc_hash::FxHashMap;
use serde_json::{Map, Value};

use super::countries::{self, Country};
use super::crypto::infer_chain;
use super::{dates, lines, push_name, push_unique, Loaded, Skipped};
use crate::entity::{CryptoAddress, ListEntity, ListName, NameKind, Schema};

/// The source every OpenSanctions entity gets.
pub const SOURCE: &str = "OpenSanctions";

/// The values of one property (strings only; other JSON values are ignored).
fn values<'a>(props: &'a Map<String, Value>, name: &str) -> Vec<&'a str> {
    match props.get(name) {
        Some(Value::Array(items)) => {
            items.iter().filter_map(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).collect()
        }
        Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim()],
        _ => Vec::new(),
    }
}

/// `1 entity`, `2 entities`.
fn entities(n: usize) -> String {
    if n == 1 {
        "1 entity".to_string()
    } else {
        format!("{n} entities")
    }
}

struct Wallet {
    line: u64,
    id: String,
    keys: Vec<String>,
    currency: Option<String>,
    holders: Vec<String>,
}

/// Reads FollowTheMoney JSON lines. `file` names the file in messages.
pub fn parse_ftm_json(data: &[u8], file: &str) -> Loaded {
    let mut out = Loaded::default();
    let mut by_raw_id: FxHashMap<String, usize> = FxHashMap::default();
    let mut wallets = Vec::new();
    let mut sanctions: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    let mut other: FxHashMap<String, usize> = FxHashMap::default();
    let mut not_targets = 0usize;
    for (number, line) in lines(data) {
        let note = |reason: String| Skipped::new(file, reason).line(Some(number));
        let Ok(text) = std::str::from_utf8(line) else {
            out.skipped.push(note("line is not valid UTF-8".into()));
            continue;
        };
        let text = text.trim().trim_start_matches('\u{feff}');
        if text.is_empty() {
            continue;
        }
        let object = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(o)) => o,
            Ok(_) => {
                out.skipped.push(note("line is not a JSON object".into()));
                continue;
            }
            Err(e) => {
                out.skipped.push(note(format!("line is not JSON: {e}")));
                continue;
            }
        };
        let Some(raw_id) = object.get("id").and_then(Value::as_str).filter(|s| !s.is_empty()) else {
            out.skipped.push(note("entity has no id".into()).field("id"));
            continue;
        };
        let record = Some(raw_id.to_string());
        let empty = Map::new();
        let props = object.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let schema_name = object.get("schema").and_then(Value::as_str).unwrap_or("");
        let schema = match schema_name {
            "Person" => Schema::Person,
            "Organization" | "Company" | "LegalEntity" | "PublicBody" => Schema::Organization,
            "Vessel" => Schema::Vessel,
            "Airplane" => Schema::Aircraft,
            "CryptoWallet" => {
                wallets.push(Wallet {
                    line: number,
                    id: raw_id.to_string(),
                    keys: values(props, "publicKey").into_iter().map(str::to_string).collect(),
                    currency: values(props, "currency").first().map(|s| s.to_string()),
                    holders: values(props, "holder").into_iter().map(str::to_string).collect(),
                });
                continue;
            }
            "Sanction" => {
                let mut programs: Vec<String> = values(props, "programId").into_iter().map(str::to_string).collect();
                programs.extend(values(props, "program").into_iter().map(str::to_string));
                sanctions.push((values(props, "entity").into_iter().map(str::to_string).collect(), programs));
                continue;
            }
            "" => {
                out.skipped.push(note("entity has no schema".into()).record(record).field("schema"));
                continue;
            }
            other_schema => {
                *other.entry(other_schema.to_string()).or_default() += 1;
                continue;
            }
        };
        if object.get("target") == Some(&Value::Bool(false)) {
            not_targets += 1;
            continue;
        }
        let field_note = |reason: String, field: &str| note(reason).record(record.clone()).field(field);
        let mut names: Vec<ListName> = Vec::new();
        let caption = object.get("caption").and_then(Value::as_str).map(str::trim).filter(|c| !c.is_empty());
        let primary = values(props, "name");
        let joined: String = ["firstName", "secondName", "middleName", "fatherName", "lastName"]
            .iter()
            .flat_map(|p| values(props, p).into_iter().take(1))
            .collect::<Vec<_>>()
            .join(" ");
        match primary.split_first() {
            Some((first, rest)) => {
                names.push(ListName { text: first.to_string(), kind: NameKind::Primary });
                for n in rest {
                    push_name(&mut names, ListName { text: n.to_string(), kind: NameKind::Alias });
                }
            }
            None => match (joined.is_empty(), caption) {
                (false, _) => names.push(ListName { text: joined, kind: NameKind::Primary }),
                (true, Some(caption)) => names.push(ListName { text: caption.to_string(), kind: NameKind::Primary }),
                (true, None) => {
                    out.skipped.push(field_note("entity has no name".into(), "name"));
                    continue;
                }
            },
        }
        for (prop, kind) in
            [("alias", NameKind::Alias), ("previousName", NameKind::Alias), ("weakAlias", NameKind::Weak)]
        {
            for n in values(props, prop) {
                push_name(&mut names, ListName { text: n.to_string(), kind });
            }
        }
        let mut entity = ListEntity { names, ..ListEntity::new(format!("os:{raw_id}"), SOURCE, schema) };
        for d in values(props, "birthDate") {
            match dates::parse_iso(d) {
                Some(d) => push_unique(&mut entity.birth_dates, d),
                None => out.skipped.push(field_note(format!("{d:?} is not a date"), "birthDate")),
            }
        }
        for prop in ["country", "nationality", "citizenship", "jurisdiction"] {
            for c in values(props, prop) {
                match countries::lookup(c) {
                    Country::Code(code) => push_unique(&mut entity.countries, code.to_string()),
                    Country::None => {}
                    Country::Unknown => out.skipped.push(field_note(format!("unknown country {c:?}"), prop)),
                }
            }
        }
        for prop in ["programId", "program", "topics"] {
            for p in values(props, prop) {
                push_unique(&mut entity.programs, p.to_string());
            }
        }
        if by_raw_id.contains_key(raw_id) {
            out.skipped.push(note("id repeats an earlier line".into()).record(record).field("id"));
            continue;
        }
        by_raw_id.insert(raw_id.to_string(), out.entities.len());
        out.entities.push(entity);
    }
    for (refs, programs) in sanctions {
        for r in refs {
            if let Some(&i) = by_raw_id.get(&r) {
                for p in &programs {
                    push_unique(&mut out.entities[i].programs, p.clone());
                }
            }
        }
    }
    for wallet in wallets {
        if wallet.keys.is_empty() {
            out.skipped.push(
                Skipped::new(file, "wallet has no publicKey")
                    .line(Some(wallet.line))
                    .record(Some(wallet.id))
                    .field("publicKey"),
            );
            continue;
        }
        let addresses: Vec<CryptoAddress> = wallet
            .keys
            .iter()
            .map(|k| CryptoAddress { chain: infer_chain(k, wallet.currency.as_deref()), address: k.clone() })
            .collect();
        let holders: Vec<usize> = wallet.holders.iter().filter_map(|h| by_raw_id.get(h).copied()).collect();
        if holders.is_empty() {
            out.entities.push(ListEntity {
                addresses,
                ..ListEntity::new(format!("os:{}", wallet.id), SOURCE, Schema::Unknown)
            });
        } else {
            for i in holders {
                for a in &addresses {
                    push_unique(&mut out.entities[i].addresses, a.clone());
                }
            }
        }
    }
    if not_targets > 0 {
        out.skipped.push(
            Skipped::new(
                file,
                format!(
                    "{} marked \"target\": false (related to a listed entity, not listed): not screened",
                    entities(not_targets)
                ),
            )
            .field("target"),
        );
    }
    let mut other: Vec<(String, usize)> = other.into_iter().collect();
    other.sort();
    for (schema, count) in other {
        out.skipped.push(
            Skipped::new(
                file,
                format!(
                    "{} of schema {schema}: not screened (not a person, organization, vessel or aircraft)",
                    entities(count)
                ),
            )
            .field("schema"),
        );
    }
    out
}
