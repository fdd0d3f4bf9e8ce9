//! `tonle screen`: names (and crypto addresses) against sanctions and watch lists, one query from the
//! command line or a file of queries, every match explained.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use serde_json::{json, Value};
use std::sync::Arc;

use tonle_core::Decision;
use tonle_detect::screening::ScreenPolicy;
use tonle_screen::{ListReport, ListSources, Matcher, PartialDate, Query, Schema, Watchlists};

/// `tonle screen`'s options.
#[derive(Args)]
pub struct ScreenArgs {
    /// A list to screen against (OFAC sdn.csv with alt.csv/add.csv beside it, OFAC sdn.xml, the UN
    /// consolidated XML, OpenSanctions FollowTheMoney JSON lines, an own CSV, or a file of crypto
    /// addresses); repeat for several.
    #[arg(long = "list", required = true)]
    pub lists: Vec<PathBuf>,
    /// One name to screen.
    #[arg(long, conflicts_with = "queries")]
    pub name: Option<String>,
    /// The entity type of --name: person, organization, vessel or aircraft.
    #[arg(long, value_parser = Schema::parse_known)]
    pub schema: Option<Schema>,
    /// The birth date of --name (YYYY, YYYY-MM or YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    pub birth_date: Option<PartialDate>,
    /// A country of --name (ISO 3166-1 alpha-2).
    #[arg(long)]
    pub country: Option<String>,
    /// A crypto address to look up (exactly).
    #[arg(long, conflicts_with = "queries")]
    pub address: Option<String>,
    /// A file of queries, one JSON object per line: {"id", "name", "schema"?, "birth_date"?, "country"?,
    /// "address"?}.
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// Where the batch's results go, one JSON object per query: {"id", "matches": [{"entity_id", "score",
    /// "explanation"}]} (default: standard output).
    #[arg(long, requires = "queries")]
    pub out: Option<PathBuf>,
    /// Report matches from this score on (0 to 1).
    #[arg(long, default_value_t = tonle_screen::DEFAULT_THRESHOLD)]
    pub threshold: f64,
    /// Confirmed false positives, a CSV with a header: name,entity_id (such a pair is not reported).
    #[arg(long)]
    pub allow: Option<PathBuf>,
    /// Print the single query's matches as JSON.
    #[arg(long)]
    pub json: bool,
}

/// A date as `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
fn parse_date(text: &str) -> Result<PartialDate, String> {
    tonle_screen::lists::dates::parse_iso(text)
        .ok_or_else(|| format!("date {text:?}: expected YYYY, YYYY-MM or YYYY-MM-DD"))
}

/// Screening of each transaction's parties in the commands that decide (`tonle score`, `tonle serve`,
/// `tonle bench`).
#[derive(Args, Clone, Default)]
pub struct ListArgs {
    /// Screen every transaction's parties (holder names, and accounts as crypto addresses) against this list
    /// (any format `tonle screen` reads); repeat for several. Rules may then read `screen.debtor.score`,
    /// `screen.creditor.score`, `screen.debtor.wallet` and `screen.creditor.wallet`.
    #[arg(long = "list", value_name = "FILE")]
    pub lists: Vec<PathBuf>,
    /// The score from which a party's name is reported as matching a listed entity (0 to 1).
    #[arg(long, default_value_t = tonle_screen::DEFAULT_THRESHOLD, value_name = "SCORE")]
    pub screen_threshold: f64,
    /// Confirmed false positives, a CSV with a header: name,entity_id (such a pair is not reported).
    #[arg(long, value_name = "FILE")]
    pub screen_allow: Option<PathBuf>,
    /// What a name hit asks for by itself: allow, review, step-up, hold, block, or `none` (left to the rules).
    #[arg(long, default_value = "hold", value_parser = parse_action, value_name = "ACTION")]
    pub screen_name_action: Action,
    /// What an account that is a listed crypto address asks for by itself (as --screen-name-action).
    #[arg(long, default_value = "block", value_parser = parse_action, value_name = "ACTION")]
    pub screen_wallet_action: Action,
}

/// A screening hit's own action, or none.
#[derive(Debug, Clone, Copy, Default)]
pub struct Action(pub Option<Decision>);

fn parse_action(text: &str) -> Result<Action, String> {
    if text == "none" {
        return Ok(Action(None));
    }
    text.parse::<Decision>().map(|d| Action(Some(d))).map_err(|e| format!("{e}; or none"))
}

impl ListArgs {
    /// The lists loaded, with their sources (to load them again) and the policy; `None` without --list.
    pub fn load(&self) -> Result<Option<LoadedLists>> {
        if self.lists.is_empty() {
            return Ok(None);
        }
        if !(0.0..=1.0).contains(&self.screen_threshold) {
            bail!("--screen-threshold {} must be within 0 and 1", self.screen_threshold);
        }
        let sources = ListSources {
            paths: self.lists.clone(),
            threshold: self.screen_threshold,
            allow: self.screen_allow.clone(),
        };
        let (matcher, reports) = load_lists(&sources)?;
        let policy = ScreenPolicy { name: self.screen_name_action.0, wallet: self.screen_wallet_action.0 };
        Ok(Some(LoadedLists { lists: Arc::new(Watchlists::new(matcher)), sources, policy, reports }))
    }
}

/// Lists loaded for the decision path.
pub struct LoadedLists {
    /// The lists, for the engines.
    pub lists: Arc<Watchlists>,
    /// Where they came from (to load them again).
    pub sources: ListSources,
    /// What a hit asks for by itself.
    pub policy: ScreenPolicy,
    /// What each file gave.
    pub reports: Vec<ListReport>,
}

/// Loads lists, saying on stderr what each file gave and what was skipped.
pub fn load_lists(sources: &ListSources) -> Result<(Matcher, Vec<ListReport>)> {
    let started = Instant::now();
    let (matcher, reports) = sources.load().context("loading the lists")?;
    for report in &reports {
        for skipped in report.skipped.iter().take(10) {
            eprintln!("  skipped: {skipped}");
        }
        if report.skipped.len() > 10 {
            eprintln!("  ... and {} more skipped", report.skipped.len() - 10);
        }
        eprintln!("{}: {} entities ({} skipped)", report.path.display(), report.entities, report.skipped.len());
    }
    let index = matcher.index();
    eprintln!(
        "indexed {} entities, {} names in {:.2} s",
        index.entities().len(),
        index.names().len(),
        started.elapsed().as_secs_f64()
    );
    Ok((matcher, reports))
}

/// Runs `tonle screen`.
pub fn run(args: &ScreenArgs) -> Result<ExitCode> {
    if args.name.is_none() && args.address.is_none() && args.queries.is_none() {
        bail!("give --name, --address or --queries");
    }
    if !(0.0..=1.0).contains(&args.threshold) {
        bail!("--threshold {} must be within 0 and 1", args.threshold);
    }
    let sources = ListSources { paths: args.lists.clone(), threshold: args.threshold, allow: args.allow.clone() };
    let (matcher, _) = load_lists(&sources)?;
    match &args.queries {
        Some(path) => batch(&matcher, path, args.out.as_ref()),
        None => single(&matcher, args),
    }
}

fn single(matcher: &Matcher, args: &ScreenArgs) -> Result<ExitCode> {
    let mut results = Vec::new();
    if let Some(address) = &args.address {
        results.extend(address_matches(matcher, address));
    }
    if let Some(name) = &args.name {
        let query = Query {
            name: name.clone(),
            schema: args.schema,
            birth_date: args.birth_date,
            country: args.country.clone(),
        };
        results.extend(matcher.screen(&query).into_iter().map(|hit| serde_json::to_value(hit).unwrap_or(Value::Null)));
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
        return Ok(ExitCode::SUCCESS);
    }
    if results.is_empty() {
        println!("no match at or above {}", matcher.threshold());
    }
    let entities = matcher.index().entities();
    for result in &results {
        let id = result["entity_id"].as_str().unwrap_or_default();
        let entity = entities.iter().find(|e| e.id == id);
        let primary = entity.and_then(|e| e.names.first()).map_or("", |n| n.text.as_str());
        let source = entity.map_or("", |e| e.source.as_str());
        println!("{:.4}  {id}  {primary}  ({source})", result["score"].as_f64().unwrap_or(0.0));
        let explanation = &result["explanation"];
        if let Some(parts) = explanation["parts"].as_array() {
            println!(
                "        matched {:?} ({})",
                explanation["listed_name"].as_str().unwrap_or(""),
                explanation["name_kind"].as_str().unwrap_or("")
            );
            for part in parts {
                println!(
                    "        {:>16} ~ {:<16} {:.2} {}",
                    part["query"].as_str().unwrap_or(""),
                    part["listed"].as_str().unwrap_or(""),
                    part["score"].as_f64().unwrap_or(0.0),
                    part["how"].as_str().unwrap_or("")
                );
            }
            for qualifier in explanation["qualifiers"].as_array().into_iter().flatten() {
                println!(
                    "        {} {:+.2}: {}",
                    qualifier["what"].as_str().unwrap_or(""),
                    qualifier["effect"].as_f64().unwrap_or(0.0),
                    qualifier["detail"].as_str().unwrap_or("")
                );
            }
        } else {
            println!("        the address {} is listed", explanation["address"].as_str().unwrap_or(""));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The entities listing an address, as results.
fn address_matches(matcher: &Matcher, address: &str) -> Vec<Value> {
    matcher
        .screen_address(address)
        .into_iter()
        .map(|entity| json!({"entity_id": entity.id, "score": 1.0, "explanation": {"address": address.trim()}}))
        .collect()
}

/// Screens a file of queries; bad lines are reported (file, line, field) and skipped.
fn batch(matcher: &Matcher, path: &PathBuf, out: Option<&PathBuf>) -> Result<ExitCode> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut output: Box<dyn Write> = match out {
        Some(out) => {
            Box::new(BufWriter::new(std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?))
        }
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let started = Instant::now();
    let (mut screened, mut skipped, mut matched) = (0usize, 0usize, 0usize);
    for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("{}:{}: reading", path.display(), number + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let (id, query, address) = match read_query(&line) {
            Ok(read) => read,
            Err((field, message)) => {
                skipped += 1;
                if skipped <= 20 {
                    eprintln!("{}:{}: field {field}: {message}; skipped", path.display(), number + 1);
                }
                continue;
            }
        };
        let mut matches = address.map(|a| address_matches(matcher, &a)).unwrap_or_default();
        if !query.name.trim().is_empty() {
            matches
                .extend(matcher.screen(&query).into_iter().map(|hit| serde_json::to_value(hit).unwrap_or(Value::Null)));
        }
        matched += !matches.is_empty() as usize;
        screened += 1;
        writeln!(output, "{}", json!({"id": id, "matches": matches}))?;
    }
    output.flush()?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "screened {screened} queries in {seconds:.2} s ({:.0}/s): {matched} with matches; {skipped} lines skipped",
        screened as f64 / seconds.max(1e-9)
    );
    Ok(if skipped > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

/// One query line: its id, the query, and an address; or the field at fault and why.
fn read_query(line: &str) -> Result<(Value, Query, Option<String>), (&'static str, String)> {
    let value: Value = serde_json::from_str(line).map_err(|e| ("(line)", format!("not JSON: {e}")))?;
    let object = value.as_object().ok_or(("(line)", "not a JSON object".to_owned()))?;
    let id = object.get("id").cloned().ok_or(("id", "missing".to_owned()))?;
    let text = |field: &'static str| -> Result<Option<String>, (&'static str, String)> {
        match object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err((field, format!("expected a string, not {other}"))),
        }
    };
    let name = text("name")?;
    if name.as_ref().is_some_and(|n| n.chars().count() > tonle_screen::matcher::MAX_NAME_CHARS) {
        return Err(("name", format!("longer than {} characters", tonle_screen::matcher::MAX_NAME_CHARS)));
    }
    let address = text("address")?;
    if name.is_none() && address.is_none() {
        return Err(("name", "missing (give a name or an address)".to_owned()));
    }
    let schema = text("schema")?.map(|s| Schema::parse_known(&s)).transpose().map_err(|e| ("schema", e))?;
    let birth_date = text("birth_date")?.map(|d| parse_date(&d)).transpose().map_err(|e| ("birth_date", e))?;
    let country = text("country")?;
    Ok((id, Query { name: name.unwrap_or_default(), schema, birth_date, country }, address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_as_precisely_as_given_and_bad_ones_named() {
        assert_eq!(parse_date("1952"), Ok(PartialDate { year: 1952, month: None, day: None }));
        assert_eq!(parse_date("1952-08-05"), Ok(PartialDate { year: 1952, month: Some(8), day: Some(5) }));
        for bad in ["52", "1952-13", "1952-08-32", "1952-08-05-01", "x"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn query_lines_name_the_field_at_fault() {
        assert_eq!(read_query(r#"{"name": "x"}"#).unwrap_err().0, "id");
        assert_eq!(read_query(r#"{"id": 1, "name": 5}"#).unwrap_err().0, "name");
        assert_eq!(read_query(r#"{"id": 1, "name": "x", "schema": "ship"}"#).unwrap_err().0, "schema");
        assert_eq!(read_query(r#"{"id": 1, "name": "x", "birth_date": "1990-02-30x"}"#).unwrap_err().0, "birth_date");
        assert_eq!(read_query("not json").unwrap_err().0, "(line)");
        let long = json!({"id": 1, "name": "a".repeat(1_001)}).to_string();
        assert_eq!(read_query(&long).unwrap_err(), ("name", "longer than 1000 characters".to_owned()));
        let (id, query, _) = read_query(r#"{"id": "q1", "name": "Hun Sen", "country": "KH"}"#).expect("good");
        assert_eq!((id, query.name.as_str(), query.country.as_deref()), (json!("q1"), "Hun Sen", Some("KH")));
    }
}
