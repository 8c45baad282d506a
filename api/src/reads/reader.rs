//! One request's reader, used alike by GraphQL and REST. It owns the lookup chain a row goes
//! through, nearest first:
//! 1. the rows this request has read already ([`RequestRows`]; a hash probe);
//! 2. the request's DataLoader, which batches the keys sibling resolvers ask for at once (only
//!    for [`Reader::load`] and [`Reader::load_many`]; a prefetch knows its keys up front and
//!    skips its batching window);
//! 3. the rows every caller shares ([`super::shared`]), when the request may use them;
//! 4. the reads kept for callers who see the same articles ([`super::kept`]);
//! 5. the database.
//!
//! Steps 3 and 4 are taken only by a request that writes nothing, and only once the node's
//! content version is at least as new as the caller may expect ([`Reader::for_reading`]).

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sea_orm::DatabaseConnection;

use super::loaders::{self, Loaders, RowKey, SharedScope};
use super::rows::RequestRows;
use super::sections::SectionTree;
use super::{Reads, Viewer};
use crate::error::AppError;

/// The value a loader key gives.
pub type Value<K> = <Loaders as Loader<K>>::Value;

/// What one request reads, and how.
pub struct Reader {
    db: DatabaseConnection,
    viewer: Viewer,
    loader: DataLoader<Loaders, HashMapCache>,
    rows: Mutex<RequestRows>,
    /// Whether rows read are kept for the rest of the request (not on a websocket, whose reads
    /// outlive any write).
    keeps_rows: bool,
    /// What the node keeps, when this request may use it.
    kept: Option<Arc<Reads>>,
}

impl Reader {
    /// A reader for `viewer`; with `shared`, it reads through what the node keeps (give it only
    /// to a request that writes nothing, after [`super::version::ContentVersion::may_share`]).
    pub fn new(db: DatabaseConnection, viewer: Viewer, shared: Option<Arc<Reads>>) -> Self {
        let loader = loaders::request_loader(db.clone(), viewer.clone(), shared.clone());
        Self {
            db,
            viewer,
            loader,
            rows: Mutex::default(),
            keeps_rows: true,
            kept: shared,
        }
    }

    /// A reader for a request that writes nothing: it reads through what the node keeps unless
    /// the node cannot tell where the change log stands (`position_read`: the caller's
    /// credentials read it already).
    pub async fn for_reading(
        db: DatabaseConnection,
        reads: &Arc<Reads>,
        viewer: Viewer,
        position_read: bool,
    ) -> Self {
        let shared = reads
            .version
            .may_share(&db, viewer.identity().is_some(), position_read)
            .await
            .then(|| reads.clone());
        Self::new(db, viewer, shared)
    }

    /// The same reader with nothing kept between reads: for a websocket connection, which
    /// lives long, so that nothing is served from a stale copy.
    pub fn uncached(mut self) -> Self {
        self.loader.enable_all_cache(false);
        self.keeps_rows = false;
        self.kept = None;
        self
    }

    /// Who reads.
    pub fn viewer(&self) -> &Viewer {
        &self.viewer
    }

    /// The pool.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// What the node keeps of its reads (list pages and totals, articles by slug), when this
    /// request may read and fill it.
    pub fn kept(&self) -> Option<&Reads> {
        self.kept.as_deref()
    }

    /// The rows this request has read.
    pub fn rows(&self) -> Result<MutexGuard<'_, RequestRows>, AppError> {
        self.rows
            .lock()
            .map_err(|_| AppError::Internal("the request's rows are poisoned".into()))
    }

    /// One value: from the request's rows, else through the DataLoader.
    pub async fn load<K>(&self, key: K) -> Result<Option<Value<K>>, Arc<AppError>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        Loaders: Loader<K, Error = Arc<AppError>>,
    {
        if let Some(value) = self.rows()?.get(&key) {
            return Ok(value.cloned());
        }
        self.loader.load_one(key).await
    }

    /// Many values: from the request's rows, the rest through the DataLoader, in one batch.
    pub async fn load_many<K>(&self, keys: Vec<K>) -> Result<HashMap<K, Value<K>>, Arc<AppError>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        Loaders: Loader<K, Error = Arc<AppError>>,
    {
        let mut values = HashMap::with_capacity(keys.len());
        let mut rest = Vec::new();
        {
            let rows = self.rows()?;
            for key in keys {
                match rows.get(&key) {
                    Some(Some(value)) => {
                        values.insert(key, value.clone());
                    }
                    Some(None) => {}
                    None => rest.push(key),
                }
            }
        }
        if !rest.is_empty() {
            values.extend(self.loader.load_many(rest).await?);
        }
        Ok(values)
    }

    /// Keeps rows read some other way (a list of children) as if fetched for `K`.
    pub fn keep_rows<K>(
        &self,
        rows: impl IntoIterator<Item = (K, Value<K>)>,
    ) -> Result<(), AppError>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        Loaders: Loader<K, Error = Arc<AppError>>,
    {
        if self.keeps_rows {
            let mut kept = self.rows()?;
            for (key, value) in rows {
                kept.keep(key, Some(Arc::new(value)));
            }
        }
        Ok(())
    }

    /// Many values at once, straight from the loader (no batching window to wait for), kept in
    /// the request's rows: for prefetching, where every key is known up front. With
    /// `values_wanted`, returns them (shared, not copied); otherwise nothing.
    pub async fn prefetch<K>(
        &self,
        keys: Vec<K>,
        values_wanted: bool,
    ) -> Result<HashMap<K, Arc<Value<K>>>, AppError>
    where
        K: Send + Sync + Hash + Eq + Copy + SharedScope + 'static,
        Loaders: Loader<K, Error = Arc<AppError>>,
    {
        let mut values = HashMap::new();
        let mut fresh = Vec::new();
        {
            let rows = self.rows()?;
            let mut seen = HashSet::with_capacity(keys.len());
            for key in keys {
                match rows.get(&key) {
                    // Already read: answered without a statement.
                    Some(Some(_)) if values_wanted => {
                        if let Some(value) = rows.get_shared(&key) {
                            values.insert(key, value);
                        }
                    }
                    Some(_) => {}
                    None if seen.insert(key) => fresh.push(key),
                    None => {}
                }
            }
        }
        if fresh.is_empty() {
            return Ok(values);
        }
        let loader = self.loader.loader();
        if !self.keeps_rows {
            let fetched = loader.load(&fresh).await.map_err(owned)?;
            if values_wanted {
                values.extend(
                    fetched
                        .into_iter()
                        .map(|(key, value)| (key, Arc::new(value))),
                );
            }
            return Ok(values);
        }
        // Rows every caller sees alike come from the node's shared rows as they are (no copy).
        let shared = loader.shared_arcs(&fresh);
        let rest: Vec<K> = if shared.is_empty() {
            fresh
        } else {
            let found: HashSet<K> = shared.iter().map(|(key, _)| *key).collect();
            fresh
                .into_iter()
                .filter(|key| !found.contains(key))
                .collect()
        };
        let mut fetched = if rest.is_empty() {
            HashMap::new()
        } else {
            loader.load(&rest).await.map_err(owned)?
        };
        let mut rows = self.rows()?;
        for (key, value) in shared {
            if values_wanted {
                values.insert(key, value.clone());
            }
            rows.keep(key, Some(value));
        }
        for key in rest {
            let value = fetched.remove(&key).map(Arc::new);
            if values_wanted && let Some(value) = &value {
                values.insert(key, value.clone());
            }
            rows.keep(key, value);
        }
        Ok(values)
    }

    /// The values of the rows with `ids` through the loader of `K`, by id (see
    /// [`Self::prefetch`]).
    pub async fn by_ids<K>(&self, ids: &[i64]) -> Result<HashMap<i64, Value<K>>, AppError>
    where
        K: RowKey + SharedScope,
        Loaders: Loader<K, Error = Arc<AppError>>,
    {
        let keys: Vec<K> = ids.iter().map(|id| K::from_id(*id)).collect();
        let values = self.prefetch(keys, true).await?;
        Ok(ids
            .iter()
            .filter_map(|id| {
                let value = values.get(&K::from_id(*id))?;
                Some((*id, Value::<K>::clone(value)))
            })
            .collect())
    }

    /// The section tree.
    pub async fn section_tree(&self) -> Result<Arc<SectionTree>, AppError> {
        let mut tree = self.prefetch(vec![loaders::AllSections], true).await?;
        tree.remove(&loaders::AllSections)
            .map(|tree| Arc::clone(&*tree))
            .ok_or_else(|| AppError::Internal("the section tree did not load".into()))
    }
}

/// A loader's error, owned again (a batch's error is shared by every key that waited on it).
pub fn owned(error: Arc<AppError>) -> AppError {
    Arc::try_unwrap(error).unwrap_or_else(|shared| AppError::Internal(format!("{shared:?}")))
}
