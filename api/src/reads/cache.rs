//! The one cache type behind everything a node keeps in memory: rendered responses, kept reads,
//! shared rows, parsed documents, persisted queries, Markdown renderings. Each is bounded by
//! weight (about its bytes) and evicts by use, not by emptying itself when full: quick_cache's
//! policy (CLOCK-Pro, close to S3-FIFO) admits a new entry cold and keeps an entry that is read
//! again, so a flood of one-off requests larger than the cache passes through it and leaves the
//! entries read several times in place.

use std::hash::Hash;

use quick_cache::{Equivalent, OptionsBuilder, Weighter};

/// The id of the row a loader key names (every key is one row's, or the one row of its kind's):
/// shared rows of every kind are kept in one cache, by the key's type and this id.
pub trait RowId {
    /// The row's id.
    fn row_id(&self) -> i64;
}

/// How much an entry weighs, in about bytes (never 0: a weightless entry would never leave).
#[derive(Clone)]
pub struct ByWeight<K, V>(fn(&K, &V) -> u64);

impl<K, V> Weighter<K, V> for ByWeight<K, V> {
    fn weight(&self, key: &K, value: &V) -> u64 {
        (self.0)(key, value).max(1)
    }
}

type Inner<K, V> = quick_cache::sync::Cache<
    K,
    V,
    ByWeight<K, V>,
    foldhash::fast::RandomState,
    quick_cache::sync::DefaultLifecycle<K, V>,
>;

/// A bounded, use-aware cache of `V` by `K`. Values are cloned out: keep them behind an `Arc`.
pub struct Bounded<K, V> {
    /// `None` when the capacity is 0 (the cache is off).
    entries: Option<Inner<K, V>>,
    capacity: u64,
}

impl<K: Eq + Hash + Clone, V: Clone> Bounded<K, V> {
    /// A cache of at most `capacity` in weight, whose entries weigh about `typical` each (a hint
    /// for its layout), weighed by `weigh`. A capacity of 0 keeps nothing.
    pub fn new(capacity: u64, typical: u64, weigh: fn(&K, &V) -> u64) -> Self {
        Self::with_shards(capacity, typical, weigh, None)
    }

    /// The same for a small cache used from few threads at once: one shard, so that an entry
    /// may weigh up to the whole capacity.
    pub fn small(capacity: u64, typical: u64, weigh: fn(&K, &V) -> u64) -> Self {
        Self::with_shards(capacity, typical, weigh, Some(1))
    }

    fn with_shards(
        capacity: u64,
        typical: u64,
        weigh: fn(&K, &V) -> u64,
        shards: Option<usize>,
    ) -> Self {
        let items = usize::try_from(capacity / typical.max(1))
            .unwrap_or(usize::MAX)
            .max(1);
        let mut options = OptionsBuilder::new();
        options
            .estimated_items_capacity(items)
            .weight_capacity(capacity);
        if let Some(shards) = shards {
            options.shards(shards);
        }
        let entries = (capacity > 0)
            .then(|| options.build().ok())
            .flatten()
            .map(|options| {
                Inner::with_options(
                    options,
                    ByWeight(weigh),
                    foldhash::fast::RandomState::default(),
                    quick_cache::sync::DefaultLifecycle::default(),
                )
            });
        Self { entries, capacity }
    }

    /// The value kept for `key`, if any (and the entry counts as used).
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.entries.as_ref()?.get(key)
    }

    /// Keeps `value` for `key`, making room by use; an entry heavier than the cache can hold is
    /// not kept.
    pub fn insert(&self, key: K, value: V) {
        if let Some(entries) = &self.entries {
            entries.insert(key, value);
        }
    }

    /// Drops every entry.
    pub fn clear(&self) {
        if let Some(entries) = &self.entries {
            entries.clear();
        }
    }

    /// Entries kept.
    pub fn len(&self) -> usize {
        self.entries.as_ref().map_or(0, Inner::len)
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Weight kept.
    pub fn weight(&self) -> u64 {
        self.entries.as_ref().map_or(0, Inner::weight)
    }

    /// Whether it keeps anything at all (a capacity above 0).
    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// The capacity it was made with.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }
}

impl<K, V> std::fmt::Debug for Bounded<K, V> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Bounded")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_one_off_entries_leaves_an_entry_read_often_in_place() {
        let cache: Bounded<u32, u32> = Bounded::new(100_000, 1_000, |_, _| 1_000);
        cache.insert(0, 0);
        for _ in 0..3 {
            assert_eq!(cache.get(&0), Some(0));
        }
        // Ten times the cache, each entry once.
        for key in 1..1_000 {
            cache.insert(key, key);
        }
        assert_eq!(
            cache.get(&0),
            Some(0),
            "the entry read three times is still there"
        );
        assert!(
            cache.weight() <= 100_000,
            "the cache stays within its bounds"
        );
        assert!(cache.len() < 1_000, "one-off entries passed through");
    }

    #[test]
    fn a_cache_of_no_capacity_keeps_nothing() {
        let cache: Bounded<u32, u32> = Bounded::new(0, 1, |_, _| 1);
        cache.insert(1, 1);
        assert_eq!(cache.get(&1), None);
        assert!(!cache.enabled());
    }
}
