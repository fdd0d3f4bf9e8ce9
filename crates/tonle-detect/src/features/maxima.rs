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
//!
//! A candidate is 12 bytes: its time as a 32-bit offset from a base kept per entity, and its amount. The
//! offsets fit because every candidate lies within the longest window: the base is moved up (and the offsets
//! rewritten) when the latest time gets 2^32 ms (about 49.7 days) past it. When the longest window is itself
//! that long or longer, candidates are 16 bytes, the time in full.

use serde::{Deserialize, Serialize};
use std::ops::Range;

use super::buffer;

/// The most candidates' worth of spare room a queue keeps.
const SPARE_MOST: usize = 3;

/// Time offsets from the base are below this.
const OFFSET_LIMIT: i64 = 1 << 32;

/// How a store's entities keep their maxima: each side's queue span, and the candidates' size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Per side: the longest horizon whose maximum is kept (the span of the side's queue), if any.
    spans: [Option<i64>; 2],
    /// The longest span (0 when none).
    longest: i64,
    /// Candidates hold the time in full (4 words), the longest span being too long for 32-bit offsets.
    wide: bool,
}

impl Layout {
    /// Queues over these spans (ms; `None` for a side whose maxima are not kept).
    pub fn new(spans: [Option<i64>; 2]) -> Layout {
        let longest = spans.iter().flatten().copied().max().unwrap_or(0);
        Layout { spans, longest, wide: longest >= OFFSET_LIMIT }
    }

    /// Per side: the span of its queue, if any maximum is kept on that side.
    #[inline]
    pub fn span(&self, side: usize) -> Option<i64> {
        self.spans[side]
    }

    /// 32-bit words per candidate.
    #[inline]
    fn words(&self) -> usize {
        if self.wide {
            4
        } else {
            3
        }
    }
}

#[inline]
fn join(low: u32, high: u32) -> i64 {
    (((high as u64) << 32) | low as u64) as i64
}

/// Candidates for each side's maxima, as 32-bit words (see [`Layout`]): `(time, amount)`, per side times
/// ascending and amounts strictly descending.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaxQueues {
    /// With 3-word candidates, the time their offsets count from: at most every candidate's time and every
    /// time a late event can be inserted at (the latest time minus the longest span, plus 1), and less than
    /// 2^32 ms before the latest time.
    base: i64,
    /// The out side's number of candidates; the in side's follow them.
    out_len: u32,
    /// Words in use (the rest of `words` is spare room).
    len: u32,
    words: Box<[u32]>,
}

impl MaxQueues {
    /// Candidates held, both sides.
    #[inline]
    pub fn len(&self, layout: &Layout) -> usize {
        self.len as usize / layout.words()
    }

    /// Side `side`'s candidates, by number.
    #[inline]
    fn range(&self, layout: &Layout, side: usize) -> Range<usize> {
        if side == 0 {
            0..self.out_len as usize
        } else {
            self.out_len as usize..self.len(layout)
        }
    }

    #[inline]
    fn time(&self, layout: &Layout, k: usize) -> i64 {
        if layout.wide {
            join(self.words[4 * k], self.words[4 * k + 1])
        } else {
            self.base + self.words[3 * k] as i64
        }
    }

    #[inline]
    fn amount(&self, layout: &Layout, k: usize) -> i64 {
        let at = (k + 1) * layout.words() - 2;
        join(self.words[at], self.words[at + 1])
    }

    /// The first of `range`'s candidates after `time` (the end if none).
    #[inline]
    fn first_after(&self, layout: &Layout, range: Range<usize>, time: i64) -> usize {
        let (mut low, mut high) = (range.start, range.end);
        while low < high {
            let mid = (low + high) / 2;
            if self.time(layout, mid) <= time {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        low
    }

    /// Slides the queues to the entity's latest time `now`: each side keeps the candidates within its span
    /// `(now - span, now]`. Call at each event at or after the entity's latest (before [`MaxQueues::push`]).
    #[inline]
    pub fn advance(&mut self, layout: &Layout, now: i64) {
        for side in 0..2 {
            if let Some(span) = layout.spans[side] {
                self.expire(layout, side, now - span);
            }
        }
        if !layout.wide && layout.longest > 0 && (self.len == 0 || now - self.base >= OFFSET_LIMIT) {
            self.rebase(now - layout.longest + 1);
        }
    }

    /// Counts offsets from `base` (every candidate is at or after it).
    fn rebase(&mut self, base: i64) {
        for k in 0..self.len as usize / 3 {
            let time = self.base + self.words[3 * k] as i64;
            debug_assert!(time >= base && time - base < OFFSET_LIMIT);
            self.words[3 * k] = (time - base) as u32;
        }
        self.base = base;
    }

    /// Removes side `side`'s candidates at or before `start` (its window is `(start, ...]`).
    #[inline]
    pub fn expire(&mut self, layout: &Layout, side: usize, start: i64) {
        let range = self.range(layout, side);
        let mut end = range.start;
        while end < range.end && self.time(layout, end) <= start {
            end += 1;
        }
        let gone = end - range.start;
        if gone > 0 {
            let words = layout.words();
            buffer::splice(&mut self.words, &mut self.len, range.start * words..end * words, &[], 0);
            if side == 0 {
                self.out_len -= gone as u32;
            }
            self.give_back(words);
        }
    }

    /// Adds an event at the entity's latest time `time` (at or after every candidate's; [`MaxQueues::advance`]
    /// has moved the queues to it) to side `side`.
    #[inline]
    pub fn push(&mut self, layout: &Layout, side: usize, time: i64, amount: i64) {
        let range = self.range(layout, side);
        let mut end = range.end;
        while end > range.start && self.amount(layout, end - 1) <= amount {
            end -= 1;
        }
        self.replace(layout, side, end..range.end, time, amount);
    }

    /// Adds an event earlier than the entity's latest time, within side `side`'s span of it (a late one).
    pub fn insert(&mut self, layout: &Layout, side: usize, time: i64, amount: i64) {
        let range = self.range(layout, side);
        let after = self.first_after(layout, range.clone(), time);
        if after < range.end && self.amount(layout, after) >= amount {
            // A later event is at least as large: this one can never be the largest alone.
            return;
        }
        let mut from = after;
        while from > range.start && self.amount(layout, from - 1) <= amount {
            from -= 1;
        }
        self.replace(layout, side, from..after, time, amount);
    }

    /// Replaces candidates `outweighed` (side `side`'s) by one.
    fn replace(&mut self, layout: &Layout, side: usize, outweighed: Range<usize>, time: i64, amount: i64) {
        let words = layout.words();
        let mut candidate = [0u32; 4];
        if layout.wide {
            candidate[0] = time as u32;
            candidate[1] = (time >> 32) as u32;
        } else {
            debug_assert!(time >= self.base && time - self.base < OFFSET_LIMIT, "time offset out of range");
            candidate[0] = (time - self.base) as u32;
        }
        candidate[words - 2] = amount as u32;
        candidate[words - 1] = (amount >> 32) as u32;
        // When full, grow by a sixteenth (at least 2 candidates), not double: candidates are a good part of an
        // entity's memory. The housekeeping gives spare room back at each visit.
        let spare = (self.len(layout) / 16 + 1) * words;
        let removed = outweighed.len() as u32;
        let at = outweighed.start * words..outweighed.end * words;
        buffer::splice(&mut self.words, &mut self.len, at, &candidate[..words], spare);
        if side == 0 {
            self.out_len = self.out_len + 1 - removed;
        }
        if removed > 1 {
            self.give_back(words);
        }
    }

    /// Gives back room when more than [`SPARE_MOST`] candidates' worth is spare, keeping one: a queue's
    /// length swings (a large amount empties it), and room kept from its longest would be a good part of the
    /// entity's memory between housekeeping visits.
    #[inline]
    fn give_back(&mut self, words: usize) {
        buffer::give_back(&mut self.words, self.len, SPARE_MOST * words, words);
    }

    /// Gives back spare room (the store's housekeeping calls this at each visit).
    pub fn shrink(&mut self) {
        buffer::trim(&mut self.words, self.len);
    }

    /// The largest amount of side `side` after `start` (0 when there is none), its window `(start, now]`
    /// lying within its span of the latest time `now`.
    #[inline]
    pub fn max(&self, layout: &Layout, side: usize, start: i64) -> i64 {
        let range = self.range(layout, side);
        let first = self.first_after(layout, range.clone(), start);
        if first < range.end {
            self.amount(layout, first)
        } else {
            0
        }
    }

    /// Asks the CPU to start loading the candidates (up to 512 bytes).
    #[inline]
    pub fn prefetch(&self) {
        for chunk in self.words[..self.len as usize].chunks(16).take(8) {
            super::prefetch(&chunk[0]);
        }
    }

    /// Bytes allocated.
    pub fn heap_bytes(&self) -> usize {
        self.words.len() * std::mem::size_of::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random events, a quarter of them late, on two sides, against a brute-force maximum of every window.
    /// `widths`: per side, the windows read (ascending); each side's queue spans its longest. `step`: the
    /// latest time's largest step; `lateness`: how far behind it a late event may be (a third are about that
    /// far); `grid`: most steps and a third of the late events' lags are multiples of it, or 1 off, so that
    /// times fall on the windows' boundaries or next to them.
    fn check(widths: [&[i64]; 2], step: i64, lateness: i64, grid: i64, rounds: usize) -> usize {
        let layout = Layout::new([widths[0].last().copied(), widths[1].last().copied()]);
        let mut queues = MaxQueues::default();
        let mut events: [Vec<(i64, i64)>; 2] = [Vec::new(), Vec::new()];
        let mut state = 99u64;
        let mut next = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            state >> 16
        };
        let mut head = -3 * step;
        let mut longest_len = 0;
        for round in 0..rounds {
            // A quarter of the events are late: before the latest time `head`, at most `lateness` before.
            let late = round > 0 && next() % 4 == 0;
            let time = if late {
                let lag = (next() % (lateness as u64 + 1)) as i64;
                let off = (next() % 3) as i64 - 1;
                head - match next() % 3 {
                    0 => lag,
                    1 => (lag / grid * grid + off).clamp(0, lateness),
                    _ => lateness - 1 - off,
                }
            } else {
                // Times repeat, and most fall on the grid.
                head += match next() % 8 {
                    0 => 0,
                    1 => 1,
                    2 => ((next() % (step / grid) as u64) as i64 * grid - 1).max(0),
                    _ => (next() % (step / grid) as u64) as i64 * grid,
                };
                head
            };
            // Amounts with repeats, over the whole range of `i64`.
            let amount = match next() % 4 {
                0 => i64::MIN + (next() % 3) as i64,
                1 => i64::MAX - (next() % 3) as i64,
                _ => (next() % 100) as i64 - 50,
            };
            let side = (next() % 2) as usize;
            if !late {
                queues.advance(&layout, head);
                for (s, events) in events.iter_mut().enumerate() {
                    let span = layout.span(s).unwrap_or(0);
                    events.retain(|e| e.0 > head - span);
                }
            }
            let Some(span) = layout.span(side) else { continue };
            if !late {
                queues.push(&layout, side, time, amount);
            } else if time > head - span {
                queues.insert(&layout, side, time, amount);
            } else {
                continue;
            }
            if round % 500 == 0 {
                queues.shrink();
            }
            events[side].push((time, amount));
            for (s, w) in widths.iter().enumerate() {
                for width in w.iter() {
                    let start = head - width;
                    let want = events[s].iter().filter(|e| e.0 > start).map(|e| e.1).max().unwrap_or(0);
                    assert_eq!(queues.max(&layout, s, start), want, "side {s}, width {width}, round {round}");
                }
                let range = queues.range(&layout, s);
                for k in range.start + 1..range.end {
                    assert!(queues.time(&layout, k - 1) <= queues.time(&layout, k), "side {s}: times ascending");
                    assert!(queues.amount(&layout, k - 1) > queues.amount(&layout, k), "side {s}: amounts descending");
                }
            }
            longest_len = longest_len.max(queues.len(&layout));
        }
        longest_len
    }

    #[test]
    fn the_first_candidate_after_a_start_is_the_largest_amount_in_its_window() {
        let short = check([&[5, 50, 200], &[3, 17, 60, 61, 400]], 7, 30, 1, 6_000);
        assert!(short < 60, "{short} candidates");
        // One side only.
        check([&[], &[10, 40]], 7, 30, 1, 2_000);
    }

    #[test]
    fn offsets_are_rebased_and_long_spans_keep_whole_times() {
        // 12-byte candidates with a span just short of the 2^32 ms offsets: the base moves at most steps.
        let grid = 1 << 20;
        let long = OFFSET_LIMIT - grid;
        assert!(!Layout::new([Some(long), None]).wide);
        check([&[grid, long / 2, long], &[3 * grid, long / 4]], 1 << 29, long, grid, 4_000);
        // 16-byte candidates when a span reaches 2^32 ms.
        assert!(Layout::new([None, Some(OFFSET_LIMIT)]).wide);
        check([&[grid, 1 << 31], &[1 << 33]], 1 << 29, 1 << 30, grid, 4_000);
    }
}
