//! The engine: one transaction in, a decision with its reasons out. The CLI, the server and the scale-out
//! workers all call [`Engine::decide`].
//!
//! Per transaction: its amount is converted to the base currency (dated rates), it is folded into the window
//! features of the entities the rules read (only those roles are tracked), the variables are filled, every
//! rule is evaluated and the fired ones are combined ([`crate::rules::decide`]).
//!
//! The rules can be replaced while the engine runs, from another thread, without dropping a transaction:
//! [`Engine::reloader`] and [`crate::reload`].

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tonle_core::{FxError, FxTable, ScreenHit, Screener, Transaction};

use crate::features::{EventKeys, FeatureError, FeatureStore, Prepared, Role, Snapshot, WindowConfig, MAX_HORIZONS};
use crate::graph::config::Nodes;
use crate::graph::rings::Rings;
use crate::graph::{
    ip_text, GraphConfig, GraphFacts, IdentifierKeys, MoneyGraph, Motif, NewEdge, TemporalGraph, MOTIFS, NO_HINT,
};
use crate::models::gbdt::ShapScratch;
use crate::models::model::{Model, ModelError};
use crate::models::{Extractor, FeatureSchema, SchemaError};
use crate::reload::{Reloader, Shared};
use crate::rules::decide::Outcome;
use crate::rules::expr::Value;
use crate::rules::ruleset::{RuleSet, RuleSetError};
use crate::screening::{ScreenPolicy, Screening};
use crate::variables::{Variables, ROLE_PREFIXES};

/// Why the engine could not start or decide, or refused a rule set.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The rule file is unusable.
    #[error(transparent)]
    Rules(#[from] RuleSetError),
    /// A rule reads an entity role the engine keeps no history for.
    #[error(
        "{origin}: rule {rule:?} reads `{variable}`, but the engine keeps no history for these roles: {missing}; \
         start it tracking them (Engine::with_tracked_roles, or tonle score --track-roles)"
    )]
    UntrackedRole {
        /// The file.
        origin: String,
        /// The rule's id.
        rule: String,
        /// The first variable it reads of that role.
        variable: String,
        /// The untracked roles its entity kind needs, by prefix (`device`, `debtor, creditor`).
        missing: String,
    },
    /// A model feature reads a role, window or maximum the engine was told not to track.
    #[error("the model feature `{variable}` reads a role, window or window maximum this engine does not track")]
    UntrackedFeature {
        /// The feature's variable.
        variable: String,
    },
    /// A rule reads the largest amount of a window the engine does not keep.
    #[error(
        "{origin}: rule {rule:?} reads `{variable}`, but the engine does not keep that window's largest amount; \
         start it keeping every maximum (Engine::with_tracked_roles with WindowConfig::maxima, or tonle score \
         --track-roles)"
    )]
    UntrackedMaximum {
        /// The file.
        origin: String,
        /// The rule's id.
        rule: String,
        /// The variable.
        variable: String,
    },
    /// A rule reads the counts of a window the engine does not keep.
    #[error(
        "{origin}: rule {rule:?} reads `{variable}`, but the engine does not keep that window's counts; start it \
         keeping every window (Engine::with_tracked_roles with WindowConfig::counted, or tonle score \
         --track-roles)"
    )]
    UntrackedWindow {
        /// The file.
        origin: String,
        /// The rule's id.
        rule: String,
        /// The variable.
        variable: String,
    },
    /// The window configuration is unusable, or a transaction is later than the lateness bound.
    #[error(transparent)]
    Window(#[from] FeatureError),
    /// A model's feature list is unusable, or its schema differs from the engine's.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// A rule reads a model's score, but no model is loaded.
    #[error("{origin}: rule {rule:?} reads `{variable}`, but no model is loaded (tonle score --model)")]
    NoModel {
        /// The file.
        origin: String,
        /// The rule's id.
        rule: String,
        /// The variable.
        variable: String,
    },
    /// A rule reads a screening variable, but the engine screens no lists.
    #[error("{origin}: rule {rule:?} reads `{variable}`, but no lists are screened (tonle score --list)")]
    NoScreener {
        /// The file.
        origin: String,
        /// The rule's id.
        rule: String,
        /// The variable.
        variable: String,
    },
    /// A new rule set changes the graph parameters a loaded model's features were computed with.
    #[error(
        "{origin}: its [graph] table differs from the one the loaded model's graph features were trained with; \
         keep the model's parameters or retrain the model"
    )]
    GraphPinned {
        /// The file.
        origin: String,
    },
    /// The model could not score a transaction (an ONNX runtime error).
    #[error("transaction {transaction}: the model failed: {source}")]
    Model {
        /// The transaction's id.
        transaction: String,
        /// Why.
        source: ModelError,
    },
    /// No exchange rate for a transaction's currency (the source says which rate is missing).
    #[error("transaction {transaction}: its amount cannot be converted to the base currency")]
    Fx {
        /// The transaction's id.
        transaction: String,
        /// The missing rate.
        source: FxError,
    },
}

/// What an engine keeps history for: entity roles, the windows whose counts it keeps, and the windows whose
/// largest amount it keeps. Rules may read only these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracked {
    /// Per role (slot order of [`Role::ALL`]).
    pub roles: [bool; 7],
    /// Per horizon and side (out, in), as [`WindowConfig::maxima`].
    pub maxima: [[bool; 2]; MAX_HORIZONS],
    /// Per horizon, as [`WindowConfig::counted`].
    pub windows: [bool; MAX_HORIZONS],
}

impl Tracked {
    /// What a window configuration allows.
    fn of(windows: &WindowConfig) -> Tracked {
        Tracked { roles: windows.roles, maxima: windows.maxima, windows: windows.counted }
    }

    /// Both, or either.
    fn union(self, other: Tracked) -> Tracked {
        Tracked {
            roles: std::array::from_fn(|i| self.roles[i] || other.roles[i]),
            maxima: std::array::from_fn(|h| std::array::from_fn(|s| self.maxima[h][s] || other.maxima[h][s])),
            windows: std::array::from_fn(|h| self.windows[h] || other.windows[h]),
        }
    }

    /// Whether everything in `self` is in `other`.
    fn within(&self, other: &Tracked) -> bool {
        self.intersection(*other) == *self
    }

    /// Both only.
    fn intersection(self, other: Tracked) -> Tracked {
        Tracked {
            roles: std::array::from_fn(|i| self.roles[i] && other.roles[i]),
            maxima: std::array::from_fn(|h| std::array::from_fn(|s| self.maxima[h][s] && other.maxima[h][s])),
            windows: std::array::from_fn(|h| self.windows[h] && other.windows[h]),
        }
    }
}

/// The engine.
pub struct Engine {
    store: FeatureStore,
    variables: Arc<Variables>,
    rules: Arc<RuleSet>,
    fx: FxTable,
    snapshot: Snapshot,
    slots: Vec<Value>,
    fired: Vec<usize>,
    /// The roles the active rules read: the only ones whose variables are filled.
    filled: [bool; 7],
    reload: Arc<Shared>,
    /// The money-flow graph, once a rule set reads `graph.*`.
    graph: Option<MoneyGraph>,
    graph_facts: GraphFacts,
    /// Scratch text of an IP address, and of the two node keys when nodes are parties.
    ip: String,
    node_keys: [String; 2],
    /// The features a model reads, when the engine computes them.
    inputs: Option<ModelInputs>,
    /// The parties' screening, once a screener is set.
    screening: Option<Screening>,
}

/// What the engine keeps for a model: the schema of its features, where they are read, and the row of the
/// transaction decided last.
struct ModelInputs {
    schema: FeatureSchema,
    extractor: Extractor,
    row: Vec<f32>,
    /// The model scoring the row, when one is loaded (not when features are only computed, for training).
    serving: Option<Serving>,
}

/// A loaded model and its scratch space.
struct Serving {
    model: Model,
    /// The last transaction's probability and anomaly score.
    score: f64,
    anomaly: f64,
    /// Whether the active rules read `model.anomaly`: the forest runs only then (0 otherwise).
    anomaly_read: bool,
    anomaly_row: Vec<f32>,
    contributions: Vec<f64>,
    shap: ShapScratch,
}

/// How many features a model's reason names: those that pushed its score up most.
const EXPLAINED_FEATURES: usize = 5;

/// What rule sets must agree with besides the variables and the tracked roles: the graph parameters a model's
/// features were computed with, and whether a model is loaded (for rules reading `model.*`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Pins {
    pub(crate) graph: Option<GraphConfig>,
    pub(crate) model: bool,
    /// Whether rules may read `screen.*` (a screener is set).
    pub(crate) screening: bool,
}

/// Tracking for [`Engine::new`] and its kin: what the rules (and a model) read, within `windows`.
fn within(windows: &WindowConfig) -> impl FnOnce(Tracked) -> Tracked {
    let allowed = Tracked::of(windows);
    move |read| read.intersection(allowed)
}

/// Tracking for [`Engine::with_tracked_roles`] and its kin: what is read, and everything in `windows` besides,
/// each kind's roles together.
fn besides(windows: &WindowConfig) -> impl FnOnce(Tracked) -> Tracked {
    let wanted = Tracked::of(windows);
    move |read| {
        let both = read.union(wanted);
        Tracked { roles: kind_closure(both.roles), ..both }
    }
}

impl Engine {
    /// An engine with these windows and rules (TOML text; `origin` names it in errors), converting amounts to
    /// the base currency of `fx`. It tracks only the entity roles the rules read, within `windows.roles` (all
    /// roles by default); a rule reading a role outside `windows.roles` is refused
    /// ([`EngineError::UntrackedRole`]), and so is a reloaded set reading a role this engine does not track.
    /// Likewise it keeps only the maxima the rules read, within `windows.maxima`.
    pub fn new(windows: WindowConfig, rules: &str, origin: &str, fx: FxTable) -> Result<Engine, EngineError> {
        let track = within(&windows);
        Engine::build(windows, rules, origin, fx, None, track)
    }

    /// An engine like [`Engine::new`] that also computes these model features for every transaction
    /// ([`Engine::features`]): the input of training. It tracks the roles and runs the graph detectors the
    /// features read, as well as those the rules read; the graph's parameters are the rule file's `[graph]`
    /// table, and a rule set loaded later must keep them.
    pub fn with_features(
        windows: WindowConfig,
        rules: &str,
        origin: &str,
        fx: FxTable,
        features: &[String],
    ) -> Result<Engine, EngineError> {
        let track = within(&windows);
        Engine::build(windows, rules, origin, fx, Some((features, None)), track)
    }

    /// An engine like [`Engine::new`] that also serves a model: it computes the model's features for every
    /// transaction, scores them, fills `model.score` and `model.anomaly` for the rules, and flags a transaction
    /// whose probability reaches the model's threshold with the model's action and a reason naming the
    /// features that pushed its score up most (TreeSHAP). A tonle model whose feature schema differs from
    /// this engine's (other horizons, base currency, graph parameters, feature definitions) is refused.
    pub fn with_model(
        windows: WindowConfig,
        rules: &str,
        origin: &str,
        fx: FxTable,
        model: Model,
    ) -> Result<Engine, EngineError> {
        let track = within(&windows);
        Engine::serving(windows, rules, origin, fx, model, track)
    }

    /// An engine like [`Engine::with_model`] that also tracks every role in `windows.roles`, as
    /// [`Engine::with_tracked_roles`] does, so that rule sets published later may read them.
    pub fn with_model_and_tracked_roles(
        windows: WindowConfig,
        rules: &str,
        origin: &str,
        fx: FxTable,
        model: Model,
    ) -> Result<Engine, EngineError> {
        let track = besides(&windows);
        Engine::serving(windows, rules, origin, fx, model, track)
    }

    /// An engine that tracks every role in `windows.roles` as well as those the rules read, so that rule sets
    /// published later may read them (see [`crate::reload`]). An account's history needs both account roles,
    /// so naming one tracks the other too; likewise for parties and phones. Each role tracked costs about as
    /// much time as another. Likewise it keeps the maxima in `windows.maxima` as well as those the rules read.
    pub fn with_tracked_roles(
        windows: WindowConfig,
        rules: &str,
        origin: &str,
        fx: FxTable,
    ) -> Result<Engine, EngineError> {
        let track = besides(&windows);
        Engine::build(windows, rules, origin, fx, None, track)
    }

    /// An engine serving `model`, tracking what `track` makes of what the rules and the model read.
    fn serving(
        windows: WindowConfig,
        rules: &str,
        origin: &str,
        fx: FxTable,
        model: Model,
        track: impl FnOnce(Tracked) -> Tracked,
    ) -> Result<Engine, EngineError> {
        let features = model.features.clone();
        Engine::build(windows, rules, origin, fx, Some((&features, Some(model))), track)
    }

    fn build(
        mut windows: WindowConfig,
        rules: &str,
        origin: &str,
        fx: FxTable,
        features: Option<(&[String], Option<Model>)>,
        track: impl FnOnce(Tracked) -> Tracked,
    ) -> Result<Engine, EngineError> {
        let variables = Arc::new(Variables::new(&windows.horizons, fx.base().minor_per_major()));
        let set = RuleSet::from_toml(rules, origin, variables.schema())?;
        let inputs = match features {
            Some((features, model)) => {
                let schema = FeatureSchema::new(features, &variables, fx.base().code(), &windows.horizons, &set.graph)?;
                if let Some(trained) = model.as_ref().and_then(|m| m.schema.as_ref()) {
                    trained.check_against(&schema)?;
                }
                let mut extractor = Extractor::new(&schema, &variables)?;
                // A served model's row holds only the columns it reads (the others stay NaN, and their
                // features, graph detectors included, are not computed for it).
                let mut row = vec![0.0; extractor.width()];
                if let Some(model) = &model {
                    extractor.read_only(&model.columns_read());
                    row.fill(f32::NAN);
                }
                let serving = model.map(|model| Serving {
                    model,
                    score: 0.0,
                    anomaly: 0.0,
                    anomaly_read: set.variables().into_iter().any(|slot| variables.is_anomaly(slot)),
                    anomaly_row: Vec::new(),
                    contributions: Vec::new(),
                    shap: ShapScratch::new(),
                });
                Some(ModelInputs { schema, extractor, row, serving })
            }
            None => None,
        };
        let model_slots: Vec<usize> = inputs.iter().flat_map(|i| i.extractor.slots()).collect();
        let pins = Pins {
            graph: inputs.as_ref().and_then(|i| i.schema.context.graph.is_some().then_some(set.graph)),
            model: inputs.as_ref().is_some_and(|i| i.serving.is_some()),
            // A screener is set after the engine is built; until then `unscreened_rule` names such a rule.
            screening: true,
        };
        let tracked = track(reads(set.variables().into_iter().chain(model_slots.iter().copied()), &variables));
        check_tracked(&set, origin, &variables, &tracked)?;
        check_pins(&set, origin, &variables, &pins)?;
        if let Some(slot) = model_slots.iter().copied().find(|s| !reads([*s].into_iter(), &variables).within(&tracked))
        {
            return Err(EngineError::UntrackedFeature {
                variable: variables.schema().name(slot).unwrap_or_default().to_owned(),
            });
        }
        windows.roles = tracked.roles;
        windows.maxima = tracked.maxima;
        windows.counted = tracked.windows;
        let store = FeatureStore::new(windows)?;
        let filled = roles_filled(set.variables().into_iter().chain(model_slots.iter().copied()), &variables);
        let mut graph = None;
        start_graph(&mut graph, &set, &model_slots, &variables);
        let rules = Arc::new(set);
        let reload = Arc::new(Shared::new(Arc::clone(&variables), tracked, pins, Arc::clone(&rules)));
        Ok(Engine {
            store,
            variables,
            rules,
            fx,
            snapshot: Snapshot::default(),
            slots: Vec::new(),
            fired: Vec::new(),
            filled,
            reload,
            graph,
            graph_facts: GraphFacts::default(),
            ip: String::new(),
            node_keys: Default::default(),
            inputs,
            screening: None,
        })
    }

    /// Screens every transaction's parties with `screener` from now on (see [`crate::screening`]): its hits
    /// fill the `screen.*` variables and, by `policy`, ask for an action of their own.
    pub fn set_screener(&mut self, screener: Arc<dyn Screener>, policy: ScreenPolicy) {
        self.screening = Some(Screening::new(screener, policy));
        self.reload.set_screening(true);
    }

    /// The id of a rule reading `screen.*` while no screener is set: such a rule can never fire, so a caller
    /// should refuse to run it. A rule set published later is refused for it
    /// ([`EngineError::NoScreener`]).
    pub fn unscreened_rule(&self) -> Option<(&str, &str)> {
        if self.screening.is_some() {
            return None;
        }
        self.rules.rules.iter().find_map(|rule| {
            let slot = rule.expr.variables().iter().find(|s| self.variables.screen_of(**s).is_some())?;
            Some((rule.id.as_str(), self.variables.schema().name(*slot)?))
        })
    }

    /// The screening hits of the transaction decided last, in the order of
    /// [`crate::screening::HIT_NAMES`] (debtor's name, debtor's wallet, creditor's name, creditor's wallet);
    /// `None` without a screener.
    pub fn screen_hits(&self) -> Option<&[Option<Arc<ScreenHit>>; 4]> {
        self.screening.as_ref().map(|s| &s.hits)
    }

    /// What its screening has done: names looked up and names the matcher ran for; `None` without a
    /// screener.
    pub fn screen_stats(&self) -> Option<crate::screening::ScreenStats> {
        self.screening.as_ref().map(|s| s.stats)
    }

    /// Its feature store (for [`crate::state`]).
    pub(crate) fn feature_store(&self) -> &FeatureStore {
        &self.store
    }

    /// Its money-flow graph, if its rules or model read one (for [`crate::state`]).
    pub(crate) fn money_graph(&self) -> Option<&MoneyGraph> {
        self.graph.as_ref()
    }

    /// Replaces what it has learnt with a snapshot's, checked by [`crate::state`].
    pub(crate) fn replace_state(&mut self, features: FeatureStore, graph: Option<(TemporalGraph, Rings)>) {
        self.store = features;
        if let (Some(money), Some((temporal, rings))) = (self.graph.as_mut(), graph) {
            money.set_state(temporal, rings);
        }
    }

    /// The schema of the model features the engine computes, if it computes any.
    pub fn feature_schema(&self) -> Option<&FeatureSchema> {
        self.inputs.as_ref().map(|i| &i.schema)
    }

    /// The model features of the transaction decided last, in the schema's column order (empty when the
    /// engine computes none). An engine serving a model computes only the columns the model reads (see
    /// [`Model::columns_read`]); the others read NaN.
    pub fn features(&self) -> &[f32] {
        self.inputs.as_ref().map_or(&[], |i| &i.row)
    }

    /// The model's probability and anomaly score for the transaction decided last (`None` without a model);
    /// the anomaly score is computed only while the rules read `model.anomaly`, and reads 0 otherwise.
    pub fn model_scores(&self) -> Option<(f64, f64)> {
        self.inputs.as_ref()?.serving.as_ref().map(|s| (s.score, s.anomaly))
    }

    /// The model the engine serves, if any.
    pub fn model(&self) -> Option<&Model> {
        self.inputs.as_ref()?.serving.as_ref().map(|s| &s.model)
    }

    /// The slots the model features read.
    fn model_slots(&self) -> Vec<usize> {
        self.inputs.iter().flat_map(|i| i.extractor.slots()).collect()
    }

    /// The money-flow graph, if the rules read it.
    pub fn graph(&self) -> Option<&MoneyGraph> {
        self.graph.as_ref()
    }

    /// An account's window features now (at the latest event time seen), computed exactly without changing
    /// the state, with the store's horizons (ms); `None` when the account is unknown or the engine tracks no
    /// account role.
    pub fn account_features(&self, account: &str) -> Option<(Vec<i64>, crate::features::EntityFeatures)> {
        let now = self.store.watermark()?;
        let features = self.store.peek(crate::features::EntityKind::Account, account, now)?;
        Some((self.store.horizons().to_vec(), features))
    }

    /// The version of the rule set that took the last decision (before any, the one that will take the
    /// next, unless a reload is pending); recorded with every decision.
    pub fn ruleset_version(&self) -> &str {
        &self.rules.version
    }

    /// The rule set that took the last decision.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The roles whose entities are tracked (slot order of [`Role::ALL`]): the rules may read these.
    pub fn tracked_roles(&self) -> [bool; 7] {
        self.reload.tracked().roles
    }

    /// What the engine keeps history for: the rules may read these.
    pub fn tracked(&self) -> Tracked {
        self.reload.tracked()
    }

    /// A handle for other threads to publish new rule sets to this engine (see [`crate::reload`]).
    pub fn reloader(&self) -> Reloader {
        Reloader::new(Arc::clone(&self.reload))
    }

    /// Replaces the rule set now, from the thread that owns the engine: compiles and checks the file like
    /// [`Reloader::publish`] and takes it at once (superseding any set published but not yet taken). Returns
    /// the new version; on error the running set stays.
    pub fn reload(&mut self, text: &str, origin: &str) -> Result<&str, EngineError> {
        self.reloader().publish(text, origin)?;
        self.take_published();
        Ok(&self.rules.version)
    }

    /// Takes a rule set published since the last decision, if any, and returns its version; `decide` does
    /// this itself, so callers need it only to switch while idle.
    pub fn take_published(&mut self) -> Option<&str> {
        let set = self.reload.take()?;
        let model_slots = self.model_slots();
        self.filled = roles_filled(set.variables().into_iter().chain(model_slots.iter().copied()), &self.variables);
        if let Some(serving) = self.inputs.as_mut().and_then(|i| i.serving.as_mut()) {
            serving.anomaly_read = set.variables().into_iter().any(|slot| self.variables.is_anomaly(slot));
        }
        start_graph(&mut self.graph, &set, &model_slots, &self.variables);
        self.rules = set;
        Some(&self.rules.version)
    }

    /// Decides one transaction and folds it into the state later decisions see. A rule set published since
    /// the last decision is taken first, so this decision is entirely the new set's.
    pub fn decide(&mut self, tx: &Transaction) -> Result<Outcome, EngineError> {
        let prepared = self.store.prepare(&EventKeys::of(tx, 0).keys)?;
        let mut keys = [None; 4];
        if let Some(graph) = &self.graph {
            // Requested beside the store's state, so that the graph's cache misses overlap with the store's.
            let edge = edge_of(graph, tx, 0, &prepared, Some(&mut self.ip), &mut self.node_keys);
            keys = graph.identifier_keys(edge.identifiers);
            graph.prefetch_identifiers(&keys);
            // The store's requests go out before the graph's next step, which reads the identifiers' entries
            // and so waits for them.
            self.store.warm(&prepared, tx.time.millis());
            graph.prefetch(&edge, &keys);
        } else {
            self.store.warm(&prepared, tx.time.millis());
        }
        self.decide_prepared(tx, &prepared, &keys)
    }

    /// Decides transactions in order, exactly as [`Engine::decide`] would one after another, handing each
    /// result to `each` with its index; faster on a stream, because the state of the next transactions'
    /// entities is loaded into the cache while the current one is decided. An error (a missing rate, a
    /// transaction too late) is that transaction's alone: the next ones are decided.
    pub fn decide_batch(&mut self, txs: &[Transaction], mut each: impl FnMut(usize, Result<Outcome, EngineError>)) {
        self.decide_batch_inspecting(txs, |i, result, _| each(i, result));
    }

    /// [`Engine::decide_batch`], handing `each` the engine too, as it stands right after that decision: what
    /// [`Engine::features`] and [`Engine::model_scores`] read then is that transaction's.
    pub fn decide_batch_inspecting(
        &mut self,
        txs: &[Transaction],
        mut each: impl FnMut(usize, Result<Outcome, EngineError>, &Engine),
    ) {
        // Transaction i + 3 is prepared (its entities found and requested), i + 2 warmed (its tails and
        // tables requested), i + 1's chains warmed (the events after its expiring tails requested), i decided.
        const AHEAD: usize = 3;
        const RING: usize = AHEAD + 1;
        let mut prepared: [Option<Result<Prepared, FeatureError>>; RING] = [None, None, None, None];
        // Each transaction's identifier keys in the ring detector's index, computed once at its first step.
        let mut keys: [IdentifierKeys; RING] = [[None; 4]; RING];
        for i in 0..txs.len() + AHEAD {
            if let Some(tx) = txs.get(i + 2) {
                // The transaction itself, two steps before it is first read (a caller's transactions are
                // not necessarily in the cache: a file's, a queue's).
                crate::features::prefetch(tx);
            }
            if let Some(tx) = txs.get(i) {
                prepared[i % RING] = Some(self.store.prepare(&EventKeys::of(tx, 0).keys));
                if let (Some(graph), Some(Ok(p))) = (&self.graph, &prepared[i % RING]) {
                    // Beside the store's lookups of the same transaction, so that their cache misses overlap.
                    let edge = edge_of(graph, tx, 0, p, Some(&mut self.ip), &mut self.node_keys);
                    keys[i % RING] = graph.identifier_keys(edge.identifiers);
                    graph.prefetch_identifiers(&keys[i % RING]);
                }
            }
            if let Some(k) = i.checked_sub(1).filter(|k| *k < txs.len()) {
                if let Some(Ok(p)) = &prepared[k % RING] {
                    self.store.warm(p, txs[k].time.millis());
                    if let Some(graph) = &self.graph {
                        graph.prefetch(&edge_of(graph, &txs[k], 0, p, None, &mut self.node_keys), &keys[k % RING]);
                    }
                }
            }
            if let Some(k) = i.checked_sub(2).filter(|k| *k < txs.len()) {
                if let Some(Ok(p)) = &prepared[k % RING] {
                    self.store.warm_chains(p, txs[k].time.millis());
                    if let Some(graph) = &self.graph {
                        graph.prefetch_latest(&edge_of(graph, &txs[k], 0, p, None, &mut self.node_keys));
                    }
                }
            }
            if let Some(current) = i.checked_sub(AHEAD) {
                let result = match prepared[current % RING].take() {
                    Some(Ok(p)) => self.decide_prepared(&txs[current], &p, &keys[current % RING]),
                    Some(Err(error)) => Err(error.into()),
                    // Every index below txs.len() was prepared AHEAD steps ago.
                    None => continue,
                };
                each(current, result, self);
            }
        }
    }

    /// Decides a prepared transaction; `keys` are its identifier keys ([`MoneyGraph::identifier_keys`]) when
    /// the graph runs.
    fn decide_prepared(
        &mut self,
        tx: &Transaction,
        prepared: &Prepared,
        keys: &IdentifierKeys,
    ) -> Result<Outcome, EngineError> {
        if self.reload.pending.load(Ordering::Acquire) {
            self.take_published();
        }
        let base = self
            .fx
            .to_base(tx.amount, tx.time.date())
            .map_err(|source| EngineError::Fx { transaction: tx.id.to_string(), source })?;
        let event = EventKeys::of(tx, base.minor());
        self.store.observe_prepared(&event, prepared, &mut self.snapshot)?;
        let major = base.minor() as f64 / base.currency().minor_per_major() as f64;
        self.variables.fill(tx, major, &self.snapshot, &self.filled, &mut self.slots);
        if let Some(screening) = self.screening.as_mut() {
            screening.screen(tx);
            self.variables.fill_screen(screening.values(), &mut self.slots);
        }
        if let Some(graph) = self.graph.as_mut() {
            let edge = edge_of(graph, tx, base.minor(), prepared, None, &mut self.node_keys);
            graph.observe_keyed(&edge, keys, &mut self.graph_facts);
            self.variables.fill_graph(&self.graph_facts, &mut self.slots);
        }
        if let Some(inputs) = self.inputs.as_mut() {
            inputs.extractor.fill(&self.slots, &mut inputs.row);
            if let Some(serving) = inputs.serving.as_mut() {
                serving.score = serving
                    .model
                    .score(&inputs.row)
                    .map_err(|source| EngineError::Model { transaction: tx.id.to_string(), source })?;
                if serving.anomaly_read {
                    serving.anomaly = serving.model.anomaly(&inputs.row, &mut serving.anomaly_row);
                }
                self.variables.fill_model(serving.score, serving.anomaly, &mut self.slots);
            }
        }
        let mut outcome = self.rules.decide(self.variables.schema(), &self.slots, &mut self.fired);
        if let Some(graph) = self.graph.as_ref() {
            // Each reason reading a graph detector carries the transactions it found.
            for (reason, &index) in outcome.reasons.iter_mut().zip(self.fired.iter()) {
                for &slot in self.rules.rules[index].expr.variables() {
                    let Some(motif) = self.variables.motif_of(slot) else { continue };
                    for &seq in self.graph_facts.evidence(motif) {
                        if let Some(id) = graph.graph().id_of(seq) {
                            if !reason.evidence.iter().any(|e| e == id) {
                                reason.evidence.push(id.into());
                            }
                        }
                    }
                }
            }
        }
        if let Some(screening) = self.screening.as_ref() {
            // Each reason reading a screening variable names the listed entity and how it matched.
            for (reason, &index) in outcome.reasons.iter_mut().zip(self.fired.iter()) {
                let mut reads = [false; 4];
                for &slot in self.rules.rules[index].expr.variables() {
                    if let Some(i) = self.variables.screen_of(slot) {
                        reads[i] = true;
                    }
                }
                if reads.iter().any(|r| *r) {
                    screening.explain(reads, reason);
                }
            }
            screening.apply(&mut outcome);
        }
        if let Some(inputs) = self.inputs.as_mut() {
            if let Some(serving) = inputs.serving.as_mut() {
                serving.apply(&inputs.extractor, &inputs.row, &self.slots, &self.variables, &mut outcome);
            }
        }
        Ok(outcome)
    }
}

impl Serving {
    /// Adds the model to an outcome: its probability joins the score as one more independent piece of evidence
    /// (`1 - (1 - rules)(1 - p)`); at or above the threshold its action joins the decision, with a reason
    /// naming the features that pushed the score up most and their contributions (log-odds, TreeSHAP).
    fn apply(
        &mut self,
        extractor: &Extractor,
        row: &[f32],
        slots: &[Value],
        variables: &Variables,
        outcome: &mut Outcome,
    ) {
        let p = self.score;
        outcome.score = 1.0 - (1.0 - outcome.score) * (1.0 - p);
        if p < self.model.threshold {
            return;
        }
        outcome.decision = outcome.decision.max(self.model.action);
        let mut facts = Vec::with_capacity(EXPLAINED_FEATURES + 1);
        facts.push(tonle_core::Fact { name: "model.score".into(), value: format!("{p:.4}").into() });
        if self.model.explain(row, &mut self.contributions, &mut self.shap) {
            let mut order: Vec<usize> = (0..row.len()).filter(|i| self.contributions[*i] > 0.0).collect();
            order.sort_by(|a, b| self.contributions[*b].total_cmp(&self.contributions[*a]));
            for &column in order.iter().take(EXPLAINED_FEATURES) {
                let value = extractor.describe(column, slots, variables.schema());
                facts.push(tonle_core::Fact {
                    name: self.model.features[column].as_str().into(),
                    value: format!("{value} (+{:.3})", self.contributions[column]).into(),
                });
            }
        }
        outcome.reasons.push(tonle_core::Reason {
            rule: format!("model:{}", self.model.name).into(),
            typology: None,
            score: p,
            action: self.model.action,
            facts,
            condition: format!("model.score >= {}", self.model.threshold).into(),
            shadow: false,
            evidence: Vec::new(),
        });
    }
}

/// A transaction's edge for the money-flow graph, its amount in base minor units, with the feature store's
/// entity numbers as hints (they find nodes without hashing keys). `ip` and `keys` are scratch for the IP
/// address's text and the party nodes' keys; the text is written only when `ip` is given and the ring
/// detector runs (the edge's identifiers are read only to compute their keys, once per transaction).
fn edge_of<'a>(
    graph: &MoneyGraph,
    tx: &'a Transaction,
    amount: i64,
    prepared: &Prepared,
    ip: Option<&'a mut String>,
    keys: &'a mut [String; 2],
) -> NewEdge<'a> {
    let nodes = graph.config().nodes;
    let ip = match ip {
        Some(scratch) if graph.enabled()[Motif::Ring as usize] => ip_text(tx.ip, scratch),
        _ => None,
    };
    let mut edge = NewEdge::of(tx, amount, ip, nodes, keys);
    edge.node_hints = node_hints(prepared, tx, nodes);
    edge
}

/// The feature store's entity numbers as hints for the money-flow graph's nodes (debtor, creditor): the
/// number of the entity the node's key names (a party's where nodes are parties and the party is named), or
/// [`NO_HINT`] where the store does not track that role.
fn node_hints(prepared: &Prepared, tx: &Transaction, nodes: Nodes) -> [u32; 2] {
    let hint = |role: Role| prepared.entity(role).unwrap_or(NO_HINT);
    let node = |party: &tonle_core::Party, account: Role, party_role: Role| match (nodes, &party.party) {
        (Nodes::Parties, Some(_)) => hint(party_role),
        _ => hint(account),
    };
    [
        node(&tx.debtor, Role::DebtorAccount, Role::DebtorParty),
        node(&tx.creditor, Role::CreditorAccount, Role::CreditorParty),
    ]
}

/// The graph detectors a rule set and a model read.
fn motifs_read(rules: &RuleSet, model_slots: &[usize], variables: &Variables) -> [bool; MOTIFS] {
    let mut read = [false; MOTIFS];
    for slot in rules.variables().into_iter().chain(model_slots.iter().copied()) {
        if let Some(motif) = variables.motif_of(slot) {
            read[motif as usize] = true;
        }
    }
    read
}

/// Starts the money-flow graph when a rule set first reads it, or gives a running one the set's parameters
/// and detectors (the edges it holds are kept; a detector newly run sees them).
fn start_graph(graph: &mut Option<MoneyGraph>, rules: &RuleSet, model_slots: &[usize], variables: &Variables) {
    let read = motifs_read(rules, model_slots, variables);
    match graph {
        Some(graph) => graph.reconfigure(rules.graph, read),
        None if read.iter().any(|r| *r) => {
            // The set's graph table was checked when the set was read, so this cannot fail.
            *graph = MoneyGraph::new(rules.graph, read).ok();
        }
        None => {}
    }
}

/// Compiles a rule file against `variables` and refuses it if a rule reads a role or maximum outside
/// `tracked`.
pub(crate) fn compile_rules(
    text: &str,
    origin: &str,
    variables: &Variables,
    tracked: &Tracked,
    pins: &Pins,
) -> Result<RuleSet, EngineError> {
    let set = RuleSet::from_toml(text, origin, variables.schema())?;
    check_tracked(&set, origin, variables, tracked)?;
    check_pins(&set, origin, variables, pins)?;
    Ok(set)
}

/// Refuses a set that reads `model.*` with no model loaded, or changes the graph parameters a model's
/// features were computed with.
fn check_pins(set: &RuleSet, origin: &str, variables: &Variables, pins: &Pins) -> Result<(), EngineError> {
    if let Some(graph) = pins.graph {
        if set.graph != graph {
            return Err(EngineError::GraphPinned { origin: origin.to_owned() });
        }
    }
    for rule in &set.rules {
        for &slot in rule.expr.variables() {
            if !pins.screening && variables.screen_of(slot).is_some() {
                return Err(EngineError::NoScreener {
                    origin: origin.to_owned(),
                    rule: rule.id.clone(),
                    variable: variables.schema().name(slot).unwrap_or_default().to_owned(),
                });
            }
            if !pins.model && variables.is_model_output(slot) {
                return Err(EngineError::NoModel {
                    origin: origin.to_owned(),
                    rule: rule.id.clone(),
                    variable: variables.schema().name(slot).unwrap_or_default().to_owned(),
                });
            }
        }
    }
    Ok(())
}

/// The role a variable belongs to, if any (`debtor.in.sum_24h` is the debtor's; `amount` is no role's).
fn role_of(name: &str) -> Option<Role> {
    let prefix = name.split('.').next()?;
    ROLE_PREFIXES.iter().position(|p| *p == prefix).map(|i| Role::ALL[i])
}

/// Refuses a set with a rule that reads a role whose entity kind is not tracked in every role (an entity's
/// history spans its roles: an account's `in` side comes from the transactions where it is the creditor), or
/// a maximum not kept.
fn check_tracked(set: &RuleSet, origin: &str, variables: &Variables, tracked: &Tracked) -> Result<(), EngineError> {
    for rule in &set.rules {
        for &slot in rule.expr.variables() {
            let Some(name) = variables.schema().name(slot) else { continue };
            let Some(role) = role_of(name) else { continue };
            let missing: Vec<&str> = Role::ALL
                .iter()
                .filter(|r| r.kind() == role.kind() && !tracked.roles[**r as usize])
                .map(|r| ROLE_PREFIXES[*r as usize])
                .collect();
            if !missing.is_empty() {
                return Err(EngineError::UntrackedRole {
                    origin: origin.to_owned(),
                    rule: rule.id.clone(),
                    variable: name.to_owned(),
                    missing: missing.join(", "),
                });
            }
            if let Some((horizon, side)) = variables.maximum_of(slot) {
                if !tracked.maxima[horizon][side] {
                    return Err(EngineError::UntrackedMaximum {
                        origin: origin.to_owned(),
                        rule: rule.id.clone(),
                        variable: name.to_owned(),
                    });
                }
            }
            if let Some(horizon) = variables.window_of(slot) {
                if !tracked.windows[horizon] {
                    return Err(EngineError::UntrackedWindow {
                        origin: origin.to_owned(),
                        rule: rule.id.clone(),
                        variable: name.to_owned(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Every role of an entity kind with some role in `roles`.
fn kind_closure(roles: [bool; 7]) -> [bool; 7] {
    Role::ALL.map(|role| Role::ALL.iter().any(|r| r.kind() == role.kind() && roles[*r as usize]))
}

/// The roles whose variables these slots (the rules' and a model's) read.
fn roles_filled(slots: impl Iterator<Item = usize>, variables: &Variables) -> [bool; 7] {
    let mut read = [false; 7];
    for slot in slots {
        if let Some(role) = variables.schema().name(slot).and_then(role_of) {
            read[role as usize] = true;
        }
    }
    read
}

/// What to track for a rule set: every role of an entity kind some rule reads (an account's `in` side comes
/// from the transactions where it is the creditor, so a rule on `debtor.in.*` needs the creditor role
/// tracked too), and the windows and maxima it reads.
fn reads(slots: impl Iterator<Item = usize> + Clone, variables: &Variables) -> Tracked {
    let mut maxima = [[false; 2]; MAX_HORIZONS];
    let mut windows = [false; MAX_HORIZONS];
    for slot in slots.clone() {
        if let Some((horizon, side)) = variables.maximum_of(slot) {
            maxima[horizon][side] = true;
        }
        if let Some(horizon) = variables.window_of(slot) {
            windows[horizon] = true;
        }
    }
    Tracked { roles: kind_closure(roles_filled(slots, variables)), maxima, windows }
}
