//! `tonle train`: train a gradient-boosted model (and an isolation forest over the debtor's behaviour) on the
//! labelled transactions of a file, with features computed exactly as the engine computes them when it serves
//! the model.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use tonle_core::Decision;
use tonle_detect::models::gbdt::{self, GbdtParams};
use tonle_detect::models::iforest::{self, IsolationForestParams};
use tonle_detect::models::metrics::{best_f1_threshold, pr_auc};
use tonle_detect::models::model::{AnomalyModel, ShapeTried, TrainedModel, TrainingReport, MODEL_FORMAT};
use tonle_detect::models::Matrix;

use crate::features::{collect, feature_engine};
use crate::import::{abandon_staged, close, finish_staged, staging_path};
use crate::InputArgs;

/// The tree shapes (learning rate, leaves per tree) `tonle train` tries when given neither `--learning-rate`
/// nor `--max-leaves`: small trees first, fast to serve, then LightGBM's default shape, kept only when it ranks
/// the validation part better by more than [`LARGER_MUST_GAIN`] of PR-AUC. On the demo scenario the small
/// trees won (validation PR-AUC 0.9884 against 0.9869; test 0.9810 against 0.9783); on its AMLworld version
/// (0.9847 against 0.9708; test 0.981 against 0.969) and on AMLSim (0.625 against 0.458; test 0.252 against
/// 0.127) the larger ones. docs/models.md has the runs.
const SHAPES: [(f64, usize); 2] = [(0.15, 15), (0.05, 31)];
const LARGER_MUST_GAIN: f64 = 0.005;

/// `tonle train`'s options.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("input_files").required(true).multiple(true).args(["inputs", "files"])))]
pub struct TrainArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The rule set whose `[graph]` table sets the graph features' parameters (TOML), or `default`; serve the
    /// model with a rule set of the same `[graph]` table.
    #[arg(long, default_value = "default")]
    rules: PathBuf,
    /// A file listing the features, one per line (`#` starts a comment); default: docs/models.md.
    #[arg(long)]
    features: Option<PathBuf>,
    /// A labelled input file; repeat for more, in time order.
    #[arg(long = "in", value_name = "FILE")]
    inputs: Vec<PathBuf>,
    /// More input files, read after the --in files.
    #[arg(value_name = "FILES")]
    files: Vec<PathBuf>,
    /// The model file to write (JSON).
    #[arg(long, short)]
    out: PathBuf,
    /// Train only on the earliest FRACTION of the labelled transactions (by event time), leaving the rest for
    /// `tonle evaluate --after FRACTION`.
    #[arg(long, value_name = "FRACTION")]
    until: Option<f64>,
    /// The share of the training transactions, the latest by event time, kept for validation: training stops
    /// when it stops improving there, and the threshold is the one of best F1 there.
    #[arg(long, default_value_t = 0.2, value_name = "FRACTION")]
    validation: f64,
    /// The seed of row and feature sampling (training is deterministic for a seed).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The most boosting rounds.
    #[arg(long)]
    rounds: Option<usize>,
    /// The learning rate (default: 0.15 with 15 leaves, or 0.05 with 31 leaves if that ranks the validation part
    /// better; giving either option trains that one shape)
    #[arg(long)]
    learning_rate: Option<f64>,
    /// The most leaves per tree (default: see --learning-rate)
    #[arg(long)]
    max_leaves: Option<usize>,
    /// The deepest a leaf may be (0: no limit) [default: 8]. Shallower trees score faster.
    #[arg(long)]
    max_depth: Option<usize>,
    /// The weight of an illicit transaction against a legitimate one's 1 (default: the square root of their
    /// ratio).
    #[arg(long)]
    positive_weight: Option<f64>,
    /// The action a transaction the model flags gets: review, step-up, hold or block.
    #[arg(long, default_value = "review")]
    action: Decision,
    /// The model's name in reasons (default: the output file's stem).
    #[arg(long)]
    name: Option<String>,
    /// Train no isolation forest (`model.anomaly` then reads 0).
    #[arg(long)]
    no_anomaly: bool,
}

/// Indices of the rows sorted by event time (ties in input order).
pub fn by_time(times: &[i64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by_key(|&i| times[i]);
    order
}

/// The row where a fraction of `rows` ends (rounded down), after checking it is a fraction.
pub fn cut(rows: usize, fraction: f64, option: &str) -> Result<usize> {
    if !(fraction > 0.0 && fraction < 1.0) {
        bail!("{option} {fraction} is not a fraction between 0 and 1 (exclusive)");
    }
    Ok((rows as f64 * fraction).floor() as usize)
}

/// Runs `tonle train`.
pub fn run(args: &TrainArgs) -> Result<ExitCode> {
    if args.action == Decision::Allow {
        bail!("--action allow would flag nothing; use review, step-up, hold or block");
    }
    // The fractions are checked before the file is read.
    if let Some(fraction) = args.until {
        cut(1, fraction, "--until")?;
    }
    cut(1, args.validation, "--validation")?;
    let started = Instant::now();
    let engine = feature_engine(&args.input, &args.rules, args.features.as_deref())?;
    let files: Vec<PathBuf> = args.inputs.iter().chain(&args.files).cloned().collect();
    let (table, outcome) = collect(&args.input, &files, engine, true, |_, _, _| {})?;
    let read_seconds = started.elapsed().as_secs_f64();
    let order = by_time(&table.times);
    let usable = match args.until {
        Some(fraction) => cut(order.len(), fraction, "--until")?,
        None => order.len(),
    };
    let validation_start = usable - (usable as f64 * args.validation).round() as usize;
    if !(args.validation > 0.0 && args.validation < 1.0) || validation_start == 0 || validation_start == usable {
        bail!(
            "--validation {} leaves no training or no validation rows out of {usable}; give a fraction between 0 \
             and 1 and enough data",
            args.validation
        );
    }
    let (train_rows, valid_rows) = (&order[..validation_start], &order[validation_start..usable]);
    let labels_of = |rows: &[usize]| -> Vec<bool> { rows.iter().map(|&i| table.labels[i]).collect() };
    let (train_labels, valid_labels) = (labels_of(train_rows), labels_of(valid_rows));
    let count = |labels: &[bool]| labels.iter().filter(|l| **l).count();
    if count(&valid_labels) == 0 {
        bail!(
            "the validation part (the latest {:.0}% of {usable} labelled transactions) has no illicit transaction; \
             give more data or a larger --validation",
            args.validation * 100.0
        );
    }
    let train_matrix = table.rows.select(train_rows);
    let valid_matrix = table.rows.select(valid_rows);
    let defaults = GbdtParams::default();
    let shapes: Vec<(f64, usize)> = if args.learning_rate.is_none() && args.max_leaves.is_none() {
        SHAPES.to_vec()
    } else {
        vec![(args.learning_rate.unwrap_or(SHAPES[0].0), args.max_leaves.unwrap_or(SHAPES[0].1))]
    };
    eprintln!(
        "train: {} training rows ({} illicit), {} validation rows ({} illicit), {} features; features computed in \
         {read_seconds:.1} s",
        train_rows.len(),
        count(&train_labels),
        valid_rows.len(),
        count(&valid_labels),
        table.rows.width()
    );
    let trees_started = Instant::now();
    // The kept shape: its index among those tried, model, parameters and validation scores.
    let mut kept: Option<(usize, gbdt::Gbdt, GbdtParams, Vec<f64>)> = None;
    let mut shapes_tried: Vec<ShapeTried> = Vec::new();
    for (learning_rate, max_leaves) in shapes {
        let params = GbdtParams {
            seed: args.seed,
            rounds: args.rounds.unwrap_or(defaults.rounds),
            learning_rate,
            max_leaves,
            max_depth: args.max_depth.map_or(defaults.max_depth, |d| (d > 0).then_some(d)),
            positive_weight: args.positive_weight.or(defaults.positive_weight),
            ..defaults.clone()
        };
        let started = Instant::now();
        let classifier = gbdt::train(&train_matrix, &train_labels, Some((&valid_matrix, &valid_labels)), &params)
            .context("cannot train the model")?;
        let scores: Vec<f64> = valid_matrix.rows().map(|row| classifier.predict(row)).collect();
        let pr = pr_auc(&scores, &valid_labels)?;
        eprintln!(
            "train: learning rate {learning_rate}, {max_leaves} leaves: {} trees, validation PR-AUC {pr:.4} ({:.1} s)",
            classifier.trees(),
            started.elapsed().as_secs_f64()
        );
        let better =
            kept.as_ref().is_none_or(|(best, ..)| pr > shapes_tried[*best].validation_pr_auc + LARGER_MUST_GAIN);
        shapes_tried.push(ShapeTried {
            learning_rate,
            max_leaves,
            trees: classifier.trees(),
            validation_pr_auc: pr,
            kept: false,
        });
        if better {
            kept = Some((shapes_tried.len() - 1, classifier, params, scores));
        }
    }
    // At least one shape was tried, and the first is always kept.
    let (kept_index, classifier, params, valid_scores) = kept.expect("a shape was trained");
    shapes_tried[kept_index].kept = true;
    let valid_pr_auc = shapes_tried[kept_index].validation_pr_auc;
    let train_seconds = trees_started.elapsed().as_secs_f64();
    let threshold = best_f1_threshold(&valid_scores, &valid_labels)?;
    let anomaly =
        if args.no_anomaly { None } else { Some(train_anomaly(&table.schema.features, &train_matrix, args.seed)?) };
    let gains = classifier.feature_importance();
    let mut ranked: Vec<(String, f64)> =
        table.schema.features.iter().cloned().zip(gains).filter(|(_, gain)| *gain > 0.0).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranked.truncate(25);
    let name = args.name.clone().unwrap_or_else(|| {
        args.out.file_stem().map_or_else(|| "model".to_owned(), |s| s.to_string_lossy().into_owned())
    });
    let time_span_ms = (table.times[order[0]], table.times[order[usable - 1]]);
    let report = TrainingReport {
        train_rows: train_rows.len(),
        train_positives: count(&train_labels),
        validation_rows: valid_rows.len(),
        validation_positives: count(&valid_labels),
        time_span_ms,
        validation_pr_auc: valid_pr_auc,
        validation_f1: threshold.f1,
        validation_precision: threshold.precision,
        validation_recall: threshold.recall,
        params,
        summary: classifier.summary().clone(),
        importance: ranked,
        shapes_tried,
    };
    let model = TrainedModel {
        format: MODEL_FORMAT.to_owned(),
        name,
        schema: table.schema,
        classifier,
        threshold: threshold.threshold,
        action: args.action,
        anomaly,
        training: report,
    };
    let partial = staging_path(&args.out);
    let written = std::fs::write(&partial, model.to_json())
        .with_context(|| format!("cannot write the model {}", args.out.display()));
    match written {
        Ok(()) => finish_staged(&partial, &args.out)?,
        Err(error) => {
            abandon_staged(&partial, &args.out);
            return Err(error);
        }
    }
    print_report(&model, train_seconds);
    eprintln!("train: model written to {} ({:.1} s in all)", args.out.display(), started.elapsed().as_secs_f64());
    Ok(close(&outcome, "train"))
}

/// The isolation forest over the debtor's window features (its behaviour as a payer and payee).
fn train_anomaly(features: &[String], rows: &Matrix, seed: u64) -> Result<AnomalyModel> {
    let columns: Vec<usize> =
        features.iter().enumerate().filter(|(_, f)| f.starts_with("debtor.")).map(|(i, _)| i).collect();
    if columns.is_empty() {
        bail!("the features include no debtor feature for the isolation forest; add some or give --no-anomaly");
    }
    let mut debtor = Matrix::new(columns.len());
    let mut row = vec![0.0; columns.len()];
    for full in rows.rows() {
        for (out, &column) in row.iter_mut().zip(&columns) {
            *out = full[column];
        }
        debtor.push_row(&row);
    }
    let forest = iforest::train(&debtor, IsolationForestParams { seed, ..IsolationForestParams::default() })
        .context("cannot train the isolation forest")?;
    Ok(AnomalyModel { columns, forest })
}

fn print_report(model: &TrainedModel, train_seconds: f64) {
    let report = &model.training;
    println!(
        "model {}: {} trees (best of {} rounds), trained in {train_seconds:.1} s, positive weight {:.1}",
        model.name,
        model.classifier.trees(),
        report.summary.rounds_run,
        report.summary.positive_weight
    );
    println!(
        "validation (latest {} rows, {} illicit): PR-AUC {:.4}; at threshold {:.4}: F1 {:.3}, precision {:.3}, \
         recall {:.3}",
        report.validation_rows,
        report.validation_positives,
        report.validation_pr_auc,
        model.threshold,
        report.validation_f1,
        report.validation_precision,
        report.validation_recall
    );
    println!("features with the most gain:");
    for (name, gain) in report.importance.iter().take(15) {
        println!("  {name:<36} {gain:>12.1}");
    }
}
