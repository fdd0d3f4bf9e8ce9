//! The engine end to end on simulated traffic: rules over window features catch the typologies they are
//! written for, and say why.

use tonle_core::{Currency, Decision, FxRate, FxTable, Typology};
use tonle_detect::engine::Engine;
use tonle_detect::features::WindowConfig;
use tonle_sim::{Scenario, Simulation};

const RULES: &str = r#"name = "test"

[[rule]]
id = "structuring-kh"
description = "A day's cash deposits just under Cambodia's USD 10,000 / KHR 40,000,000 reporting threshold"
typology = "structuring"
score = 0.6
action = "review"
expression = 'channel == "cash-deposit" && creditor.in.sum_24h >= 7000.0 && creditor.in.sum_24h < 10000.0'

[[rule]]
id = "rapid-pass-through"
description = "Most of what came in within ten minutes goes straight out"
typology = "mule-network"
score = 0.5
action = "hold"
expression = 'debtor.in.sum_10m >= 50.0 && debtor.out.sum_10m >= 0.7 * debtor.in.sum_10m && debtor.out.sum_10m <= debtor.in.sum_10m'
"#;

#[test]
fn rules_catch_their_typologies_on_simulated_traffic() {
    let text = "name = \"engine\"\nstart = \"2026-03-02\"\ndays = 20\n[population]\npersons = 1500\nbusinesses = 30\n\
                merchants = 60\n[typologies.structuring]\ncount = 4\n[typologies.mule_network]\ncount = 3\n";
    let scenario = Scenario::from_toml(text, "engine").unwrap();
    let simulation = Simulation::new(&scenario, 3);
    let mut fx = FxTable::new(Currency::USD);
    for (currency, per_usd) in simulation.rates() {
        if *currency != Currency::USD {
            let date = scenario.start_date() - chrono::Duration::days(1);
            fx.insert(date, Currency::USD, *currency, FxRate::parse(&per_usd.to_string()).unwrap()).unwrap();
        }
    }
    let mut engine = Engine::new(WindowConfig::default(), RULES, "rules.toml", fx).unwrap();
    assert!(engine.ruleset_version().starts_with("test@"));
    let (mut forwards, mut forward_hits, mut alerts, mut total) = (0, 0, 0, 0);
    // Per Cambodian structuring scheme: whether any of its deposits fired the rule (a running daily sum
    // crosses the rule's floor on a day's last deposits, not on every one).
    let mut schemes: std::collections::BTreeMap<String, bool> = std::collections::BTreeMap::new();
    for labelled in simulation {
        let outcome = engine.decide(&labelled.tx).unwrap();
        let label = labelled.label.unwrap();
        total += 1;
        if outcome.decision != Decision::Allow {
            alerts += 1;
        }
        let fired = |id: &str| outcome.reasons.iter().any(|r| r.rule == id);
        if label.typology == Some(Typology::Structuring) && labelled.tx.channel == tonle_core::Channel::CashDeposit {
            let kh = labelled.tx.creditor.country.is_some_and(|c| c.as_str() == "KH");
            if kh {
                let id = label.scenario.as_ref().unwrap().to_string();
                *schemes.entry(id).or_default() |= fired("structuring-kh");
            }
        }
        if label.typology == Some(Typology::MuleNetwork) && labelled.tx.channel != tonle_core::Channel::CashWithdrawal {
            // A mule passing money on: the debtor received it minutes ago.
            if outcome.reasons.iter().any(|r| r.rule == "rapid-pass-through") {
                forward_hits += 1;
                let reason = outcome.reasons.iter().find(|r| r.rule == "rapid-pass-through").unwrap();
                assert_eq!(reason.action, Decision::Hold);
                assert!(reason.facts.iter().any(|f| f.name == "debtor.in.sum_10m"), "{reason:?}");
            }
            forwards += 1;
        }
    }
    let caught = schemes.values().filter(|c| **c).count();
    assert!(
        !schemes.is_empty() && caught * 2 >= schemes.len(),
        "structuring schemes caught: {caught}/{}",
        schemes.len()
    );
    assert!(forward_hits * 4 >= forwards, "pass-through {forward_hits}/{forwards}");
    assert!(alerts * 50 < total, "alerts {alerts} of {total}: the rules must be selective");
}
