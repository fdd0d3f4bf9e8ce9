//! The counterparties one entity has dealt with within the store's memory: per counterparty and side, a
//! link to their latest event together.
//!
//! Most entities deal with tens of counterparties a month, so the table starts as an array of 6-byte
//! entries sorted by a 16-bit tag of the counterparty's key, each with its link (binary search on the tags).
//! The key itself is not stored: the linked event names the counterparty (its accounts and the link's slot),
//! so a lookup confirms a matching tag by reading that event, which the caller reads anyway when the
//! counterparty is found; two counterparties of one entity share a tag about once in 65,536. A link to an
//! event the reservoir has dropped cannot be confirmed: such an entry only says that its counterparty was
//! seen before the memory began, which is what finding nothing says too, so a lookup treats it as empty
//! and an insertion with its tag reuses it. An entity that outgrows [`SMALL_LIMIT`] entries (a merchant, a
//! collection account) moves to a hash table keyed in full, which keeps each insertion constant-time.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::buffer;
use super::reservoir::Link;

/// Entries kept in the sorted array before the table becomes a hash table.
pub const SMALL_LIMIT: usize = 256;

/// The key of a counterparty on one side: its entity number shifted left once, or'ed with the side.
pub type Key = u32;

/// One entry of the sorted array: the key's tag, then the link's low and high halves (6 bytes, where a
/// key and a link take 8).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry([u16; 3]);

impl Entry {
    #[inline]
    fn new(tag: u16, link: Link) -> Entry {
        Entry([tag, link as u16, (link >> 16) as u16])
    }

    #[inline]
    fn tag(self) -> u16 {
        self.0[0]
    }

    #[inline]
    fn link(self) -> Link {
        self.0[1] as u32 | (self.0[2] as u32) << 16
    }
}

/// A key's 16-bit tag (the high half of a multiplicative hash, so that neighbouring entity numbers spread).
#[inline]
fn tag_of(key: Key) -> u16 {
    (key.wrapping_mul(0x9E37_79B1) >> 16) as u16
}

/// Counterparty -> latest event link (24 bytes, allocations apart).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[allow(clippy::len_without_is_empty)] // an entity's table, never asked whether empty
pub enum Counterparties {
    /// Sorted by tag: the first `len` of `entries` (the rest is spare room).
    Small { entries: Box<[Entry]>, len: u32 },
    /// Unordered, keyed in full (boxed: few entities have one, and it would make every table 8 bytes larger).
    Large(Box<FxHashMap<Key, Link>>),
}

impl Default for Counterparties {
    fn default() -> Self {
        Counterparties::Small { entries: Box::default(), len: 0 }
    }
}

/// Where a key is, or would go, in a sorted array.
enum Found {
    /// At this index.
    At(usize),
    /// Not there; this index holds a link to a dropped event with the key's tag, which may be replaced.
    Stale(usize),
    /// Not there; it would be inserted at this index.
    Missing(usize),
}

/// Finds `key` among `entries` (sorted by tag); `key_of` gives the key of a link's event, `None` if dropped.
#[inline]
fn find(entries: &[Entry], key: Key, key_of: impl Fn(Link) -> Option<Key>) -> Found {
    let tag = tag_of(key);
    let start = entries.partition_point(|e| e.tag() < tag);
    let mut stale = None;
    for (i, entry) in entries.iter().enumerate().skip(start) {
        if entry.tag() != tag {
            break;
        }
        match key_of(entry.link()) {
            Some(found) if found == key => return Found::At(i),
            None => stale = Some(i),
            Some(_) => {}
        }
    }
    stale.map_or(Found::Missing(start), Found::Stale)
}

impl Counterparties {
    /// Sets `key`'s latest link; returns the one it replaces (`None` also when that link's event was
    /// dropped). `key_of` gives the key of a link's event (`None` if dropped).
    #[inline]
    pub fn insert(&mut self, key: Key, link: Link, key_of: impl Fn(Link) -> Option<Key>) -> Option<Link> {
        match self {
            Counterparties::Small { entries, len } => {
                let n = *len as usize;
                match find(&entries[..n], key, &key_of) {
                    Found::At(i) => {
                        let previous = entries[i].link();
                        entries[i] = Entry::new(tag_of(key), link);
                        Some(previous)
                    }
                    Found::Stale(i) => {
                        entries[i] = Entry::new(tag_of(key), link);
                        None
                    }
                    Found::Missing(i) => {
                        if n >= SMALL_LIMIT {
                            let mut map: FxHashMap<Key, Link> =
                                FxHashMap::with_capacity_and_hasher(n * 2, Default::default());
                            for entry in &entries[..n] {
                                if let Some(held) = key_of(entry.link()) {
                                    map.insert(held, entry.link());
                                }
                            }
                            map.insert(key, link);
                            *self = Counterparties::Large(Box::new(map));
                        } else {
                            // When full, grow by a sixteenth (at least 4 entries), not double: this table is most
                            // of an entity's memory. The housekeeping gives spare room back at each visit.
                            let spare = (n / 16).max(4) - 1;
                            buffer::splice(entries, len, i..i, &[Entry::new(tag_of(key), link)], spare);
                        }
                        None
                    }
                }
            }
            Counterparties::Large(map) => map.insert(key, link).filter(|l| key_of(*l).is_some()),
        }
    }

    /// Asks the CPU to start loading a small table's entries (up to 1 KiB: a binary search would otherwise
    /// wait for one cache line after another).
    #[inline]
    pub fn prefetch(&self) {
        if let Counterparties::Small { entries, len } = self {
            let entries = &entries[..*len as usize];
            // About ten 6-byte entries to a 64-byte line.
            for chunk in entries.chunks(10).take(16) {
                super::prefetch(&chunk[0]);
            }
        }
    }

    /// The links whose tag is `key`'s, without reading their events: candidates to start loading ahead of
    /// [`Counterparties::insert`] or [`Counterparties::get`] (of a hash table, the key's link itself).
    #[inline]
    pub fn candidates(&self, key: Key, mut each: impl FnMut(Link)) {
        match self {
            Counterparties::Small { entries, len } => {
                let entries = &entries[..*len as usize];
                let tag = tag_of(key);
                let start = entries.partition_point(|e| e.tag() < tag);
                for entry in entries[start..].iter().take_while(|e| e.tag() == tag) {
                    each(entry.link());
                }
            }
            Counterparties::Large(map) => {
                if let Some(link) = map.get(&key) {
                    each(*link);
                }
            }
        }
    }

    /// `key`'s latest link (`None` also when its event was dropped).
    #[inline]
    pub fn get(&self, key: Key, key_of: impl Fn(Link) -> Option<Key>) -> Option<Link> {
        match self {
            Counterparties::Small { entries, len } => match find(&entries[..*len as usize], key, key_of) {
                Found::At(i) => Some(entries[i].link()),
                Found::Stale(_) | Found::Missing(_) => None,
            },
            Counterparties::Large(map) => map.get(&key).copied().filter(|l| key_of(*l).is_some()),
        }
    }

    /// Keeps the entries whose link passes `keep`, and gives back spare room; `key_of` as for
    /// [`Counterparties::insert`], read when a hash table shrinks back to an array.
    pub fn retain(&mut self, mut keep: impl FnMut(Link) -> bool, key_of: impl Fn(Link) -> Option<Key>) {
        match self {
            Counterparties::Small { entries, len } => {
                let mut kept = 0;
                for i in 0..*len as usize {
                    if keep(entries[i].link()) {
                        entries[kept] = entries[i];
                        kept += 1;
                    }
                }
                *len = kept as u32;
                buffer::trim(entries, *len);
            }
            Counterparties::Large(map) => {
                map.retain(|_, link| keep(*link));
                if map.len() < SMALL_LIMIT / 2 {
                    let mut entries: Vec<Entry> = map
                        .iter()
                        .filter(|(_, link)| key_of(**link).is_some())
                        .map(|(key, link)| Entry::new(tag_of(*key), *link))
                        .collect();
                    entries.sort_unstable_by_key(|e| e.tag());
                    let len = entries.len() as u32;
                    *self = Counterparties::Small { entries: entries.into_boxed_slice(), len };
                } else if map.capacity() > map.len() * 4 {
                    map.shrink_to_fit();
                }
            }
        }
    }

    /// Entries.
    pub fn len(&self) -> usize {
        match self {
            Counterparties::Small { len, .. } => *len as usize,
            Counterparties::Large(map) => map.len(),
        }
    }

    /// Bytes allocated beyond the value itself (a hash table sized as hashbrown sizes it: its own value, a
    /// power-of-two number of buckets at most 7/8 full, one entry and one control byte per bucket, plus a
    /// group of control bytes).
    pub fn heap_bytes(&self) -> usize {
        match self {
            Counterparties::Small { entries, .. } => std::mem::size_of_val::<[Entry]>(entries),
            Counterparties::Large(map) => {
                let capacity = map.capacity();
                let table = std::mem::size_of::<FxHashMap<Key, Link>>();
                if capacity == 0 {
                    return table;
                }
                let buckets = if capacity < 8 {
                    (capacity + 1).next_power_of_two()
                } else {
                    (capacity * 8 / 7).next_power_of_two()
                };
                table + buckets * (std::mem::size_of::<(Key, Link)>() + 1) + 16
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashMap};

    /// Keys that share a tag with another key, so that confirming by the event is exercised.
    fn keys_with_shared_tags(count: usize) -> Vec<Key> {
        let mut by_tag: HashMap<u16, Vec<Key>> = HashMap::new();
        let mut keys = Vec::new();
        for key in 0..2_000_000u32 {
            let same = by_tag.entry(tag_of(key)).or_default();
            same.push(key);
            if same.len() == 2 {
                keys.extend(same.iter().copied());
                if keys.len() >= count {
                    break;
                }
            }
        }
        keys
    }

    #[test]
    fn small_and_large_tables_agree_with_a_map_of_held_links() {
        let mut pool: Vec<Key> = keys_with_shared_tags(40);
        pool.extend(1_000..1_660);
        // The "reservoir": link -> the key of its event; links below `dropped` are no longer held.
        let mut events: Vec<Key> = Vec::new();
        let mut dropped = 0u32;
        let mut table = Counterparties::default();
        let mut model: BTreeMap<Key, Link> = BTreeMap::new();
        let mut state = 7u32;
        let mut was_large = false;
        for round in 0..6_000u32 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let key = pool[(state >> 8) as usize % pool.len()];
            let link = events.len() as Link;
            events.push(key);
            let (events_now, dropped_now) = (&events, dropped);
            let key_of = |l: Link| (l >= dropped_now).then(|| events_now[l as usize]);
            let held = |l: &Link| *l >= dropped_now;
            let expected = model.insert(key, link).filter(held);
            assert_eq!(table.insert(key, link, key_of), expected, "insert {key} at {round}");
            if round % 997 == 0 {
                // The reservoir drops its oldest events; the housekeeping then forgets links to them.
                dropped = round.saturating_sub(300);
                let key_of = |l: Link| (l >= dropped).then(|| events[l as usize]);
                table.retain(|l| l >= dropped, key_of);
                model.retain(|_, l| *l >= dropped);
                assert_eq!(table.len(), model.len(), "after retain at {round}");
            } else if round % 331 == 0 {
                // Dropped without a visit yet: the table holds stale links until the next retain.
                dropped = round.saturating_sub(600).max(dropped);
            }
            was_large |= matches!(table, Counterparties::Large(_));
            let key_of = |l: Link| (l >= dropped).then(|| events[l as usize]);
            for probe in pool.iter().step_by(7) {
                assert_eq!(
                    table.get(*probe, key_of),
                    model.get(probe).copied().filter(|l| *l >= dropped),
                    "get {probe} at {round}"
                );
            }
        }
        assert!(was_large, "outgrew the sorted array");
        dropped = events.len() as u32 - 20;
        let key_of = |l: Link| (l >= dropped).then(|| events[l as usize]);
        table.retain(|l| l >= dropped, key_of);
        model.retain(|_, l| *l >= dropped);
        assert!(matches!(table, Counterparties::Small { .. }), "shrank back");
        for key in &pool {
            assert_eq!(table.get(*key, key_of), model.get(key).copied());
        }
        assert_eq!(table.heap_bytes(), table.len() * 6, "no spare room left after retain");
    }

    #[test]
    fn candidates_include_the_keys_link() {
        let keys = keys_with_shared_tags(2);
        let mut table = Counterparties::default();
        let key_of = |l: Link| Some(keys[l as usize]);
        table.insert(keys[0], 0, key_of);
        table.insert(keys[1], 1, key_of);
        let mut seen = Vec::new();
        table.candidates(keys[1], |l| seen.push(l));
        seen.sort_unstable();
        assert_eq!(seen, vec![0, 1], "both share the tag");
        assert_eq!(table.get(keys[1], key_of), Some(1));
        assert_eq!(table.get(keys[0], key_of), Some(0));
    }
}
