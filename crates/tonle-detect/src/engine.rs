//! The engine: one transaction in, a decision with its reasons out. The CLI, the server and the scale-out
//! workers all call [`Engine::decide`].
//!
//! Per transaction: its amount is converted to the base currency (dated rates), it is folded into the window
//! features of the entities the rules read (only those roles are tracked), the variables are filled, every
//! rule is evaluated and the fired ones are combined ([`crate::rules::decide`]).

use tonle_core::{FxError, FxTable, Transaction};

use crate::features::{FeatureError, FeatureStore, Role, Snapshot, WindowConfig};
use crate::rules::decide::Outcome;
use crate::rules::expr::Value;
use crate::rules::ruleset::{RuleSet, RuleSetError};
use crate::variables::{Variables, ROLE_PREFIXES};

/// Why the engine could not start or decide.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The rule file is unusable.
    #[error(transparent)]
    Rules(#[from] RuleSetError),
    /// The window configuration is unusable, or a transaction is later than the lateness bound.
    #[error(transparent)]
    Window(#[from] FeatureError),
    /// No exchange rate for a transaction's currency (the source says which rate is missing).
    #[error("transaction {transaction}: its amount cannot be converted to the base currency")]
    Fx {
        /// The transaction's id.
        transaction: String,
        /// The missing rate.
        source: FxError,
    },
}

/// The engine.
pub struct Engine {
    store: FeatureStore,
    variables: Variables,
    rules: RuleSet,
    fx: FxTable,
    snapshot: Snapshot,
    slots: Vec<Value>,
    fired: Vec<usize>,
}

impl Engine {
    /// An engine with these windows and rules (TOML text; `origin` names it in errors), converting amounts to
    /// the base currency of `fx`.
    pub fn new(mut windows: WindowConfig, rules: &str, origin: &str, fx: FxTable) -> Result<Engine, EngineError> {
        let variables = Variables::new(&windows.horizons, fx.base().minor_per_major());
        let rules = RuleSet::from_toml(rules, origin, variables.schema())?;
        let read = roles_read(&rules, &variables);
        for role in Role::ALL {
            windows.roles[role as usize] &= read[role as usize];
        }
        let store = FeatureStore::new(windows)?;
        Ok(Engine { store, variables, rules, fx, snapshot: Snapshot::default(), slots: Vec::new(), fired: Vec::new() })
    }

    /// The rule set's version, recorded with every decision.
    pub fn ruleset_version(&self) -> &str {
        &self.rules.version
    }

    /// The rule set.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Decides one transaction and folds it into the state later decisions see.
    pub fn decide(&mut self, tx: &Transaction) -> Result<Outcome, EngineError> {
        let base = self
            .fx
            .to_base(tx.amount, tx.time.date())
            .map_err(|source| EngineError::Fx { transaction: tx.id.to_string(), source })?;
        self.store.observe_transaction(tx, base.minor(), &mut self.snapshot)?;
        let major = base.minor() as f64 / base.currency().minor_per_major() as f64;
        self.variables.fill(tx, major, &self.snapshot, &mut self.slots);
        Ok(self.rules.decide(self.variables.schema(), &self.slots, &mut self.fired))
    }
}

/// The roles to track: every role of an entity kind some rule reads. An account's `in` side comes from the
/// transactions where it is the creditor, so a rule on `debtor.in.*` needs the creditor role tracked too.
fn roles_read(rules: &RuleSet, variables: &Variables) -> [bool; 7] {
    let mut kinds = Vec::new();
    for slot in rules.variables() {
        if let Some(name) = variables.schema().name(slot) {
            let prefix = name.split('.').next().unwrap_or("");
            if let Some(role) = ROLE_PREFIXES.iter().position(|p| *p == prefix) {
                kinds.push(Role::ALL[role].kind());
            }
        }
    }
    Role::ALL.map(|role| kinds.contains(&role.kind()))
}
