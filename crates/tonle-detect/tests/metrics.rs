//! The quality measures against scikit-learn's values, and best-F1 against a brute-force scan.

use proptest::prelude::*;
use tonle_detect::models::metrics::{best_f1_threshold, pr_auc, roc_auc, ConfusionMatrix, Threshold};

// TIES_*, FEW_TIES_*, RARE_*: scores, labels and scikit-learn's average precision, ROC AUC and best F1, from
// tests/fixtures/metrics/sklearn_cases.py.
include!("fixtures/metrics/sklearn_cases.rs");

fn agrees_with_sklearn(scores: &[f64], labels: &[bool], ap: f64, auc: f64, best_f1: (f64, f64)) {
    let ours = pr_auc(scores, labels).unwrap();
    assert!((ours - ap).abs() < 1e-12, "average precision {ours}, scikit-learn {ap}");
    let ours = roc_auc(scores, labels).unwrap();
    assert!((ours - auc).abs() < 1e-12, "ROC AUC {ours}, scikit-learn {auc}");
    let t = best_f1_threshold(scores, labels).unwrap();
    assert_eq!(t.threshold, best_f1.0);
    assert!((t.f1 - best_f1.1).abs() < 1e-12, "best F1 {}, scikit-learn {}", t.f1, best_f1.1);
}

#[test]
fn many_ties_agree_with_sklearn() {
    agrees_with_sklearn(&TIES_SCORES, &TIES_LABELS, TIES_AP, TIES_ROC_AUC, TIES_BEST_F1);
}

#[test]
fn few_ties_agree_with_sklearn() {
    agrees_with_sklearn(&FEW_TIES_SCORES, &FEW_TIES_LABELS, FEW_TIES_AP, FEW_TIES_ROC_AUC, FEW_TIES_BEST_F1);
}

#[test]
fn rare_positives_agree_with_sklearn() {
    agrees_with_sklearn(&RARE_SCORES, &RARE_LABELS, RARE_AP, RARE_ROC_AUC, RARE_BEST_F1);
}

/// Every distinct score tried as a threshold, F1 from the confusion matrix, the highest threshold winning ties.
fn brute_force_best_f1(scores: &[f64], labels: &[bool]) -> Threshold {
    let mut candidates = scores.to_vec();
    candidates.sort_by(|a, b| b.total_cmp(a));
    candidates.dedup();
    let mut best: Option<Threshold> = None;
    for t in candidates {
        let m = ConfusionMatrix::at(scores, labels, t).unwrap();
        if best.is_none_or(|b| m.f1() > b.f1) {
            best = Some(Threshold { threshold: t, f1: m.f1(), precision: m.precision(), recall: m.recall() });
        }
    }
    best.unwrap()
}

proptest! {
    #[test]
    fn best_f1_equals_a_brute_force_scan(
        rows in prop::collection::vec((0u8..20, prop::bool::weighted(0.3)), 1..120),
    ) {
        // Scores from 20 values, so ties are common.
        let scores: Vec<f64> = rows.iter().map(|&(s, _)| f64::from(s) / 10.0).collect();
        let labels: Vec<bool> = rows.iter().map(|&(_, l)| l).collect();
        match best_f1_threshold(&scores, &labels) {
            Ok(t) => prop_assert_eq!(t, brute_force_best_f1(&scores, &labels)),
            Err(e) => prop_assert!(!labels.contains(&true), "{e} with positives present"),
        }
    }
}
