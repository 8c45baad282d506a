//! Shared rows: what reads the same for every caller (people, institutions, positions,
//! sections, the links and media of an article), kept between a node's requests so that a
//! rendered page does not fetch it again. Kept with the response cache on or off, dropped when
//! the epoch ends, and a row read while it ended is not kept (rows are not about time, so the
//! clock's horizon does not concern them). Anything that depends on who asks (articles, which
//! may be drafts) is never kept here. Rows are behind an `Arc`, so that a request can hold one
//! without copying it; they are kept by the loader key's type and the row's id, in one cache.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use super::cache::{Bounded, RowId};
use super::version::ContentVersion;

/// Memory for shared rows (some 20,000 rows).
const SHARED_ROWS_BYTES: u64 = 6 * 1024 * 1024;

/// What a shared row weighs: its value's inline size and the cache's bookkeeping.
fn row_weight<V>() -> u64 {
    std::mem::size_of::<V>() as u64 + 96
}

/// The shared rows of one node.
pub struct SharedRows {
    rows: Bounded<(TypeId, i64), (Arc<dyn Any + Send + Sync>, u64)>,
}

impl Default for SharedRows {
    fn default() -> Self {
        Self {
            rows: Bounded::new(SHARED_ROWS_BYTES, 256, |_, (_, weight)| *weight),
        }
    }
}

impl SharedRows {
    /// Drops every row (the epoch ended).
    pub fn clear(&self) {
        self.rows.clear();
    }

    /// The rows kept of those of `keys`, shared rather than copied.
    pub fn get<K, V>(&self, keys: &[K]) -> Vec<(K, Arc<V>)>
    where
        K: RowId + Eq + Hash + Copy + Send + Sync + 'static,
        V: Send + Sync + 'static,
    {
        let kind = TypeId::of::<K>();
        keys.iter()
            .filter_map(|key| {
                let (row, _) = self.rows.get(&(kind, key.row_id()))?;
                row.downcast::<V>().ok().map(|row| (*key, row))
            })
            .collect()
    }

    /// Keeps rows read from the database in `epoch`, unless it ended since.
    pub fn keep<K, V>(&self, version: &ContentVersion, epoch: u64, values: &HashMap<K, V>)
    where
        K: RowId + Eq + Hash + Copy + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        if values.is_empty() {
            return;
        }
        let kind = TypeId::of::<K>();
        version.keep(epoch, false, || {
            for (key, value) in values {
                let row: Arc<dyn Any + Send + Sync> = Arc::new(value.clone());
                self.rows
                    .insert((kind, key.row_id()), (row, row_weight::<V>()));
            }
        });
    }
}
