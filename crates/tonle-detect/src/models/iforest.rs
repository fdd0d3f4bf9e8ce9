//! Isolation forest (Liu, Ting & Zhou 2008): an unsupervised anomaly score for behaviour no label covers yet.
//! A row that random axis-parallel splits isolate in few steps is unusual; its score nears 1, while ordinary
//! rows score below 0.5.
//!
//! Training draws `sample_size` rows per tree without replacement and grows each tree to
//! `ceil(log2(sample_size))` levels: at each node a feature is chosen uniformly among those whose values differ
//! within the node, and a split value uniformly between their minimum and maximum. A row goes left when its
//! value is `<=` the split value. The score is `2^(-E[h(x)] / c(n))`, where `h(x)` is the depth of the leaf the
//! row reaches plus `c(leaf size)`, the average depth of an unresolved subtree, and `n` the sample size.
//!
//! Values that are not finite:
//! - `+inf` (an age when the event never happened) is its own value above every finite one: at training it
//!   stands at the feature's finite maximum plus the feature's finite range (at least 1), so a split can set it
//!   apart from finite rows. A rare `+inf` is therefore unusual, a common one is not (in the tests, one row in
//!   two is ordinary, one in ten a little above: a small cluster of its own).
//! - NaN (missing) and `-inf` are together one value below every finite one, placed the same distance below the
//!   finite minimum.
//!
//! Serving needs no such mapping: split values always lie strictly between these stand-ins, so `+inf` goes
//! right and NaN and `-inf` go left at every split, as their stand-ins did at training. Finite values larger
//! (smaller) than any seen at training go where the stand-ins for `+inf` (NaN) went.
//!
//! Scoring walks flat arrays of nodes, several trees at once, without allocating; every tree is walked the same
//! number of steps, leaves pointing at themselves.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::Matrix;

/// How to grow an [`IsolationForest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsolationForestParams {
    /// Number of trees (default 100).
    pub n_trees: usize,
    /// Rows drawn for each tree (default 256); all rows when there are fewer.
    pub sample_size: usize,
    /// Seed of the random choices: equal seeds and data give bit-identical forests.
    pub seed: u64,
}

impl Default for IsolationForestParams {
    fn default() -> Self {
        IsolationForestParams { n_trees: 100, sample_size: 256, seed: 0 }
    }
}

/// Why a forest could not be trained or loaded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IsolationForestError {
    /// `n_trees` is 0 or above 65,536.
    #[error("{0} trees; an isolation forest needs 1 to 65536")]
    Trees(usize),
    /// `sample_size` is below 2 or above 32,768 (a tree's nodes are numbered in 16 bits).
    #[error("sample size {0} is not within 2..=32768")]
    SampleSize(usize),
    /// Fewer than two training rows: nothing can be isolated.
    #[error("{0} training rows; an isolation forest needs at least 2")]
    TooFewRows(usize),
    /// Rows of zero features, or more than 65,536 (feature indices are 16 bits).
    #[error("rows of {0} features; an isolation forest needs 1 to 65536")]
    Width(usize),
    /// A loaded model whose arrays are inconsistent.
    #[error("invalid isolation forest, tree {tree}: {reason}")]
    InvalidModel {
        /// Index of the offending tree.
        tree: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// One node of the serving arrays, 12 bytes. An inner node sends a row to `left` when `row[feature] <= threshold`
/// (or is NaN), else to `left + 1`. A leaf has `threshold = +inf` and `left` = itself, so walking on stays put.
/// `left` counts from the tree's root in a [`Tree`], from the forest's first node in an [`IsolationForest`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct Node {
    left: u32,
    threshold: f32,
    feature: u16,
}

impl Node {
    fn leaf(at: usize) -> Node {
        // Trees have at most 2 * 32,768 - 1 nodes (the sample size is checked), so `at` fits.
        Node { feature: 0, left: at as u32, threshold: f32::INFINITY }
    }

    fn is_leaf(&self) -> bool {
        self.threshold == f32::INFINITY
    }
}

/// Sample sizes allowed: a tree of `n` rows has at most `2n - 1` nodes, so a forest's nodes (see [`TREES`])
/// are numbered in 32 bits.
const SAMPLE_SIZES: std::ops::RangeInclusive<usize> = 2..=1 << 15;

/// Tree counts allowed.
const TREES: std::ops::RangeInclusive<usize> = 1..=1 << 16;

/// Feature counts allowed: indices are 16 bits.
const WIDTHS: std::ops::RangeInclusive<usize> = 1..=1 << 16;

/// One tree: its nodes, each node's leaf value (depth plus `c(leaf size)`; 0 for inner nodes), and the depth of
/// its deepest leaf.
struct Tree {
    nodes: Vec<Node>,
    values: Vec<f32>,
    depth: usize,
}

/// A trained isolation forest; [`IsolationForest::score`] gives a row's anomaly score in `(0, 1)`.
///
/// Serialized as one set of arrays per tree (see `TreeData`), checked when loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "ForestData", try_from = "ForestData")]
pub struct IsolationForest {
    n_features: usize,
    /// Rows each tree was grown on (the parameter, capped at the training rows).
    sample_size: usize,
    /// Every tree's nodes, one tree after another.
    nodes: Vec<Node>,
    /// Each node's leaf value, beside `nodes` so that the walk reads 8 bytes a step.
    values: Vec<f32>,
    /// Each tree's root in `nodes`.
    roots: Vec<u32>,
    /// The deepest leaf's depth: the steps every walk takes.
    steps: usize,
    /// 1 / (trees * c(sample_size)): turns the sum of path lengths into the exponent.
    scale: f64,
}

/// Euler–Mascheroni constant, for the harmonic number in `c(n)`.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// c(n): the average path length of an unsuccessful search in a binary search tree of `n` keys, the expected
/// depth still to go in a leaf of `n` rows (0 for 0 or 1 row, 1 for 2).
pub fn average_path_length(n: usize) -> f64 {
    match n {
        0 | 1 => 0.0,
        2 => 1.0,
        _ => {
            let n = n as f64;
            2.0 * ((n - 1.0).ln() + EULER_GAMMA) - 2.0 * (n - 1.0) / n
        }
    }
}

/// Rows up to this wide are copied to the stack before scoring (power of two: the index is masked).
const SMALL_WIDTH: usize = 64;

/// Trees walked side by side in [`IsolationForest::score`], so that their memory loads overlap.
const LANES: usize = 8;

impl IsolationForest {
    /// The anomaly score of one row, in `(0, 1)`: above about 0.6 is unusual, below 0.5 ordinary. A row shorter
    /// than [`n_features`](Self::n_features) reads its missing features as NaN. Does not allocate.
    pub fn score(&self, row: &[f32]) -> f64 {
        let sum = if self.n_features <= SMALL_WIDTH {
            // A copy on the stack, padded with NaN, indexed by a mask: no bounds check per step.
            let mut padded = [f32::NAN; SMALL_WIDTH];
            let n = row.len().min(SMALL_WIDTH);
            padded[..n].copy_from_slice(&row[..n]);
            self.path_length_sum(|f| padded[f % SMALL_WIDTH])
        } else {
            self.path_length_sum(|f| row.get(f).copied().unwrap_or(f32::NAN))
        };
        (-sum * self.scale).exp2()
    }

    /// The score of every row of `data`.
    pub fn score_all(&self, data: &Matrix) -> Vec<f64> {
        data.rows().map(|row| self.score(row)).collect()
    }

    /// Features each row has.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Number of trees.
    pub fn n_trees(&self) -> usize {
        self.roots.len()
    }

    /// Rows each tree was grown on.
    pub fn sample_size(&self) -> usize {
        self.sample_size
    }

    /// Sum over trees of the path length h(x) of the row whose feature `f` is `feature(f)`.
    #[inline(always)]
    fn path_length_sum(&self, feature: impl Fn(usize) -> f32) -> f64 {
        let nodes = &self.nodes[..];
        // The next node from node `at`.
        let step = |at: usize| {
            let node = &nodes[at];
            let x = feature(usize::from(node.feature));
            // NaN > t is false: NaN goes left, and a leaf (t = +inf) keeps every row.
            node.left as usize + usize::from(x > node.threshold)
        };
        let mut total = 0.0;
        let mut chunks = self.roots.chunks_exact(LANES);
        for chunk in &mut chunks {
            let mut at: [usize; LANES] = std::array::from_fn(|k| chunk[k] as usize);
            for _ in 0..self.steps {
                for a in &mut at {
                    *a = step(*a);
                }
            }
            for a in at {
                total += f64::from(self.values[a]);
            }
        }
        for &root in chunks.remainder() {
            let mut a = root as usize;
            for _ in 0..self.steps {
                a = step(a);
            }
            total += f64::from(self.values[a]);
        }
        total
    }

    /// A forest from its trees; computes the walk length and scale. The trees must already be valid.
    fn assemble(n_features: usize, sample_size: usize, trees: Vec<Tree>) -> IsolationForest {
        let n_nodes = trees.iter().map(|t| t.nodes.len()).sum();
        let (mut nodes, mut values) = (Vec::with_capacity(n_nodes), Vec::with_capacity(n_nodes));
        let mut roots = Vec::with_capacity(trees.len());
        let mut steps = 0;
        let n_trees = trees.len();
        for tree in trees {
            // Below 2^32: fewer than 2^16 nodes per tree and at most 2^16 trees.
            let offset = nodes.len() as u32;
            roots.push(offset);
            nodes.extend(tree.nodes.into_iter().map(|n| Node { left: n.left + offset, ..n }));
            values.extend(tree.values);
            steps = steps.max(tree.depth);
        }
        let scale = 1.0 / (n_trees as f64 * average_path_length(sample_size));
        IsolationForest { n_features, sample_size, nodes, values, roots, steps, scale }
    }
}

/// Grows an isolation forest on the rows of `data`.
pub fn train(data: &Matrix, params: IsolationForestParams) -> Result<IsolationForest, IsolationForestError> {
    if !TREES.contains(&params.n_trees) {
        return Err(IsolationForestError::Trees(params.n_trees));
    }
    if !SAMPLE_SIZES.contains(&params.sample_size) {
        return Err(IsolationForestError::SampleSize(params.sample_size));
    }
    let width = data.width();
    if !WIDTHS.contains(&width) {
        return Err(IsolationForestError::Width(width));
    }
    let rows = data.len();
    if rows < 2 {
        return Err(IsolationForestError::TooFewRows(rows));
    }
    let sample_size = params.sample_size.min(rows);
    // ceil(log2(sample_size)), sample_size >= 2.
    let height_limit = (usize::BITS - (sample_size - 1).leading_zeros()) as usize;
    let stand_ins = StandIns::of(data);

    let mut rng = SplitMix64::new(params.seed);
    let mut grower = Grower::new(width, sample_size, height_limit);
    let mut order: Vec<usize> = (0..rows).collect();
    let mut trees = Vec::with_capacity(params.n_trees);
    for _ in 0..params.n_trees {
        // Partial Fisher–Yates: the first sample_size entries become a uniform sample without replacement
        // whatever order the previous trees left.
        for i in 0..sample_size {
            let j = i + rng.below(rows - i);
            order.swap(i, j);
        }
        grower.load(data, &order[..sample_size], &stand_ins);
        trees.push(grower.grow(&mut rng));
    }
    Ok(IsolationForest::assemble(width, sample_size, trees))
}

/// The finite values that stand for non-finite ones at training, per feature.
struct StandIns {
    /// For NaN and `-inf`: below every finite value.
    low: Vec<f32>,
    /// For `+inf`: above every finite value.
    high: Vec<f32>,
}

impl StandIns {
    fn of(data: &Matrix) -> StandIns {
        let width = data.width();
        let mut min = vec![f32::INFINITY; width];
        let mut max = vec![f32::NEG_INFINITY; width];
        for row in data.rows() {
            for ((&x, lo), hi) in row.iter().zip(&mut min).zip(&mut max) {
                if x.is_finite() {
                    *lo = lo.min(x);
                    *hi = hi.max(x);
                }
            }
        }
        let (low, high) = min
            .iter()
            .zip(&max)
            .map(|(&lo, &hi)| {
                let (lo, hi) = if lo <= hi { (f64::from(lo), f64::from(hi)) } else { (0.0, 0.0) };
                let gap = (hi - lo).max(1.0);
                // Rounding to f32 keeps them at or beyond the finite range (at worst equal to its ends, where
                // serving still sends the non-finite values the same way).
                ((lo - gap).max(f64::from(f32::MIN)) as f32, (hi + gap).min(f64::from(f32::MAX)) as f32)
            })
            .unzip();
        StandIns { low, high }
    }

    fn map(&self, feature: usize, x: f32) -> f32 {
        if x.is_finite() {
            x
        } else if x == f32::INFINITY {
            self.high[feature]
        } else {
            self.low[feature]
        }
    }
}

/// Grows one tree at a time, reusing its buffers.
struct Grower {
    width: usize,
    sample_size: usize,
    height_limit: usize,
    /// The sample, column after column: `columns[j * sample_size + i]`, non-finite values replaced.
    columns: Vec<f32>,
    /// Sample positions, partitioned so that each node owns a contiguous range.
    positions: Vec<u32>,
    /// Features not yet found constant in the current node.
    candidates: Vec<u32>,
}

impl Grower {
    fn new(width: usize, sample_size: usize, height_limit: usize) -> Grower {
        Grower {
            width,
            sample_size,
            height_limit,
            columns: vec![0.0; width * sample_size],
            positions: Vec::with_capacity(sample_size),
            candidates: Vec::with_capacity(width),
        }
    }

    fn load(&mut self, data: &Matrix, sample: &[usize], stand_ins: &StandIns) {
        for (i, &r) in sample.iter().enumerate() {
            for (j, &x) in data.row(r).iter().enumerate() {
                self.columns[j * self.sample_size + i] = stand_ins.map(j, x);
            }
        }
    }

    /// One tree, children after their parent.
    fn grow(&mut self, rng: &mut SplitMix64) -> Tree {
        self.positions.clear();
        self.positions.extend(0..self.sample_size as u32);
        let mut nodes = vec![Node::leaf(0)];
        let mut values = vec![0.0];
        let mut deepest = 0;
        // (node, start, end, depth): the node's rows are positions[start..end].
        let mut stack = vec![(0usize, 0usize, self.sample_size, 0usize)];
        while let Some((at, start, end, depth)) = stack.pop() {
            let split = if depth < self.height_limit && end - start > 1 { self.choose(start, end, rng) } else { None };
            let Some((feature, threshold)) = split else {
                let value = depth as f64 + average_path_length(end - start);
                nodes[at] = Node::leaf(at);
                values[at] = value as f32;
                deepest = deepest.max(depth);
                continue;
            };
            let column = &self.columns[feature * self.sample_size..][..self.sample_size];
            let range = &mut self.positions[start..end];
            let mut n_left = 0;
            for k in 0..range.len() {
                if column[range[k] as usize] <= threshold {
                    range.swap(n_left, k);
                    n_left += 1;
                }
            }
            let left = nodes.len();
            nodes.extend([Node::leaf(0), Node::leaf(0)]);
            values.extend([0.0, 0.0]);
            // Both fit in 16 bits: the width and the sample size were checked.
            nodes[at] = Node { feature: feature as u16, left: left as u32, threshold };
            stack.push((left, start, start + n_left, depth + 1));
            stack.push((left + 1, start + n_left, end, depth + 1));
        }
        Tree { nodes, values, depth: deepest }
    }

    /// A split of positions[start..end]: a feature drawn uniformly among those not constant there, and a value
    /// drawn uniformly in [min, max), so that both sides get rows. `None` when every feature is constant.
    fn choose(&mut self, start: usize, end: usize, rng: &mut SplitMix64) -> Option<(usize, f32)> {
        self.candidates.clear();
        self.candidates.extend(0..self.width as u32);
        // Drawing among the remaining candidates and dropping constant ones is uniform over non-constant ones.
        while !self.candidates.is_empty() {
            let k = rng.below(self.candidates.len());
            let feature = self.candidates[k] as usize;
            let column = &self.columns[feature * self.sample_size..][..self.sample_size];
            let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
            for &i in &self.positions[start..end] {
                lo = lo.min(column[i as usize]);
                hi = hi.max(column[i as usize]);
            }
            if lo < hi {
                let t = (f64::from(lo) + rng.unit() * (f64::from(hi) - f64::from(lo))) as f32;
                // Rounding to f32 may reach hi, which would leave the right side empty.
                let t = if t >= hi { hi.next_down() } else { t };
                return Some((feature, t));
            }
            self.candidates.swap_remove(k);
        }
        None
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): small, fast, and the same on every platform.
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by multiply-shift; the bias is below n / 2^64.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    /// Uniform in [0, 1), 53 random bits.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// The serialized form of an [`IsolationForest`].
#[derive(Serialize, Deserialize)]
struct ForestData {
    n_features: usize,
    sample_size: usize,
    trees: Vec<TreeData>,
}

/// One tree as parallel arrays, indexed by node (the root is 0). An inner node sends a row to `left` when
/// `row[feature] <= threshold` (or it is missing), else to `left + 1`. A leaf has `left = 0` and `value` = its
/// depth plus `c(leaf size)`; its `feature` and `threshold` are 0, and an inner node's `value` is 0.
#[derive(Serialize, Deserialize)]
struct TreeData {
    feature: Vec<u32>,
    threshold: Vec<f32>,
    left: Vec<u32>,
    value: Vec<f32>,
}

impl From<IsolationForest> for ForestData {
    fn from(forest: IsolationForest) -> ForestData {
        let ends = forest.roots.iter().skip(1).map(|&r| r as usize).chain([forest.nodes.len()]);
        let trees = forest
            .roots
            .iter()
            .zip(ends)
            .map(|(&root, end)| {
                let tree = &forest.nodes[root as usize..end];
                let values = &forest.values[root as usize..end];
                let mut data = TreeData {
                    feature: Vec::with_capacity(tree.len()),
                    threshold: Vec::with_capacity(tree.len()),
                    left: Vec::with_capacity(tree.len()),
                    value: Vec::with_capacity(tree.len()),
                };
                for (node, &value) in tree.iter().zip(values) {
                    let leaf = node.is_leaf();
                    data.feature.push(if leaf { 0 } else { node.feature.into() });
                    data.threshold.push(if leaf { 0.0 } else { node.threshold });
                    data.left.push(if leaf { 0 } else { node.left - root });
                    data.value.push(value);
                }
                data
            })
            .collect();
        ForestData { n_features: forest.n_features, sample_size: forest.sample_size, trees }
    }
}

impl TryFrom<ForestData> for IsolationForest {
    type Error = IsolationForestError;

    fn try_from(data: ForestData) -> Result<IsolationForest, IsolationForestError> {
        if !TREES.contains(&data.trees.len()) {
            return Err(IsolationForestError::Trees(data.trees.len()));
        }
        if !SAMPLE_SIZES.contains(&data.sample_size) {
            return Err(IsolationForestError::SampleSize(data.sample_size));
        }
        if !WIDTHS.contains(&data.n_features) {
            return Err(IsolationForestError::Width(data.n_features));
        }
        let trees = data
            .trees
            .iter()
            .enumerate()
            .map(|(tree, t)| {
                check_tree(t, data.n_features).map_err(|reason| IsolationForestError::InvalidModel { tree, reason })
            })
            .collect::<Result<_, _>>()?;
        Ok(IsolationForest::assemble(data.n_features, data.sample_size, trees))
    }
}

/// A loaded tree's nodes and deepest reachable depth, or what is wrong with it. Children must come after their
/// parent, which rules out cycles.
fn check_tree(t: &TreeData, n_features: usize) -> Result<Tree, &'static str> {
    let len = t.feature.len();
    if len == 0 {
        return Err("no nodes");
    }
    if t.threshold.len() != len || t.left.len() != len || t.value.len() != len {
        return Err("arrays of different lengths");
    }
    if len > 1 << 16 {
        return Err("more than 65,536 nodes");
    }
    let mut depth: Vec<Option<usize>> = vec![None; len];
    depth[0] = Some(0);
    let mut deepest = 0;
    let mut nodes = Vec::with_capacity(len);
    for i in 0..len {
        let (feature, threshold, left, value) = (t.feature[i], t.threshold[i], t.left[i] as usize, t.value[i]);
        if left == 0 {
            if !(value.is_finite() && value >= 0.0) {
                return Err("a leaf's value is negative or not finite");
            }
            nodes.push(Node::leaf(i));
            if let Some(d) = depth[i] {
                deepest = deepest.max(d);
            }
            continue;
        }
        if left <= i || left + 1 >= len {
            return Err("a child index is out of range or not after its parent");
        }
        if feature as usize >= n_features {
            return Err("a feature index is out of range");
        }
        if !threshold.is_finite() {
            return Err("a split value is not finite");
        }
        // feature < n_features <= 2^16 and left < len <= 2^16 were checked.
        nodes.push(Node { feature: feature as u16, left: left as u32, threshold });
        if let Some(d) = depth[i] {
            for child in [left, left + 1] {
                depth[child] = Some(depth[child].map_or(d + 1, |c| c.max(d + 1)));
            }
        }
    }
    Ok(Tree { nodes, values: t.value.clone(), depth: deepest })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Standard normal values by Box–Muller, deterministic.
    fn gaussian(rng: &mut SplitMix64) -> f32 {
        let u = 1.0 - rng.unit();
        let v = rng.unit();
        ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
    }

    /// 1,000 standard normal rows of 5 features, then 10 rows 5 to 8 standard deviations out in four features.
    fn gaussian_with_outliers() -> Matrix {
        let mut rng = SplitMix64::new(7);
        let mut m = Matrix::new(5);
        for _ in 0..1000 {
            let row: Vec<f32> = (0..5).map(|_| gaussian(&mut rng)).collect();
            m.push_row(&row);
        }
        for k in 0..10 {
            // ±(5 + 0.3k) in four features (signs from k's bits), 0 in the fifth.
            let mut row: Vec<f32> =
                (0..5).map(|j| if (k >> j) & 1 == 1 { 5.0 + 0.3 * k as f32 } else { -5.0 - 0.3 * k as f32 }).collect();
            row[k % 5] = 0.0;
            m.push_row(&row);
        }
        m
    }

    #[test]
    fn outliers_score_high_and_inliers_low() {
        let data = gaussian_with_outliers();
        let forest = train(&data, IsolationForestParams::default()).unwrap();
        let scores = forest.score_all(&data);
        for (i, s) in scores[1000..].iter().enumerate() {
            assert!(*s > 0.6, "outlier {i} scores {s}");
        }
        // Rows near the centre, and the typical row, score below 0.5.
        for (i, (row, score)) in data.rows().zip(&scores).take(1000).enumerate() {
            let r2: f32 = row.iter().map(|x| x * x).sum();
            if r2 < 2.0 {
                assert!(*score < 0.5, "inlier {i} at radius² {r2} scores {score}");
            }
        }
        let mut inliers = scores[..1000].to_vec();
        inliers.sort_by(f64::total_cmp);
        assert!(inliers[500] < 0.45, "median inlier scores {}", inliers[500]);
    }

    #[test]
    fn equal_seeds_give_identical_forests() {
        let data = gaussian_with_outliers();
        let params = IsolationForestParams { n_trees: 30, sample_size: 128, seed: 42 };
        let a = train(&data, params).unwrap();
        assert_eq!(a, train(&data, params).unwrap());
        assert_ne!(a, train(&data, IsolationForestParams { seed: 43, ..params }).unwrap());
        assert_eq!((a.n_trees(), a.sample_size(), a.n_features()), (30, 128, 5));
    }

    #[test]
    fn a_reloaded_forest_scores_identically() {
        let mut data = gaussian_with_outliers();
        data.push_row(&[f32::INFINITY, f32::NAN, f32::NEG_INFINITY, 0.0, 1.0]);
        let forest = train(&data, IsolationForestParams { n_trees: 20, ..Default::default() }).unwrap();
        let json = serde_json::to_string(&forest).unwrap();
        let reloaded: IsolationForest = serde_json::from_str(&json).unwrap();
        assert_eq!(reloaded, forest);
        for row in data.rows() {
            assert_eq!(reloaded.score(row).to_bits(), forest.score(row).to_bits());
        }
    }

    #[test]
    fn damaged_models_are_refused() {
        let data = gaussian_with_outliers();
        let forest = train(&data, IsolationForestParams { n_trees: 2, ..Default::default() }).unwrap();
        let json = serde_json::to_value(&forest).unwrap();
        let damaged = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut j = json.clone();
            edit(&mut j);
            serde_json::from_value::<IsolationForest>(j).unwrap_err().to_string()
        };
        let out_of_range = damaged(&|j| j["trees"][1]["left"][0] = 100_000.into());
        assert!(out_of_range.contains("tree 1: a child index"), "{out_of_range}");
        let backwards = damaged(&|j| j["trees"][0]["left"][1] = 1.into());
        assert!(backwards.contains("not after its parent"), "{backwards}");
        let feature = damaged(&|j| j["trees"][0]["feature"][0] = 5.into());
        assert!(feature.contains("feature index"), "{feature}");
        let short = damaged(&|j| j["trees"][0]["value"] = serde_json::json!([]));
        assert!(short.contains("different lengths"), "{short}");
        let none = damaged(&|j| j["trees"] = serde_json::json!([]));
        assert!(none.contains("0 trees"), "{none}");
    }

    #[test]
    fn non_finite_values_are_their_own_extremes() {
        // Feature 0: finite and never +inf in training; feature 1: +inf for half the rows; feature 2: NaN for
        // every tenth row.
        let mut rng = SplitMix64::new(3);
        let mut data = Matrix::new(3);
        for i in 0..2000 {
            let age = if i % 2 == 0 { f32::INFINITY } else { 100.0 + gaussian(&mut rng) * 10.0 };
            let missing = if i % 10 == 0 { f32::NAN } else { gaussian(&mut rng) };
            data.push_row(&[gaussian(&mut rng), age, missing]);
        }
        let forest = train(&data, IsolationForestParams::default()).unwrap();
        let ordinary = forest.score(&[0.0, 100.0, 0.0]);
        assert!(ordinary < 0.5, "{ordinary}");
        // +inf where it is common is ordinary; where it never occurred it is unusual.
        let common_inf = forest.score(&[0.0, f32::INFINITY, 0.0]);
        assert!(common_inf < 0.5, "{common_inf}");
        let new_inf = forest.score(&[f32::INFINITY, 100.0, 0.0]);
        assert!(new_inf > 0.55 && new_inf > ordinary + 0.1, "{new_inf} against {ordinary}");
        // Beyond every split value, as a finite value larger than any seen is.
        assert_eq!(new_inf, forest.score(&[1e30, 100.0, 0.0]));
        // NaN in a feature where it is one row in ten, and a row cut short (missing features read as NaN).
        // A tenth of the rows missing a value form a small cluster of their own, set apart by the gap: a little
        // above the ordinary. A value missing where none was at training is below the minimum: unusual.
        let nan = forest.score(&[0.0, 100.0, f32::NAN]);
        assert!(nan < 0.6, "{nan}");
        let new_nan = forest.score(&[f32::NAN, 100.0, 0.0]);
        assert!(new_nan > ordinary + 0.1, "{new_nan} against {ordinary}");
        assert_eq!(new_nan, forest.score(&[-1e30, 100.0, 0.0]));
        assert_eq!(forest.score(&[0.0, 100.0]), nan);
        assert!(forest.score(&[f32::NAN, f32::NAN, f32::NAN]) > 0.6);
    }

    #[test]
    fn constant_data_scores_one_half() {
        let data = Matrix::from_values(vec![1.0; 300], 3).unwrap();
        let forest = train(&data, IsolationForestParams::default()).unwrap();
        assert_eq!(forest.sample_size(), 100);
        // Every tree is one leaf of c(100): E[h] = c(n), so the score is 2^-1 up to f32 rounding of the leaf.
        assert!((forest.score(&[1.0, 1.0, 1.0]) - 0.5).abs() < 1e-6);
        assert!((forest.score(&[9.0, -3.0, f32::NAN]) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn two_rows_are_enough_and_fewer_are_refused() {
        let two = Matrix::from_values(vec![0.0, 1.0, 5.0, 1.0], 2).unwrap();
        let forest = train(&two, IsolationForestParams::default()).unwrap();
        // Each tree splits the two rows: both have path length 1 = c(2).
        assert_eq!(forest.score(&[0.0, 1.0]), 0.5);
        let one = Matrix::from_values(vec![0.0, 1.0], 2).unwrap();
        assert_eq!(train(&one, IsolationForestParams::default()), Err(IsolationForestError::TooFewRows(1)));
        assert_eq!(train(&Matrix::new(4), IsolationForestParams::default()), Err(IsolationForestError::TooFewRows(0)));
    }

    #[test]
    fn bad_parameters_are_named() {
        let data = gaussian_with_outliers();
        let p = IsolationForestParams::default();
        assert_eq!(train(&data, IsolationForestParams { n_trees: 0, ..p }), Err(IsolationForestError::Trees(0)));
        assert_eq!(
            train(&data, IsolationForestParams { sample_size: 1, ..p }),
            Err(IsolationForestError::SampleSize(1))
        );
        let no_features = Matrix::from_values(vec![], 0).unwrap();
        assert_eq!(train(&no_features, p), Err(IsolationForestError::Width(0)));
    }

    #[test]
    fn average_path_length_matches_its_definition() {
        assert_eq!((average_path_length(1), average_path_length(2)), (0.0, 1.0));
        // c(256) = 2 (ln 255 + γ) - 2 · 255/256.
        assert!((average_path_length(256) - 10.244_770_920_119_917).abs() < 1e-12);
    }
}
