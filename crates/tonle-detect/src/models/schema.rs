//! The feature schema: which of the engine's variables a model reads, in which column order and encoding,
//! and everything else their values depend on. Training writes it into the model; serving rebuilds it from the
//! running engine and refuses the model when the two differ, so that training and serving cannot drift apart.
//!
//! A feature is named like a rule variable ([`crate::variables`]):
//! - a number, money amount (base currency, major units), duration (seconds; +infinity for "never"),
//!   integer or bool (0 or 1) variable by its name: `amount`, `debtor.out.count_24h`, `graph.fan_in`;
//! - an enum variable by its name reads its code (the value's position in its domain: an ordinal a tree can
//!   split on), `debtor_country`; or one-hot, `name=value`, reads 1 when the variable has that value and 0
//!   otherwise: `channel=khqr`.
//!
//! The schema also records the base currency (money features are in its units), the window horizons, the
//! money-flow graph's parameters when a `graph.*` feature is read, the domains of the enum features read,
//! and [`FEATURES_VERSION`]; its hash covers all of them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::graph::GraphConfig;
use crate::rules::expr::{Schema, Ty, Value};
use crate::variables::Variables;

/// The version of how features are computed: raised whenever a feature's definition changes (a window
/// metric, a graph detector), so that models trained before are refused.
pub const FEATURES_VERSION: u32 = 1;

/// Why a feature list or a model's schema cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SchemaError {
    /// A name that is no variable.
    #[error("unknown feature {name:?}: no variable of that name (see docs/engine.md for the variables)")]
    Unknown {
        /// The name.
        name: String,
    },
    /// `name=value` on a variable that is not an enum, or with a value outside its domain.
    #[error("feature {name:?}: {problem}")]
    OneHot {
        /// The feature.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// A model score cannot be a model's input.
    #[error("feature {name:?}: a model's own scores cannot be its inputs")]
    ModelOutput {
        /// The feature.
        name: String,
    },
    /// The same feature twice.
    #[error("feature {name:?} is listed twice")]
    Duplicate {
        /// The feature.
        name: String,
    },
    /// No feature at all.
    #[error("the feature list is empty")]
    Empty,
    /// The model was trained on features this engine computes differently.
    #[error("the model's feature schema ({model}) differs from this engine's ({engine}): {difference}; retrain the model with this configuration, or run the engine with the model's")]
    Mismatch {
        /// The model's hash.
        model: String,
        /// The engine's hash.
        engine: String,
        /// The first difference found.
        difference: String,
    },
}

/// What feature values depend on besides the variables' names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaContext {
    /// [`FEATURES_VERSION`] of the code that computed them.
    pub features_version: u32,
    /// The base currency money features are in (ISO 4217 code).
    pub base_currency: String,
    /// The window horizons, in milliseconds.
    pub horizons_ms: Vec<i64>,
    /// The money-flow graph's parameters (as the rule file's `[graph]` table set them), when a feature reads
    /// the graph.
    pub graph: Option<String>,
    /// The domain of each enum variable read, in code order.
    pub domains: BTreeMap<String, Vec<String>>,
}

/// The features a model reads, in column order, with their context and hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSchema {
    /// Feature names in column order.
    pub features: Vec<String>,
    /// What their values depend on.
    pub context: SchemaContext,
    /// Hash (FNV-1a, 64 bits, hex) of the features and context: equal hashes, equal features.
    pub hash: String,
}

/// How one column is read from the engine's slots.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Column {
    slot: usize,
    ty: Ty,
    /// For a one-hot feature, the enum code that reads 1.
    one_hot: Option<u32>,
}

/// Reads a schema's columns from a transaction's slots.
#[derive(Debug, Clone, PartialEq)]
pub struct Extractor {
    columns: Vec<Column>,
    /// The columns [`Extractor::fill`] writes, in runs of columns read the same way (see [`plan`]), each run
    /// converted without a branch on the type.
    runs: Vec<Run>,
}

/// Columns of the plan read the same way: `(column index, slot, one-hot code)` each.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    /// [`plan_order`] of every column of the run.
    order: (bool, u8),
    columns: Vec<(u32, u32, u32)>,
}

/// The plan cut into runs of one [`plan_order`] (the plan is sorted by it).
fn runs_of(plan: &[(usize, Column)]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for &(i, column) in plan {
        let order = plan_order(&column);
        let entry = (i as u32, column.slot as u32, column.one_hot.unwrap_or(0));
        match runs.last_mut() {
            Some(run) if run.order == order => run.columns.push(entry),
            _ => runs.push(Run { order, columns: vec![entry] }),
        }
    }
    runs
}

/// Writes one run's columns: `value` converts a slot's value (with the column's one-hot code).
#[inline(always)]
fn fill_run(columns: &[(u32, u32, u32)], slots: &[Value], row: &mut [f32], value: impl Fn(Value, u32) -> f32) {
    for &(i, slot, code) in columns {
        row[i as usize] = value(slots[slot as usize], code);
    }
}

/// The order of a [`plan`]: plain values by type, then one-hot columns.
fn plan_order(column: &Column) -> (bool, u8) {
    let ty = match column.ty {
        Ty::Number | Ty::Money | Ty::Duration => 0,
        Ty::Integer => 1,
        Ty::Bool => 2,
        Ty::Enum(_) => 3,
    };
    (column.one_hot.is_some(), ty)
}

/// The plan reading the columns marked in `read`.
fn plan(columns: &[Column], read: impl Fn(usize) -> bool) -> Vec<(usize, Column)> {
    let mut plan: Vec<(usize, Column)> = columns.iter().copied().enumerate().filter(|(i, _)| read(*i)).collect();
    plan.sort_by_key(|(i, column)| (plan_order(column), *i));
    plan
}

impl FeatureSchema {
    /// The schema of these features for an engine with these variables, base currency and graph parameters
    /// (the graph's are recorded only when a feature reads the graph).
    pub fn new(
        features: &[String],
        variables: &Variables,
        base_currency: &str,
        horizons_ms: &[i64],
        graph: &GraphConfig,
    ) -> Result<FeatureSchema, SchemaError> {
        if features.is_empty() {
            return Err(SchemaError::Empty);
        }
        let mut domains = BTreeMap::new();
        let mut seen = std::collections::HashSet::new();
        for name in features {
            if !seen.insert(name.as_str()) {
                return Err(SchemaError::Duplicate { name: name.clone() });
            }
            let column = resolve(name, variables)?;
            if let Ty::Enum(_) = column.ty {
                let variable = name.split('=').next().unwrap_or(name);
                domains.insert(variable.to_owned(), variables.schema().values(column.ty).map(str::to_owned).collect());
            }
        }
        let reads_graph = features.iter().any(|f| f.starts_with("graph."));
        let context = SchemaContext {
            features_version: FEATURES_VERSION,
            base_currency: base_currency.to_owned(),
            horizons_ms: horizons_ms.to_vec(),
            graph: reads_graph.then(|| format!("{graph:?}")),
            domains,
        };
        let hash = hash_of(features, &context);
        Ok(FeatureSchema { features: features.to_vec(), context, hash })
    }

    /// The hash this schema's features and context give: differs from [`FeatureSchema::hash`] when a saved
    /// schema was edited.
    pub fn computed_hash(&self) -> String {
        hash_of(&self.features, &self.context)
    }

    /// Refuses a model's schema (`self`) that differs from the engine's (`engine`), saying how.
    pub fn check_against(&self, engine: &FeatureSchema) -> Result<(), SchemaError> {
        let mismatch = |difference: String| SchemaError::Mismatch {
            model: self.hash.clone(),
            engine: engine.hash.clone(),
            difference,
        };
        if self.computed_hash() != self.hash {
            return Err(mismatch("the model's schema was edited after training (its hash does not match it)".into()));
        }
        if self.hash == engine.hash && self.features == engine.features && self.context == engine.context {
            return Ok(());
        }
        let (a, b) = (&self.context, &engine.context);
        let difference = if a.features_version != b.features_version {
            format!(
                "features computed by version {} of their definitions, this engine computes version {}",
                a.features_version, b.features_version
            )
        } else if a.base_currency != b.base_currency {
            format!("money in {} for the model, {} here", a.base_currency, b.base_currency)
        } else if a.horizons_ms != b.horizons_ms {
            format!("window horizons {:?} ms for the model, {:?} ms here", a.horizons_ms, b.horizons_ms)
        } else if a.graph != b.graph {
            format!(
                "graph parameters {} for the model, {} here (the rule file's [graph] table)",
                a.graph.as_deref().unwrap_or("none"),
                b.graph.as_deref().unwrap_or("none")
            )
        } else if a.domains != b.domains {
            let name = a.domains.keys().find(|k| a.domains.get(*k) != b.domains.get(*k)).cloned().unwrap_or_default();
            format!("the values of {name} are coded differently")
        } else {
            "the feature lists differ".to_owned()
        };
        Err(mismatch(difference))
    }
}

impl Extractor {
    /// Where each of the schema's columns is read in these variables' slots.
    pub fn new(schema: &FeatureSchema, variables: &Variables) -> Result<Extractor, SchemaError> {
        let columns: Vec<Column> =
            schema.features.iter().map(|name| resolve(name, variables)).collect::<Result<_, _>>()?;
        let runs = runs_of(&plan(&columns, |_| true));
        Ok(Extractor { columns, runs })
    }

    /// From now on, fills only the columns marked true in `read` (a model's, see
    /// [`crate::models::Model::columns_read`]) and reports only their slots; the others keep what the row
    /// held. A column past `read`'s end is read.
    pub fn read_only(&mut self, read: &[bool]) {
        self.runs = runs_of(&plan(&self.columns, |i| read.get(i).copied().unwrap_or(true)));
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// The slots the columns filled read.
    pub fn slots(&self) -> impl Iterator<Item = usize> + '_ {
        self.runs.iter().flat_map(|run| run.columns.iter().map(|&(_, slot, _)| slot as usize))
    }

    /// Column `i`'s value as a reason shows it: the variable's own rendering (`5m`, `1250.5`, `khqr`; for a
    /// one-hot column, the value the variable had).
    pub fn describe(&self, i: usize, slots: &[Value], schema: &Schema) -> String {
        let column = self.columns[i];
        slots.get(column.slot).and_then(|value| schema.describe(column.slot, *value)).unwrap_or_default()
    }

    /// Writes a transaction's row: `row[i]` is column `i` read from `slots`, for the columns it reads (see
    /// [`Self::read_only`]; `row` must be [`Self::width`] long).
    #[inline]
    pub fn fill(&self, slots: &[Value], row: &mut [f32]) {
        // Each run's type is one constant below, so that the conversion is inlined without its match. (A type
        // of the same [`plan_order`] converts alike: an enum's domain does not change its code's value.)
        for run in &self.runs {
            let columns = &run.columns;
            match run.order {
                (false, 0) => fill_run(columns, slots, row, |v, _| v.to_f64(Ty::Number) as f32),
                (false, 1) => fill_run(columns, slots, row, |v, _| v.to_f64(Ty::Integer) as f32),
                (false, 2) => fill_run(columns, slots, row, |v, _| v.to_f64(Ty::Bool) as f32),
                (false, _) => fill_run(columns, slots, row, |v, _| v.to_f64(Ty::Enum(0)) as f32),
                (true, order) => {
                    let ty = [Ty::Number, Ty::Integer, Ty::Bool, Ty::Enum(0)][order.min(3) as usize];
                    fill_run(columns, slots, row, |v, code| (v.to_f64(ty) == f64::from(code)) as u8 as f32)
                }
            }
        }
    }
}

/// The column a feature name reads.
fn resolve(name: &str, variables: &Variables) -> Result<Column, SchemaError> {
    let schema = variables.schema();
    let (variable, value) = match name.split_once('=') {
        Some((variable, value)) => (variable, Some(value)),
        None => (name, None),
    };
    if variable.starts_with("model.") {
        return Err(SchemaError::ModelOutput { name: name.to_owned() });
    }
    let (slot, ty) = schema.slot(variable).ok_or_else(|| SchemaError::Unknown { name: name.to_owned() })?;
    let one_hot = match (value, ty) {
        (None, _) => None,
        (Some(value), Ty::Enum(_)) => {
            let code = schema.values(ty).position(|v| v == value).ok_or_else(|| SchemaError::OneHot {
                name: name.to_owned(),
                problem: format!("{value:?} is not a value of {variable}"),
            })?;
            Some(code as u32)
        }
        (Some(_), _) => {
            return Err(SchemaError::OneHot {
                name: name.to_owned(),
                problem: format!("{variable} is a {}, not an enum", schema.ty_name(ty)),
            })
        }
    };
    Ok(Column { slot, ty, one_hot })
}

/// FNV-1a over a canonical text of the features and context.
fn hash_of(features: &[String], context: &SchemaContext) -> String {
    let mut text = String::new();
    let _ = write!(
        text,
        "v{}|{}|{:?}|{:?}|",
        context.features_version, context.base_currency, context.horizons_ms, context.graph
    );
    for (name, values) in &context.domains {
        let _ = write!(text, "{name}:{}|", values.join(","));
    }
    for feature in features {
        text.push_str(feature);
        text.push('\n');
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The graph features whose detectors search paths through other accounts (cycle, gather-scatter,
/// scatter-gather), left out of [`default_features`] for their cost.
pub const SEARCH_FEATURES: [&str; 3] = ["graph.cycle", "graph.gather_scatter", "graph.scatter_gather"];

/// The window features `default_features` leaves out: those over windows shorter than this (ms; one hour).
/// The default rule set reads no such window, so the engine keeps none unless a model reads one.
pub const DEFAULT_SHORTEST_WINDOW: i64 = 3_600_000;

/// The graph detectors `default_features` reads: the two that look at the payment's two accounts only and
/// that the default rule set runs anyway (chain and ring).
pub const DEFAULT_GRAPH_FEATURES: [&str; 2] = ["graph.chain", "graph.ring"];

/// The features `tonle train` uses unless told otherwise: the transaction's fields (channel and purpose
/// one-hot, countries and currency as codes), the window features of the debtor and creditor accounts over
/// an hour and longer ([`DEFAULT_SHORTEST_WINDOW`]), and the graph's chain and ring
/// ([`DEFAULT_GRAPH_FEATURES`]).
///
/// Left out for their cost (docs/models.md measures the lists): the detectors that search the graph beyond
/// the payment's accounts ([`SEARCH_FEATURES`]: a third of the scoring throughput for 0.005 of PR-AUC),
/// fan-in and fan-out (a search of their own; the distinct-counterparty windows carry much of the same), and
/// the windows under an hour (kept for the model alone). A feature list can add any of them.
pub fn default_features(variables: &Variables) -> Vec<String> {
    let schema = variables.schema();
    let mut features: Vec<String> =
        ["amount", "local_amount", "cross_border", "cross_currency", "currency", "debtor_country", "creditor_country"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    for enum_variable in ["channel", "purpose"] {
        if let Some((_, ty)) = schema.slot(enum_variable) {
            features.extend(schema.values(ty).map(|value| format!("{enum_variable}={value}")));
        }
    }
    features.extend(DEFAULT_GRAPH_FEATURES.map(String::from));
    for slot in 0..schema.len() {
        if let Some(name) = schema.name(slot) {
            let short = variables.horizon_of(slot).is_some_and(|horizon| horizon < DEFAULT_SHORTEST_WINDOW);
            if (name.starts_with("debtor.") || name.starts_with("creditor.")) && !short {
                features.push(name.to_owned());
            }
        }
    }
    features
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::WindowConfig;

    fn variables() -> Variables {
        Variables::new(&WindowConfig::default().horizons, 100)
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn columns_read_numbers_codes_and_one_hots() {
        let variables = variables();
        let horizons = WindowConfig::default().horizons;
        let features = names(&["amount", "channel", "channel=khqr", "cross_border", "debtor.out.count_24h"]);
        let schema = FeatureSchema::new(&features, &variables, "USD", &horizons, &GraphConfig::default()).unwrap();
        assert!(schema.context.graph.is_none(), "no graph feature, no graph parameters");
        assert_eq!(schema.context.domains.keys().collect::<Vec<_>>(), ["channel"]);
        let extractor = Extractor::new(&schema, &variables).unwrap();
        let s = variables.schema();
        let (channel_slot, channel_ty) = s.slot("channel").unwrap();
        let khqr = s.code(channel_ty, "khqr");
        let mut slots = vec![Value::default(); s.len()];
        slots[s.slot("amount").unwrap().0] = Value::num(12.5);
        slots[channel_slot] = Value::code(khqr);
        slots[s.slot("cross_border").unwrap().0] = Value::bool(true);
        slots[s.slot("debtor.out.count_24h").unwrap().0] = Value::int(7);
        let mut row = vec![0.0; extractor.width()];
        extractor.fill(&slots, &mut row);
        assert_eq!(row, [12.5, khqr as f32, 1.0, 1.0, 7.0]);
        slots[channel_slot] = Value::code(khqr + 1);
        extractor.fill(&slots, &mut row);
        assert_eq!(row[2], 0.0);
    }

    #[test]
    fn bad_names_are_refused_with_the_reason() {
        let variables = variables();
        let horizons = WindowConfig::default().horizons;
        let graph = GraphConfig::default();
        let error = |list: &[&str]| FeatureSchema::new(&names(list), &variables, "USD", &horizons, &graph).unwrap_err();
        assert!(matches!(error(&["amuont"]), SchemaError::Unknown { .. }));
        assert!(error(&["amount=3"]).to_string().contains("amount is a money, not an enum"));
        assert!(error(&["channel=pigeon"]).to_string().contains("\"pigeon\" is not a value of channel"));
        assert!(matches!(error(&["amount", "amount"]), SchemaError::Duplicate { .. }));
        assert!(matches!(error(&["model.score"]), SchemaError::ModelOutput { .. }));
        assert!(matches!(error(&[]), SchemaError::Empty));
    }

    #[test]
    fn mismatches_are_named() {
        let variables = variables();
        let horizons = WindowConfig::default().horizons;
        let graph = GraphConfig::default();
        let features = names(&["amount", "graph.fan_in"]);
        let model = FeatureSchema::new(&features, &variables, "USD", &horizons, &graph).unwrap();
        assert_eq!(model.check_against(&model.clone()), Ok(()));
        assert!(model.context.graph.is_some());

        let khr = FeatureSchema::new(&features, &variables, "KHR", &horizons, &graph).unwrap();
        assert_ne!(khr.hash, model.hash);
        assert!(model.check_against(&khr).unwrap_err().to_string().contains("money in USD for the model, KHR here"));

        let wider = GraphConfig { fan_window: graph.fan_window * 2, ..graph };
        let other = FeatureSchema::new(&features, &variables, "USD", &horizons, &wider).unwrap();
        assert!(model.check_against(&other).unwrap_err().to_string().contains("graph parameters"));

        let reordered =
            FeatureSchema::new(&names(&["graph.fan_in", "amount"]), &variables, "USD", &horizons, &graph).unwrap();
        assert!(model.check_against(&reordered).unwrap_err().to_string().contains("feature lists differ"));

        let mut edited = model.clone();
        edited.features[0] = "local_amount".into();
        assert!(edited.check_against(&model).unwrap_err().to_string().contains("edited"));
    }

    #[test]
    fn the_default_list_resolves() {
        let variables = variables();
        let features = default_features(&variables);
        let schema = FeatureSchema::new(
            &features,
            &variables,
            "USD",
            &WindowConfig::default().horizons,
            &GraphConfig::default(),
        )
        .unwrap();
        assert_eq!(features.len(), 150);
        // No window under an hour, no fan detector; the hour and the 30 days are there, maxima included.
        assert!(!features.iter().any(|f| f.ends_with("_10m") || f.starts_with("graph.fan")));
        for name in ["debtor.out.count_1h", "creditor.in.max_30d", "debtor.since_last", "graph.chain", "graph.ring"] {
            assert!(features.iter().any(|f| f == name), "{name}");
        }

        // Other horizons: what is under an hour is left out, whatever the metric.
        let custom = Variables::new(&[1_800_000, 7_200_000], 100);
        let slot = |name: &str| custom.schema().slot(name).unwrap().0;
        assert_eq!(custom.horizon_of(slot("creditor.in.max_30m")), Some(1_800_000));
        assert_eq!(custom.horizon_of(slot("debtor.out.distinct_2h")), Some(7_200_000));
        assert_eq!(custom.horizon_of(slot("debtor.since_last")), None);
        let custom_features = default_features(&custom);
        assert!(!custom_features.iter().any(|f| f.ends_with("_30m")));
        assert!(custom_features.iter().any(|f| f == "creditor.in.max_2h"));
        assert!(custom_features.iter().any(|f| f == "debtor.since_last"));
        assert_eq!(Extractor::new(&schema, &variables).unwrap().width(), features.len());
        // The costly searches are left out, and can be added.
        assert!(SEARCH_FEATURES.iter().all(|f| !features.iter().any(|g| g == f)));
        let mut all = features.clone();
        all.extend(SEARCH_FEATURES.map(String::from));
        let graph = GraphConfig::default();
        let schema = FeatureSchema::new(&all, &variables, "USD", &WindowConfig::default().horizons, &graph).unwrap();
        assert_eq!(schema.features.len(), features.len() + 3);
    }
}
