//! Graph facts in the engine: a rule reading `graph.*` starts the graph with its file's `[graph]` table, and
//! its reasons carry the ids of the transactions the detector found.

use tonle_core::{AccountId, Channel, Currency, Decision, EventTime, FxTable, Money, Party, Transaction, TxId};
use tonle_detect::engine::{Engine, EngineError};
use tonle_detect::features::WindowConfig;

const RULES: &str = r#"name = "graph"

[graph]
cycle_window = "1d"
cycle_max_length = 4

[[rule]]
id = "round-trip"
description = "Money comes back to where it started within a day"
typology = "cycle"
score = 0.7
action = "hold"
expression = "graph.cycle >= 3 && amount >= 100.0"
"#;

fn pay(id: &str, from: &str, to: &str, minutes: i64, dollars: i64) -> Transaction {
    let time = EventTime::from_millis(1_780_000_000_000 + minutes * 60_000).unwrap();
    Transaction::new(
        TxId::new(id).unwrap(),
        time,
        Party::account(AccountId::new(from).unwrap()),
        Party::account(AccountId::new(to).unwrap()),
        Money::from_minor(dollars * 100, Currency::USD),
        Channel::BankTransfer,
    )
}

#[test]
fn a_cycle_rule_fires_with_the_cycle_as_evidence() {
    let mut engine = Engine::new(WindowConfig::default(), RULES, "graph.toml", FxTable::new(Currency::USD)).unwrap();
    assert!(engine.graph().is_some(), "the rules read the graph");
    assert_eq!(engine.graph().unwrap().config().cycle_max_length, 4);
    for tx in [pay("p1", "A", "B", 0, 5_000), pay("p2", "B", "C", 30, 4_900), pay("p3", "X", "Y", 40, 10)] {
        let outcome = engine.decide(&tx).unwrap();
        assert_eq!(outcome.decision, Decision::Allow);
    }
    let outcome = engine.decide(&pay("p4", "C", "A", 60, 4_800)).unwrap();
    assert_eq!(outcome.decision, Decision::Hold);
    let reason = &outcome.reasons[0];
    assert_eq!(reason.rule, "round-trip");
    let evidence: Vec<&str> = reason.evidence.iter().map(|e| e.as_str()).collect();
    assert_eq!(evidence, ["p1", "p2", "p4"]);
    assert!(reason.facts.iter().any(|f| f.name == "graph.cycle" && f.value == "3"));
    // A day later the same closing payment is no cycle.
    let outcome = engine.decide(&pay("p5", "C", "A", 60 + 24 * 60, 4_800)).unwrap();
    assert_eq!(outcome.decision, Decision::Allow);
}

#[test]
fn rules_without_graph_facts_start_no_graph_and_a_bad_table_is_refused() {
    let plain = "name = \"plain\"\n[[rule]]\nid = \"big\"\ndescription = \"d\"\nscore = 0.5\naction = \"review\"\n\
                 expression = \"amount > 10000.0\"\n";
    let engine = Engine::new(WindowConfig::default(), plain, "plain.toml", FxTable::new(Currency::USD)).unwrap();
    assert!(engine.graph().is_none());
    let bad = RULES.replace("cycle_window = \"1d\"", "cycle_window = \"30d\"");
    let error = Engine::new(WindowConfig::default(), &bad, "bad.toml", FxTable::new(Currency::USD)).err().unwrap();
    assert!(matches!(error, EngineError::Rules(_)));
    let message = error.to_string();
    assert!(message.contains("bad.toml") && message.contains("graph.cycle_window"), "{message}");
}

#[test]
fn the_shapes_rule_set_compiles_and_starts_every_shape_detector() {
    let shapes = include_str!("../rules/shapes.toml");
    let engine = Engine::new(WindowConfig::default(), shapes, "shapes.toml", FxTable::new(Currency::USD)).unwrap();
    let enabled = engine.graph().unwrap().enabled();
    let on: Vec<&str> =
        tonle_detect::graph::Motif::ALL.iter().filter(|m| enabled[**m as usize]).map(|m| m.name()).collect();
    assert_eq!(on, ["gather_scatter", "scatter_gather", "cycle", "bipartite", "stack"]);
}

#[test]
fn with_parties_as_nodes_a_customers_accounts_are_one_node() {
    let rules = |nodes: &str| {
        RULES
            .replace("cycle_max_length = 4", &format!("cycle_max_length = 4\nnodes = \"{nodes}\""))
            .replace("graph.cycle >= 3", "graph.cycle >= 2")
    };
    let with_party = |mut tx: Transaction, debtor: Option<&str>, creditor: Option<&str>| {
        tx.debtor.party = debtor.map(|p| tonle_core::PartyId::new(p).unwrap());
        tx.creditor.party = creditor.map(|p| tonle_core::PartyId::new(p).unwrap());
        tx
    };
    // P's first account pays B; B pays P's second account: money back to the same customer.
    let stream = [
        with_party(pay("q1", "P-1", "B", 0, 3_000), Some("P"), None),
        with_party(pay("q2", "B", "P-2", 30, 2_900), None, Some("P")),
    ];
    for (nodes, closes) in [("accounts", false), ("parties", true)] {
        let mut engine =
            Engine::new(WindowConfig::default(), &rules(nodes), "nodes.toml", FxTable::new(Currency::USD)).unwrap();
        let outcomes: Vec<_> = stream.iter().map(|tx| engine.decide(tx).unwrap()).collect();
        assert_eq!(outcomes[1].decision == Decision::Hold, closes, "nodes = {nodes}");
        if closes {
            let evidence: Vec<&str> = outcomes[1].reasons[0].evidence.iter().map(|e| e.as_str()).collect();
            assert_eq!(evidence, ["q1", "q2"]);
        }
    }
}
