//! `tonle backtest`: run one or more rule sets over labelled transactions and measure each rule, each
//! typology and the whole set against the labels.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use serde_json::json;
use tonle_core::{Decision, LabelledTransaction, Transaction};
use tonle_detect::engine::Engine;
use tonle_detect::features::WindowConfig;

use crate::import::{close, read_in_time_order};
use crate::labelled_batch::LabelledBatch;
use crate::InputArgs;

/// `tonle backtest`'s options.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("input_files").required(true).multiple(true).args(["inputs", "files"])))]
pub struct BacktestArgs {
    #[command(flatten)]
    input: InputArgs,
    /// A rule set (TOML), or `default` for the built-in set; give two to compare them side by side.
    #[arg(long, required = true)]
    rules: Vec<PathBuf>,
    /// A labelled input file; repeat for more. All inputs are read in order, the --in files first, then any
    /// given as arguments (for windows to be right, in time order).
    #[arg(long = "in", value_name = "FILE")]
    inputs: Vec<PathBuf>,
    /// More labelled input files, read after the --in files.
    #[arg(value_name = "FILES")]
    files: Vec<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
}

/// Counts behind precision and recall.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    alerts: u64,
    true_positives: u64,
}

impl Counts {
    fn add(&mut self, alerted: bool, illicit: bool) {
        if alerted {
            self.alerts += 1;
            if illicit {
                self.true_positives += 1;
            }
        }
    }

    /// Precision, recall and F1 against `positives` illicit transactions.
    fn scores(&self, positives: u64) -> (f64, f64, f64) {
        let precision = ratio(self.true_positives, self.alerts);
        let recall = ratio(self.true_positives, positives);
        let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        (precision, recall, f1)
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// One rule set's run.
struct Run {
    engine: Engine,
    /// Its rule set's version, and its rules' ids in file order: read while the engine is busy deciding.
    version: String,
    ids: Vec<String>,
    /// Per rule, in file order.
    rules: Vec<Counts>,
    /// The set: a transaction is alerted when its decision is not allow.
    overall: Counts,
    /// Per typology: illicit transactions of it, and how many were alerted.
    typologies: BTreeMap<String, (u64, u64)>,
}

/// Runs `tonle backtest`.
pub fn run(args: &BacktestArgs) -> Result<ExitCode> {
    if args.rules.len() > 2 {
        bail!("give one rule set, or two to compare");
    }
    let mut runs = Vec::new();
    for path in &args.rules {
        let (text, origin) = crate::score::load_rules(path)?;
        let fx = args.input.fx_table()?;
        let engine = Engine::new(WindowConfig::default(), &text, &origin, fx)?;
        let rules = vec![Counts::default(); engine.rules().rules.len()];
        let version = engine.ruleset_version().to_owned();
        let ids = engine.rules().rules.iter().map(|rule| rule.id.clone()).collect();
        runs.push(Run { engine, version, ids, rules, overall: Counts::default(), typologies: BTreeMap::new() });
    }
    let files: Vec<PathBuf> = args.inputs.iter().chain(&args.files).cloned().collect();
    let (mut positives, mut total, mut unlabelled) = (0u64, 0u64, 0u64);
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    let lateness = WindowConfig::default().max_lateness;
    let mut batch = LabelledBatch::default();
    // Each run's engine decides every batch.
    let decide = |batch: &mut LabelledBatch, runs: &mut [Run]| -> Result<()> {
        for run in runs.iter_mut() {
            let Run { engine, version, ids, rules, overall, typologies } = run;
            let context = |tx: &Transaction| format!("transaction {} with {version}", tx.id);
            batch.decide(engine, context, |_, label, outcome, _| {
                let Some(label) = label else { return };
                let alerted = outcome.decision != Decision::Allow;
                overall.add(alerted, label.illicit);
                for reason in &outcome.reasons {
                    if let Some(index) = ids.iter().position(|id| id == reason.rule.as_str()) {
                        rules[index].add(true, label.illicit);
                    }
                }
                if label.illicit {
                    let typology = label.typology.as_ref().map_or("(none)".to_owned(), |t| t.as_str().to_owned());
                    let entry = typologies.entry(typology).or_default();
                    entry.0 += 1;
                    entry.1 += alerted as u64;
                }
            })?;
        }
        batch.clear();
        Ok(())
    };
    let outcome = read_in_time_order(&args.input, &files, lateness, |record: LabelledTransaction| {
        // Every transaction is decided, so that the windows see the whole history; only the labelled ones are
        // counted.
        match &record.label {
            None => unlabelled += 1,
            Some(label) => {
                total += 1;
                positives += label.illicit as u64;
                first = first.min(record.tx.time.millis());
                last = last.max(record.tx.time.millis());
            }
        }
        if batch.push(record) {
            decide(&mut batch, &mut runs)?;
        }
        Ok(())
    })?;
    decide(&mut batch, &mut runs)?;
    if total == 0 {
        bail!("the input has no labelled transactions to measure against ({unlabelled} unlabelled)");
    }
    let days = if last > first { (last - first) as f64 / 86_400_000.0 } else { 1.0 };
    if args.json {
        let sets: Vec<_> = runs.iter().map(|run| run_json(run, positives, days)).collect();
        println!(
            "{}",
            json!({ "transactions": total, "illicit": positives, "unlabelled": unlabelled, "days": days, "rule_sets": sets })
        );
    } else {
        println!("{total} labelled transactions over {days:.1} days, {positives} illicit");
        if unlabelled > 0 {
            println!("{unlabelled} unlabelled transactions decided too (their history feeds the windows), not counted");
        }
        for run in &runs {
            print_run(run, positives, days);
        }
    }
    Ok(close(&outcome, "backtest"))
}

fn run_json(run: &Run, positives: u64, days: f64) -> serde_json::Value {
    let rules: Vec<_> = run
        .engine
        .rules()
        .rules
        .iter()
        .zip(&run.rules)
        .map(|(rule, counts)| {
            let (precision, recall, f1) = counts.scores(positives);
            json!({
                "rule": rule.id, "shadow": rule.mode == tonle_detect::rules::ruleset::Mode::Shadow,
                "alerts": counts.alerts, "true_positives": counts.true_positives, "precision": precision,
                "recall": recall, "f1": f1, "alerts_per_day": counts.alerts as f64 / days,
            })
        })
        .collect();
    let typologies: Vec<_> = run
        .typologies
        .iter()
        .map(|(typology, (illicit, alerted))| {
            json!({ "typology": typology, "illicit": illicit, "alerted": alerted, "recall": ratio(*alerted, *illicit) })
        })
        .collect();
    let (precision, recall, f1) = run.overall.scores(positives);
    json!({
        "version": run.engine.ruleset_version(),
        "alerts": run.overall.alerts, "precision": precision, "recall": recall, "f1": f1,
        "alerts_per_day": run.overall.alerts as f64 / days, "rules": rules, "typologies": typologies,
    })
}

fn print_run(run: &Run, positives: u64, days: f64) {
    let (precision, recall, f1) = run.overall.scores(positives);
    println!();
    println!(
        "{}: {} alerts ({:.1}/day), precision {precision:.3}, recall {recall:.3}, F1 {f1:.3}",
        run.engine.ruleset_version(),
        run.overall.alerts,
        run.overall.alerts as f64 / days
    );
    println!("  {:<28} {:>9} {:>9} {:>9} {:>7} {:>9}", "rule", "alerts", "precision", "recall", "F1", "per day");
    for (rule, counts) in run.engine.rules().rules.iter().zip(&run.rules) {
        let (precision, recall, f1) = counts.scores(positives);
        let shadow = if rule.mode == tonle_detect::rules::ruleset::Mode::Shadow { " (shadow)" } else { "" };
        println!(
            "  {:<28} {:>9} {precision:>9.3} {recall:>9.3} {f1:>7.3} {:>9.1}",
            format!("{}{shadow}", rule.id),
            counts.alerts,
            counts.alerts as f64 / days
        );
    }
    println!("  {:<28} {:>9} {:>9} {:>9}", "typology", "illicit", "alerted", "recall");
    for (typology, (illicit, alerted)) in &run.typologies {
        println!("  {typology:<28} {illicit:>9} {alerted:>9} {:>9.3}", ratio(*alerted, *illicit));
    }
}
