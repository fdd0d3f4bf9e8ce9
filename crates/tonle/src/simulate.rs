//! `tonle simulate`: write a scenario's labelled traffic and its ground truth to a directory.
//!
//! The simulation runs on its own thread and hands each day's transactions to the writer on this one, so
//! generating and encoding overlap. Files are written under `.partial` names and renamed when complete.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::ValueEnum;
use tonle_core::{LabelledTransaction, Typology};
use tonle_formats::accounts::AccountsWriter;
use tonle_formats::amlworld::AmlWorldWriter;
use tonle_formats::{create_writer, OutputFormat, RecordWriter};
use tonle_sim::{Scenario, ScenarioSummary, Simulation};

/// The formats `tonle simulate` writes transactions in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimFormat {
    /// Native CSV (`transactions.csv`).
    Native,
    /// Native JSON Lines (`transactions.jsonl`).
    Jsonl,
    /// Native Parquet (`transactions.parquet`).
    Parquet,
    /// IBM AMLworld (`<name>_Trans.csv` and `<name>_Patterns.txt`).
    Amlworld,
}

/// `tonle simulate`'s options.
#[derive(clap::Args)]
pub struct SimulateArgs {
    /// A preset (tiny, demo, large) or a scenario TOML file.
    #[arg(long, default_value = "tiny")]
    scenario: String,
    /// The seed: the same scenario and seed give byte-identical output.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The output directory (created if missing).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The transactions' format.
    #[arg(long, value_enum, default_value_t = SimFormat::Native)]
    format: SimFormat,
    /// Print the scenario as TOML, every parameter spelled out, and stop (a starting point for your own).
    #[arg(long)]
    print_scenario: bool,
}

/// What a simulation wrote.
pub struct SimOutcome {
    /// Transactions written.
    pub transactions: u64,
    /// Per scenario, what it amounted to.
    pub scenarios: Vec<ScenarioSummary>,
    /// Seconds from start to the last file closed.
    pub seconds: f64,
    /// The transactions file.
    pub transactions_file: PathBuf,
}

/// Transactions handed from the simulation thread to the writer at a time.
const CHUNK: usize = 8192;

/// Runs `tonle simulate`.
pub fn run(args: &SimulateArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    if args.print_scenario {
        // A closed pipe (`| head`) is not an error worth a message.
        let _ = std::io::stdout().lock().write_all(scenario.to_toml().as_bytes());
        return Ok(());
    }
    let Some(out) = &args.out else { bail!("--out DIR is needed (or --print-scenario)") };
    let outcome = simulate(&scenario, args.seed, out, args.format)?;
    println!(
        "{} transactions in {:.1} s ({:.0}/s) -> {}",
        outcome.transactions,
        outcome.seconds,
        outcome.transactions as f64 / outcome.seconds.max(1e-9),
        outcome.transactions_file.display()
    );
    print_scenarios(&outcome.scenarios);
    println!("ground truth: {}, {}", out.join("accounts.csv").display(), out.join("scenarios.csv").display());
    Ok(())
}

fn print_scenarios(scenarios: &[ScenarioSummary]) {
    let mut kinds: Vec<(&str, bool, usize, u64)> = Vec::new();
    for s in scenarios {
        match kinds.iter_mut().find(|(kind, ..)| *kind == s.kind) {
            Some(entry) => {
                entry.2 += 1;
                entry.3 += s.transactions;
            }
            None => kinds.push((s.kind, s.illicit, 1, s.transactions)),
        }
    }
    println!("{:<22} {:>9} {:>9} {:>13}", "scenario kind", "label", "instances", "transactions");
    for (kind, illicit, count, transactions) in kinds {
        let label = if illicit { "illicit" } else { "licit" };
        println!("{kind:<22} {label:>9} {count:>9} {transactions:>13}");
    }
}

fn partial(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Simulates a scenario into a directory: transactions, accounts.csv, scenarios.csv, fx.csv, scenario.toml.
pub fn simulate(scenario: &Scenario, seed: u64, out: &Path, format: SimFormat) -> Result<SimOutcome> {
    let started = Instant::now();
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let (transactions_file, patterns_file) = match format {
        SimFormat::Native => (out.join("transactions.csv"), None),
        SimFormat::Jsonl => (out.join("transactions.jsonl"), None),
        SimFormat::Parquet => (out.join("transactions.parquet"), None),
        SimFormat::Amlworld => (
            out.join(format!("{}_Trans.csv", scenario.name)),
            Some(out.join(format!("{}_Patterns.txt", scenario.name))),
        ),
    };
    let mut writer: Box<dyn RecordWriter> = match format {
        SimFormat::Native => create_writer(&partial(&transactions_file), OutputFormat::Csv)?,
        SimFormat::Jsonl => create_writer(&partial(&transactions_file), OutputFormat::Jsonl)?,
        SimFormat::Parquet => create_writer(&partial(&transactions_file), OutputFormat::Parquet)?,
        SimFormat::Amlworld => Box::new(AmlWorldWriter::create(
            &partial(&transactions_file),
            patterns_file.as_ref().map(|p| partial(p)).as_deref(),
        )?),
    };

    let mut simulation = Simulation::new(scenario, seed);
    write_accounts(&simulation, &out.join("accounts.csv"))?;
    write_fx(&simulation, &out.join("fx.csv"))?;
    std::fs::write(out.join("scenario.toml"), format!("# seed = {seed}\n{}", scenario.to_toml()))
        .with_context(|| format!("cannot write {}", out.join("scenario.toml").display()))?;

    let (sender, receiver) = sync_channel::<Vec<LabelledTransaction>>(4);
    let generator = std::thread::spawn(move || {
        loop {
            let mut batch = Vec::with_capacity(CHUNK);
            if simulation.fill(&mut batch, CHUNK) == 0 || sender.send(batch).is_err() {
                break;
            }
        }
        simulation
    });
    let mut written = 0u64;
    let mut failure = None;
    for batch in receiver {
        if failure.is_some() {
            continue;
        }
        for record in &batch {
            if let Err(e) = writer.write(record) {
                failure = Some(e);
                break;
            }
        }
        written += batch.len() as u64;
    }
    let simulation = generator.join().map_err(|_| anyhow::anyhow!("the simulation thread panicked"))?;
    if let Some(e) = failure {
        bail!("writing {}: {e}", transactions_file.display());
    }
    writer.finish().with_context(|| format!("cannot finish {}", transactions_file.display()))?;
    rename(&partial(&transactions_file), &transactions_file)?;
    if let Some(patterns) = &patterns_file {
        rename(&partial(patterns), patterns)?;
    }
    let scenarios = simulation.scenarios();
    write_scenarios(&scenarios, &out.join("scenarios.csv"))?;
    Ok(SimOutcome { transactions: written, scenarios, seconds: started.elapsed().as_secs_f64(), transactions_file })
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).with_context(|| format!("cannot move the finished output to {}", to.display()))
}

fn write_accounts(simulation: &Simulation, path: &Path) -> Result<()> {
    let mut writer = AccountsWriter::create(&partial(path))?;
    for record in simulation.accounts() {
        writer.write(&record)?;
    }
    writer.finish()?;
    rename(&partial(path), path)
}

fn write_fx(simulation: &Simulation, path: &Path) -> Result<()> {
    let mut file = BufWriter::new(File::create(path).with_context(|| format!("cannot write {}", path.display()))?);
    writeln!(file, "date,from,to,rate")?;
    let date = simulation.rates_date();
    for (currency, rate) in simulation.rates() {
        if currency.code() != "USD" {
            writeln!(file, "{date},USD,{},{}", currency.code(), rate)?;
        }
    }
    file.flush()?;
    Ok(())
}

fn write_scenarios(scenarios: &[ScenarioSummary], path: &Path) -> Result<()> {
    let mut file = BufWriter::new(File::create(path).with_context(|| format!("cannot write {}", path.display()))?);
    writeln!(file, "scenario,kind,typology,illicit,accounts,transactions,first,last")?;
    for s in scenarios {
        let (first, last) = match &s.span {
            Some((first, last)) => (first.to_string(), last.to_string()),
            None => (String::new(), String::new()),
        };
        writeln!(
            file,
            "{},{},{},{},{},{},{},{}",
            s.id,
            s.kind,
            s.typology.as_ref().map(Typology::as_str).unwrap_or(""),
            s.illicit,
            s.accounts,
            s.transactions,
            first,
            last
        )?;
    }
    file.flush()?;
    Ok(())
}
