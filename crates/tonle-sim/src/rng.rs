//! Deterministic randomness: the same seed gives the same numbers on every machine.
//!
//! The generator is xoshiro256++ (`rand_xoshiro`), whose output is specified bit for bit. Everything built on
//! it uses integer arithmetic, IEEE basic operations (exactly rounded everywhere) and the pure-Rust `libm`
//! (a port of musl's) for `exp`, `ln` and `pow`, never the platform's maths library, whose last bits may
//! differ between systems. That is what makes `tonle simulate` byte-identical across machines.

use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// A seeded random stream.
#[derive(Clone)]
pub struct Rng(Xoshiro256PlusPlus);

/// SplitMix64's finaliser: spreads a seed and a stream number over all 64 bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// The stream `stream` of seed `seed`. Separate streams keep parts of a simulation independent: changing
    /// one typology's parameters does not change the normal traffic.
    pub fn stream(seed: u64, stream: u64) -> Rng {
        Rng(Xoshiro256PlusPlus::seed_from_u64(mix(seed ^ mix(stream.wrapping_add(0x9e37_79b9_7f4a_7c15)))))
    }

    /// 64 random bits.
    #[inline]
    pub fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    #[inline]
    pub fn f64(&mut self) -> f64 {
        (self.u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in 0..n (n > 0), without modulo bias (Lemire's method).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let mut product = (self.u64() as u128) * (n as u128);
        let mut low = product as u64;
        if low < n {
            let threshold = n.wrapping_neg() % n;
            while low < threshold {
                product = (self.u64() as u128) * (n as u128);
                low = product as u64;
            }
        }
        (product >> 64) as u64
    }

    /// Uniform index into a collection of `len` items (len > 0).
    #[inline]
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// Uniform in lo..=hi.
    #[inline]
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// Uniform in [lo, hi).
    #[inline]
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// True with probability p.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// A standard normal variate (Marsaglia's polar method).
    pub fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.f64() - 1.0;
            let v = 2.0 * self.f64() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * libm::log(s) / s).sqrt();
            }
        }
    }

    /// Log-normal with the given median and log-scale spread.
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * libm::exp(sigma * self.normal())
    }

    /// Pareto with minimum `min` and tail index `alpha`: heavy-tailed, most values near `min`.
    pub fn pareto(&mut self, min: f64, alpha: f64) -> f64 {
        min / libm::pow(1.0 - self.f64(), 1.0 / alpha)
    }

    /// Poisson with mean `lambda` (exact below 30, normal approximation above).
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda < 30.0 {
            let limit = libm::exp(-lambda);
            let mut product = self.f64();
            let mut count = 0;
            while product > limit {
                product *= self.f64();
                count += 1;
            }
            count
        } else {
            let value = lambda + lambda.sqrt() * self.normal();
            if value <= 0.0 {
                0
            } else {
                (value + 0.5) as u64
            }
        }
    }

    /// A uniformly chosen element (the slice must not be empty).
    #[inline]
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }
}

/// Weighted choice in constant time (Walker's alias method, Vose's construction).
#[derive(Debug, Clone)]
pub struct AliasTable {
    /// Per slot: keep the slot when a uniform 53-bit draw is below this threshold, else take the alias.
    keep: Vec<u64>,
    alias: Vec<u32>,
}

impl AliasTable {
    /// A table over `weights` (non-negative, at least one positive; a table of all zeros picks uniformly).
    pub fn new(weights: &[f64]) -> AliasTable {
        let n = weights.len();
        assert!(n > 0 && n <= u32::MAX as usize, "an alias table needs 1 to 2^32-1 weights");
        let total: f64 = weights.iter().sum();
        let scaled: Vec<f64> =
            if total > 0.0 { weights.iter().map(|w| w.max(0.0) * n as f64 / total).collect() } else { vec![1.0; n] };
        let mut prob = scaled.clone();
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let mut small: Vec<u32> = Vec::new();
        let mut large: Vec<u32> = Vec::new();
        for (i, p) in prob.iter().enumerate() {
            if *p < 1.0 {
                small.push(i as u32);
            } else {
                large.push(i as u32);
            }
        }
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            alias[s as usize] = l;
            prob[l as usize] = (prob[l as usize] + prob[s as usize]) - 1.0;
            if prob[l as usize] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        for i in small.into_iter().chain(large) {
            prob[i as usize] = 1.0;
        }
        let scale = (1u64 << 53) as f64;
        let keep = prob.iter().map(|p| if *p >= 1.0 { u64::MAX } else { (p * scale) as u64 }).collect();
        AliasTable { keep, alias }
    }

    /// Number of choices.
    pub fn len(&self) -> usize {
        self.keep.len()
    }

    /// Whether there are no choices (never: a table has at least one).
    pub fn is_empty(&self) -> bool {
        self.keep.is_empty()
    }

    /// A weighted random index.
    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> usize {
        let bits = rng.u64();
        // The top bits choose the slot, the low 53 bits decide between the slot and its alias.
        let slot = (((bits >> 32) * self.keep.len() as u64) >> 32) as usize;
        if (bits & ((1u64 << 53) - 1)) < self.keep[slot] {
            slot
        } else {
            self.alias[slot] as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Rng::stream(7, 1).u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Rng::stream(7, 1).u64(), Rng::stream(7, 2).u64());
        assert_ne!(Rng::stream(7, 1).u64(), Rng::stream(8, 1).u64());
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = Rng::stream(1, 1);
        let mut seen = [0u32; 7];
        for _ in 0..7_000 {
            seen[rng.below(7) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n > 800 && n < 1200), "{seen:?}");
    }

    #[test]
    fn alias_table_follows_weights() {
        let table = AliasTable::new(&[1.0, 0.0, 3.0, 6.0]);
        let mut rng = Rng::stream(3, 3);
        let mut counts = [0u32; 4];
        for _ in 0..100_000 {
            counts[table.sample(&mut rng)] += 1;
        }
        assert_eq!(counts[1], 0);
        let shares: Vec<f64> = counts.iter().map(|&c| c as f64 / 100_000.0).collect();
        assert!((shares[0] - 0.1).abs() < 0.01 && (shares[2] - 0.3).abs() < 0.01 && (shares[3] - 0.6).abs() < 0.01);
    }

    #[test]
    fn distributions_have_their_moments() {
        let mut rng = Rng::stream(5, 5);
        let n = 50_000;
        let mean_poisson = (0..n).map(|_| rng.poisson(4.0) as f64).sum::<f64>() / n as f64;
        assert!((mean_poisson - 4.0).abs() < 0.05, "{mean_poisson}");
        let big = (0..n).map(|_| rng.poisson(400.0) as f64).sum::<f64>() / n as f64;
        assert!((big - 400.0).abs() < 1.0, "{big}");
        let mut logs: Vec<f64> = (0..n).map(|_| rng.lognormal(100.0, 1.0)).collect();
        logs.sort_by(f64::total_cmp);
        let median = logs[n / 2];
        assert!((median - 100.0).abs() < 3.0, "{median}");
        assert!((0..1000).all(|_| rng.pareto(2.0, 1.5) >= 2.0));
    }
}
