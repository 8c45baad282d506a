//! What the API reads and keeps, below the domain and used alike by GraphQL and REST: who may
//! see what ([`viewer`]), the queries that read content ([`articles`], [`people`],
//! [`institutions`], [`agreements`], [`sections`], paged by [`pagination`]), a request's lookup
//! chain ([`loaders`] and [`rows`]: rows already read in this request, rows every caller
//! shares, reads kept for callers who see the same, then the database), and what a node keeps
//! ([`Reads`]: [`kept`] reads, [`shared`] rows, under the content's [`version`]), each store one
//! bounded [`cache`] that evicts by use.

pub mod agreements;
pub mod articles;
pub mod cache;
pub mod institutions;
pub mod kept;
mod kept_articles;
pub mod loaders;
pub mod pagination;
pub mod people;
pub mod reader;
pub mod rows;
pub mod sections;
pub mod shared;
pub mod version;
pub mod viewer;

pub use reader::Reader;
pub use viewer::Viewer;

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

/// What one node keeps of what it reads, and where the content stands.
pub struct Reads {
    /// Where the content stands; its epoch governs everything kept.
    pub version: version::ContentVersion,
    /// Reads kept for callers who see the same articles.
    pub kept: kept::KeptReads,
    /// Rows every caller sees alike.
    pub shared: shared::SharedRows,
}

impl Reads {
    /// A node's reads, with `kept_budget` bytes for kept reads (0: none but list totals).
    pub fn new(kept_budget: u64) -> Arc<Self> {
        let reads = Arc::new(Self {
            version: version::ContentVersion::default(),
            kept: kept::KeptReads::new(kept_budget),
            shared: shared::SharedRows::default(),
        });
        let weak = Arc::downgrade(&reads);
        reads.version.on_invalidate(move || {
            if let Some(reads) = weak.upgrade() {
                reads.kept.clear();
                reads.shared.clear();
            }
        });
        reads
    }

    /// The epoch under which shared rows may be read and kept now; `None` until the node has
    /// read the change log once. Take it before reading the database, and hand it back to
    /// [`shared::SharedRows::keep`].
    pub fn rows_epoch(&self) -> Option<u64> {
        self.version.seen_log().then(|| self.version.epoch())
    }
}

/// Groups rows by a key, keeping their order.
pub(crate) fn group_by<K: Eq + Hash, T>(rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, Vec<T>> {
    let mut groups: HashMap<K, Vec<T>> = HashMap::new();
    for row in rows {
        groups.entry(key(&row)).or_default().push(row);
    }
    groups
}
