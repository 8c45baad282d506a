//! The index of one api node: its schema and merge policy, opening (or recreating) it, the
//! documents it holds (a projection of the database), rebuilding it, and taking in the change
//! log (the node's change-log follower calls [`SearchIndex::catch_up`]).

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use entities::{agreement, article, change, institution, person};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};

use crate::content::markdown;
use crate::error::{AppError, AppResult};

use super::text::{pinyin_forms, register_tokenizers, simplified};
use super::{SearchKind, internal};

#[derive(Clone, Copy)]
pub(super) struct Fields {
    pub(super) key: Field,
    pub(super) kind: Field,
    /// The kind's place in [`SearchKind::ALL`], a fast field: candidates are told apart without
    /// reading their stored text.
    pub(super) kind_code: Field,
    pub(super) id: Field,
    pub(super) title_en: Field,
    pub(super) body_en: Field,
    pub(super) title_zh: Field,
    pub(super) body_zh: Field,
}

/// The index of one api node.
pub struct SearchIndex {
    pub(super) index: Index,
    pub(super) reader: IndexReader,
    pub(super) writer: Mutex<IndexWriter>,
    pub(super) fields: Fields,
    /// The last change-log sequence number applied.
    applied: AtomicI64,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = |tokenizer: &str| {
        TextOptions::default().set_stored().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        key: builder.add_text_field("key", STRING | STORED),
        kind: builder.add_text_field("kind", STRING | STORED),
        kind_code: builder.add_u64_field("kind_code", NumericOptions::default().set_fast()),
        id: builder.add_i64_field("id", NumericOptions::default().set_stored().set_fast()),
        title_en: builder.add_text_field("title_en", text("en_text")),
        body_en: builder.add_text_field("body_en", text("en_text")),
        title_zh: builder.add_text_field("title_zh", text("zh_text")),
        body_zh: builder.add_text_field("body_zh", text("zh_text")),
    };
    (builder.build(), fields)
}

/// Segments of more documents than this (deleted ones included) are never merged.
const MAX_DOCS_MERGED: u32 = 5_000;

/// Tantivy's log merge policy over the small segments only. Every edit adds a small segment,
/// and small segments are merged eight at a time. A merge costs memory for every document of its
/// segments, deleted ones included: by default the big segments of the first indexing were merged
/// too, which at 100,000 articles took the node from ~110 to ~260 MB (after about 13,000 edits;
/// ~150 MB for one 25,000-document segment that edits had mostly deleted). Big segments keep
/// their deleted documents, skipped at search time, until `newsdesk reindex` rebuilds the index.
#[derive(Debug, Default)]
struct SmallMerges(tantivy::merge_policy::LogMergePolicy);

impl tantivy::merge_policy::MergePolicy for SmallMerges {
    fn compute_merge_candidates(
        &self,
        segments: &[tantivy::SegmentMeta],
    ) -> Vec<tantivy::merge_policy::MergeCandidate> {
        let small: Vec<_> = segments
            .iter()
            .filter(|segment| segment.max_doc() <= MAX_DOCS_MERGED)
            .cloned()
            .collect();
        self.0.compute_merge_candidates(&small)
    }
}

/// Runs blocking `work` from async code; on a multi-threaded runtime the worker's other tasks
/// move to another thread meanwhile.
fn off_the_runtime<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when missing and recreating it when unreadable.
    /// Returns whether it must be rebuilt from the database.
    pub fn open(dir: &Path) -> AppResult<(Self, bool)> {
        let (schema, fields) = schema();
        std::fs::create_dir_all(dir).map_err(internal)?;
        let (index, fresh) = match Index::open_in_dir(dir) {
            Ok(index) if index.schema() == schema => (index, false),
            Ok(_) | Err(_) => {
                // Missing, from another version, or corrupt: a projection can always be rebuilt.
                if dir
                    .read_dir()
                    .is_ok_and(|mut entries| entries.next().is_some())
                {
                    tracing::warn!(dir = %dir.display(), "search index unreadable or outdated; rebuilding it");
                    std::fs::remove_dir_all(dir).map_err(internal)?;
                    std::fs::create_dir_all(dir).map_err(internal)?;
                }
                (Index::create_in_dir(dir, schema).map_err(internal)?, true)
            }
        };
        register_tokenizers(&index);
        // One indexing thread with a 20 MB arena: the follower indexes a few changes at a time, and
        // the arena counts against the node's memory (50 MB over two threads cost 70 MB of RSS).
        // Not tantivy's smallest (15 MB): with it, title updates one after another took the
        // node's peak from ~105 to ~300 MB (measured with the benchmark's sequence).
        let writer: IndexWriter = index
            .writer_with_num_threads(1, 20_000_000)
            .map_err(internal)?;
        writer.set_merge_policy(Box::new(SmallMerges::default()));
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(internal)?;
        // The change-log position the index reflects, as recorded by its last commit.
        let applied = index
            .load_metas()
            .ok()
            .and_then(|metas| metas.payload)
            .and_then(|payload| payload.parse::<i64>().ok());
        let search = Self {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            applied: AtomicI64::new(applied.unwrap_or(0)),
        };
        Ok((search, fresh || applied.is_none()))
    }

    pub(super) fn document(
        &self,
        kind: SearchKind,
        id: i64,
        title: &str,
        body: &str,
    ) -> TantivyDocument {
        let f = self.fields;
        doc!(
            f.key => format!("{}:{id}", kind.name()),
            f.kind => kind.name(),
            f.kind_code => kind.code(),
            f.id => id,
            f.title_en => title,
            f.body_en => body,
            f.title_zh => simplified(title),
            f.body_zh => simplified(body),
        )
    }

    pub(super) fn key(kind: SearchKind, id: i64) -> String {
        format!("{}:{id}", kind.name())
    }

    /// The text of one entity, straight from the database (any status: visibility is applied at
    /// query time).
    pub(super) async fn load(
        db: &DatabaseConnection,
        kind: SearchKind,
        ids: &[i64],
    ) -> AppResult<Vec<(i64, String, String)>> {
        let join = |parts: &[Option<&String>]| {
            parts
                .iter()
                .filter_map(|part| part.map(String::as_str))
                .collect::<Vec<&str>>()
                .join(" ")
        };
        Ok(match kind {
            SearchKind::Article => article::Entity::find()
                .filter(article::Column::Id.is_in(ids.iter().copied()))
                .all(db)
                .await?
                .into_iter()
                .map(|row| {
                    let body = format!(
                        "{} {}",
                        row.summary.clone().unwrap_or_default(),
                        markdown::plain_text(&row.body)
                    );
                    (row.id, row.title, body)
                })
                .collect(),
            SearchKind::Person => person::Entity::find()
                .filter(person::Column::Id.is_in(ids.iter().copied()))
                .all(db)
                .await?
                .into_iter()
                .map(|row| {
                    let pinyin = row.name_zh.as_deref().map(pinyin_forms).unwrap_or_default();
                    let names = join(&[Some(&row.name_en), row.name_zh.as_ref()]);
                    (row.id, format!("{names} {pinyin}"), String::new())
                })
                .collect(),
            SearchKind::Institution => institution::Entity::find()
                .filter(institution::Column::Id.is_in(ids.iter().copied()))
                .all(db)
                .await?
                .into_iter()
                .map(|row| {
                    let pinyin = row.name_zh.as_deref().map(pinyin_forms).unwrap_or_default();
                    let names = join(&[
                        Some(&row.name_en),
                        row.name_zh.as_ref(),
                        row.short_name_en.as_ref(),
                        row.short_name_zh.as_ref(),
                    ]);
                    let title = format!("{names} {pinyin}");
                    let body = join(&[
                        row.motto_en.as_ref(),
                        row.motto_zh.as_ref(),
                        row.city.as_ref(),
                        row.region.as_ref(),
                    ]);
                    (row.id, title, body)
                })
                .collect(),
            SearchKind::Agreement => agreement::Entity::find()
                .filter(agreement::Column::Id.is_in(ids.iter().copied()))
                .all(db)
                .await?
                .into_iter()
                .map(|row| {
                    let title = join(&[Some(&row.title_en), row.title_zh.as_ref()]);
                    let body = format!(
                        "{} {}",
                        row.summary.clone().unwrap_or_default(),
                        row.areas.0.join(" ")
                    );
                    (row.id, title, body)
                })
                .collect(),
        })
    }

    async fn all_ids(db: &DatabaseConnection, kind: SearchKind) -> AppResult<Vec<i64>> {
        macro_rules! ids {
            ($entity:ident) => {
                $entity::Entity::find()
                    .select_only()
                    .column($entity::Column::Id)
                    .into_tuple::<i64>()
                    .all(db)
                    .await?
            };
        }
        Ok(match kind {
            SearchKind::Article => ids!(article),
            SearchKind::Person => ids!(person),
            SearchKind::Institution => ids!(institution),
            SearchKind::Agreement => ids!(agreement),
        })
    }

    async fn head(db: &DatabaseConnection) -> AppResult<i64> {
        Ok(change::Entity::find()
            .select_only()
            .column(change::Column::Seq)
            .order_by_desc(change::Column::Seq)
            .limit(1)
            .into_tuple::<i64>()
            .one(db)
            .await?
            .unwrap_or(0))
    }

    /// The change-log position the index reflects.
    pub fn applied(&self) -> i64 {
        self.applied.load(Ordering::SeqCst)
    }

    /// Commits, recording in the index the change-log position it reflects.
    fn commit(&self, applied: i64) -> AppResult<()> {
        let mut writer = self
            .writer
            .lock()
            .map_err(|_| AppError::Internal("search writer poisoned".into()))?;
        let mut prepared = writer.prepare_commit().map_err(internal)?;
        prepared.set_payload(&applied.to_string());
        prepared.commit().map_err(internal)?;
        drop(writer);
        self.applied.store(applied, Ordering::SeqCst);
        self.reader.reload().map_err(internal)
    }

    /// Rebuilds the whole index from the database.
    pub async fn rebuild(&self, db: &DatabaseConnection) -> AppResult<usize> {
        // Changes after this point are applied afterwards, so none is missed.
        let head = Self::head(db).await?;
        {
            let writer = self
                .writer
                .lock()
                .map_err(|_| AppError::Internal("search writer poisoned".into()))?;
            // A delete by query is ordered with the additions that follow (unlike
            // `delete_all_documents`, which drops segments behind the writer's back).
            writer
                .delete_query(Box::new(tantivy::query::AllQuery))
                .map_err(internal)?;
        }
        let mut count = 0;
        for kind in SearchKind::ALL {
            let ids = Self::all_ids(db, kind).await?;
            for chunk in ids.chunks(1000) {
                let rows = Self::load(db, kind, chunk).await?;
                let writer = self
                    .writer
                    .lock()
                    .map_err(|_| AppError::Internal("search writer poisoned".into()))?;
                for (id, title, body) in rows {
                    writer
                        .add_document(self.document(kind, id, &title, &body))
                        .map_err(internal)?;
                    count += 1;
                }
            }
        }
        self.commit(head)?;
        Ok(count)
    }

    /// Applies the changes logged since the last call; returns how many.
    pub async fn catch_up(&self, db: &DatabaseConnection) -> AppResult<usize> {
        let from = self.applied.load(Ordering::SeqCst);
        let rows = change::Entity::find()
            .filter(change::Column::Seq.gt(from))
            .order_by_asc(change::Column::Seq)
            .limit(1000)
            .all(db)
            .await?;
        let Some(last) = rows.last().map(|row| row.seq) else {
            return Ok(0);
        };
        for row in &rows {
            let Some(kind) = SearchKind::of(row.entity_type) else {
                continue;
            };
            let loaded = Self::load(db, kind, &[row.entity_id]).await?;
            let writer = self
                .writer
                .lock()
                .map_err(|_| AppError::Internal("search writer poisoned".into()))?;
            writer.delete_term(Term::from_field_text(
                self.fields.key,
                &Self::key(kind, row.entity_id),
            ));
            for (id, title, body) in loaded {
                writer
                    .add_document(self.document(kind, id, &title, &body))
                    .map_err(internal)?;
            }
        }
        // A commit waits for the indexing thread and syncs files to disk: let the runtime move
        // this worker's other requests elsewhere meanwhile.
        off_the_runtime(|| self.commit(last))?;
        Ok(rows.len())
    }
}

/// Adds documents straight to the index (for the search benchmark; the server indexes from the
/// database), then commits.
pub fn add_all(
    index: &SearchIndex,
    documents: impl Iterator<Item = (SearchKind, i64, String, String)>,
) -> AppResult<usize> {
    let mut count = 0;
    {
        let writer = index
            .writer
            .lock()
            .map_err(|_| AppError::Internal("search writer poisoned".into()))?;
        for (kind, id, title, body) in documents {
            writer
                .add_document(index.document(kind, id, &title, &body))
                .map_err(internal)?;
            count += 1;
        }
    }
    index.commit(0)?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use tantivy::Index;
    use tantivy::index::SegmentId;
    use tantivy::merge_policy::MergePolicy;

    use super::*;

    #[test]
    fn only_small_segments_are_merged() {
        let index = Index::create_in_ram(schema().0);
        let segment = |max_doc| index.new_segment_meta(SegmentId::generate_random(), max_doc);
        let big: Vec<_> = (0..8).map(|_| segment(24_000)).collect();
        assert!(
            SmallMerges::default()
                .compute_merge_candidates(&big)
                .is_empty()
        );

        let mut mixed = big.clone();
        let small: Vec<_> = (0..8).map(|size| segment(10 + size)).collect();
        mixed.extend(small.iter().cloned());
        let candidates = SmallMerges::default().compute_merge_candidates(&mixed);
        assert_eq!(candidates.len(), 1);
        let mut merged = candidates[0].0.clone();
        let mut expected: Vec<_> = small.iter().map(|meta| meta.id()).collect();
        merged.sort();
        expected.sort();
        assert_eq!(
            merged, expected,
            "the eight small segments, none of the big ones"
        );
    }
}
