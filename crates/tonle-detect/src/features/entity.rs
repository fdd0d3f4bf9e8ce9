//! One entity's state: per horizon, the window's tail and running counts per side; the maxima kept; the
//! counterparties it has dealt with; and its chain's ends.

use super::counterparties::Counterparties;
use super::maxima::MaxQueues;
use super::reservoir::{Link, NO_LINK};
use super::MAX_HORIZONS;
use serde::{Deserialize, Serialize};

/// Running counts of one horizon's window, per side (out 0, in 1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Sum of amounts.
    pub sum: [i64; 2],
    /// Events.
    pub count: [u32; 2],
    /// Distinct counterparties.
    pub distinct: [u32; 2],
    /// Events whose counterparty was new when they arrived.
    pub new_counterparties: [u32; 2],
}

/// The state of one entity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entity {
    /// Its earliest event time.
    pub first_seen: i64,
    /// Its latest event time (the end of every window).
    pub head_time: i64,
    /// The latest time of the events the anchor has moved past (`i64::MIN` if none): what a late event's
    /// "time since the previous event" falls back on when nothing nearer precedes it.
    pub before_anchor: i64,
    /// Its latest event (in chain order), or [`NO_LINK`] (also once that event is dropped).
    pub head: Link,
    /// Where chains are walked from when a late event is folded in: an event at or before the oldest one a
    /// late arrival's window or memory can reach (housekeeping moves it forward), or [`NO_LINK`].
    pub anchor: Link,
    /// Per horizon: the oldest event in the window, or [`NO_LINK`] when it is empty.
    pub tails: [Link; MAX_HORIZONS],
    /// Per horizon: a lower bound of the tail's time in whole seconds since 1970 (see [`seconds_floor`]), so
    /// that a window with nothing to expire is seen to have none without loading its tail.
    pub tail_bounds: [u32; MAX_HORIZONS],
    /// Per horizon: the window's counts (only the first `horizons` are used).
    pub windows: [Window; MAX_HORIZONS],
    /// Per side, the candidates for the maxima the store keeps (over the side's longest kept horizon).
    pub maxima: MaxQueues,
    /// Per counterparty and side: its latest event with this entity.
    pub counterparties: Counterparties,
}

impl Entity {
    /// A new entity, before its first event.
    pub fn new() -> Entity {
        Entity {
            first_seen: i64::MAX,
            head_time: i64::MIN,
            before_anchor: i64::MIN,
            head: NO_LINK,
            anchor: NO_LINK,
            tails: [NO_LINK; MAX_HORIZONS],
            tail_bounds: [0; MAX_HORIZONS],
            windows: [Window::default(); MAX_HORIZONS],
            maxima: MaxQueues::default(),
            counterparties: Counterparties::default(),
        }
    }

    /// Bytes of state, allocations included.
    pub fn bytes(&self) -> usize {
        std::mem::size_of::<Entity>() + self.counterparties.heap_bytes() + self.maxima.heap_bytes()
    }
}

/// A time (UTC ms) as whole seconds since 1970, rounded down and clamped to `u32`: never later than the time,
/// so `seconds_floor(t) * 1000 > start` proves `t > start`.
#[inline]
pub fn seconds_floor(millis: i64) -> u32 {
    millis.div_euclid(1000).clamp(0, u32::MAX as i64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_sizes() {
        // The fixed part of every entity's state: a change here shows in the memory figures.
        assert_eq!(std::mem::size_of::<Counterparties>(), 24);
        assert_eq!(std::mem::size_of::<MaxQueues>(), 32);
        assert_eq!(std::mem::size_of::<Entity>(), 328);
    }
}
