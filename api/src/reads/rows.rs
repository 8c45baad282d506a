//! The rows one request has prefetched, by loader key. Resolvers read them before they ask the
//! DataLoader (a lookup here is a hash probe; the DataLoader's is a lock, three maps and a
//! channel), and article nodes are rendered straight from them (see `graphql::render`). The maps
//! hash with foldhash: the keys are row ids, and SipHash was a tenth of a rendered list.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use foldhash::fast::RandomState;

use super::loaders::Loaders;

/// What a loader key gave: `None` when it was fetched and there is no such row. Values are
/// shared with the node's shared rows where they came from there, not copied.
type Fetched<K> = HashMap<K, Option<Arc<<Loaders as Loader<K>>::Value>>, RandomState>;

/// Prefetched rows, one map per loader key type.
#[derive(Default)]
pub struct RequestRows {
    by_key_type: HashMap<TypeId, Box<dyn Any + Send>, RandomState>,
}

impl RequestRows {
    fn map<K>(&self) -> Option<&Fetched<K>>
    where
        K: Eq + Hash + Clone + Send + Sync + 'static,
        Loaders: Loader<K>,
    {
        self.by_key_type.get(&TypeId::of::<K>())?.downcast_ref()
    }

    /// What was fetched for `key`: `None` when it never was, `Some(None)` when it was and there
    /// is no such row.
    pub fn get<K>(&self, key: &K) -> Option<Option<&<Loaders as Loader<K>>::Value>>
    where
        K: Eq + Hash + Clone + Send + Sync + 'static,
        Loaders: Loader<K>,
    {
        self.map::<K>()?.get(key).map(Option::as_deref)
    }

    /// The value fetched for `key`, shared, if there is one.
    pub fn get_shared<K>(&self, key: &K) -> Option<Arc<<Loaders as Loader<K>>::Value>>
    where
        K: Eq + Hash + Clone + Send + Sync + 'static,
        Loaders: Loader<K>,
    {
        self.map::<K>()?.get(key)?.clone()
    }

    /// Keeps what was fetched for `key`.
    pub fn keep<K>(&mut self, key: K, value: Option<Arc<<Loaders as Loader<K>>::Value>>)
    where
        K: Eq + Hash + Clone + Send + Sync + 'static,
        Loaders: Loader<K>,
    {
        let map = self
            .by_key_type
            .entry(TypeId::of::<K>())
            .or_insert_with(|| Box::new(Fetched::<K>::default()));
        // The key type fixes the value type, so the map is always of this type.
        if let Some(map) = map.downcast_mut::<Fetched<K>>() {
            map.insert(key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reads::loaders::{MediaOf, PersonById};

    #[test]
    fn tells_unfetched_from_fetched_and_absent() {
        let mut rows = RequestRows::default();
        assert!(rows.get(&MediaOf(1)).is_none());
        rows.keep(MediaOf(1), Some(Arc::new(Vec::new())));
        rows.keep(PersonById(2), None);
        assert_eq!(rows.get(&MediaOf(1)), Some(Some(&Vec::new())));
        assert_eq!(rows.get(&PersonById(2)), Some(None));
        assert!(rows.get(&PersonById(1)).is_none());
        assert!(rows.get(&MediaOf(2)).is_none());
    }
}
