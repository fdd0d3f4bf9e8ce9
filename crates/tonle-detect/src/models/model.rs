//! A model as `tonle train` saves it and the engine serves it: the feature schema, the gradient-boosted
//! classifier with its decision threshold and action, the isolation forest over the debtor's behaviour, and
//! what training measured. Also the models trained elsewhere (ONNX, with the `onnx` feature), served the same
//! way.
//!
//! A tonle model is one JSON file (`"format": "tonle-model/1"`); an ONNX model is its mapping file (TOML,
//! [`crate::models::onnx`]).

use std::path::Path;

use serde::{Deserialize, Serialize};
use tonle_core::Decision;

use super::gbdt::{Gbdt, GbdtParams, ShapScratch, TrainingSummary};
use super::iforest::IsolationForest;
use super::schema::FeatureSchema;

/// The `format` of a tonle model file this code reads and writes.
pub const MODEL_FORMAT: &str = "tonle-model/1";

/// Why a model cannot be loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file cannot be read.
    #[error("cannot read the model {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a tonle model.
    #[error("{path} is not a tonle model file: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What the parser said (with the line and column).
        message: String,
    },
    /// A model file of another format version.
    #[error("{path}: model format {found:?}; this tonle reads {MODEL_FORMAT:?} (retrain the model)")]
    Format {
        /// The file.
        path: String,
        /// Its format.
        found: String,
    },
    /// The parts of a model file disagree (edited by hand, or truncated).
    #[error("{path}: {problem}")]
    Inconsistent {
        /// The file.
        path: String,
        /// What disagrees.
        problem: String,
    },
    /// An ONNX model's mapping or model file is unusable, or it failed on a row.
    #[error("{0}")]
    Onnx(String),
    /// ONNX models need the `onnx` feature.
    #[error("{path}: ONNX models need tonle built with the `onnx` feature (the release build has it)")]
    NoOnnx {
        /// The mapping file.
        path: String,
    },
}

/// The isolation forest over part of the model's features (the debtor's behaviour).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyModel {
    /// The columns of the model's feature row the forest reads, in its order.
    pub columns: Vec<usize>,
    /// The forest.
    pub forest: IsolationForest,
}

/// What training measured, kept in the model file for whoever reads it later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TrainingReport {
    /// Rows the trees were grown on, and their positives.
    pub train_rows: usize,
    /// Positives among them.
    pub train_positives: usize,
    /// Rows of the validation part (the latest by time), and their positives.
    pub validation_rows: usize,
    /// Positives among them.
    pub validation_positives: usize,
    /// Event time of the first training row and of the last validation row (ms).
    pub time_span_ms: (i64, i64),
    /// PR-AUC on the validation part.
    pub validation_pr_auc: f64,
    /// F1, precision and recall on the validation part at the chosen threshold.
    pub validation_f1: f64,
    /// Precision at the threshold, on the validation part.
    pub validation_precision: f64,
    /// Recall at the threshold, on the validation part.
    pub validation_recall: f64,
    /// The parameters trees were grown with.
    pub params: GbdtParams,
    /// Rounds, best iteration and losses.
    pub summary: TrainingSummary,
    /// The features with the most total split gain, most first (at most 25).
    pub importance: Vec<(String, f64)>,
    /// Every tree shape tried, the kept one included, with its validation PR-AUC.
    #[serde(default)]
    pub shapes_tried: Vec<ShapeTried>,
}

/// One tree shape `tonle train` tried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ShapeTried {
    /// Learning rate.
    pub learning_rate: f64,
    /// Most leaves per tree.
    pub max_leaves: usize,
    /// Trees kept (the best round's).
    pub trees: usize,
    /// PR-AUC on the validation part.
    pub validation_pr_auc: f64,
    /// Whether the model kept it.
    pub kept: bool,
}

/// A model trained by tonle, as saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainedModel {
    /// [`MODEL_FORMAT`].
    pub format: String,
    /// A name for reasons and logs (by default the file's stem).
    pub name: String,
    /// The features, their encoding and context.
    pub schema: FeatureSchema,
    /// The classifier.
    pub classifier: Gbdt,
    /// Probability at or above which a transaction is flagged (chosen on the validation part: best F1).
    pub threshold: f64,
    /// The action a flagged transaction gets.
    pub action: Decision,
    /// The anomaly score's forest, if trained.
    pub anomaly: Option<AnomalyModel>,
    /// What training measured.
    pub training: TrainingReport,
}

impl TrainedModel {
    /// Reads a model file and checks that its parts agree.
    pub fn read(path: &Path) -> Result<TrainedModel, ModelError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ModelError::Read { path: shown.clone(), source })?;
        // The format is checked first, so that a future format gets a clear message rather than a parse error.
        #[derive(Deserialize)]
        struct Header {
            format: String,
        }
        let header: Header = serde_json::from_str(&text)
            .map_err(|e| ModelError::Parse { path: shown.clone(), message: e.to_string() })?;
        if header.format != MODEL_FORMAT {
            return Err(ModelError::Format { path: shown, found: header.format });
        }
        let model: TrainedModel = serde_json::from_str(&text)
            .map_err(|e| ModelError::Parse { path: shown.clone(), message: e.to_string() })?;
        model.check().map_err(|problem| ModelError::Inconsistent { path: shown, problem })?;
        Ok(model)
    }

    /// Writes the model as JSON.
    pub fn to_json(&self) -> String {
        // Plain data (numbers, strings, vectors, maps with string keys) always serialises.
        serde_json::to_string(self).expect("a model serialises")
    }

    fn check(&self) -> Result<(), String> {
        let width = self.schema.features.len();
        if self.classifier.n_features() != width {
            return Err(format!(
                "the classifier reads {} features, the schema lists {width}",
                self.classifier.n_features()
            ));
        }
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(format!("threshold {} is not a probability", self.threshold));
        }
        if let Some(anomaly) = &self.anomaly {
            if let Some(column) = anomaly.columns.iter().find(|c| **c >= width) {
                return Err(format!("the anomaly forest reads column {column} of {width}"));
            }
            if anomaly.forest.n_features() != anomaly.columns.len() {
                return Err("the anomaly forest's width differs from its columns".to_owned());
            }
        }
        Ok(())
    }
}

/// What scores a row.
#[derive(Debug)]
pub enum Classifier {
    /// Trained by tonle.
    Gbdt(Box<Gbdt>),
    /// Trained elsewhere.
    #[cfg(feature = "onnx")]
    Onnx(Box<super::onnx::OnnxModel>),
}

/// A model ready to serve: what the engine holds.
#[derive(Debug)]
pub struct Model {
    /// Its name in reasons.
    pub name: String,
    /// The features it reads, in column order.
    pub features: Vec<String>,
    /// The schema it was trained on (tonle models); the engine refuses to serve it if its own differs. ONNX
    /// models name their features only.
    pub schema: Option<FeatureSchema>,
    /// The classifier.
    pub classifier: Classifier,
    /// Probability at or above which a transaction is flagged.
    pub threshold: f64,
    /// The action a flagged transaction gets.
    pub action: Decision,
    /// The anomaly score's forest.
    pub anomaly: Option<AnomalyModel>,
}

impl Model {
    /// Loads a model: a tonle model file (JSON), or an ONNX model's mapping file (`.toml`).
    pub fn load(path: &Path) -> Result<Model, ModelError> {
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml")) {
            return Model::load_onnx(path);
        }
        Ok(Model::from(TrainedModel::read(path)?))
    }

    #[cfg(feature = "onnx")]
    fn load_onnx(path: &Path) -> Result<Model, ModelError> {
        let onnx = super::onnx::OnnxModel::load(path).map_err(|e| ModelError::Onnx(e.to_string()))?;
        let name = path.file_stem().map_or_else(|| "onnx".to_owned(), |s| s.to_string_lossy().into_owned());
        Ok(Model {
            name,
            features: onnx.features().to_vec(),
            schema: None,
            threshold: onnx.threshold(),
            action: Decision::Review,
            anomaly: None,
            classifier: Classifier::Onnx(Box::new(onnx)),
        })
    }

    #[cfg(not(feature = "onnx"))]
    fn load_onnx(path: &Path) -> Result<Model, ModelError> {
        Err(ModelError::NoOnnx { path: path.display().to_string() })
    }

    /// Whether each column of the row (`[column]`) can change the score or the anomaly score: the engine
    /// computes only those. An ONNX model reads them all.
    pub fn columns_read(&self) -> Vec<bool> {
        let mut read = match &self.classifier {
            Classifier::Gbdt(gbdt) => gbdt.features_read(),
            #[cfg(feature = "onnx")]
            Classifier::Onnx(_) => vec![true; self.features.len()],
        };
        read.resize(self.features.len(), true);
        for column in self.anomaly.iter().flat_map(|a| a.columns.iter()) {
            if let Some(r) = read.get_mut(*column) {
                *r = true;
            }
        }
        read
    }

    /// The probability that a row is illicit.
    pub fn score(&self, row: &[f32]) -> Result<f64, ModelError> {
        match &self.classifier {
            Classifier::Gbdt(gbdt) => Ok(gbdt.predict(row)),
            #[cfg(feature = "onnx")]
            Classifier::Onnx(onnx) => onnx.predict(row).map_err(|e| ModelError::Onnx(e.to_string())),
        }
    }

    /// The anomaly score of a row (0 without a forest); `scratch` holds the forest's columns.
    pub fn anomaly(&self, row: &[f32], scratch: &mut Vec<f32>) -> f64 {
        let Some(anomaly) = &self.anomaly else { return 0.0 };
        scratch.clear();
        scratch.extend(anomaly.columns.iter().map(|c| row[*c]));
        anomaly.forest.score(scratch)
    }

    /// Each feature's contribution to the row's log-odds (TreeSHAP), into `out` (one per feature, then the
    /// bias); `false` when the classifier gives none (ONNX).
    pub fn explain(&self, row: &[f32], out: &mut Vec<f64>, scratch: &mut ShapScratch) -> bool {
        match &self.classifier {
            Classifier::Gbdt(gbdt) => {
                out.clear();
                out.resize(row.len() + 1, 0.0);
                gbdt.contributions_with(row, out, scratch);
                true
            }
            #[cfg(feature = "onnx")]
            Classifier::Onnx(_) => false,
        }
    }
}

impl From<TrainedModel> for Model {
    fn from(model: TrainedModel) -> Model {
        Model {
            name: model.name,
            features: model.schema.features.clone(),
            schema: Some(model.schema),
            classifier: Classifier::Gbdt(Box::new(model.classifier)),
            threshold: model.threshold,
            action: model.action,
            anomaly: model.anomaly,
        }
    }
}
