//! Models trained elsewhere (scikit-learn, LightGBM, XGBoost), exported to ONNX and run by the pure-Rust
//! [tract](https://github.com/sonos/tract) (feature `onnx`).
//!
//! A model comes with a mapping file (TOML) that says which tonle feature feeds which column of the model and
//! where its score is:
//!
//! ```toml
//! model = "fraud.onnx"          # relative to the mapping file
//! input = "float_input"         # the model's input tensor (default: its only input)
//! features = ["amount", "debtor.out.count_1h", "graph.fan_in"]   # in the model's column order
//! output = "probabilities"      # the output that holds the score (default: the model's only output)
//! output_index = 1              # the column of the positive class; absent for a single score
//! threshold = 0.5               # the decision threshold (default 0.5)
//! ```
//!
//! Two things the usual exporters write that tract 0.23 cannot run are adapted at load time, in memory:
//! - a `ZipMap` (the default last step of skl2onnx and onnxmltools classifiers) is dropped and the output that
//!   names it reads the probability tensor it would have wrapped (its columns are the classes, in order);
//! - a binary `TreeEnsembleClassifier` with a single `base_values` entry (scikit-learn gradient boosting,
//!   XGBoost) gets a second, zero entry: tract wants one per class and adds the first one to the score it
//!   turns into the positive-class probability, which is what the exporter meant;
//! - a tree node of mode `BRANCH_GTE`, which tract 0.23 takes for a leaf, becomes the `BRANCH_LT` node with its
//!   branches swapped that sends every value (and missing ones) the same way.
//!
//! See `docs/models.md` for how to export a model and what tract supports.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use tract_onnx::pb;
use tract_onnx::prelude::*;

use crate::models::Matrix;

/// Why a mapping file or its model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum OnnxError {
    /// The mapping file could not be read.
    #[error("{}: cannot read the ONNX mapping file: {source}", .path.display())]
    ReadMapping {
        /// The mapping file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The mapping file is not valid TOML, lacks a key, or has a key of the wrong type or value.
    #[error("{}: {message}", .path.display())]
    Mapping {
        /// The mapping file.
        path: PathBuf,
        /// What is wrong, naming the key.
        message: String,
    },
    /// The model file the mapping names could not be read.
    #[error("{}: cannot read the model file {} (key `model`): {source}", .mapping.display(), .model.display())]
    ReadModel {
        /// The mapping file.
        mapping: PathBuf,
        /// The model file.
        model: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The model file is not an ONNX model tract can run, or does not fit its mapping.
    #[error("{}: {message}", .model.display())]
    Model {
        /// The model file.
        model: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The number of features in the mapping differs from the model's declared input width.
    #[error(
        "{}: `features` names {features} features but the model {} takes {width} columns (input `{input}`)",
        .mapping.display(), .model.display()
    )]
    Width {
        /// The mapping file.
        mapping: PathBuf,
        /// The model file.
        model: PathBuf,
        /// The model's input tensor.
        input: String,
        /// Features in the mapping.
        features: usize,
        /// Columns the model declares.
        width: usize,
    },
    /// The mapping names features the caller does not know.
    #[error("{}: unknown features in `features`: {}", .mapping.display(), .names.join(", "))]
    UnknownFeatures {
        /// The mapping file.
        mapping: PathBuf,
        /// The unknown names, in mapping order.
        names: Vec<String>,
    },
    /// A row handed to the model is not as wide as its features.
    #[error("{}: a row of {got} values for a model of {want} features", .model.display())]
    RowWidth {
        /// The model file.
        model: PathBuf,
        /// Values in the row.
        got: usize,
        /// Features of the model.
        want: usize,
    },
    /// tract failed while running the model.
    #[error("{}: running the model failed: {message}", .model.display())]
    Run {
        /// The model file.
        model: PathBuf,
        /// tract's error.
        message: String,
    },
}

/// The mapping file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Mapping {
    model: PathBuf,
    input: Option<String>,
    features: Vec<String>,
    output: Option<String>,
    output_index: Option<usize>,
    threshold: Option<f64>,
}

/// A model trained elsewhere, loaded from its mapping file and ready to score rows of tonle features.
///
/// Cheap to share between threads (`Send + Sync`); each call runs on its own tract state.
pub struct OnnxModel {
    mapping_path: PathBuf,
    model_path: PathBuf,
    features: Vec<String>,
    output: String,
    output_index: Option<usize>,
    threshold: f64,
    /// Runs one row: input `[1, width]`.
    single: Arc<TypedRunnableModel>,
    /// Runs a batch: input `[N, width]`.
    batch: Arc<TypedRunnableModel>,
    /// Values per row of the chosen output (its second dimension, 1 for a rank-1 output).
    output_width: usize,
    output_f64: bool,
}

impl fmt::Debug for OnnxModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnnxModel")
            .field("mapping", &self.mapping_path)
            .field("model", &self.model_path)
            .field("features", &self.features)
            .field("output", &self.output)
            .field("output_index", &self.output_index)
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

impl OnnxModel {
    /// Loads the mapping file at `mapping_path` and the model it names, checks that they fit, and prepares
    /// tract's plans for one row and for batches.
    pub fn load(mapping_path: impl AsRef<Path>) -> Result<OnnxModel, OnnxError> {
        let mapping_path = mapping_path.as_ref().to_path_buf();
        let text = std::fs::read_to_string(&mapping_path)
            .map_err(|source| OnnxError::ReadMapping { path: mapping_path.clone(), source })?;
        let mapping_error = |message: String| OnnxError::Mapping { path: mapping_path.clone(), message };
        let mapping: Mapping = toml::from_str(&text).map_err(|e| mapping_error(e.to_string().trim().to_owned()))?;
        if mapping.features.is_empty() {
            return Err(mapping_error("`features` is empty".to_owned()));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = mapping.features.iter().find(|name| !seen.insert(name.as_str())) {
            return Err(mapping_error(format!("`features` names `{twice}` twice")));
        }
        let threshold = mapping.threshold.unwrap_or(0.5);
        if !threshold.is_finite() {
            return Err(mapping_error(format!("`threshold` is {threshold}, not a finite number")));
        }
        let model_path = match mapping_path.parent() {
            Some(dir) if mapping.model.is_relative() => dir.join(&mapping.model),
            _ => mapping.model.clone(),
        };
        let bytes = std::fs::read(&model_path).map_err(|source| OnnxError::ReadModel {
            mapping: mapping_path.clone(),
            model: model_path.clone(),
            source,
        })?;
        let model_error = |message: String| OnnxError::Model { model: model_path.clone(), message };
        let onnx = tract_onnx::onnx();
        let mut proto = onnx
            .proto_model_for_read(&mut bytes.as_slice())
            .map_err(|e| model_error(format!("not an ONNX model: {e:#}")))?;
        let graph = proto.graph.as_mut().ok_or_else(|| model_error("the ONNX model has no graph".to_owned()))?;
        adapt_tree_ensembles(graph).map_err(model_error)?;
        let renamed = drop_zipmaps(graph);

        // The input: the mapping's, or the only one; initializers are listed among inputs by old exporters.
        let initializers: std::collections::HashSet<&str> = graph.initializer.iter().map(|t| t.name.as_str()).collect();
        let inputs: Vec<&pb::ValueInfoProto> =
            graph.input.iter().filter(|i| !initializers.contains(i.name.as_str())).collect();
        let input_names = || inputs.iter().map(|i| format!("`{}`", i.name)).collect::<Vec<_>>().join(", ");
        let input = match (inputs.as_slice(), &mapping.input) {
            ([only], Some(name)) if &only.name != name => {
                return Err(mapping_error(format!(
                    "`input`: the model has no input `{name}` (it has {})",
                    input_names()
                )))
            }
            ([only], _) => *only,
            _ => {
                return Err(model_error(format!(
                    "tonle feeds one input tensor; the model has {} ({})",
                    inputs.len(),
                    input_names()
                )))
            }
        };
        let input_name = input.name.clone();
        let width = mapping.features.len();
        if let Some(declared) = declared_width(input) {
            if declared != width {
                return Err(OnnxError::Width {
                    mapping: mapping_path.clone(),
                    model: model_path.clone(),
                    input: input_name,
                    features: width,
                    width: declared,
                });
            }
        }

        let mut model = onnx
            .model_for_proto_model(&proto)
            .map_err(|e| model_error(format!("tract cannot read the model: {e:#}")))?;
        // The output: the mapping's (a ZipMap's output reads its input), or the only one.
        let outputs: Vec<(OutletId, String)> = model
            .output_outlets()
            .map_err(|e| model_error(format!("{e:#}")))?
            .iter()
            .map(|&o| (o, model.outlet_label(o).unwrap_or_default().to_owned()))
            .collect();
        let output_names = || outputs.iter().map(|(_, n)| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        let (outlet, output) = match &mapping.output {
            Some(name) => {
                let wanted = renamed.iter().find(|(from, _)| from == name).map_or(name, |(_, to)| to);
                let found = outputs.iter().find(|(_, n)| n == wanted);
                found.map(|(o, _)| (*o, name.clone())).ok_or_else(|| {
                    mapping_error(format!("`output`: the model has no output `{name}` (it has {})", output_names()))
                })?
            }
            None if outputs.len() == 1 => outputs[0].clone(),
            None => {
                return Err(mapping_error(format!(
                    "`output` is needed: the model has {} outputs ({})",
                    outputs.len(),
                    output_names()
                )))
            }
        };
        // Computing only the score skips the label branch (an arg max and a lookup) of classifiers.
        model.select_output_outlets(&[outlet]).map_err(|e| model_error(format!("{e:#}")))?;

        let plan = |rows: TDim| -> Result<Arc<TypedRunnableModel>, OnnxError> {
            let mut model = model.clone();
            model
                .set_input_fact(0, f32::fact([rows, width.to_dim()]).into())
                .and_then(|_| model.into_optimized())
                .and_then(|m| m.into_runnable())
                .map_err(|e| model_error(format!("tract cannot prepare the model for f32 rows of {width}: {e:#}")))
        };
        let single = plan(1.to_dim())?;
        let batch = plan(model.sym("N").to_dim())?;

        let fact = single.model().output_fact(0).map_err(|e| model_error(format!("{e:#}")))?;
        let output_f64 = match fact.datum_type {
            DatumType::F32 => false,
            DatumType::F64 => true,
            other => {
                return Err(model_error(format!("output `{output}` holds {other:?} values, not floating-point scores")))
            }
        };
        let shape: Vec<usize> = fact.shape.as_concrete().map(<[usize]>::to_vec).unwrap_or_default();
        let output_width = match shape.as_slice() {
            [1] => 1,
            [1, k] => *k,
            _ => {
                return Err(model_error(format!(
                    "output `{output}` has shape {:?} for one row; tonle reads [1] or [1, k]",
                    fact.shape
                )))
            }
        };
        match mapping.output_index {
            Some(index) if index >= output_width => {
                return Err(mapping_error(format!(
                    "`output_index` is {index} but output `{output}` has {output_width} column(s)"
                )))
            }
            None if output_width != 1 => {
                return Err(mapping_error(format!(
                    "`output_index` is needed: output `{output}` has {output_width} columns (for class \
                     probabilities, the positive class is usually 1)"
                )))
            }
            _ => {}
        }

        Ok(OnnxModel {
            mapping_path,
            model_path,
            features: mapping.features,
            output,
            output_index: mapping.output_index,
            threshold,
            single,
            batch,
            output_width,
            output_f64,
        })
    }

    /// The tonle feature names the model reads, in its column order.
    pub fn features(&self) -> &[String] {
        &self.features
    }

    /// Checks the feature names against the caller's: an error lists every name `known` refuses.
    pub fn check_features(&self, known: impl Fn(&str) -> bool) -> Result<(), OnnxError> {
        let names: Vec<String> = self.features.iter().filter(|name| !known(name)).cloned().collect();
        if names.is_empty() {
            Ok(())
        } else {
            Err(OnnxError::UnknownFeatures { mapping: self.mapping_path.clone(), names })
        }
    }

    /// The decision threshold of the mapping (0.5 when it gives none).
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Whether a score reaches the threshold.
    pub fn is_positive(&self, score: f64) -> bool {
        score >= self.threshold
    }

    /// The mapping file the model was loaded from.
    pub fn mapping_path(&self) -> &Path {
        &self.mapping_path
    }

    /// The model file.
    pub fn model_path(&self) -> &Path {
        &self.model_path
    }

    /// Scores one row of features, in [`features`](Self::features) order (a missing value is NaN): the
    /// positive-class probability, or the model's single score.
    pub fn predict(&self, row: &[f32]) -> Result<f64, OnnxError> {
        self.check_width(row.len())?;
        let input = Tensor::from_shape(&[1, row.len()], row).map_err(|e| self.run_error(e))?;
        let outputs = self.single.run(tvec!(input.into())).map_err(|e| self.run_error(e))?;
        self.read(&outputs[0], 0)
    }

    /// Scores every row of a table whose columns are the model's features: one score per row, in order.
    pub fn predict_batch(&self, rows: &Matrix) -> Result<Vec<f64>, OnnxError> {
        self.check_width(rows.width())?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let input = Tensor::from_shape(&[rows.len(), rows.width()], rows.values()).map_err(|e| self.run_error(e))?;
        let outputs = self.batch.run(tvec!(input.into())).map_err(|e| self.run_error(e))?;
        (0..rows.len()).map(|i| self.read(&outputs[0], i)).collect()
    }

    fn check_width(&self, got: usize) -> Result<(), OnnxError> {
        if got == self.features.len() {
            Ok(())
        } else {
            Err(OnnxError::RowWidth { model: self.model_path.clone(), got, want: self.features.len() })
        }
    }

    /// The score of row `i` in an output tensor.
    fn read(&self, output: &Tensor, i: usize) -> Result<f64, OnnxError> {
        let at = i * self.output_width + self.output_index.unwrap_or(0);
        let view = output.try_as_plain_ram().map_err(|e| self.run_error(e))?;
        let value = if self.output_f64 {
            view.as_slice::<f64>().map_err(|e| self.run_error(e))?.get(at).copied()
        } else {
            view.as_slice::<f32>().map_err(|e| self.run_error(e))?.get(at).map(|&v| f64::from(v))
        };
        value.ok_or_else(|| OnnxError::Run {
            model: self.model_path.clone(),
            message: format!("output `{}` has no value at row {i}", self.output),
        })
    }

    fn run_error(&self, e: TractError) -> OnnxError {
        OnnxError::Run { model: self.model_path.clone(), message: format!("{e:#}") }
    }
}

/// The second dimension the model declares for `input`, when it declares a fixed one.
fn declared_width(input: &pb::ValueInfoProto) -> Option<usize> {
    let pb::type_proto::Value::TensorType(tensor) = input.r#type.as_ref()?.value.as_ref()?;
    let dim = tensor.shape.as_ref()?.dim.get(1)?;
    match dim.value {
        Some(pb::tensor_shape_proto::dimension::Value::DimValue(n)) if n > 0 => usize::try_from(n).ok(),
        _ => None,
    }
}

/// Prepares tree ensembles for tract: pads the single `base_values` of binary classifiers (see the module
/// documentation) and refuses the `*_as_tensor` attributes of double-precision exports, which tract would
/// ignore (`base_values_as_tensor`) or miss.
fn adapt_tree_ensembles(graph: &mut pb::GraphProto) -> Result<(), String> {
    for node in &mut graph.node {
        if !node.op_type.starts_with("TreeEnsemble") {
            continue;
        }
        if let Some(a) = node.attribute.iter().find(|a| a.name.ends_with("_as_tensor")) {
            return Err(format!(
                "node `{}` ({}) has attribute `{}`: tract reads only the float attributes; export the model with \
                 float (f32) inputs",
                node.name, node.op_type, a.name
            ));
        }
        rewrite_greater_equal(node);
        if node.op_type != "TreeEnsembleClassifier" {
            continue;
        }
        let classes = node
            .attribute
            .iter()
            .find(|a| a.name == "classlabels_int64s" || a.name == "classlabels_strings")
            .map_or(0, |a| a.ints.len() + a.strings.len());
        let only_class_0 =
            node.attribute.iter().find(|a| a.name == "class_ids").is_some_and(|a| a.ints.iter().all(|&c| c == 0));
        if classes == 2 && only_class_0 {
            if let Some(base) = node.attribute.iter_mut().find(|a| a.name == "base_values" && a.floats.len() == 1) {
                base.floats.push(0.0);
            }
        }
    }
    Ok(())
}

/// Rewrites every `BRANCH_GTE` node of a tree ensemble as the `BRANCH_LT` node that sends every value, missing
/// ones included, the same way: tract 0.23 reads `BRANCH_GTE` as a leaf (its comparison codes stop at 5, and
/// `>=` is 6), which silently gives wrong scores.
fn rewrite_greater_equal(node: &mut pb::NodeProto) {
    let position = |name: &str| node.attribute.iter().position(|a| a.name == name);
    let (Some(modes), Some(trues), Some(falses)) =
        (position("nodes_modes"), position("nodes_truenodeids"), position("nodes_falsenodeids"))
    else {
        return;
    };
    let flipped: Vec<usize> = node.attribute[modes]
        .strings
        .iter()
        .enumerate()
        .filter(|(_, mode)| mode.as_slice() == b"BRANCH_GTE")
        .map(|(i, _)| i)
        .collect();
    if flipped.is_empty() {
        return;
    }
    let nodes = node.attribute[modes].strings.len();
    let missing = match position("nodes_missing_value_tracks_true") {
        Some(missing) => missing,
        None => {
            node.attribute.push(pb::AttributeProto {
                name: "nodes_missing_value_tracks_true".to_owned(),
                r#type: pb::attribute_proto::AttributeType::Ints as i32,
                ints: vec![0; nodes],
                ..Default::default()
            });
            node.attribute.len() - 1
        }
    };
    for i in flipped {
        node.attribute[modes].strings[i] = b"BRANCH_LT".to_vec();
        let (t, f) = (node.attribute[trues].ints.get(i).copied(), node.attribute[falses].ints.get(i).copied());
        if let (Some(t), Some(f)) = (t, f) {
            node.attribute[trues].ints[i] = f;
            node.attribute[falses].ints[i] = t;
        }
        if let Some(tracks) = node.attribute[missing].ints.get_mut(i) {
            *tracks = i64::from(*tracks == 0);
        }
    }
}

/// Removes every `ZipMap` node and points the graph outputs it fed at its input tensor. Returns the renamed
/// outputs as (ZipMap output, tensor it now reads).
fn drop_zipmaps(graph: &mut pb::GraphProto) -> Vec<(String, String)> {
    let mut renamed = Vec::new();
    graph.node.retain(|node| {
        if node.op_type == "ZipMap" && node.input.len() == 1 && node.output.len() == 1 {
            renamed.push((node.output[0].clone(), node.input[0].clone()));
            false
        } else {
            true
        }
    });
    for output in &mut graph.output {
        if let Some((_, to)) = renamed.iter().find(|(from, _)| *from == output.name) {
            output.name = to.clone();
            // A ZipMap output is a sequence of maps; the tensor's type is tract's to infer.
            output.r#type = None;
        }
    }
    renamed
}
