//! `tonle`: real-time scam and money-laundering detection for payment flows. One binary, many subcommands.

mod backtest;
mod bench;
mod bench_http;
mod bench_screen;
mod demo;
mod distinct;
mod evaluate;
mod features;
mod graph;
mod import;
mod keepalive;
mod labelled_batch;
mod progress;
mod score;
mod screen;
mod serve;
mod simulate;
mod spikes;
mod stats;
mod trace;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tonle_core::{Currency, EventTime};
use tonle_formats::InputFormat;

#[derive(Parser)]
#[command(name = "tonle", version, about = "Catch scams and money laundering in payment flows", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read transactions from outside formats and write them as native Parquet, CSV or JSON Lines.
    Import(ImportArgs),
    /// Describe a file of transactions: rows, time span, accounts, totals per currency, labels per typology.
    Stats(StatsArgs),
    /// Decide every transaction of a file with a rule set: one JSON line per transaction (decision, score,
    /// reasons, rule-set version).
    Score(score::ScoreArgs),
    /// Measure rule sets against labelled transactions: per rule and per typology alerts, precision, recall,
    /// F1 and alerts per day; two rule sets side by side.
    Backtest(backtest::BacktestArgs),
    /// Generate labelled scam and laundering traffic for South-East Asia, with its ground truth.
    Simulate(simulate::SimulateArgs),
    /// Follow the money from an account or a transaction, forward or backward, by FIFO or haircut: accounts
    /// reached, transactions followed and paths with the amounts attributed, as JSON and GraphML.
    Trace(trace::TraceArgs),
    /// Run the money-flow graph's detectors over whole files: the transactions each detector flags, with
    /// their evidence, and per detector its precision and recall per typology against the files' labels.
    Graph(graph::GraphArgs),
    /// Write the model features of every labelled transaction of a file, as the engine computes them, as a CSV
    /// table (for training and analysis elsewhere).
    Features(features::FeaturesArgs),
    /// Train a gradient-boosted model (and an isolation forest) on labelled transactions, with features
    /// computed as the engine serves them; it keeps the latest part for validation (early stopping, threshold).
    Train(train::TrainArgs),
    /// Measure a model against labelled transactions: PR-AUC, F1 at its threshold, alert budgets, recall per
    /// typology, the confusion matrix, and the engine's decision with rules and model together.
    Evaluate(evaluate::EvaluateArgs),
    /// Simulate the demo scenario, start the server on the embedded store, stream the traffic through its HTTP
    /// API, and print what was caught and where to look.
    Demo(demo::DemoArgs),
    /// Serve the decision API over HTTP: transactions decided and durably logged, alerts, cases, four-eyes
    /// freezes, rule sets, audit (docs/server.md).
    Serve(serve::ServeArgs),
    /// Screen names (and crypto addresses) against sanctions and watch lists: one from the command line or a
    /// file of queries, every match explained.
    Screen(screen::ScreenArgs),
    /// Make, list and revoke the API keys of the server's tenants.
    #[command(subcommand)]
    Keys(serve::KeysCommand),
    /// Verify the hash-chained audit log and transaction log of a store.
    #[command(subcommand)]
    Audit(serve::AuditCommand),
    /// Measure throughput and latency on generated data.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

/// What to do with a record that cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnError {
    /// Stop at the first bad record; the output is not written.
    Fail,
    /// Skip bad records, count them and report each, keep every good one.
    Skip,
}

/// Options shared by the commands that read inputs.
#[derive(clap::Args, Clone)]
pub struct InputArgs {
    /// The input format.
    #[arg(long = "from", default_value = "native", value_parser = parse_format)]
    format: InputFormat,
    /// Currency for sources that name none (AMLSim, PaySim).
    #[arg(long, default_value = "USD")]
    currency: Currency,
    /// PaySim: the time of step 0 (RFC 3339); a step is one hour.
    #[arg(long, default_value = "2025-01-01T00:00:00Z")]
    start: EventTime,
    /// AMLworld: the patterns file naming each laundering attempt's typology (default: X_Patterns.txt beside
    /// X_Trans.csv).
    #[arg(long)]
    patterns: Option<PathBuf>,
    /// What to do with a record that cannot be read.
    #[arg(long, value_enum, default_value_t = OnError::Fail)]
    on_error: OnError,
    /// Also write every skipped record's error, one per line, to this file.
    #[arg(long)]
    errors: Option<PathBuf>,
    /// Exchange rates (CSV: date,from,to,rate) to total every amount in the --base currency too.
    #[arg(long)]
    fx: Option<PathBuf>,
    /// The currency the --fx totals are in.
    #[arg(long, default_value = "USD")]
    base: Currency,
}

impl InputArgs {
    /// The exchange rates of `--fx` in the `--base` currency, or none (amounts already in the base currency).
    fn fx_table(&self) -> anyhow::Result<tonle_core::FxTable> {
        Ok(match &self.fx {
            Some(path) => tonle_formats::read_fx_table(path, self.base)?,
            None => tonle_core::FxTable::new(self.base),
        })
    }

    fn read_options(&self) -> tonle_formats::ReadOptions {
        tonle_formats::ReadOptions {
            currency: self.currency,
            start: self.start,
            patterns: self.patterns.clone(),
            bytes_read: None,
        }
    }
}

fn parse_format(text: &str) -> Result<InputFormat, String> {
    text.parse()
}

#[derive(clap::Args)]
struct ImportArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The input files, read in order into one output.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The output file: .parquet, .csv or .jsonl.
    #[arg(long, short)]
    out: PathBuf,
    /// Print the summary as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct StatsArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The files to describe (together).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    // tract (ONNX models) builds an error at every tree leaf it reaches; with RUST_BACKTRACE set, each would
    // also capture a backtrace (100 times slower). tonle never prints library backtraces, so they are off
    // unless asked for explicitly. Set before any thread starts.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Import(args) => import::run_import(&args.input, &args.files, &args.out, args.json),
        Command::Stats(args) => import::run_stats(&args.input, &args.files, args.json),
        Command::Score(args) => score::run(&args),
        Command::Backtest(args) => backtest::run(&args),
        Command::Simulate(args) => simulate::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Trace(args) => trace::run(&args),
        Command::Graph(args) => graph::run(&args),
        Command::Features(args) => features::run(&args),
        Command::Train(args) => train::run(&args),
        Command::Evaluate(args) => evaluate::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Serve(args) => serve::run_serve(&args),
        Command::Screen(args) => screen::run(&args),
        Command::Keys(command) => serve::run_keys(&command),
        Command::Audit(command) => serve::run_audit(&command),
        Command::Bench(command) => bench::run(command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
