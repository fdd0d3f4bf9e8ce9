//! Feature quantisation: each feature's values are cut into at most 255 value bins at quantiles of a
//! deterministic sample of rows, plus one bin of its own for missing values (NaN). Infinities are ordinary
//! values at the ends. Training works on the bins; serving compares raw values with the bins' upper edges.

use crate::models::Matrix;

/// Rows sampled to find the bin edges: every (n / `SAMPLE_ROWS`)-th row of a larger table.
pub(crate) const SAMPLE_ROWS: usize = 200_000;

/// The bins of one feature. Value bin `b` holds the values `v` with `edges[b - 1] < v <= edges[b]`; the last
/// edge is +infinity, so every non-NaN value has a bin. NaN has the bin after the value bins.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FeatureBins {
    /// Upper edges of the value bins, non-decreasing, the last +infinity; at most 255 of them.
    pub(crate) edges: Vec<f32>,
}

impl FeatureBins {
    /// Bins from the sampled values of one feature (NaN included, they are skipped), at most `max_bins` value bins.
    pub(crate) fn from_sample(mut values: Vec<f32>, max_bins: usize) -> FeatureBins {
        values.retain(|v| !v.is_nan());
        values.sort_unstable_by(f32::total_cmp);
        // Distinct values (-0.0 and 0.0 are one) with their counts.
        let mut distinct: Vec<(f32, usize)> = Vec::new();
        for v in values {
            match distinct.last_mut() {
                Some((last, count)) if *last == v => *count += 1,
                _ => distinct.push((v, 1)),
            }
        }
        // The index of the largest distinct value in each bin.
        let lasts = group(&distinct, max_bins.max(1));
        // The edge after each bin but the last lies between its largest value and the next bin's smallest.
        let mut edges: Vec<f32> = lasts
            .iter()
            .take(lasts.len().saturating_sub(1))
            .map(|&last| between(distinct[last].0, distinct[last + 1].0))
            .collect();
        edges.push(f32::INFINITY);
        FeatureBins { edges }
    }

    /// The index of the NaN bin (the number of value bins).
    pub(crate) fn nan_bin(&self) -> u8 {
        // At most 255 value bins (from_sample groups into max_bins <= 255), so this fits.
        self.edges.len() as u8
    }

    /// Value bins plus the NaN bin.
    pub(crate) fn n_bins(&self) -> usize {
        self.edges.len() + 1
    }

    /// The bin of a value: the first value bin whose upper edge is at least `v`, or the NaN bin.
    pub(crate) fn bin(&self, v: f32) -> u8 {
        if v.is_nan() {
            self.nan_bin()
        } else {
            self.edges.partition_point(|&e| e < v) as u8
        }
    }
}

/// Groups sorted distinct values with counts into at most `max_bins` runs of about equal count; a value
/// holding more than a bin's share gets a bin of its own. Returns the index of the last value of each run.
fn group(distinct: &[(f32, usize)], max_bins: usize) -> Vec<usize> {
    let d = distinct.len();
    if d <= max_bins {
        return (0..d).collect();
    }
    let mut lasts = Vec::with_capacity(max_bins);
    let mut remaining: usize = distinct.iter().map(|(_, c)| c).sum();
    let mut bins_left = max_bins;
    let mut acc = 0usize;
    for i in 0..d {
        acc += distinct[i].1;
        if i + 1 == d {
            lasts.push(i);
            break;
        }
        if bins_left == 1 {
            continue;
        }
        let share = remaining as f64 / bins_left as f64;
        let next_heavy = distinct[i + 1].1 as f64 >= share;
        let few_left = d - i - 1 < bins_left;
        if acc as f64 >= share || next_heavy || few_left {
            lasts.push(i);
            remaining -= acc;
            acc = 0;
            bins_left -= 1;
        }
    }
    lasts
}

/// An edge between two consecutive distinct values `a < b`: their midpoint when it lies in [a, b), else `a`.
fn between(a: f32, b: f32) -> f32 {
    let m = ((a as f64 + b as f64) / 2.0) as f32;
    if m.is_nan() || m >= b || m < a {
        a
    } else {
        m
    }
}

/// The training table quantised: one byte per value, stored column by column.
#[derive(Debug, Clone)]
pub(crate) struct BinMatrix {
    /// `bins[f * rows + i]` is the bin of row `i`, feature `f`.
    pub(crate) bins: Vec<u8>,
    /// Rows.
    pub(crate) rows: usize,
    /// The bins of each feature.
    pub(crate) features: Vec<FeatureBins>,
}

impl BinMatrix {
    /// Finds each feature's bins from a sample of `m`'s rows and quantises every row.
    pub(crate) fn build(m: &Matrix, max_bins: usize) -> BinMatrix {
        let (rows, width) = (m.len(), m.width());
        let sample: Vec<usize> = if rows <= SAMPLE_ROWS {
            (0..rows).collect()
        } else {
            (0..SAMPLE_ROWS).map(|i| i * rows / SAMPLE_ROWS).collect()
        };
        let features: Vec<FeatureBins> = (0..width)
            .map(|f| FeatureBins::from_sample(sample.iter().map(|&i| m.get(i, f)).collect(), max_bins))
            .collect();
        BinMatrix { bins: quantise(m, &features), rows, features }
    }

    /// The bins of feature `f`, one per row.
    pub(crate) fn column(&self, f: usize) -> &[u8] {
        &self.bins[f * self.rows..(f + 1) * self.rows]
    }
}

/// Quantises `m` column by column, a block of rows at a time so that the rows being read stay in cache.
fn quantise(m: &Matrix, features: &[FeatureBins]) -> Vec<u8> {
    const BLOCK: usize = 512;
    let (rows, width) = (m.len(), m.width());
    let mut bins = vec![0u8; rows * width];
    for start in (0..rows).step_by(BLOCK) {
        let end = (start + BLOCK).min(rows);
        for (f, fb) in features.iter().enumerate() {
            let out = &mut bins[f * rows + start..f * rows + end];
            for (o, i) in out.iter_mut().zip(start..end) {
                *o = fb.bin(m.get(i, f));
            }
        }
    }
    bins
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_a_bin_each() {
        let fb = FeatureBins::from_sample(vec![0.0, 1.0, 1.0, 2.0, f32::NAN, 0.0], 255);
        assert_eq!(fb.edges, vec![0.5, 1.5, f32::INFINITY]);
        assert_eq!(fb.bin(-3.0), 0);
        assert_eq!(fb.bin(0.5), 0);
        assert_eq!(fb.bin(0.6), 1);
        assert_eq!(fb.bin(1e9), 2);
        assert_eq!(fb.bin(f32::NAN), 3);
        assert_eq!(fb.nan_bin(), 3);
    }

    #[test]
    fn infinities_are_values_at_the_ends() {
        let fb = FeatureBins::from_sample(vec![f32::NEG_INFINITY, 1.0, f32::INFINITY, 1.0], 255);
        assert_eq!(fb.edges, vec![f32::NEG_INFINITY, 1.0, f32::INFINITY]);
        assert_eq!(fb.bin(f32::NEG_INFINITY), 0);
        assert_eq!(fb.bin(-1e30), 1);
        assert_eq!(fb.bin(1.0), 1);
        assert_eq!(fb.bin(f32::INFINITY), 2);
    }

    #[test]
    fn many_values_are_cut_at_quantiles_with_heavy_values_alone() {
        // Half the values are 0 (a typical count feature), the rest spread out.
        let mut values: Vec<f32> = (0..10_000).map(|i| i as f32).collect();
        values.extend(std::iter::repeat_n(0.0, 10_000));
        let fb = FeatureBins::from_sample(values.clone(), 16);
        assert!(fb.edges.len() <= 16, "{} bins", fb.edges.len());
        assert!(fb.edges.len() >= 12, "{} bins", fb.edges.len());
        assert!(fb.edges.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(fb.bin(0.0), 0);
        assert_eq!(fb.bin(1.0), 1, "0 alone in its bin: {:?}", fb.edges);
        // Every value bin but the first holds about a 15th of the rest.
        let mut counts = vec![0usize; fb.n_bins()];
        for &v in &values {
            counts[fb.bin(v) as usize] += 1;
        }
        assert!(counts[1..fb.edges.len()].iter().all(|&c| (300..=1400).contains(&c)), "{counts:?}");
    }

    #[test]
    fn an_all_missing_feature_has_one_value_bin() {
        let fb = FeatureBins::from_sample(vec![f32::NAN; 5], 255);
        assert_eq!(fb.edges, vec![f32::INFINITY]);
        assert_eq!(fb.bin(3.0), 0);
        assert_eq!(fb.bin(f32::NAN), 1);
    }

    #[test]
    fn the_matrix_is_quantised_column_by_column() {
        let m = Matrix::from_values(vec![1.0, f32::NAN, 2.0, 5.0, 3.0, 5.0], 2).expect("3 rows of 2");
        let b = BinMatrix::build(&m, 255);
        assert_eq!(b.column(0), &[0, 1, 2]);
        assert_eq!(b.column(1), &[1, 0, 0]);
    }
}
