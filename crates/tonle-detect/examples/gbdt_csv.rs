//! Trains gradient-boosted trees on a feature table in CSV and judges them on later rows, to compare with
//! LightGBM (`benches/gbdt_vs_lightgbm.py` does the same split with LightGBM).
//!
//! ```text
//! cargo run --release -p tonle-detect --example gbdt_csv -- FILE.csv [--predictions OUT] [param=value ...]
//! ```
//!
//! The file has the header `time_ms,label,typology,<features...>`, one row per transaction in event order;
//! an empty value is missing, `inf` is infinity. Training takes the first 60% of the rows (its last fifth for
//! early stopping), the test the last 40%. Parameters are the fields of `GbdtParams`, e.g. `rounds=1000`,
//! `positive_weight=1` (`positive_weight=auto` for the automatic weight), `max_depth=8`.

use std::io::{BufRead, BufReader, Write};
use std::time::Instant;

use tonle_detect::models::gbdt::{self, GbdtParams};
use tonle_detect::models::Matrix;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().ok_or("usage: gbdt_csv FILE.csv [--predictions OUT] [param=value ...]")?;
    let mut params = GbdtParams::default();
    let mut predictions = None;
    let mut rest = args[1..].iter();
    while let Some(arg) = rest.next() {
        if arg == "--predictions" {
            predictions = Some(rest.next().ok_or("--predictions needs a file")?.clone());
            continue;
        }
        let (key, value) = arg.split_once('=').ok_or(format!("expected param=value, got {arg}"))?;
        set(&mut params, key, value)?;
    }

    let started = Instant::now();
    let (m, labels) = read(path)?;
    eprintln!("read {} rows x {} features in {:.1?}", m.len(), m.width(), started.elapsed());
    let n = m.len();
    let train_end = n * 6 / 10;
    let fit_end = train_end * 8 / 10;
    let index = |r: std::ops::Range<usize>| r.collect::<Vec<_>>();
    let (fit, valid, test) =
        (m.select(&index(0..fit_end)), m.select(&index(fit_end..train_end)), m.select(&index(train_end..n)));
    let (fit_y, valid_y, test_y) = (&labels[..fit_end], &labels[fit_end..train_end], &labels[train_end..]);
    let count = |y: &[bool]| y.iter().filter(|&&p| p).count();
    eprintln!("positives: fit {}, valid {}, test {}", count(fit_y), count(valid_y), count(test_y));

    let (started, cpu_started) = (Instant::now(), cpu_seconds());
    let model = gbdt::train(&fit, fit_y, Some((&valid, valid_y)), &params)?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_started;
    let s = model.summary();
    let scores: Vec<f64> = test.rows().map(|r| model.predict_raw(r)).collect();
    let (ap, f1) = (average_precision(&scores, test_y), best_f1(&scores, test_y));
    println!(
        "tonle gbdt: train {seconds:.2} s ({cpu:.2} s CPU), {} rounds run, {} trees kept, positive weight {:.2}, test PR-AUC {ap:.4}, best F1 {f1:.4}",
        s.rounds_run,
        model.trees(),
        s.positive_weight
    );
    // Serving latency, in CPU time per row over the test rows.
    let cpu_started = cpu_seconds();
    let mut sum = 0.0;
    for row in test.rows() {
        sum += model.predict_raw(row);
    }
    let predict_ns = (cpu_seconds() - cpu_started) / test.len() as f64 * 1e9;
    let mut out = vec![0.0; test.width() + 1];
    let mut scratch = gbdt::ShapScratch::new();
    let explained = test.len().min(20_000);
    let cpu_started = cpu_seconds();
    for row in test.rows().take(explained) {
        model.contributions_with(row, &mut out, &mut scratch);
        sum += out[0];
    }
    let shap_us = (cpu_seconds() - cpu_started) / explained as f64 * 1e6;
    println!(
        "serving: predict_raw {predict_ns:.0} ns/row, contributions {shap_us:.1} us/row (CPU time; checksum {sum:.3})"
    );
    if let Some(out) = predictions {
        let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
        for v in &scores {
            writeln!(w, "{v}")?;
        }
    }
    Ok(())
}

/// User CPU time of this process (Linux; 0 elsewhere): on a shared machine, fairer than the wall clock.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The 14th field, after the command name in parentheses; in clock ticks, 100 a second on Linux.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    after_name.split_whitespace().nth(11).and_then(|t| t.parse::<f64>().ok()).map_or(0.0, |t| t / 100.0)
}

fn set(p: &mut GbdtParams, key: &str, value: &str) -> Result<(), Box<dyn std::error::Error>> {
    match key {
        "rounds" => p.rounds = value.parse()?,
        "learning_rate" => p.learning_rate = value.parse()?,
        "max_leaves" => p.max_leaves = value.parse()?,
        "max_depth" => p.max_depth = if value == "none" { None } else { Some(value.parse()?) },
        "min_child_weight" => p.min_child_weight = value.parse()?,
        "min_samples_leaf" => p.min_samples_leaf = value.parse()?,
        "lambda" => p.lambda = value.parse()?,
        "min_gain" => p.min_gain = value.parse()?,
        "feature_fraction" => p.feature_fraction = value.parse()?,
        "bagging_fraction" => p.bagging_fraction = value.parse()?,
        "positive_weight" => p.positive_weight = if value == "auto" { None } else { Some(value.parse()?) },
        "bins" => p.bins = value.parse()?,
        "early_stopping_rounds" => p.early_stopping_rounds = value.parse()?,
        "seed" => p.seed = value.parse()?,
        _ => return Err(format!("unknown parameter {key}").into()),
    }
    Ok(())
}

/// The features and labels of the CSV file (the first three columns are time, label and typology).
fn read(path: &str) -> Result<(Matrix, Vec<bool>), Box<dyn std::error::Error>> {
    let mut lines = BufReader::new(std::fs::File::open(path)?).lines();
    let header = lines.next().ok_or("empty file")??;
    let width = header.split(',').count().checked_sub(3).ok_or("fewer than 3 columns")?;
    let mut m = Matrix::new(width);
    let mut labels = Vec::new();
    let mut row = Vec::with_capacity(width);
    for line in lines {
        let line = line?;
        let mut cells = line.split(',');
        let label = cells.nth(1).ok_or("short row")?;
        labels.push(matches!(label, "1" | "true" | "True" | "1.0"));
        row.clear();
        row.extend(cells.skip(1).map(|c| if c.is_empty() { f32::NAN } else { c.parse().unwrap_or(f32::NAN) }));
        m.push_row(&row);
    }
    Ok((m, labels))
}

/// Average precision (the area under the precision-recall curve, as scikit-learn computes it).
fn average_precision(scores: &[f64], labels: &[bool]) -> f64 {
    let mut ap = 0.0;
    let mut last_recall = 0.0;
    for (precision, recall) in curve(scores, labels) {
        ap += (recall - last_recall) * precision;
        last_recall = recall;
    }
    ap
}

/// The best F1 over all thresholds.
fn best_f1(scores: &[f64], labels: &[bool]) -> f64 {
    curve(scores, labels).map(|(p, r)| if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 }).fold(0.0, f64::max)
}

/// (precision, recall) at each distinct threshold, from the highest.
fn curve<'a>(scores: &'a [f64], labels: &'a [bool]) -> impl Iterator<Item = (f64, f64)> + 'a {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let positives = labels.iter().filter(|&&y| y).count().max(1) as f64;
    let (mut tp, mut seen) = (0.0, 0.0);
    (0..order.len()).filter_map(move |k| {
        let i = order[k];
        seen += 1.0;
        if labels[i] {
            tp += 1.0;
        }
        let tie_follows = order.get(k + 1).is_some_and(|&j| scores[j] == scores[i]);
        (!tie_follows).then(|| (tp / seen, tp / positives))
    })
}
