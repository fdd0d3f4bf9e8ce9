//! The event reservoir: every event stored once, in arrival order, with per-slot links that chain each
//! entity's events in event-time order.
//!
//! Links are 32 bits: the low 29 bits of the event's number and the slot. The reservoir never holds more
//! than [`MAX_HELD`] events, and the store's housekeeping forgets every link to a dropped event long before the
//! numbers wrap, so a link names one held event or none.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

use super::entity::seconds_floor;

/// Entity slots of an event: who the event touches, in which role.
pub const SLOTS: usize = 7;

/// A link to one slot of one stored event: the low [`SEQ_BITS`] bits of its number, then 3 bits of slot.
/// [`NO_LINK`] is the end of a chain.
pub type Link = u32;

/// The end of a chain (slot 7, which no event has).
pub const NO_LINK: Link = u32::MAX;

/// Bits of the event number a link keeps.
pub const SEQ_BITS: u32 = 29;

const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;

/// The most events held at once: a quarter of the link range, so that links to events dropped since the
/// last housekeeping pass cannot be mistaken for held ones. (268 million events; at 64 bytes each, 17 GB.)
pub const MAX_HELD: usize = 1 << (SEQ_BITS - 2);

/// The link to `slot` of the event numbered `seq`.
#[inline]
pub fn link(seq: u64, slot: usize) -> Link {
    (((seq & SEQ_MASK) as u32) << 3) | slot as u32
}

/// The slot of a link.
#[inline]
pub fn slot_of(link: Link) -> usize {
    (link & 7) as usize
}

/// One stored event: 64 bytes, aligned to a cache line, so that reading one costs one line.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[repr(align(64))]
pub struct Record {
    /// Event time, UTC ms.
    pub time: i64,
    /// Amount, in the caller's base currency's minor units.
    pub amount: i64,
    /// The debtor's and the creditor's account entities (`u32::MAX`: untracked): every slot's counterparty
    /// is one of them.
    pub accounts: [u32; 2],
    /// The next event of the same entity, per slot.
    pub next: [Link; SLOTS],
    /// For the two account slots (debtor, creditor), the next event's time in whole seconds rounded down
    /// ([`seconds_floor`]; 0 when there is none): a window expiring this event knows from it, without loading
    /// the next one, whether that one stays.
    #[serde(default)]
    pub next_second: [u32; 2],
    /// Per slot: whether the counterparty was new when the event arrived.
    pub new_counterparty: u8,
    /// Per slot: whether this is the entity's latest event with this counterparty on this side (so that
    /// expiring it removes the counterparty from the window, without a table lookup).
    pub latest: u8,
}

impl Record {
    /// Whether the next event after `slot` is known, without loading it, to be later than `start`: an
    /// account slot's next event whose time to the second says so ([`Record::next_second`]).
    #[inline]
    pub fn next_after(&self, slot: usize, start: i64) -> bool {
        slot < 2 && (self.next_second[slot] as i64) * 1000 > start
    }
}

/// Events in arrival order, numbered from 0; the oldest are dropped when no window can need them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Reservoir {
    records: VecDeque<Record>,
    /// The number of the first record still held.
    base: u64,
}

impl Reservoir {
    /// Stores an event; returns its number. The caller keeps fewer than [`MAX_HELD`] events held.
    pub fn push(&mut self, record: Record) -> u64 {
        self.records.push_back(record);
        self.base + self.records.len() as u64 - 1
    }

    /// The position in `records` of the event a link points into, if it is held.
    #[inline]
    fn index(&self, link: Link) -> Option<usize> {
        if link == NO_LINK {
            return None;
        }
        let offset = ((link >> 3) as u64).wrapping_sub(self.base) & SEQ_MASK;
        (offset < self.records.len() as u64).then_some(offset as usize)
    }

    /// The event numbered `seq`, mutably, if still held.
    #[inline]
    pub fn get_mut(&mut self, seq: u64) -> Option<&mut Record> {
        seq.checked_sub(self.base).and_then(|i| self.records.get_mut(i as usize))
    }

    /// The event a link points into (None for [`NO_LINK`] or a dropped event).
    #[inline]
    pub fn at(&self, link: Link) -> Option<&Record> {
        self.index(link).map(|i| &self.records[i])
    }

    /// Whether a link points into a held event.
    #[inline]
    pub fn holds(&self, link: Link) -> bool {
        self.index(link).is_some()
    }

    /// The time of the event a link points into.
    #[inline]
    pub fn time(&self, link: Link) -> Option<i64> {
        self.at(link).map(|r| r.time)
    }

    /// The next link in the chain after `link`.
    #[inline]
    pub fn next(&self, link: Link) -> Link {
        self.at(link).map(|r| r.next[slot_of(link)]).unwrap_or(NO_LINK)
    }

    /// Sets the next link after `link` (ignored if that event was dropped), and for an account slot the next
    /// event's time in seconds (read from it: a new event's record is in the cache).
    #[inline]
    pub fn set_next(&mut self, link: Link, next: Link) {
        if let Some(i) = self.index(link) {
            let slot = slot_of(link);
            if slot < 2 {
                self.records[i].next_second[slot] = self.time(next).map_or(0, seconds_floor);
            }
            self.records[i].next[slot] = next;
        }
    }

    /// Marks whether the slot a link points into is its counterparty's latest (ignored if dropped).
    #[inline]
    pub fn set_latest(&mut self, link: Link, latest: bool) {
        if let Some(i) = self.index(link) {
            let bit = 1 << slot_of(link);
            let record = &mut self.records[i];
            if latest {
                record.latest |= bit;
            } else {
                record.latest &= !bit;
            }
        }
    }

    /// Drops events from the front while they are older than `before`; returns how many.
    pub fn drop_older(&mut self, before: i64) -> usize {
        let mut dropped = 0;
        while self.records.front().is_some_and(|r| r.time < before) {
            self.records.pop_front();
            self.base += 1;
            dropped += 1;
        }
        dropped
    }

    /// The time of the oldest held event (in arrival order).
    pub fn front_time(&self) -> Option<i64> {
        self.records.front().map(|r| r.time)
    }

    /// Events held.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Bytes held (records and the ring's spare capacity).
    pub fn bytes(&self) -> usize {
        self.records.capacity() * std::mem::size_of::<Record>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(time: i64) -> Record {
        Record {
            time,
            amount: 1,
            accounts: [0; 2],
            next: [NO_LINK; SLOTS],
            next_second: [0; 2],
            new_counterparty: 0,
            latest: 0,
        }
    }

    #[test]
    fn links_name_held_events_across_the_wrap_of_their_numbers() {
        // Start just below the wrap of the 29-bit numbers, then drop and push across it.
        let mut reservoir = Reservoir { records: VecDeque::new(), base: (1 << SEQ_BITS) - 3 };
        let seqs: Vec<u64> = (0..6).map(|t| reservoir.push(record(t))).collect();
        assert_eq!(seqs[3], 1 << SEQ_BITS, "the fourth event's number wraps in a link");
        for (t, seq) in seqs.iter().enumerate() {
            assert_eq!(reservoir.time(link(*seq, 2)), Some(t as i64));
        }
        let old = link(seqs[1], 0);
        assert_eq!(reservoir.drop_older(2), 2);
        assert!(!reservoir.holds(old), "a dropped event is not taken for a held one");
        assert!(reservoir.holds(link(seqs[2], 0)) && reservoir.holds(link(seqs[5], 6)));
        assert_eq!(reservoir.time(link(seqs[5] + 1, 0)), None, "not yet pushed");
        assert_eq!(reservoir.at(NO_LINK).map(|r| r.time), None);
        assert_eq!(std::mem::size_of::<Record>(), 64);
    }
}
