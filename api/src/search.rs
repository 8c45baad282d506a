//! Full-text search behind "Your keywords": a tantivy index on each api node, a projection of the
//! database that the change log keeps current (and that is rebuilt from the database when missing
//! or unreadable). English text is folded and stemmed; Chinese text is segmented into words with
//! jieba (its dictionary cut to the commoner words, see `text`). Visibility is not decided here: hits are checked against the same domain rule as every
//! other read.

//!
//! The index and how it is kept ([`index`]), how text is cut into words ([`text`]), a query
//! ([`query`]), what the caller may see of the hits, with facets ([`visible`]), and title
//! suggestions ([`suggest`]).

mod index;
mod query;
mod suggest;
mod text;
mod visible;

use std::path::PathBuf;

use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use crate::error::{AppError, AppResult};

pub use index::{SearchIndex, add_all};
pub use suggest::suggest;
pub use visible::{Facets, SearchFilter, VisibleHit, visible_hits};

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
/// Where the index lives: the configured folder, or `search-index` in the data folder.
pub fn index_dir(config: &crate::config::Config) -> PathBuf {
    config
        .search_index_dir
        .clone()
        .unwrap_or_else(|| config.data_dir.join("search-index"))
}

fn internal(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("search index: {error}"))
}
