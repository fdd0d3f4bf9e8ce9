//! `tonle evaluate`: measure a model against labelled transactions: its ranking (PR-AUC, ROC-AUC), its
//! threshold (confusion matrix, precision, recall, minority-class F1), fixed alert budgets, recall per
//! typology, and the engine's whole decision (rules and model together).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use serde_json::json;
use tonle_core::Decision;
use tonle_detect::engine::Engine;
use tonle_detect::features::WindowConfig;
use tonle_detect::models::metrics::{
    at_budgets, best_f1_threshold, pr_auc, recall_by_group, roc_auc, AtBudget, Budget, ConfusionMatrix,
};
use tonle_detect::models::model::Model;

use crate::features::collect;
use crate::import::close;
use crate::train::{by_time, cut};
use crate::InputArgs;

/// The alert budgets reported: shares of the judged transactions, riskiest first.
const BUDGETS: [f64; 4] = [0.001, 0.002, 0.005, 0.01];

/// `tonle evaluate`'s options.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("input_files").required(true).multiple(true).args(["inputs", "files"])))]
pub struct EvaluateArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The model: a tonle model file (JSON) or an ONNX model's mapping file (TOML).
    #[arg(long)]
    model: PathBuf,
    /// The rule set deciding beside the model (TOML), or `default`; its `[graph]` table must be the one the
    /// model was trained with.
    #[arg(long, default_value = "default")]
    rules: PathBuf,
    /// A labelled input file; repeat for more, in time order.
    #[arg(long = "in", value_name = "FILE")]
    inputs: Vec<PathBuf>,
    /// More input files, read after the --in files.
    #[arg(value_name = "FILES")]
    files: Vec<PathBuf>,
    /// Judge only the transactions after the earliest FRACTION (by event time): the part `tonle train --until
    /// FRACTION` left out. Every transaction still goes through the engine, so features see the whole history.
    #[arg(long, value_name = "FRACTION")]
    after: Option<f64>,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
}

/// Runs `tonle evaluate`.
pub fn run(args: &EvaluateArgs) -> Result<ExitCode> {
    if let Some(fraction) = args.after {
        cut(1, fraction, "--after")?;
    }
    let model = Model::load(&args.model)?;
    let threshold = model.threshold;
    let name = model.name.clone();
    let (text, origin) = crate::score::load_rules(&args.rules)?;
    let engine = Engine::with_model(WindowConfig::default(), &text, &origin, args.input.fx_table()?, model)
        .with_context(|| format!("cannot serve the model {}", args.model.display()))?;
    let files: Vec<PathBuf> = args.inputs.iter().chain(&args.files).cloned().collect();
    let (mut scores, mut decisions) = (Vec::new(), Vec::new());
    let (table, outcome) = collect(&args.input, &files, engine, false, |engine, outcome, labelled| {
        if labelled {
            // The engine serves a model, so it has scores after every decision.
            scores.push(engine.model_scores().map_or(0.0, |(p, _)| p));
            decisions.push(outcome.decision);
        }
    })?;
    let order = by_time(&table.times);
    let start = match args.after {
        Some(fraction) => cut(order.len(), fraction, "--after")?,
        None => 0,
    };
    let judged = &order[start..];
    let scores: Vec<f64> = judged.iter().map(|&i| scores[i]).collect();
    let labels: Vec<bool> = judged.iter().map(|&i| table.labels[i]).collect();
    let flagged: Vec<bool> = judged.iter().map(|&i| decisions[i] != Decision::Allow).collect();
    let typologies: Vec<String> = judged
        .iter()
        .map(|&i| table.typologies[i].as_ref().map_or("(none)".to_owned(), |t| t.as_str().to_owned()))
        .collect();
    let positives = labels.iter().filter(|l| **l).count();
    if positives == 0 {
        bail!("the judged transactions ({}) include no illicit one: nothing to measure", labels.len());
    }
    let pr = pr_auc(&scores, &labels)?;
    let roc = roc_auc(&scores, &labels)?;
    let at = ConfusionMatrix::at(&scores, &labels, threshold)?;
    let best = best_f1_threshold(&scores, &labels)?;
    let budgets: Vec<Budget> = BUDGETS.iter().map(|f| Budget::Fraction(*f)).collect();
    let at_budget = at_budgets(&scores, &labels, &budgets)?;
    let per_typology = recall_by_group(&scores, &labels, &typologies, threshold)?;
    let engine_flags: Vec<f64> = flagged.iter().map(|f| *f as u8 as f64).collect();
    let decision = ConfusionMatrix::at(&engine_flags, &labels, 1.0)?;
    let engine_by_typology = recall_by_group(&engine_flags, &labels, &typologies, 1.0)?;
    let days = match (judged.first(), judged.last()) {
        (Some(&a), Some(&b)) if table.times[b] > table.times[a] => {
            (table.times[b] - table.times[a]) as f64 / 86_400_000.0
        }
        _ => 1.0,
    };
    if args.json {
        let budgets: Vec<_> = BUDGETS
            .iter()
            .zip(&at_budget)
            .map(|(share, b)| json!({ "share": share, "alerts": b.k, "precision": b.precision, "recall": b.recall }))
            .collect();
        let typologies: BTreeMap<&String, _> = per_typology
            .iter()
            .map(|(t, r)| {
                let engine = engine_by_typology.get(t).map_or(0.0, |e| e.recall);
                (t, json!({ "illicit": r.positives, "model_caught": r.caught, "model_recall": r.recall, "engine_recall": engine }))
            })
            .collect();
        println!(
            "{}",
            json!({
                "model": name, "transactions": labels.len(), "illicit": positives, "days": days,
                "pr_auc": pr, "roc_auc": roc, "threshold": threshold,
                "at_threshold": confusion_json(&at),
                "best_f1": { "threshold": best.threshold, "f1": best.f1, "precision": best.precision, "recall": best.recall },
                "budgets": budgets, "typologies": typologies,
                "engine": confusion_json(&decision),
            })
        );
    } else {
        print_tables(
            &name,
            &labels,
            positives,
            days,
            (pr, roc, threshold),
            &at,
            &best,
            &at_budget,
            &per_typology,
            &decision,
            &engine_by_typology,
        );
    }
    Ok(close(&outcome, "evaluate"))
}

fn confusion_json(m: &ConfusionMatrix) -> serde_json::Value {
    json!({
        "true_positives": m.tp, "false_positives": m.fp, "true_negatives": m.tn, "false_negatives": m.fn_,
        "precision": m.precision(), "recall": m.recall(), "f1": m.f1(),
    })
}

#[allow(clippy::too_many_arguments)]
fn print_tables(
    name: &str,
    labels: &[bool],
    positives: usize,
    days: f64,
    (pr, roc, threshold): (f64, f64, f64),
    at: &ConfusionMatrix,
    best: &tonle_detect::models::metrics::Threshold,
    budgets: &[AtBudget],
    per_typology: &BTreeMap<String, tonle_detect::models::metrics::GroupRecall>,
    decision: &ConfusionMatrix,
    engine_by_typology: &BTreeMap<String, tonle_detect::models::metrics::GroupRecall>,
) {
    println!("model {name}: {} labelled transactions judged over {days:.1} days, {positives} illicit", labels.len());
    println!("  PR-AUC {pr:.4}   ROC-AUC {roc:.4}");
    println!(
        "  at its threshold {threshold:.4}: F1 {:.3}, precision {:.3}, recall {:.3}, {:.1} alerts/day",
        at.f1(),
        at.precision(),
        at.recall(),
        (at.tp + at.fp) as f64 / days
    );
    println!("  confusion matrix       predicted illicit   predicted licit");
    println!("    illicit              {:>17} {:>17}", at.tp, at.fn_);
    println!("    licit                {:>17} {:>17}", at.fp, at.tn);
    println!(
        "  best F1 on these rows (for reference; the threshold comes from training): {:.3} at {:.4}",
        best.f1, best.threshold
    );
    println!("  alert budget        alerts  precision  recall");
    for (share, b) in BUDGETS.iter().zip(budgets) {
        println!("    top {:>5.1}%  {:>12} {:>10.3} {:>7.3}", share * 100.0, b.k, b.precision, b.recall);
    }
    println!(
        "engine decision (rules and model; flagged = not allow): F1 {:.3}, precision {:.3}, recall {:.3}, {:.1} \
         alerts/day",
        decision.f1(),
        decision.precision(),
        decision.recall(),
        (decision.tp + decision.fp) as f64 / days
    );
    println!("  {:<28} {:>9} {:>13} {:>14}", "typology", "illicit", "model recall", "engine recall");
    for (typology, r) in per_typology {
        let engine = engine_by_typology.get(typology).map_or(0.0, |e| e.recall);
        println!("  {typology:<28} {:>9} {:>13.3} {engine:>14.3}", r.positives, r.recall);
    }
}
