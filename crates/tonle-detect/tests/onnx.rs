//! ONNX models trained elsewhere: the fixtures (made by `fixtures/onnx/make_fixtures.py`) reproduce the
//! probabilities of the libraries that trained them, and bad mapping or model files give errors naming them.
#![cfg(feature = "onnx")]

use std::path::{Path, PathBuf};

use tonle_detect::models::onnx::{OnnxError, OnnxModel};
use tonle_detect::models::Matrix;

/// Largest difference allowed between tract's f32 scores and the library's f64 ones.
const TOLERANCE: f64 = 1e-5;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/onnx")
}

/// `expected.csv`: the feature names, then one column per model (an empty cell: no expectation for that row).
struct Expected {
    features: Vec<String>,
    models: Vec<String>,
    rows: Vec<Vec<f32>>,
    scores: Vec<Vec<Option<f64>>>,
}

fn expected() -> Expected {
    let text = std::fs::read_to_string(fixtures().join("expected.csv")).expect("fixtures/onnx/expected.csv");
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().expect("a header").split(',').map(str::to_owned).collect();
    let width = header.iter().position(|h| h == "logreg").expect("a logreg column");
    let (mut rows, mut scores) = (Vec::new(), Vec::new());
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), header.len(), "{line}");
        let parse = |c: &str| (!c.is_empty()).then(|| c.parse::<f64>().expect("a number"));
        rows.push(cells[..width].iter().map(|c| parse(c).map_or(f32::NAN, |v| v as f32)).collect());
        scores.push(cells[width..].iter().map(|c| parse(c)).collect());
    }
    Expected { features: header[..width].to_vec(), models: header[width..].to_vec(), rows, scores }
}

#[test]
fn every_fixture_reproduces_its_library() {
    let expected = expected();
    assert_eq!(expected.models.len(), 8, "{:?}", expected.models);
    for (m, name) in expected.models.iter().enumerate() {
        let model = OnnxModel::load(fixtures().join(format!("{name}.toml"))).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(model.features(), expected.features.as_slice(), "{name}");
        assert_eq!(model.threshold(), 0.5);
        let mut batch = Matrix::new(expected.features.len());
        let mut wanted = Vec::new();
        for (row, scores) in expected.rows.iter().zip(&expected.scores) {
            let Some(want) = scores[m] else { continue };
            let got = model.predict(row).unwrap_or_else(|e| panic!("{e}"));
            assert!((got - want).abs() < TOLERANCE, "{name}: {got} for {want}, row {row:?}");
            batch.push_row(row);
            wanted.push(want);
        }
        assert!(wanted.len() >= 32, "{name}: {} rows", wanted.len());
        let got = model.predict_batch(&batch).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.len(), wanted.len());
        for (g, w) in got.iter().zip(&wanted) {
            assert!((g - w).abs() < TOLERANCE, "{name} batch: {g} for {w}");
        }
    }
}

#[test]
fn boosted_trees_route_missing_values_as_trained() {
    let expected = expected();
    for name in ["lightgbm", "xgboost", "xgboost_gte"] {
        let m = expected.models.iter().position(|n| n == name).expect("a column");
        let model = OnnxModel::load(fixtures().join(format!("{name}.toml"))).unwrap_or_else(|e| panic!("{e}"));
        let with_nan: Vec<_> =
            expected.rows.iter().zip(&expected.scores).filter(|(row, _)| row.iter().any(|v| v.is_nan())).collect();
        assert!(with_nan.len() >= 8, "{name}: {} rows with a missing value", with_nan.len());
        for (row, scores) in with_nan {
            let want = scores[m].expect("a score");
            let got = model.predict(row).unwrap_or_else(|e| panic!("{e}"));
            assert!((got - want).abs() < TOLERANCE, "{name}: {got} for {want}, row {row:?}");
        }
    }
}

#[test]
fn an_empty_batch_scores_nothing() {
    let model = OnnxModel::load(fixtures().join("forest.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.predict_batch(&Matrix::new(9)).ok(), Some(Vec::new()));
}

#[test]
fn models_are_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<OnnxModel>();
}

/// A directory holding copies of the fixture models, to write broken mapping files next to.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for name in ["forest", "score"] {
        std::fs::copy(fixtures().join(format!("{name}.onnx")), dir.path().join(format!("{name}.onnx")))
            .expect("a copy");
    }
    dir
}

const NINE: &str = r#"features = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]"#;

/// Loads a mapping file with this text; returns the error's message and the file's path.
fn load_error(dir: &Path, text: &str) -> (OnnxError, String, String) {
    let path = dir.join("mapping.toml");
    std::fs::write(&path, text).expect("a mapping file");
    let error = OnnxModel::load(&path).expect_err("an error");
    let message = error.to_string();
    (error, message, path.display().to_string())
}

#[test]
fn a_mapping_without_features_names_the_file_and_the_key() {
    let dir = scratch();
    let (error, message, path) = load_error(dir.path(), "model = \"forest.onnx\"\noutput = \"probabilities\"\n");
    assert!(matches!(error, OnnxError::Mapping { .. }), "{error:?}");
    assert!(message.starts_with(&path) && message.contains("features"), "{message}");
}

#[test]
fn a_mapping_of_the_wrong_width_gives_both_numbers() {
    let dir = scratch();
    let text = "model = \"forest.onnx\"\nfeatures = [\"amount\", \"graph.fan_in\"]\noutput = \"probabilities\"\n";
    let (error, message, path) = load_error(dir.path(), text);
    assert!(matches!(error, OnnxError::Width { features: 2, width: 9, .. }), "{error:?}");
    assert!(message.starts_with(&path) && message.contains("2 features") && message.contains("9 columns"), "{message}");
}

#[test]
fn a_missing_model_file_names_both_files() {
    let dir = scratch();
    let (error, message, path) = load_error(dir.path(), &format!("model = \"nowhere.onnx\"\n{NINE}\n"));
    assert!(matches!(error, OnnxError::ReadModel { .. }), "{error:?}");
    assert!(message.starts_with(&path) && message.contains("nowhere.onnx") && message.contains("`model`"), "{message}");
}

#[test]
fn a_missing_mapping_file_names_it() {
    let dir = scratch();
    let error = OnnxModel::load(dir.path().join("absent.toml")).expect_err("an error");
    assert!(matches!(error, OnnxError::ReadMapping { .. }) && error.to_string().contains("absent.toml"), "{error}");
}

#[test]
fn an_unknown_output_lists_the_model_outputs() {
    let dir = scratch();
    let (error, message, path) =
        load_error(dir.path(), &format!("model = \"forest.onnx\"\n{NINE}\noutput = \"proba\"\noutput_index = 1\n"));
    assert!(matches!(error, OnnxError::Mapping { .. }), "{error:?}");
    assert!(
        message.starts_with(&path) && message.contains("`proba`") && message.contains("`probabilities`"),
        "{message}"
    );
}

#[test]
fn output_index_is_needed_for_columns_and_must_fit() {
    let dir = scratch();
    let forest = format!("model = \"forest.onnx\"\n{NINE}\noutput = \"probabilities\"\n");
    let (_, message, _) = load_error(dir.path(), &forest);
    assert!(message.contains("`output_index` is needed") && message.contains("2 columns"), "{message}");
    let (_, message, _) = load_error(dir.path(), &format!("{forest}output_index = 2\n"));
    assert!(message.contains("`output_index` is 2"), "{message}");
    // Several outputs and none named.
    let (_, message, _) = load_error(dir.path(), &format!("model = \"forest.onnx\"\n{NINE}\n"));
    assert!(message.contains("`output` is needed"), "{message}");
}

#[test]
fn unknown_keys_wrong_types_and_repeated_features_are_refused() {
    let dir = scratch();
    let score = format!("model = \"score.onnx\"\n{NINE}\n");
    let (_, message, _) = load_error(dir.path(), &format!("{score}treshold = 0.7\n"));
    assert!(message.contains("treshold"), "{message}");
    let (_, message, _) = load_error(dir.path(), &format!("{score}threshold = \"high\"\n"));
    assert!(message.contains("threshold"), "{message}");
    let (_, message, _) = load_error(dir.path(), &format!("{score}input = \"x\"\n"));
    assert!(message.contains("`input`") && message.contains("`float_input`"), "{message}");
    let twice = "model = \"score.onnx\"\nfeatures = [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", \"a\"]\n";
    let (_, message, _) = load_error(dir.path(), twice);
    assert!(message.contains("`a` twice"), "{message}");
}

#[test]
fn a_single_score_model_needs_no_output_key_and_defaults_its_threshold() {
    let dir = scratch();
    let path = dir.path().join("mapping.toml");
    std::fs::write(&path, format!("model = \"score.onnx\"\n{NINE}\n")).expect("a mapping file");
    let model = OnnxModel::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.threshold(), 0.5);
    assert!(model.is_positive(0.5) && !model.is_positive(0.49));
    let score = model.predict(&[0.0; 9]).unwrap_or_else(|e| panic!("{e}"));
    assert!(score > 0.0 && score < 1.0, "{score}");
}

#[test]
fn corrupt_model_files_give_errors() {
    let dir = scratch();
    let real = std::fs::read(fixtures().join("forest.onnx")).expect("the forest");
    let garbage: Vec<u8> = (0..4000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let corruptions: [(&str, Vec<u8>); 4] = [
        ("empty", Vec::new()),
        ("text", b"this is not an ONNX model\n".to_vec()),
        ("garbage", garbage),
        ("truncated", real[..real.len() / 2].to_vec()),
    ];
    for (name, bytes) in corruptions {
        std::fs::write(dir.path().join("bad.onnx"), bytes).expect("a bad model");
        let text = format!("model = \"bad.onnx\"\n{NINE}\noutput = \"probabilities\"\noutput_index = 1\n");
        let (error, message, _) = load_error(dir.path(), &text);
        assert!(matches!(error, OnnxError::Model { .. }), "{name}: {error:?}");
        assert!(message.contains("bad.onnx"), "{name}: {message}");
    }
}

#[test]
fn rows_of_the_wrong_width_are_refused() {
    let model = OnnxModel::load(fixtures().join("lightgbm.toml")).unwrap_or_else(|e| panic!("{e}"));
    let error = model.predict(&[1.0; 8]).expect_err("an error");
    assert!(matches!(error, OnnxError::RowWidth { got: 8, want: 9, .. }), "{error:?}");
    let error = model.predict_batch(&Matrix::new(10)).expect_err("an error");
    assert!(matches!(error, OnnxError::RowWidth { got: 10, want: 9, .. }), "{error:?}");
}

#[test]
fn unknown_feature_names_are_listed() {
    let model = OnnxModel::load(fixtures().join("logreg.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert!(model.check_features(|_| true).is_ok());
    let error = model.check_features(|name| !name.starts_with("creditor.")).expect_err("an error");
    let message = error.to_string();
    assert!(message.contains("logreg.toml"), "{message}");
    assert!(message.ends_with("creditor.in.count_24h, creditor.in.distinct_24h"), "{message}");
}
