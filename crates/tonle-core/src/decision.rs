//! What the engine decides about a transaction, and why.

use std::fmt;
use std::str::FromStr;

use compact_str::CompactString;

use crate::label::Typology;
use crate::serde_str::serde_via_str;

/// The decision on one transaction, from least to most severe (the order is `Ord`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Decision {
    /// Let it through.
    Allow,
    /// Let it through and raise an alert for an analyst.
    Review,
    /// Ask the customer for strong authentication (biometric, a second factor) before it goes through.
    StepUp,
    /// Stop it until an analyst releases it.
    Hold,
    /// Refuse it.
    Block,
}

const DECISIONS: &[(Decision, &str)] = &[
    (Decision::Allow, "allow"),
    (Decision::Review, "review"),
    (Decision::StepUp, "step-up"),
    (Decision::Hold, "hold"),
    (Decision::Block, "block"),
];

impl Decision {
    /// Every decision, least severe first.
    pub const ALL: [Decision; 5] =
        [Decision::Allow, Decision::Review, Decision::StepUp, Decision::Hold, Decision::Block];

    /// The kebab-case name.
    pub fn as_str(&self) -> &'static str {
        DECISIONS[*self as usize].1
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no decision.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown decision {0:?} (expected allow, review, step-up, hold or block)")]
pub struct UnknownDecision(pub String);

impl FromStr for Decision {
    type Err = UnknownDecision;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DECISIONS.iter().find(|(_, name)| *name == s).map(|(d, _)| *d).ok_or_else(|| UnknownDecision(s.to_owned()))
    }
}

serde_via_str!(Decision);

/// One fact behind a reason: a named value the rule looked at (`debtor.out.count_1h = 14`).
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// The feature or field, as the rule language names it.
    pub name: CompactString,
    /// Its value when the rule fired, as text (numbers in full, money with its currency).
    pub value: CompactString,
}

/// Why a decision was taken: one rule (or detector, or model) that fired, with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    /// The rule's id.
    pub rule: CompactString,
    /// The typology it looks for, if any.
    pub typology: Option<Typology>,
    /// Its contribution to the score, 0 to 1.
    pub score: f64,
    /// The action it asks for.
    pub action: Decision,
    /// The values it looked at.
    pub facts: Vec<Fact>,
    /// The condition it tested, as written (`debtor.out.count_1h > 10`).
    pub condition: CompactString,
    /// A shadow rule is evaluated and reported but does not change the decision.
    pub shadow: bool,
    /// The transactions that make up what it found (a graph detector's subgraph: the payments of a cycle, a
    /// mule chain, a fan-in), by id; empty for rules on the transaction and its windows alone.
    pub evidence: Vec<CompactString>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_order_by_severity_and_round_trip() {
        assert!(Decision::Allow < Decision::Review && Decision::StepUp < Decision::Hold);
        assert_eq!(Decision::ALL.iter().max(), Some(&Decision::Block));
        for d in Decision::ALL {
            assert_eq!(d.as_str().parse::<Decision>().unwrap(), d);
        }
        assert!("stop".parse::<Decision>().is_err());
    }
}
