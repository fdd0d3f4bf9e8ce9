//! The largest amounts of an entity's sliding windows, kept exactly in amortised constant time: per side, one
//! queue of the events that can still become the largest in some window (each larger than every later one),
//! oldest first, over the longest window whose maximum is kept on that side.
//!
//! When an event joins, the candidates it outweighs leave; when the windows slide, candidates older than the
//! longest window leave from the front. Each candidate is the largest amount of every event from its own
//! time on (the queue holds every suffix maximum), so the largest amount in any window `(start, now]` within
//! the longest is that of the first candidate after `start`. For amounts in random order a queue holds about
//! the logarithm of the longest window's events. Both queues share one allocation, the out side's first, so
//! that reaching them costs one cache miss, not one per queue.

use std::ops::Range;

/// Candidates for each side's maxima: `(time, amount)`, per side times ascending and amounts strictly
/// descending.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaxQueues {
    /// The out side's number of candidates; the in side's follow them in `candidates`.
    out_len: u32,
    candidates: Vec<(i64, i64)>,
}

impl MaxQueues {
    #[inline]
    fn range(&self, side: usize) -> Range<usize> {
        if side == 0 {
            0..self.out_len as usize
        } else {
            self.out_len as usize..self.candidates.len()
        }
    }

    /// Removes side `side`'s candidates at or before `start` (its longest window is `(start, ...]`).
    #[inline]
    pub fn expire(&mut self, side: usize, start: i64) {
        let range = self.range(side);
        let gone = self.candidates[range.clone()].iter().take_while(|c| c.0 <= start).count();
        if gone > 0 {
            self.candidates.drain(range.start..range.start + gone);
            if side == 0 {
                self.out_len -= gone as u32;
            }
        }
    }

    /// Adds an event at or after every candidate's time to side `side`.
    #[inline]
    pub fn push(&mut self, side: usize, time: i64, amount: i64) {
        let range = self.range(side);
        let mut end = range.end;
        while end > range.start && self.candidates[end - 1].1 <= amount {
            end -= 1;
        }
        let outweighed = end..range.end;
        self.replace(side, outweighed, (time, amount));
    }

    /// Adds an event at any time within side `side`'s longest window (a late one).
    pub fn insert(&mut self, side: usize, time: i64, amount: i64) {
        let range = self.range(side);
        let after = range.start + self.candidates[range.clone()].partition_point(|c| c.0 <= time);
        if after < range.end && self.candidates[after].1 >= amount {
            // A later event is at least as large: this one can never be the largest alone.
            return;
        }
        let mut from = after;
        while from > range.start && self.candidates[from - 1].1 <= amount {
            from -= 1;
        }
        self.replace(side, from..after, (time, amount));
    }

    /// Replaces `outweighed` (within side `side`'s candidates) by one candidate.
    fn replace(&mut self, side: usize, outweighed: Range<usize>, candidate: (i64, i64)) {
        let removed = outweighed.len() as u32;
        if outweighed.is_empty() && self.candidates.len() == self.candidates.capacity() {
            // Grow by a quarter, not double: candidates are a good part of an entity's memory.
            self.candidates.reserve_exact(self.candidates.len() / 4 + 2);
        }
        if removed == 1 {
            self.candidates[outweighed.start] = candidate;
        } else {
            self.candidates.splice(outweighed, std::iter::once(candidate));
        }
        if side == 0 {
            self.out_len = self.out_len + 1 - removed;
        }
    }

    /// Gives back spare room (the store's housekeeping calls this at each visit).
    pub fn shrink(&mut self) {
        if self.candidates.capacity() > self.candidates.len() + self.candidates.len() / 4 + 2 {
            self.candidates.shrink_to(self.candidates.len() + self.candidates.len() / 8 + 1);
        }
    }

    /// The largest amount of side `side` after `start` (0 when there is none): its window `(start, now]`
    /// must lie within the longest one the side's candidates were expired to.
    #[inline]
    pub fn max(&self, side: usize, start: i64) -> i64 {
        let candidates = &self.candidates[self.range(side)];
        let first = candidates.partition_point(|c| c.0 <= start);
        candidates.get(first).map_or(0, |c| c.1)
    }

    /// Asks the CPU to start loading the candidates (up to 512 bytes).
    #[inline]
    pub fn prefetch(&self) {
        for chunk in self.candidates.chunks(4).take(8) {
            super::prefetch(&chunk[0]);
        }
    }

    /// Bytes allocated.
    pub fn heap_bytes(&self) -> usize {
        self.candidates.capacity() * std::mem::size_of::<(i64, i64)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_candidate_after_a_start_is_the_largest_amount_in_its_window() {
        let mut queues = MaxQueues::default();
        // Per side, the windows read (ascending); each side's queue spans its longest.
        let widths: [&[i64]; 2] = [&[5, 50, 200], &[3, 17, 60, 61, 400]];
        let mut events: [Vec<(i64, i64)>; 2] = [Vec::new(), Vec::new()];
        let mut state = 99u64;
        let mut clock = 0;
        let mut longest_len = 0;
        for round in 0..6_000 {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let late = (state >> 60) as i64 % 3 == 0;
            clock += (state >> 40) as i64 % 7;
            let time = if late { clock - (state >> 20) as i64 % 30 } else { clock };
            let amount = (state >> 33) as i64 % 100;
            let side = (state >> 10) as usize % 2;
            for (s, w) in widths.iter().enumerate() {
                queues.expire(s, clock - w[w.len() - 1]);
            }
            if round % 500 == 0 {
                queues.shrink();
            }
            let w = widths[side];
            if !late {
                queues.push(side, time, amount);
            } else if time > clock - w[w.len() - 1] {
                queues.insert(side, time, amount);
            } else {
                continue;
            }
            events[side].push((time, amount));
            for (s, w) in widths.iter().enumerate() {
                for width in w.iter() {
                    let start = clock - width;
                    let want = events[s].iter().filter(|e| e.0 > start && e.0 <= clock).map(|e| e.1).max().unwrap_or(0);
                    assert_eq!(queues.max(s, start), want, "side {s}, width {width}, round {round}");
                }
                let candidates = &queues.candidates[queues.range(s)];
                assert!(candidates.windows(2).all(|c| c[0].0 <= c[1].0 && c[0].1 > c[1].1), "side {s} ordered");
            }
            longest_len = longest_len.max(queues.candidates.len());
        }
        assert!(longest_len < 60, "{longest_len} candidates");
    }
}
