//! `tonle serve` as a process: killed with SIGKILL in the middle of a stream of transactions, it comes back
//! from its latest snapshot and the log after it with every answered transaction logged with the decision it
//! was given, nothing doubled, the engine's windows as they were, the freeze still in force, alerts and cases
//! intact and the audit chain whole. Stopped with SIGTERM, it takes a snapshot and replays nothing at the
//! next start.
//! Also `tonle keys`, `tonle audit verify` and `tonle demo`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

const RULES: &str = r#"name = "crash-test"

[[rule]]
id = "busy"
description = "Three or more payments out of the account within the hour"
score = 0.6
action = "review"
expression = 'debtor.out.count_1h >= 3'
"#;

fn tonle(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tonle")).args(args).output().expect("the tonle binary runs")
}

fn key(data: &Path, user: &str, role: &str) -> String {
    let out = tonle(&[
        "keys",
        "create",
        "--data",
        data.to_str().expect("utf-8"),
        "--tenant",
        "bank",
        "--user",
        user,
        "--role",
        role,
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8").trim().to_owned()
}

/// Starts `tonle serve` on a free port, with a snapshot every 200 transactions (and `extra` options); returns
/// the process, its base URL once it listens, and what it printed before.
fn serve(data: &Path, rules: &Path, extra: &[&str]) -> (Child, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tonle"))
        .args(["serve", "--data", data.to_str().expect("utf-8"), "--listen", "127.0.0.1:0", "--rules"])
        .arg(rules)
        .args(["--snapshot-every", "200"])
        .args(extra)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("tonle serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut said = String::new();
    let base = loop {
        let line = lines.next().expect("tonle serve says where it listens").expect("a line");
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().expect("an address").to_owned();
        }
        said.push_str(&line);
        said.push('\n');
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, base, said)
}

/// How many log entries a start replayed after the snapshot it restored (None: it restored none).
fn replayed_after_snapshot(said: &str) -> Option<u64> {
    let rest = said.split("restored the snapshot through log entry ").nth(1)?;
    rest.split(" and replayed ").nth(1)?.split_whitespace().next()?.parse().ok()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

fn call(base: &str, key: &str, method: &str, path: &str, body: Option<Value>) -> Result<(u16, Value), ureq::Error> {
    let agent = agent();
    let url = format!("{base}{path}");
    let auth = format!("Bearer {key}");
    let mut response = match body {
        None => agent.get(&url).header("authorization", &auth).call()?,
        Some(body) => {
            let request = if method == "POST" { agent.post(&url) } else { agent.put(&url) };
            request
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .send(body.to_string().as_bytes())?
        }
    };
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string()?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
}

fn tx(id: usize, account: &str, minute: usize) -> Value {
    json!({
        "id": format!("T{id:06}"), "time": format!("2026-03-01T{:02}:{:02}:00Z", minute / 60, minute % 60),
        "amount": "25.00", "currency": "USD", "channel": "bank-transfer",
        "debtor_account": account, "creditor_account": format!("SHOP-{}", id % 7)
    })
}

/// A data directory with the test rules and a tenant's ingest and analyst keys.
struct Bank {
    dir: tempfile::TempDir,
    data: std::path::PathBuf,
    rules: std::path::PathBuf,
    ingest: String,
    analyst: String,
}

fn bank() -> Bank {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data = dir.path().join("data");
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, RULES).expect("rules");
    let ingest = key(&data, "switch", "ingest");
    let analyst = key(&data, "alice", "analyst");
    Bank { dir, data, rules, ingest, analyst }
}

#[test]
fn a_killed_server_comes_back_with_nothing_lost_or_doubled() {
    // The directory lives as long as the test.
    let Bank { dir: _dir, data, rules, ingest, analyst } = bank();
    let supervisor = key(&data, "sam", "supervisor");
    let (mut server, base, said) = serve(&data, &rules, &[]);
    assert_eq!(replayed_after_snapshot(&said), None, "a new store has no snapshot: {said}");

    // Before the crash: two payments from WATCHED (the third within the hour will be reviewed), a frozen
    // account, an assigned alert in a case.
    for (id, minute) in [(900_001, 0), (900_002, 1)] {
        let (status, answer) =
            call(&base, &ingest, "POST", "/v1/transactions", Some(tx(id, "WATCHED", minute))).expect("answer");
        assert_eq!((status, answer["decision"].as_str()), (200, Some("allow")), "{answer}");
    }
    let (_, request) =
        call(&base, &analyst, "POST", "/v1/freezes", Some(json!({"account": "MULE", "reason": "court order"})))
            .expect("request");
    let (status, _) =
        call(&base, &supervisor, "POST", &format!("/v1/freezes/{}/approve", request["id"]), Some(json!({})))
            .expect("approve");
    assert_eq!(status, 200);
    for (id, minute) in [(900_003, 0), (900_004, 1), (900_005, 1)] {
        call(&base, &ingest, "POST", "/v1/transactions", Some(tx(id, "BUSY", minute))).expect("answer");
    }
    let (_, alerts) = call(&base, &analyst, "GET", "/v1/alerts", None).expect("alerts");
    let alert = alerts["alerts"][0]["id"].as_i64().expect("an alert on BUSY's third payment");
    call(&base, &analyst, "POST", &format!("/v1/alerts/{alert}/assign"), Some(json!({"assignee": "alice"})))
        .expect("assign");
    let (status, _) =
        call(&base, &analyst, "POST", "/v1/cases", Some(json!({"title": "BUSY", "alerts": [alert]}))).expect("case");
    assert_eq!(status, 201);

    // A stream of batches from another thread; SIGKILL once 15 batches are answered.
    // Times stay within four minutes (within the engine's lateness bound of the special payments around them).
    let all: Vec<Value> = (0..4000).map(|i| tx(i, &format!("ACC{}", i % 300), i / 1000)).collect();
    let answered: Arc<Mutex<Vec<Value>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let streamer = {
        let (base, ingest, all, answered, stop) =
            (base.clone(), ingest.clone(), all.clone(), Arc::clone(&answered), Arc::clone(&stop));
        std::thread::spawn(move || {
            for batch in all.chunks(50) {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                match call(&base, &ingest, "POST", "/v1/transactions", Some(Value::Array(batch.to_vec()))) {
                    Ok((200, answer)) => answered
                        .lock()
                        .expect("lock")
                        .extend(answer["decisions"].as_array().expect("decisions").iter().cloned()),
                    _ => break,
                }
            }
        })
    };
    while answered.lock().expect("lock").len() < 15 * 50 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    server.kill().expect("SIGKILL");
    server.wait().expect("reaped");
    stop.store(true, Ordering::Relaxed);
    streamer.join().expect("the streamer ends");
    let answered = answered.lock().expect("lock").clone();
    assert!(answered.len() >= 750 && answered.len() < all.len(), "killed mid-stream: {} answered", answered.len());

    let (mut server, base, said) = serve(&data, &rules, &[]);
    // It restored a snapshot taken during the stream and replayed the log after it (the transactions of the
    // last batches, up to 200 and the groups in flight).
    let tail = replayed_after_snapshot(&said).unwrap_or_else(|| panic!("no snapshot restored: {said}"));
    assert!(tail < 200 + 2 * 50, "{said}");
    // Every answered transaction is logged with the decision it was given.
    for decision in answered.iter().step_by(37) {
        let id = decision["transaction_id"].as_str().expect("id");
        let (status, logged) = call(&base, &analyst, "GET", &format!("/v1/transactions/{id}"), None).expect("logged");
        assert_eq!(status, 200, "{id} was answered but is not logged");
        assert_eq!(logged["seq"], decision["seq"]);
        assert_eq!(logged["decision"]["decision"], decision["decision"]);
    }
    // Everything again: the answered ones are duplicates with their logged decisions; the rest are decided
    // now; each id is in the log once.
    let mut fresh = 0;
    for batch in all.chunks(500) {
        let (status, answer) =
            call(&base, &ingest, "POST", "/v1/transactions", Some(Value::Array(batch.to_vec()))).expect("answer");
        assert_eq!(status, 200, "{answer}");
        for decision in answer["decisions"].as_array().expect("decisions") {
            fresh += (decision["duplicate"] == false) as usize;
        }
    }
    let answered_ids: std::collections::HashMap<&str, &Value> =
        answered.iter().map(|d| (d["transaction_id"].as_str().expect("id"), d)).collect();
    assert!(fresh <= all.len() - answered.len(), "{fresh} decided anew, but {} were answered before", answered.len());
    let (_, last) = call(
        &base,
        &analyst,
        "GET",
        &format!("/v1/transactions/{}", all[all.len() - 1]["id"].as_str().expect("id")),
        None,
    )
    .expect("last");
    assert_eq!(last["seq"].as_i64(), Some(5 + all.len() as i64), "{} transactions logged once each", 5 + all.len());
    let again = call(&base, &ingest, "POST", "/v1/transactions", Some(all[10].clone())).expect("again").1;
    assert_eq!(again["duplicate"], true);
    if let Some(before) = answered_ids.get(all[10]["id"].as_str().expect("id")) {
        assert_eq!((&again["seq"], &again["decision"]), (&before["seq"], &before["decision"]));
    }
    // The engine's windows came back: WATCHED's third payment within the hour is reviewed.
    let (_, third) = call(&base, &ingest, "POST", "/v1/transactions", Some(tx(900_010, "WATCHED", 4))).expect("answer");
    assert_eq!(
        (third["decision"].as_str(), third["reasons"][0]["rule"].as_str()),
        (Some("review"), Some("busy")),
        "{third}"
    );
    let (_, watched) = call(&base, &analyst, "GET", "/v1/accounts/WATCHED", None).expect("account");
    assert_eq!(
        (watched["activity"]["paid"].as_i64(), watched["recent"].as_array().map(Vec::len)),
        (Some(3), Some(3)),
        "{watched}"
    );
    // Its windows, read without deciding anything: three payments out within the hour.
    assert_eq!(watched["features"]["windows"]["1h"]["out"]["count"], 3, "{watched}");
    assert_eq!(watched["features"]["windows"]["1h"]["out"]["sum_minor"], 7500);
    // The freeze is still in force; alerts and cases are as they were.
    let (_, blocked) = call(&base, &ingest, "POST", "/v1/transactions", Some(tx(900_011, "MULE", 4))).expect("answer");
    assert_eq!(blocked["decision"], "block", "{blocked}");
    let (_, kept) = call(&base, &analyst, "GET", &format!("/v1/alerts/{alert}"), None).expect("alert");
    assert_eq!((kept["alert"]["assignee"].as_str(), kept["alert"]["case_id"].as_i64()), (Some("alice"), Some(1)));

    // Stopped with SIGTERM, it takes a snapshot: the next start replays nothing, and the windows are whole.
    let term = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().expect("kill -TERM");
    assert!(term.success());
    assert!(server.wait().expect("reaped").success(), "a clean stop");
    let (mut server, base, said) = serve(&data, &rules, &[]);
    assert_eq!(replayed_after_snapshot(&said), Some(0), "{said}");
    let (_, watched) = call(&base, &analyst, "GET", "/v1/accounts/WATCHED", None).expect("account");
    assert_eq!(watched["features"]["windows"]["1h"]["out"]["count"], 3, "{watched}");
    let (_, fourth) =
        call(&base, &ingest, "POST", "/v1/transactions", Some(tx(900_012, "WATCHED", 5))).expect("answer");
    assert_eq!(fourth["decision"], "review", "{fourth}");
    let again = call(&base, &ingest, "POST", "/v1/transactions", Some(all[20].clone())).expect("again").1;
    assert_eq!(again["duplicate"], true, "the ids logged before the snapshot are known: {again}");
    server.kill().expect("stop");
    server.wait().expect("reaped");

    let verify = tonle(&["audit", "verify", "--data", data.to_str().expect("utf-8")]);
    let report = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success() && report.starts_with("intact"), "{report}");
    // An edited decision is found.
    let db = data.join("tonle.db");
    let edit = Command::new("python3")
        .args(["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE transactions SET decision = 'block' WHERE seq = 3\"); c.commit()"])
        .arg(&db)
        .status();
    if edit.is_ok_and(|s| s.success()) {
        let verify = tonle(&["audit", "verify", "--data", data.to_str().expect("utf-8")]);
        assert!(!verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
        assert!(String::from_utf8_lossy(&verify.stdout).contains("transactions entry 3"));
    }
}

#[test]
fn the_demo_streams_the_scenario_through_the_server_and_says_what_it_caught() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data = dir.path().join("demo");
    let out =
        tonle(&["demo", "--data", data.to_str().expect("utf-8"), "--listen", "127.0.0.1:0", "--days", "1", "--exit"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("transactions through http://127.0.0.1:"), "{stdout}");
    assert!(stdout.contains("illicit transactions caught"), "{stdout}");
    assert!(stdout.contains("/v1/alerts"), "{stdout}");
    let keys = std::fs::read_to_string(data.join("keys.txt")).expect("keys written");
    assert_eq!(keys.lines().count(), 6);
    // Its store verifies, and a rerun may empty its own directory but no other.
    let verify = tonle(&["audit", "verify", "--data", data.to_str().expect("utf-8")]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).expect("dir");
    std::fs::write(other.join("precious.txt"), "keep").expect("file");
    let refused =
        tonle(&["demo", "--data", other.to_str().expect("utf-8"), "--listen", "127.0.0.1:0", "--days", "1", "--exit"]);
    assert!(!refused.status.success());
    assert!(other.join("precious.txt").exists());
}

#[test]
fn the_load_generator_records_each_request_against_a_server_committing_in_intervals() {
    let Bank { dir, data, rules, ingest, analyst } = bank();
    // The faster options: commits at most every millisecond, and not waiting for the disk.
    let (mut server, base, said) = serve(&data, &rules, &["--commit-interval", "1ms", "--sync", "normal"]);
    let input = dir.path().join("transactions.jsonl");
    let lines: Vec<String> = (0..300).map(|i| tx(i, &format!("ACC-{}", i % 13), i / 5).to_string()).collect();
    std::fs::write(&input, lines.join("\n")).expect("input");
    let record = dir.path().join("timings.csv");
    let out = tonle(&[
        "bench",
        "http",
        "--url",
        &base,
        "--key",
        &ingest,
        "--in",
        input.to_str().expect("utf-8"),
        "--rate",
        "1000",
        "--connections",
        "4",
        "--seconds",
        "10",
        "--record",
        record.to_str().expect("utf-8"),
    ]);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{printed}{}\n{said}", String::from_utf8_lossy(&out.stderr));
    assert!(printed.contains("300 answered, 0 failed"), "{printed}");
    let text = std::fs::read_to_string(&record).expect("the record");
    let mut rows = text.lines();
    assert_eq!(rows.next(), Some("due_ms,sent_ms,latency_ms"));
    let rows: Vec<Vec<f64>> = rows.map(|row| row.split(',').map(|v| v.parse().expect("a number")).collect()).collect();
    assert_eq!(rows.len(), 300);
    for (k, row) in rows.iter().enumerate() {
        // Request k was due at k ms (1,000 a second), sent no earlier, and answered after it was sent.
        assert!((row[0] - k as f64).abs() < 0.01, "row {k}: {row:?}");
        assert!(row[1] >= row[0] - 0.001 && row[2] >= row[1] - row[0], "row {k}: {row:?}");
    }
    // Every transaction is in the log once.
    let mut seqs: Vec<i64> = (0..300)
        .map(|i| {
            let (status, logged) =
                call(&base, &analyst, "GET", &format!("/v1/transactions/T{i:06}"), None).expect("read back");
            assert_eq!(status, 200, "{logged}");
            logged["seq"].as_i64().expect("a seq")
        })
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=300).collect::<Vec<i64>>());
    server.kill().expect("stop the server");
    let _ = server.wait();
}
