//! Screening in the decision path: each transaction's parties are checked against sanctions and watch lists
//! before its rules run, by a [`Screener`] the engine is given ([`crate::engine::Engine::set_screener`]).
//!
//! - **What is screened.** Each side's holder name (with its country as a qualifier) and its account id
//!   (exactly, as a listed crypto address).
//! - **Cached.** A name's answer is kept until the screener's lists change ([`Screener::generation`]), so a
//!   known name costs a hash lookup and only a new name runs the matcher. At most [`MAX_CACHED`] names are
//!   kept; the cache starts over when it is full.
//! - **For rules.** `screen.debtor.score` and `screen.creditor.score` (0 to 1: the best listed match of the
//!   holder's name, 0 when none reaches the screener's threshold), `screen.debtor.wallet` and
//!   `screen.creditor.wallet` (the account is a listed crypto address). A rule reading them gets the listed
//!   entity, its name as listed, and how it matched among its facts (`screen.debtor.name.entity`,
//!   `screen.debtor.name.listed`, `screen.debtor.name.match`; `screen.debtor.wallet.*` likewise).
//! - **Without rules.** By [`ScreenPolicy`], a name hit asks for `hold` and a listed wallet for `block`, each
//!   with a reason `screen:<side>-name` or `screen:<side>-wallet` naming the entity, the listed name and how
//!   it matched. Its score joins the decision's: `1 - (1 - s)(1 - hit)`.

use std::sync::Arc;

use compact_str::{format_compact, CompactString};
use rustc_hash::FxHashMap;
use tonle_core::{CountryCode, Decision, Fact, Reason, ScreenHit, Screener, Transaction};

use crate::rules::decide::Outcome;

/// The most names whose answers an engine keeps (about 150 bytes each besides a hit).
pub const MAX_CACHED: usize = 1_000_000;

/// What a hit asks for by itself, besides what rules reading `screen.*` decide: `None` leaves it to the
/// rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreenPolicy {
    /// The action of a holder's name matching a listed entity (default `hold`: a person confirms it).
    pub name: Option<Decision>,
    /// The action of an account that is a listed crypto address (default `block`: an exact match).
    pub wallet: Option<Decision>,
}

impl Default for ScreenPolicy {
    fn default() -> Self {
        ScreenPolicy { name: Some(Decision::Hold), wallet: Some(Decision::Block) }
    }
}

/// Which side, and whether by name or account, in the order of [`Screening::hits`].
pub const HIT_NAMES: [&str; 4] = ["debtor-name", "debtor-wallet", "creditor-name", "creditor-wallet"];

/// The variable each hit of [`HIT_NAMES`] is read by.
pub const HIT_VARIABLES: [&str; 4] =
    ["screen.debtor.score", "screen.debtor.wallet", "screen.creditor.score", "screen.creditor.wallet"];

/// The prefix of the facts each hit of [`HIT_NAMES`] adds to a reason (`screen.debtor.name.entity`).
const HIT_FACTS: [&str; 4] =
    ["screen.debtor.name", "screen.debtor.wallet", "screen.creditor.name", "screen.creditor.wallet"];

/// A name's answer for one country (or none): its best hit, if any.
type Answer = (Option<CountryCode>, Option<Arc<ScreenHit>>);

/// An engine's screener, its policy, and its cache of answers.
pub(crate) struct Screening {
    screener: Arc<dyn Screener>,
    policy: ScreenPolicy,
    /// The lists' generation the cache holds answers of.
    generation: u64,
    /// Per name, the answer for each country it came with.
    names: FxHashMap<Box<str>, Vec<Answer>>,
    cached: usize,
    /// The last transaction's hits, in the order of [`HIT_NAMES`].
    pub(crate) hits: [Option<Arc<ScreenHit>>; 4],
    pub(crate) stats: ScreenStats,
}

/// What an engine's screening has done since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScreenStats {
    /// Names looked up (one per named party per transaction).
    pub names: u64,
    /// Of those, names the matcher ran for (not in the cache).
    pub screened: u64,
    /// Times the cache was emptied because the lists changed.
    pub list_changes: u64,
}

impl Screening {
    pub(crate) fn new(screener: Arc<dyn Screener>, policy: ScreenPolicy) -> Screening {
        Screening {
            generation: screener.generation(),
            screener,
            policy,
            names: FxHashMap::default(),
            cached: 0,
            hits: Default::default(),
            stats: ScreenStats::default(),
        }
    }

    /// Screens both sides of a transaction into [`Screening::hits`].
    pub(crate) fn screen(&mut self, tx: &Transaction) {
        let generation = self.screener.generation();
        if generation != self.generation || self.cached >= MAX_CACHED {
            self.stats.list_changes += u64::from(generation != self.generation);
            self.names.clear();
            self.cached = 0;
            self.generation = generation;
        }
        for (side, party) in [&tx.debtor, &tx.creditor].into_iter().enumerate() {
            self.hits[side * 2] = party.name.as_ref().and_then(|name| self.name(name.as_str(), party.country));
            self.hits[side * 2 + 1] = self.screener.screen_account(party.account.as_str()).map(Arc::new);
        }
    }

    fn name(&mut self, name: &str, country: Option<CountryCode>) -> Option<Arc<ScreenHit>> {
        self.stats.names += 1;
        if let Some(answers) = self.names.get(name) {
            if let Some((_, hit)) = answers.iter().find(|(c, _)| *c == country) {
                return hit.clone();
            }
        }
        self.stats.screened += 1;
        let hit = self.screener.screen_name(name, country).map(Arc::new);
        self.names.entry(name.into()).or_default().push((country, hit.clone()));
        self.cached += 1;
        hit
    }

    /// The score and wallet flag of each side, in the order of [`HIT_VARIABLES`].
    pub(crate) fn values(&self) -> [f64; 4] {
        std::array::from_fn(|i| self.hits[i].as_ref().map_or(0.0, |hit| hit.score))
    }

    /// Adds the facts of the hits a fired rule reads (`reads[i]`: it reads hit `i`'s variable).
    pub(crate) fn explain(&self, reads: [bool; 4], reason: &mut Reason) {
        for (i, hit) in self.hits.iter().enumerate() {
            if let (true, Some(hit)) = (reads[i], hit) {
                facts_of(HIT_FACTS[i], hit, &mut reason.facts);
            }
        }
    }

    /// Adds the hits' own reasons to an outcome, by the policy.
    pub(crate) fn apply(&self, outcome: &mut Outcome) {
        for (i, hit) in self.hits.iter().enumerate() {
            let Some(hit) = hit else { continue };
            let wallet = i % 2 == 1;
            let Some(action) = (if wallet { self.policy.wallet } else { self.policy.name }) else { continue };
            outcome.decision = outcome.decision.max(action);
            outcome.score = 1.0 - (1.0 - outcome.score) * (1.0 - hit.score);
            let variable = HIT_VARIABLES[i];
            let mut facts = vec![Fact {
                name: variable.into(),
                value: if wallet { "true".into() } else { format_compact!("{:.4}", hit.score) },
            }];
            facts_of(HIT_FACTS[i], hit, &mut facts);
            outcome.reasons.push(Reason {
                rule: format_compact!("screen:{}", HIT_NAMES[i]),
                typology: None,
                score: hit.score,
                action,
                facts,
                condition: if wallet { variable.into() } else { CompactString::from("listed name match") },
                shadow: false,
                evidence: Vec::new(),
            });
        }
    }
}

/// A hit's entity, listed name and how it matched, as facts under `prefix` (`screen.debtor.name.entity`).
fn facts_of(prefix: &str, hit: &ScreenHit, facts: &mut Vec<Fact>) {
    facts.push(Fact { name: format_compact!("{prefix}.entity"), value: hit.entity.clone() });
    facts.push(Fact { name: format_compact!("{prefix}.listed"), value: hit.listed.clone() });
    facts.push(Fact { name: format_compact!("{prefix}.match"), value: hit.detail.clone() });
}
