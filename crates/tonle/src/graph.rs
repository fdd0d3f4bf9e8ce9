//! `tonle graph`: the money-flow graph's detectors in batch over whole files: each transaction where a
//! detector flags, with its counts and evidence, as JSON lines; per detector, how many it flagged, its
//! precision and its recall per typology against the files' labels; and the detectors' speed.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::{json, Map, Value};
use tonle_core::LabelledTransaction;
use tonle_detect::features::WindowConfig;
use tonle_detect::graph::{ip_text, GraphFacts, MoneyGraph, Motif, NewEdge, MOTIFS};
use tonle_detect::rules::ruleset::RuleSet;
use tonle_detect::variables::Variables;

use crate::import::{close, read_in_time_order};
use crate::score::{load_rules, output_id};
use crate::InputArgs;

/// `tonle graph`'s options.
#[derive(clap::Args)]
pub struct GraphArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The rule file whose `[graph]` table sets the windows and thresholds, or `default` (the built-in set's).
    #[arg(long, default_value = "default")]
    rules: PathBuf,
    /// An input file; repeat for more (read in order: for windows to be right, in time order).
    #[arg(long = "in", value_name = "FILE", required = true)]
    inputs: Vec<PathBuf>,
    /// The detectors to run, comma-separated (fan_in, fan_out, gather_scatter, scatter_gather, cycle, chain,
    /// ring, bipartite, stack); all by default.
    #[arg(long, value_delimiter = ',', value_parser = parse_motif)]
    motifs: Vec<Motif>,
    /// The count from which a detector flags a transaction, as `motif=count`; repeat for more. Defaults:
    /// fan_in=5, fan_out=5, gather_scatter=2, scatter_gather=2, cycle=2, chain=2, ring=3, bipartite=3, stack=2.
    #[arg(long = "flag", value_parser = parse_flag, value_name = "MOTIF=COUNT")]
    flags: Vec<(Motif, u32)>,
    /// Where the flagged transactions go: JSON Lines, one object per transaction some detector flags, in
    /// input order: `transaction_id` (written as `tonle score` writes it), `counts` and `evidence` (the
    /// transaction ids each flagging detector found).
    #[arg(long, short)]
    out: Option<PathBuf>,
}

/// The count from which each detector flags by default (slot order of [`Motif::ALL`]).
const DEFAULT_FLAGS: [u32; MOTIFS] = [5, 5, 2, 2, 2, 2, 3, 3, 2];

fn parse_motif(text: &str) -> Result<Motif, String> {
    Motif::ALL.iter().copied().find(|m| m.name() == text.trim()).ok_or_else(|| {
        let names: Vec<&str> = Motif::ALL.iter().map(|m| m.name()).collect();
        format!("unknown detector {text:?} (expected one of: {})", names.join(", "))
    })
}

fn parse_flag(text: &str) -> Result<(Motif, u32), String> {
    let (name, count) = text.split_once('=').ok_or_else(|| format!("{text:?} is not MOTIF=COUNT"))?;
    let count = count.trim().parse::<u32>().map_err(|_| format!("{text:?}: the count is not a whole number"))?;
    if count == 0 {
        return Err(format!("{text:?}: a count of 0 would flag every transaction"));
    }
    Ok((parse_motif(name)?, count))
}

/// Per detector: transactions flagged, of them illicit; per typology, illicit flagged.
#[derive(Default)]
struct Tally {
    flagged: u64,
    illicit: u64,
    typologies: BTreeMap<String, u64>,
}

/// Runs `tonle graph`.
pub fn run(args: &GraphArgs) -> Result<ExitCode> {
    let (text, origin) = load_rules(&args.rules)?;
    let variables = Variables::new(&WindowConfig::default().horizons, 100);
    let config = RuleSet::from_toml(&text, &origin, variables.schema())?.graph;
    let enabled: [bool; MOTIFS] = if args.motifs.is_empty() {
        [true; MOTIFS]
    } else {
        std::array::from_fn(|i| args.motifs.contains(&Motif::ALL[i]))
    };
    let mut flags = DEFAULT_FLAGS;
    for (motif, count) in &args.flags {
        flags[*motif as usize] = *count;
    }
    let fx = args.input.fx_table()?;
    let mut graph = MoneyGraph::new(config, enabled).map_err(anyhow::Error::msg)?;
    let mut facts = GraphFacts::default();
    let mut out = match &args.out {
        Some(path) => Some(Output::create(path)?),
        None => None,
    };
    let mut tallies: Vec<Tally> = (0..MOTIFS).map(|_| Tally::default()).collect();
    let mut illicit_per_typology: BTreeMap<String, u64> = BTreeMap::new();
    let (mut edges, mut labelled, mut illicit) = (0u64, 0u64, 0u64);
    let mut detecting = std::time::Duration::ZERO;
    let mut ip = String::new();
    let mut node_keys: [String; 2] = Default::default();
    let format = args.input.format;
    // A row far ahead of those around it (a mistyped year) would move the graph's clock and expire every
    // edge held, blinding the detectors for the rest of the file: such a row is a bad record instead.
    let read = read_in_time_order(&args.input, &args.inputs, config.horizon, |record: LabelledTransaction| {
        let tx = &record.tx;
        let amount = fx
            .to_base(tx.amount, tx.time.date())
            .with_context(|| format!("transaction {}: add the missing rate to the --fx file", tx.id))?
            .minor();
        let edge = NewEdge::of(tx, amount, ip_text(tx.ip, &mut ip), config.nodes, &mut node_keys);
        let started = Instant::now();
        graph.observe(&edge, &mut facts);
        detecting += started.elapsed();
        edges += 1;
        let label = record.label.as_ref();
        let typology = label.filter(|l| l.illicit).map(|l| l.typology.as_ref().map_or("unknown", |t| t.as_str()));
        if label.is_some() {
            labelled += 1;
        }
        if let Some(typology) = typology {
            illicit += 1;
            *illicit_per_typology.entry(typology.to_owned()).or_default() += 1;
        }
        let flagged: Vec<Motif> =
            Motif::ALL.into_iter().filter(|m| enabled[*m as usize] && facts.value(*m) >= flags[*m as usize]).collect();
        for motif in &flagged {
            let tally = &mut tallies[*motif as usize];
            tally.flagged += 1;
            if let Some(typology) = typology {
                tally.illicit += 1;
                *tally.typologies.entry(typology.to_owned()).or_default() += 1;
            }
        }
        if let (Some(out), false) = (out.as_mut(), flagged.is_empty()) {
            let id = |raw: &str| output_id(format, raw).into_owned();
            let mut counts = Map::new();
            let mut evidence = Map::new();
            for motif in &flagged {
                counts.insert(motif.name().to_owned(), json!(facts.value(*motif)));
                let ids: Vec<String> =
                    facts.evidence(*motif).iter().filter_map(|s| graph.graph().id_of(*s)).map(id).collect();
                evidence.insert(motif.name().to_owned(), json!(ids));
            }
            let line = json!({ "transaction_id": id(tx.id.as_str()), "counts": counts, "evidence": evidence });
            out.write_line(&line)?;
        }
        Ok(())
    });
    let outcome = match read {
        Ok(outcome) => outcome,
        Err(error) => {
            if let Some(out) = out {
                out.abandon();
            }
            return Err(error);
        }
    };
    if let Some(out) = out {
        out.finish()?;
    }
    let seconds = detecting.as_secs_f64();
    eprintln!(
        "graph: {edges} transactions, detectors {:.2} s ({:.0} edges/s on one thread, reading not counted); {} MiB \
         of graph at the end",
        seconds,
        edges as f64 / seconds.max(1e-9),
        graph.memory_bytes() / (1024 * 1024)
    );
    print_tallies(&tallies, &flags, &enabled, &illicit_per_typology, labelled, illicit);
    Ok(close(&outcome, "graph"))
}

fn print_tallies(
    tallies: &[Tally],
    flags: &[u32; MOTIFS],
    enabled: &[bool; MOTIFS],
    illicit_per_typology: &BTreeMap<String, u64>,
    labelled: u64,
    illicit: u64,
) {
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    println!("{:<16} {:>6} {:>9} {:>9} {:>9}", "detector", "flag", "flagged", "precision", "recall");
    for motif in Motif::ALL.iter().filter(|m| enabled[**m as usize]) {
        let t = &tallies[*motif as usize];
        println!(
            "{:<16} {:>6} {:>9} {:>9.3} {:>9.3}",
            motif.name(),
            format!(">={}", flags[*motif as usize]),
            t.flagged,
            ratio(t.illicit, t.flagged),
            ratio(t.illicit, illicit)
        );
    }
    if labelled == 0 || illicit == 0 {
        println!("(no illicit labels: no recall per typology)");
        return;
    }
    println!("recall per typology (illicit transactions of it that the detector flags):");
    let shown: Vec<Motif> = Motif::ALL.into_iter().filter(|m| enabled[*m as usize]).collect();
    let header: Vec<String> = shown.iter().map(|m| format!("{:>8.8}", m.name())).collect();
    println!("{:<22} {:>7} {}", "typology", "illicit", header.join(" "));
    for (typology, count) in illicit_per_typology {
        let cells: Vec<String> = shown
            .iter()
            .map(|m| {
                format!("{:>8.3}", ratio(tallies[*m as usize].typologies.get(typology).copied().unwrap_or(0), *count))
            })
            .collect();
        println!("{typology:<22} {count:>7} {}", cells.join(" "));
    }
}

/// The flagged transactions' file: written through a `.partial` file renamed into place when complete, or
/// directly when the path exists and is not a regular file (`/dev/null`, a named pipe).
struct Output {
    writer: BufWriter<File>,
    written: PathBuf,
    target: PathBuf,
}

impl Output {
    fn create(path: &Path) -> Result<Output> {
        let written = crate::import::staging_path(path);
        let file = File::create(&written).with_context(|| format!("cannot create {}", written.display()))?;
        Ok(Output { writer: BufWriter::new(file), written, target: path.to_owned() })
    }

    fn write_line(&mut self, line: &Value) -> Result<()> {
        serde_json::to_writer(&mut self.writer, line)?;
        self.writer.write_all(b"\n").with_context(|| format!("cannot write {}", self.written.display()))
    }

    fn finish(mut self) -> Result<()> {
        self.writer.flush().with_context(|| format!("cannot write {}", self.written.display()))?;
        crate::import::finish_staged(&self.written, &self.target)
    }

    fn abandon(self) {
        drop(self.writer);
        crate::import::abandon_staged(&self.written, &self.target);
    }
}
