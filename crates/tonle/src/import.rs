//! `tonle import` and `tonle stats`: read inputs with a chosen error policy, write native files, describe.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use tonle_core::{EventTime, LabelledTransaction};
use tonle_formats::{
    create_writer, open_reader, read_fx_table, InputFormat, Location, OutputFormat, ReadError, ReadOptions,
};

use crate::progress::Progress;
use crate::spikes::{Passed, TimeSpikes};
use crate::stats::Summary;
use crate::{InputArgs, OnError};

/// Bad records shown on the terminal before the rest are only counted (all go to `--errors`).
pub(crate) const SHOWN_ERRORS: u64 = 20;

/// What reading the inputs came to.
pub struct Outcome {
    /// The description of every good record.
    pub summary: Summary,
    /// Bad records skipped.
    pub skipped: u64,
    /// Files that could not be read to their end (the records before the error were kept).
    pub incomplete: Vec<ReadError>,
}

/// Reads every file in order, handing each good record to `sink`, and applies the error policy.
pub(crate) fn read_all(
    input: &InputArgs,
    files: &[PathBuf],
    sink: impl FnMut(LabelledTransaction) -> Result<()>,
) -> Result<Outcome> {
    read_records(input, files, None, sink)
}

/// [`read_all`] for an engine that folds records in up to `lateness` ms behind its latest event time: a record
/// whose time jumps ahead of the records around it ([`crate::spikes`]) is a bad record under the error policy
/// (its field `time`), not handed on, so that it cannot make every record after it too late.
pub(crate) fn read_in_time_order(
    input: &InputArgs,
    files: &[PathBuf],
    lateness: i64,
    sink: impl FnMut(LabelledTransaction) -> Result<()>,
) -> Result<Outcome> {
    read_records(input, files, Some(TimeSpikes::new(lateness)), sink)
}

/// A record with the index of the file it came from and its 1-based place among that file's records.
type Placed = (LabelledTransaction, usize, u64);

/// The error reporting a record that jumps ahead of those around it.
fn spike_error(files: &[PathBuf], (record, file, number): &Placed, time: i64, latest: i64, next: i64) -> ReadError {
    let text = |t: i64| EventTime::from_millis(t).map_or_else(|_| t.to_string(), |t| t.to_string());
    ReadError::record(
        Location::file(&Arc::from(files[*file].display().to_string())).with_field("time"),
        format!(
            "transaction {} (record {number}): {} is {} ahead of the records before it (latest {}) and of the one \
             after it ({}); decided, it would make every later record too late, so it is taken for a mistake",
            record.tx.id,
            text(time),
            tonle_core::time::span_text(time - latest),
            text(latest),
            text(next)
        ),
    )
}

/// One record read, in the order it is handled.
// Good records are nearly all of them: boxing them to shrink the enum would cost each an allocation.
#[allow(clippy::large_enum_variant)]
enum Step {
    Good(LabelledTransaction),
    Bad(ReadError),
}

impl Step {
    fn of(files: &[PathBuf], passed: Passed<Placed>) -> Step {
        match passed {
            Passed::Record((record, _, _)) => Step::Good(record),
            Passed::Spike { record, time, latest, next } => Step::Bad(spike_error(files, &record, time, latest, next)),
        }
    }
}

fn read_records(
    input: &InputArgs,
    files: &[PathBuf],
    mut spikes: Option<TimeSpikes<Placed>>,
    mut sink: impl FnMut(LabelledTransaction) -> Result<()>,
) -> Result<Outcome> {
    let bytes_read = Arc::new(AtomicU64::new(0));
    let options = ReadOptions { bytes_read: Some(Arc::clone(&bytes_read)), ..input.read_options() };
    let mut errors_out = match &input.errors {
        Some(path) => Some(BufWriter::new(
            File::create(path).with_context(|| format!("cannot create the errors file {}", path.display()))?,
        )),
        None => None,
    };
    let summary = match &input.fx {
        Some(path) => Summary::with_fx(read_fx_table(path, input.base)?),
        None => Summary::default(),
    };
    let mut outcome = Outcome { summary, skipped: 0, incomplete: Vec::new() };
    let mut progress = Progress::start(counted_size(input, files), bytes_read);
    let mut report = |error: &ReadError, outcome: &mut Outcome| -> Result<()> {
        if input.on_error == OnError::Fail && error.fatal {
            bail!("{error}");
        }
        if input.on_error == OnError::Fail {
            bail!("{error}\n(use --on-error skip to skip bad records and keep the good ones)");
        }
        if let Some(out) = errors_out.as_mut() {
            writeln!(out, "{error}").context("cannot write the errors file")?;
        }
        if error.fatal {
            eprintln!("warning: {error}; the rest of this file was not read");
            outcome.incomplete.push(error.clone());
        } else {
            outcome.skipped += 1;
            if outcome.skipped <= SHOWN_ERRORS {
                eprintln!("skipped: {error}");
            }
        }
        Ok(())
    };
    // Every record, good or bad, and every spike is handled here, in input order.
    let mut handle = |steps: &mut Vec<Step>, outcome: &mut Outcome| -> Result<()> {
        for step in steps.drain(..) {
            match step {
                Step::Good(record) => {
                    outcome.summary.add(&record);
                    sink(record)?;
                    progress.tick();
                }
                Step::Bad(error) => report(&error, outcome)?,
            }
        }
        Ok(())
    };
    let mut steps: Vec<Step> = Vec::new();
    let mut passed: Vec<Passed<Placed>> = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let records = match open_reader(input.format, file, &options) {
            Ok(records) => records,
            Err(error) => {
                steps.push(Step::Bad(error));
                handle(&mut steps, &mut outcome)?;
                continue;
            }
        };
        let mut number = 0;
        for record in records {
            number += 1;
            match (record, spikes.as_mut()) {
                (Ok(record), None) => steps.push(Step::Good(record)),
                (Ok(record), Some(spikes)) => {
                    let time = record.tx.time.millis();
                    spikes.push((record, index, number), time, &mut passed);
                    steps.extend(passed.drain(..).map(|passed| Step::of(files, passed)));
                }
                (Err(error), _) => steps.push(Step::Bad(error)),
            }
            handle(&mut steps, &mut outcome)?;
        }
    }
    if let Some(spikes) = spikes.as_mut() {
        spikes.finish(&mut passed);
        steps.extend(passed.drain(..).map(|passed| Step::of(files, passed)));
        handle(&mut steps, &mut outcome)?;
    }
    progress.finish();
    if let Some(mut out) = errors_out {
        out.flush().context("cannot write the errors file")?;
    }
    if outcome.skipped > SHOWN_ERRORS {
        eprintln!("skipped: ... {} more (see --errors FILE for all)", outcome.skipped - SHOWN_ERRORS);
    }
    Ok(outcome)
}

/// The bytes of input the readers will count, when known: Parquet files are read by pages, not counted.
fn counted_size(input: &InputArgs, files: &[PathBuf]) -> Option<u64> {
    let parquet = |file: &PathBuf| file.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    if input.format == InputFormat::Native && files.iter().any(parquet) {
        return None;
    }
    Some(files.iter().filter_map(|file| std::fs::metadata(file).ok()).map(|m| m.len()).sum())
}

/// The exit code and closing lines for an outcome.
pub(crate) fn close(outcome: &Outcome, what: &str) -> ExitCode {
    if outcome.skipped > 0 {
        eprintln!("{what}: skipped {} bad records, kept {} good ones", outcome.skipped, outcome.summary.rows());
    }
    if outcome.incomplete.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "{what}: {} input(s) could not be read to the end; the records before the error were kept",
            outcome.incomplete.len()
        );
        ExitCode::FAILURE
    }
}

/// A sibling path for the output while it is written, renamed into place only when complete.
pub(crate) fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

/// Where to write `out` while it is written: a `.partial` sibling renamed into place when complete, or `out`
/// itself when it exists and is not a regular file (`/dev/null`, a named pipe), which must never be replaced.
pub(crate) fn staging_path(out: &Path) -> PathBuf {
    if std::fs::metadata(out).is_ok_and(|m| !m.is_file()) {
        out.to_owned()
    } else {
        partial_path(out)
    }
}

/// Moves the finished output from where it was staged (see [`staging_path`]) to `out`.
pub(crate) fn finish_staged(staged: &Path, out: &Path) -> Result<()> {
    if staged != out {
        std::fs::rename(staged, out)
            .with_context(|| format!("cannot move the finished output to {}", out.display()))?;
    }
    Ok(())
}

/// Removes a staged output after a failure (never `out` itself, which was not a regular file).
pub(crate) fn abandon_staged(staged: &Path, out: &Path) {
    if staged != out {
        let _ = std::fs::remove_file(staged);
    }
}

/// Reads the inputs into one native file, as `tonle import` does; `after_each` runs after each record is
/// written (the benchmark times with it). The output appears under its name only when complete.
pub fn import_files(input: &InputArgs, files: &[PathBuf], out: &Path, mut after_each: impl FnMut()) -> Result<Outcome> {
    let partial = staging_path(out);
    let format = OutputFormat::from_path(out)?;
    let mut writer = create_writer(&partial, format)?;
    let outcome = read_all(input, files, |record| {
        writer.write(&record)?;
        after_each();
        Ok(())
    });
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            drop(writer);
            abandon_staged(&partial, out);
            return Err(error);
        }
    };
    writer.finish()?;
    finish_staged(&partial, out)?;
    Ok(outcome)
}

/// `tonle import`.
pub fn run_import(input: &InputArgs, files: &[PathBuf], out: &Path, json: bool) -> Result<ExitCode> {
    let started = Instant::now();
    let outcome = import_files(input, files, out, || {})?;
    let seconds = started.elapsed().as_secs_f64();
    let rows = outcome.summary.rows();
    eprintln!(
        "imported {rows} rows from {} file(s) into {} in {seconds:.2} s ({:.0} rows/s)",
        files.len(),
        out.display(),
        rows as f64 / seconds.max(1e-9)
    );
    print_summary(&outcome.summary, json);
    Ok(close(&outcome, "import"))
}

/// `tonle stats`.
pub fn run_stats(input: &InputArgs, files: &[PathBuf], json: bool) -> Result<ExitCode> {
    let outcome = read_all(input, files, |_| Ok(()))?;
    print_summary(&outcome.summary, json);
    Ok(close(&outcome, "stats"))
}

fn print_summary(summary: &Summary, json: bool) {
    if json {
        println!("{}", summary.to_json());
    } else {
        print!("{}", summary.to_table());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_staged_beside_them_unless_they_are_not_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out.csv");
        assert_eq!(staging_path(&file), dir.path().join("out.csv.partial"), "a new file");
        std::fs::write(&file, "old").unwrap();
        assert_eq!(staging_path(&file), dir.path().join("out.csv.partial"), "an existing regular file");
        // A directory stands for /dev/null or a named pipe: it exists and is not a regular file.
        assert_eq!(staging_path(dir.path()), dir.path());
        finish_staged(dir.path(), dir.path()).unwrap();
        abandon_staged(dir.path(), dir.path());
        assert!(dir.path().is_dir(), "never removed nor replaced");
    }
}
