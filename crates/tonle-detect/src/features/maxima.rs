//! The largest amounts of an entity's sliding windows, kept exactly in amortised constant time: per window,
//! a queue of the events that can still become the largest (each larger than every later one in the
//! window), oldest first.
//!
//! When an event joins, the candidates it outweighs leave; when the window slides, expired candidates leave
//! from the front; the front is the maximum. For amounts in random order a queue holds about the logarithm
//! of the window's events. All of an entity's queues share one allocation, one after another, so that
//! reaching them costs one cache miss, not one per queue.

use std::ops::Range;

use super::MAX_HORIZONS;

/// The most queues an entity keeps: one per horizon and side.
pub const MAX_QUEUES: usize = 2 * MAX_HORIZONS;

/// Candidates for each kept maximum: `(time, amount)`, per queue times ascending and amounts strictly
/// descending.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaxQueues {
    /// Per queue, its number of candidates; queue `k`'s follow queue `k - 1`'s in `candidates`.
    lens: [u32; MAX_QUEUES],
    candidates: Vec<(i64, i64)>,
}

impl MaxQueues {
    #[inline]
    fn range(&self, queue: usize) -> Range<usize> {
        let start = self.lens[..queue].iter().sum::<u32>() as usize;
        start..start + self.lens[queue] as usize
    }

    /// Removes queue `queue`'s candidates at or before `start` (the window is `(start, ...]`).
    #[inline]
    pub fn expire(&mut self, queue: usize, start: i64) {
        let range = self.range(queue);
        let gone = self.candidates[range.clone()].iter().take_while(|c| c.0 <= start).count();
        if gone > 0 {
            self.candidates.drain(range.start..range.start + gone);
            self.lens[queue] -= gone as u32;
        }
    }

    /// Adds an event at or after every candidate's time to queue `queue`.
    #[inline]
    pub fn push(&mut self, queue: usize, time: i64, amount: i64) {
        let range = self.range(queue);
        let mut end = range.end;
        while end > range.start && self.candidates[end - 1].1 <= amount {
            end -= 1;
        }
        let outweighed = end..range.end;
        self.replace(queue, range, outweighed, (time, amount));
    }

    /// Adds an event at any time within the window (a late one) to queue `queue`.
    pub fn insert(&mut self, queue: usize, time: i64, amount: i64) {
        let range = self.range(queue);
        let after = range.start + self.candidates[range.clone()].partition_point(|c| c.0 <= time);
        if after < range.end && self.candidates[after].1 >= amount {
            // A later event is at least as large: this one can never be the largest alone.
            return;
        }
        let mut from = after;
        while from > range.start && self.candidates[from - 1].1 <= amount {
            from -= 1;
        }
        self.replace(queue, range, from..after, (time, amount));
    }

    /// Replaces `outweighed` (within queue `queue`'s `range`) by one candidate.
    fn replace(&mut self, queue: usize, range: Range<usize>, outweighed: Range<usize>, candidate: (i64, i64)) {
        let len = range.len() - outweighed.len() + 1;
        if outweighed.is_empty() && self.candidates.len() == self.candidates.capacity() {
            // Grow by a quarter, not double: candidates are a good part of an entity's memory.
            self.candidates.reserve_exact(self.candidates.len() / 4 + 2);
        }
        if outweighed.len() == 1 {
            self.candidates[outweighed.start] = candidate;
        } else {
            self.candidates.splice(outweighed, std::iter::once(candidate));
        }
        self.lens[queue] = len as u32;
    }

    /// Gives back spare room (the store's housekeeping calls this at each visit).
    pub fn shrink(&mut self) {
        if self.candidates.capacity() > self.candidates.len() + self.candidates.len() / 4 + 2 {
            self.candidates.shrink_to(self.candidates.len() + self.candidates.len() / 8 + 1);
        }
    }

    /// Queue `queue`'s largest amount (0 when its window is empty).
    #[inline]
    pub fn max(&self, queue: usize) -> i64 {
        if self.lens[queue] == 0 {
            0
        } else {
            self.candidates[self.range(queue).start].1
        }
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
    fn each_front_is_the_largest_amount_in_its_window() {
        let mut queues = MaxQueues::default();
        let widths = [5i64, 50, 200];
        let mut events: Vec<Vec<(i64, i64)>> = vec![Vec::new(); widths.len()];
        let mut state = 99u64;
        let mut clock = 0;
        for _ in 0..4_000 {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let late = (state >> 60) as i64 % 3 == 0;
            clock += (state >> 40) as i64 % 7;
            let time = if late { clock - (state >> 20) as i64 % 20 } else { clock };
            let amount = (state >> 33) as i64 % 100;
            let queue = (state >> 10) as usize % widths.len();
            for (k, width) in widths.iter().enumerate() {
                queues.expire(k, clock - width);
            }
            let start = clock - widths[queue];
            if !late {
                queues.push(queue, time, amount);
            } else if time > start {
                queues.insert(queue, time, amount);
            } else {
                continue;
            }
            events[queue].push((time, amount));
            for (k, width) in widths.iter().enumerate() {
                let start = clock - width;
                let want = events[k].iter().filter(|e| e.0 > start && e.0 <= clock).map(|e| e.1).max().unwrap_or(0);
                assert_eq!(queues.max(k), want, "queue {k}");
            }
        }
        assert!(queues.candidates.len() < 60);
    }
}
