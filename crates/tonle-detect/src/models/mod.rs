//! Machine learning in the engine: the feature schema shared by training and serving, gradient-boosted trees
//! with their explanations (TreeSHAP), an isolation forest for behaviour no label covers, models trained
//! elsewhere (ONNX), and the measures of a model's quality.
//!
//! - [`matrix`]: a dense table of feature rows, the input of training and evaluation.
//! - [`gbdt`]: gradient-boosted decision trees (histogram training, flat serving trees, TreeSHAP).

pub mod gbdt;
pub mod matrix;

pub use matrix::Matrix;
