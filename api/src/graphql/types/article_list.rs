//! Every list of articles: the filter it takes, one page of it, and the `articles` field that
//! sections, tags, people, institutions and agreements carry ([`object_with_articles!`]).

use async_graphql::{Context, ID, InputObject, Result};
use chrono::{DateTime, Utc};
use entities::article;

use super::connection::{ArticleConnection, ListTotal, connection};
use super::{Article, ArticleOrder, Locale};
use crate::error::{AppResult, GraphqlResultExt};
use crate::graphql::{page_args, prefetch, request};
use crate::ids::{self, Kind};
use crate::reads::articles::{self, ArticleFilter};

/// Which articles a list shows. Every field given narrows the list.
#[derive(InputObject, Clone)]
pub struct ArticleFilterInput {
    /// Only articles filed in this section (a `Section` ID).
    pub section: Option<ID>,
    /// Whether `section` also matches articles in its subsections.
    #[graphql(default = true)]
    pub include_subsections: bool,
    /// Only articles carrying the tag with this slug.
    pub tag: Option<String>,
    /// Only articles that name this person, in the text or the byline (a `Person` ID).
    pub person: Option<ID>,
    /// Only articles that name this institution or come from it (an `Institution` ID).
    pub institution: Option<ID>,
    /// Only articles about this agreement (an `Agreement` ID).
    pub agreement: Option<ID>,
    /// Only articles in this language.
    pub locale: Option<Locale>,
    /// Only articles published at or after this time.
    pub published_from: Option<DateTime<Utc>>,
    /// Only articles published before this time.
    pub published_before: Option<DateTime<Utc>>,
    /// Only articles matching this text (as `search` reads it; the best 1,000 matches), in the
    /// list's own order.
    pub query: Option<String>,
}

impl Default for ArticleFilterInput {
    fn default() -> Self {
        Self {
            section: None,
            include_subsections: true,
            tag: None,
            person: None,
            institution: None,
            agreement: None,
            locale: None,
            published_from: None,
            published_before: None,
            query: None,
        }
    }
}

impl ArticleFilterInput {
    /// Decodes the IDs into the domain filter; a bad ID names its field.
    pub fn into_domain(self) -> AppResult<ArticleFilter> {
        let decode =
            |field, kind, id: Option<ID>| id.map(|id| ids::decode_as(field, kind, &id)).transpose();
        Ok(ArticleFilter {
            section: decode("filter.section", Kind::Section, self.section)?,
            include_subsections: self.include_subsections,
            tag: self.tag,
            person: decode("filter.person", Kind::Person, self.person)?,
            institution: decode("filter.institution", Kind::Institution, self.institution)?,
            agreement: decode("filter.agreement", Kind::Agreement, self.agreement)?,
            locale: self.locale.map(Into::into),
            published_from: self.published_from,
            published_before: self.published_before,
            ids: None,
        })
    }
}

/// The arguments every article list takes.
pub(crate) struct ArticleListArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
    pub filter: Option<ArticleFilterInput>,
    pub order_by: ArticleOrder,
}

/// One page of visible articles; `narrow` sets the relation's own key (a person, a section...).
pub(crate) async fn article_connection(
    ctx: &Context<'_>,
    args: ArticleListArgs,
    narrow: impl FnOnce(&mut ArticleFilter),
) -> Result<ArticleConnection> {
    let request = request(ctx)?;
    let input = args.filter.unwrap_or_default();
    let query = input.query.clone();
    let mut filter = input.into_domain().gql()?;
    if let Some(query) = query {
        let hits = request
            .app
            .search
            .search(&query, &[crate::search::SearchKind::Article], 1000)
            .map_err(|error| match error {
                crate::error::AppError::BadInput { message, .. } => {
                    crate::error::AppError::bad_input("filter.query", message)
                }
                other => other,
            })
            .gql()?;
        filter.ids = Some(hits.hits.into_iter().map(|hit| hit.id).collect());
    }
    narrow(&mut filter);
    let page = page_args(args.first, args.after, args.last, args.before);
    let look = ctx.look_ahead();
    let items = prefetch::connection_items(&look);
    let needs_body = items.iter().any(|item| {
        ["bodyMarkdown", "bodyHtml", "bodyText", "jsonLd"]
            .iter()
            .any(|field| item.field(field).exists())
    });
    let bodies = if needs_body {
        articles::Bodies::Read
    } else {
        articles::Bodies::Skip
    };
    let rows = request
        .reader
        .article_page(&filter, args.order_by.into(), &page, bodies)
        .await
        .gql()?;
    let rows = crate::reads::pagination::Page::clone(&rows);
    let models: Vec<article::Model> = rows.items.iter().map(|(_, row)| row.clone()).collect();
    for look in items {
        prefetch::articles(ctx, look, &models).await?;
    }
    Ok(connection(rows, ListTotal::Articles(filter), Article))
}

/// Declares a GraphQL object (`#[Object] impl` as given) with the fields given and, last, the
/// `articles` field every catalog entity carries: its visible articles, narrowed by `narrow`
/// (given the object and the filter, it sets the filter's key for this object), with the same
/// arguments as `Query.articles`. The caller writes the object's attribute, the field's
/// attributes (its description and its complexity) and names `first` and `last`: the
/// complexity expression is resolved where the caller wrote it.
macro_rules! object_with_articles {
    (
        $pound:tt $object:tt
        $(#[$doc:meta])*
        impl $ty:ident {
            $($fields:tt)*
        }
        $(#[$field:meta])*
        articles($first:ident, $last:ident) = |$this:ident, $filter:ident| $narrow:expr;
    ) => {
        $pound $object
        $(#[$doc])*
        impl $ty {
            $($fields)*

            $(#[$field])*
            async fn articles(
                &self,
                ctx: &async_graphql::Context<'_>,
                $first: Option<i32>,
                after: Option<String>,
                $last: Option<i32>,
                before: Option<String>,
                filter: Option<$crate::graphql::types::ArticleFilterInput>,
                #[graphql(default)] order_by: $crate::graphql::types::ArticleOrder,
            ) -> async_graphql::Result<$crate::graphql::types::ArticleConnection> {
                let $this = self;
                let args = $crate::graphql::types::ArticleListArgs {
                    first: $first,
                    after,
                    last: $last,
                    before,
                    filter,
                    order_by,
                };
                $crate::graphql::types::article_connection(ctx, args, |$filter| $narrow).await
            }
        }
    };
}

pub(crate) use object_with_articles;
