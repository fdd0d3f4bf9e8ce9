//! Ground truth: whether a transaction is illicit, which typology it belongs to, and in which scenario.
//!
//! Labels come from simulators and labelled data sets. They travel beside a transaction in a
//! [`LabelledTransaction`] so that scoring code, which takes a plain [`Transaction`], cannot peek at them.

use std::fmt;
use std::str::FromStr;

use compact_str::CompactString;

use crate::ids::{IdError, ScenarioId};
use crate::serde_str::serde_via_str;
use crate::transaction::Transaction;

/// A laundering or fraud pattern. The text form is kebab-case; [`Typology::from_str`] also accepts the
/// spellings of IBM AMLworld (`FAN-OUT`, `GATHER-SCATTER`) and AMLSim (`fan_out`, `scatter_gather`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Typology {
    /// Many accounts pay one.
    FanIn,
    /// One account pays many.
    FanOut,
    /// Fan-in to one account, then fan-out from it.
    GatherScatter,
    /// Fan-out to intermediaries, then fan-in to one account.
    ScatterGather,
    /// Money returns to where it started.
    Cycle,
    /// A random walk of transfers among a group.
    Random,
    /// Transfers from one set of accounts to another.
    Bipartite,
    /// Layers of bipartite transfers stacked.
    Stack,
    /// Pig butchering: a groomed victim invests ever more into a fake platform.
    PigButchering,
    /// Money mules: victims' money collected and forwarded within minutes.
    MuleNetwork,
    /// Deposits split to stay under a reporting threshold.
    Structuring,
    /// A long-dormant account suddenly moving money.
    DormantReactivation,
    /// Casino or junket cash-in and cash-out.
    Casino,
    /// Fraud by taking over a victim's account (PaySim's fraud).
    AccountTakeover,
    /// Any other typology, by name (kebab-case, as given by a source).
    Other(OtherTypology),
}

/// The name of a typology tonle has no variant for. Never empty and never the name of a known variant.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OtherTypology(CompactString);

impl OtherTypology {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const KNOWN: &[(&str, Typology)] = &[
    ("fan-in", Typology::FanIn),
    ("fan-out", Typology::FanOut),
    ("gather-scatter", Typology::GatherScatter),
    ("scatter-gather", Typology::ScatterGather),
    ("cycle", Typology::Cycle),
    ("random", Typology::Random),
    ("bipartite", Typology::Bipartite),
    ("stack", Typology::Stack),
    ("pig-butchering", Typology::PigButchering),
    ("mule-network", Typology::MuleNetwork),
    ("structuring", Typology::Structuring),
    ("dormant-reactivation", Typology::DormantReactivation),
    ("casino", Typology::Casino),
    ("account-takeover", Typology::AccountTakeover),
];

impl Typology {
    /// The canonical kebab-case name.
    pub fn as_str(&self) -> &str {
        match self {
            Typology::Other(other) => other.as_str(),
            known => KNOWN.iter().find(|(_, t)| t == known).map(|(name, _)| *name).unwrap_or("unknown"),
        }
    }

    /// Reads a name in any of the usual spellings: case, `_`, `-` and spaces do not matter.
    pub fn parse(name: &str) -> Result<Typology, IdError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(IdError::Empty("typology"));
        }
        let canonical: CompactString =
            name.chars().map(|c| if c == '_' || c == ' ' { '-' } else { c.to_ascii_lowercase() }).collect();
        Ok(KNOWN
            .iter()
            .find(|(known, _)| *known == canonical)
            .map(|(_, t)| t.clone())
            .unwrap_or(Typology::Other(OtherTypology(canonical))))
    }
}

impl fmt::Display for Typology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Typology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Typology {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Typology::parse(s)
    }
}

serde_via_str!(Typology);

/// The ground truth about one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Label {
    /// Whether the transaction is part of fraud or laundering.
    pub illicit: bool,
    /// The pattern it belongs to, when known.
    pub typology: Option<Typology>,
    /// The scenario or attempt it belongs to, when known.
    pub scenario: Option<ScenarioId>,
}

impl Label {
    /// A label saying the transaction is legitimate.
    pub fn licit() -> Label {
        Label { illicit: false, typology: None, scenario: None }
    }

    /// A label saying the transaction is illicit, of a typology when known.
    pub fn illicit(typology: Option<Typology>) -> Label {
        Label { illicit: true, typology, scenario: None }
    }
}

/// A transaction and, beside it, its ground truth if the source has one (`None`: unlabelled, not "licit").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledTransaction {
    /// The transaction, as detection code sees it.
    pub tx: Transaction,
    /// Its ground truth, for evaluation only.
    pub label: Option<Label>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_spellings() {
        assert_eq!(Typology::parse("FAN-OUT").unwrap(), Typology::FanOut);
        assert_eq!(Typology::parse("scatter_gather").unwrap(), Typology::ScatterGather);
        assert_eq!(Typology::parse("Gather Scatter").unwrap(), Typology::GatherScatter);
        let other = Typology::parse("Romance_Scam").unwrap();
        assert_eq!(other.as_str(), "romance-scam");
        assert_eq!(Typology::parse(other.as_str()).unwrap(), other);
        assert!(Typology::parse(" ").is_err());
    }

    #[test]
    fn every_known_name_round_trips() {
        for (name, typology) in KNOWN {
            assert_eq!(typology.as_str(), *name);
            assert_eq!(&Typology::parse(name).unwrap(), typology);
        }
    }
}
