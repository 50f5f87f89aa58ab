//! Small integer ids for nodes and items. The hot paths index vectors with them instead
//! of hashing strings; names are interned once as shared `Arc<str>` so that decision
//! records can name a node or a SKU without allocating.

use std::collections::HashMap;
use std::sync::Arc;

/// A node's position in the network (the order the nodes were given in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
#[derive(Debug, Default, Clone)]
pub(crate) struct Interner {
    ids: HashMap<Arc<str>, u32>,
    names: Vec<Arc<str>>,
}

impl Interner {
    pub fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = u32::try_from(self.names.len()).expect("fewer than 2^32 names");
        let name: Arc<str> = Arc::from(name);
        self.names.push(name.clone());
        self.ids.insert(name, id);
        id
    }

    pub fn name(&self, id: u32) -> &Arc<str> {
        &self.names[id as usize]
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable_and_dense() {
        let mut names = Interner::default();
        assert_eq!(names.intern("B"), 0);
        assert_eq!(names.intern("A"), 1);
        assert_eq!(names.intern("B"), 0);
        assert_eq!(names.get("A"), Some(1));
        assert_eq!(names.get("C"), None);
        assert_eq!(&**names.name(1), "A");
        assert_eq!(names.len(), 2);
    }
}
