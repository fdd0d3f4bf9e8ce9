//! The counterparties one entity has dealt with within the store's memory: per counterparty and side, a
//! link to their latest event together.
//!
//! Most entities deal with tens of counterparties a month, so the table starts as a sorted array of 8-byte
//! entries (binary search; about 8 bytes an entry where a hash table needs 13 to 18); an entity that
//! outgrows [`SMALL_LIMIT`] entries (a merchant, a collection account) moves to a hash table, which keeps
//! each insertion constant-time.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::buffer;
use super::reservoir::Link;

/// Entries kept in the sorted array before the table becomes a hash table.
pub const SMALL_LIMIT: usize = 256;

/// The key of a counterparty on one side: its entity number shifted left once, or'ed with the side.
pub type Key = u32;

/// Counterparty -> latest event link (24 bytes, allocations apart).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[allow(clippy::len_without_is_empty)] // an entity's table, never asked whether empty
pub enum Counterparties {
    /// Sorted by key: the first `len` of `entries` (the rest is spare room).
    Small { entries: Box<[(Key, Link)]>, len: u32 },
    /// Unordered (boxed: few entities have one, and it would make every table 8 bytes larger).
    Large(Box<FxHashMap<Key, Link>>),
}

impl Default for Counterparties {
    fn default() -> Self {
        Counterparties::Small { entries: Box::default(), len: 0 }
    }
}

impl Counterparties {
    /// Sets `key`'s latest link; returns the one it replaces.
    #[inline]
    pub fn insert(&mut self, key: Key, link: Link) -> Option<Link> {
        match self {
            Counterparties::Small { entries, len } => {
                match entries[..*len as usize].binary_search_by_key(&key, |e| e.0) {
                    Ok(i) => Some(std::mem::replace(&mut entries[i].1, link)),
                    Err(i) => {
                        let n = *len as usize;
                        if n >= SMALL_LIMIT {
                            let mut map: FxHashMap<Key, Link> =
                                FxHashMap::with_capacity_and_hasher(n * 2, Default::default());
                            map.extend(entries[..n].iter().copied());
                            map.insert(key, link);
                            *self = Counterparties::Large(Box::new(map));
                        } else {
                            // When full, grow by a sixteenth (at least 4 entries), not double: this table is most
                            // of an entity's memory. The housekeeping gives spare room back at each visit.
                            let spare = (n / 16).max(4) - 1;
                            buffer::splice(entries, len, i..i, &[(key, link)], spare);
                        }
                        None
                    }
                }
            }
            Counterparties::Large(map) => map.insert(key, link),
        }
    }

    /// Asks the CPU to start loading a small table's entries (up to 1 KiB: a binary search would otherwise
    /// wait for one cache line after another).
    #[inline]
    pub fn prefetch(&self) {
        if let Counterparties::Small { entries, len } = self {
            for chunk in entries[..*len as usize].chunks(8).take(16) {
                super::prefetch(&chunk[0]);
            }
        }
    }

    /// `key`'s latest link.
    #[inline]
    pub fn get(&self, key: Key) -> Option<Link> {
        match self {
            Counterparties::Small { entries, len } => {
                let entries = &entries[..*len as usize];
                entries.binary_search_by_key(&key, |e| e.0).ok().map(|i| entries[i].1)
            }
            Counterparties::Large(map) => map.get(&key).copied(),
        }
    }

    /// Keeps the entries whose link passes `keep`, and gives back spare room.
    pub fn retain(&mut self, mut keep: impl FnMut(Link) -> bool) {
        match self {
            Counterparties::Small { entries, len } => {
                let mut kept = 0;
                for i in 0..*len as usize {
                    if keep(entries[i].1) {
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
                    let mut entries: Vec<(Key, Link)> = map.iter().map(|(k, l)| (*k, *l)).collect();
                    entries.sort_unstable_by_key(|e| e.0);
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
            Counterparties::Small { entries, .. } => std::mem::size_of_val::<[(Key, Link)]>(entries),
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

    #[test]
    fn small_and_large_tables_agree_with_a_map() {
        let mut table = Counterparties::default();
        let mut model = std::collections::BTreeMap::new();
        let mut state = 7u32;
        for round in 0..4_000u32 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let key = (state >> 8) % 700;
            assert_eq!(table.insert(key, round), model.insert(key, round), "insert {key}");
            if round % 997 == 0 {
                table.retain(|link| link % 3 != 0);
                model.retain(|_, link| *link % 3 != 0);
            }
            assert_eq!(table.len(), model.len());
        }
        assert!(matches!(table, Counterparties::Large(_)), "outgrew the sorted array");
        for key in 0..800 {
            assert_eq!(table.get(key), model.get(&key).copied());
        }
        table.retain(|link| link < 10);
        model.retain(|_, link| *link < 10);
        assert!(matches!(table, Counterparties::Small { .. }), "shrank back");
        for key in 0..800 {
            assert_eq!(table.get(key), model.get(&key).copied());
        }
        assert!(table.heap_bytes() < 200);
        assert_eq!(table.heap_bytes(), table.len() * 8, "no spare room left after retain");
    }
}
