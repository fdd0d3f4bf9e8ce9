//! Growing one tree on the quantised table, LightGBM-style: gradient histograms per leaf (the smaller child
//! built from its rows, the larger one by subtracting it from the parent), best-first (leaf-wise) growth,
//! and for each split the direction of missing values that gains most.

use super::bins::BinMatrix;

/// Sums of gradients, hessians and rows: one histogram bin, or a leaf's totals.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Sums {
    pub(crate) g: f64,
    pub(crate) h: f64,
    pub(crate) n: f64,
}

impl Sums {
    fn add(&mut self, o: &Sums) {
        self.g += o.g;
        self.h += o.h;
        self.n += o.n;
    }

    fn minus(&self, o: &Sums) -> Sums {
        Sums { g: self.g - o.g, h: self.h - o.h, n: self.n - o.n }
    }
}

/// The limits of one tree.
#[derive(Debug, Clone)]
pub(crate) struct GrowParams {
    pub(crate) max_leaves: usize,
    pub(crate) max_depth: Option<usize>,
    pub(crate) min_child_weight: f64,
    pub(crate) min_samples_leaf: usize,
    pub(crate) lambda: f64,
    pub(crate) min_gain: f64,
    pub(crate) learning_rate: f64,
}

impl GrowParams {
    /// The structure score of a set of rows: G² / (H + λ).
    fn score(&self, s: &Sums) -> f64 {
        s.g * s.g / (s.h + self.lambda)
    }

    /// The shrunk leaf value −G / (H + λ) · η.
    fn leaf_value(&self, s: &Sums) -> f64 {
        -s.g / (s.h + self.lambda) * self.learning_rate
    }
}

/// A split of a leaf: rows whose bin of `feature` is at most `bin` go left, missing values go left when
/// `missing_left`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Split {
    pub(crate) feature: usize,
    pub(crate) bin: u8,
    pub(crate) missing_left: bool,
    pub(crate) gain: f64,
    left: Sums,
    right: Sums,
}

/// A node of a grown tree, in bins.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum GrownNode {
    /// A leaf: its value (shrunk) and the number of rows it had.
    Leaf { value: f64, rows: usize },
    /// A split and its children's indices; `rows` is the number of rows it had.
    Split { feature: usize, bin: u8, missing_left: bool, gain: f64, left: usize, right: usize, rows: usize },
}

/// One grown tree, its root at index 0, and where each leaf's rows lie in the grower's row order.
#[derive(Debug, Clone)]
pub(crate) struct GrownTree {
    pub(crate) nodes: Vec<GrownNode>,
    /// For each leaf: its node index and its range in [`Grower::rows`].
    pub(crate) leaves: Vec<(usize, std::ops::Range<usize>)>,
}

impl GrownTree {
    /// The leaf value for row `i` of the quantised table, following the splits on bins.
    pub(crate) fn value_of_row(&self, data: &BinMatrix, i: usize) -> f64 {
        let mut at = 0;
        loop {
            match self.nodes[at] {
                GrownNode::Leaf { value, .. } => return value,
                GrownNode::Split { feature, bin, missing_left, left, right, .. } => {
                    let b = data.column(feature)[i];
                    let goes_left = if b == data.features[feature].nan_bin() { missing_left } else { b <= bin };
                    at = if goes_left { left } else { right };
                }
            }
        }
    }
}

/// Adds a row's gradient and hessian to its bin.
#[inline(always)]
fn accumulate(hist: &mut [Sums; 256], bin: u8, g: f64, h: f64) {
    let e = &mut hist[bin as usize];
    e.g += g;
    e.h += h;
    e.n += 1.0;
}

/// A leaf while the tree grows.
struct Leaf {
    node: usize,
    range: std::ops::Range<usize>,
    depth: usize,
    sums: Sums,
    hist: Option<Vec<Sums>>,
    split: Option<Split>,
}

/// Grows trees, reusing its buffers from one tree to the next.
pub(crate) struct Grower {
    /// Where each feature's bins start in a histogram.
    offsets: Vec<usize>,
    total_bins: usize,
    /// The rows of the current tree, each leaf's a contiguous range.
    rows: Vec<u32>,
    scratch: Vec<u32>,
    /// Gradients and hessians gathered in the order of a leaf's rows.
    ordered_g: Vec<f64>,
    ordered_h: Vec<f64>,
    /// Four histograms of one feature, consecutive rows going to different ones (this breaks the chains of
    /// dependent additions when consecutive rows fall in the same bin).
    local: Box<[[Sums; 256]; 4]>,
    free: Vec<Vec<Sums>>,
}

impl Grower {
    /// A grower for this table.
    pub(crate) fn new(data: &BinMatrix) -> Grower {
        let mut offsets = Vec::with_capacity(data.features.len());
        let mut total_bins = 0;
        for fb in &data.features {
            offsets.push(total_bins);
            total_bins += fb.n_bins();
        }
        Grower {
            offsets,
            total_bins,
            rows: Vec::new(),
            scratch: Vec::new(),
            ordered_g: Vec::new(),
            ordered_h: Vec::new(),
            local: Box::new([[Sums::default(); 256]; 4]),
            free: Vec::new(),
        }
    }

    /// The rows of the last tree grown, each leaf's at the range [`GrownTree::leaves`] gives.
    pub(crate) fn rows(&self) -> &[u32] {
        &self.rows
    }

    /// Grows a tree on `rows` (ascending, no repeats) using only `features` (ascending).
    pub(crate) fn grow(
        &mut self,
        data: &BinMatrix,
        grad: &[f64],
        hess: &[f64],
        rows: impl Iterator<Item = u32>,
        features: &[usize],
        p: &GrowParams,
    ) -> GrownTree {
        self.rows.clear();
        self.rows.extend(rows);
        let n = self.rows.len();
        let mut hist = self.take_hist();
        self.build(data, grad, hess, 0..n, features, &mut hist);
        let mut sums = Sums { n: n as f64, ..Sums::default() };
        for &i in &self.rows {
            sums.g += grad[i as usize];
            sums.h += hess[i as usize];
        }
        let mut nodes = vec![GrownNode::Leaf { value: p.leaf_value(&sums), rows: n }];
        let mut leaves = vec![Leaf { node: 0, range: 0..n, depth: 0, sums, hist: Some(hist), split: None }];
        self.consider(data, features, p, &mut leaves[0]);

        while leaves.len() < p.max_leaves {
            // The leaf whose split gains most; on a tie the one created first.
            let mut best: Option<(usize, f64)> = None;
            for (i, leaf) in leaves.iter().enumerate() {
                if let Some(s) = &leaf.split {
                    if best.is_none_or(|(_, g)| s.gain > g) {
                        best = Some((i, s.gain));
                    }
                }
            }
            let Some((i, _)) = best else { break };
            let leaf = &mut leaves[i];
            // The leaf was chosen for its split.
            let split = leaf.split.take().expect("chosen leaves have a split");
            let range = leaf.range.clone();
            let depth = leaf.depth + 1;
            let parent_hist = leaf.hist.take();
            let n_left = self.partition(data, range.clone(), &split);
            let left_range = range.start..range.start + n_left;
            let right_range = range.start + n_left..range.end;
            let (l, r) = (nodes.len(), nodes.len() + 1);
            let parent = leaf.node;
            nodes[parent] = GrownNode::Split {
                feature: split.feature,
                bin: split.bin,
                missing_left: split.missing_left,
                gain: split.gain,
                left: l,
                right: r,
                rows: range.len(),
            };
            nodes.push(GrownNode::Leaf { value: p.leaf_value(&split.left), rows: left_range.len() });
            nodes.push(GrownNode::Leaf { value: p.leaf_value(&split.right), rows: right_range.len() });

            let mut left = Leaf { node: l, range: left_range, depth, sums: split.left, hist: None, split: None };
            let mut right = Leaf { node: r, range: right_range, depth, sums: split.right, hist: None, split: None };
            let can_split = |leaf: &Leaf| {
                p.max_depth.is_none_or(|d| leaf.depth < d) && leaf.range.len() >= 2 * p.min_samples_leaf.max(1)
            };
            if (can_split(&left) || can_split(&right)) && leaves.len() + 1 < p.max_leaves {
                // Parent histograms exist for every leaf that could split.
                let mut large = parent_hist.expect("a splittable leaf keeps its histogram");
                let mut small = self.take_hist();
                let (small_leaf, large_leaf) = if left.range.len() <= right.range.len() {
                    (&mut left, &mut right)
                } else {
                    (&mut right, &mut left)
                };
                self.build(data, grad, hess, small_leaf.range.clone(), features, &mut small);
                for &f in features {
                    let o = self.offsets[f];
                    for b in o..o + data.features[f].n_bins() {
                        large[b] = large[b].minus(&small[b]);
                    }
                }
                small_leaf.hist = Some(small);
                large_leaf.hist = Some(large);
                for child in [&mut left, &mut right] {
                    if can_split(child) {
                        self.consider(data, features, p, child);
                    }
                    if child.split.is_none() {
                        if let Some(h) = child.hist.take() {
                            self.free.push(h);
                        }
                    }
                }
            } else if let Some(h) = parent_hist {
                self.free.push(h);
            }
            leaves[i] = left;
            leaves.push(right);
        }
        for leaf in &mut leaves {
            if let Some(h) = leaf.hist.take() {
                self.free.push(h);
            }
        }
        GrownTree { nodes, leaves: leaves.into_iter().map(|l| (l.node, l.range)).collect() }
    }

    fn take_hist(&mut self) -> Vec<Sums> {
        self.free.pop().unwrap_or_else(|| vec![Sums::default(); self.total_bins])
    }

    /// Fills `out` with the histograms of `features` over the rows at `range` of [`Self::rows`].
    fn build(
        &mut self,
        data: &BinMatrix,
        grad: &[f64],
        hess: &[f64],
        range: std::ops::Range<usize>,
        features: &[usize],
        out: &mut [Sums],
    ) {
        let rows = &self.rows[range];
        // All rows in order: read gradients and bins straight, else gather the gradients once.
        let all = rows.len() == data.rows;
        if !all {
            self.ordered_g.clear();
            self.ordered_h.clear();
            self.ordered_g.extend(rows.iter().map(|&i| grad[i as usize]));
            self.ordered_h.extend(rows.iter().map(|&i| hess[i as usize]));
        }
        let (g, h) = if all { (grad, hess) } else { (&self.ordered_g[..], &self.ordered_h[..]) };
        for &f in features {
            let col = data.column(f);
            let nb = data.features[f].n_bins();
            let [a, b, c, d] = &mut *self.local;
            for local in [&mut *a, &mut *b, &mut *c, &mut *d] {
                local[..nb].fill(Sums::default());
            }
            if all {
                let chunks = col.chunks_exact(4).zip(g.chunks_exact(4)).zip(h.chunks_exact(4));
                for ((bins, g), h) in chunks {
                    accumulate(a, bins[0], g[0], h[0]);
                    accumulate(b, bins[1], g[1], h[1]);
                    accumulate(c, bins[2], g[2], h[2]);
                    accumulate(d, bins[3], g[3], h[3]);
                }
            } else {
                let chunks = rows.chunks_exact(4).zip(g.chunks_exact(4)).zip(h.chunks_exact(4));
                for ((rows, g), h) in chunks {
                    accumulate(a, col[rows[0] as usize], g[0], h[0]);
                    accumulate(b, col[rows[1] as usize], g[1], h[1]);
                    accumulate(c, col[rows[2] as usize], g[2], h[2]);
                    accumulate(d, col[rows[3] as usize], g[3], h[3]);
                }
            }
            for k in rows.len() / 4 * 4..rows.len() {
                accumulate(a, col[rows[k] as usize], g[k], h[k]);
            }
            let o = self.offsets[f];
            for (bin, dst) in out[o..o + nb].iter_mut().enumerate() {
                *dst = a[bin];
                dst.add(&b[bin]);
                dst.add(&c[bin]);
                dst.add(&d[bin]);
            }
        }
    }

    /// Finds the best split of a leaf from its histogram, if one gains more than `min_gain`.
    fn consider(&self, data: &BinMatrix, features: &[usize], p: &GrowParams, leaf: &mut Leaf) {
        let Some(hist) = &leaf.hist else { return };
        let total = leaf.sums;
        let parent_score = p.score(&total);
        let min_n = p.min_samples_leaf as f64;
        let mut best: Option<Split> = None;
        let mut offer = |feature: usize, bin: u8, missing_left: bool, left: Sums| {
            let right = total.minus(&left);
            if left.n < min_n || right.n < min_n || left.n < 1.0 || right.n < 1.0 {
                return;
            }
            if left.h < p.min_child_weight || right.h < p.min_child_weight {
                return;
            }
            let gain = p.score(&left) + p.score(&right) - parent_score;
            if gain > p.min_gain && best.is_none_or(|b| gain > b.gain) {
                best = Some(Split { feature, bin, missing_left, gain, left, right });
            }
        };
        for &f in features {
            let nb = data.features[f].n_bins();
            let h = &hist[self.offsets[f]..self.offsets[f] + nb];
            let nan = h[nb - 1];
            let values = nb - 1;
            let mut acc = Sums::default();
            for (t, bin_sums) in h[..values].iter().enumerate() {
                if bin_sums.n == 0.0 && t > 0 {
                    // No row here: the same partition as the previous bin, which was offered.
                    continue;
                }
                acc.add(bin_sums);
                // t is at most 254 (at most 255 value bins).
                let bin = t as u8;
                if nan.n > 0.0 {
                    offer(f, bin, false, acc);
                    if t + 1 < values {
                        let mut with_nan = acc;
                        with_nan.add(&nan);
                        offer(f, bin, true, with_nan);
                    }
                } else if t + 1 < values {
                    // No missing value here: unseen ones follow the side with more rows.
                    let missing_left = 2.0 * acc.n >= total.n;
                    offer(f, bin, missing_left, acc);
                }
            }
        }
        leaf.split = best;
    }

    /// Partitions a leaf's rows, keeping their order: left rows first. Returns how many go left.
    fn partition(&mut self, data: &BinMatrix, range: std::ops::Range<usize>, split: &Split) -> usize {
        let col = data.column(split.feature);
        let nan_bin = data.features[split.feature].nan_bin();
        self.scratch.clear();
        let start = range.start;
        let mut n_left = 0;
        for k in range {
            let i = self.rows[k];
            let b = col[i as usize];
            let goes_left = if b == nan_bin { split.missing_left } else { b <= split.bin };
            if goes_left {
                self.rows[start + n_left] = i;
                n_left += 1;
            } else {
                self.scratch.push(i);
            }
        }
        self.rows[start + n_left..start + n_left + self.scratch.len()].copy_from_slice(&self.scratch);
        n_left
    }
}
