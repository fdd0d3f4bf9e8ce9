//! `tonle score`: decide every transaction of a file with a rule set, one JSON line per transaction.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::{json, Map, Value};
use tonle_core::FxTable;
use tonle_detect::engine::{Engine, EngineError};
use tonle_detect::features::WindowConfig;
use tonle_detect::rules::decide::Outcome;
use tonle_formats::read_fx_table;

use crate::import::{close, partial_path, read_all};
use crate::InputArgs;

/// `tonle score`'s options.
#[derive(clap::Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The rule set (TOML), or `default` for the built-in set.
    #[arg(long)]
    rules: PathBuf,
    /// The input files, decided in order (for windows to be right, in time order).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Where the decisions go: JSON Lines, one object per transaction, in input order.
    #[arg(long, short)]
    out: PathBuf,
}

/// One decision as a JSON object.
pub fn decision_json(id: &str, outcome: &Outcome, version: &str) -> Value {
    let reasons: Vec<Value> = outcome
        .reasons
        .iter()
        .map(|reason| {
            let facts: Map<String, Value> =
                reason.facts.iter().map(|f| (f.name.to_string(), Value::String(f.value.to_string()))).collect();
            json!({
                "rule": reason.rule.as_str(),
                "typology": reason.typology.as_ref().map(|t| t.as_str().to_owned()),
                "score": reason.score,
                "action": reason.action.as_str(),
                "shadow": reason.shadow,
                "condition": reason.condition.as_str(),
                "facts": facts,
            })
        })
        .collect();
    json!({
        "transaction_id": id,
        "decision": outcome.decision.as_str(),
        "score": outcome.score,
        "reasons": reasons,
        "ruleset_version": version,
    })
}

/// A rule set's text and its name for errors: the file at `path`, or the built-in default set when `path`
/// is `default` and no such file exists.
pub fn load_rules(path: &Path) -> Result<(String, String)> {
    if path == Path::new("default") && !path.exists() {
        return Ok((tonle_detect::rules::ruleset::DEFAULT_RULES.to_owned(), "default rules".to_owned()));
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the rule set {}", path.display()))?;
    Ok((text, path.display().to_string()))
}

/// Runs `tonle score`.
pub fn run(args: &ScoreArgs) -> Result<ExitCode> {
    let (text, origin) = load_rules(&args.rules)?;
    let fx = match &args.input.fx {
        Some(path) => read_fx_table(path, args.input.base)?,
        None => FxTable::new(args.input.base),
    };
    let mut engine = Engine::new(WindowConfig::default(), &text, &origin, fx)?;
    let partial = partial_path(&args.out);
    let result = score_into(&mut engine, args, &partial);
    match result {
        Ok(outcome) => {
            std::fs::rename(&partial, &args.out)
                .with_context(|| format!("cannot move the finished output to {}", args.out.display()))?;
            Ok(close(&outcome, "score"))
        }
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            Err(error)
        }
    }
}

fn score_into(engine: &mut Engine, args: &ScoreArgs, path: &Path) -> Result<crate::import::Outcome> {
    let mut out = BufWriter::new(File::create(path).with_context(|| format!("cannot create {}", path.display()))?);
    let mut decided = [0u64; 5];
    let outcome = read_all(&args.input, &args.files, |record| {
        let outcome = match engine.decide(&record.tx) {
            Ok(outcome) => outcome,
            Err(error @ EngineError::Fx { .. }) => {
                return Err(anyhow::Error::new(error).context("add the missing rate to the --fx file"))
            }
            Err(error) => return Err(anyhow::Error::new(error).context(format!("transaction {}", record.tx.id))),
        };
        decided[outcome.decision as usize] += 1;
        let line = decision_json(record.tx.id.as_str(), &outcome, engine.ruleset_version());
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
        Ok(())
    })?;
    out.flush().with_context(|| format!("cannot write {}", path.display()))?;
    let counts: Vec<String> =
        tonle_core::Decision::ALL.iter().zip(decided).map(|(decision, count)| format!("{decision} {count}")).collect();
    eprintln!(
        "score: {} transactions decided with {}: {}",
        decided.iter().sum::<u64>(),
        engine.ruleset_version(),
        counts.join(", ")
    );
    Ok(outcome)
}
