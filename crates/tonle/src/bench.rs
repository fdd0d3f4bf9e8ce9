//! `tonle bench`: whole-pipeline figures on generated data, bounded in size and time.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Subcommand;
use tonle_formats::{InputFormat, ReadOptions};

use crate::import::import_files;
use crate::{InputArgs, OnError};

/// The benchmarks.
#[derive(Subcommand)]
pub enum BenchCommand {
    /// Load a running `tonle serve` over HTTP from this process: transactions/s, and latency percentiles as
    /// fast as answered or open loop at a fixed request rate.
    Http(crate::bench_http::HttpArgs),
    /// Screen names against lists on one thread: list load and index time, queries/s and latency
    /// percentiles, and recall at rank 1 and false positives on a labelled query set built from the lists,
    /// beside a Jaro-Winkler baseline.
    Screen(crate::bench_screen::ScreenBenchArgs),
    /// Convert a generated IBM AMLworld CSV file to native Parquet through `tonle import`'s own code (reader,
    /// summary, writer, error policy), and report rows/s, per-chunk latency percentiles and peak memory.
    Import {
        /// Rows to generate.
        #[arg(long, default_value_t = 2_000_000)]
        rows: u64,
        /// Directory for the generated input and the output (default: a new temporary directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Output file extension: parquet, csv or jsonl.
        #[arg(long, default_value = "parquet")]
        to: String,
        /// Keep the generated input and the output (to profile `tonle import` on them, say).
        #[arg(long)]
        keep: bool,
    },
    /// Decide a simulated scenario's transactions with a rule set through the engine (features, rules,
    /// decision) on one thread, and report transactions/s and per-transaction latency percentiles.
    Score {
        /// A preset (tiny, demo, large) or a scenario TOML file, simulated in memory first.
        #[arg(long, default_value = "demo")]
        scenario: String,
        /// The rule set (TOML), or `default`.
        #[arg(long, default_value = "default")]
        rules: PathBuf,
        /// The seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// A model deciding beside the rules (`tonle train`'s JSON or an ONNX mapping TOML).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Screen every transaction's parties against lists too (--list FILE, repeated).
        #[command(flatten)]
        screening: crate::screen::ListArgs,
        /// Decide the scenario this many times each way (one at a time and in batches, alternately, fresh
        /// engines each time), and report the throughput of every run and their median: on a machine whose
        /// speed drifts, one run says little. Latency percentiles are over every call of every run.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
        runs: u32,
    },
    /// Run the money-flow graph's detectors over a simulated scenario (in memory, in event-time order) on one
    /// thread: edges/s and per-edge latency percentiles for the update plus every detector, then each
    /// detector alone, and the graph's memory.
    Graph {
        /// A preset (tiny, demo, large) or a scenario TOML file.
        #[arg(long, default_value = "demo")]
        scenario: String,
        /// The seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also time each detector alone (one more pass per detector).
        #[arg(long)]
        each: bool,
    },
    /// Run a simulation scenario on one thread and report transactions/s, per-transaction latency
    /// percentiles and peak memory; with `--to`, write it as `tonle simulate` does (a second thread encodes)
    /// and report the end-to-end rate too.
    Simulate {
        /// A preset (tiny, demo, large) or a scenario TOML file.
        #[arg(long, default_value = "large")]
        scenario: String,
        /// The seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also write the output: native, jsonl, parquet or amlworld (default: generate only).
        #[arg(long, value_enum)]
        to: Option<crate::simulate::SimFormat>,
        /// Directory for the output with --to (default: a new temporary directory, removed afterwards).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

/// Runs a benchmark.
pub fn run(command: BenchCommand) -> Result<ExitCode> {
    match command {
        BenchCommand::Http(args) => crate::bench_http::run(&args),
        BenchCommand::Screen(args) => crate::bench_screen::run(&args),
        BenchCommand::Import { rows, dir, to, keep } => bench_import(rows, dir, &to, keep),
        BenchCommand::Simulate { scenario, seed, to, dir } => bench_simulate(&scenario, seed, to, dir),
        BenchCommand::Score { scenario, rules, seed, model, screening, runs } => {
            bench_score(&scenario, &rules, seed, model.as_deref(), &screening, runs)
        }
        BenchCommand::Graph { scenario, seed, each } => bench_graph(&scenario, seed, each),
    }
}

/// Rows timed together; the latency of a chunk divided by its rows is the per-row latency it reports.
const CHUNK: u64 = 1024;

fn bench_import(rows: u64, dir: Option<PathBuf>, to: &str, keep: bool) -> Result<ExitCode> {
    let temp;
    let dir = match dir {
        Some(dir) => dir,
        None => {
            temp = std::env::temp_dir().join(format!("tonle-bench-{}", std::process::id()));
            temp
        }
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let input = dir.join("Bench_Trans.csv");
    let output = dir.join(format!("bench.{to}"));
    let generated = Instant::now();
    write_amlworld(&input, rows)?;
    let input_bytes = std::fs::metadata(&input)?.len();
    eprintln!(
        "generated {rows} AMLworld rows ({:.1} MB) in {:.2} s",
        input_bytes as f64 / 1e6,
        generated.elapsed().as_secs_f64()
    );
    let rss_before = peak_rss_kib();

    let input_args = InputArgs {
        format: InputFormat::AmlWorld,
        currency: tonle_core::Currency::USD,
        start: ReadOptions::default().start,
        patterns: None,
        on_error: OnError::Fail,
        errors: None,
        fx: None,
        base: tonle_core::Currency::USD,
    };
    let mut chunk_nanos: Vec<u64> = Vec::with_capacity((rows / CHUNK + 1) as usize);
    let started = Instant::now();
    let mut chunk_start = started;
    let mut in_chunk = 0;
    let outcome = import_files(&input_args, std::slice::from_ref(&input), &output, || {
        in_chunk += 1;
        if in_chunk == CHUNK {
            let now = Instant::now();
            chunk_nanos.push((now - chunk_start).as_nanos() as u64);
            chunk_start = now;
            in_chunk = 0;
        }
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let summary = &outcome.summary;
    let output_bytes = std::fs::metadata(&output)?.len();

    chunk_nanos.sort_unstable();
    let percentile = |p: f64| percentile(&chunk_nanos, p) as f64 / CHUNK as f64;
    println!("bench import: AMLworld CSV -> {to}, one thread");
    println!("  rows          {} ({} accounts)", summary.rows(), summary.accounts());
    println!("  input         {:.1} MB, output {:.1} MB", input_bytes as f64 / 1e6, output_bytes as f64 / 1e6);
    println!("  time          {seconds:.3} s");
    println!(
        "  throughput    {:.0} rows/s, {:.1} MB/s of CSV",
        rows as f64 / seconds,
        input_bytes as f64 / 1e6 / seconds
    );
    println!(
        "  per-row latency (chunks of {CHUNK} rows)  p50 {:.0} ns  p90 {:.0} ns  p99 {:.0} ns  max {:.0} ns",
        percentile(0.5),
        percentile(0.9),
        percentile(0.99),
        percentile(1.0)
    );
    if let (Some(before), Some(after)) = (rss_before, peak_rss_kib()) {
        println!("  peak memory   {:.1} MiB (before import {:.1} MiB)", after as f64 / 1024.0, before as f64 / 1024.0);
    }
    if keep {
        println!("  kept          {} and {}", input.display(), output.display());
    } else {
        let _ = std::fs::remove_file(&input);
        let _ = std::fs::remove_file(&output);
    }
    Ok(ExitCode::SUCCESS)
}

fn bench_simulate(
    scenario: &str,
    seed: u64,
    to: Option<crate::simulate::SimFormat>,
    dir: Option<PathBuf>,
) -> Result<ExitCode> {
    let scenario = tonle_sim::Scenario::load(scenario)?;
    let rss_before = peak_rss_kib();
    let built = Instant::now();
    let mut simulation = tonle_sim::Simulation::new(&scenario, seed);
    let setup = built.elapsed().as_secs_f64();
    let mut chunk_nanos: Vec<u64> = Vec::new();
    let mut batch = Vec::with_capacity(CHUNK as usize);
    let mut total = 0u64;
    let mut illicit = 0u64;
    let started = Instant::now();
    loop {
        let chunk_start = Instant::now();
        let n = simulation.fill(&mut batch, CHUNK as usize);
        if n == 0 {
            break;
        }
        chunk_nanos.push(chunk_start.elapsed().as_nanos() as u64);
        total += n as u64;
        illicit += batch.iter().filter(|t| t.label.as_ref().is_some_and(|l| l.illicit)).count() as u64;
        batch.clear();
    }
    let seconds = started.elapsed().as_secs_f64();
    chunk_nanos.sort_unstable();
    let percentile = |p: f64| percentile(&chunk_nanos, p) as f64 / CHUNK as f64;
    println!("bench simulate: scenario {scenario}, seed {seed}, one thread, generation only");
    println!("  transactions  {total} ({illicit} illicit)");
    println!("  setup         {setup:.3} s (population and typology plans)");
    println!("  time          {seconds:.3} s");
    println!("  throughput    {:.0} transactions/s", total as f64 / seconds);
    println!(
        "  per-transaction latency (chunks of {CHUNK})  p50 {:.0} ns  p90 {:.0} ns  p99 {:.0} ns  max {:.0} ns",
        percentile(0.5),
        percentile(0.9),
        percentile(0.99),
        percentile(1.0)
    );
    if let (Some(before), Some(after)) = (rss_before, peak_rss_kib()) {
        println!("  peak memory   {:.1} MiB (before {:.1} MiB)", after as f64 / 1024.0, before as f64 / 1024.0);
    }
    drop(simulation);
    if let Some(format) = to {
        let (dir, remove) = match dir {
            Some(dir) => (dir, false),
            None => (std::env::temp_dir().join(format!("tonle-bench-sim-{}", std::process::id())), true),
        };
        let outcome = crate::simulate::simulate(&scenario, seed, &dir, format)?;
        let bytes = std::fs::metadata(&outcome.transactions_file)?.len();
        println!("bench simulate: written as {format:?} (simulation thread + writer thread)");
        println!("  time          {:.3} s, {:.1} MB", outcome.seconds, bytes as f64 / 1e6);
        println!("  throughput    {:.0} transactions/s end to end", outcome.transactions as f64 / outcome.seconds);
        if let Some(after) = peak_rss_kib() {
            println!("  peak memory   {:.1} MiB", after as f64 / 1024.0);
        }
        if remove {
            let _ = std::fs::remove_dir_all(&dir);
        } else {
            println!("  kept          {}", dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn bench_score(
    scenario: &str,
    rules: &Path,
    seed: u64,
    model: Option<&Path>,
    screening: &crate::screen::ListArgs,
    runs: u32,
) -> Result<ExitCode> {
    let lists = screening.load()?;
    let scenario = tonle_sim::Scenario::load(scenario)?;
    let simulation = tonle_sim::Simulation::new(&scenario, seed);
    let fx = simulation.fx_table();
    let transactions: Vec<_> = simulation.collect();
    let (text, origin) = crate::score::load_rules(rules)?;
    let windows = tonle_detect::features::WindowConfig::default;
    let new_engine = || -> Result<tonle_detect::engine::Engine> {
        let mut engine = match model {
            Some(path) => {
                let model = tonle_detect::models::model::Model::load(path)?;
                tonle_detect::engine::Engine::with_model(windows(), &text, &origin, fx.clone(), model)?
            }
            None => tonle_detect::engine::Engine::new(windows(), &text, &origin, fx.clone())?,
        };
        if let Some(loaded) = &lists {
            // Each engine starts with an empty cache of names (the lists are shared).
            engine.set_screener(loaded.lists.clone(), loaded.policy);
        }
        Ok(engine)
    };
    let txs: Vec<tonle_core::Transaction> = transactions.iter().map(|labelled| labelled.tx.clone()).collect();
    let (mut single, mut batched) = (Timings::default(), Timings::default());
    let mut report = None;
    for _ in 0..runs {
        let (seconds, run) = decide_one_at_a_time(&transactions, new_engine()?, &mut single.nanos)?;
        single.seconds.push(seconds);
        let (seconds, batch_alerts) = decide_in_batches(&txs, new_engine()?, &mut batched.nanos)?;
        batched.seconds.push(seconds);
        if batch_alerts != run.alerts {
            anyhow::bail!("batches alerted {batch_alerts} times, single calls {}", run.alerts);
        }
        if report.is_none() {
            report = Some(describe(&run, transactions.len(), &scenario.to_string(), seed));
        }
    }
    if let Some(report) = report {
        print!("{report}");
    }
    let n = transactions.len();
    println!("one at a time (Engine::decide, each call timed)");
    single.print(n, "transaction", "transactions");
    println!("in batches of {BATCH} (Engine::decide_batch, same decisions)");
    batched.print(n, "batch", "transactions");
    if let Some(peak) = peak_rss_kib() {
        println!(
            "  peak memory   {:.1} MiB (the simulated transactions held in memory included)",
            peak as f64 / 1024.0
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Transactions per call of [`tonle_detect::engine::Engine::decide_batch`] in `tonle bench score`.
const BATCH: usize = 256;

/// The runs of one way of deciding: each run's time, and every call's latency.
#[derive(Default)]
struct Timings {
    seconds: Vec<f64>,
    nanos: Vec<u64>,
}

impl Timings {
    /// Throughput (of `n` transactions a run) per run and their median, and the latency percentiles of
    /// every call (`call`: what one call decides).
    fn print(&mut self, n: usize, call: &str, items: &str) {
        let mut rates: Vec<f64> = self.seconds.iter().map(|s| n as f64 / s).collect();
        if rates.len() == 1 {
            println!("  time          {:.3} s", self.seconds[0]);
            println!("  throughput    {:.0} {items}/s", rates[0]);
        } else {
            let listed: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
            rates.sort_by(f64::total_cmp);
            let median = if rates.len() % 2 == 1 {
                rates[rates.len() / 2]
            } else {
                (rates[rates.len() / 2 - 1] + rates[rates.len() / 2]) / 2.0
            };
            println!(
                "  throughput    {median:.0} {items}/s, the median of {} runs ({})",
                rates.len(),
                listed.join(", ")
            );
        }
        self.nanos.sort_unstable();
        let micros = |p: f64| percentile(&self.nanos, p) as f64 / 1000.0;
        println!(
            "  per-{call} latency  p50 {:.2} µs  p90 {:.2} µs  p99 {:.2} µs  p99.9 {:.2} µs  max {:.2} µs",
            micros(0.5),
            micros(0.9),
            micros(0.99),
            micros(0.999),
            micros(1.0)
        );
    }
}

/// What one pass of single calls gave besides its time.
struct SingleRun {
    engine: tonle_detect::engine::Engine,
    /// Transactions not allowed.
    alerts: u64,
    /// Parties whose name matched a listed entity, and the distinct names and countries among them.
    name_hits: u64,
    names_hit: std::collections::HashSet<(Option<tonle_core::Text>, Option<tonle_core::CountryCode>)>,
}

/// One call per transaction, each timed (into `nanos`): the latency a caller deciding one payment at a time
/// sees. Returns the seconds and the rest of what the pass gave.
fn decide_one_at_a_time(
    transactions: &[tonle_core::LabelledTransaction],
    mut engine: tonle_detect::engine::Engine,
    nanos: &mut Vec<u64>,
) -> Result<(f64, SingleRun)> {
    nanos.reserve(transactions.len());
    let (mut alerts, mut name_hits, mut names_hit) = (0u64, 0u64, std::collections::HashSet::new());
    let started = Instant::now();
    for labelled in transactions {
        let start = Instant::now();
        let outcome = engine.decide(&labelled.tx)?;
        nanos.push(start.elapsed().as_nanos() as u64);
        alerts += (outcome.decision != tonle_core::Decision::Allow) as u64;
        if let Some(hits) = engine.screen_hits() {
            let parties = [&labelled.tx.debtor, &labelled.tx.creditor];
            for (side, party) in parties.into_iter().enumerate() {
                if hits[side * 2].is_some() {
                    name_hits += 1;
                    names_hit.insert((party.name.clone(), party.country));
                }
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok((seconds, SingleRun { engine, alerts, name_hits, names_hit }))
}

/// Batches, as a stream consumer takes them: the next transactions' state is loaded while one is decided.
/// Each batch's time goes into `nanos`. Returns the seconds and the transactions not allowed.
fn decide_in_batches(
    txs: &[tonle_core::Transaction],
    mut engine: tonle_detect::engine::Engine,
    nanos: &mut Vec<u64>,
) -> Result<(f64, u64)> {
    let (mut alerts, mut failed) = (0u64, None);
    let started = Instant::now();
    for chunk in txs.chunks(BATCH) {
        let start = Instant::now();
        engine.decide_batch(chunk, |_, result| match result {
            Ok(outcome) => alerts += (outcome.decision != tonle_core::Decision::Allow) as u64,
            Err(error) => failed = failed.take().or(Some(error)),
        });
        nanos.push(start.elapsed().as_nanos() as u64);
    }
    let seconds = started.elapsed().as_secs_f64();
    match failed {
        Some(error) => Err(error.into()),
        None => Ok((seconds, alerts)),
    }
}

/// The heading of `tonle bench score`'s report: what was decided, and the screening's hits (the simulation
/// lists no one, so every hit is a look-alike name: a false positive).
fn describe(run: &SingleRun, transactions: usize, scenario: &str, seed: u64) -> String {
    use std::fmt::Write;
    let engine = &run.engine;
    let mut out = String::new();
    let served =
        engine.model().map_or(String::new(), |m| format!(", model {} ({} features)", m.name, m.features.len()));
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "bench score: scenario {scenario}, seed {seed}, rules {}{served}, one thread",
        engine.ruleset_version()
    );
    let _ = writeln!(out, "  transactions  {transactions} ({} alerted)", run.alerts);
    if let Some(stats) = engine.screen_stats() {
        let _ = writeln!(
            out,
            "  screening     {} names looked up, {} distinct names and countries screened by the matcher",
            stats.names, stats.screened
        );
        let _ = writeln!(
            out,
            "  name hits     {} ({:.2}% of names looked up), {} distinct names and countries ({:.1}%): \
             the simulation lists no one, so each is a look-alike",
            run.name_hits,
            100.0 * run.name_hits as f64 / stats.names.max(1) as f64,
            run.names_hit.len(),
            100.0 * run.names_hit.len() as f64 / stats.screened.max(1) as f64
        );
    }
    out
}

fn bench_graph(scenario: &str, seed: u64, each: bool) -> Result<ExitCode> {
    use tonle_detect::graph::{GraphConfig, GraphFacts, MoneyGraph, Motif, NewEdge, MOTIFS};
    let scenario = tonle_sim::Scenario::load(scenario)?;
    let simulation = tonle_sim::Simulation::new(&scenario, seed);
    let fx = simulation.fx_table();
    let started = Instant::now();
    let transactions: Vec<tonle_core::Transaction> = simulation.map(|labelled| labelled.tx).collect();
    let amounts: Vec<i64> = transactions
        .iter()
        .map(|tx| fx.to_base(tx.amount, tx.time.date()).map(|m| m.minor()))
        .collect::<Result<_, _>>()?;
    let ips: Vec<Option<String>> = transactions.iter().map(|tx| tx.ip.map(|ip| ip.to_string())).collect();
    println!(
        "bench graph: scenario {scenario}, seed {seed}, {} transactions simulated in {:.1} s, one thread",
        transactions.len(),
        started.elapsed().as_secs_f64()
    );
    let run = |enabled: [bool; MOTIFS], timed: bool| -> Result<(f64, Vec<u64>, MoneyGraph, [u64; MOTIFS])> {
        let mut graph = MoneyGraph::new(GraphConfig::default(), enabled).map_err(anyhow::Error::msg)?;
        let mut facts = GraphFacts::default();
        let mut nanos = Vec::with_capacity(if timed { transactions.len() } else { 0 });
        let mut found = [0u64; MOTIFS];
        let mut node_keys: [String; 2] = Default::default();
        let started = Instant::now();
        for ((tx, amount), ip) in transactions.iter().zip(&amounts).zip(&ips) {
            let edge =
                NewEdge::of(tx, *amount, ip.as_deref(), tonle_detect::graph::config::Nodes::Accounts, &mut node_keys);
            if timed {
                let start = Instant::now();
                graph.observe(&edge, &mut facts);
                nanos.push(start.elapsed().as_nanos() as u64);
            } else {
                graph.observe(&edge, &mut facts);
            }
            for (count, value) in found.iter_mut().zip(facts.values) {
                *count += (value > 0) as u64;
            }
        }
        Ok((started.elapsed().as_secs_f64(), nanos, graph, found))
    };
    let (seconds, mut nanos, graph, found) = run([true; MOTIFS], true)?;
    println!("every detector (MoneyGraph::observe, each call timed)");
    print_timed(seconds, &mut nanos, "edge", "edges");
    let memory = graph.graph().memory();
    println!(
        "  graph at the end: {} nodes, {} edges kept ({} horizon), {:.1} MiB with the identifier index",
        memory.nodes,
        memory.edges,
        tonle_detect::variables::horizon_label(graph.config().horizon),
        graph.memory_bytes() as f64 / (1024.0 * 1024.0)
    );
    let counts: Vec<String> = Motif::ALL.iter().map(|m| format!("{} {}", m.name(), found[*m as usize])).collect();
    println!("  edges with a non-zero count: {}", counts.join(", "));
    drop(graph);
    if each {
        let (base, ..) = run([false; MOTIFS], false)?;
        println!(
            "each detector alone (one untimed pass each; the update alone: {:.0} edges/s)",
            transactions.len() as f64 / base
        );
        for motif in Motif::ALL {
            let mut enabled = [false; MOTIFS];
            enabled[motif as usize] = true;
            let (seconds, ..) = run(enabled, false)?;
            println!(
                "  {:<16} {:>9.0} edges/s  {:>6.2} µs an edge beyond the update",
                motif.name(),
                transactions.len() as f64 / seconds,
                (seconds - base).max(0.0) * 1e6 / transactions.len() as f64
            );
        }
    }
    if let Some(peak) = peak_rss_kib() {
        println!(
            "  peak memory   {:.1} MiB (the simulated transactions held in memory included)",
            peak as f64 / 1024.0
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a run of calls each timed (`nanos`, one per `item`, `items` in the plural): its time, throughput
/// and latency percentiles.
fn print_timed(seconds: f64, nanos: &mut [u64], item: &str, items: &str) {
    nanos.sort_unstable();
    let micros = |p: f64| percentile(nanos, p) as f64 / 1000.0;
    println!("  time          {seconds:.3} s");
    println!("  throughput    {:.0} {items}/s", nanos.len() as f64 / seconds);
    println!(
        "  per-{item} latency  p50 {:.2} µs  p90 {:.2} µs  p99 {:.2} µs  p99.9 {:.2} µs  max {:.2} µs",
        micros(0.5),
        micros(0.9),
        micros(0.99),
        micros(0.999),
        micros(1.0)
    );
}

/// The value at fraction `p` (0 to 1) of sorted measurements (nearest rank); 0 when there are none.
pub(crate) fn percentile(sorted: &[u64], p: f64) -> u64 {
    match sorted.len() {
        0 => 0,
        n => sorted[((n - 1) as f64 * p).round() as usize],
    }
}

/// The process's peak resident memory in KiB, where the system tells it (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A small deterministic generator (xorshift64*), so every run measures the same file.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const CURRENCIES: [&str; 6] = ["US Dollar", "US Dollar", "US Dollar", "Euro", "Yuan", "Bitcoin"];
const FORMATS: [&str; 7] = ["Cheque", "Credit Card", "ACH", "Cash", "Reinvestment", "Wire", "Bitcoin"];

/// Writes `rows` rows in the IBM AMLworld `*_Trans.csv` layout: 18 days from 2022-09-01, 30,000 banks,
/// 500,000 accounts, heavy-tailed amounts, about 0.1% laundering.
fn write_amlworld(path: &Path, rows: u64) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    writeln!(
        out,
        "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering"
    )?;
    let mut rng = Rng(0x7043_6c65_2024_0901);
    let minutes = 18 * 24 * 60;
    for i in 0..rows {
        let minute = (i * minutes / rows.max(1) + rng.below(30)).min(minutes - 1);
        let (day, hour, min) = (1 + minute / 1440, (minute / 60) % 24, minute % 60);
        let from = rng.below(500_000);
        let to = rng.below(500_000);
        let cents = 10u64.pow(rng.below(7) as u32 + 1) + rng.below(1_000_000);
        let currency = CURRENCIES[rng.below(CURRENCIES.len() as u64) as usize];
        let format = FORMATS[rng.below(FORMATS.len() as u64) as usize];
        let (amount, frac) =
            if currency == "Bitcoin" { (cents / 1_000_000, cents % 1_000_000) } else { (cents / 100, cents % 100) };
        let width = if currency == "Bitcoin" { 6 } else { 2 };
        let laundering = u8::from(rng.below(1000) == 0);
        writeln!(
            out,
            "2022/09/{day:02} {hour:02}:{min:02},{:03},8{from:07X}0,{:03},8{to:07X}0,{amount}.{frac:0width$},{currency},{amount}.{frac:0width$},{currency},{format},{laundering}",
            from % 30_000,
            to % 30_000,
        )?;
    }
    out.flush()?;
    Ok(())
}
