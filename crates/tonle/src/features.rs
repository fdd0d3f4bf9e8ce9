//! `tonle features`: the model features of every transaction of a file, as the engine computes them when it
//! decides, written as a CSV table for training elsewhere (and the pass over a file that `tonle train` and
//! `tonle evaluate` share).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use tonle_core::{Transaction, Typology};
use tonle_detect::engine::Engine;
use tonle_detect::features::WindowConfig;
use tonle_detect::models::{default_features, FeatureSchema, Matrix};
use tonle_detect::variables::Variables;

use crate::import::{abandon_staged, close, finish_staged, read_in_time_order, staging_path};
use crate::labelled_batch::LabelledBatch;
use crate::InputArgs;

/// `tonle features`' options.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("input_files").required(true).multiple(true).args(["inputs", "files"])))]
pub struct FeaturesArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The rule set whose `[graph]` table sets the graph features' parameters (TOML), or `default`.
    #[arg(long, default_value = "default")]
    pub rules: PathBuf,
    /// A file listing the features, one per line (`#` starts a comment); default: the transaction's fields,
    /// the debtor's and creditor's window features over an hour and longer, and the graph's chain and ring
    /// (docs/models.md).
    #[arg(long)]
    pub features: Option<PathBuf>,
    /// An input file; repeat for more, in time order.
    #[arg(long = "in", value_name = "FILE")]
    pub inputs: Vec<PathBuf>,
    /// More input files, read after the --in files.
    #[arg(value_name = "FILES")]
    pub files: Vec<PathBuf>,
    /// The CSV table: `time_ms,label,typology`, then one column per feature, one row per labelled
    /// transaction in input order (`inf` for a duration that never started).
    #[arg(long, short)]
    pub out: PathBuf,
}

/// The features of every labelled transaction of a file, with their labels.
pub struct Table {
    /// The schema the rows follow.
    pub schema: FeatureSchema,
    /// One row per labelled transaction, in input order.
    pub rows: Matrix,
    /// Whether each is illicit.
    pub labels: Vec<bool>,
    /// Its event time (ms).
    pub times: Vec<i64>,
    /// Its typology, when illicit and known.
    pub typologies: Vec<Option<Typology>>,
    /// Its id as `tonle score` writes it.
    pub ids: Vec<String>,
    /// Transactions read without a label (decided, so later features see them, but not in the table).
    pub unlabelled: u64,
}

/// The feature names of a `--features` file, or the default list.
pub fn feature_list(path: Option<&Path>, variables: &Variables) -> Result<Vec<String>> {
    let Some(path) = path else { return Ok(default_features(variables)) };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the feature list {}", path.display()))?;
    Ok(text
        .lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Runs an engine over the files, collecting the labels, times and ids of every labelled transaction, and
/// its features when `keep_rows`; `each` sees every decision first, and whether its transaction is labelled.
/// Returns the table and the read outcome.
pub fn collect(
    input: &InputArgs,
    files: &[PathBuf],
    mut engine: Engine,
    keep_rows: bool,
    mut each: impl FnMut(&Engine, &tonle_detect::rules::decide::Outcome, bool),
) -> Result<(Table, crate::import::Outcome)> {
    let schema = engine.feature_schema().cloned().context("the engine computes no model features")?;
    let mut table = Table {
        rows: Matrix::new(schema.features.len()),
        schema,
        labels: Vec::new(),
        times: Vec::new(),
        typologies: Vec::new(),
        ids: Vec::new(),
        unlabelled: 0,
    };
    let format = input.format;
    let lateness = WindowConfig::default().max_lateness;
    let mut batch = LabelledBatch::default();
    let mut decide = |batch: &mut LabelledBatch, table: &mut Table| -> Result<()> {
        let context = |tx: &Transaction| format!("transaction {}", tx.id);
        batch.decide(&mut engine, context, |tx, label, outcome, engine| {
            each(engine, outcome, label.is_some());
            let Some(label) = label else {
                table.unlabelled += 1;
                return;
            };
            if keep_rows {
                table.rows.push_row(engine.features());
            }
            table.labels.push(label.illicit);
            table.times.push(tx.time.millis());
            table.typologies.push(label.typology.clone().filter(|_| label.illicit));
            table.ids.push(crate::score::output_id(format, tx.id.as_str()).into_owned());
        })?;
        batch.clear();
        Ok(())
    };
    let outcome = read_in_time_order(input, files, lateness, |record| {
        if batch.push(record) {
            decide(&mut batch, &mut table)?;
        }
        Ok(())
    })?;
    decide(&mut batch, &mut table)?;
    Ok((table, outcome))
}

/// An engine computing the features of `--features` (or the default list) with the rule set of `rules`.
pub fn feature_engine(input: &InputArgs, rules: &Path, features: Option<&Path>) -> Result<Engine> {
    let (text, origin) = crate::score::load_rules(rules)?;
    let fx = input.fx_table()?;
    let windows = WindowConfig::default();
    let variables = Variables::new(&windows.horizons, fx.base().minor_per_major());
    let names = feature_list(features, &variables)?;
    Ok(Engine::with_features(windows, &text, &origin, fx, &names)?)
}

/// Runs `tonle features`.
pub fn run(args: &FeaturesArgs) -> Result<ExitCode> {
    let engine = feature_engine(&args.input, &args.rules, args.features.as_deref())?;
    let files: Vec<PathBuf> = args.inputs.iter().chain(&args.files).cloned().collect();
    let (table, outcome) = collect(&args.input, &files, engine, true, |_, _, _| {})?;
    let partial = staging_path(&args.out);
    match write_table(&table, &partial) {
        Ok(()) => finish_staged(&partial, &args.out)?,
        Err(error) => {
            abandon_staged(&partial, &args.out);
            return Err(error);
        }
    }
    let positives = table.labels.iter().filter(|l| **l).count();
    eprintln!(
        "features: {} labelled transactions ({positives} illicit) x {} features written to {} (schema {}); {} \
         unlabelled left out",
        table.rows.len(),
        table.rows.width(),
        args.out.display(),
        table.schema.hash,
        table.unlabelled
    );
    Ok(close(&outcome, "features"))
}

/// Writes the table as CSV.
fn write_table(table: &Table, path: &Path) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::new(file);
    write!(out, "time_ms,label,typology")?;
    for name in &table.schema.features {
        write!(out, ",{name}")?;
    }
    writeln!(out)?;
    for (i, row) in table.rows.rows().enumerate() {
        let typology = table.typologies[i].as_ref().map_or("", |t| t.as_str());
        write!(out, "{},{},{typology}", table.times[i], table.labels[i] as u8)?;
        for value in row {
            write!(out, ",{value}")?;
        }
        writeln!(out)?;
    }
    out.flush().with_context(|| format!("cannot write {}", path.display()))
}
