//! End-to-end tests of the `tonle` binary: import with each error policy, the output formats, and stats.

use std::path::Path;
use std::process::{Command, Output};

fn tonle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tonle")).args(args).output().expect("the tonle binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Three good rows and, on line 4, one with a cent fraction USD does not have.
const NATIVE_CSV: &str = "\
id,time,amount,currency,channel,debtor_account,creditor_account,debtor_phone,reference,illicit,typology
t1,2025-03-01T08:15:00.250Z,12.50,USD,khqr,A1,B1,+855-12-345-678,\"rent, March\",false,
t2,2025-03-01T09:15:00.000Z,41000,KHR,khqr,A1,B2,,,true,mule_network
t3,2025-03-01T09:15:00.000Z,1.005,USD,khqr,A1,B2,,,true,
t4,2025-03-02T09:15:00.000Z,7,VND,card,A3,B2,,,,
";

fn write_input(dir: &Path) -> String {
    let path = dir.join("in.csv");
    std::fs::write(&path, NATIVE_CSV).unwrap();
    path.display().to_string()
}

#[test]
fn fail_policy_stops_at_the_bad_row_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path());
    let out = dir.path().join("out.parquet");
    let output = tonle(&["import", &input, "--out", out.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("in.csv:4, field \"amount\""), "{stderr}");
    assert!(stderr.contains("--on-error skip"), "{stderr}");
    assert!(!out.exists());
    assert!(!dir.path().join("out.parquet.partial").exists());
}

#[test]
fn skip_policy_keeps_every_good_row_and_reports_the_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path());
    let errors = dir.path().join("errors.txt");
    for extension in ["parquet", "csv", "jsonl"] {
        let out = dir.path().join(format!("out.{extension}"));
        let output = tonle(&[
            "import",
            &input,
            "--out",
            out.to_str().unwrap(),
            "--on-error",
            "skip",
            "--errors",
            errors.to_str().unwrap(),
            "--json",
        ]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let stderr = text(&output.stderr);
        assert!(stderr.contains("skipped 1 bad records, kept 3 good ones"), "{stderr}");
        let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(summary["rows"], 3);
        let logged = std::fs::read_to_string(&errors).unwrap();
        assert_eq!(logged.lines().count(), 1);
        assert!(logged.contains("in.csv:4"));

        // The written file reads back to the same description.
        let stats = tonle(&["stats", out.to_str().unwrap(), "--json"]);
        assert!(stats.status.success(), "{}", text(&stats.stderr));
        let described: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
        assert_eq!(described, summary, "{extension}");
        assert_eq!(described["accounts"], 4);
        assert_eq!(described["first"], "2025-03-01T08:15:00.250Z");
        assert_eq!(described["currencies"][0]["total"], "41000.00");
        assert_eq!(described["currencies"][1]["total"], "12.50");
        assert_eq!(described["currencies"][2]["total"], "7");
        assert_eq!(described["illicit"], 1);
        assert_eq!(described["typologies"][1]["typology"], "mule-network");
    }
}

#[test]
fn unknown_output_extension_and_missing_input_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path());
    let output = tonle(&["import", &input, "--out", dir.path().join("out.xlsx").to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("unknown output format"), "{}", text(&output.stderr));

    let missing = dir.path().join("missing.csv");
    let output = tonle(&["stats", missing.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("missing.csv") && stderr.contains("cannot read"), "{stderr}");
}

#[test]
fn stats_totals_in_a_base_currency_with_dated_rates() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path());
    let rates = dir.path().join("rates.csv");
    // 2025-02-28 is before every row; the 2025-03-01 rate is the one used. No VND rate at all.
    std::fs::write(&rates, "date,from,to,rate\n2025-02-28,USD,KHR,4000\n2025-03-01,USD,KHR,4100\n").unwrap();
    let output =
        tonle(&["stats", &input, "--on-error", "skip", "--fx", rates.to_str().unwrap(), "--base", "USD", "--json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["in_base"]["currency"], "USD");
    assert_eq!(summary["in_base"]["total"], "22.50"); // 12.50 USD + 41000 KHR at 4100
    assert_eq!(summary["in_base"]["rows"], 2);
    assert_eq!(summary["in_base"]["unconverted"]["VND"], 1);

    std::fs::write(&rates, "date,from,to,rate\n2025-03-01,USD,KHR,four thousand\n").unwrap();
    let output = tonle(&["stats", &input, "--fx", rates.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("rates.csv:2, field \"rate\""), "{stderr}");
}

/// FNV-1a over a file's bytes: a fingerprint that is the same on every machine.
fn fingerprint(path: &Path) -> u64 {
    let bytes = std::fs::read(path).unwrap();
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, b| (hash ^ *b as u64).wrapping_mul(0x0000_0100_0000_01b3))
}

const SIM_FILES: [&str; 5] = ["transactions.csv", "accounts.csv", "scenarios.csv", "fx.csv", "scenario.toml"];

#[test]
fn simulate_is_byte_identical_for_a_seed_and_differs_across_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let runs: Vec<_> = [("a", "5"), ("b", "5"), ("c", "6")]
        .iter()
        .map(|(name, seed)| {
            let out = dir.path().join(name);
            let output = tonle(&["simulate", "--scenario", "tiny", "--seed", seed, "--out", out.to_str().unwrap()]);
            assert!(output.status.success(), "{}", text(&output.stderr));
            let stdout = text(&output.stdout);
            assert!(stdout.contains("pig-butchering") && stdout.contains("transactions"), "{stdout}");
            out
        })
        .collect();
    for file in SIM_FILES {
        assert_eq!(std::fs::read(runs[0].join(file)).unwrap(), std::fs::read(runs[1].join(file)).unwrap(), "{file}");
    }
    assert_ne!(fingerprint(&runs[0].join("transactions.csv")), fingerprint(&runs[2].join("transactions.csv")));
}

/// The tiny preset's output with seed 1, fingerprinted. The simulator uses only integer arithmetic, IEEE
/// basic operations and the pure-Rust libm, so this holds on every machine; a change to the simulator that
/// changes its output must update the value (and say so in its commit).
#[test]
fn simulate_output_is_the_same_on_every_machine() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    let output = tonle(&["simulate", "--scenario", "tiny", "--seed", "1", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let fingerprints: Vec<String> =
        SIM_FILES[..3].iter().map(|f| format!("{f} {:016x}", fingerprint(&out.join(f)))).collect();
    assert_eq!(fingerprints, EXPECTED_FINGERPRINTS, "the tiny preset's output changed");
}

const EXPECTED_FINGERPRINTS: [&str; 3] =
    ["transactions.csv 514961fed61511d6", "accounts.csv 41354be028e2ede9", "scenarios.csv 8d19ad98a425baec"];

#[test]
fn simulate_writes_every_format_and_tonle_reads_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = Vec::new();
    for (format, file, from) in [
        ("native", "transactions.csv", "native"),
        ("jsonl", "transactions.jsonl", "native"),
        ("parquet", "transactions.parquet", "native"),
        ("amlworld", "tiny_Trans.csv", "amlworld"),
    ] {
        let out = dir.path().join(format);
        let output = tonle(&[
            "simulate",
            "--scenario",
            "tiny",
            "--seed",
            "2",
            "--out",
            out.to_str().unwrap(),
            "--format",
            format,
        ]);
        assert!(output.status.success(), "{format}: {}", text(&output.stderr));
        let path = out.join(file);
        let fx = out.join("fx.csv");
        let stats = tonle(&["stats", "--from", from, "--json", "--fx", fx.to_str().unwrap(), path.to_str().unwrap()]);
        assert!(stats.status.success(), "{format}: {}", text(&stats.stderr));
        let summary: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
        let typologies: Vec<&str> =
            summary["typologies"].as_array().unwrap().iter().map(|t| t["typology"].as_str().unwrap()).collect();
        for typology in
            ["pig-butchering", "mule-network", "structuring", "fan-in", "stack", "casino", "dormant-reactivation"]
        {
            assert!(typologies.contains(&typology), "{format}: {typology} in {typologies:?}");
        }
        assert!(summary["in_base"].is_object(), "{format}: the fx file converts every currency: {summary}");
        rows.push(summary["rows"].as_u64().unwrap());
        assert!(out.join("accounts.csv").exists() && out.join("scenarios.csv").exists());
        assert!(!std::fs::read_dir(&out).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".partial")));
    }
    assert!(rows[0] > 100_000 && rows.iter().all(|r| *r == rows[0]), "{rows:?}");
    let accounts = tonle_formats::accounts::read_accounts(&dir.path().join("native/accounts.csv")).unwrap();
    let records: Vec<_> = accounts.collect::<Result<_, _>>().unwrap();
    assert!(records.iter().any(|a| a.role == tonle_core::AccountRole::Mule));
}

#[test]
fn simulate_prints_its_scenario_and_reads_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let output = tonle(&["simulate", "--scenario", "tiny", "--print-scenario"]);
    assert!(output.status.success());
    let file = dir.path().join("mine.toml");
    std::fs::write(&file, &output.stdout).unwrap();
    let a = dir.path().join("preset");
    let b = dir.path().join("file");
    assert!(tonle(&["simulate", "--scenario", "tiny", "--out", a.to_str().unwrap()]).status.success());
    assert!(tonle(&["simulate", "--scenario", file.to_str().unwrap(), "--out", b.to_str().unwrap()]).status.success());
    assert_eq!(std::fs::read(a.join("transactions.csv")).unwrap(), std::fs::read(b.join("transactions.csv")).unwrap());
}

#[test]
fn simulate_names_a_bad_scenario_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "name = \"bad\"\nstart = \"2026-01-01\"\ndays = 10\n[population]\npersons = 1000\nbusinesses = 10\n\
         merchants = 20\n[typologies.structuring]\ncount = 1\nshare_of_threshold = [0.9, 1.5]\n",
    )
    .unwrap();
    let output =
        tonle(&["simulate", "--scenario", file.to_str().unwrap(), "--out", dir.path().join("o").to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("bad.toml") && stderr.contains("typologies.structuring.share_of_threshold"), "{stderr}");
    let output = tonle(&["simulate", "--scenario", "huge", "--out", "x"]);
    assert!(text(&output.stderr).contains("presets: tiny, demo, large"));
}

const SCORE_RULES: &str = r#"name = "cli"

[[rule]]
id = "pass-through"
description = "Most of what came in within ten minutes goes straight out"
typology = "mule-network"
score = 0.5
action = "hold"
expression = 'debtor.in.sum_10m >= 50.0 && debtor.out.sum_10m >= 0.7 * debtor.in.sum_10m && debtor.out.sum_10m <= debtor.in.sum_10m'

[[rule]]
id = "new-device-large"
description = "A large payment from a device the debtor never used"
score = 0.3
action = "step-up"
mode = "shadow"
expression = 'amount > 2000.0 && device.in.count_30d == 0 && device.out.count_30d == 1'
"#;

#[test]
fn score_decides_every_transaction_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    let output = tonle(&["simulate", "--scenario", "tiny", "--seed", "4", "--out", sim.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, SCORE_RULES).unwrap();
    let out = dir.path().join("decisions.jsonl");
    let output = tonle(&[
        "score",
        "--rules",
        rules.to_str().unwrap(),
        "--fx",
        sim.join("fx.csv").to_str().unwrap(),
        sim.join("transactions.csv").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let lines: Vec<serde_json::Value> =
        std::fs::read_to_string(&out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let transactions = std::fs::read_to_string(sim.join("transactions.csv")).unwrap().lines().count() - 1;
    assert_eq!(lines.len(), transactions);
    assert_eq!(lines[0]["transaction_id"], "T0000000001");
    assert!(lines[0]["ruleset_version"].as_str().unwrap().starts_with("cli@"));
    let held: Vec<_> = lines.iter().filter(|l| l["decision"] == "hold").collect();
    assert!(!held.is_empty() && held.len() * 50 < lines.len(), "{} held", held.len());
    let reason = &held[0]["reasons"][0];
    assert_eq!(reason["rule"], "pass-through");
    assert_eq!(reason["typology"], "mule-network");
    assert!(reason["facts"]["debtor.in.sum_10m"].is_string(), "{reason}");
    // A shadow rule is reported but never decides.
    assert!(lines.iter().all(|l| l["decision"] != "step-up"));
    assert!(lines.iter().any(|l| l["reasons"].as_array().unwrap().iter().any(|r| r["shadow"] == true)));

    std::fs::write(&rules, SCORE_RULES.replace("device.in.count_30d", "device.in.cnt_30d")).unwrap();
    let output = tonle(&[
        "score",
        "--rules",
        rules.to_str().unwrap(),
        sim.join("transactions.csv").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("rules.toml:")
            && stderr.contains("\"new-device-large\"")
            && stderr.contains("device.in.count_30d"),
        "{stderr}"
    );
}

#[test]
fn backtest_measures_rules_and_typologies_and_compares_two_sets() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    let output = tonle(&["simulate", "--scenario", "tiny", "--seed", "4", "--out", sim.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let first = dir.path().join("a.toml");
    let second = dir.path().join("b.toml");
    std::fs::write(&first, SCORE_RULES).unwrap();
    std::fs::write(&second, SCORE_RULES.replace("name = \"cli\"", "name = \"cli-b\"").replace(">= 0.7 *", ">= 0.95 *"))
        .unwrap();
    let output = tonle(&[
        "backtest",
        "--rules",
        first.to_str().unwrap(),
        "--rules",
        second.to_str().unwrap(),
        "--fx",
        sim.join("fx.csv").to_str().unwrap(),
        sim.join("transactions.csv").to_str().unwrap(),
        "--json",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let sets = report["rule_sets"].as_array().unwrap();
    assert_eq!(sets.len(), 2);
    assert!(sets[0]["version"].as_str().unwrap().starts_with("cli@"));
    assert!(sets[1]["version"].as_str().unwrap().starts_with("cli-b@"));
    let pass_through = |set: &serde_json::Value| set["rules"][0].clone();
    let (a, b) = (pass_through(&sets[0]), pass_through(&sets[1]));
    assert_eq!(a["rule"], "pass-through");
    assert!(a["alerts"].as_u64().unwrap() > 0 && a["precision"].as_f64().unwrap() > 0.0);
    assert!(b["alerts"].as_u64().unwrap() <= a["alerts"].as_u64().unwrap(), "a stricter rule alerts less");
    let tp = a["true_positives"].as_f64().unwrap();
    assert!((a["precision"].as_f64().unwrap() - tp / a["alerts"].as_f64().unwrap()).abs() < 1e-12);
    assert!((a["recall"].as_f64().unwrap() - tp / report["illicit"].as_f64().unwrap()).abs() < 1e-12);
    let mule =
        sets[0]["typologies"].as_array().unwrap().iter().find(|t| t["typology"] == "mule-network").unwrap().clone();
    assert!(mule["recall"].as_f64().unwrap() > 0.0, "{mule}");
    assert_eq!(sets[0]["rules"][1]["shadow"], true);

    // The text report names each rule set and rule.
    let output = tonle(&[
        "backtest",
        "--rules",
        first.to_str().unwrap(),
        "--fx",
        sim.join("fx.csv").to_str().unwrap(),
        sim.join("transactions.csv").to_str().unwrap(),
    ]);
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("pass-through")
            && stdout.contains("new-device-large (shadow)")
            && stdout.contains("mule-network"),
        "{stdout}"
    );
}
