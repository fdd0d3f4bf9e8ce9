//! Machine learning in the engine: the feature schema shared by training and serving, gradient-boosted trees
//! with their explanations (TreeSHAP), an isolation forest for behaviour no label covers, models trained
//! elsewhere (ONNX), and the measures of a model's quality.
//!
//! - [`matrix`]: a dense table of feature rows, the input of training and evaluation.
//! - `onnx` (feature `onnx`): models trained elsewhere (scikit-learn, LightGBM, XGBoost) exported to ONNX, run
//!   by tract, with the mapping file from tonle's feature names to the model's columns.

pub mod matrix;
#[cfg(feature = "onnx")]
pub mod onnx;

pub use matrix::Matrix;
