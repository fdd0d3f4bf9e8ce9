//! End-to-end tests of `tonle trace`: JSON and GraphML on a hand-written file with known answers, how `--from`
//! is resolved, a missing rate, and a victim's payment in a simulated mule network followed to the mules.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Command, Output};

use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::Value;
use tonle_core::{AccountRole, Typology};

fn tonle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tonle")).args(args).output().expect("the tonle binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// S pays A before the victim V (in riel: 50.00 USD at 4,000); A spends more than it got; C's id is also a
/// transaction's; E pays an account whose id needs escaping in XML.
const LEDGER_CSV: &str = "\
id,time,amount,currency,received_amount,received_currency,channel,debtor_account,creditor_account
s1,2025-03-01T08:00:00.000Z,100.00,USD,,,bank-transfer,S,A
v,2025-03-01T08:10:00.000Z,200000.00,KHR,50.00,USD,bank-transfer,V,A
a1,2025-03-01T08:20:00.000Z,120.00,USD,,,bank-transfer,A,B
a2,2025-03-01T08:30:00.000Z,40.00,USD,,,bank-transfer,A,C
b1,2025-03-01T08:40:00.000Z,20.00,USD,,,bank-transfer,B,D
C,2025-03-01T08:50:00.000Z,1.00,USD,,,bank-transfer,C,E
e1,2025-03-01T09:00:00.000Z,0.50,USD,,,bank-transfer,E,\"R&D \"\"x\"\" <y>\"
";

struct Files {
    dir: tempfile::TempDir,
    input: String,
    fx: String,
}

impl Files {
    fn new() -> Files {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("ledger.csv");
        std::fs::write(&input, LEDGER_CSV).unwrap();
        let fx = dir.path().join("fx.csv");
        std::fs::write(&fx, "date,from,to,rate\n2025-01-01,USD,KHR,4000\n").unwrap();
        Files { input: input.display().to_string(), fx: fx.display().to_string(), dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

/// Paths as (transactions joined by '>', end, amount, stop).
fn paths(trace: &Value) -> Vec<(String, String, String, String)> {
    trace["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let route: Vec<&str> = p["transactions"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
            let field = |name: &str| p[name].as_str().unwrap().to_owned();
            (route.join(">"), field("end"), field("amount"), field("stop"))
        })
        .collect()
}

fn path(route: &str, end: &str, amount: &str, stop: &str) -> (String, String, String, String) {
    (route.to_owned(), end.to_owned(), amount.to_owned(), stop.to_owned())
}

/// A GraphML document read back: declared keys (id -> for), nodes (id -> data), edges (source, target, data).
#[derive(Default)]
struct GraphMl {
    keys: HashMap<String, String>,
    graph: HashMap<String, String>,
    nodes: HashMap<String, HashMap<String, String>>,
    edges: Vec<(String, String, HashMap<String, String>)>,
}

/// Parses GraphML with quick-xml, checking that it is well formed and that every data key is declared.
fn read_graphml(path: &str) -> GraphMl {
    let xml = std::fs::read_to_string(path).unwrap();
    let mut reader = Reader::from_str(&xml);
    let mut graphml = GraphMl::default();
    let mut stack: Vec<String> = Vec::new();
    let mut data_key: Option<String> = None;
    let (mut value, mut node) = (String::new(), String::new());
    let attribute = |e: &quick_xml::events::BytesStart, name: &str| -> Option<String> {
        e.try_get_attribute(name).unwrap().map(|a| a.unescape_value().unwrap().into_owned())
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                match name.as_str() {
                    "node" => {
                        node = attribute(&e, "id").unwrap();
                        graphml.nodes.insert(node.clone(), HashMap::new());
                    }
                    "edge" => graphml.edges.push((
                        attribute(&e, "source").unwrap(),
                        attribute(&e, "target").unwrap(),
                        HashMap::new(),
                    )),
                    "data" => data_key = Some(attribute(&e, "key").unwrap()),
                    _ => {}
                }
                stack.push(name);
            }
            Event::Empty(e) if e.name().as_ref() == b"key" => {
                graphml.keys.insert(attribute(&e, "id").unwrap(), attribute(&e, "for").unwrap());
            }
            Event::Text(t) if data_key.is_some() => value.push_str(&t.xml_content().unwrap()),
            // quick-xml hands `&amp;` and the like over apart from the text around them.
            Event::GeneralRef(r) => {
                let name = r.decode().unwrap();
                value.push_str(quick_xml::escape::resolve_xml_entity(&name).expect("a predefined entity"));
            }
            Event::End(e) => {
                if let Some(key) = data_key.take() {
                    let owner = &stack[stack.len() - 2];
                    assert_eq!(graphml.keys.get(&key).map(String::as_str), Some(owner.as_str()), "key {key}");
                    let data = match owner.as_str() {
                        "graph" => &mut graphml.graph,
                        "node" => graphml.nodes.get_mut(&node).unwrap(),
                        "edge" => &mut graphml.edges.last_mut().unwrap().2,
                        other => panic!("data in {other}"),
                    };
                    data.insert(key, std::mem::take(&mut value));
                }
                assert_eq!(stack.pop().as_deref().map(str::as_bytes), Some(e.name().as_ref()));
            }
            _ => {}
        }
    }
    assert!(stack.is_empty());
    graphml
}

#[test]
fn trace_writes_json_and_graphml_with_the_amounts_attributed() {
    let files = Files::new();
    let (json, graphml) = (files.path("trace.json"), files.path("trace.graphml"));
    let output = tonle(&[
        "trace",
        "--in",
        &files.input,
        "--fx",
        &files.fx,
        "--from",
        "v",
        "--direction",
        "forward",
        "--hops",
        "4",
        "--method",
        "fifo",
        "--out",
        &json,
        "--graphml",
        &graphml,
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("50.00 USD traced through 6 transactions to 7 accounts"), "{stderr}");
    let trace: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(trace["start"], "transaction:v");
    assert_eq!(trace["origin"], "V");
    assert_eq!(
        (&trace["currency"], &trace["amount"], &trace["difference"]),
        (&"USD".into(), &"50.00".into(), &"0.00".into())
    );
    // A's older 100.00 goes first: a1 carries 20.00 of v, a2 30.00; each later split is in proportion.
    assert_eq!(
        paths(&trace),
        vec![
            path("v>a2", "C", "29.25", "held"),
            path("v>a1", "B", "16.67", "held"),
            path("v>a1>b1", "D", "3.33", "held"),
            path("v>a2>C>e1", "R&D \"x\" <y>", "0.38", "hop-limit"),
            path("v>a2>C", "E", "0.37", "held"),
        ]
    );
    assert_eq!(trace["ended"]["held"], "49.62");
    assert_eq!(trace["ended"]["hop-limit"], "0.38");
    let v = &trace["transactions"][0];
    assert_eq!((&v["id"], &v["amount"], &v["received"]), (&"v".into(), &"200000.00 KHR".into(), &"50.00 USD".into()));
    assert_eq!((&v["value"], &v["attributed"], &v["hop"]), (&"50.00".into(), &"50.00".into(), &1.into()));
    let attributed: HashMap<&str, &str> = trace["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_str().unwrap(), t["attributed"].as_str().unwrap()))
        .collect();
    assert_eq!(
        attributed,
        HashMap::from([
            ("v", "50.00"),
            ("a1", "20.00"),
            ("a2", "30.00"),
            ("b1", "3.33"),
            ("C", "0.75"),
            ("e1", "0.38")
        ])
    );
    assert!(!attributed.contains_key("s1"));
    let a = trace["accounts"].as_array().unwrap().iter().find(|a| a["account"] == "A").unwrap();
    assert_eq!((&a["hop"], &a["amount"]), (&1.into(), &"50.00".into()));

    let graph = read_graphml(&graphml);
    assert_eq!(graph.graph["start"], "transaction:v");
    assert_eq!(graph.graph["currency"], "USD");
    let accounts: HashMap<&str, &str> =
        graph.nodes.iter().map(|(id, data)| (data["account"].as_str(), id.as_str())).collect();
    assert_eq!(accounts.len(), 7);
    assert!(accounts.contains_key("R&D \"x\" <y>"));
    assert_eq!(graph.nodes[accounts["A"]]["hop"], "1");
    assert_eq!(graph.edges.len(), 6);
    let a1 = graph.edges.iter().find(|e| e.2["tx"] == "a1").unwrap();
    assert_eq!((a1.0.as_str(), a1.1.as_str()), (accounts["A"], accounts["B"]));
    assert_eq!(
        (a1.2["attributed"].as_str(), a1.2["value"].as_str(), a1.2["edge_hop"].as_str()),
        ("20.00", "120.00", "2")
    );
    assert_eq!(graph.edges.iter().find(|e| e.2["tx"] == "v").unwrap().2["given"], "200000.00 KHR");
    assert!(graph.edges.iter().all(|e| graph.nodes.contains_key(&e.0) && graph.nodes.contains_key(&e.1)));
    assert!(!Path::new(&files.path("trace.json.partial")).exists());
}

#[test]
fn from_names_an_account_or_a_transaction_and_refuses_what_is_neither_or_both() {
    let files = Files::new();
    let run = |from: &str| {
        tonle(&[
            "trace",
            "--in",
            &files.input,
            "--fx",
            &files.fx,
            "--from",
            from,
            "--direction",
            "backward",
            "--hops",
            "3",
            "--method",
            "haircut",
        ])
    };
    let output = run("C");
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("both an account and a transaction") && stderr.contains("--from account:C"), "{stderr}");
    let output = run("Q");
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("\"Q\" is neither an account nor a transaction id"));
    let output = run("account:Q");
    assert!(text(&output.stderr).contains("no account \"Q\""), "{}", text(&output.stderr));

    // Backward from the account, to standard output. C's one inflow, a2 (40.00), found A holding 30.00, a
    // fifth of each inflow after a1 took four fifths: 20.00 of s1 and 10.00 of v; the other 10.00 came from
    // A's opening balance. S and V received nothing in the file: their money is untraced too.
    let output = run("account:C");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let trace: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(trace["origin"], "C");
    assert_eq!(trace["method"], "haircut");
    assert_eq!(
        paths(&trace),
        vec![
            path("a2>s1", "S", "20.00", "untraced"),
            path("a2", "A", "10.00", "untraced"),
            path("a2>v", "V", "10.00", "untraced")
        ]
    );
    let output = run("transaction:C");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let trace: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(trace["origin"], "E");
}

#[test]
fn an_amount_without_a_rate_asks_for_one() {
    let files = Files::new();
    let output = tonle(&[
        "trace",
        "--in",
        &files.input,
        "--from",
        "v",
        "--direction",
        "forward",
        "--hops",
        "2",
        "--method",
        "fifo",
    ]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("transaction v") && stderr.contains("KHR") && stderr.contains("--fx"), "{stderr}");
    let output = tonle(&[
        "trace",
        "--in",
        &files.input,
        "--from",
        "v",
        "--direction",
        "forward",
        "--hops",
        "0",
        "--method",
        "fifo",
    ]);
    assert!(!output.status.success());
}

#[test]
fn a_victims_payment_is_followed_through_the_mule_chain() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    let output = tonle(&["simulate", "--scenario", "tiny", "--seed", "4", "--out", sim.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let accounts: Vec<_> =
        tonle_formats::accounts::read_accounts(&sim.join("accounts.csv")).unwrap().collect::<Result<_, _>>().unwrap();
    let roles: HashMap<String, AccountRole> = accounts.iter().map(|a| (a.account.to_string(), a.role)).collect();
    let transactions = sim.join("transactions.csv");
    let records =
        tonle_formats::open_reader(tonle_formats::InputFormat::Native, &transactions, &Default::default()).unwrap();
    // The first payment a victim made into a mule-network scenario's collection account.
    let payment = records
        .map(Result::unwrap)
        .find(|r| {
            let label = r.label.as_ref().unwrap();
            label.typology == Some(Typology::MuleNetwork)
                && label.scenario.as_ref().is_some_and(|s| s.as_str().starts_with("mule-network"))
                && roles[r.tx.debtor.account.as_str()] == AccountRole::Victim
        })
        .expect("the tiny preset has a mule network");
    let scenario = payment.label.unwrap().scenario.unwrap();
    let mules: HashSet<String> = accounts
        .iter()
        .filter(|a| a.role == AccountRole::Mule && a.scenarios.contains(&scenario))
        .map(|a| a.account.to_string())
        .collect();
    assert!(mules.len() >= 2, "{mules:?}");

    for method in ["fifo", "haircut"] {
        let out = dir.path().join(format!("{method}.json"));
        let output = tonle(&[
            "trace",
            "--in",
            transactions.to_str().unwrap(),
            "--fx",
            sim.join("fx.csv").to_str().unwrap(),
            "--from",
            &format!("transaction:{}", payment.tx.id),
            "--direction",
            "forward",
            "--hops",
            "6",
            "--method",
            method,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let trace: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let reached: HashMap<&str, (u64, f64)> = trace["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let amount: f64 = a["amount"].as_str().unwrap().parse().unwrap();
                (a["account"].as_str().unwrap(), (a["hop"].as_u64().unwrap(), amount))
            })
            .collect();
        // Every mule of the network gets part of the payment, one hop further along the chain each.
        for mule in &mules {
            let (hop, amount) = reached.get(mule.as_str()).unwrap_or_else(|| panic!("{method}: {mule} not reached"));
            assert!(*hop >= 1 && *amount > 0.0, "{method}: {mule} {hop} {amount}");
        }
        let collector = payment.tx.creditor.account.as_str();
        assert_eq!(reached[collector].0, 1);
        // The longest route runs through every mule in turn.
        let longest = trace["paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["transactions"].as_array().unwrap().len())
            .max()
            .unwrap();
        assert!(longest > mules.len(), "{method}: longest path {longest}");
        assert_eq!(trace["capped"], false);
    }
}
