//! Growable arrays kept as a boxed slice, whose length is the capacity, and a 32-bit length held apart: the
//! slice takes 16 bytes and the length can share an entity's padding, where a `Vec` takes 24. Growth and
//! trimming are exact, as the callers choose.

use std::ops::Range;

/// Replaces `buf[range]` (within the first `len` elements) by `items`; when the result outgrows the
/// capacity, the array is moved to a new one with room for `spare` more elements.
#[inline]
pub fn splice<T: Copy + Default>(buf: &mut Box<[T]>, len: &mut u32, range: Range<usize>, items: &[T], spare: usize) {
    let old_len = *len as usize;
    debug_assert!(range.start <= range.end && range.end <= old_len);
    let new_len = old_len - range.len() + items.len();
    let tail = range.start + items.len();
    if new_len > buf.len() {
        let mut grown = vec![T::default(); new_len + spare].into_boxed_slice();
        grown[..range.start].copy_from_slice(&buf[..range.start]);
        grown[tail..new_len].copy_from_slice(&buf[range.end..old_len]);
        *buf = grown;
    } else if range.end != tail {
        buf.copy_within(range.end..old_len, tail);
    }
    buf[range.start..tail].copy_from_slice(items);
    *len = new_len as u32;
}

/// Gives back the room beyond the first `len` elements.
pub fn trim<T: Copy>(buf: &mut Box<[T]>, len: u32) {
    if buf.len() > len as usize {
        *buf = buf[..len as usize].into();
    }
}

/// When more than `most` elements beyond the first `len` are spare, gives back all but `keep` of them.
#[inline]
pub fn give_back<T: Copy + Default>(buf: &mut Box<[T]>, len: u32, most: usize, keep: usize) {
    let len = len as usize;
    if buf.len() > len + most {
        let mut kept = vec![T::default(); len + keep].into_boxed_slice();
        kept[..len].copy_from_slice(&buf[..len]);
        *buf = kept;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_agree_with_a_vec() {
        let (mut buf, mut len): (Box<[u32]>, u32) = (Box::default(), 0);
        let mut model: Vec<u32> = Vec::new();
        let mut state = 5u64;
        for round in 0..3_000u32 {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let at = (state >> 33) as usize % (model.len() + 1);
            let end = (at + (state >> 50) as usize % 4).min(model.len());
            let items: Vec<u32> = (0..(state >> 20) as u32 % 4).map(|i| round * 4 + i).collect();
            splice(&mut buf, &mut len, at..end, &items, (state >> 10) as usize % 3);
            model.splice(at..end, items);
            assert_eq!(&buf[..len as usize], &model[..], "round {round}");
            if round % 100 == 0 {
                trim(&mut buf, len);
                assert_eq!(buf.len(), model.len());
            } else if round % 10 == 0 {
                let spare = buf.len() - len as usize;
                give_back(&mut buf, len, 2, 1);
                assert_eq!(buf.len() - len as usize, if spare > 2 { 1 } else { spare });
            }
        }
    }
}
