//! Counting distinct 64-bit keys exactly, fast when the keys are too many for the cache.
//!
//! A plain hash set pays one cache miss per insert once it outgrows the cache (half a million accounts do),
//! and the misses come one after another. This set takes keys in batches and touches every batch's slots
//! before inserting, so the processor fetches the cache lines of a whole batch at once.

/// Keys buffered before they are inserted together.
const BATCH: usize = 64;

/// An exact set of `u64` keys (open addressing, linear probing), inserted in batches.
#[derive(Debug)]
pub struct DistinctCounter {
    /// Slots; 0 means empty (the key 0 itself is tracked by `has_zero`).
    slots: Vec<u64>,
    /// `64 - log2(slots.len())`: a key's home slot is the top bits of its scrambled value.
    shift: u32,
    /// Distinct non-zero keys in `slots`.
    len: usize,
    has_zero: bool,
    pending: Vec<u64>,
}

impl Default for DistinctCounter {
    fn default() -> Self {
        DistinctCounter {
            slots: vec![0; 1024],
            shift: 64 - 10,
            len: 0,
            has_zero: false,
            pending: Vec::with_capacity(BATCH),
        }
    }
}

impl DistinctCounter {
    /// Adds a key (already a good hash: its bits are used as they are, after one multiply).
    #[inline]
    pub fn insert(&mut self, key: u64) {
        self.pending.push(key);
        if self.pending.len() == BATCH {
            self.flush();
        }
    }

    /// The number of distinct keys added.
    pub fn len(&self) -> usize {
        // Pending keys count when they are neither in the table nor earlier in the batch.
        let mut has_zero = self.has_zero;
        let mut new = 0;
        for (i, &key) in self.pending.iter().enumerate() {
            if key == 0 {
                has_zero = true;
            } else if !self.contains(key) && !self.pending[..i].contains(&key) {
                new += 1;
            }
        }
        self.len + new + usize::from(has_zero)
    }

    fn contains(&self, key: u64) -> bool {
        let mask = self.slots.len() - 1;
        let mut slot = self.home(key);
        loop {
            match self.slots[slot] {
                0 => return false,
                existing if existing == key => return true,
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    fn flush(&mut self) {
        // Keep the load at most one half even if every pending key is new, so probes stay short.
        while (self.len + self.pending.len()) * 2 > self.slots.len() {
            self.grow();
        }
        // Touch each key's home slot first: independent loads that the processor overlaps.
        let mut touched = 0u64;
        for &key in &self.pending {
            touched ^= self.slots[self.home(key)];
        }
        std::hint::black_box(touched);
        let pending = std::mem::take(&mut self.pending);
        for &key in &pending {
            self.insert_now(key);
        }
        self.pending = pending;
        self.pending.clear();
    }

    fn insert_now(&mut self, key: u64) {
        if key == 0 {
            self.has_zero = true;
            return;
        }
        let mask = self.slots.len() - 1;
        let mut slot = self.home(key);
        loop {
            match self.slots[slot] {
                0 => {
                    self.slots[slot] = key;
                    self.len += 1;
                    return;
                }
                existing if existing == key => return,
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    fn grow(&mut self) {
        let doubled = vec![0; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        self.shift -= 1;
        self.len = 0;
        for key in old.into_iter().filter(|&k| k != 0) {
            self.insert_now(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn counts_exactly_like_a_hash_set() {
        let mut counter = DistinctCounter::default();
        let mut reference = HashSet::new();
        let mut state = 0x1234_5678_9abc_def0u64;
        for i in 0..300_000u64 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Many repeats, some zeros, keys that collide in their low bits.
            let key = match i % 5 {
                0 => state % 50_000,
                1 => 0,
                2 => (state % 1000) << 40,
                _ => state,
            };
            counter.insert(key);
            reference.insert(key);
            if i % 77_777 == 0 {
                assert_eq!(counter.len(), reference.len());
            }
        }
        assert_eq!(counter.len(), reference.len());
    }

    #[test]
    fn empty_and_zero() {
        let mut counter = DistinctCounter::default();
        assert_eq!(counter.len(), 0);
        counter.insert(7);
        counter.insert(7);
        assert_eq!(counter.len(), 1);
        counter.insert(0);
        counter.insert(0);
        assert_eq!(counter.len(), 2);
    }
}
