//! Gradient-boosted trees: learning a planted signal, determinism, saving and loading, TreeSHAP's
//! efficiency, and the errors.

use tonle_detect::models::gbdt::{self, Gbdt, GbdtError, GbdtParams, ShapScratch};
use tonle_detect::models::Matrix;

/// xorshift64*: test data from a seed.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// Rows of 8 features, positive exactly when x0 > 0.95 and x1 < 0.1 (0.5% of rows). x2 is a count with many
/// zeros, x3 a duration that is +infinity ("never") for a third of the rows, x4 is missing for a quarter,
/// x5 a 0/1 flag, x6 and x7 noise.
fn planted(rows: usize, seed: u64) -> (Matrix, Vec<bool>) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut m = Matrix::new(8);
    let mut labels = Vec::with_capacity(rows);
    for _ in 0..rows {
        let x0 = rng.uniform();
        let x1 = rng.uniform();
        let count = (rng.uniform() * 4.0).powi(3).floor();
        let duration = if rng.uniform() < 0.33 { f32::INFINITY } else { rng.uniform() * 86_400.0 };
        let missing = if rng.uniform() < 0.25 { f32::NAN } else { rng.uniform() };
        let flag = if rng.uniform() < 0.1 { 1.0 } else { 0.0 };
        m.push_row(&[x0, x1, count, duration, missing, flag, rng.uniform(), rng.uniform()]);
        labels.push(x0 > 0.95 && x1 < 0.1);
    }
    (m, labels)
}

/// Average precision (the area under the precision-recall curve, as scikit-learn computes it).
fn average_precision(scores: &[f64], labels: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let positives = labels.iter().filter(|&&y| y).count() as f64;
    let (mut tp, mut seen, mut ap, mut last_recall) = (0.0, 0.0, 0.0, 0.0);
    for (k, &i) in order.iter().enumerate() {
        seen += 1.0;
        if labels[i] {
            tp += 1.0;
        }
        let tie_follows = order.get(k + 1).is_some_and(|&j| scores[j] == scores[i]);
        if !tie_follows {
            let recall = tp / positives;
            ap += (recall - last_recall) * tp / seen;
            last_recall = recall;
        }
    }
    ap
}

fn small_params() -> GbdtParams {
    GbdtParams { rounds: 60, learning_rate: 0.2, early_stopping_rounds: 10, ..GbdtParams::default() }
}

fn scores(model: &Gbdt, m: &Matrix) -> Vec<f64> {
    m.rows().map(|r| model.predict_raw(r)).collect()
}

#[test]
fn learns_a_planted_signal_and_beats_a_constant() {
    let (train, train_labels) = planted(40_000, 1);
    let (valid, valid_labels) = planted(10_000, 2);
    let (test, test_labels) = planted(40_000, 3);
    let model = gbdt::train(&train, &train_labels, Some((&valid, &valid_labels)), &small_params()).unwrap();
    let ap = average_precision(&scores(&model, &test), &test_labels);
    let base_rate = test_labels.iter().filter(|&&y| y).count() as f64 / test_labels.len() as f64;
    assert!(ap > 0.9, "average precision {ap}");
    assert!(ap > 50.0 * base_rate, "a constant scores {base_rate}");
    let summary = model.summary();
    assert_eq!(model.trees(), summary.best_iteration + 1);
    assert!(summary.valid_loss.len() == summary.rounds_run && summary.rounds_run >= model.trees());
    assert!(summary.valid_loss[summary.best_iteration] < summary.valid_loss[0], "{:?}", summary.valid_loss);
    // The signal's two features carry nearly all the gain.
    let importance = model.feature_importance();
    let total: f64 = importance.iter().sum();
    assert!((importance[0] + importance[1]) / total > 0.9, "{importance:?}");
}

#[test]
fn the_same_seed_gives_the_same_model_and_another_seed_another() {
    let (train, labels) = planted(20_000, 4);
    let params = GbdtParams { rounds: 20, feature_fraction: 0.7, bagging_fraction: 0.7, ..GbdtParams::default() };
    let save = |p: &GbdtParams| serde_json::to_string(&gbdt::train(&train, &labels, None, p).unwrap()).unwrap();
    let first = save(&params);
    assert_eq!(first, save(&params));
    assert_ne!(first, save(&GbdtParams { seed: 1, ..params.clone() }));
}

#[test]
fn a_saved_model_predicts_and_explains_bit_identically() {
    let (train, labels) = planted(20_000, 5);
    let model = gbdt::train(&train, &labels, None, &GbdtParams { rounds: 30, ..GbdtParams::default() }).unwrap();
    let loaded: Gbdt = serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
    // The summary's losses are plain JSON numbers, which may lose their last bit; the trees may not.
    assert_eq!(loaded.trees(), model.trees());
    let (test, _) = planted(2_000, 6);
    let mut scratch = ShapScratch::new();
    let (mut a, mut b) = (vec![0.0; 9], vec![0.0; 9]);
    for row in test.rows() {
        assert_eq!(model.predict_raw(row).to_bits(), loaded.predict_raw(row).to_bits());
        model.contributions_with(row, &mut a, &mut scratch);
        loaded.contributions_with(row, &mut b, &mut scratch);
        assert_eq!(
            a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }
}

#[test]
fn contributions_sum_to_the_margin() {
    let (train, labels) = planted(20_000, 7);
    let model = gbdt::train(&train, &labels, None, &GbdtParams { rounds: 40, ..GbdtParams::default() }).unwrap();
    let (test, _) = planted(2_000, 8);
    let mut out = vec![0.0; 9];
    let mut moved = [0.0f64; 8];
    for row in test.rows() {
        model.contributions(row, &mut out);
        let sum: f64 = out.iter().sum();
        assert!((sum - model.predict_raw(row)).abs() < 1e-9, "{sum} vs {}", model.predict_raw(row));
        for (m, c) in moved.iter_mut().zip(&out) {
            *m += c.abs();
        }
    }
    // The planted features explain most; the noise features little.
    assert!(moved[0] > 5.0 * moved[6] && moved[1] > 5.0 * moved[7], "{moved:?}");
}

#[test]
fn each_error_is_reported() {
    let (m, labels) = planted(1_000, 9);
    let p = GbdtParams { rounds: 2, ..GbdtParams::default() };
    let err = |train: &Matrix, labels: &[bool], valid: Option<(&Matrix, &[bool])>, p: &GbdtParams| {
        gbdt::train(train, labels, valid, p).err()
    };
    assert_eq!(err(&Matrix::new(8), &[], None, &p), Some(GbdtError::Empty));
    assert_eq!(err(&m, &labels, Some((&Matrix::new(8), &[])), &p), Some(GbdtError::EmptyValidation));
    let narrow = Matrix::from_values(vec![0.0; 7], 7).unwrap();
    assert_eq!(err(&m, &labels, Some((&narrow, &[false])), &p), Some(GbdtError::WidthMismatch { train: 8, valid: 7 }));
    assert_eq!(
        err(&m, &labels[1..], None, &p),
        Some(GbdtError::LabelCount { set: "training", rows: 1000, labels: 999 })
    );
    assert_eq!(
        err(&m, &labels, Some((&m, &labels[1..])), &p),
        Some(GbdtError::LabelCount { set: "validation", rows: 1000, labels: 999 })
    );
    assert_eq!(err(&m, &vec![false; 1000], None, &p), Some(GbdtError::NoPositive));
    assert_eq!(err(&m, &vec![true; 1000], None, &p), Some(GbdtError::NoNegative));
    let bad = [
        ("rounds", GbdtParams { rounds: 0, ..p.clone() }),
        ("learning_rate", GbdtParams { learning_rate: 0.0, ..p.clone() }),
        ("max_leaves", GbdtParams { max_leaves: 1, ..p.clone() }),
        ("max_depth", GbdtParams { max_depth: Some(0), ..p.clone() }),
        ("min_child_weight", GbdtParams { min_child_weight: -1.0, ..p.clone() }),
        ("min_samples_leaf", GbdtParams { min_samples_leaf: 0, ..p.clone() }),
        ("lambda", GbdtParams { lambda: f64::NAN, ..p.clone() }),
        ("min_gain", GbdtParams { min_gain: -0.5, ..p.clone() }),
        ("feature_fraction", GbdtParams { feature_fraction: 1.5, ..p.clone() }),
        ("bagging_fraction", GbdtParams { bagging_fraction: 0.0, ..p.clone() }),
        ("positive_weight", GbdtParams { positive_weight: Some(0.0), ..p.clone() }),
        ("bins", GbdtParams { bins: 256, ..p.clone() }),
    ];
    for (name, params) in bad {
        match err(&m, &labels, None, &params) {
            Some(GbdtError::BadParam { name: n, .. }) => assert_eq!(n, name),
            other => panic!("{name}: {other:?}"),
        }
    }
    let message = err(&m, &labels, None, &GbdtParams { bins: 1, ..p }).unwrap().to_string();
    assert_eq!(message, "parameter bins is 1; allowed: 2 to 255");
}

#[test]
fn a_damaged_model_file_is_refused_not_walked() {
    let (train, labels) = planted(5_000, 9);
    let model = gbdt::train(&train, &labels, None, &GbdtParams { rounds: 5, ..GbdtParams::default() }).unwrap();
    let json = serde_json::to_value(&model).unwrap();
    assert!(serde_json::from_value::<Gbdt>(json.clone()).is_ok());
    // Each node is [threshold bits, feature (top bit: missing goes left), left, right]; a child with the top
    // bit set is a leaf.
    let damage = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut bad = json.clone();
        edit(&mut bad["forest"]);
        serde_json::from_value::<Gbdt>(bad).expect_err("a damaged forest is refused").to_string()
    };
    let leaf = 1u64 << 31;
    // A child pointing back to its parent: a walk would never end.
    let error = damage(&|f| f["nodes"][1][2] = serde_json::json!(1));
    assert!(error.contains("node 1 has a child out of range or before it"), "{error}");
    let error = damage(&|f| f["nodes"][0][3] = serde_json::json!(leaf + 1_000_000));
    assert!(error.contains("node 0 has a child out of range"), "{error}");
    let error = damage(&|f| f["nodes"][0][1] = serde_json::json!(99));
    assert!(error.contains("node 0 splits on feature 99 of 8"), "{error}");
    let error = damage(&|f| {
        f["node_covers"].as_array_mut().unwrap().pop();
    });
    assert!(error.contains("covers"), "{error}");
    let error = damage(&|f| f["roots"][0] = serde_json::json!(1_000_000));
    assert!(error.contains("tree 0's root is out of range"), "{error}");
    // The depth comes from the nodes, not from the file.
    let mut lying = json.clone();
    lying["forest"]["depth"] = serde_json::json!(0);
    let reloaded: Gbdt = serde_json::from_value(lying).unwrap();
    let (test, _) = planted(500, 10);
    let (mut a, mut b) = (vec![0.0; 9], vec![0.0; 9]);
    for row in test.rows() {
        assert_eq!(model.predict_raw(row).to_bits(), reloaded.predict_raw(row).to_bits());
        model.contributions(row, &mut a);
        reloaded.contributions(row, &mut b);
        assert_eq!(a, b);
    }
}
