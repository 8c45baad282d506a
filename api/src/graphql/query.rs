//! The root `Query`: one object per domain, merged.

use async_graphql::{Context, ID, MergedObject, Object, Result};

use super::types::{
    Agreement, AgreementConnection, AgreementFilterInput, Article, ArticleConnection,
    ArticleFilterInput, ArticleOrder, Institution, InstitutionConnection, InstitutionFilterInput,
    ListTotal, Locale, Node, Person, PersonConnection, Section, connection,
};
use super::{load, missing, page_args, prefetch, request};
use crate::content::{articles, institutions, people};
use crate::error::{AppError, GraphqlResultExt};
use crate::graphql::loaders::AllSections;
use crate::graphql::types::{
    AgreementListArgs, ArticleListArgs, agreement_connection, article_connection,
};
use crate::pagination::MAX_PAGE_SIZE;

/// Every query root field.
#[derive(MergedObject, Default)]
pub struct Query(
    NodeQuery,
    ArticleQuery,
    SectionQuery,
    InstitutionQuery,
    PersonQuery,
    AgreementQuery,
);

/// `node` and `nodes`.
#[derive(Default)]
pub struct NodeQuery;

/// `node` and `nodes`.
#[Object]
impl NodeQuery {
    /// The object with this global ID, or null if there is none the caller may see.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        Node::fetch(ctx, "id", &id).await
    }

    /// The objects with these global IDs, in the same order; null where there is none.
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_PAGE_SIZE as usize {
            return Err(
                AppError::bad_input("ids", format!("at most {MAX_PAGE_SIZE} IDs at once"))
                    .to_graphql(),
            );
        }
        let fetches = ids.iter().map(|id| Node::fetch(ctx, "ids", id));
        futures_util::future::try_join_all(fetches).await
    }
}

/// Articles.
#[derive(Default)]
pub struct ArticleQuery;

/// Articles.
#[Object]
impl ArticleQuery {
    /// The article with this slug, if the caller may see it. Without `locale`, the English
    /// version is preferred.
    async fn article(
        &self,
        ctx: &Context<'_>,
        slug: String,
        locale: Option<Locale>,
    ) -> Result<Option<Article>> {
        let request = request(ctx)?;
        let row =
            articles::find_by_slug(&request.db, &request.viewer, &slug, locale.map(Into::into))
                .await
                .gql()?;
        if let Some(row) = &row {
            prefetch::articles(ctx, ctx.look_ahead(), std::slice::from_ref(row)).await?;
        }
        Ok(row.map(Article))
    }

    /// The articles the caller may see, newest first unless `orderBy` says otherwise.
    #[graphql(complexity = "crate::graphql::page_cost(first, last, child_complexity)")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forward (at most 100; default 20).")] first: Option<i32>,
        #[graphql(desc = "Return the items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Page size going backward (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return the items before this cursor.")] before: Option<String>,
        filter: Option<ArticleFilterInput>,
        #[graphql(default)] order_by: ArticleOrder,
    ) -> Result<ArticleConnection> {
        let args = ArticleListArgs {
            first,
            after,
            last,
            before,
            filter,
            order_by,
        };
        article_connection(ctx, args, |_| {}).await
    }
}

/// Sections.
#[derive(Default)]
pub struct SectionQuery;

/// Sections.
#[Object]
impl SectionQuery {
    /// The top-level sections, in order; follow `children` for the rest of the tree.
    async fn sections(&self, ctx: &Context<'_>) -> Result<Vec<Section>> {
        let tree = load(ctx, AllSections)
            .await?
            .ok_or_else(|| missing("section tree"))?;
        Ok(tree
            .children(None)
            .into_iter()
            .cloned()
            .map(Section)
            .collect())
    }

    /// The section with this slug.
    async fn section(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Section>> {
        let tree = load(ctx, AllSections)
            .await?
            .ok_or_else(|| missing("section tree"))?;
        Ok(tree.by_slug(&slug).cloned().map(Section))
    }
}

/// Institutions.
#[derive(Default)]
pub struct InstitutionQuery;

/// Institutions.
#[Object]
impl InstitutionQuery {
    /// The institution with this slug.
    async fn institution(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Institution>> {
        let request = request(ctx)?;
        let row = institutions::find_by_slug(&request.db, &slug).await.gql()?;
        Ok(row.map(Institution))
    }

    /// Institutions by English name.
    #[graphql(complexity = "crate::graphql::page_cost(first, last, child_complexity)")]
    async fn institutions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<InstitutionFilterInput>,
    ) -> Result<InstitutionConnection> {
        let request = request(ctx)?;
        let filter = filter.unwrap_or_default().into_domain().gql()?;
        let page = page_args(first, after, last, before);
        let rows = institutions::list(&request.db, &filter, &page)
            .await
            .gql()?;
        let ids: Vec<i64> = rows.items.iter().map(|(_, row)| row.id).collect();
        for look in prefetch::connection_items(&ctx.look_ahead()) {
            prefetch::institutions(ctx, look, ids.clone()).await?;
        }
        Ok(connection(
            rows,
            ListTotal::Institutions(filter),
            Institution,
        ))
    }
}

/// People.
#[derive(Default)]
pub struct PersonQuery;

/// People.
#[Object]
impl PersonQuery {
    /// The person with this slug.
    async fn person(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Person>> {
        let request = request(ctx)?;
        let row = people::find_by_slug(&request.db, &slug).await.gql()?;
        Ok(row.map(Person))
    }

    /// People by English name.
    #[graphql(complexity = "crate::graphql::page_cost(first, last, child_complexity)")]
    async fn people(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<PersonConnection> {
        let request = request(ctx)?;
        let page = page_args(first, after, last, before);
        let rows = people::list(&request.db, &page).await.gql()?;
        let ids: Vec<i64> = rows.items.iter().map(|(_, row)| row.id).collect();
        for look in prefetch::connection_items(&ctx.look_ahead()) {
            prefetch::people(ctx, look, ids.clone()).await?;
        }
        Ok(connection(rows, ListTotal::People, Person))
    }
}

/// Agreements.
#[derive(Default)]
pub struct AgreementQuery;

/// Agreements.
#[Object]
impl AgreementQuery {
    /// The agreement with this slug.
    async fn agreement(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Agreement>> {
        let request = request(ctx)?;
        let row = crate::content::agreements::find_by_slug(&request.db, &slug)
            .await
            .gql()?;
        Ok(row.map(Agreement))
    }

    /// Agreements by English title.
    #[graphql(complexity = "crate::graphql::page_cost(first, last, child_complexity)")]
    async fn agreements(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<AgreementFilterInput>,
    ) -> Result<AgreementConnection> {
        agreement_connection(
            ctx,
            AgreementListArgs {
                first,
                after,
                last,
                before,
                filter,
            },
            |_| {},
        )
        .await
    }
}
