//! Exact sliding-window features over event time, per entity, at several horizons at once.
//!
//! The design follows Feedzai's Railgun (VLDB 2021): every event is stored once, in a reservoir
//! in arrival order, and each entity keeps only aggregates per horizon plus pointers into its own chain of
//! events (linked through the reservoir in event-time order). When an entity is touched at time `t`, its
//! window for horizon `H` is made exactly `(t - H, t]`: events at or before `t - H` are walked off the tail and
//! subtracted. Nothing is bucketed or approximated.
//!
//! Late events (event time before the entity's latest) are folded in exactly as long as they are at most
//! [`WindowConfig::max_lateness`] behind the latest event time seen; their own features are computed by
//! scanning the entity's chain over the window, and they are inserted into the chain in time order so that
//! later windows include them. Events later than that are refused ([`FeatureError::TooLate`]).
//!
//! Definitions (each window is `(t - H, t]` and contains the events that arrived before, plus the current
//! one):
//! - per side (`out`: the entity pays or initiates; `in`: it is paid): count, sum (of the amount the caller
//!   gives, in one base currency's minor units), max, distinct counterparties (the other side's account) and
//!   the number of events whose counterparty was *new* when it arrived: not seen with this entity and side in
//!   the [`WindowConfig::memory`] before it (by default 30 days, at least the longest horizon); max only for
//!   the horizons and sides in [`WindowConfig::maxima`] (else 0);
//! - per entity: first seen, time since its previous event (dormancy).

mod buffer;
mod counterparties;
mod entity;
mod maxima;
mod reservoir;
mod store;

pub use reservoir::MAX_HELD;
pub use store::{
    EntityFeatures, EntityKind, EventKeys, FeatureError, FeatureStore, MemoryReport, Prepared, Role, Side,
    SideFeatures, Snapshot, WindowConfig, MAX_ENTITIES,
};

/// The most horizons a store tracks at once.
pub const MAX_HORIZONS: usize = 5;

/// Asks the CPU to start loading a value's cache lines: the entities of an event are scattered over memory
/// and each spans several lines, so loading them all at once instead of one after another saves most of the
/// waiting.
#[inline(always)]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        let start = value as *const T as *const i8;
        let mut offset = 0;
        while offset < std::mem::size_of::<T>() {
            // SAFETY: a prefetch is a hint: it reads nothing the program sees and cannot fault; the addresses
            // lie within `value`.
            unsafe { std::arch::x86_64::_mm_prefetch(start.wrapping_add(offset), std::arch::x86_64::_MM_HINT_T0) };
            offset += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
