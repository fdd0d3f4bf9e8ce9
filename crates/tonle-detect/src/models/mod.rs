//! Machine learning in the engine: the feature schema shared by training and serving, gradient-boosted trees
//! with their explanations (TreeSHAP), an isolation forest for behaviour no label covers, models trained
//! elsewhere (ONNX), and the measures of a model's quality.
//!
//! - [`matrix`]: a dense table of feature rows, the input of training and evaluation.
//! - [`iforest`]: isolation forest, an unsupervised anomaly score over an entity's behaviour.
//! - [`metrics`]: a binary classifier's quality: PR-AUC, ROC-AUC, best-F1 threshold, alert budgets, recall per
//!   typology.

pub mod iforest;
pub mod matrix;
pub mod metrics;

pub use matrix::Matrix;
