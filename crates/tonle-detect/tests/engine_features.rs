//! Model features in the engine: the row of each transaction read from the same slots the rules read, the
//! roles and graph detectors the features need started even when no rule reads them, and rule sets that
//! would change what the features mean refused.

use tonle_core::{AccountId, Channel, Currency, EventTime, FxTable, Money, Party, Transaction, TxId};
use tonle_detect::engine::{Engine, EngineError};
use tonle_detect::features::WindowConfig;

const PLAIN: &str = "name = \"plain\"\n[[rule]]\nid = \"big\"\ndescription = \"d\"\nscore = 0.5\n\
                     action = \"review\"\nexpression = \"amount > 10000.0\"\n";

fn pay(id: &str, from: &str, to: &str, minutes: i64, dollars: i64) -> Transaction {
    let time = EventTime::from_millis(1_780_000_000_000 + minutes * 60_000).unwrap();
    Transaction::new(
        TxId::new(id).unwrap(),
        time,
        Party::account(AccountId::new(from).unwrap()),
        Party::account(AccountId::new(to).unwrap()),
        Money::from_minor(dollars * 100, Currency::USD),
        Channel::Khqr,
    )
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn engine(rules: &str, features: &[&str]) -> Result<Engine, EngineError> {
    Engine::with_features(WindowConfig::default(), rules, "r.toml", FxTable::new(Currency::USD), &names(features))
}

#[test]
fn rows_follow_the_schema_with_roles_and_graph_the_rules_do_not_read() {
    let features = [
        "amount",
        "channel=khqr",
        "channel=card",
        "creditor.in.distinct_1h",
        "creditor.in.sum_24h",
        "debtor.since_last",
        "graph.fan_in",
    ];
    let mut engine = engine(PLAIN, &features).unwrap();
    assert!(engine.graph().is_some(), "graph.fan_in starts the graph though no rule reads it");
    let schema = engine.feature_schema().unwrap();
    assert_eq!(schema.features, names(&features));
    assert!(schema.context.graph.is_some());
    let mut rows = Vec::new();
    for (i, from) in ["V1", "V2", "V3"].iter().enumerate() {
        engine.decide(&pay(&format!("t{i}"), from, "MULE", i as i64 * 5, 100 + i as i64)).unwrap();
        rows.push(engine.features().to_vec());
    }
    assert_eq!(rows[0], [100.0, 1.0, 0.0, 1.0, 100.0, f32::INFINITY, 1.0]);
    assert_eq!(rows[2], [102.0, 1.0, 0.0, 3.0, 303.0, f32::INFINITY, 3.0]);
    engine.decide(&pay("t3", "V1", "MULE", 20, 50)).unwrap();
    assert_eq!(engine.features()[5], 20.0 * 60.0, "V1 paid 20 minutes ago");
}

/// In batches, the engine handed to each result is as it stands right after that transaction's decision: the
/// same rows as deciding one at a time.
#[test]
fn batches_inspected_give_each_transactions_own_row() {
    let features = ["amount", "creditor.in.distinct_1h", "creditor.in.sum_24h", "debtor.since_last", "graph.fan_in"];
    let txs: Vec<Transaction> = (0..40)
        .map(|i| pay(&format!("t{i}"), &format!("V{}", i % 7), &format!("M{}", i % 3), i * 2, 100 + i))
        .collect();
    let mut single = engine(PLAIN, &features).unwrap();
    let expected: Vec<Vec<f32>> = txs
        .iter()
        .map(|tx| {
            single.decide(tx).unwrap();
            single.features().to_vec()
        })
        .collect();
    for batch in [1, 3, 16, 40] {
        let mut batched = engine(PLAIN, &features).unwrap();
        let mut rows = Vec::new();
        for chunk in txs.chunks(batch) {
            batched.decide_batch_inspecting(chunk, |_, result, engine| {
                result.unwrap();
                rows.push(engine.features().to_vec());
            });
        }
        assert_eq!(rows, expected, "batches of {batch}");
    }
    assert_ne!(expected[0], expected[39], "the rows differ from one transaction to the next");
}

#[test]
fn an_engine_without_features_has_an_empty_row() {
    let mut engine = Engine::new(WindowConfig::default(), PLAIN, "r.toml", FxTable::new(Currency::USD)).unwrap();
    engine.decide(&pay("t0", "A", "B", 0, 5)).unwrap();
    assert!(engine.features().is_empty() && engine.feature_schema().is_none());
}

#[test]
fn bad_features_and_rules_that_change_their_meaning_are_refused() {
    let error = engine(PLAIN, &["amount", "debtor.out.count_25h"]).err().unwrap();
    assert!(error.to_string().contains("unknown feature \"debtor.out.count_25h\""), "{error}");

    let reads_model = PLAIN.replace("amount > 10000.0", "model.score > 0.9");
    let error = engine(&reads_model, &["amount"]).err().unwrap();
    assert!(matches!(error, EngineError::NoModel { .. }), "{error}");
    assert!(error.to_string().contains("no model is loaded"));

    let mut engine = engine(PLAIN, &["amount", "graph.chain"]).unwrap();
    let other_graph = format!("{PLAIN}\n[graph]\nchain_hop = \"3h\"\n");
    let error = engine.reload(&other_graph, "other.toml").err().unwrap();
    assert!(matches!(error, EngineError::GraphPinned { .. }), "{error}");
    let same_graph = PLAIN.replace("\"plain\"", "\"plain-2\"");
    assert!(engine.reload(&same_graph, "same.toml").is_ok(), "the same [graph] table is fine");

    // Without graph features, the graph table is free to change.
    let mut free = self::engine(PLAIN, &["amount"]).unwrap();
    assert!(free.reload(&other_graph, "other.toml").is_ok());
}
