//! tonle-detect: the detection engine.
//!
//! - [`features`]: exact sliding-window features per entity (account, party, device, phone number) at several
//!   horizons at once, over event time, with bounded lateness.
//! - [`rules`]: rule files ([`rules::ruleset`]) and the rule-expression language ([`rules::expr`]): typed bool
//!   expressions over fields and features, compiled to closures over a slot array.
//! - [`variables`]: the names rules use for a transaction's fields and features, and filling their slots.
//! - [`graph`]: the money-flow graph: motifs on each new edge, graph features, tracing.
//! - [`engine`]: one transaction in, a decision with its reasons out.
//! - [`models`]: machine learning: the feature schema, gradient-boosted trees, TreeSHAP, isolation forest, ONNX.
//! - [`screening`]: the parties' sanctions and watch-list hits, as facts for rules and reasons of their own.
//! - [`reload`]: replacing a running engine's rule set from another thread without dropping a transaction.
//!
//! Decisions, the engine, graph detectors and models build on these (see the issues that follow).

pub mod engine;
pub mod features;
pub mod graph;
pub mod models;
pub mod reload;
pub mod rules;
pub mod screening;
pub mod state;
pub mod variables;
