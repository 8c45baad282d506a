//! Relay connections: `edges { cursor node }`, `pageInfo` and a lazily counted `totalCount`.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object, OutputType};

use crate::content::agreements::{self, AgreementFilter};
use crate::content::articles::{self, ArticleFilter};
use crate::content::institutions::{self, InstitutionFilter};
use crate::content::people;
use crate::error::GraphqlResultExt;
use crate::graphql::request;
use crate::pagination::Page;

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

#[Object]
impl ListTotal {
    /// The number of items in the whole list, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let request = request(ctx)?;
        let db = &request.db;
        match self {
            ListTotal::Articles(filter) => articles::count(db, &request.viewer, filter).await,
            ListTotal::Institutions(filter) => institutions::count(db, filter).await,
            ListTotal::People => people::count(db).await,
            ListTotal::Agreements(filter) => agreements::count(db, filter).await,
        }
        .gql()
    }
}

/// A connection of `T` with `totalCount`.
pub type Paged<T> = Connection<String, T, ListTotal, EmptyFields>;

/// Builds a connection from a domain page.
pub fn connection<M, T: OutputType>(
    page: Page<M>,
    total: ListTotal,
    map: impl Fn(M) -> T,
) -> Paged<T> {
    let mut connection =
        Connection::with_additional_fields(page.has_previous_page, page.has_next_page, total);
    connection.edges.extend(
        page.items
            .into_iter()
            .map(|(cursor, row)| Edge::new(cursor, map(row))),
    );
    connection
}
