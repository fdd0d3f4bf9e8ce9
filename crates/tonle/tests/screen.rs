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

/// One native JSON line from `from` to `to` (accounts and names) of `dollars` US dollars at `minute`.
fn payment(id: &str, minute: u32, from: (&str, &str), to: (&str, &str), dollars: &str) -> String {
    serde_json::json!({
        "id": id,
        "time": format!("2026-01-05T09:{minute:02}:00Z"),
        "amount": dollars,
        "currency": "USD",
        "channel": "bank-transfer",
        "debtor_account": from.0,
        "debtor_name": from.1,
        "creditor_account": to.0,
        "creditor_name": to.1,
    })
    .to_string()
}

#[test]
fn score_screens_every_party_and_explains_each_hit() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let input = dir.path().join("transactions.jsonl");
    let lines = [
        payment("t1", 0, ("KH01", "Sokha Chan"), ("RU01", "Vladimir Putin"), "120.00"),
        payment("t2", 1, ("KH01", "Sokha Chan"), ("12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h", "cold wallet"), "80.00"),
        payment("t3", 2, ("KH01", "Sokha Chan"), ("KH02", "Dara Sok"), "15.00"),
        payment("t4", 3, ("RU02", "Путин Владимир Владимирович"), ("KH02", "Dara Sok"), "50.00"),
    ];
    std::fs::write(&input, lines.join("\n") + "\n").expect("input");
    let out = dir.path().join("decisions.jsonl");
    let sdn = fixtures().join("ofac_sdn.csv");
    let run = tonle(&[
        "score",
        "--rules",
        "default",
        "--in",
        input.to_str().expect("utf-8"),
        "--list",
        sdn.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let decisions: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .expect("decisions")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    let summary: Vec<(&str, Vec<&str>)> = decisions
        .iter()
        .map(|d| {
            let rules = d["reasons"].as_array().expect("reasons").iter().map(|r| r["rule"].as_str().unwrap()).collect();
            (d["decision"].as_str().unwrap(), rules)
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("hold", vec!["screen:creditor-name"]),
            ("block", vec!["screen:creditor-wallet"]),
            ("allow", vec![]),
            ("hold", vec!["screen:debtor-name"]),
        ]
    );
    let facts = &decisions[0]["reasons"][0]["facts"];
    assert_eq!(facts["screen.creditor.name.entity"], "ofac:35096", "{facts}");
    assert_eq!(facts["screen.creditor.name.listed"], "PUTIN, Vladimir", "{facts}");
    assert!(facts["screen.creditor.name.match"].as_str().unwrap().contains("putin=putin"), "{facts}");
    assert_eq!(decisions[1]["reasons"][0]["facts"]["screen.creditor.wallet.entity"], "ofac:25308");
    assert_eq!(decisions[3]["reasons"][0]["facts"]["screen.debtor.name.entity"], "ofac:35096", "Cyrillic");

    // A rule reading screening without lists is refused, naming the rule and the flag.
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        "name = \"s\"\n[[rule]]\nid = \"listed-payee\"\ndescription = \"d\"\nscore = 0.9\naction = \"block\"\n\
         expression = 'screen.creditor.score >= 0.95'\n",
    )
    .expect("rules");
    let args = ["score", "--rules", rules.to_str().unwrap(), "--in", input.to_str().unwrap(), "--out"];
    let refused = tonle(&[&args[..], &[out.to_str().unwrap()]].concat());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("listed-payee") && stderr.contains("--list"), "{stderr}");
    // With the list, that rule blocks the payment to the listed name, and its reason names the entity.
    let listed = tonle(&[&args[..], &[out.to_str().unwrap(), "--list", sdn.to_str().unwrap()]].concat());
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let first: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&out).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(first["decision"], "block", "{first}");
    assert_eq!(first["reasons"][0]["rule"], "listed-payee");
    assert_eq!(first["reasons"][0]["facts"]["screen.creditor.name.entity"], "ofac:35096");
}
