//! The serving form of the trees: every tree's nodes in one flat array, 16 bytes a node, compared on raw
//! values (a split on bin `b` became `value <= upper edge of b`), so serving needs no quantisation. Leaf
//! values, and the training cover of every node and leaf (for TreeSHAP), live in arrays of their own.

use serde::{Deserialize, Serialize};

use super::bins::BinMatrix;
use super::grow::{GrownNode, GrownTree};

/// The deepest tree a model file may hold: TreeSHAP recurses once per level. Training with the default
/// depth limit (8) stays far below; without a limit, a tree of `max_leaves` leaves is at most that deep.
pub(crate) const MAX_DEPTH: usize = 1024;

/// A child reference with this bit set is a leaf index; without it, a node index.
pub(crate) const LEAF: u32 = 1 << 31;
/// In [`Node::feature`]: missing values go left.
const MISSING_LEFT: u32 = 1 << 31;

/// A split: rows with `row[feature] <= threshold` go left, NaN goes the default way.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "[u32; 4]", into = "[u32; 4]")]
pub(crate) struct Node {
    threshold: f32,
    /// The feature index, with [`MISSING_LEFT`] set when missing values go left.
    feature: u32,
    /// Child references (see [`LEAF`]).
    pub(crate) left: u32,
    pub(crate) right: u32,
}

impl Node {
    /// A split with its children still to be set.
    pub(crate) fn new(feature: usize, threshold: f32, missing_left: bool) -> Node {
        let flag = if missing_left { MISSING_LEFT } else { 0 };
        Node { threshold, feature: feature as u32 | flag, left: 0, right: 0 }
    }

    /// The feature it splits on.
    pub(crate) fn feature(&self) -> usize {
        (self.feature & !MISSING_LEFT) as usize
    }

    /// The child that a row goes to.
    #[inline]
    pub(crate) fn next(&self, row: &[f32]) -> u32 {
        let v = row[self.feature()];
        // `<=` is false for NaN, which then goes left only when missing values do. Chosen with a mask, not a
        // branch: the way a row goes is what a branch predictor cannot guess.
        let left = (v <= self.threshold) | (v.is_nan() & (self.feature & MISSING_LEFT != 0));
        let mask = (left as u32).wrapping_neg();
        (self.left & mask) | (self.right & !mask)
    }
}

// Stored as four integers, the threshold as its bit pattern: exact in any format, infinity included.
impl From<[u32; 4]> for Node {
    fn from([t, feature, left, right]: [u32; 4]) -> Node {
        Node { threshold: f32::from_bits(t), feature, left, right }
    }
}

impl From<Node> for [u32; 4] {
    fn from(n: Node) -> [u32; 4] {
        [n.threshold.to_bits(), n.feature, n.left, n.right]
    }
}

/// The trees of a model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Forest {
    /// Each tree's root (a child reference: a single-leaf tree's root is a leaf).
    pub(crate) roots: Vec<u32>,
    pub(crate) nodes: Vec<Node>,
    /// Leaf values, learning rate applied; stored as bit patterns so that a reload is bit-identical.
    #[serde(with = "bits")]
    pub(crate) leaf_values: Vec<f64>,
    /// Training rows that reached each node and each leaf (the covers TreeSHAP weighs paths with).
    pub(crate) node_covers: Vec<f64>,
    pub(crate) leaf_covers: Vec<f64>,
    /// The loss reduction of each split (bit patterns too: JSON parsers may round the last bit).
    #[serde(with = "bits")]
    pub(crate) node_gains: Vec<f64>,
    /// The deepest leaf's depth (the root's is 0); recomputed from the nodes when a file is read.
    pub(crate) depth: usize,
}

impl Forest {
    /// The leaf index a row reaches in the tree with this root.
    #[inline]
    pub(crate) fn leaf(&self, root: u32, row: &[f32]) -> usize {
        let mut at = root;
        while at & LEAF == 0 {
            at = self.nodes[at as usize].next(row);
        }
        (at & !LEAF) as usize
    }

    /// The sum of the leaf values a row reaches, added to `base` one tree after another.
    ///
    /// Four trees are walked at once, a step in each per turn, until the four rows are at leaves (a finished
    /// walk stays at its leaf): four independent chains of loads instead of one, and no branch that depends on
    /// the row but the one ending the walk.
    #[inline]
    pub(crate) fn raw(&self, base: f64, row: &[f32]) -> f64 {
        let mut sum = base;
        let grouped = self.roots.len() / 4 * 4;
        for roots in self.roots[..grouped].chunks_exact(4) {
            let mut at = [roots[0], roots[1], roots[2], roots[3]];
            // Until all four rows are at leaves: often well before the deepest tree's depth. Every step goes
            // to a later node or to a leaf (checked on loading), so this ends.
            while at[0] & at[1] & at[2] & at[3] & LEAF == 0 {
                for a in &mut at {
                    *a = self.step(*a, row);
                }
            }
            for a in at {
                sum += self.leaf_values[(a & !LEAF) as usize];
            }
        }
        for &root in &self.roots[grouped..] {
            sum += self.leaf_values[self.leaf(root, row)];
        }
        sum
    }

    /// One step down from `at`; a leaf stays where it is.
    #[inline(always)]
    fn step(&self, at: u32, row: &[f32]) -> u32 {
        // All ones at a leaf. There, read some node (there is one: a leaf is only reached by a walk when a tree
        // has a split, or stepped from a root when some tree of its group has one) and ignore it; no branch.
        let leaf = (at >> 31).wrapping_neg();
        let next = self.nodes[(at & !leaf) as usize].next(row);
        (at & leaf) | (next & !leaf)
    }

    /// The cover of a child reference.
    pub(crate) fn cover(&self, at: u32) -> f64 {
        if at & LEAF != 0 {
            self.leaf_covers[(at & !LEAF) as usize]
        } else {
            self.node_covers[at as usize]
        }
    }

    /// The mean value of a tree over its training rows: its leaves' values weighed by their covers.
    pub(crate) fn expected_value(&self, root: u32) -> f64 {
        if root & LEAF != 0 {
            return self.leaf_values[(root & !LEAF) as usize];
        }
        let n = self.node_covers[root as usize];
        let mut stack = vec![root];
        let mut sum = 0.0;
        while let Some(at) = stack.pop() {
            if at & LEAF != 0 {
                let leaf = (at & !LEAF) as usize;
                sum += self.leaf_covers[leaf] * self.leaf_values[leaf];
            } else {
                let node = self.nodes[at as usize];
                stack.push(node.right);
                stack.push(node.left);
            }
        }
        sum / n
    }

    /// Appends a grown tree, its splits on bins turned into splits on raw values, nodes in depth-first order.
    pub(crate) fn push(&mut self, tree: &GrownTree, data: &BinMatrix) {
        let root = self.add(tree, data, 0, 0);
        self.roots.push(root);
    }

    fn add(&mut self, tree: &GrownTree, data: &BinMatrix, at: usize, depth: usize) -> u32 {
        self.depth = self.depth.max(depth);
        match tree.nodes[at] {
            GrownNode::Leaf { value, rows } => {
                self.leaf_values.push(value);
                self.leaf_covers.push(rows as f64);
                (self.leaf_values.len() - 1) as u32 | LEAF
            }
            GrownNode::Split { feature, bin, missing_left, gain, left, right, rows } => {
                let index = self.nodes.len();
                // Bin `bin` holds the values up to its upper edge, so `bin(v) <= bin` exactly when `v <= edge`.
                let threshold = data.features[feature].edges[bin as usize];
                self.nodes.push(Node::new(feature, threshold, missing_left));
                self.node_covers.push(rows as f64);
                self.node_gains.push(gain);
                let l = self.add(tree, data, left, depth + 1);
                let r = self.add(tree, data, right, depth + 1);
                self.nodes[index].left = l;
                self.nodes[index].right = r;
                index as u32
            }
        }
    }

    /// Keeps the first `trees` trees; `sizes[t]` is (nodes, leaves) after tree `t` was pushed.
    pub(crate) fn truncate(&mut self, trees: usize, sizes: &[(usize, usize)]) {
        let (nodes, leaves) = if trees == 0 { (0, 0) } else { sizes[trees - 1] };
        self.roots.truncate(trees);
        self.nodes.truncate(nodes);
        self.node_covers.truncate(nodes);
        self.node_gains.truncate(nodes);
        self.leaf_values.truncate(leaves);
        self.leaf_covers.truncate(leaves);
        self.depth = self.roots.iter().map(|&r| self.tree_depth(r)).max().unwrap_or(0);
    }

    /// Checks a forest read from a file, and recomputes the depths from its nodes rather than trusting the
    /// file: array lengths agree, every feature is below `n_features`, every reference is in range, every
    /// child comes after its parent (so that every walk ends) and no tree is deeper than [`MAX_DEPTH`] (the
    /// depth TreeSHAP recurses to).
    pub(crate) fn check(&mut self, n_features: usize) -> Result<(), String> {
        let (nodes, leaves) = (self.nodes.len(), self.leaf_values.len());
        if self.node_covers.len() != nodes || self.node_gains.len() != nodes {
            return Err(format!(
                "{nodes} nodes but {} covers and {} gains",
                self.node_covers.len(),
                self.node_gains.len()
            ));
        }
        if self.leaf_covers.len() != leaves {
            return Err(format!("{leaves} leaves but {} covers", self.leaf_covers.len()));
        }
        let reference = |child: u32, after: Option<usize>| {
            if child & LEAF != 0 {
                ((child & !LEAF) as usize) < leaves
            } else {
                (child as usize) < nodes && after.is_none_or(|parent| child as usize > parent)
            }
        };
        // Depth below each node, children first (they come later).
        let mut below = vec![0u32; nodes];
        let depth_of = |child: u32, below: &[u32]| if child & LEAF != 0 { 0 } else { below[child as usize] };
        for (i, node) in self.nodes.iter().enumerate().rev() {
            if node.feature() >= n_features {
                return Err(format!("node {i} splits on feature {} of {n_features}", node.feature()));
            }
            if !reference(node.left, Some(i)) || !reference(node.right, Some(i)) {
                return Err(format!("node {i} has a child out of range or before it"));
            }
            below[i] = 1 + depth_of(node.left, &below).max(depth_of(node.right, &below));
            if below[i] as usize > MAX_DEPTH {
                return Err(format!("a tree is deeper than {MAX_DEPTH} levels"));
            }
        }
        if let Some(t) = self.roots.iter().position(|&root| !reference(root, None)) {
            return Err(format!("tree {t}'s root is out of range"));
        }
        self.depth = self.roots.iter().map(|&root| depth_of(root, &below)).max().unwrap_or(0) as usize;
        Ok(())
    }

    fn tree_depth(&self, at: u32) -> usize {
        if at & LEAF != 0 {
            0
        } else {
            let n = self.nodes[at as usize];
            1 + self.tree_depth(n.left).max(self.tree_depth(n.right))
        }
    }
}

/// Serde for floats as their bit patterns: exact, and infinity and NaN survive formats such as JSON.
pub(crate) mod bits {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes the bit patterns.
    pub(crate) fn serialize<S: Serializer>(values: &[f64], s: S) -> Result<S::Ok, S::Error> {
        values.iter().map(|v| v.to_bits()).collect::<Vec<u64>>().serialize(s)
    }

    /// Reads the bit patterns.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<u64>::deserialize(d)?.into_iter().map(f64::from_bits).collect())
    }

    /// One float as its bit pattern.
    pub(crate) mod one {
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        /// Writes the bit pattern.
        pub(crate) fn serialize<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
            value.to_bits().serialize(s)
        }

        /// Reads the bit pattern.
        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
            Ok(f64::from_bits(u64::deserialize(d)?))
        }
    }
}
