//! Measures of a binary classifier's quality: ranking quality (PR-AUC, ROC-AUC), counts at a threshold, the
//! threshold of best F1, precision and recall at a fixed alert budget, and recall per group (typology).
//!
//! Every function takes scores (higher = riskier) and labels (`true` = positive, the minority class such as
//! fraud) of the same length. A score of NaN is an error ([`MetricsError::NanScore`]); infinities are ordinary,
//! ordered scores. A row is flagged at threshold `t` when `score >= t`.
//!
//! A ratio with a zero denominator (precision with nothing flagged, recall with no positives, F1 with neither) is
//! defined as 0, never NaN. Measures that are undefined without positives (or negatives) return an error
//! instead of a number: [`pr_auc`], [`roc_auc`] and [`best_f1_threshold`].

use std::cmp::Ordering;
use std::collections::BTreeMap;

use thiserror::Error;

/// Why a measure could not be computed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MetricsError {
    /// Scores and labels (or groups) differ in length.
    #[error("{scores} scores but {other} labels or groups")]
    LengthMismatch {
        /// Number of scores.
        scores: usize,
        /// Number of labels or groups.
        other: usize,
    },
    /// A score is NaN, which has no rank.
    #[error("score {index} is NaN")]
    NanScore {
        /// Row of the first NaN score.
        index: usize,
    },
    /// The measure is undefined when no row is positive (this includes empty input).
    #[error("no positive rows: the measure is undefined")]
    NoPositives,
    /// The measure is undefined when no row is negative.
    #[error("no negative rows: the measure is undefined")]
    NoNegatives,
    /// An alert budget that is a fraction outside `0..=1` (or NaN).
    #[error("alert budget fraction {0} is not within 0..=1")]
    InvalidBudget(f64),
}

/// Checks the inputs every measure shares.
fn check(scores: &[f64], labels: &[bool]) -> Result<(), MetricsError> {
    if scores.len() != labels.len() {
        return Err(MetricsError::LengthMismatch { scores: scores.len(), other: labels.len() });
    }
    match scores.iter().position(|s| s.is_nan()) {
        Some(index) => Err(MetricsError::NanScore { index }),
        None => Ok(()),
    }
}

/// `num / den`, or 0 when `den` is 0.
fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

/// Row indices by descending score; equal scores keep row order (the sort is stable).
fn by_descending_score(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    // total_cmp orders every non-NaN float, and check() rejected NaN.
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    order
}

/// Cumulative counts after each group of equal scores, walking from the highest score down: the score of the
/// group, then positives and negatives with a score at least that high.
fn cumulative_by_score(scores: &[f64], labels: &[bool]) -> Vec<(f64, u64, u64)> {
    let order = by_descending_score(scores);
    let mut steps = Vec::new();
    let (mut tp, mut fp) = (0u64, 0u64);
    for (k, &i) in order.iter().enumerate() {
        if labels[i] {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_group = order.get(k + 1).is_none_or(|&next| scores[next] != scores[i]);
        if last_of_group {
            steps.push((scores[i], tp, fp));
        }
    }
    steps
}

/// Average precision: the sum over distinct scores, highest first, of precision at that score times the gain in
/// recall, as scikit-learn's `average_precision_score` (equal scores form one step).
///
/// 1.0 when every row is positive; [`MetricsError::NoPositives`] when none is (scikit-learn returns 0.0 there,
/// with a warning).
pub fn pr_auc(scores: &[f64], labels: &[bool]) -> Result<f64, MetricsError> {
    check(scores, labels)?;
    let positives = labels.iter().filter(|&&l| l).count() as f64;
    if positives == 0.0 {
        return Err(MetricsError::NoPositives);
    }
    let mut sum = 0.0;
    let mut previous_recall = 0.0;
    for (_, tp, fp) in cumulative_by_score(scores, labels) {
        let recall = tp as f64 / positives;
        sum += (recall - previous_recall) * (tp as f64 / (tp + fp) as f64);
        previous_recall = recall;
    }
    Ok(sum)
}

/// Area under the ROC curve: the probability that a random positive scores above a random negative, a tie
/// counting half (the Mann–Whitney statistic, as scikit-learn's `roc_auc_score`).
///
/// [`MetricsError::NoPositives`] or [`MetricsError::NoNegatives`] when one class is absent (scikit-learn returns
/// NaN there).
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Result<f64, MetricsError> {
    check(scores, labels)?;
    let positives = labels.iter().filter(|&&l| l).count() as u128;
    let negatives = labels.len() as u128 - positives;
    if positives == 0 {
        return Err(MetricsError::NoPositives);
    }
    if negatives == 0 {
        return Err(MetricsError::NoNegatives);
    }
    // Twice the number of (positive, negative) pairs in the right order, ties counting one: exact in integers.
    let mut twice_pairs = 0u128;
    let (mut tp_before, mut fp_before) = (0u128, 0u128);
    for (_, tp, fp) in cumulative_by_score(scores, labels) {
        let (tp, fp) = (u128::from(tp), u128::from(fp));
        let (group_tp, group_fp) = (tp - tp_before, fp - fp_before);
        twice_pairs += group_fp * (2 * tp_before + group_tp);
        (tp_before, fp_before) = (tp, fp);
    }
    Ok(twice_pairs as f64 / (2 * positives * negatives) as f64)
}

/// Counts of a classifier's outcomes at one threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConfusionMatrix {
    /// Positives flagged.
    pub tp: u64,
    /// Negatives flagged.
    pub fp: u64,
    /// Negatives not flagged.
    pub tn: u64,
    /// Positives not flagged.
    pub fn_: u64,
}

impl ConfusionMatrix {
    /// The counts when rows scoring `>= threshold` are flagged (a NaN threshold flags nothing).
    pub fn at(scores: &[f64], labels: &[bool], threshold: f64) -> Result<ConfusionMatrix, MetricsError> {
        check(scores, labels)?;
        let mut m = ConfusionMatrix::default();
        for (&s, &l) in scores.iter().zip(labels) {
            match (s >= threshold, l) {
                (true, true) => m.tp += 1,
                (true, false) => m.fp += 1,
                (false, false) => m.tn += 1,
                (false, true) => m.fn_ += 1,
            }
        }
        Ok(m)
    }

    /// Flagged rows that are positive: tp / (tp + fp), 0 when nothing is flagged.
    pub fn precision(&self) -> f64 {
        ratio(self.tp as f64, (self.tp + self.fp) as f64)
    }

    /// Positives that are flagged: tp / (tp + fn), 0 when there are no positives.
    pub fn recall(&self) -> f64 {
        ratio(self.tp as f64, (self.tp + self.fn_) as f64)
    }

    /// Harmonic mean of precision and recall, 2tp / (2tp + fp + fn); 0 when tp is 0 (including 0/0).
    pub fn f1(&self) -> f64 {
        ratio(2.0 * self.tp as f64, (2 * self.tp + self.fp + self.fn_) as f64)
    }
}

/// A threshold with the quality it gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    /// Rows scoring at least this are flagged; it is one of the scores.
    pub threshold: f64,
    /// F1 of the positive class at this threshold.
    pub f1: f64,
    /// Precision at this threshold.
    pub precision: f64,
    /// Recall at this threshold.
    pub recall: f64,
}

/// The threshold that maximises the positive class's F1, exactly, over every distinct score (one sort,
/// O(n log n)). Among thresholds of equal F1 the highest wins (fewer alerts).
///
/// [`MetricsError::NoPositives`] when no row is positive (every threshold has F1 0), including empty input.
pub fn best_f1_threshold(scores: &[f64], labels: &[bool]) -> Result<Threshold, MetricsError> {
    check(scores, labels)?;
    let positives = labels.iter().filter(|&&l| l).count() as u64;
    if positives == 0 {
        return Err(MetricsError::NoPositives);
    }
    // F1 = 2tp / (tp + fp + positives); compared as exact fractions so that equal F1s are recognised as equal.
    let f1_cmp = |(tp_a, fp_a): (u64, u64), (tp_b, fp_b): (u64, u64)| {
        let a = u128::from(tp_a) * u128::from(tp_b + fp_b + positives);
        let b = u128::from(tp_b) * u128::from(tp_a + fp_a + positives);
        a.cmp(&b)
    };
    let mut best: Option<(f64, u64, u64)> = None;
    // Walking from the highest score down, a later threshold replaces the best only when strictly better.
    for (score, tp, fp) in cumulative_by_score(scores, labels) {
        if best.is_none_or(|(_, btp, bfp)| f1_cmp((tp, fp), (btp, bfp)) == Ordering::Greater) {
            best = Some((score, tp, fp));
        }
    }
    // There is at least one positive row, so at least one step.
    let (threshold, tp, fp) = best.ok_or(MetricsError::NoPositives)?;
    let m = ConfusionMatrix { tp, fp, tn: labels.len() as u64 - positives - fp, fn_: positives - tp };
    Ok(Threshold { threshold, f1: m.f1(), precision: m.precision(), recall: m.recall() })
}

/// How many alerts a team can review: a number of rows, or a fraction of all rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    /// This many rows (capped at the number of rows).
    Count(usize),
    /// This fraction of the rows, rounded up (0.001 is 0.1 %): any positive fraction of a non-empty input flags
    /// at least one row. A product within a billionth of a whole number counts as that number, so 7 % of 100
    /// rows is 7 although `0.07 * 100.0` is `7.000000000000001`.
    Fraction(f64),
}

impl Budget {
    /// The number of rows flagged out of `rows`.
    fn rows(self, rows: usize) -> Result<usize, MetricsError> {
        match self {
            Budget::Count(k) => Ok(k.min(rows)),
            Budget::Fraction(f) if (0.0..=1.0).contains(&f) => {
                let x = f * rows as f64;
                // 0.07 * 100 is 7.000000000000001 in floating point: a product this close to a whole number is it.
                let k = if (x - x.round()).abs() <= 1e-9 * x.max(1.0) { x.round() } else { x.ceil() };
                Ok((k as usize).min(rows))
            }
            Budget::Fraction(f) => Err(MetricsError::InvalidBudget(f)),
        }
    }
}

/// Quality when the `k` highest-scoring rows are flagged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AtBudget {
    /// Rows flagged.
    pub k: usize,
    /// Score of the lowest flagged row (`+inf` when `k` is 0).
    pub threshold: f64,
    /// Positives among the flagged rows; fractional when the cut splits rows of equal score (see
    /// [`at_budgets`]).
    pub caught: f64,
    /// caught / k, 0 when k is 0.
    pub precision: f64,
    /// caught / positives, 0 when there are no positives.
    pub recall: f64,
}

/// Precision and recall when only the top `k` rows by score are flagged, for each budget, sorting once.
///
/// Ties at the cut: when the `k`-th row's score is shared by rows both above and below the cut, every row of
/// that score is credited with the same share of the remaining places. With `a` rows above the tied group, a
/// tied group of `g` rows of which `p` are positive, the flagged positives are `tp_above + (k - a) * p / g`: the
/// expected count over every order of the tied rows. It does not depend on row order, and it is an exact count
/// when there is no tie at the cut.
pub fn at_budgets(scores: &[f64], labels: &[bool], budgets: &[Budget]) -> Result<Vec<AtBudget>, MetricsError> {
    check(scores, labels)?;
    let positives = labels.iter().filter(|&&l| l).count() as f64;
    let order = by_descending_score(scores);
    budgets
        .iter()
        .map(|&budget| {
            let k = budget.rows(scores.len())?;
            if k == 0 {
                return Ok(AtBudget { k, threshold: f64::INFINITY, caught: 0.0, precision: 0.0, recall: 0.0 });
            }
            let threshold = scores[order[k - 1]];
            // The tied group around the cut: order[start..end] all score `threshold`.
            let start = order[..k].partition_point(|&i| scores[i] > threshold);
            let end = k + order[k..].partition_point(|&i| scores[i] == threshold);
            let above = order[..start].iter().filter(|&&i| labels[i]).count() as f64;
            let tied = order[start..end].iter().filter(|&&i| labels[i]).count() as f64;
            let caught = above + tied * (k - start) as f64 / (end - start) as f64;
            Ok(AtBudget { k, threshold, caught, precision: caught / k as f64, recall: ratio(caught, positives) })
        })
        .collect()
}

/// [`at_budgets`] for one budget.
pub fn at_budget(scores: &[f64], labels: &[bool], budget: Budget) -> Result<AtBudget, MetricsError> {
    let mut out = at_budgets(scores, labels, &[budget])?;
    // at_budgets returns one result per budget, and there is one.
    Ok(out.pop().expect("one budget in, one result out"))
}

/// Recall of one group's positives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupRecall {
    /// Positive rows of the group.
    pub positives: u64,
    /// Of those, the ones flagged.
    pub caught: u64,
    /// caught / positives (never 0/0: a group appears only with at least one positive).
    pub recall: f64,
}

/// Recall at `threshold` (flagged when `score >= threshold`) for each group of positive rows, such as a
/// typology. `groups[i]` is row `i`'s group; negative rows' groups are ignored, and a group appears only if one
/// of its rows is positive. Pass `Option<&str>` groups to keep positives without a typology under `None`.
pub fn recall_by_group<G: Ord + Clone>(
    scores: &[f64],
    labels: &[bool],
    groups: &[G],
    threshold: f64,
) -> Result<BTreeMap<G, GroupRecall>, MetricsError> {
    check(scores, labels)?;
    if groups.len() != scores.len() {
        return Err(MetricsError::LengthMismatch { scores: scores.len(), other: groups.len() });
    }
    let mut out: BTreeMap<G, GroupRecall> = BTreeMap::new();
    for ((&s, &l), g) in scores.iter().zip(labels).zip(groups) {
        if l {
            let entry = out.entry(g.clone()).or_insert(GroupRecall { positives: 0, caught: 0, recall: 0.0 });
            entry.positives += 1;
            entry.caught += u64::from(s >= threshold);
        }
    }
    for r in out.values_mut() {
        r.recall = r.caught as f64 / r.positives as f64;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confusion_matrix_by_hand() {
        let scores = [0.9, 0.8, 0.8, 0.3, 0.1];
        let labels = [true, false, true, true, false];
        let m = ConfusionMatrix::at(&scores, &labels, 0.8).unwrap();
        assert_eq!(m, ConfusionMatrix { tp: 2, fp: 1, tn: 1, fn_: 1 });
        assert_eq!(m.precision(), 2.0 / 3.0);
        assert_eq!(m.recall(), 2.0 / 3.0);
        assert_eq!(m.f1(), 4.0 / 6.0);
        let none = ConfusionMatrix::at(&scores, &labels, f64::NAN).unwrap();
        assert_eq!((none.tp, none.fp, none.precision(), none.f1()), (0, 0, 0.0, 0.0));
    }

    #[test]
    fn auc_by_hand_with_ties() {
        // Pairs (pos, neg): 0.9>0.8 ✓, 0.9>0.1 ✓, 0.8=0.8 ½, 0.8>0.1 ✓, 0.3<0.8 ✗, 0.3>0.1 ✓ → 4.5 / 6.
        let scores = [0.9, 0.8, 0.8, 0.3, 0.1];
        let labels = [true, false, true, true, false];
        assert_eq!(roc_auc(&scores, &labels).unwrap(), 0.75);
        // Steps: {0.9}: P=1, R=1/3; {0.8, 0.8}: P=2/3, R=2/3; {0.3}: P=3/4, R=1; {0.1}: no recall gain.
        let expected = 1.0 / 3.0 + (1.0 / 3.0) * (2.0 / 3.0) + (1.0 / 3.0) * 0.75;
        assert!((pr_auc(&scores, &labels).unwrap() - expected).abs() < 1e-15);
    }

    #[test]
    fn best_f1_prefers_the_higher_threshold_on_ties() {
        // At 0.9: tp 1, fp 0, F1 = 2/3. At 0.5: tp 1, fp 1, F1 = 1/2. At 0.2: tp 2, fp 2, F1 = 4/6 = 2/3.
        let t = best_f1_threshold(&[0.9, 0.5, 0.2, 0.2], &[true, false, true, false]).unwrap();
        assert_eq!(t, Threshold { threshold: 0.9, f1: 2.0 / 3.0, precision: 1.0, recall: 0.5 });
    }

    #[test]
    fn budgets_share_the_tied_group_at_the_cut() {
        // Ranked: 0.9 (pos), then four rows at 0.5 of which two positive, then 0.1 (pos).
        let scores = [0.5, 0.9, 0.5, 0.1, 0.5, 0.5];
        let labels = [true, true, false, true, true, false];
        let r = at_budgets(&scores, &labels, &[Budget::Count(3), Budget::Count(1), Budget::Fraction(0.5)]).unwrap();
        // k = 3: one row above, two of four tied places, half of them positive → 1 + 2 * 2/4 = 2.
        assert_eq!((r[0].k, r[0].threshold, r[0].caught), (3, 0.5, 2.0));
        assert_eq!((r[0].precision, r[0].recall), (2.0 / 3.0, 2.0 / 4.0));
        assert_eq!((r[1].k, r[1].caught, r[1].precision), (1, 1.0, 1.0));
        assert_eq!(r[2].k, 3);
        // Ceil: 0.1 % of 6 rows is one row.
        assert_eq!(at_budget(&scores, &labels, Budget::Fraction(0.001)).unwrap().k, 1);
        assert_eq!(at_budget(&scores, &labels, Budget::Count(100)).unwrap().recall, 1.0);
        assert_eq!(Budget::Fraction(0.07).rows(100), Ok(7));
        assert_eq!(Budget::Fraction(0.071).rows(100), Ok(8));
        assert_eq!(at_budget(&scores, &labels, Budget::Fraction(1.5)), Err(MetricsError::InvalidBudget(1.5)));
    }

    #[test]
    fn recall_per_group() {
        let scores = [0.9, 0.2, 0.8, 0.7, 0.1];
        let labels = [true, true, true, false, true];
        let groups = [Some("mule"), Some("mule"), Some("scam"), Some("scam"), None];
        let r = recall_by_group(&scores, &labels, &groups, 0.5).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[&Some("mule")], GroupRecall { positives: 2, caught: 1, recall: 0.5 });
        assert_eq!(r[&Some("scam")], GroupRecall { positives: 1, caught: 1, recall: 1.0 });
        assert_eq!(r[&None], GroupRecall { positives: 1, caught: 0, recall: 0.0 });
    }

    #[test]
    fn edge_cases_are_errors_or_documented_values() {
        let empty: [f64; 0] = [];
        assert_eq!(pr_auc(&empty, &[]), Err(MetricsError::NoPositives));
        assert_eq!(roc_auc(&empty, &[]), Err(MetricsError::NoPositives));
        assert_eq!(best_f1_threshold(&empty, &[]), Err(MetricsError::NoPositives));
        assert_eq!(ConfusionMatrix::at(&empty, &[], 0.5).unwrap(), ConfusionMatrix::default());
        let b = at_budget(&empty, &[], Budget::Fraction(0.01)).unwrap();
        assert_eq!((b.k, b.precision, b.recall), (0, 0.0, 0.0));
        assert!(recall_by_group::<u8>(&empty, &[], &[], 0.5).unwrap().is_empty());

        let negatives = [false, false];
        assert_eq!(pr_auc(&[0.1, 0.2], &negatives), Err(MetricsError::NoPositives));
        assert_eq!(best_f1_threshold(&[0.1, 0.2], &negatives), Err(MetricsError::NoPositives));
        assert_eq!(at_budget(&[0.1, 0.2], &negatives, Budget::Count(1)).unwrap().recall, 0.0);

        let positives = [true, true];
        assert_eq!(pr_auc(&[0.1, 0.2], &positives), Ok(1.0));
        assert_eq!(roc_auc(&[0.1, 0.2], &positives), Err(MetricsError::NoNegatives));
        let t = best_f1_threshold(&[0.1, 0.2], &positives).unwrap();
        assert_eq!((t.threshold, t.f1), (0.1, 1.0));

        assert_eq!(pr_auc(&[0.1], &[true, false]), Err(MetricsError::LengthMismatch { scores: 1, other: 2 }));
        assert_eq!(roc_auc(&[0.1, f64::NAN], &[true, false]), Err(MetricsError::NanScore { index: 1 }));
        assert_eq!(
            recall_by_group(&[0.1], &[true], &[1, 2], 0.5),
            Err(MetricsError::LengthMismatch { scores: 1, other: 2 })
        );
        // Infinite scores are ordered like any other.
        assert_eq!(roc_auc(&[f64::INFINITY, f64::NEG_INFINITY], &[true, false]), Ok(1.0));
    }
}
