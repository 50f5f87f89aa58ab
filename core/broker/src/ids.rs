//! Small integer ids for nodes and items. The hot paths index vectors with them instead
//! of hashing strings; names are interned once as shared `Arc<str>` so that decision
//! records can name a node or a SKU without allocating.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::Arc;

/// A node's position in the network (the order the nodes were given in).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeIdx(pub(crate) u32);

/// An item's position in the ledger (the order items were first seen in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemIdx(pub(crate) u32);

impl NodeIdx {
    pub(crate) fn at(self) -> usize {
        self.0 as usize
    }
}

impl ItemIdx {
    pub(crate) fn at(self) -> usize {
        self.0 as usize
    }
}

/// Names to dense indices and back. Lookups only: nothing observable iterates the map.
/// Short names (most SKUs and node ids) are stored in the table itself, so a lookup
/// touches one cache line instead of chasing a pointer to the string.
#[derive(Debug, Default, Clone)]
pub(crate) struct Interner {
    ids: HashMap<Key, u32, BuildHasherDefault<FxHasher>>,
    names: Vec<Arc<str>>,
}

impl Interner {
    pub fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(&Key::new(name)).copied()
    }

    pub fn intern(&mut self, name: &str) -> u32 {
        let key = Key::new(name);
        if let Some(id) = self.ids.get(&key) {
            return *id;
        }
        let id = u32::try_from(self.names.len()).expect("fewer than 2^32 names");
        self.names.push(Arc::from(name));
        self.ids.insert(key, id);
        id
    }

    pub fn name(&self, id: u32) -> &Arc<str> {
        &self.names[id as usize]
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }
}

const INLINE: usize = 30;

/// A name, inline when it fits in 30 bytes.
#[derive(Debug, Clone)]
enum Key {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl Key {
    fn new(name: &str) -> Self {
        if name.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..name.len()].copy_from_slice(name.as_bytes());
            Key::Inline { len: name.len() as u8, bytes }
        } else {
            Key::Heap(name.into())
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Key::Inline { len, bytes } => &bytes[..*len as usize],
            Key::Heap(s) => s.as_bytes(),
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write(self.as_bytes());
    }
}

/// The Fx hash (as in rustc): a multiply and a rotate per word. Ids come from our own
/// partners' feeds, and a lookup is on every order line, so speed wins over DoS resistance.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        let mut tail = [0u8; 8];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        let word = u64::from_le_bytes(tail) ^ ((bytes.len() as u64) << 56);
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable_and_dense() {
        let mut names = Interner::default();
        let long = "X".repeat(40);
        assert_eq!(names.intern("B"), 0);
        assert_eq!(names.intern("A"), 1);
        assert_eq!(names.intern(&long), 2);
        assert_eq!(names.intern("B"), 0);
        assert_eq!(names.get("A"), Some(1));
        assert_eq!(names.get(&long), Some(2));
        assert_eq!(names.get("C"), None);
        assert_eq!(names.get(""), None);
        assert_eq!(&**names.name(1), "A");
        assert_eq!(names.len(), 3);
    }

    #[test]
    fn the_hash_tells_lengths_and_tails_apart() {
        let hash = |s: &str| {
            let mut h = FxHasher::default();
            h.write(s.as_bytes());
            h.finish()
        };
        assert_ne!(hash("SKU-1"), hash("SKU-1\0"));
        assert_ne!(hash("ABCDEFGH1"), hash("ABCDEFGH2"));
    }
}
