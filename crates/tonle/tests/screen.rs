//! `tonle screen` as a command: one name against the real OFAC list with its explanation, a crypto address,
//! and a file of queries whose bad lines are named (line and field) and skipped while the good ones are
//! answered.

use std::path::PathBuf;
use std::process::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tonle-screen/tests/fixtures")
}

fn tonle(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tonle")).args(args).output().expect("the tonle binary runs")
}

#[test]
fn one_name_is_screened_and_explained() {
    let sdn = fixtures().join("ofac_sdn.csv");
    let out = tonle(&["screen", "--list", sdn.to_str().expect("utf-8"), "--name", "Vladimir Putin"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("1.0000  ofac:35096  PUTIN, Vladimir Vladimirovich"), "{stdout}");
    assert!(stdout.contains("putin ~ putin"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("14965 entities"), "{stderr}");

    let out = tonle(&["screen", "--list", sdn.to_str().expect("utf-8"), "--name", "Sokha Chan", "--json"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    let out =
        tonle(&["screen", "--list", sdn.to_str().expect("utf-8"), "--address", "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("ofac:25308"));
}

#[test]
fn a_file_of_queries_is_answered_line_by_line_and_bad_lines_are_named() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let queries = dir.path().join("queries.jsonl");
    std::fs::write(
        &queries,
        concat!(
            "{\"id\": \"q1\", \"name\": \"Kim Jong Un\", \"schema\": \"person\"}\n",
            "{\"id\": \"q2\", \"name\": \"Sokha Chan\"}\n",
            "{\"id\": \"q3\", \"name\": \"Saddam Hussein\", \"birth_date\": \"1937-04-28\", \"country\": \"IQ\"}\n",
            "{\"id\": \"q4\", \"name\": \"x\", \"birth_date\": \"28/04/1937\"}\n",
            "not json\n",
            "{\"id\": \"q6\", \"address\": \"12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h\"}\n",
        ),
    )
    .expect("queries");
    let out_file = dir.path().join("results.jsonl");
    let sdn = fixtures().join("ofac_sdn.csv");
    let un = fixtures().join("un_consolidated.xml");
    let out = tonle(&[
        "screen",
        "--list",
        sdn.to_str().expect("utf-8"),
        "--list",
        un.to_str().expect("utf-8"),
        "--queries",
        queries.to_str().expect("utf-8"),
        "--out",
        out_file.to_str().expect("utf-8"),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "skipped lines make the exit code 2: {stderr}");
    assert!(stderr.contains("queries.jsonl:4: field birth_date"), "{stderr}");
    assert!(stderr.contains("queries.jsonl:5: field (line)"), "{stderr}");
    let results: Vec<serde_json::Value> = std::fs::read_to_string(&out_file)
        .expect("results")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let ids: Vec<&str> = results.iter().map(|r| r["id"].as_str().expect("id")).collect();
    assert_eq!(ids, ["q1", "q2", "q3", "q6"]);
    assert_eq!(results[0]["matches"][0]["entity_id"], "ofac:20157");
    assert_eq!(results[1]["matches"].as_array().map(Vec::len), Some(0));
    let saddam = &results[2]["matches"][0];
    assert!(saddam["score"].as_f64().expect("score") >= 0.95, "{saddam}");
    assert!(saddam["explanation"]["qualifiers"].as_array().is_some_and(|q| !q.is_empty()), "{saddam}");
    assert_eq!(results[3]["matches"][0]["entity_id"], "ofac:25308");
}
