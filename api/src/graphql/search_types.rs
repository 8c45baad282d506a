//! `search`: ranked hits across articles, people, institutions and agreements.

use async_graphql::{Context, Enum, Object, Result, SimpleObject};

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

/// How many hits of one type.
#[derive(SimpleObject)]
pub struct TypeCount {
    /// The type.
    pub r#type: SearchType,
    /// Hits of it.
    pub count: i32,
}

/// How many article hits in one section.
#[derive(SimpleObject)]
pub struct SectionCount {
    /// The section.
    pub section: Section,
    /// Article hits filed there.
    pub count: i32,
}

/// How many article hits from one year.
#[derive(SimpleObject)]
pub struct YearCount {
    /// The year of publication.
    pub year: i32,
    /// Article hits from it.
    pub count: i32,
}

/// Counts of the hits (among the best 500) for a results page to offer filters.
#[derive(SimpleObject)]
pub struct SearchFacets {
    /// By type, most first.
    pub types: Vec<TypeCount>,
    /// Articles by section, most first.
    pub sections: Vec<SectionCount>,
    /// Articles by year of publication, latest first.
    pub years: Vec<YearCount>,
}

/// One hit with its cursor.
#[derive(SimpleObject)]
#[graphql(cache_control(max_age = 30))]
pub struct SearchHitEdge {
    /// Pass it as `after` to continue after this hit.
    pub cursor: String,
    /// The hit.
    pub node: SearchHit,
}

/// A page of hits, best first.
#[derive(SimpleObject)]
#[graphql(cache_control(max_age = 30))]
pub struct SearchHitConnection {
    /// The hits of this page, each with its cursor.
    pub edges: Vec<SearchHitEdge>,
    /// Where this page sits in the results.
    pub page_info: async_graphql::connection::PageInfo,
    /// Counts by type, section and year.
    pub facets: SearchFacets,
}

/// A completion for the search box.
pub struct Suggestion {
    text: String,
    entity: SyncEntity,
}

/// A completion for the search box.
#[Object(cache_control(max_age = 60))]
impl Suggestion {
    /// What to show and fill in.
    async fn text(&self) -> &str {
        &self.text
    }

    /// What it is.
    async fn r#type(&self) -> SearchType {
        match self.entity {
            SyncEntity::Person(_) => SearchType::Person,
            SyncEntity::Institution(_) => SearchType::Institution,
            SyncEntity::Agreement(_) => SearchType::Agreement,
            _ => SearchType::Article,
        }
    }

    /// The thing itself.
    async fn node(&self) -> Node {
        entity_node(self.entity.clone())
    }
}

fn entity_node(entity: SyncEntity) -> Node {
    match entity {
        SyncEntity::Article(row) => Node::Article(Article(row)),
        SyncEntity::Person(row) => Node::Person(Person(row)),
        SyncEntity::Institution(row) => Node::Institution(Institution(row)),
        SyncEntity::Agreement(row) => Node::Agreement(Agreement(row)),
        SyncEntity::Section(row) => Node::Section(Section(row)),
        SyncEntity::Position(row) => Node::Position(Position(row)),
    }
}

/// Narrows the hits to articles (a results page's filters, see `facets`).
#[derive(async_graphql::InputObject, Default)]
pub struct SearchFilterInput {
    /// Articles in this section or below it (a `Section` ID).
    pub section: Option<async_graphql::ID>,
    /// Articles published in this year.
    pub year: Option<i32>,
    /// Articles in this language.
    pub locale: Option<super::types::Locale>,
}

/// Search queries.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Completions as the user types: people and institutions whose name, and articles you may
    /// see whose title, starts with `prefix` (or has a word that does).
    async fn suggest(
        &self,
        ctx: &Context<'_>,
        prefix: String,
        #[graphql(default = 8, desc = "At most 20.")] first: i32,
    ) -> Result<Vec<Suggestion>> {
        let request = request(ctx)?;
        if !(1..=20).contains(&first) {
            return Err(AppError::bad_input("first", "between 1 and 20").to_graphql());
        }
        let rows = search::suggest(&request.db, &request.viewer, &prefix, first as u64)
            .await
            .gql()?;
        Ok(rows
            .into_iter()
            .map(|(text, entity)| Suggestion { text, entity })
            .collect())
    }

    /// Full-text search over what you may see: English (folded and stemmed) and Chinese
    /// (segmented into words). Any text is accepted; an empty query or one over 500 characters
    /// is `BAD_USER_INPUT`.
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        #[graphql(desc = "Only these types (default: all).")] types: Option<Vec<SearchType>>,
        #[graphql(desc = "Only articles in a section, year or language.")] filter: Option<
            SearchFilterInput,
        >,
        #[graphql(default = 10, desc = "Hits per page, 1 to 50.")] first: i32,
        after: Option<String>,
    ) -> Result<SearchHitConnection> {
        let request = request(ctx)?;
        if !(1..=50).contains(&first) {
            return Err(AppError::bad_input("first", "between 1 and 50").to_graphql());
        }
        let offset = search::decode_cursor("after", after.as_deref()).gql()?;
        let kinds: Vec<SearchKind> = types
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect();
        let input = filter.unwrap_or_default();
        let sections = match &input.section {
            Some(id) => {
                let id =
                    crate::ids::decode_as("filter.section", crate::ids::Kind::Section, id).gql()?;
                let tree = crate::reads::sections::tree(&request.db).await.gql()?;
                Some(tree.subtree_ids(id))
            }
            None => None,
        };
        let filter = search::SearchFilter {
            sections,
            year: input.year,
            locale: input.locale.map(Into::into),
        };
        let first = first as usize;
        let (hits, has_next_page, facets) = search::visible_hits(
            &request.db,
            &request.viewer,
            &request.app.search,
            &query,
            &kinds,
            &filter,
            offset,
            first,
        )
        .await
        .gql()?;
        let tree = crate::reads::sections::tree(&request.db).await.gql()?;
        let facets = SearchFacets {
            types: facets
                .types
                .into_iter()
                .map(|(kind, count)| TypeCount {
                    r#type: kind.into(),
                    count: count as i32,
                })
                .collect(),
            sections: facets
                .sections
                .into_iter()
                .filter_map(|(id, count)| {
                    tree.get(id).cloned().map(|row| SectionCount {
                        section: Section(row),
                        count: count as i32,
                    })
                })
                .collect(),
            years: facets
                .years
                .into_iter()
                .map(|(year, count)| YearCount {
                    year,
                    count: count as i32,
                })
                .collect(),
        };
        let edges: Vec<SearchHitEdge> = hits
            .into_iter()
            .enumerate()
            .map(|(index, hit)| SearchHitEdge {
                cursor: search::encode_cursor(offset + index + 1),
                node: SearchHit(hit),
            })
            .collect();
        let page_info = async_graphql::connection::PageInfo {
            has_previous_page: offset > 0,
            has_next_page,
            start_cursor: edges.first().map(|edge| edge.cursor.clone()),
            end_cursor: edges.last().map(|edge| edge.cursor.clone()),
        };
        Ok(SearchHitConnection {
            edges,
            page_info,
            facets,
        })
    }
}
