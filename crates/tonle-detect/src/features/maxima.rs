//! The largest amount of a sliding window, kept exactly in amortised constant time: a queue of the events
//! that can still become the largest (each larger than every later one in the window), oldest first.
//!
//! When an event joins, the candidates it outweighs leave; when the window slides, expired candidates leave
//! from the front; the front is the maximum. For amounts in random order the queue holds about the
//! logarithm of the window's events.

/// Candidates for one window's maximum: `(time, amount)`, times ascending, amounts strictly descending.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaxQueue {
    candidates: Vec<(i64, i64)>,
}

impl MaxQueue {
    /// Removes the candidates at or before `start` (the window is `(start, ...]`).
    #[inline]
    pub fn expire(&mut self, start: i64) {
        let gone = self.candidates.iter().take_while(|c| c.0 <= start).count();
        if gone > 0 {
            self.candidates.drain(..gone);
        }
    }

    /// Adds an event at or after every candidate's time.
    #[inline]
    pub fn push(&mut self, time: i64, amount: i64) {
        while self.candidates.last().is_some_and(|c| c.1 <= amount) {
            self.candidates.pop();
        }
        self.candidates.push((time, amount));
    }

    /// Adds an event at any time within the window (a late one).
    pub fn insert(&mut self, time: i64, amount: i64) {
        let after = self.candidates.partition_point(|c| c.0 <= time);
        if self.candidates.get(after).is_some_and(|c| c.1 >= amount) {
            // A later event is at least as large: this one can never be the largest alone.
            return;
        }
        let mut from = after;
        while from > 0 && self.candidates[from - 1].1 <= amount {
            from -= 1;
        }
        self.candidates.splice(from..after, std::iter::once((time, amount)));
    }

    /// The largest amount in the window (0 when it is empty).
    #[inline]
    pub fn max(&self) -> i64 {
        self.candidates.first().map_or(0, |c| c.1)
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
    fn the_front_is_the_largest_amount_in_the_window() {
        let mut queue = MaxQueue::default();
        let mut events: Vec<(i64, i64)> = Vec::new();
        let mut state = 99u64;
        let mut clock = 0;
        let width = 50;
        for _ in 0..3_000 {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let late = (state >> 60) as i64 % 3 == 0;
            clock += (state >> 40) as i64 % 7;
            let time = if late { clock - (state >> 20) as i64 % 20 } else { clock };
            let amount = (state >> 33) as i64 % 100;
            let start = clock - width;
            queue.expire(start);
            if late && time > start {
                queue.insert(time, amount);
            } else if late {
                continue;
            } else {
                queue.push(time, amount);
            }
            events.push((time, amount));
            let want = events.iter().filter(|e| e.0 > start && e.0 <= clock).map(|e| e.1).max().unwrap_or(0);
            assert_eq!(queue.max(), want);
        }
        assert!(queue.candidates.len() < 30);
    }
}
