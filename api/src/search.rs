//! Full-text search behind "Your keywords": a tantivy index on each api node, a projection of the
//! database that the change log keeps current (and that is rebuilt from the database when missing
//! or unreadable). English text is folded and stemmed; Chinese text is segmented into words with
//! jieba (its dictionary cut to the commoner words, see [`ZH_WORDS`]). Visibility is not decided here: hits are checked against the same domain rule as every
//! other read.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use entities::{agreement, article, change, institution, person};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, Token, TokenStream, Tokenizer,
};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term, doc,
};

use crate::content::markdown;
use crate::error::{AppError, AppResult};

/// The entity types search finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchKind {
    /// Articles.
    Article,
    /// People.
    Person,
    /// Institutions.
    Institution,
    /// Agreements.
    Agreement,
}

impl SearchKind {
    /// Every kind.
    pub const ALL: [SearchKind; 4] = [
        SearchKind::Article,
        SearchKind::Person,
        SearchKind::Institution,
        SearchKind::Agreement,
    ];

    /// The change log's type.
    pub const fn entity_type(self) -> entities::enums::EntityType {
        use entities::enums::EntityType;
        match self {
            SearchKind::Article => EntityType::Article,
            SearchKind::Person => EntityType::Person,
            SearchKind::Institution => EntityType::Institution,
            SearchKind::Agreement => EntityType::Agreement,
        }
    }

    /// The name used in the index (the change log's).
    pub const fn name(self) -> &'static str {
        self.entity_type().name()
    }

    fn code(self) -> u64 {
        SearchKind::ALL
            .iter()
            .position(|kind| *kind == self)
            .unwrap_or_default() as u64
    }

    fn of(entity_type: entities::enums::EntityType) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.entity_type() == entity_type)
    }
}

/// One hit, before the caller's visibility is applied.
#[derive(Debug, Clone)]
pub struct Hit {
    /// What was found.
    pub kind: SearchKind,
    /// Its id.
    pub id: i64,
    /// Relevance; higher is better.
    pub score: f32,
    /// The title with the matched words in `<b>`.
    pub title_html: String,
    /// A fragment of the text with the matched words in `<b>`.
    pub snippet_html: String,
    /// Where the document sits in the searcher that found it.
    address: DocAddress,
}

/// The hits of one search, and what it takes to highlight them: highlighting reads and
/// tokenizes each document, so it is done only for the hits shown.
pub struct Found {
    /// The hits, best first, without highlights.
    pub hits: Vec<Hit>,
    searcher: Searcher,
    titles: Vec<SnippetGenerator>,
    bodies: Vec<SnippetGenerator>,
}

impl Found {
    /// Fills in the hit's highlighted title and snippet.
    pub fn highlight(&self, hit: &mut Hit) -> AppResult<()> {
        let document: TantivyDocument = self.searcher.doc(hit.address).map_err(internal)?;
        let best = |generators: &[SnippetGenerator]| {
            generators
                .iter()
                .map(|generator| generator.snippet_from_doc(&document))
                .max_by_key(|snippet| snippet.highlighted().len())
                .map(|snippet| snippet.to_html())
                .unwrap_or_default()
        };
        hit.title_html = best(&self.titles);
        hit.snippet_html = best(&self.bodies);
        Ok(())
    }
}

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    kind: Field,
    /// The kind's place in [`SearchKind::ALL`], a fast field: candidates are told apart without
    /// reading their stored text.
    kind_code: Field,
    id: Field,
    title_en: Field,
    body_en: Field,
    title_zh: Field,
    body_zh: Field,
}

/// The index of one api node.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    /// The last change-log sequence number applied.
    applied: AtomicI64,
}

/// Longest query accepted, in characters.
pub const MAX_QUERY: usize = 500;

/// How deep search pages go: hits past the 10,000th are not served (a results page that far
/// down is a crawler, and every hit before it is ranked and checked for visibility).
pub const MAX_DEPTH: usize = 10_000;

/// The cursor of the hit at `position` (1-based) in the results: pass it as `after`.
pub fn encode_cursor(position: usize) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("search:{position}"))
}

/// The number of hits before the page that starts after `cursor` (0 without one). A cursor that
/// is not a search cursor, or that points past [`MAX_DEPTH`], is an input error of `field`.
pub fn decode_cursor(field: &'static str, cursor: Option<&str>) -> AppResult<usize> {
    use base64::Engine;
    let Some(cursor) = cursor else { return Ok(0) };
    let position = (cursor.len() <= 64)
        .then(|| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(cursor)
                .ok()
        })
        .flatten()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("search:")?.parse::<u64>().ok())
        .ok_or_else(|| AppError::bad_input(field, format!("`{field}` is not a search cursor")))?;
    usize::try_from(position)
        .ok()
        .filter(|position| *position < MAX_DEPTH)
        .ok_or_else(|| {
            AppError::bad_input(
                field,
                format!("search pages go at most {MAX_DEPTH} hits deep"),
            )
        })
}

/// Replaces characters of the query language that nest (parentheses) once they go deeper than a
/// few levels: tantivy's parser recurses into each, and a few hundred overflowed the stack.
fn flatten_nesting(query: &str) -> String {
    const MAX_NESTING: usize = 4;
    let mut depth = 0usize;
    let mut skipped = 0usize;
    query
        .chars()
        .map(|c| match c {
            '(' if depth >= MAX_NESTING => {
                skipped += 1;
                ' '
            }
            '(' => {
                depth += 1;
                c
            }
            ')' if skipped > 0 => {
                skipped -= 1;
                ' '
            }
            ')' if depth > 0 => {
                depth -= 1;
                c
            }
            ')' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
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

fn register_tokenizers(index: &Index) {
    let english = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build();
    let chinese = TextAnalyzer::builder(ZhTokenizer)
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    index.tokenizers().register("en_text", english);
    index.tokenizers().register("zh_text", chinese);
}

/// The words jieba segments Chinese text into: its dictionary (jieba-rs 0.11, MIT) cut to the
/// 79,746 words seen at least 20 times in its corpus, as `word frequency` lines
/// (`awk '$2 >= 20 {print $1, $2}' dict.txt`). Words outside it are still cut out by jieba's
/// hidden Markov model. The whole dictionary (349,045 words) took about 70 MB of memory once
/// loaded, on the first search or indexed change; this one takes about a fifth of that.
const ZH_WORDS: &str = include_str!("../data/zh-words.txt");

fn jieba() -> &'static jieba_rs::Jieba {
    static JIEBA: OnceLock<jieba_rs::Jieba> = OnceLock::new();
    JIEBA.get_or_init(|| {
        jieba_rs::Jieba::with_dict(&mut ZH_WORDS.as_bytes()).unwrap_or_else(|error| {
            tracing::error!(%error, "search: the Chinese dictionary does not load");
            jieba_rs::Jieba::empty()
        })
    })
}

/// Chinese words, in jieba's search mode (long words and the shorter words within them), each
/// at the position of its first character.
#[derive(Clone, Copy)]
struct ZhTokenizer;

struct ZhTokens<'a> {
    text: &'a str,
    words: std::vec::IntoIter<jieba_rs::Token<'a>>,
    token: Token,
}

impl Tokenizer for ZhTokenizer {
    type TokenStream<'a> = ZhTokens<'a>;

    fn token_stream<'a>(&mut self, text: &'a str) -> ZhTokens<'a> {
        ZhTokens {
            text,
            words: jieba()
                .tokenize(text, jieba_rs::TokenizeMode::Search, true)
                .into_iter(),
            token: Token::default(),
        }
    }
}

impl TokenStream for ZhTokens<'_> {
    fn advance(&mut self) -> bool {
        let Some(word) = self.words.next() else {
            return false;
        };
        // Words are slices of the text.
        self.token.offset_from = word.word.as_ptr() as usize - self.text.as_ptr() as usize;
        self.token.offset_to = self.token.offset_from + word.word.len();
        self.token.position = word.start;
        self.token.position_length = word.end - word.start;
        self.token.text.clear();
        self.token.text.push_str(word.word);
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Chinese text in Simplified characters, so that Traditional and Simplified find each other.
fn simplified(text: &str) -> String {
    fast2s::convert(text)
}

/// The pinyin of a Chinese name, spaced and joined ("xu jian ling xujianling"), so that a name can
/// be found typed in Latin letters either way.
fn pinyin_forms(chinese: &str) -> String {
    use pinyin::ToPinyin;
    let syllables: Vec<&str> = chinese
        .to_pinyin()
        .flatten()
        .map(|syllable| syllable.plain())
        .collect();
    if syllables.is_empty() {
        String::new()
    } else {
        format!("{} {}", syllables.join(" "), syllables.concat())
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

fn internal(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("search index: {error}"))
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

    fn document(&self, kind: SearchKind, id: i64, title: &str, body: &str) -> TantivyDocument {
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

    fn key(kind: SearchKind, id: i64) -> String {
        format!("{}:{id}", kind.name())
    }

    /// The text of one entity, straight from the database (any status: visibility is applied at
    /// query time).
    async fn load(
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

    /// Keeps the index current from the change log, checking every `interval`.
    /// `changed` runs after each batch of changes is searchable, with the change-log position
    /// taken in.
    pub fn follow(
        self: std::sync::Arc<Self>,
        db: DatabaseConnection,
        interval: Duration,
        changed: impl Fn(i64) + Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                match self.catch_up(&db).await {
                    Ok(0) => {}
                    Ok(_) => changed(self.applied()),
                    Err(error) => error.log(),
                }
            }
        })
    }

    /// The best `limit` hits for `query` among `kinds` (all when empty). Any text is accepted: it
    /// is read leniently, never as an error, except when empty or over [`MAX_QUERY`] characters.
    pub fn search(&self, query: &str, kinds: &[SearchKind], limit: usize) -> AppResult<Found> {
        let cleaned = flatten_nesting(query);
        let cleaned = cleaned.trim();
        if cleaned.is_empty() {
            return Err(AppError::bad_input(
                "query",
                "give some words to search for",
            ));
        }
        if cleaned.chars().count() > MAX_QUERY {
            return Err(AppError::bad_input(
                "query",
                format!("a query has at most {MAX_QUERY} characters"),
            ));
        }
        let f = self.fields;
        let mut parser = QueryParser::for_index(
            &self.index,
            vec![f.title_en, f.body_en, f.title_zh, f.body_zh],
        );
        parser.set_field_boost(f.title_en, 3.0);
        parser.set_field_boost(f.title_zh, 3.0);
        let (text_query, _ignored) = parser.parse_query_lenient(&simplified(cleaned));
        let query: Box<dyn Query> = if kinds.is_empty() {
            text_query
        } else {
            let kind_filter: Vec<(Occur, Box<dyn Query>)> = kinds
                .iter()
                .map(|kind| {
                    let term = Term::from_field_text(f.kind, kind.name());
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect();
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, text_query),
                (Occur::Must, Box::new(BooleanQuery::new(kind_filter))),
            ]))
        };
        let searcher = self.reader.searcher();
        let top = searcher
            .search(
                &query,
                &TopDocs::with_limit(limit.clamp(1, 2 * MAX_DEPTH + 100)).order_by_score(),
            )
            .map_err(internal)?;
        let title_snippets = [f.title_en, f.title_zh]
            .into_iter()
            .map(|field| SnippetGenerator::create(&searcher, &*query, field))
            .collect::<Result<Vec<_>, _>>()
            .map_err(internal)?;
        let body_snippets = [f.body_en, f.body_zh]
            .into_iter()
            .map(|field| SnippetGenerator::create(&searcher, &*query, field))
            .collect::<Result<Vec<_>, _>>()
            .map_err(internal)?;
        // Kind and id from the fast fields: a candidate's stored text is read only if it is shown.
        let columns = searcher
            .segment_readers()
            .iter()
            .map(|segment| {
                let fast = segment.fast_fields();
                Ok((fast.u64("kind_code")?, fast.i64("id")?))
            })
            .collect::<Result<Vec<_>, tantivy::TantivyError>>()
            .map_err(internal)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let Some((kinds, ids)) = columns.get(address.segment_ord as usize) else {
                continue;
            };
            let kind = kinds
                .first(address.doc_id)
                .and_then(|code| SearchKind::ALL.get(code as usize).copied());
            let id = ids.first(address.doc_id);
            let (Some(kind), Some(id)) = (kind, id) else {
                continue;
            };
            hits.push(Hit {
                kind,
                id,
                score,
                title_html: String::new(),
                snippet_html: String::new(),
                address,
            });
        }
        Ok(Found {
            hits,
            searcher,
            titles: title_snippets,
            bodies: body_snippets,
        })
    }
}

/// Where the index lives: the configured folder, or `search-index` in the data folder.
pub fn index_dir(config: &crate::config::Config) -> PathBuf {
    config
        .search_index_dir
        .clone()
        .unwrap_or_else(|| config.data_dir.join("search-index"))
}

/// A hit the caller may see, with its entity.
#[derive(Debug, Clone)]
pub struct VisibleHit {
    /// The hit.
    pub hit: Hit,
    /// The entity, as the caller sees it.
    pub entity: crate::content::sync::SyncEntity,
}

/// Counts of the visible hits (among the best 500) by type, by article section and by year of
/// publication, for a results page to offer filters.
#[derive(Debug, Clone, Default)]
pub struct Facets {
    /// Hits per type, most first.
    pub types: Vec<(SearchKind, usize)>,
    /// Article hits per section id, most first.
    pub sections: Vec<(i64, usize)>,
    /// Article hits per year of publication, latest first.
    pub years: Vec<(i32, usize)>,
}

/// A candidate the caller may see, with what filters and facets look at.
struct Candidate {
    hit: Hit,
    /// For an article.
    facts: Option<crate::reads::articles::ArticleFacts>,
}

fn facets(candidates: &[Candidate]) -> Facets {
    use std::collections::HashMap;

    use chrono::Datelike;

    let mut types: HashMap<SearchKind, usize> = HashMap::new();
    let mut sections: HashMap<i64, usize> = HashMap::new();
    let mut years: HashMap<i32, usize> = HashMap::new();
    for candidate in candidates {
        *types.entry(candidate.hit.kind).or_default() += 1;
        if let Some(facts) = &candidate.facts {
            *sections.entry(facts.section_id).or_default() += 1;
            if let Some(at) = facts.published_at {
                *years.entry(at.year()).or_default() += 1;
            }
        }
    }
    let mut types: Vec<_> = types.into_iter().collect();
    types.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.name().cmp(b.0.name())));
    let mut sections: Vec<_> = sections.into_iter().collect();
    sections.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut years: Vec<_> = years.into_iter().collect();
    years.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    Facets {
        types,
        sections,
        years,
    }
}

/// Narrows search hits to articles in some sections, from a year, or in a language (a results
/// page's filters). When any is set, only article hits remain.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// Articles filed in one of these sections.
    pub sections: Option<Vec<i64>>,
    /// Articles published in this year.
    pub year: Option<i32>,
    /// Articles in this language.
    pub locale: Option<entities::enums::Locale>,
}

impl SearchFilter {
    fn is_empty(&self) -> bool {
        self.sections.is_none() && self.year.is_none() && self.locale.is_none()
    }

    fn keeps(&self, candidate: &Candidate) -> bool {
        use chrono::Datelike;
        if self.is_empty() {
            return true;
        }
        let Some(facts) = &candidate.facts else {
            return false;
        };
        self.sections
            .as_ref()
            .is_none_or(|ids| ids.contains(&facts.section_id))
            && self
                .year
                .is_none_or(|year| facts.published_at.is_some_and(|at| at.year() == year))
            && self.locale.is_none_or(|locale| locale == facts.locale)
    }
}

/// One page of hits the caller may see: `first` hits after the first `offset` visible ones,
/// whether more follow, and the facets. Visibility is the domain's rule, applied to every hit.
pub async fn visible_hits<C: sea_orm::ConnectionTrait>(
    db: &C,
    viewer: &crate::reads::Viewer,
    index: &SearchIndex,
    query: &str,
    kinds: &[SearchKind],
    filter: &SearchFilter,
    offset: usize,
    first: usize,
) -> AppResult<(Vec<VisibleHit>, bool, Facets)> {
    use std::collections::HashMap;

    use crate::content::sync::SyncEntity;
    use crate::reads::{agreements, articles, institutions, people};

    if offset >= MAX_DEPTH {
        return Err(AppError::bad_input(
            "after",
            format!("search pages go at most {MAX_DEPTH} hits deep"),
        ));
    }
    // Never past the deepest hit served, whatever the page size.
    let first = first.min(MAX_DEPTH - offset);
    // Ask for more than the page: some hits may be invisible to this caller.
    let wanted = offset + first + 1;
    let found = index.search(query, kinds, (wanted * 2 + 20).max(500))?;
    let hits = &found.hits;
    let ids = |kind: SearchKind| {
        hits.iter()
            .filter(|hit| hit.kind == kind)
            .map(|hit| hit.id)
            .collect::<Vec<_>>()
    };
    // Articles are the bulk of the candidates: only what filters and facets need is read for
    // them, their full rows only for the page shown.
    let article_facts = articles::facts_by_ids(db, viewer, &ids(SearchKind::Article)).await?;
    let mut entities: HashMap<(SearchKind, i64), SyncEntity> = HashMap::new();
    for (id, row) in people::find_by_ids(db, &ids(SearchKind::Person)).await? {
        entities.insert((SearchKind::Person, id), SyncEntity::Person(row));
    }
    for (id, row) in institutions::find_by_ids(db, &ids(SearchKind::Institution)).await? {
        entities.insert((SearchKind::Institution, id), SyncEntity::Institution(row));
    }
    for (id, row) in agreements::find_by_ids(db, &ids(SearchKind::Agreement)).await? {
        entities.insert((SearchKind::Agreement, id), SyncEntity::Agreement(row));
    }
    let visible: Vec<Candidate> = hits
        .iter()
        .filter_map(|hit| {
            let key = (hit.kind, hit.id);
            let facts = match hit.kind {
                SearchKind::Article => Some(*article_facts.get(&hit.id)?),
                _ if entities.contains_key(&key) => None,
                _ => return None,
            };
            Some(Candidate {
                hit: hit.clone(),
                facts,
            })
        })
        .filter(|candidate| filter.keeps(candidate))
        .collect();
    let has_more = visible.len() > offset + first && offset + first < MAX_DEPTH;
    let facets = facets(&visible);
    let shown: Vec<Candidate> = visible.into_iter().skip(offset).take(first).collect();
    let shown_articles: Vec<i64> = shown
        .iter()
        .filter(|candidate| candidate.hit.kind == SearchKind::Article)
        .map(|candidate| candidate.hit.id)
        .collect();
    let mut article_rows = articles::find_by_ids(db, viewer, &shown_articles).await?;
    let mut page = Vec::with_capacity(shown.len());
    for Candidate { mut hit, .. } in shown {
        let entity = match hit.kind {
            // Unpublished between the two reads: left out.
            SearchKind::Article => article_rows.remove(&hit.id).map(SyncEntity::Article),
            kind => entities.remove(&(kind, hit.id)),
        };
        if let Some(entity) = entity {
            found.highlight(&mut hit)?;
            page.push(VisibleHit { hit, entity });
        }
    }
    Ok((page, has_more, facets))
}

/// Completions for a search box: names of people and institutions, then titles of articles the
/// caller may see, that start with `prefix` (or have a word that does), case-insensitively.
pub async fn suggest<C: sea_orm::ConnectionTrait>(
    db: &C,
    viewer: &crate::reads::Viewer,
    prefix: &str,
    limit: u64,
) -> AppResult<Vec<(String, crate::content::sync::SyncEntity)>> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
    use sea_orm::{Condition, IntoSimpleExpr};

    use crate::content::sync::SyncEntity;

    let prefix = prefix.trim();
    if prefix.is_empty() || prefix.chars().count() > 100 {
        return Err(AppError::bad_input(
            "prefix",
            "a prefix has 1 to 100 characters",
        ));
    }
    let escaped: String = prefix
        .to_lowercase()
        .chars()
        .flat_map(|c| {
            if matches!(c, '%' | '_' | '\\') {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect();
    let starts = |column: sea_orm::sea_query::SimpleExpr| {
        let lower = Expr::expr(Func::lower(column));
        Condition::any()
            .add(
                lower
                    .clone()
                    .like(LikeExpr::new(format!("{escaped}%")).escape('\\')),
            )
            .add(lower.like(LikeExpr::new(format!("% {escaped}%")).escape('\\')))
    };
    let mut found: Vec<(String, SyncEntity)> = Vec::new();
    for row in person::Entity::find()
        .filter(
            Condition::any()
                .add(starts(person::Column::NameEn.into_simple_expr()))
                .add(starts(person::Column::NameZh.into_simple_expr())),
        )
        .order_by_asc(person::Column::NameEn)
        .limit(limit)
        .all(db)
        .await?
    {
        found.push((row.name_en.clone(), SyncEntity::Person(row)));
    }
    for row in institution::Entity::find()
        .filter(
            Condition::any()
                .add(starts(institution::Column::NameEn.into_simple_expr()))
                .add(starts(institution::Column::NameZh.into_simple_expr()))
                .add(starts(institution::Column::ShortNameEn.into_simple_expr())),
        )
        .order_by_asc(institution::Column::NameEn)
        .limit(limit)
        .all(db)
        .await?
    {
        found.push((row.name_en.clone(), SyncEntity::Institution(row)));
    }
    for row in article::Entity::find()
        .filter(viewer.article_condition())
        .filter(starts(article::Column::Title.into_simple_expr()))
        .order_by_desc(article::Column::SortAt)
        .limit(limit)
        .all(db)
        .await?
    {
        found.push((row.title.clone(), SyncEntity::Article(row)));
    }
    found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(found)
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
