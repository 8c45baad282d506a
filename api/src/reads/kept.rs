//! Kept reads: what a query reads about articles (a page of a list, a list's total, an article by
//! slug, articles by id, translation groups) is read once per epoch and kept for every caller
//! who sees the same articles, by a typed key that names everything the answer depends on (the
//! caller's visibility included). Identical reads arriving while one is being made, in the same
//! epoch, wait for it and share its answer (a burst right after a publish reads a page once).
//! Kept even with the response cache off: a read costs the database more than its few kilobytes
//! cost here.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use entities::article;
use entities::enums::Locale;

use super::articles::{ArticleFilter, ArticleOrder, Bodies};
use super::cache::Bounded;
use super::pagination::{Page, PageArgs};
use super::version::ContentVersion;
use super::viewer::Visibility;

/// What a kept read is the answer to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReadKey {
    /// How many articles a list holds.
    ArticleCount {
        /// Whose list.
        visibility: Visibility,
        /// Which list.
        filter: ArticleFilter,
    },
    /// A page of a list of articles.
    ArticlePage {
        /// Whose list.
        visibility: Visibility,
        /// Which list.
        filter: ArticleFilter,
        /// In what order.
        order: ArticleOrder,
        /// With or without bodies.
        bodies: Bodies,
        /// Which page.
        page: PageArgs,
    },
    /// An article by its slug.
    ArticleBySlug {
        /// Who reads it.
        visibility: Visibility,
        /// The slug.
        slug: String,
        /// The locale asked for.
        locale: Option<Locale>,
        /// The locale preferred (`Accept-Language`), when none was asked for.
        preferred: Option<Locale>,
    },
    /// Articles by id (a batch of the loader's).
    ArticleById {
        /// Who reads them.
        visibility: Visibility,
        /// Their ids.
        ids: Vec<i64>,
    },
    /// Translation groups by their originals (a batch of the loader's).
    TranslationGroup {
        /// Who reads them.
        visibility: Visibility,
        /// The originals' ids.
        ids: Vec<i64>,
    },
}

impl ReadKey {
    /// About what the key takes in memory.
    fn weight(&self) -> u64 {
        let size = match self {
            ReadKey::ArticleCount { filter, .. } | ReadKey::ArticlePage { filter, .. } => {
                filter.ids.as_ref().map_or(0, Vec::len) * 8
                    + filter.tag.as_ref().map_or(0, String::len)
            }
            ReadKey::ArticleBySlug { slug, .. } => slug.len(),
            ReadKey::ArticleById { ids, .. } | ReadKey::TranslationGroup { ids, .. } => {
                ids.len() * 8
            }
        };
        size as u64 + 128
    }
}

/// A kept answer.
#[derive(Debug, Clone)]
pub enum ReadValue {
    /// A list's total.
    Count(u64),
    /// A page of a list.
    Page(Arc<Page<article::Model>>),
    /// An article by slug, or none.
    Article(Arc<Option<article::Model>>),
    /// Articles by id.
    Articles(Arc<HashMap<i64, article::Model>>),
    /// Translation groups by their originals.
    Groups(Arc<HashMap<i64, Vec<article::Model>>>),
}

/// A type a kept read answers with.
pub trait Kept: Sized + Send + Sync + 'static {
    /// The answer, kept.
    fn into_read(value: Arc<Self>) -> ReadValue;
    /// The answer, if `read` is of this type.
    fn from_read(read: ReadValue) -> Option<Arc<Self>>;
}

macro_rules! kept {
    ($($variant:ident => $type:ty),* $(,)?) => {
        $(
            impl Kept for $type {
                fn into_read(value: Arc<Self>) -> ReadValue {
                    ReadValue::$variant(value)
                }

                fn from_read(read: ReadValue) -> Option<Arc<Self>> {
                    match read {
                        ReadValue::$variant(value) => Some(value),
                        _ => None,
                    }
                }
            }
        )*
    };
}

kept!(
    Page => Page<article::Model>,
    Article => Option<article::Model>,
    Articles => HashMap<i64, article::Model>,
    Groups => HashMap<i64, Vec<article::Model>>,
);

impl Kept for u64 {
    fn into_read(value: Arc<Self>) -> ReadValue {
        ReadValue::Count(*value)
    }

    fn from_read(read: ReadValue) -> Option<Arc<Self>> {
        match read {
            ReadValue::Count(count) => Some(Arc::new(count)),
            _ => None,
        }
    }
}

/// Room for list totals when kept reads are off.
const MIN_READ_BYTES: u64 = 1024 * 1024;

/// About what a kept read weighs (a page of 20 articles with their bodies is about 100 KB).
const TYPICAL_READ: u64 = 16 * 1024;

/// A read being made, and the epoch it started in; its answer is sent to those who wait for it
/// (`None` until it is done).
type Reading = (u64, tokio::sync::watch::Receiver<Option<ReadValue>>);

/// The kept reads of one node.
pub struct KeptReads {
    reads: Bounded<ReadKey, (ReadValue, u64)>,
    /// Bytes for budgeted reads; 0 reads every page and article from the database.
    budget: u64,
    reading: std::sync::Mutex<HashMap<ReadKey, Reading>>,
    collapsed: AtomicU64,
}

impl KeptReads {
    /// Kept reads in `budget` bytes (0: none but list totals).
    pub fn new(budget: u64) -> Self {
        Self {
            reads: Bounded::new(budget.max(MIN_READ_BYTES), TYPICAL_READ, |_, (_, size)| {
                *size
            }),
            budget,
            reading: std::sync::Mutex::default(),
            collapsed: AtomicU64::new(0),
        }
    }

    /// Drops every kept read (the epoch ended); reads under way are joined no more.
    pub fn clear(&self) {
        self.reads.clear();
        if let Ok(mut reading) = self.reading.lock() {
            reading.clear();
        }
    }

    /// Reads kept now, and their bytes.
    pub fn size(&self) -> (usize, u64) {
        (self.reads.len(), self.reads.weight())
    }

    /// Reads that waited for an identical one being made instead of reading.
    pub fn collapsed(&self) -> u64 {
        self.collapsed.load(Ordering::Relaxed)
    }

    /// The answer to `key`, kept or from `compute`, kept under `version`'s rules: until the epoch
    /// ends or the clock reaches its next horizon, and not at all when the epoch ended while it
    /// was computed. `weight` tells the answer's size in bytes; without one (a list total) the
    /// answer is kept whatever the budget.
    pub async fn read<V, E>(
        &self,
        version: &ContentVersion,
        key: ReadKey,
        weight: Option<impl FnOnce(&V) -> usize>,
        compute: impl Future<Output = Result<V, E>>,
    ) -> Result<Arc<V>, E>
    where
        V: Kept,
    {
        if version.fresh()
            && let Some(value) = self
                .reads
                .get(&key)
                .and_then(|(value, _)| V::from_read(value))
        {
            return Ok(value);
        }
        let budgeted = weight.is_some();
        if budgeted && self.budget == 0 {
            // Kept reads off: every read goes to the database, none is shared.
            return Ok(Arc::new(compute.await?));
        }
        let epoch = version.epoch();
        let (value, computed) = self.read_once(&key, epoch, compute).await?;
        if !computed {
            return Ok(value);
        }
        let size = key.weight() + weight.map_or(0, |weight| weight(&value) as u64) + 64;
        if !budgeted || size <= self.budget / 16 {
            version.keep(epoch, true, || {
                self.reads.insert(key, (V::into_read(value.clone()), size));
            });
        }
        Ok(value)
    }

    /// Runs `compute` for `key`, unless the same read started in this `epoch` is being made:
    /// then waits for it and takes its answer (a read that started in this epoch is at least as
    /// new as anything the node knew when this request began); when that read fails or is
    /// abandoned, runs `compute` after all. Also says whether this call computed the answer.
    async fn read_once<V, E>(
        &self,
        key: &ReadKey,
        epoch: u64,
        compute: impl Future<Output = Result<V, E>>,
    ) -> Result<(Arc<V>, bool), E>
    where
        V: Kept,
    {
        let role = self.reading.lock().ok().map(|mut reading| {
            match reading.get(key) {
                // Still being read (its reader neither done nor gone), in this epoch.
                Some((started, value)) if *started == epoch && value.has_changed().is_ok() => {
                    Err(value.clone())
                }
                _ => {
                    let (sender, receiver) = tokio::sync::watch::channel(None);
                    reading.insert(key.clone(), (epoch, receiver));
                    Ok(sender)
                }
            }
        });
        match role {
            Some(Err(mut waiting)) => {
                // Done when the reader sends its answer or gives up (fails, or is dropped).
                let _ = waiting.changed().await;
                let value = waiting.borrow().clone();
                if let Some(value) = value.and_then(V::from_read) {
                    self.collapsed.fetch_add(1, Ordering::Relaxed);
                    return Ok((value, false));
                }
                Ok((Arc::new(compute.await?), true))
            }
            Some(Ok(sender)) => {
                let result = compute.await;
                if let Ok(mut reading) = self.reading.lock()
                    && reading
                        .get(key)
                        .is_some_and(|(_, receiver)| receiver.same_channel(&sender.subscribe()))
                {
                    reading.remove(key);
                }
                let value = Arc::new(result?);
                sender.send_replace(Some(V::into_read(value.clone())));
                Ok((value, true))
            }
            None => Ok((Arc::new(compute.await?), true)),
        }
    }
}
