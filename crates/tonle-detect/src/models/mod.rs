//! Machine learning in the engine: the feature schema shared by training and serving, gradient-boosted trees
//! with their explanations (TreeSHAP), an isolation forest for behaviour no label covers, models trained
//! elsewhere (ONNX), and the measures of a model's quality.
//!
//! - [`matrix`]: a dense table of feature rows, the input of training and evaluation.
//! - [`schema`]: the features a model reads, their encoding and context, hashed; reading them from the engine.
//! - [`metrics`]: a binary classifier's quality: PR-AUC, ROC-AUC, best-F1 threshold, alert budgets, recall per
//!   typology.
//! - [`gbdt`]: gradient-boosted decision trees (histogram training, flat serving trees, TreeSHAP).
//! - [`iforest`]: isolation forest, an unsupervised anomaly score over an entity's behaviour.
//! - [`model`]: a model as saved and served: schema, classifier, threshold, action, anomaly forest.
//! - `onnx` (feature `onnx`): models trained elsewhere (scikit-learn, LightGBM, XGBoost) exported to ONNX, run
//!   by tract, with the mapping file from tonle's feature names to the model's columns.

pub mod gbdt;
pub mod iforest;
pub mod matrix;
pub mod metrics;
pub mod model;
#[cfg(feature = "onnx")]
pub mod onnx;
pub mod schema;

pub use matrix::Matrix;
pub use schema::{default_features, Extractor, FeatureSchema, SchemaError, SEARCH_FEATURES};
