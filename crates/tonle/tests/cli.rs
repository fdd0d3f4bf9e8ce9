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
