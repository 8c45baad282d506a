//! `search`: ranked hits across articles, people, institutions and agreements.

use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::request;
use super::types::{Agreement, Article, Institution, Node, Person, Position, Section};
use crate::content::sync::SyncEntity;
use crate::error::{AppError, GraphqlResultExt};
use crate::search::{self, SearchKind, VisibleHit};

/// What search can find.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchType {
    /// Articles.
    Article,
    /// People.
    Person,
    /// Institutions.
    Institution,
    /// Agreements.
    Agreement,
}

impl From<SearchType> for SearchKind {
    fn from(kind: SearchType) -> Self {
        match kind {
            SearchType::Article => SearchKind::Article,
            SearchType::Person => SearchKind::Person,
            SearchType::Institution => SearchKind::Institution,
            SearchType::Agreement => SearchKind::Agreement,
        }
    }
}

impl From<SearchKind> for SearchType {
    fn from(kind: SearchKind) -> Self {
        match kind {
            SearchKind::Article => SearchType::Article,
            SearchKind::Person => SearchType::Person,
            SearchKind::Institution => SearchType::Institution,
            SearchKind::Agreement => SearchType::Agreement,
        }
    }
}

/// One hit.
pub struct SearchHit(VisibleHit);

/// One hit.
#[Object(cache_control(max_age = 30))]
impl SearchHit {
    /// Relevance; higher is better.
    async fn score(&self) -> f64 {
        f64::from(self.0.hit.score)
    }

    /// What was found.
    async fn r#type(&self) -> SearchType {
        self.0.hit.kind.into()
    }

    /// The thing found.
    async fn node(&self) -> Node {
        match self.0.entity.clone() {
            SyncEntity::Article(row) => Node::Article(Article(row)),
            SyncEntity::Person(row) => Node::Person(Person(row)),
            SyncEntity::Institution(row) => Node::Institution(Institution(row)),
            SyncEntity::Agreement(row) => Node::Agreement(Agreement(row)),
            SyncEntity::Section(row) => Node::Section(Section(row)),
            SyncEntity::Position(row) => Node::Position(Position(row)),
        }
    }

    /// The title (or name) with the matched words in `<b>`; HTML-escaped otherwise.
    async fn title_html(&self) -> &str {
        &self.0.hit.title_html
    }

    /// A fragment of the text around the matched words, which are in `<b>`.
    async fn snippet_html(&self) -> &str {
        &self.0.hit.snippet_html
    }
}

/// A page of hits, best first.
#[derive(SimpleObject)]
#[graphql(cache_control(max_age = 30))]
pub struct SearchResults {
    /// The hits of this page.
    pub hits: Vec<SearchHit>,
    /// Pass as `after` for the next page.
    pub end_cursor: Option<String>,
    /// Whether more hits follow.
    pub has_next_page: bool,
}

fn decode_offset(after: Option<&str>) -> Result<usize, AppError> {
    let Some(after) = after else { return Ok(0) };
    URL_SAFE_NO_PAD
        .decode(after)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            text.strip_prefix("search:")
                .and_then(|offset| offset.parse().ok())
        })
        .ok_or_else(|| AppError::bad_input("after", "`after` is not a search cursor"))
}

/// Search queries.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Full-text search over what you may see: English (folded and stemmed) and Chinese
    /// (segmented into words). Any text is accepted; an empty query or one over 500 characters
    /// is `BAD_USER_INPUT`.
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        #[graphql(desc = "Only these types (default: all).")] types: Option<Vec<SearchType>>,
        #[graphql(default = 10, desc = "Hits per page, 1 to 50.")] first: i32,
        after: Option<String>,
    ) -> Result<SearchResults> {
        let request = request(ctx)?;
        if !(1..=50).contains(&first) {
            return Err(AppError::bad_input("first", "between 1 and 50").to_graphql());
        }
        let offset = decode_offset(after.as_deref()).gql()?;
        let kinds: Vec<SearchKind> = types
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect();
        let first = first as usize;
        let (hits, has_next_page) = search::visible_hits(
            &request.db,
            &request.viewer,
            &request.app.search,
            &query,
            &kinds,
            offset,
            first,
        )
        .await
        .gql()?;
        let end = offset + hits.len();
        Ok(SearchResults {
            end_cursor: (!hits.is_empty()).then(|| URL_SAFE_NO_PAD.encode(format!("search:{end}"))),
            hits: hits.into_iter().map(SearchHit).collect(),
            has_next_page,
        })
    }
}
