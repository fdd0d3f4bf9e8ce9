//! `tonle score`: decide every transaction of a file with a rule set, one JSON line per transaction; with
//! `--watch-rules`, reload the rule file when it changes, without stopping.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context, Result};
use tonle_core::Transaction;
use tonle_detect::engine::{Engine, EngineError};
use tonle_detect::features::WindowConfig;
use tonle_detect::reload::Reloader;
use tonle_detect::rules::decide::decision_json;
use tonle_detect::rules::decide::Outcome;
use tonle_detect::variables::ROLE_PREFIXES;
use tonle_formats::InputFormat;

use crate::import::{abandon_staged, close, finish_staged, read_in_time_order, staging_path};
use crate::InputArgs;

/// How often `--watch-rules` looks at the rule file's modification time.
const WATCH_EVERY: Duration = Duration::from_millis(500);

/// `tonle score`'s options.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("input_files").required(true).multiple(true).args(["inputs", "files"])))]
pub struct ScoreArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The rule set (TOML), or `default` for the built-in set.
    #[arg(long)]
    rules: PathBuf,
    /// An input file; repeat for more. All inputs are decided in order, the --in files first, then any given
    /// as arguments (for windows to be right, in time order).
    #[arg(long = "in", value_name = "FILE")]
    inputs: Vec<PathBuf>,
    /// More input files, decided after the --in files.
    #[arg(value_name = "FILES")]
    files: Vec<PathBuf>,
    /// Where the decisions go: JSON Lines, one object per transaction, in input order, with
    /// `transaction_id` (the record's own id; for AMLworld and PaySim, whose rows have none, the 1-based data
    /// row number within its file, header not counted), `decision`, `score` (0 to 1, higher is riskier),
    /// `reasons` and `ruleset_version` (the rule set that took the decision).
    #[arg(long, short)]
    out: PathBuf,
    /// Reload the rule file whenever it changes (its modification time is checked every 500 ms), without
    /// stopping: a new set takes over from the next transaction, a file that does not compile is refused and
    /// the running set keeps deciding; both are reported on stderr.
    #[arg(long)]
    watch_rules: bool,
    /// Entity roles to track even if the rules do not read them yet, so that reloaded rules may: a
    /// comma-separated list of debtor, creditor, debtor_party, creditor_party, device, debtor_phone,
    /// creditor_phone, or `all` (each role costs about as much time as another).
    #[arg(long, value_delimiter = ',', value_parser = parse_role, value_name = "ROLES")]
    track_roles: Vec<[bool; 7]>,
    /// A model deciding beside the rules: a tonle model file (JSON, from `tonle train`) or an ONNX model's
    /// mapping file (TOML). Its probability joins the score, `model.score` and `model.anomaly` are filled for
    /// the rules, and a transaction at or above its threshold gets its action with a reason naming the features
    /// that pushed it up most.
    #[arg(long)]
    model: Option<PathBuf>,
    #[command(flatten)]
    screening: crate::screen::ListArgs,
}

impl ScoreArgs {
    /// The inputs in the order they are decided: `--in` files, then the positional ones.
    fn all_files(&self) -> Vec<PathBuf> {
        self.inputs.iter().chain(&self.files).cloned().collect()
    }
}

/// One `--track-roles` entry: a role prefix, or `all`.
fn parse_role(text: &str) -> Result<[bool; 7], String> {
    let text = text.trim();
    if text == "all" {
        return Ok([true; 7]);
    }
    match ROLE_PREFIXES.iter().position(|p| *p == text) {
        Some(index) => Ok(std::array::from_fn(|i| i == index)),
        None => Err(format!("unknown role {text:?} (expected all, or some of: {})", ROLE_PREFIXES.join(", "))),
    }
}

/// The `transaction_id` written for a record: its own id, except for formats whose readers make one up as
/// `<file stem>:<line>` (AMLworld, PaySim; the header is line 1), where it is the 1-based data row number.
pub fn output_id(format: InputFormat, id: &str) -> Cow<'_, str> {
    if matches!(format, InputFormat::AmlWorld | InputFormat::PaySim) {
        if let Some(line) = id.rsplit_once(':').and_then(|(_, line)| line.parse::<u64>().ok()) {
            return Cow::Owned(line.saturating_sub(1).to_string());
        }
    }
    Cow::Borrowed(id)
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

/// Gives the engine the lists of `--list`, if any; refuses rules reading `screen.*` without them.
pub fn screen_parties(engine: &mut Engine, lists: &crate::screen::ListArgs) -> Result<()> {
    if let Some(loaded) = lists.load()? {
        engine.set_screener(loaded.lists, loaded.policy);
    }
    if let Some((rule, variable)) = engine.unscreened_rule() {
        bail!("rule {rule:?} reads `{variable}`, but no lists are screened: give --list");
    }
    Ok(())
}

/// Runs `tonle score`.
pub fn run(args: &ScoreArgs) -> Result<ExitCode> {
    let (text, origin) = load_rules(&args.rules)?;
    if args.watch_rules && args.rules == Path::new("default") && !args.rules.exists() {
        bail!("--watch-rules needs a rule file; the built-in default set never changes");
    }
    let fx = args.input.fx_table()?;
    let roles = args.track_roles.iter().fold([false; 7], |all, one| std::array::from_fn(|i| all[i] || one[i]));
    let tracked = WindowConfig { roles, ..WindowConfig::default() };
    let mut engine = if let Some(path) = &args.model {
        let model = tonle_detect::models::model::Model::load(path)?;
        let served = if args.track_roles.is_empty() {
            Engine::with_model(WindowConfig::default(), &text, &origin, fx, model)
        } else {
            Engine::with_model_and_tracked_roles(tracked, &text, &origin, fx, model)
        };
        served.with_context(|| format!("cannot serve the model {}", path.display()))?
    } else if args.track_roles.is_empty() {
        Engine::new(WindowConfig::default(), &text, &origin, fx)?
    } else {
        Engine::with_tracked_roles(tracked, &text, &origin, fx)?
    };
    screen_parties(&mut engine, &args.screening)?;
    let watcher = match args.watch_rules {
        true => Some(Watcher::start(args.rules.clone(), engine.reloader())),
        false => None,
    };
    let partial = staging_path(&args.out);
    let result = score_into(&mut engine, args, &partial);
    if let Some(watcher) = watcher {
        watcher.stop();
    }
    match result {
        Ok(outcome) => {
            finish_staged(&partial, &args.out)?;
            Ok(close(&outcome, "score"))
        }
        Err(error) => {
            abandon_staged(&partial, &args.out);
            Err(error)
        }
    }
}

fn score_into(engine: &mut Engine, args: &ScoreArgs, path: &Path) -> Result<crate::import::Outcome> {
    let out = BufWriter::new(File::create(path).with_context(|| format!("cannot create {}", path.display()))?);
    let mut scorer = Scorer {
        out,
        decided: [0; 5],
        count: 0,
        versions: vec![engine.ruleset_version().to_owned()],
        format: args.input.format,
        batch: Vec::with_capacity(BATCH),
        skip_refused: args.input.on_error == crate::OnError::Skip,
        refused: Vec::new(),
    };
    let lateness = WindowConfig::default().max_lateness;
    let outcome = read_in_time_order(&args.input, &args.all_files(), lateness, |record| {
        scorer.batch.push(record.tx);
        if scorer.batch.len() == BATCH {
            scorer.flush(engine)?;
        }
        Ok(())
    })?;
    scorer.flush(engine)?;
    scorer.out.flush().with_context(|| format!("cannot write {}", path.display()))?;
    if !scorer.refused.is_empty() {
        if scorer.refused.len() as u64 > crate::import::SHOWN_ERRORS {
            eprintln!(
                "skipped: ... {} more refused (see --errors FILE for all)",
                scorer.refused.len() as u64 - crate::import::SHOWN_ERRORS
            );
        }
        if let Some(errors) = &args.input.errors {
            // After the reader's errors, which read_all has written and closed.
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(errors)
                .with_context(|| format!("cannot write the errors file {}", errors.display()))?;
            for message in &scorer.refused {
                writeln!(file, "{message}").context("cannot write the errors file")?;
            }
        }
        eprintln!("score: {} transactions refused by the engine were skipped", scorer.refused.len());
    }
    let counts: Vec<String> = tonle_core::Decision::ALL
        .iter()
        .zip(scorer.decided)
        .map(|(decision, count)| format!("{decision} {count}"))
        .collect();
    eprintln!(
        "score: {} transactions decided with {}: {}",
        scorer.count,
        scorer.versions.join(", then "),
        counts.join(", ")
    );
    Ok(outcome)
}

/// Transactions decided per [`Engine::decide_batch`] call: enough for the engine to load the next ones'
/// state ahead, few enough to keep little in memory.
pub(crate) const BATCH: usize = 256;

/// Decides the transactions read, a batch at a time, and writes their decisions in input order.
struct Scorer {
    out: BufWriter<File>,
    decided: [u64; 5],
    count: u64,
    /// Every rule-set version that decided, in order.
    versions: Vec<String>,
    format: InputFormat,
    batch: Vec<Transaction>,
    /// `--on-error skip`: a transaction the engine refuses (too late, no exchange rate) is skipped and reported,
    /// and the next ones are decided; otherwise the run stops at it.
    skip_refused: bool,
    /// Why each skipped transaction was refused.
    refused: Vec<String>,
}

impl Scorer {
    /// Decides and writes the batch; stops at the first transaction that cannot be decided, unless refused
    /// transactions are skipped.
    fn flush(&mut self, engine: &mut Engine) -> Result<()> {
        let mut failed: Option<anyhow::Error> = None;
        let batch = std::mem::take(&mut self.batch);
        engine.decide_batch(&batch, |i, result| {
            if failed.is_some() {
                return;
            }
            let tx = &batch[i];
            let outcome = match result {
                Ok(outcome) => outcome,
                Err(error) if self.skip_refused => {
                    // The error and its causes (the missing rate); an exchange-rate error names the transaction.
                    let message = match &error {
                        EngineError::Fx { .. } => format!("{:#}", anyhow::Error::new(error)),
                        _ => format!("transaction {}: {error}", output_id(self.format, tx.id.as_str())),
                    };
                    if self.refused.len() < crate::import::SHOWN_ERRORS as usize {
                        eprintln!("skipped: {message}");
                    }
                    self.refused.push(message);
                    return;
                }
                Err(error @ EngineError::Fx { .. }) => {
                    failed = Some(anyhow::Error::new(error).context("add the missing rate to the --fx file"));
                    return;
                }
                Err(error) => {
                    failed = Some(anyhow::Error::new(error).context(format!(
                        "transaction {} (use --on-error skip to skip the transactions the engine refuses and decide \
                         the rest)",
                        tx.id
                    )));
                    return;
                }
            };
            if let Err(error) = self.write(tx, &outcome) {
                failed = Some(error);
            }
        });
        self.batch = batch;
        self.batch.clear();
        failed.map_or(Ok(()), Err)
    }

    fn write(&mut self, tx: &Transaction, outcome: &Outcome) -> Result<()> {
        self.count += 1;
        self.decided[outcome.decision as usize] += 1;
        let version = &*outcome.ruleset_version;
        // Only a reload changes it; compared per transaction, as the version is short.
        if self.versions.last().map(String::as_str) != Some(version) {
            eprintln!("score: {version} decides from transaction {} ({}) on", self.count, tx.id);
            self.versions.push(version.to_owned());
        }
        let format = self.format;
        let evidence_id = move |id: &str| output_id(format, id).into_owned();
        let line = decision_json(&output_id(self.format, tx.id.as_str()), outcome, version, &evidence_id);
        serde_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }
}

/// `--watch-rules`: a thread that polls the rule file's modification time and publishes each new version
/// through the engine's reloader, reporting reloads and refusals on stderr.
struct Watcher {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Watcher {
    fn start(path: PathBuf, reloader: Reloader) -> Watcher {
        let (stop, stopped) = mpsc::channel();
        // Taken before the thread starts, so that a change made after this call is seen.
        let mut seen = stamp(&path);
        eprintln!("score: watching {} for changes", path.display());
        let thread = std::thread::spawn(move || {
            let origin = path.display().to_string();
            let mut published = reloader.active_version();
            // Wakes every WATCH_EVERY, and at once when told to stop (or when the sender is gone).
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(WATCH_EVERY) {
                let now = stamp(&path);
                if now == seen {
                    continue;
                }
                seen = now;
                let text = match std::fs::read_to_string(&path) {
                    Ok(text) => text,
                    Err(error) => {
                        eprintln!("score: cannot read {origin} ({error}); still deciding with {published}");
                        continue;
                    }
                };
                match reloader.publish(&text, &origin) {
                    Ok(version) if version == published => {}
                    Ok(version) => {
                        eprintln!("score: reloaded {origin}: {version} takes over from the next transaction");
                        published = version;
                    }
                    Err(error) => eprintln!("score: refused {origin}, still deciding with {published}: {error}"),
                }
            }
        });
        Watcher { stop, thread }
    }

    fn stop(self) {
        let _ = self.stop.send(());
        if self.thread.join().is_err() {
            eprintln!("score: the rule watcher stopped with a panic");
        }
    }
}

/// What tells a rule file's versions apart cheaply: its modification time and length (`None` if unreadable).
fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.modified().ok()?, metadata.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_ids_become_data_row_numbers_and_real_ids_stay() {
        assert_eq!(output_id(InputFormat::AmlWorld, "HI-Small_Trans:2"), "1");
        assert_eq!(output_id(InputFormat::PaySim, "PS_20174392719_1491204439457_log:1001"), "1000");
        assert_eq!(output_id(InputFormat::AmlSim, "17"), "17");
        assert_eq!(output_id(InputFormat::Native, "T:0000000001"), "T:0000000001");
        assert_eq!(output_id(InputFormat::Pacs008, "E2E:42"), "E2E:42");
    }

    #[test]
    fn roles_to_track() {
        assert_eq!(parse_role("all"), Ok([true; 7]));
        assert_eq!(parse_role(" device"), Ok([false, false, false, false, true, false, false]));
        assert!(parse_role("phone").unwrap_err().contains("debtor_phone"));
    }
}
