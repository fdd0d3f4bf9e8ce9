//! Accounts sharing identifiers: per device, IP address or phone number, the accounts seen with it within a
//! window, each with its latest transaction. Mule syndicates open accounts in batches with the same few
//! phones and phone numbers and move the money from the same devices; families share a device too, so the
//! count is a fact for rules, not a verdict.
//!
//! Identifiers are keyed by a 64-bit hash of their kind and text (two identifiers colliding is about as
//! likely as 2^-64 per pair); each keeps at most [`MAX_USES`] accounts, the most recent.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::hash::{Hash, Hasher};

use rustc_hash::FxHasher;

use super::hashed::HashedTable;

/// Accounts kept per identifier.
pub const MAX_USES: usize = 64;

/// One account's latest use of an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Use {
    /// The account's node.
    pub node: u32,
    /// When, UTC ms.
    pub time: i64,
    /// The edge.
    pub seq: u32,
}

/// The accounts seen with one identifier: one inline (nearly every device, address and phone number has
/// one account; no allocation), or a list.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Uses {
    One(Use),
    Many(Vec<Use>),
}

/// An empty list (a free slot of the table; no allocation).
impl Default for Uses {
    fn default() -> Self {
        Uses::Many(Vec::new())
    }
}

impl Uses {
    /// Drops the uses at or before `after`; false if none is left.
    fn retain_after(&mut self, after: i64) -> bool {
        match self {
            Uses::One(only) => only.time > after,
            Uses::Many(list) => {
                list.retain(|u| u.time > after);
                !list.is_empty()
            }
        }
    }

    /// Records a use: an account's later use replaces its earlier one; past [`MAX_USES`] accounts the
    /// oldest use goes.
    fn record(&mut self, new: Use) {
        match self {
            Uses::One(only) if only.node == new.node => {
                if only.time <= new.time {
                    *only = new;
                }
            }
            Uses::One(only) => *self = Uses::Many(vec![*only, new]),
            Uses::Many(list) => match list.iter_mut().find(|u| u.node == new.node) {
                Some(known) if known.time <= new.time => *known = new,
                Some(_) => {}
                None => {
                    if list.len() == MAX_USES {
                        if let Some(oldest) = (0..list.len()).min_by_key(|&i| list[i].time) {
                            list.swap_remove(oldest);
                        }
                    }
                    list.push(new);
                }
            },
        }
    }

    /// The uses, latest first.
    fn latest_first(&mut self) -> &[Use] {
        match self {
            Uses::One(only) => std::slice::from_ref(only),
            Uses::Many(list) => {
                list.sort_unstable_by_key(|u| std::cmp::Reverse(u.time));
                list
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Uses::One(_) => 0,
            Uses::Many(list) => list.capacity() * std::mem::size_of::<Use>(),
        }
    }
}

/// The key of an identifier of a kind, as [`Rings::observe_key`] and [`Rings::prefetch_key`] take it.
pub fn key_of(kind: &str, identifier: &str) -> u64 {
    let mut h = FxHasher::default();
    kind.hash(&mut h);
    identifier.hash(&mut h);
    h.finish()
}

/// The identifier index.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Rings {
    window: i64,
    uses: HashedTable<Uses>,
    /// Identifiers with the time to look at them again (each once), to forget them once their window has
    /// passed.
    queue: VecDeque<(i64, u64)>,
}

impl Rings {
    /// An index remembering uses for `window` ms.
    pub fn new(window: i64) -> Rings {
        Rings { window, ..Rings::default() }
    }

    /// How long (ms) a shared identifier is remembered.
    pub fn window(&self) -> i64 {
        self.window
    }

    /// Remembers uses for `window` ms from now on.
    pub fn set_window(&mut self, window: i64) {
        self.window = window;
    }

    /// Records that `node` used the identifier at `time` (edge `seq`) and returns the accounts seen with it
    /// within the window before `time`, this one included, latest use first. `watermark` is the latest event
    /// time seen: uses the window has passed by then are forgotten.
    pub fn observe(&mut self, kind: &str, identifier: &str, node: u32, time: i64, seq: u32, watermark: i64) -> &[Use] {
        self.observe_key(key_of(kind, identifier), node, time, seq, watermark)
    }

    /// [`Rings::observe`] for an identifier's key ([`key_of`]).
    pub fn observe_key(&mut self, key: u64, node: u32, time: i64, seq: u32, watermark: i64) -> &[Use] {
        self.forget(watermark);
        let start = time - self.window;
        let kept_after = watermark.saturating_sub(self.window);
        let new = Use { node, time, seq };
        let (uses, inserted) = self.uses.get_or_insert_with(key, || Uses::One(new));
        if inserted {
            // A new identifier: looked at again when its window has passed (see `forget`).
            self.queue.push_back((time, key));
        } else if uses.retain_after(kept_after) {
            uses.record(new);
        } else {
            *uses = Uses::One(new);
        }
        // Uses after `time` (this one being late) are not counted: the window ends at `time`.
        let list = uses.latest_first();
        let from = list.partition_point(|u| u.time > time);
        let to = list.partition_point(|u| u.time > start);
        &list[from..to.max(from)]
    }

    /// For a stream of transactions, first step: starts loading where an identifier's entry is. A hint to the
    /// cache; nothing changes.
    #[inline]
    pub fn prefetch_key(&self, key: u64) {
        self.uses.prefetch(key);
    }

    /// The step after [`Rings::prefetch_key`], once the entry is loaded: starts loading its list of uses.
    #[inline]
    pub fn prefetch_list(&self, key: u64) {
        if let Some(Uses::Many(list)) = self.uses.get(key) {
            if let Some(first) = list.first() {
                crate::features::prefetch(first);
            }
        }
    }

    fn forget(&mut self, watermark: i64) {
        let start = watermark.saturating_sub(self.window);
        while let Some(&(time, key)) = self.queue.front() {
            if time > start {
                break;
            }
            self.queue.pop_front();
            if let Some(uses) = self.uses.get_mut(key) {
                if uses.retain_after(start) {
                    // Still used: looked at again when its oldest use has left the window. The queue is then
                    // only roughly in time order, which delays forgetting (memory), never a count.
                    let oldest = uses.latest_first().iter().map(|u| u.time).min().unwrap_or(time);
                    self.queue.push_back((oldest, key));
                } else {
                    self.uses.remove(key);
                }
            }
        }
    }

    /// Bytes allocated.
    pub fn memory_bytes(&self) -> usize {
        self.uses.slot_bytes()
            + self.uses.iter().map(|(_, l)| l.heap_bytes()).sum::<usize>()
            + self.queue.capacity() * std::mem::size_of::<(i64, u64)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_accounts_per_identifier_within_the_window() {
        let mut rings = Rings::new(100);
        assert_eq!(rings.observe("device", "d1", 1, 10, 0, 10).len(), 1);
        assert_eq!(rings.observe("device", "d1", 2, 20, 1, 20).len(), 2);
        assert_eq!(rings.observe("device", "d1", 1, 30, 2, 30).len(), 2, "one account counts once");
        assert_eq!(rings.observe("phone", "d1", 3, 40, 3, 40).len(), 1, "kinds are apart");
        // At 125, account 2's use (at 20) has left the window.
        let uses = rings.observe("device", "d1", 4, 125, 4, 125);
        let nodes: Vec<u32> = uses.iter().map(|u| u.node).collect();
        assert_eq!(nodes, [4, 1]);
        // Past every window, the index forgets the identifiers.
        rings.observe("ip", "x", 9, 1_000, 5, 1_000);
        assert_eq!(rings.uses.len(), 1);
    }
}
