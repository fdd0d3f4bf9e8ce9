//! The event reservoir: every event stored once, in arrival order, with per-slot links that chain each
//! entity's events in event-time order.

use std::collections::VecDeque;

/// Entity slots of an event: who the event touches, in which role.
pub const SLOTS: usize = 7;

/// A link to one slot of one stored event: `seq << 3 | slot`. [`NO_LINK`] is the end of a chain.
pub type Link = u64;

/// The end of a chain.
pub const NO_LINK: Link = u64::MAX;

/// The link to `slot` of the event numbered `seq`.
#[inline]
pub fn link(seq: u64, slot: usize) -> Link {
    (seq << 3) | slot as u64
}

/// The event number of a link.
#[inline]
pub fn seq_of(link: Link) -> u64 {
    link >> 3
}

/// The slot of a link.
#[inline]
pub fn slot_of(link: Link) -> usize {
    (link & 7) as usize
}

/// One stored event.
#[derive(Debug, Clone)]
pub struct Record {
    /// Event time, UTC ms.
    pub time: i64,
    /// Amount, in the caller's base currency's minor units.
    pub amount: i64,
    /// The entity in each slot (`u32::MAX`: none).
    pub entity: [u32; SLOTS],
    /// The next event of the same entity, per slot.
    pub next: [Link; SLOTS],
    /// Per slot: whether the counterparty was new when the event arrived.
    pub new_counterparty: u8,
    /// Per slot: whether this is the entity's latest event with this counterparty on this side (so that
    /// expiring it removes the counterparty from the window, without a table lookup).
    pub latest: u8,
}

/// Events in arrival order, numbered from 0; the oldest are dropped when no window can need them.
#[derive(Debug, Default)]
pub struct Reservoir {
    records: VecDeque<Record>,
    /// The number of the first record still held.
    base: u64,
}

impl Reservoir {
    /// Stores an event; returns its number.
    pub fn push(&mut self, record: Record) -> u64 {
        self.records.push_back(record);
        self.base + self.records.len() as u64 - 1
    }

    /// The event numbered `seq`, if still held.
    #[inline]
    pub fn get(&self, seq: u64) -> Option<&Record> {
        seq.checked_sub(self.base).and_then(|i| self.records.get(i as usize))
    }

    /// The event numbered `seq`, mutably, if still held.
    #[inline]
    pub fn get_mut(&mut self, seq: u64) -> Option<&mut Record> {
        seq.checked_sub(self.base).and_then(|i| self.records.get_mut(i as usize))
    }

    /// The event a link points into (None for [`NO_LINK`] or a dropped event).
    #[inline]
    pub fn at(&self, link: Link) -> Option<&Record> {
        if link == NO_LINK {
            None
        } else {
            self.get(seq_of(link))
        }
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

    /// Sets the next link after `link` (ignored if that event was dropped).
    #[inline]
    pub fn set_next(&mut self, link: Link, next: Link) {
        if link != NO_LINK {
            if let Some(record) = self.get_mut(seq_of(link)) {
                record.next[slot_of(link)] = next;
            }
        }
    }

    /// Marks whether the slot a link points into is its counterparty's latest (ignored if dropped).
    #[inline]
    pub fn set_latest(&mut self, link: Link, latest: bool) {
        if link != NO_LINK {
            if let Some(record) = self.get_mut(seq_of(link)) {
                let bit = 1 << slot_of(link);
                if latest {
                    record.latest |= bit;
                } else {
                    record.latest &= !bit;
                }
            }
        }
    }

    /// Whether a link points into a dropped event.
    #[inline]
    pub fn dropped(&self, link: Link) -> bool {
        link != NO_LINK && seq_of(link) < self.base
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
