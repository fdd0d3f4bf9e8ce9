//! From fired rules to a decision: the documented combination, and a reason per fired rule with the values
//! it read.
//!
//! - **Decision**: the most severe action among the live rules that fired (allow < review < step-up < hold <
//!   block); `allow` when none fired.
//! - **Score**: `1 - (1 - s1)(1 - s2)...` over the live rules that fired, each `s` its score: 0 when none
//!   fired, never above 1, higher with every independent piece of evidence, and equal to the score of a
//!   single rule that fires alone.
//! - **Reasons**: every rule that fired, live or shadow, in file order, with its typology, score, action,
//!   condition and the value of every variable the condition reads. Shadow rules are marked and change
//!   neither the decision nor the score. The engine adds the evidence of the graph detectors a rule reads
//!   (the ids of the transactions they found).

use compact_str::CompactString;
use tonle_core::{Decision, Fact, Reason};

use super::expr::{Schema, Value};
use super::ruleset::{Mode, RuleSet};

/// A decision on one transaction, with its reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Allow, review, step-up, hold or block.
    pub decision: Decision,
    /// 0 to 1, higher is riskier.
    pub score: f64,
    /// Every rule that fired.
    pub reasons: Vec<Reason>,
    /// The version of the rule set that took it.
    pub ruleset_version: std::sync::Arc<str>,
}

impl RuleSet {
    /// Evaluates every rule on a transaction's slots and combines those that fire into an outcome.
    /// `fired` is scratch space, cleared first (pass the same vector each time to avoid allocating).
    pub fn decide(&self, schema: &Schema, slots: &[Value], fired: &mut Vec<usize>) -> Outcome {
        fired.clear();
        self.evaluate(slots, fired);
        let mut decision = Decision::Allow;
        let mut clean = 1.0;
        let mut reasons = Vec::with_capacity(fired.len());
        for &index in fired.iter() {
            let rule = &self.rules[index];
            let shadow = rule.mode == Mode::Shadow;
            if !shadow {
                decision = decision.max(rule.action);
                clean *= 1.0 - rule.score;
            }
            let facts = rule
                .expr
                .variables()
                .iter()
                .filter_map(|&slot| {
                    Some(Fact {
                        name: CompactString::from(schema.name(slot)?),
                        value: CompactString::from(schema.describe(slot, *slots.get(slot)?)?),
                    })
                })
                .collect();
            reasons.push(Reason {
                rule: CompactString::from(rule.id.as_str()),
                typology: rule.typology.clone(),
                score: rule.score,
                action: rule.action,
                facts,
                condition: CompactString::from(rule.condition.as_str()),
                shadow,
                evidence: Vec::new(),
            });
        }
        Outcome { decision, score: 1.0 - clean, reasons, ruleset_version: std::sync::Arc::clone(&self.version) }
    }
}

/// One decision as the JSON object `tonle score` writes and the server returns; `evidence_id` writes the ids of evidence transactions as `id` is written.
pub fn decision_json(
    id: &str,
    outcome: &Outcome,
    version: &str,
    evidence_id: &dyn Fn(&str) -> String,
) -> serde_json::Value {
    let reasons: Vec<serde_json::Value> = outcome
        .reasons
        .iter()
        .map(|reason| {
            let facts: serde_json::Map<String, serde_json::Value> = reason
                .facts
                .iter()
                .map(|f| (f.name.to_string(), serde_json::Value::String(f.value.to_string())))
                .collect();
            let mut object = serde_json::json!({
                "rule": reason.rule.as_str(),
                "typology": reason.typology.as_ref().map(|t| t.as_str().to_owned()),
                "score": reason.score,
                "action": reason.action.as_str(),
                "shadow": reason.shadow,
                "condition": reason.condition.as_str(),
                "facts": facts,
            });
            if !reason.evidence.is_empty() {
                let ids: Vec<String> = reason.evidence.iter().map(|e| evidence_id(e)).collect();
                object["evidence"] = serde_json::json!(ids);
            }
            object
        })
        .collect();
    serde_json::json!({
        "transaction_id": id,
        "decision": outcome.decision.as_str(),
        "score": outcome.score,
        "reasons": reasons,
        "ruleset_version": version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::expr::Ty;

    const RULES: &str = r#"name = "t"

[[rule]]
id = "cash"
description = "cash"
score = 0.5
action = "review"
expression = 'channel == "cash-deposit" && amount > 9000.0'

[[rule]]
id = "burst"
description = "burst"
typology = "mule-network"
score = 0.6
action = "hold"
expression = 'count > 10 && gap < 10m'

[[rule]]
id = "try-block"
description = "a rule on trial"
score = 0.9
action = "block"
mode = "shadow"
expression = "count > 10"
"#;

    fn schema() -> Schema {
        let mut schema = Schema::new();
        let channel = schema.domain("channel", &["card", "cash-deposit"]);
        schema.var("channel", channel);
        schema.var("amount", Ty::Money);
        schema.var("count", Ty::Integer);
        schema.var("gap", Ty::Duration);
        schema
    }

    #[test]
    fn combines_live_rules_and_reports_every_fired_rule() {
        let schema = schema();
        let set = RuleSet::from_toml(RULES, "t.toml", &schema).unwrap();
        let mut fired = Vec::new();
        let quiet = [Value::code(0), Value::num(50.0), Value::int(1), Value::num(f64::INFINITY)];
        let outcome = set.decide(&schema, &quiet, &mut fired);
        assert_eq!((outcome.decision, outcome.score, outcome.reasons.len()), (Decision::Allow, 0.0, 0));

        let cash = [Value::code(1), Value::num(9500.0), Value::int(1), Value::num(f64::INFINITY)];
        let outcome = set.decide(&schema, &cash, &mut fired);
        assert_eq!(outcome.decision, Decision::Review);
        assert!((outcome.score - 0.5).abs() < 1e-12);
        let facts: Vec<(&str, &str)> =
            outcome.reasons[0].facts.iter().map(|f| (f.name.as_str(), f.value.as_str())).collect();
        assert_eq!(facts, [("channel", "cash-deposit"), ("amount", "9500")]);

        let both = [Value::code(1), Value::num(9500.0), Value::int(12), Value::num(300.0)];
        let outcome = set.decide(&schema, &both, &mut fired);
        assert_eq!(outcome.decision, Decision::Hold, "the shadow block does not decide");
        assert!((outcome.score - (1.0 - 0.5 * 0.4)).abs() < 1e-12, "{}", outcome.score);
        let ids: Vec<(&str, bool)> = outcome.reasons.iter().map(|r| (r.rule.as_str(), r.shadow)).collect();
        assert_eq!(ids, [("cash", false), ("burst", false), ("try-block", true)]);
        let burst = &outcome.reasons[1];
        assert_eq!(burst.typology, Some(tonle_core::Typology::MuleNetwork));
        let facts: Vec<(&str, &str)> = burst.facts.iter().map(|f| (f.name.as_str(), f.value.as_str())).collect();
        assert_eq!(facts, [("count", "12"), ("gap", "5m")]);
        assert_eq!(burst.condition, "count > 10 && gap < 10m");
    }

    #[test]
    fn durations_and_unknowns_read_as_written() {
        let schema = schema();
        assert_eq!(schema.describe(3, Value::num(f64::INFINITY)).unwrap(), "never");
        assert_eq!(schema.describe(3, Value::num(90.0 * 86_400.0)).unwrap(), "90d");
        assert_eq!(schema.describe(3, Value::num(1.5)).unwrap(), "1.5s");
        assert_eq!(schema.describe(0, Value::code(7)).unwrap(), "unknown");
        assert_eq!(schema.describe(9, Value::num(1.0)), None);
    }
}
