//! One entity's state: per horizon, the window's tail and aggregates per side; the counterparties it has
//! seen; and its chain's ends.

use rustc_hash::FxHashMap;

use super::reservoir::{Link, NO_LINK};
use super::MAX_HORIZONS;

/// Running aggregates of one side of one window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Aggregate {
    /// Events.
    pub count: u32,
    /// Events whose counterparty was new when they arrived.
    pub new_counterparties: u32,
    /// Distinct counterparties.
    pub distinct: u32,
    /// Sum of amounts.
    pub sum: i64,
    /// Largest amount (valid unless `max_stale`).
    pub max: i64,
    /// The largest amount left the window: recompute `max` by a scan before reading it.
    pub max_stale: bool,
}

/// One horizon's window: its oldest event and the aggregates of both sides.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// The oldest event in the window, or [`NO_LINK`] when empty.
    pub tail: Link,
    /// Per side: out (0) and in (1).
    pub sides: [Aggregate; 2],
}

impl Default for Window {
    fn default() -> Self {
        Window { tail: NO_LINK, sides: [Aggregate::default(); 2] }
    }
}

/// The state of one entity.
#[derive(Debug, Clone)]
pub struct Entity {
    /// Its earliest event time.
    pub first_seen: i64,
    /// Its latest event time (the end of every window).
    pub head_time: i64,
    /// Its latest event (in chain order), or [`NO_LINK`].
    pub head: Link,
    /// The oldest event a late arrival's window can still reach: the window of the longest horizon plus the
    /// lateness bound. Chains are walked from here when a late event is folded in.
    pub anchor: Link,
    /// The latest time of the events the anchor has moved past (`i64::MIN` if none): what a late event's
    /// "time since the previous event" falls back on when nothing nearer precedes it.
    pub before_anchor: i64,
    /// Windows, one per horizon (only the first `horizons` are used).
    pub windows: [Window; MAX_HORIZONS],
    /// Per (counterparty << 1 | side): its latest event with this entity.
    pub counterparties: FxHashMap<u64, Link>,
}

impl Entity {
    /// A new entity, before its first event.
    pub fn new() -> Entity {
        Entity {
            first_seen: i64::MAX,
            head_time: i64::MIN,
            head: NO_LINK,
            anchor: NO_LINK,
            before_anchor: i64::MIN,
            windows: [Window::default(); MAX_HORIZONS],
            counterparties: FxHashMap::default(),
        }
    }

    /// Bytes of state, its counterparty table's allocation included (estimated as hashbrown sizes it: a
    /// power-of-two number of buckets at most 7/8 full, one entry and one control byte per bucket, plus a
    /// group of control bytes).
    pub fn bytes(&self) -> usize {
        let capacity = self.counterparties.capacity();
        let table = if capacity == 0 {
            0
        } else {
            let buckets =
                if capacity < 8 { (capacity + 1).next_power_of_two() } else { (capacity * 8 / 7).next_power_of_two() };
            buckets * (std::mem::size_of::<(u64, Link)>() + 1) + 16
        };
        std::mem::size_of::<Entity>() + table
    }
}
