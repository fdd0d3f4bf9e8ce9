//! Snapshots: an engine restored from a snapshot decides what follows exactly as the engine it was taken
//! from, graph facts and window features included; a snapshot from an engine built otherwise is refused.

use tonle_core::Transaction;
use tonle_detect::engine::Engine;
use tonle_detect::features::WindowConfig;
use tonle_detect::rules::ruleset::DEFAULT_RULES;
use tonle_detect::state::{EngineState, StateError, STATE_VERSION};
use tonle_sim::{Scenario, Simulation};

fn summary(result: Result<tonle_detect::rules::decide::Outcome, tonle_detect::engine::EngineError>) -> String {
    match result {
        Ok(outcome) => format!("{:?} {} {:?}", outcome.decision, outcome.score, outcome.reasons),
        Err(error) => format!("error: {error}"),
    }
}

fn engine(fx: &tonle_core::FxTable) -> Engine {
    Engine::new(WindowConfig::default(), DEFAULT_RULES, "default rules", fx.clone()).unwrap()
}

fn snapshot(engine: &Engine) -> Vec<u8> {
    postcard::to_stdvec(&engine.state()).unwrap()
}

fn restore(engine: &mut Engine, bytes: &[u8]) -> Result<(), StateError> {
    let state: EngineState = postcard::from_bytes(bytes).unwrap();
    engine.restore(state)
}

#[test]
fn a_restored_engine_decides_as_the_one_it_was_taken_from() {
    let scenario = Scenario::preset("tiny").unwrap();
    let simulation = Simulation::new(&scenario, 3);
    let fx = simulation.fx_table();
    let txs: Vec<Transaction> = simulation.take(30_000).map(|labelled| labelled.tx).collect();
    let mut whole = engine(&fx);
    assert!(whole.graph().is_some(), "the default rules read the money-flow graph");
    let expected: Vec<String> = txs.iter().map(|tx| summary(whole.decide(tx))).collect();
    assert!(expected.iter().filter(|e| !e.starts_with("Allow")).count() > 20, "some alerts to compare");
    assert!(expected.iter().any(|e| e.contains("graph.")), "graph facts among the reasons");
    let accounts: Vec<&str> = txs.iter().rev().take(50).map(|tx| tx.debtor.account.as_str()).collect();

    // Snapshots at the start, in the middle of a housekeeping pass and one before the end.
    for cut in [1, 4_097, 17_321, txs.len() - 1] {
        let mut before = engine(&fx);
        txs[..cut].iter().for_each(|tx| drop(before.decide(tx)));
        let bytes = snapshot(&before);
        // A copy, encoded later (as the server does on another thread), is the same snapshot.
        let copy = before.state_copy();
        drop(before.decide(&txs[cut]));
        assert_eq!(postcard::to_stdvec(&copy).unwrap(), bytes, "snapshot after {cut}: the copy");
        let mut after = engine(&fx);
        restore(&mut after, &bytes).unwrap();
        for (k, tx) in txs.iter().enumerate().skip(cut) {
            assert_eq!(summary(after.decide(tx)), expected[k], "snapshot after {cut}: transaction {k}");
        }
        for account in &accounts {
            assert_eq!(
                format!("{:?}", after.account_features(account)),
                format!("{:?}", whole.account_features(account)),
                "snapshot after {cut}: the features of {account}"
            );
        }
    }
}

#[test]
fn a_snapshot_from_an_engine_built_otherwise_is_refused_and_changes_nothing() {
    let scenario = Scenario::preset("tiny").unwrap();
    let simulation = Simulation::new(&scenario, 4);
    let fx = simulation.fx_table();
    let txs: Vec<Transaction> = simulation.take(2_000).map(|labelled| labelled.tx).collect();
    let mut source = engine(&fx);
    txs.iter().for_each(|tx| drop(source.decide(tx)));
    let bytes = snapshot(&source);

    // Another lateness bound.
    let defaults = WindowConfig::default();
    let windows = WindowConfig { max_lateness: defaults.max_lateness + 1, ..defaults };
    let mut other = Engine::new(windows, DEFAULT_RULES, "default rules", fx.clone()).unwrap();
    let error = restore(&mut other, &bytes).unwrap_err();
    assert!(matches!(&error, StateError::Mismatch(m) if m.contains("lateness bound")), "{error}");
    assert!(other.account_features(txs[0].debtor.account.as_str()).is_none(), "nothing was restored");

    // Rules that read no graph.
    let plain = "name = \"plain\"\n[[rule]]\nid = \"big\"\ndescription = \"d\"\nscore = 0.5\naction = \"review\"\n\
                 expression = \"amount > 10000.0 && debtor.out.count_24h > 3\"\n";
    let mut plain = Engine::new(WindowConfig::default(), plain, "plain.toml", fx.clone()).unwrap();
    let error = restore(&mut plain, &bytes).unwrap_err();
    assert!(matches!(error, StateError::Mismatch(_)), "{error}");

    // Another layout (the version comes first, as one varint byte).
    let mut newer = bytes.clone();
    newer[0] = STATE_VERSION as u8 + 1;
    let error = restore(&mut engine(&fx), &newer).unwrap_err();
    assert_eq!(error, StateError::Version { found: STATE_VERSION + 1 });
}
