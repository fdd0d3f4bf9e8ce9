//! `tonle score` and `tonle backtest` command lines: `--in` files, AMLworld row numbers as transaction ids, the
//! rule-set version on every line, and `--watch-rules` reloading the rule file mid-stream.

use std::path::Path;
use std::process::{Command, Output};

fn tonle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tonle")).args(args).output().expect("the tonle binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn decisions(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

const AMLWORLD_HEADER: &str = "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,\
                               Amount Paid,Payment Currency,Payment Format,Is Laundering";

fn amlworld_row(minute: u32, amount: &str, laundering: u8) -> String {
    format!("2022/09/01 00:{minute:02},010,A1,020,B1,{amount},US Dollar,{amount},US Dollar,ACH,{laundering}")
}

/// Every payment fires, with its amount among the facts, so each output line says which row it was.
const EVERY_PAYMENT: &str = r#"name = "every"

[[rule]]
id = "any"
description = "Any payment"
score = 0.5
action = "review"
expression = 'amount > 0.0'
"#;

#[test]
fn score_reads_in_files_first_and_numbers_amlworld_rows() {
    let dir = tempfile::tempdir().unwrap();
    // Data row 3 of the first file is bad and skipped: the row numbers are the file's, not a count.
    let first = dir.path().join("First_Trans.csv");
    let rows = [amlworld_row(1, "101.00", 0), amlworld_row(2, "102.00", 1), "2022/09/01 00:03,bad".to_owned()];
    std::fs::write(&first, format!("{AMLWORLD_HEADER}\n{}\n{}\n", rows.join("\n"), amlworld_row(4, "104.00", 0)))
        .unwrap();
    let second = dir.path().join("Second_Trans.csv");
    std::fs::write(
        &second,
        format!("{AMLWORLD_HEADER}\n{}\n{}\n", amlworld_row(5, "201.00", 0), amlworld_row(6, "202.00", 1)),
    )
    .unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, EVERY_PAYMENT).unwrap();
    let out = dir.path().join("decisions.jsonl");
    // The positional file comes first on the command line, but the --in files are decided first.
    let output = tonle(&[
        "score",
        second.to_str().unwrap(),
        "--from",
        "amlworld",
        "--on-error",
        "skip",
        "--rules",
        rules.to_str().unwrap(),
        "--in",
        first.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let lines = decisions(&out);
    let got: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l["transaction_id"].as_str().unwrap(), l["reasons"][0]["facts"]["amount"].as_str().unwrap()))
        .collect();
    assert_eq!(got, [("1", "101"), ("2", "102"), ("4", "104"), ("1", "201"), ("2", "202")]);
    let version = lines[0]["ruleset_version"].as_str().unwrap();
    assert!(version.starts_with("every@"), "{version}");
    assert!(lines.iter().all(|l| l["ruleset_version"] == version && l["decision"] == "review"));

    // Only --in files, and backtest takes them too.
    let output = tonle(&[
        "score",
        "--from",
        "amlworld",
        "--rules",
        rules.to_str().unwrap(),
        "--in",
        second.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let ids: Vec<String> = decisions(&out).iter().map(|l| l["transaction_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, ["1", "2"]);
    let output = tonle(&[
        "backtest",
        "--from",
        "amlworld",
        "--rules",
        rules.to_str().unwrap(),
        "--in",
        second.to_str().unwrap(),
        "--in",
        second.to_str().unwrap(),
        "--json",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!((report["transactions"].as_u64(), report["illicit"].as_u64()), (Some(4), Some(2)));

    // Unlabelled transactions are decided for their history, not counted: the third payment within a day is
    // the only labelled one, and a rule on the day's count catches it.
    let partly = dir.path().join("partly.csv");
    std::fs::write(
        &partly,
        "id,time,amount,currency,debtor_account,creditor_account,illicit\n\
         u1,2026-01-05T01:00:00Z,10.00,USD,A,B,\n\
         u2,2026-01-05T02:00:00Z,10.00,USD,A,C,\n\
         l3,2026-01-05T03:00:00Z,10.00,USD,A,D,true\n",
    )
    .unwrap();
    let third = dir.path().join("third.toml");
    std::fs::write(&third, EVERY_PAYMENT.replace("amount > 0.0", "debtor.out.count_24h >= 3")).unwrap();
    let output = tonle(&["backtest", "--rules", third.to_str().unwrap(), "--in", partly.to_str().unwrap(), "--json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!((report["transactions"].as_u64(), report["unlabelled"].as_u64()), (Some(1), Some(2)));
    let set = &report["rule_sets"][0];
    assert_eq!(set["alerts"].as_u64(), Some(1), "{set}");
    assert_eq!(set["recall"].as_f64(), Some(1.0), "{set}");

    // A transaction later than the engine's bound stops the run, with the way out named; with --on-error skip it
    // is skipped and reported (on stderr and in the --errors file) and the rest are decided.
    let late = dir.path().join("late.csv");
    std::fs::write(
        &late,
        "id,time,amount,currency,debtor_account,creditor_account\n\
         t1,2026-01-05T10:00:00Z,10.00,USD,A,B\n\
         t2,2026-01-05T12:00:00Z,10.00,USD,A,C\n\
         t3,2026-01-05T09:00:00Z,10.00,USD,A,D\n\
         t4,2026-01-05T12:30:00Z,10.00,USD,A,E\n",
    )
    .unwrap();
    let late_in = late.to_str().unwrap();
    let output = tonle(&["score", "--rules", rules.to_str().unwrap(), "--in", late_in, "--out", out.to_str().unwrap()]);
    let stderr = text(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("transaction t3") && stderr.contains("--on-error skip"),
        "{stderr}"
    );
    // A backtest decides in batches too: the refusal stops it, named.
    let output = tonle(&["backtest", "--rules", rules.to_str().unwrap(), "--in", late_in]);
    let stderr = text(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("transaction t3 with") && stderr.contains("behind"),
        "{stderr}"
    );
    let errors = dir.path().join("errors.txt");
    let output = tonle(&[
        "score",
        "--rules",
        rules.to_str().unwrap(),
        "--in",
        late_in,
        "--on-error",
        "skip",
        "--errors",
        errors.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let ids: Vec<String> = decisions(&out).iter().map(|l| l["transaction_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, ["t1", "t2", "t4"]);
    assert!(stderr.contains("skipped: transaction t3:") && stderr.contains("1 transactions refused"), "{stderr}");
    let logged = std::fs::read_to_string(&errors).unwrap();
    assert!(logged.lines().count() == 1 && logged.starts_with("transaction t3:"), "{logged}");

    // A time far ahead of the rows around it (a mistyped year) would make every later row too late: it is the
    // row reported, under the error policy, and the rows after it are decided.
    let ahead = dir.path().join("ahead.csv");
    std::fs::write(
        &ahead,
        "id,time,amount,currency,debtor_account,creditor_account\n\
         t1,2026-01-05T10:00:00Z,10.00,USD,A,B\n\
         t2,2062-01-05T10:01:00Z,10.00,USD,A,C\n\
         t3,2026-01-05T10:02:00Z,10.00,USD,A,D\n\
         t4,2026-01-05T10:03:00Z,10.00,USD,A,E\n",
    )
    .unwrap();
    let ahead_in = ahead.to_str().unwrap();
    let output =
        tonle(&["score", "--rules", rules.to_str().unwrap(), "--in", ahead_in, "--out", out.to_str().unwrap()]);
    let stderr = text(&output.stderr);
    assert!(
        !output.status.success()
            && stderr.contains("field \"time\": transaction t2 (record 2): 2062-01-05T10:01:00")
            && stderr.contains("--on-error skip"),
        "{stderr}"
    );
    let output = tonle(&[
        "score",
        "--rules",
        rules.to_str().unwrap(),
        "--in",
        ahead_in,
        "--on-error",
        "skip",
        "--errors",
        errors.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let ids: Vec<String> = decisions(&out).iter().map(|l| l["transaction_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, ["t1", "t3", "t4"]);
    let logged = std::fs::read_to_string(&errors).unwrap();
    assert!(logged.lines().count() == 1 && logged.contains("transaction t2 (record 2)"), "{logged}");
    let output = tonle(&["backtest", "--rules", rules.to_str().unwrap(), "--in", ahead_in]);
    assert!(!output.status.success() && text(&output.stderr).contains("transaction t2 (record 2)"));

    // No input at all, an unknown role, and watching the built-in set are clear errors.
    let output = tonle(&["score", "--rules", "default", "--out", out.to_str().unwrap()]);
    assert!(!output.status.success() && text(&output.stderr).contains("--in <FILE>|FILES"), "{}", text(&output.stderr));
    let output = tonle(&["backtest", "--rules", "default"]);
    assert!(!output.status.success() && text(&output.stderr).contains("--in <FILE>|FILES"));
    let output = tonle(&["score", "--rules", "default", "--track-roles", "devices", "--in", "x.csv", "--out", "o"]);
    assert!(text(&output.stderr).contains("unknown role \"devices\""), "{}", text(&output.stderr));
    let output =
        tonle(&["score", "--rules", "default", "--watch-rules", "--in", second.to_str().unwrap(), "--out", "o.jsonl"]);
    assert!(!output.status.success() && text(&output.stderr).contains("--watch-rules needs a rule file"));
}

/// `--watch-rules` with the input arriving through a FIFO, so that the rule file changes while the stream is
/// being decided: every waiting step is on a line tonle prints or on the FIFO, with a timeout, never a sleep.
#[cfg(unix)]
#[test]
fn watch_rules_reloads_the_rule_file_mid_stream() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    use std::sync::mpsc;
    use std::time::Duration;

    const TIMEOUT: Duration = Duration::from_secs(60);
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    // Written whole under another name and renamed, as editors do, so the watcher never reads half a file.
    let put_rules = |text: &str| {
        let temporary = dir.path().join("rules.toml.new");
        std::fs::write(&temporary, text).unwrap();
        std::fs::rename(&temporary, &rules).unwrap();
    };
    let rules_a = EVERY_PAYMENT.replace("amount > 0.0", "amount > 100.0");
    let bad = rules_a.replace("amount > 100.0", "amount > 100.0 && amuont > 1.0");
    let party = rules_a.replace("amount > 100.0", "debtor_party.out.count_1h >= 10");
    let rules_b = rules_a
        .replace("name = \"every\"", "name = \"b\"")
        .replace("amount > 100.0", "amount > 100.0 && device.out.count_1h >= 2");
    // The watcher tells versions apart by modification time and length; lengths alone suffice here.
    let lengths: std::collections::BTreeSet<usize> =
        [&rules_a, &bad, &party, &rules_b].iter().map(|t| t.len()).collect();
    assert_eq!(lengths.len(), 4);
    put_rules(&rules_a);
    let fifo = dir.path().join("in.csv");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let out = dir.path().join("decisions.jsonl");

    let mut child = Command::new(env!("CARGO_BIN_EXE_tonle"))
        .args(["score", "--watch-rules", "--track-roles", "device", "--rules"])
        .arg(&rules)
        .arg("--in")
        .arg(&fifo)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tonle starts");
    let stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
    let (line_sender, lines) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        for line in stderr.lines().map_while(Result::ok) {
            all.push(line.clone());
            let _ = line_sender.send(line);
        }
        all
    });
    // The next stderr line holding every one of `parts`; others are skipped.
    let expect = |parts: &[&str]| -> String {
        loop {
            let line = lines.recv_timeout(TIMEOUT).unwrap_or_else(|_| panic!("no stderr line with {parts:?}"));
            if parts.iter().all(|p| line.contains(p)) {
                return line;
            }
        }
    };
    expect(&["watching", "rules.toml"]);
    // Opening a FIFO for writing waits for the reader; in a thread, so a dead reader fails the test.
    let (opened, open) = mpsc::channel();
    let path = fifo.clone();
    std::thread::spawn(move || {
        let _ = opened.send(std::fs::OpenOptions::new().write(true).open(path));
    });
    let mut input = open.recv_timeout(TIMEOUT).expect("tonle opens its input").unwrap();
    let row = |i: u32| format!("t{i},2025-03-01T08:{i:02}:00Z,150,USD,khqr,A{i},B1,D1\n");
    let mut first_half = "id,time,amount,currency,channel,debtor_account,creditor_account,device\n".to_owned();
    first_half.extend((1..=20).map(row));
    input.write_all(first_half.as_bytes()).unwrap();
    input.flush().unwrap();

    put_rules(&bad);
    let refused = expect(&["refused", "rules.toml"]);
    assert!(refused.contains("still deciding with every@") && refused.contains("amuont"), "{refused}");
    put_rules(&party);
    let refused = expect(&["refused"]);
    assert!(refused.contains("rule \"any\"") && refused.contains("these roles: debtor_party, creditor_party"));
    put_rules(&rules_b);
    let reloaded = expect(&["reloaded", "rules.toml"]);
    assert!(reloaded.contains("b@"), "{reloaded}");
    // Every row written from here on is decided after the reload was published.
    let second_half: String = (21..=40).map(row).collect();
    input.write_all(second_half.as_bytes()).unwrap();
    drop(input);

    let (exited, exit) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = exited.send(child.wait());
    });
    let status = exit.recv_timeout(TIMEOUT).expect("tonle finishes").unwrap();
    let stderr = reader.join().unwrap().join("\n");
    assert!(status.success(), "{stderr}");

    let lines = decisions(&out);
    let ids: Vec<&str> = lines.iter().map(|l| l["transaction_id"].as_str().unwrap()).collect();
    let expected: Vec<String> = (1..=40).map(|i| format!("t{i}")).collect();
    assert_eq!(ids, expected, "every transaction once, in input order");
    let versions: Vec<&str> = lines.iter().map(|l| l["ruleset_version"].as_str().unwrap()).collect();
    // One switch, from the first set to b, never back; at the latest with the first row written after it.
    let switch = versions.iter().position(|v| v.starts_with("b@")).expect("b decided");
    assert!(switch <= 20, "{versions:?}");
    assert!(
        versions[..switch].iter().all(|v| v.starts_with("every@"))
            && versions[switch..].iter().all(|v| v.starts_with("b@"))
    );
    assert!(
        stderr.contains(&format!("{} decides from transaction {} (t{})", versions[switch], switch + 1, switch + 1)),
        "{stderr}"
    );
    // b reads the device's history, which the engine kept from the start because of --track-roles.
    let last = &lines[39]["reasons"][0]["facts"];
    assert_eq!(last["device.out.count_1h"], "40", "{last}");
}

#[test]
fn bench_score_reports_every_run_and_their_median() {
    let out = tonle(&["bench", "score", "--scenario", "tiny", "--runs", "2"]);
    let printed = text(&out.stdout);
    assert!(out.status.success(), "{printed}{}", text(&out.stderr));
    // Both ways decided every transaction alike (the bench refuses otherwise), twice each.
    assert!(printed.contains("bench score: scenario"), "{printed}");
    assert_eq!(printed.matches("the median of 2 runs").count(), 2, "{printed}");
    assert!(printed.contains("per-transaction latency  p50") && printed.contains("per-batch latency"), "{printed}");
    let refused = tonle(&["bench", "score", "--scenario", "tiny", "--runs", "0"]);
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("--runs"), "{}", text(&refused.stderr));
}
