//! A table keyed by 64-bit hashes whose slot can be loaded into the cache ahead of a lookup: open addressing
//! with linear probing, each key beside its value (one cache line holds both). A std `HashMap` does not say
//! where a key's slot is, so a stream can only start loading it by looking it up, which waits for the memory;
//! this table gives the address from the key alone ([`HashedTable::prefetch`]).
//!
//! Keys are hashes already (the caller's); key 0 marks an empty slot, so a key of 0 is stored as 1 (one more
//! collision in 2^64). The table grows at 7/8 full; removal shifts the probe run back (no tombstones).

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const EMPTY: u64 = 0;

/// A key and its value, side by side: a lookup that finds its key at home loads one line. Aligned so that a
/// slot of up to 32 bytes never straddles two lines.
#[derive(Debug, Clone, Default)]
#[repr(C, align(32))]
struct Slot<V> {
    key: u64,
    value: V,
}

/// The table.
#[derive(Debug, Clone)]
pub struct HashedTable<V> {
    slots: Vec<Slot<V>>,
    len: usize,
    /// `64 - log2(capacity)`: a key's home slot is the top bits of its product with a large odd constant.
    shift: u32,
}

impl<V: Default> Default for HashedTable<V> {
    fn default() -> Self {
        HashedTable { slots: Vec::new(), len: 0, shift: 64 }
    }
}

/// The key as stored: 0 is the empty slot's.
#[inline]
fn stored(key: u64) -> u64 {
    if key == EMPTY {
        1
    } else {
        key
    }
}

impl<V: Default> HashedTable<V> {
    /// Keys held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds no key.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slots allocated.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Bytes of the slots allocated.
    pub fn slot_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot<V>>()
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        // Fibonacci hashing: the product's top bits depend on every bit of the key.
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    #[inline]
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// The slot holding `key`, or the empty slot ending its probe run.
    #[inline]
    fn find(&self, key: u64) -> Result<usize, usize> {
        let mask = self.mask();
        let mut at = self.home(key);
        loop {
            match self.slots[at].key {
                k if k == key => return Ok(at),
                EMPTY => return Err(at),
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// The value of a key.
    #[inline]
    pub fn get(&self, key: u64) -> Option<&V> {
        if self.len == 0 {
            return None;
        }
        self.find(stored(key)).ok().map(|at| &self.slots[at].value)
    }

    /// The value of a key, to change.
    #[inline]
    pub fn get_mut(&mut self, key: u64) -> Option<&mut V> {
        if self.len == 0 {
            return None;
        }
        self.find(stored(key)).ok().map(|at| &mut self.slots[at].value)
    }

    /// The value of a key, made with `new` if the key is new; and whether it was.
    pub fn get_or_insert_with(&mut self, key: u64, new: impl FnOnce() -> V) -> (&mut V, bool) {
        let key = stored(key);
        if (self.len + 1) * 8 > self.slots.len() * 7 {
            self.grow();
        }
        match self.find(key) {
            Ok(at) => (&mut self.slots[at].value, false),
            Err(at) => {
                self.slots[at] = Slot { key, value: new() };
                self.len += 1;
                (&mut self.slots[at].value, true)
            }
        }
    }

    /// Removes a key, returning its value.
    pub fn remove(&mut self, key: u64) -> Option<V> {
        if self.len == 0 {
            return None;
        }
        let mut hole = self.find(stored(key)).ok()?;
        let value = std::mem::take(&mut self.slots[hole].value);
        self.slots[hole].key = EMPTY;
        self.len -= 1;
        // Backward shift: move each later key of the run into the hole if its home is not between the hole
        // and it (cyclically), so that every key stays reachable from its home without tombstones.
        let mask = self.mask();
        let mut at = (hole + 1) & mask;
        while self.slots[at].key != EMPTY {
            let home = self.home(self.slots[at].key);
            let distance_to_hole = hole.wrapping_sub(home) & mask;
            let distance_to_at = at.wrapping_sub(home) & mask;
            if distance_to_hole < distance_to_at {
                // The hole's slot is empty (key EMPTY, default value): swapping moves the entry and leaves
                // the hole at `at`.
                self.slots.swap(hole, at);
                hole = at;
            }
            at = (at + 1) & mask;
        }
        Some(value)
    }

    /// Starts loading the home slot of a key (key and value), where a lookup of it starts. A hint to the
    /// cache; nothing changes.
    #[inline]
    pub fn prefetch(&self, key: u64) {
        if self.slots.is_empty() {
            return;
        }
        crate::features::prefetch(&self.slots[self.home(stored(key))]);
    }

    /// The keys and their values, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &V)> {
        self.slots.iter().filter(|slot| slot.key != EMPTY).map(|slot| (slot.key, &slot.value))
    }

    fn grow(&mut self) {
        let capacity = (self.slots.len() * 2).max(16);
        let fresh = std::iter::repeat_with(|| Slot { key: EMPTY, value: V::default() }).take(capacity).collect();
        let slots = std::mem::replace(&mut self.slots, fresh);
        self.shift = 64 - capacity.trailing_zeros();
        for slot in slots {
            if slot.key != EMPTY {
                // A fresh table of twice the size always has an empty slot for each key.
                let Err(at) = self.find(slot.key) else { unreachable!("keys are distinct") };
                self.slots[at] = slot;
            }
        }
    }
}

/// Written as a map from key to value, as a `HashMap<u64, V>` is (so either reads the other's).
impl<V: Default + Serialize> Serialize for HashedTable<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len))?;
        for (key, value) in self.iter() {
            map.serialize_entry(&key, value)?;
        }
        map.end()
    }
}

impl<'de, V: Default + Deserialize<'de>> Deserialize<'de> for HashedTable<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TableVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Default + Deserialize<'de>> Visitor<'de> for TableVisitor<V> {
            type Value = HashedTable<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map from 64-bit keys to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut table = HashedTable::default();
                while let Some((key, value)) = access.next_entry::<u64, V>()? {
                    *table.get_or_insert_with(key, V::default).0 = value;
                }
                Ok(table)
            }
        }
        deserializer.deserialize_map(TableVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u64, u32),
        Remove(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        // Few distinct keys (so that operations meet), 0 among them, and some far apart.
        let key = prop_oneof![0u64..40, any::<u64>()];
        prop_oneof![(key.clone(), any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)), key.prop_map(Op::Remove)]
    }

    proptest! {
        #[test]
        fn it_agrees_with_a_hash_map(ops in prop::collection::vec(op(), 0..400)) {
            let mut table: HashedTable<u32> = HashedTable::default();
            let mut model: HashMap<u64, u32> = HashMap::new();
            for op in &ops {
                match *op {
                    Op::Insert(key, value) => {
                        let (slot, new) = table.get_or_insert_with(key, || value);
                        // Keys 0 and 1 are one key to the table.
                        prop_assert_eq!(new, !model.contains_key(&stored(key)));
                        *slot = value;
                        model.insert(stored(key), value);
                    }
                    Op::Remove(key) => prop_assert_eq!(table.remove(key), model.remove(&stored(key))),
                }
                prop_assert_eq!(table.len(), model.len());
            }
            for (key, value) in &model {
                prop_assert_eq!(table.get(*key), Some(value));
            }
            prop_assert_eq!(table.get(0), model.get(&1));
            let mut held: Vec<(u64, u32)> = table.iter().map(|(k, v)| (k, *v)).collect();
            held.sort();
            let mut want: Vec<(u64, u32)> = model.iter().map(|(k, v)| (*k, *v)).collect();
            want.sort();
            prop_assert_eq!(held, want);
        }
    }

    #[test]
    fn it_reads_and_writes_the_form_of_a_hash_map() {
        let mut table: HashedTable<u32> = HashedTable::default();
        for key in 1..100u64 {
            *table.get_or_insert_with(key * 7919, || 0).0 = key as u32;
        }
        let json = serde_json::to_string(&table).unwrap();
        let as_map: HashMap<u64, u32> = serde_json::from_str(&json).unwrap();
        assert_eq!(as_map.len(), 99);
        let back: HashedTable<u32> = serde_json::from_str(&serde_json::to_string(&as_map).unwrap()).unwrap();
        assert_eq!(back.len(), 99);
        assert!((1..100u64).all(|key| back.get(key * 7919) == Some(&(key as u32))));
    }
}
