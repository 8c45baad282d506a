//! Relay connections: `edges { cursor node }`, `nodes`, `pageInfo` and a lazily counted
//! `totalCount`, declared per node type so that each is documented.

use async_graphql::connection::PageInfo;
use async_graphql::{Context, Object};

use super::{Agreement, Article, Institution, Person};
use crate::error::GraphqlResultExt;
use crate::graphql::render::{ArticleEdgeView, ArticleNode};
use crate::graphql::request;
use crate::reads::agreements::{self, AgreementFilter};
use crate::reads::articles::ArticleFilter;
use crate::reads::institutions::{self, InstitutionFilter};
use crate::reads::pagination::Page;
use crate::reads::people;

/// What a connection's `totalCount` counts. It is computed only when asked for.
pub enum ListTotal {
    /// Articles matching a filter, as the caller sees them.
    Articles(ArticleFilter),
    /// Institutions matching a filter.
    Institutions(InstitutionFilter),
    /// All people.
    People,
    /// Agreements matching a filter.
    Agreements(AgreementFilter),
}

impl ListTotal {
    async fn count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let request = request(ctx)?;
        let db = &request.db;
        match self {
            ListTotal::Articles(filter) => request.reader.article_count(filter).await,
            ListTotal::Institutions(filter) => institutions::count(db, filter).await,
            ListTotal::People => people::count(db).await,
            ListTotal::Agreements(filter) => agreements::count(db, filter).await,
        }
        .gql()
    }
}

fn page_info<T>(edges: &[(String, T)], has_previous_page: bool, has_next_page: bool) -> PageInfo {
    PageInfo {
        has_previous_page,
        has_next_page,
        start_cursor: edges.first().map(|(cursor, _)| cursor.clone()),
        end_cursor: edges.last().map(|(cursor, _)| cursor.clone()),
    }
}

macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ident, $what:literal) => {
        connection!(
            $connection,
            $edge,
            $node,
            $what,
            &$node,
            std::convert::identity,
            &$edge,
            std::convert::identity
        );
    };
    // `$view`: what `node` and `nodes` give for a `$node` (`$show` makes it); `$edge_view`:
    // what `edges` gives for an `$edge` (`$show_edge` makes it).
    ($connection:ident, $edge:ident, $node:ident, $what:literal, $view:ty, $show:expr, $edge_view:ty, $show_edge:expr) => {
        #[doc = concat!("A page of ", $what, ".")]
        pub struct $connection {
            edges: Vec<$edge>,
            page_info: PageInfo,
            total: ListTotal,
        }

        #[doc = concat!("A page of ", $what, ", with cursors for keyset pagination.")]
        #[Object(cache_control(max_age = 30))]
        impl $connection {
            /// The items of this page, each with its cursor.
            async fn edges(&self) -> Vec<$edge_view> {
                self.edges.iter().map($show_edge).collect()
            }

            /// The items of this page, without cursors.
            async fn nodes(&self) -> Vec<$view> {
                self.edges.iter().map(|edge| $show(&edge.node)).collect()
            }

            /// Where this page sits in the list.
            async fn page_info(&self) -> &PageInfo {
                &self.page_info
            }

            /// The number of items in the whole list, across all pages.
            async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
                self.total.count(ctx).await
            }
        }

        #[doc = concat!("One item in a page of ", $what, ".")]
        pub struct $edge {
            pub(crate) cursor: String,
            pub(crate) node: $node,
        }

        #[doc = concat!("One item in a page of ", $what, ", with its cursor.")]
        #[Object]
        impl $edge {
            /// Pass it as `after` (or `before`) to continue from this item.
            async fn cursor(&self) -> &str {
                &self.cursor
            }

            /// The item.
            async fn node(&self) -> $view {
                $show(&self.node)
            }
        }

        impl Paged for $node {
            type Connection = $connection;

            fn connection<M>(
                page: Page<M>,
                total: ListTotal,
                map: impl Fn(M) -> Self,
            ) -> $connection {
                let page_info = page_info(&page.items, page.has_previous_page, page.has_next_page);
                let edges = page
                    .items
                    .into_iter()
                    .map(|(cursor, row)| $edge {
                        cursor,
                        node: map(row),
                    })
                    .collect();
                $connection {
                    edges,
                    page_info,
                    total,
                }
            }
        }
    };
}

/// A node type that has a connection type.
pub trait Paged: Sized {
    /// The connection type.
    type Connection;

    /// Builds a connection from a domain page.
    fn connection<M>(page: Page<M>, total: ListTotal, map: impl Fn(M) -> Self) -> Self::Connection;
}

// Article nodes are rendered without resolvers where they can be (see `graphql::render`).
connection!(
    ArticleConnection,
    ArticleEdge,
    Article,
    "articles",
    ArticleNode<'_>,
    ArticleNode,
    ArticleEdgeView<'_>,
    ArticleEdgeView
);
connection!(
    InstitutionConnection,
    InstitutionEdge,
    Institution,
    "institutions"
);
connection!(PersonConnection, PersonEdge, Person, "people");
connection!(AgreementConnection, AgreementEdge, Agreement, "agreements");

/// Builds the connection for `T` from a domain page.
pub fn connection<M, T: Paged>(
    page: Page<M>,
    total: ListTotal,
    map: impl Fn(M) -> T,
) -> T::Connection {
    T::connection(page, total, map)
}
