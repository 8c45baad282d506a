//! The root `Query`: one object per domain, merged.

use async_graphql::{Context, ID, MergedObject, Object, Result};
use entities::enums::EntityType;

use super::types::{
    Agreement, AgreementConnection, AgreementFilterInput, ApiToken, Article, ArticleConnection,
    ArticleFilterInput, ArticleOrder, AuditEntry, Institution, InstitutionConnection,
    InstitutionFilterInput, ListTotal, Locale, Node, Person, PersonConnection, Section, SyncPage,
    SyncType, User, connection,
};
use super::{load, missing, page_args, prefetch, request};
use crate::error::{AppError, GraphqlResultExt};
use crate::graphql::types::{
    AgreementListArgs, ArticleListArgs, agreement_connection, article_connection,
};
use crate::reads::loaders::AllSections;
use crate::reads::pagination::MAX_PAGE_SIZE;
use crate::reads::{institutions, people};

/// Every query root field.
#[derive(MergedObject, Default)]
pub struct Query(
    NodeQuery,
    ArticleQuery,
    SectionQuery,
    InstitutionQuery,
    PersonQuery,
    AgreementQuery,
    AccountQuery,
    super::webhook_types::WebhookQuery,
    super::search_types::SearchQuery,
);

/// The caller's account, API tokens and the audit log.
#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The sync feed. Without a token: everything you may see, in pages, then a token. With a
    /// token: every change since, in order, with deletions (and anything that left your view) as
    /// `DELETE` items. Filtering by type never drops a deletion of that type. `includeDrafts` is
    /// for editors, admins, integrator accounts and API tokens with the `content:drafts` scope;
    /// without it, the feed holds only what the public sees.
    async fn sync(
        &self,
        ctx: &Context<'_>,
        token: Option<String>,
        #[graphql(desc = "Only these types (default: all).")] types: Option<Vec<SyncType>>,
        #[graphql(default = 100, desc = "Largest page, 1 to 500.")] first: i32,
        #[graphql(default = false)] include_drafts: bool,
    ) -> Result<SyncPage> {
        use crate::content::sync;
        let request = request(ctx)?;
        let mut viewer = request.viewer.clone();
        if include_drafts {
            match viewer.identity() {
                Some(identity) if identity.may_sync_drafts() => viewer = viewer.with_drafts(),
                Some(_) => {
                    return Err(AppError::Forbidden(
                        "only editors, admins, integrators and API tokens with the `content:drafts` scope may sync drafts".into(),
                    )
                    .to_graphql());
                }
                None => {
                    return Err(AppError::Unauthenticated(
                        "log in or use an API token to sync drafts",
                    )
                    .to_graphql());
                }
            }
        }
        let types: Vec<sync::SyncType> = types
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect();
        let page = sync::page(
            &request.db,
            &viewer,
            token.as_deref(),
            &types,
            u64::try_from(first).unwrap_or(0),
        )
        .await
        .gql()?;
        Ok(SyncPage {
            items: page.items.into_iter().map(super::types::SyncItem).collect(),
            next_token: page.next_token,
            has_more: page.has_more,
        })
    }

    /// The logged-in user; null for anonymous callers and API tokens.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let request = request(ctx)?;
        let Some(id) = request.viewer.user_id() else {
            return Ok(None);
        };
        Ok(crate::auth::users::find(&request.db, id)
            .await
            .gql()?
            .map(User))
    }

    /// Every user, by email (admins only).
    async fn users(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        let request = request(ctx)?;
        crate::editorial::permissions::administer(&request.viewer).gql()?;
        let rows = crate::auth::users::list(&request.db).await.gql()?;
        Ok(rows.into_iter().map(User).collect())
    }

    /// Every API token, newest first (admins only).
    async fn api_tokens(&self, ctx: &Context<'_>) -> Result<Vec<ApiToken>> {
        let request = request(ctx)?;
        crate::editorial::permissions::administer(&request.viewer).gql()?;
        let rows = crate::auth::api_tokens::list(&request.db).await.gql()?;
        Ok(rows.into_iter().map(ApiToken).collect())
    }

    /// The latest audited mutations, newest first (admins only).
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50, desc = "How many entries, at most 100.")] first: i32,
        #[graphql(desc = "Only entries about this type (`Article`, `Person`, ...).")]
        entity_type: Option<String>,
        #[graphql(desc = "Only entries about this entity.")] entity: Option<ID>,
    ) -> Result<Vec<AuditEntry>> {
        let request = request(ctx)?;
        crate::editorial::permissions::administer(&request.viewer).gql()?;
        if !(1..=100).contains(&first) {
            return Err(AppError::bad_input("first", "between 1 and 100").to_graphql());
        }
        let entity = match &entity {
            Some(id) => Some(crate::ids::decode("entity", id).gql()?),
            None => None,
        };
        let entity_type = match entity_type {
            Some(name) => Some(EntityType::from_name(&name).ok_or_else(|| {
                AppError::bad_input("entityType", format!("no entity type is called `{name}`"))
                    .to_graphql()
            })?),
            None => None,
        };
        // An id names its type; one of a type that is never audited finds nothing.
        let entity_type = match (entity_type, entity) {
            (Some(kind), _) => Some(kind),
            (None, Some((kind, _))) => match EntityType::from_name(kind.name()) {
                Some(kind) => Some(kind),
                None => return Ok(Vec::new()),
            },
            (None, None) => None,
        };
        let rows = crate::journal::entries(
            &request.db,
            first as u64,
            entity_type,
            entity.map(|(_, id)| id),
        )
        .await
        .gql()?;
        Ok(rows.into_iter().map(AuditEntry).collect())
    }
}

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
    /// The article with this slug, if the caller may see it. Without `locale`, the language of
    /// the `Accept-Language` header is preferred (its translation, when the slug is another
    /// language's), then English; `localeFallbackFrom` tells when the language asked for was
    /// missing.
    async fn article(
        &self,
        ctx: &Context<'_>,
        slug: String,
        locale: Option<Locale>,
    ) -> Result<Option<Article>> {
        let request = request(ctx)?;
        let row = request
            .reader
            .article_by_slug(&slug, locale.map(Into::into), request.preferred_locale)
            .await
            .gql()?;
        if let Some(row) = &row {
            prefetch::articles(ctx, ctx.look_ahead(), std::slice::from_ref(row)).await?;
        }
        Ok(row.map(Article))
    }

    /// The article a preview token opens, whatever its status, until the token expires.
    /// Never cached by shared caches: the token's holder alone may see it, and only until then.
    #[graphql(cache_control(private, no_cache))]
    async fn article_preview(&self, ctx: &Context<'_>, token: String) -> Result<Article> {
        let request = request(ctx)?;
        let row = crate::editorial::articles::open_preview(&request.db, &request.app.keys, &token)
            .await
            .gql()?;
        Ok(Article(row))
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
        let row = crate::reads::agreements::find_by_slug(&request.db, &slug)
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
