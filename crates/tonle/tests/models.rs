//! End-to-end tests of the model commands on a simulated file: `tonle train` (deterministic for a seed, its
//! own validation part by time), `tonle evaluate` on the part training left out, `tonle score --model` with
//! the model's reasons, `tonle features`, and the refusals (a model served with other graph parameters, a
//! damaged model file).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn tonle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tonle")).args(args).output().expect("the tonle binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A short feature list, so that the debug build trains in seconds.
const FEATURES: &str = "\
# transaction fields
amount
channel=khqr
channel=crypto-off-ramp
cross_border
# the accounts' windows
debtor.out.count_24h
debtor.out.distinct_24h
debtor.in.sum_24h
debtor.since_last
debtor.age
creditor.in.count_1h
creditor.in.distinct_24h
creditor.in.new_counterparties_24h
creditor.out.sum_1h
# the graph
graph.fan_in
graph.chain
graph.ring
";

/// Simulates the tiny preset and writes the feature list; returns (dir, transactions, fx, features).
fn setup() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    let output = tonle(&["simulate", "--scenario", "tiny", "--seed", "3", "--out", path(&sim)]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let features = dir.path().join("features.txt");
    std::fs::write(&features, FEATURES).unwrap();
    (dir, sim.join("transactions.csv"), sim.join("fx.csv"), features)
}

fn train(transactions: &Path, fx: &Path, features: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "train",
        "--in",
        path(transactions),
        "--fx",
        path(fx),
        "--features",
        path(features),
        "--until",
        "0.6",
        "--rounds",
        "40",
        "--out",
        path(out),
    ];
    args.extend_from_slice(extra);
    tonle(&args)
}

#[test]
fn train_evaluate_and_score_with_a_model() {
    let (dir, transactions, fx, features) = setup();
    let model = dir.path().join("model.json");
    let output = train(&transactions, &fx, &features, &model, &["--name", "mules"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report = text(&output.stdout);
    assert!(report.contains("validation") && report.contains("PR-AUC"), "{report}");
    // Without --learning-rate or --max-leaves, two tree shapes are tried and the validation part picks one.
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let tried = saved["training"]["shapes_tried"].as_array().unwrap();
    assert_eq!(tried.len(), 2, "{tried:?}");
    let kept: Vec<&Value> = tried.iter().filter(|s| s["kept"] == Value::Bool(true)).collect();
    assert_eq!(kept.len(), 1, "{tried:?}");
    assert_eq!(kept[0]["learning_rate"], saved["training"]["params"]["learning_rate"]);
    assert_eq!(kept[0]["max_leaves"], saved["training"]["params"]["max_leaves"]);
    let log = text(&output.stderr);
    assert!(log.contains("learning rate 0.15, 15 leaves") && log.contains("learning rate 0.05, 31 leaves"), "{log}");

    // The same data and seed give the same model, byte for byte.
    let again = dir.path().join("again.json");
    let output = train(&transactions, &fx, &features, &again, &["--name", "mules"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let (first, second) = (std::fs::read_to_string(&model).unwrap(), std::fs::read_to_string(&again).unwrap());
    let same = first.len() == second.len() && first == second;
    assert!(
        same,
        "training is deterministic: the files differ from byte {:?}",
        first.bytes().zip(second.bytes()).position(|(a, b)| a != b)
    );

    // Judged on the 40% training never saw.
    let output = tonle(&[
        "evaluate",
        "--model",
        path(&model),
        "--in",
        path(&transactions),
        "--fx",
        path(&fx),
        "--after",
        "0.6",
        "--json",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let measured: Value = serde_json::from_str(&text(&output.stdout)).unwrap();
    let pr_auc = measured["pr_auc"].as_f64().unwrap();
    assert!(pr_auc > 0.3, "PR-AUC {pr_auc} on unseen data: {measured}");
    let at = &measured["at_threshold"];
    let flagged = at["true_positives"].as_u64().unwrap() + at["false_positives"].as_u64().unwrap();
    assert!(flagged > 0, "the threshold flags something: {measured}");
    assert!(measured["budgets"].as_array().unwrap().len() == 4);
    assert!(measured["typologies"].as_object().unwrap().len() >= 3, "{measured}");
    let engine_recall = measured["engine"]["recall"].as_f64().unwrap();
    assert!(engine_recall >= at["recall"].as_f64().unwrap(), "rules and model together catch at least the model's");

    // Scoring with the model: flagged transactions carry the model's reason with its top features.
    let decisions = dir.path().join("decisions.jsonl");
    let output = tonle(&[
        "score",
        "--rules",
        "default",
        "--model",
        path(&model),
        "--in",
        path(&transactions),
        "--fx",
        path(&fx),
        "--out",
        path(&decisions),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let text_out = std::fs::read_to_string(&decisions).unwrap();
    let reason = text_out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .flat_map(|d| d["reasons"].as_array().cloned().unwrap_or_default())
        .find(|r| r["rule"] == "model:mules")
        .expect("some transaction is flagged by the model");
    let facts = reason["facts"].as_object().unwrap();
    assert!(facts.contains_key("model.score"), "{reason}");
    assert!(facts.len() >= 2, "the reason names the features behind the score: {reason}");
    let named = facts.keys().filter(|k| *k != "model.score").all(|k| FEATURES.lines().any(|f| f == k));
    assert!(named, "facts are model features: {reason}");
}

#[test]
fn a_model_is_refused_with_other_graph_parameters_or_a_damaged_file() {
    let (dir, transactions, fx, features) = setup();
    let model = dir.path().join("m.json");
    let output = train(&transactions, &fx, &features, &model, &["--no-anomaly"]);
    assert!(output.status.success(), "{}", text(&output.stderr));

    let rules = dir.path().join("rules.toml");
    let default_rules = "name = \"other-graph\"\n\n[graph]\nchain_hop = \"3h\"\n\n[[rule]]\nid = \"big\"\n\
                         description = \"d\"\nscore = 0.5\naction = \"review\"\nexpression = \"amount > 10000.0\"\n";
    std::fs::write(&rules, default_rules).unwrap();
    let evaluate = |model: &Path, rules: &str| {
        tonle(&["evaluate", "--model", path(model), "--rules", rules, "--in", path(&transactions), "--fx", path(&fx)])
    };
    let output = evaluate(&model, path(&rules));
    assert!(!output.status.success());
    let error = text(&output.stderr);
    assert!(error.contains("graph parameters") && error.contains("differs from this engine's"), "{error}");

    let damaged = dir.path().join("damaged.json");
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();
    let output = evaluate(&damaged, "default");
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("is not a tonle model file"), "{}", text(&output.stderr));

    let other_format = dir.path().join("future.json");
    let future = String::from_utf8(bytes).unwrap().replacen("tonle-model/1", "tonle-model/9", 1);
    std::fs::write(&other_format, future).unwrap();
    let output = evaluate(&other_format, "default");
    assert!(text(&output.stderr).contains("model format \"tonle-model/9\""), "{}", text(&output.stderr));

    // A fraction outside (0, 1) is refused before the file is read.
    let output = train(&transactions, &fx, &features, &model, &["--validation", "1.5"]);
    assert!(text(&output.stderr).contains("--validation 1.5 is not a fraction"), "{}", text(&output.stderr));
    let output = tonle(&["evaluate", "--model", path(&model), "--in", path(&transactions), "--after", "0"]);
    assert!(text(&output.stderr).contains("--after 0 is not a fraction"), "{}", text(&output.stderr));

    // The feature table for training elsewhere: a header and one row per labelled transaction.
    let table = dir.path().join("features.csv");
    let output = tonle(&[
        "features",
        "--in",
        path(&transactions),
        "--fx",
        path(&fx),
        "--features",
        path(&features),
        "--out",
        path(&table),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let table = std::fs::read_to_string(&table).unwrap();
    let header: Vec<&str> = table.lines().next().unwrap().split(',').collect();
    assert_eq!(&header[..4], ["time_ms", "label", "typology", "amount"]);
    assert_eq!(header.len(), 3 + FEATURES.lines().filter(|l| !l.starts_with('#')).count());
    let rows = std::fs::read_to_string(&transactions).unwrap().lines().count() - 1;
    assert_eq!(table.lines().count() - 1, rows);
}
