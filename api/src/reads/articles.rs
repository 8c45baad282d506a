//! Articles and what hangs off them: media, byline, mentions, tags and translations.
//!
//! Every query here that returns articles goes through [`Viewer::article_condition`], so a draft,
//! an archived article or a scheduled one never reaches a caller who may not see it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::enums::Locale;
use entities::{
    article, article_agreement, article_author, article_institution, article_person, article_tag,
    media, tag,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, IdenStatic, Iterable, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select,
};

use super::{Viewer, group_by, sections};
use crate::error::AppResult;
use crate::reads::pagination::{self, KeyKind, Ordering, Page, PageArgs, SortKey};

/// Which articles a list shows. Every set field narrows the list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ArticleFilter {
    /// Filed in this section or, with `include_subsections`, anywhere below it.
    pub section: Option<i64>,
    /// Whether `section` includes its descendants.
    pub include_subsections: bool,
    /// Carries the tag with this slug.
    pub tag: Option<String>,
    /// Names this person (as a mention or in the byline).
    pub person: Option<i64>,
    /// Names this institution (as a mention or as the byline unit).
    pub institution: Option<i64>,
    /// Is about this agreement.
    pub agreement: Option<i64>,
    /// Written in this language.
    pub locale: Option<Locale>,
    /// Published at or after this time.
    pub published_from: Option<DateTime<Utc>>,
    /// Published before this time.
    pub published_before: Option<DateTime<Utc>>,
    /// Only these articles (the hits of a text query).
    pub ids: Option<Vec<i64>>,
}

/// The orders a list of articles can come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ArticleOrder {
    /// Latest publication first.
    #[default]
    NewestFirst,
    /// Earliest publication first.
    OldestFirst,
}

fn published_key(row: &article::Model) -> (SortKey, i64) {
    (SortKey::Time(row.sort_at), row.id)
}

fn ordering(order: ArticleOrder) -> Ordering<article::Entity> {
    Ordering {
        tag: match order {
            ArticleOrder::NewestFirst => "article:published:desc",
            ArticleOrder::OldestFirst => "article:published:asc",
        },
        column: article::Column::SortAt,
        id: article::Column::Id,
        descending: order == ArticleOrder::NewestFirst,
        key_kind: KeyKind::Time,
        key: published_key,
    }
}

fn article_ids_where<E: EntityTrait>(
    article_column: E::Column,
    condition: Condition,
) -> SelectStatement
where
    E::Column: ColumnTrait,
{
    Query::select()
        .column(article_column)
        .from(E::default())
        .cond_where(condition)
        .to_owned()
}

/// The visible articles matching `filter`, as a query to page or count.
async fn select<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    filter: &ArticleFilter,
) -> AppResult<Select<article::Entity>> {
    let mut select = article::Entity::find().filter(viewer.article_condition());
    if let Some(section) = filter.section {
        if filter.include_subsections {
            let ids = sections::tree(db).await?.subtree_ids(section);
            select = select.filter(article::Column::SectionId.is_in(ids));
        } else {
            select = select.filter(article::Column::SectionId.eq(section));
        }
    }
    if let Some(slug) = &filter.tag {
        let ids = Query::select()
            .column((article_tag::Entity, article_tag::Column::ArticleId))
            .from(article_tag::Entity)
            .inner_join(
                tag::Entity,
                Expr::col((tag::Entity, tag::Column::Id))
                    .equals((article_tag::Entity, article_tag::Column::TagId)),
            )
            .and_where(Expr::col((tag::Entity, tag::Column::Slug)).eq(slug.as_str()))
            .to_owned();
        select = select.filter(article::Column::Id.in_subquery(ids));
    }
    // "Names this person/institution" has two sources; one set of ids (a UNION) rather than an OR
    // of two conditions lets PostgreSQL start from the few ids instead of filtering the whole
    // list in date order (an institution page's articles: 20 ms -> 3 ms at 100,000 articles).
    if let Some(person) = filter.person {
        let ids = article_ids_where::<article_person::Entity>(
            article_person::Column::ArticleId,
            Condition::all().add(article_person::Column::PersonId.eq(person)),
        )
        .union(
            UnionType::All,
            article_ids_where::<article_author::Entity>(
                article_author::Column::ArticleId,
                Condition::all().add(article_author::Column::PersonId.eq(person)),
            ),
        )
        .to_owned();
        select = select.filter(article::Column::Id.in_subquery(ids));
    }
    if let Some(institution) = filter.institution {
        let ids = article_ids_where::<article::Entity>(
            article::Column::Id,
            Condition::all().add(article::Column::SourceInstitutionId.eq(institution)),
        )
        .union(
            UnionType::All,
            article_ids_where::<article_institution::Entity>(
                article_institution::Column::ArticleId,
                Condition::all().add(article_institution::Column::InstitutionId.eq(institution)),
            ),
        )
        .to_owned();
        select = select.filter(article::Column::Id.in_subquery(ids));
    }
    if let Some(agreement) = filter.agreement {
        select = select.filter(article::Column::Id.in_subquery(article_ids_where::<
            article_agreement::Entity,
        >(
            article_agreement::Column::ArticleId,
            Condition::all().add(article_agreement::Column::AgreementId.eq(agreement)),
        )));
    }
    if let Some(locale) = filter.locale {
        select = select.filter(article::Column::Locale.eq(locale));
    }
    if let Some(ids) = &filter.ids {
        select = select.filter(article::Column::Id.is_in(ids.iter().copied()));
    }
    if let Some(from) = filter.published_from {
        let from = crate::validate::instant("filter.publishedFrom", from)?;
        select = select.filter(article::Column::PublishedAt.gte(from));
    }
    if let Some(before) = filter.published_before {
        let before = crate::validate::instant("filter.publishedBefore", before)?;
        select = select.filter(article::Column::PublishedAt.lt(before));
    }
    Ok(select)
}

/// Whether a list reads the articles' bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bodies {
    /// Read them.
    Read,
    /// Leave them out: each row's `body` is empty (a news list shows titles and summaries; the
    /// bodies are most of an article's bytes).
    Skip,
}

/// One page of the visible articles matching `filter`.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    filter: &ArticleFilter,
    order: ArticleOrder,
    page: &PageArgs,
    bodies: Bodies,
) -> AppResult<Page<article::Model>> {
    let mut select = select(db, viewer, filter).await?;
    if bodies == Bodies::Skip {
        select = select
            .select_only()
            .columns(
                article::Column::iter().filter(|column| !matches!(column, article::Column::Body)),
            )
            .column_as(Expr::val(""), article::Column::Body.as_str());
    }
    pagination::fetch_page(db, select, &ordering(order), page).await
}

/// How many visible articles match `filter`.
pub async fn count<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    filter: &ArticleFilter,
) -> AppResult<u64> {
    Ok(select(db, viewer, filter).await?.count(db).await?)
}

/// About how many bytes a row takes in memory.
pub fn weight(row: &article::Model) -> usize {
    std::mem::size_of::<article::Model>()
        + row.slug.len()
        + row.title.len()
        + row.summary.as_ref().map_or(0, String::len)
        + row.body.len()
}

/// The visible article with this slug; without a locale, the English one is preferred.
pub async fn find_by_slug<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    slug: &str,
    locale: Option<Locale>,
) -> AppResult<Option<article::Model>> {
    let mut select = article::Entity::find()
        .filter(viewer.article_condition())
        .filter(article::Column::Slug.eq(slug));
    if let Some(locale) = locale {
        select = select.filter(article::Column::Locale.eq(locale));
    }
    Ok(select.order_by_asc(article::Column::Locale).one(db).await?)
}

/// The visible article with this slug in the `preferred` locale: the one with that slug and
/// locale, else the translation in that locale of the article with that slug, else the article
/// with that slug in another locale (a fallback, which the caller can tell from its locale).
pub async fn find_by_slug_preferring<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    slug: &str,
    preferred: Locale,
) -> AppResult<Option<article::Model>> {
    if let Some(exact) = find_by_slug(db, viewer, slug, Some(preferred)).await? {
        return Ok(Some(exact));
    }
    let Some(other) = find_by_slug(db, viewer, slug, None).await? else {
        return Ok(None);
    };
    let original = other.translation_of_id.unwrap_or(other.id);
    let group = translation_groups(db, viewer, &[original]).await?;
    let translated = group
        .get(&original)
        .and_then(|rows| rows.iter().find(|row| row.locale == preferred).cloned());
    Ok(Some(translated.unwrap_or(other)))
}

/// The visible articles among `ids`.
pub async fn find_by_ids<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    ids: &[i64],
) -> AppResult<HashMap<i64, article::Model>> {
    let rows = article::Entity::find()
        .filter(viewer.article_condition())
        .filter(article::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// What search needs to filter and count candidate articles, without their text.
#[derive(Debug, Clone, Copy)]
pub struct ArticleFacts {
    /// The section filed in.
    pub section_id: i64,
    /// Publication time.
    pub published_at: Option<DateTime<Utc>>,
    /// Language.
    pub locale: Locale,
}

/// [`ArticleFacts`] of the articles with these ids that the viewer may see.
pub async fn facts_by_ids<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    ids: &[i64],
) -> AppResult<HashMap<i64, ArticleFacts>> {
    let rows: Vec<(i64, i64, Option<DateTime<Utc>>, Locale)> = article::Entity::find()
        .select_only()
        .columns([
            article::Column::Id,
            article::Column::SectionId,
            article::Column::PublishedAt,
            article::Column::Locale,
        ])
        .filter(viewer.article_condition())
        .filter(article::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, section_id, published_at, locale)| {
            (
                id,
                ArticleFacts {
                    section_id,
                    published_at,
                    locale,
                },
            )
        })
        .collect())
}

/// The visible articles of each translation group, keyed by the group's original article id.
/// A group is an original and every article whose `translation_of_id` points at it.
pub async fn translation_groups<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    originals: &[i64],
) -> AppResult<HashMap<i64, Vec<article::Model>>> {
    let rows = article::Entity::find()
        .filter(viewer.article_condition())
        .filter(
            Condition::any()
                .add(article::Column::Id.is_in(originals.iter().copied()))
                .add(article::Column::TranslationOfId.is_in(originals.iter().copied())),
        )
        .order_by_asc(article::Column::Locale)
        .order_by_asc(article::Column::Id)
        .all(db)
        .await?;
    Ok(group_by(rows, |row| {
        row.translation_of_id.unwrap_or(row.id)
    }))
}

/// The media of each article, in order.
pub async fn media_of<C: ConnectionTrait>(
    db: &C,
    articles: &[i64],
) -> AppResult<HashMap<i64, Vec<media::Model>>> {
    let rows = media::Entity::find()
        .filter(media::Column::ArticleId.is_in(articles.iter().copied()))
        .order_by_asc(media::Column::Position)
        .order_by_asc(media::Column::Id)
        .all(db)
        .await?;
    Ok(group_by(rows, |row| row.article_id))
}

/// Media items by id, only those whose article the viewer may see.
pub async fn media_by_ids<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    ids: &[i64],
) -> AppResult<HashMap<i64, media::Model>> {
    let visible_articles = Query::select()
        .column(article::Column::Id)
        .from(article::Entity)
        .cond_where(viewer.article_condition())
        .to_owned();
    let rows = media::Entity::find()
        .filter(media::Column::Id.is_in(ids.iter().copied()))
        .filter(media::Column::ArticleId.in_subquery(visible_articles))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// The byline authors of each article, in order.
pub async fn authors_of<C: ConnectionTrait>(
    db: &C,
    articles: &[i64],
) -> AppResult<HashMap<i64, Vec<article_author::Model>>> {
    let rows = article_author::Entity::find()
        .filter(article_author::Column::ArticleId.is_in(articles.iter().copied()))
        .order_by_asc(article_author::Column::Position)
        .all(db)
        .await?;
    Ok(group_by(rows, |row| row.article_id))
}

/// The people each article names, in order.
pub async fn people_mentioned_in<C: ConnectionTrait>(
    db: &C,
    articles: &[i64],
) -> AppResult<HashMap<i64, Vec<article_person::Model>>> {
    let rows = article_person::Entity::find()
        .filter(article_person::Column::ArticleId.is_in(articles.iter().copied()))
        .order_by_asc(article_person::Column::Position)
        .all(db)
        .await?;
    Ok(group_by(rows, |row| row.article_id))
}

/// The institutions each article names, in order.
pub async fn institutions_mentioned_in<C: ConnectionTrait>(
    db: &C,
    articles: &[i64],
) -> AppResult<HashMap<i64, Vec<article_institution::Model>>> {
    let rows = article_institution::Entity::find()
        .filter(article_institution::Column::ArticleId.is_in(articles.iter().copied()))
        .order_by_asc(article_institution::Column::Position)
        .all(db)
        .await?;
    Ok(group_by(rows, |row| row.article_id))
}

/// The agreements each article is about, in order.
pub async fn agreements_of<C: ConnectionTrait>(
    db: &C,
    articles: &[i64],
) -> AppResult<HashMap<i64, Vec<article_agreement::Model>>> {
    let rows = article_agreement::Entity::find()
        .filter(article_agreement::Column::ArticleId.is_in(articles.iter().copied()))
        .order_by_asc(article_agreement::Column::Position)
        .all(db)
        .await?;
    Ok(group_by(rows, |row| row.article_id))
}

/// The tags of each article, in order (two statements).
pub async fn tags_of<C: ConnectionTrait>(
    db: &C,
    articles: &[i64],
) -> AppResult<HashMap<i64, Vec<tag::Model>>> {
    let links = article_tag::Entity::find()
        .filter(article_tag::Column::ArticleId.is_in(articles.iter().copied()))
        .order_by_asc(article_tag::Column::Position)
        .all(db)
        .await?;
    if links.is_empty() {
        return Ok(HashMap::new());
    }
    let tags = tags_by_ids(
        db,
        &links.iter().map(|link| link.tag_id).collect::<Vec<_>>(),
    )
    .await?;
    let mut result: HashMap<i64, Vec<tag::Model>> = HashMap::new();
    for link in links {
        if let Some(tag) = tags.get(&link.tag_id) {
            result.entry(link.article_id).or_default().push(tag.clone());
        }
    }
    Ok(result)
}

/// Tags by id.
pub async fn tags_by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> AppResult<HashMap<i64, tag::Model>> {
    let rows = tag::Entity::find()
        .filter(tag::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}
