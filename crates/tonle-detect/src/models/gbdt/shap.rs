//! TreeSHAP: exact Shapley values of each feature for one prediction in polynomial time (Lundberg, Erion and
//! Lee 2018, "Consistent Individualized Feature Attribution for Tree Ensembles", Algorithm 2; the algorithm of
//! the `shap` package and of LightGBM's `pred_contrib`). The value of a feature subset S is the expected
//! prediction when the features in S are known and the others follow the training rows (the node covers); a
//! known feature that is missing follows its split's default direction, as in prediction.

use super::tree::{Forest, LEAF};

/// One feature on the path from the root: the fraction of the training rows that would follow the path when
/// the feature is unknown (`zero`) and known (`one`), and the weight of the subsets of the path's size.
#[derive(Debug, Clone, Copy, Default)]
struct PathElement {
    feature: u32,
    zero: f64,
    one: f64,
    weight: f64,
}

/// No feature: the path's first element.
const NO_FEATURE: u32 = u32::MAX;

/// Working memory for [`super::Gbdt::contributions_with`]: reuse one to explain without allocating.
#[derive(Debug, Clone, Default)]
pub struct ShapScratch {
    path: Vec<PathElement>,
}

impl ShapScratch {
    /// Empty scratch; it grows to the model's needs on first use.
    pub fn new() -> ShapScratch {
        ShapScratch::default()
    }
}

impl Forest {
    /// Adds each feature's contribution for `row` to `phi[feature]` (the expected value is not included).
    pub(crate) fn shap(&self, row: &[f32], phi: &mut [f64], scratch: &mut ShapScratch) {
        // The paths of all the levels down to a leaf at depth D take (D + 1)(D + 2) / 2 elements.
        let d = self.depth + 1;
        let need = d * (d + 1) / 2;
        if scratch.path.len() < need {
            scratch.path.resize(need, PathElement::default());
        }
        for &root in &self.roots {
            if root & LEAF == 0 {
                self.recurse(row, phi, &[], &mut scratch.path, root, 1.0, 1.0, NO_FEATURE);
            }
        }
    }

    /// Visits `at` with the parent's path; `zero` and `one` are the fractions of the feature split on last.
    #[allow(clippy::too_many_arguments)]
    fn recurse(
        &self,
        row: &[f32],
        phi: &mut [f64],
        parent: &[PathElement],
        buffer: &mut [PathElement],
        at: u32,
        zero: f64,
        one: f64,
        feature: u32,
    ) {
        let depth = parent.len();
        let (path, rest) = buffer.split_at_mut(depth + 1);
        path[..depth].copy_from_slice(parent);
        extend(path, depth, zero, one, feature);

        if at & LEAF != 0 {
            let value = self.leaf_values[(at & !LEAF) as usize];
            for i in 1..=depth {
                let w = unwound_sum(path, depth, i);
                let e = path[i];
                phi[e.feature as usize] += w * (e.one - e.zero) * value;
            }
            return;
        }

        let node = self.nodes[at as usize];
        let hot = node.next(row);
        let cold = if hot == node.left { node.right } else { node.left };
        let cover = self.node_covers[at as usize];
        let hot_zero = self.cover(hot) / cover;
        let cold_zero = self.cover(cold) / cover;
        let split_feature = node.feature() as u32;

        // A feature split on higher up: undo its element, to redo it with this split's fractions.
        let mut depth = depth;
        let (mut incoming_zero, mut incoming_one) = (1.0, 1.0);
        if let Some(k) = path[..=depth].iter().position(|e| e.feature == split_feature) {
            incoming_zero = path[k].zero;
            incoming_one = path[k].one;
            unwind(path, depth, k);
            depth -= 1;
        }
        let path = &path[..=depth];
        self.recurse(row, phi, path, rest, hot, hot_zero * incoming_zero, incoming_one, split_feature);
        self.recurse(row, phi, path, rest, cold, cold_zero * incoming_zero, 0.0, split_feature);
    }
}

/// 1/k for small k: the path updates multiply by these instead of dividing.
const RECIPROCALS: [f64; 65] = {
    let mut table = [0.0; 65];
    let mut k = 1;
    while k < 65 {
        table[k] = 1.0 / k as f64;
        k += 1;
    }
    table
};

/// 1/k (k >= 1).
#[inline(always)]
fn reciprocal(k: usize) -> f64 {
    if k < RECIPROCALS.len() {
        RECIPROCALS[k]
    } else {
        1.0 / k as f64
    }
}

/// Adds a feature to the path of `depth` elements, updating the subset weights.
fn extend(path: &mut [PathElement], depth: usize, zero: f64, one: f64, feature: u32) {
    path[depth] = PathElement { feature, zero, one, weight: if depth == 0 { 1.0 } else { 0.0 } };
    let inv_n = reciprocal(depth + 1);
    for i in (0..depth).rev() {
        path[i + 1].weight += one * path[i].weight * (i + 1) as f64 * inv_n;
        path[i].weight = zero * path[i].weight * (depth - i) as f64 * inv_n;
    }
}

/// Removes element `k` from the path of `depth + 1` elements, undoing [`extend`].
fn unwind(path: &mut [PathElement], depth: usize, k: usize) {
    let PathElement { zero, one, .. } = path[k];
    let n = (depth + 1) as f64;
    let inv_n = reciprocal(depth + 1);
    let mut next_one = path[depth].weight;
    if one != 0.0 {
        let n_over_one = n / one;
        for i in (0..depth).rev() {
            let tmp = path[i].weight;
            path[i].weight = next_one * n_over_one * reciprocal(i + 1);
            next_one = tmp - path[i].weight * zero * (depth - i) as f64 * inv_n;
        }
    } else {
        let n_over_zero = n / zero;
        for (i, e) in path[..depth].iter_mut().enumerate() {
            e.weight *= n_over_zero * reciprocal(depth - i);
        }
    }
    for i in k..depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero = path[i + 1].zero;
        path[i].one = path[i + 1].one;
    }
}

/// The total subset weight of the path without element `k`, as if it were unwound.
#[inline]
fn unwound_sum(path: &[PathElement], depth: usize, k: usize) -> f64 {
    let PathElement { zero, one, .. } = path[k];
    let mut total = 0.0;
    if one != 0.0 {
        let inv_one = 1.0 / one;
        let mut next_one = path[depth].weight;
        for i in (0..depth).rev() {
            let tmp = next_one * inv_one * reciprocal(i + 1);
            total += tmp;
            next_one = path[i].weight - tmp * zero * (depth - i) as f64;
        }
    } else {
        let inv_zero = 1.0 / zero;
        for i in (0..depth).rev() {
            total += path[i].weight * inv_zero * reciprocal(depth - i);
        }
    }
    total * (depth + 1) as f64
}

#[cfg(test)]
mod tests {
    use super::super::rng::SplitMix64;
    use super::super::tree::Node;
    use super::*;

    /// Adds a random subtree of at most `depth` levels on features below `m`; returns its reference and cover.
    fn random_tree(forest: &mut Forest, rng: &mut SplitMix64, m: usize, depth: usize) -> (u32, f64) {
        if depth == 0 || rng.next_f64() < 0.2 {
            forest.leaf_values.push(rng.next_f64() * 2.0 - 1.0);
            let cover = 1.0 + rng.below(50) as f64;
            forest.leaf_covers.push(cover);
            return ((forest.leaf_values.len() - 1) as u32 | LEAF, cover);
        }
        let index = forest.nodes.len();
        let missing_left = rng.next_f64() < 0.5;
        forest.nodes.push(Node::new(rng.below(m), rng.next_f64() as f32, missing_left));
        forest.node_covers.push(0.0);
        forest.node_gains.push(1.0);
        let (l, cl) = random_tree(forest, rng, m, depth - 1);
        let (r, cr) = random_tree(forest, rng, m, depth - 1);
        forest.nodes[index].left = l;
        forest.nodes[index].right = r;
        forest.node_covers[index] = cl + cr;
        (index as u32, cl + cr)
    }

    fn depth(forest: &Forest, at: u32) -> usize {
        if at & LEAF != 0 {
            0
        } else {
            let n = forest.nodes[at as usize];
            1 + depth(forest, n.left).max(depth(forest, n.right))
        }
    }

    /// The expected value of a tree when the features in `known` (a bit set) take the row's values and the
    /// others follow the training rows (the covers).
    fn expected(forest: &Forest, at: u32, row: &[f32], known: u32) -> f64 {
        if at & LEAF != 0 {
            return forest.leaf_values[(at & !LEAF) as usize];
        }
        let node = forest.nodes[at as usize];
        if known & (1 << node.feature()) != 0 {
            expected(forest, node.next(row), row, known)
        } else {
            let (l, r) = (node.left, node.right);
            (forest.cover(l) * expected(forest, l, row, known) + forest.cover(r) * expected(forest, r, row, known))
                / forest.cover(at)
        }
    }

    /// Shapley values from their definition, enumerating every subset of the `m` features.
    fn brute_force(forest: &Forest, row: &[f32], m: usize) -> Vec<f64> {
        let value = |known: u32| forest.roots.iter().map(|&r| expected(forest, r, row, known)).sum::<f64>();
        let factorial = |k: usize| (1..=k).product::<usize>() as f64;
        let mut phi = vec![0.0; m];
        for (i, p) in phi.iter_mut().enumerate() {
            for s in 0u32..1 << m {
                if s & (1 << i) != 0 {
                    continue;
                }
                let size = s.count_ones() as usize;
                let w = factorial(size) * factorial(m - size - 1) / factorial(m);
                *p += w * (value(s | 1 << i) - value(s));
            }
        }
        phi
    }

    #[test]
    fn tree_shap_equals_shapley_values_from_the_definition() {
        let mut rng = SplitMix64::new(42);
        let mut scratch = ShapScratch::new();
        for case in 0..200 {
            let m = 1 + rng.below(6);
            let mut forest = Forest::default();
            for _ in 0..1 + rng.below(6) {
                let max_depth = 1 + rng.below(6);
                let (root, _) = random_tree(&mut forest, &mut rng, m, max_depth);
                forest.roots.push(root);
            }
            forest.depth = forest.roots.iter().map(|&r| depth(&forest, r)).max().unwrap_or(0);
            for _ in 0..5 {
                // Values on both sides of the thresholds, some missing.
                let row: Vec<f32> =
                    (0..m).map(|_| if rng.next_f64() < 0.2 { f32::NAN } else { rng.next_f64() as f32 }).collect();
                let mut phi = vec![0.0; m];
                forest.shap(&row, &mut phi, &mut scratch);
                let expect = brute_force(&forest, &row, m);
                for (j, (a, b)) in phi.iter().zip(&expect).enumerate() {
                    assert!((a - b).abs() < 1e-9, "case {case}, feature {j}: TreeSHAP {a}, definition {b}");
                }
                // Efficiency: the bias (no feature known) and the contributions sum to the prediction.
                let bias: f64 = forest.roots.iter().map(|&r| forest.expected_value(r)).sum();
                let total = bias + phi.iter().sum::<f64>();
                assert!((total - forest.raw(0.0, &row)).abs() < 1e-9, "case {case}");
                assert!((bias - brute_force_bias(&forest, &row)).abs() < 1e-12);
            }
        }
    }

    fn brute_force_bias(forest: &Forest, row: &[f32]) -> f64 {
        forest.roots.iter().map(|&r| expected(forest, r, row, 0)).sum()
    }
}
