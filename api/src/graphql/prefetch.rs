//! Look-ahead prefetching: before a list's items are resolved, the relations the query selects
//! are loaded for all items at once, one statement per relation, into the request's DataLoader
//! cache. Item resolvers then find everything cached, so the number of statements depends on
//! the shape of the query, never on the page size or on timing.

use std::collections::HashSet;

use async_graphql::futures_util::future::BoxFuture;
use async_graphql::{Context, Lookahead, Result};
use entities::{agreement, article, institution};

use super::{prefetch, prefetch_many, request};
use crate::reads::loaders::{
    AgreementById, AgreementsOfArticle, AllSections, ArticleById, AuthorsOf, InstitutionById,
    InstitutionChildren, InstitutionsMentionedIn, MediaOf, PartiesOf, PeopleMentionedIn,
    PersonById, PositionsAt, PositionsOfPerson, SignatoriesOf, SuccessorsOf, TagsOf,
    TranslationGroup,
};

fn unique(ids: impl IntoIterator<Item = i64>) -> Vec<i64> {
    let mut seen = HashSet::with_hasher(foldhash::fast::RandomState::default());
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

/// Prefetches what `look` selects on each of `rows` (the `node` of an article list, or one
/// article).
pub fn articles<'a>(
    ctx: &'a Context<'_>,
    look: Lookahead<'a>,
    rows: &'a [article::Model],
) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        if !look.exists() || rows.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
        if look.field("section").exists() || look.field("breadcrumb").exists() {
            prefetch(ctx, vec![AllSections]).await?;
        }
        let byline = look.field("byline");
        let byline_text = byline.field("text").exists();
        if byline.field("institution").exists() || byline_text {
            let units = unique(rows.iter().filter_map(|row| row.source_institution_id));
            institutions(ctx, byline.field("institution"), units).await?;
        }
        if byline.field("authors").exists() || byline_text {
            let links = prefetch_many(ctx, ids.iter().map(|id| AuthorsOf(*id)).collect()).await?;
            let people_ids = unique(
                links
                    .values()
                    .flat_map(|links| links.iter())
                    .map(|link| link.person_id),
            );
            people(ctx, byline.field("authors"), people_ids).await?;
        }
        if look.field("media").exists() {
            prefetch(ctx, ids.iter().map(|id| MediaOf(*id)).collect()).await?;
        }
        let mentions = look.field("mentionedPeople");
        if mentions.exists() {
            let links =
                prefetch_many(ctx, ids.iter().map(|id| PeopleMentionedIn(*id)).collect()).await?;
            if mentions.field("person").exists() {
                let people_ids = unique(
                    links
                        .values()
                        .flat_map(|links| links.iter())
                        .map(|link| link.person_id),
                );
                people(ctx, mentions.field("person"), people_ids).await?;
            }
        }
        let mentioned = look.field("mentionedInstitutions");
        if mentioned.exists() {
            let links = prefetch_many(
                ctx,
                ids.iter().map(|id| InstitutionsMentionedIn(*id)).collect(),
            )
            .await?;
            let institution_ids = unique(
                links
                    .values()
                    .flat_map(|links| links.iter())
                    .map(|link| link.institution_id),
            );
            institutions(ctx, mentioned, institution_ids).await?;
        }
        let related = look.field("relatedAgreements");
        if related.exists() {
            let links =
                prefetch_many(ctx, ids.iter().map(|id| AgreementsOfArticle(*id)).collect()).await?;
            let agreement_ids = unique(
                links
                    .values()
                    .flat_map(|links| links.iter())
                    .map(|link| link.agreement_id),
            );
            agreements(ctx, related, agreement_ids).await?;
        }
        if look.field("tags").exists() {
            prefetch(ctx, ids.iter().map(|id| TagsOf(*id)).collect()).await?;
        }
        if look.field("translations").exists() {
            let groups = unique(
                rows.iter()
                    .map(|row| row.translation_of_id.unwrap_or(row.id)),
            );
            prefetch(ctx, groups.into_iter().map(TranslationGroup).collect()).await?;
        }
        if look.field("translationOf").exists() {
            let originals = unique(rows.iter().filter_map(|row| row.translation_of_id));
            prefetch(ctx, originals.into_iter().map(ArticleById).collect()).await?;
        }
        Ok(())
    })
}

/// Prefetches people by id and what `look` selects on them.
pub fn people<'a>(
    ctx: &'a Context<'_>,
    look: Lookahead<'a>,
    ids: Vec<i64>,
) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        if ids.is_empty() {
            return Ok(());
        }
        prefetch(ctx, ids.iter().map(|id| PersonById(*id)).collect()).await?;
        let positions = look.field("positions");
        if positions.exists() {
            let rows =
                prefetch_many(ctx, ids.iter().map(|id| PositionsOfPerson(*id)).collect()).await?;
            if positions.field("institution").exists() {
                let institution_ids = unique(
                    rows.values()
                        .flat_map(|rows| rows.iter())
                        .map(|row| row.institution_id),
                );
                institutions(ctx, positions.field("institution"), institution_ids).await?;
            }
        }
        Ok(())
    })
}

/// Keeps rows already fetched as fetched by id, so that nested prefetches do not refetch them.
fn keep_institutions(ctx: &Context<'_>, rows: Vec<institution::Model>) -> Result<()> {
    request(ctx)?.keep_rows(rows.into_iter().map(|row| (InstitutionById(row.id), row)))
}

/// Prefetches institutions by id and what `look` selects on them.
pub fn institutions<'a>(
    ctx: &'a Context<'_>,
    look: Lookahead<'a>,
    ids: Vec<i64>,
) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        if ids.is_empty() {
            return Ok(());
        }
        let keys = ids.iter().map(|id| InstitutionById(*id)).collect();
        let parent = look.field("parent");
        if parent.exists() {
            let rows = prefetch_many(ctx, keys).await?;
            let parents = unique(rows.values().filter_map(|row| row.parent_id));
            institutions(ctx, parent, parents).await?;
        } else {
            prefetch(ctx, keys).await?;
        }
        let children = look.field("children");
        if children.exists() {
            let groups =
                prefetch_many(ctx, ids.iter().map(|id| InstitutionChildren(*id)).collect()).await?;
            let rows: Vec<_> = groups
                .values()
                .flat_map(|group| group.iter().cloned())
                .collect();
            let child_ids = unique(rows.iter().map(|row| row.id));
            keep_institutions(ctx, rows)?;
            institutions(ctx, children, child_ids).await?;
        }
        let people_look = look.field("people");
        let positions = look.field("positions");
        if people_look.exists() || positions.exists() {
            let groups =
                prefetch_many(ctx, ids.iter().map(|id| PositionsAt(*id)).collect()).await?;
            let people_ids = unique(
                groups
                    .values()
                    .flat_map(|group| group.iter())
                    .map(|row| row.person_id),
            );
            let person_look = if people_look.exists() {
                people_look
            } else {
                positions.field("person")
            };
            if person_look.exists() {
                people(ctx, person_look, people_ids).await?;
            }
        }
        Ok(())
    })
}

/// Prefetches agreements by id and what `look` selects on them.
pub fn agreements<'a>(
    ctx: &'a Context<'_>,
    look: Lookahead<'a>,
    ids: Vec<i64>,
) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        if ids.is_empty() {
            return Ok(());
        }
        let rows = prefetch_many(ctx, ids.iter().map(|id| AgreementById(*id)).collect()).await?;
        let parties = look.field("parties");
        if parties.exists() {
            let groups = prefetch_many(ctx, ids.iter().map(|id| PartiesOf(*id)).collect()).await?;
            let institution_ids = unique(
                groups
                    .values()
                    .flat_map(|group| group.iter())
                    .map(|row| row.institution_id),
            );
            institutions(ctx, parties.field("institution"), institution_ids).await?;
        }
        let signatories = look.field("signatories");
        if signatories.exists() {
            let groups =
                prefetch_many(ctx, ids.iter().map(|id| SignatoriesOf(*id)).collect()).await?;
            let people_ids = unique(
                groups
                    .values()
                    .flat_map(|group| group.iter())
                    .map(|row| row.person_id),
            );
            people(ctx, signatories.field("person"), people_ids).await?;
            let institution_ids = unique(
                groups
                    .values()
                    .flat_map(|group| group.iter())
                    .filter_map(|row| row.institution_id),
            );
            institutions(ctx, signatories.field("institution"), institution_ids).await?;
        }
        let predecessor = look.field("predecessor");
        if predecessor.exists() {
            let previous = unique(rows.values().filter_map(|row| row.predecessor_id));
            agreements(ctx, predecessor, previous).await?;
        }
        let successors = look.field("successors");
        if successors.exists() || look.field("status").exists() {
            let groups =
                prefetch_many(ctx, ids.iter().map(|id| SuccessorsOf(*id)).collect()).await?;
            let rows: Vec<agreement::Model> = groups
                .values()
                .flat_map(|group| group.iter().cloned())
                .collect();
            let next_ids = unique(rows.iter().map(|row| row.id));
            request(ctx)?.keep_rows(rows.into_iter().map(|row| (AgreementById(row.id), row)))?;
            if successors.exists() {
                agreements(ctx, successors, next_ids).await?;
            }
        }
        Ok(())
    })
}

/// The item selection of a connection field: `edges { node { ... } }` and `nodes { ... }`.
pub fn connection_items<'a>(look: &Lookahead<'a>) -> [Lookahead<'a>; 2] {
    [look.field("edges").field("node"), look.field("nodes")]
}
