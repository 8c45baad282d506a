//! What an editor writes about an article: its fields in full, a patch of some of them, and
//! the fields an article has now (to patch, and to snapshot in a revision).

use entities::enums::{Locale, MentionRole};
use entities::{
    article, article_agreement, article_author, article_institution, article_person, article_tag,
    media, tag,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};

use crate::error::AppResult;

/// A media item as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaFields {
    /// File URL.
    pub url: Option<String>,
    /// Caption.
    pub caption: Option<String>,
    /// Alt text.
    pub alt_text: Option<String>,
    /// Credit.
    pub credit: Option<String>,
    /// Width in pixels.
    pub width: Option<i32>,
    /// Height in pixels.
    pub height: Option<i32>,
}

/// A person named in an article, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MentionFields {
    /// The person.
    pub person_id: i64,
    /// Why they are named.
    pub roles: Vec<MentionRole>,
    /// Their title as printed.
    pub title_as_printed: Option<String>,
}

/// Everything an editor sets on an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleFields {
    /// Headline.
    pub title: String,
    /// URL slug; generated from the title when absent.
    pub slug: Option<String>,
    /// Standfirst.
    pub summary: Option<String>,
    /// Markdown body.
    pub body: String,
    /// Section.
    pub section_id: i64,
    /// Language.
    pub locale: Locale,
    /// Byline unit.
    pub source_institution_id: Option<i64>,
    /// The original this translates.
    pub translation_of_id: Option<i64>,
    /// Byline authors, in order.
    pub authors: Vec<i64>,
    /// Media, in order.
    pub media: Vec<MediaFields>,
    /// People named, in order.
    pub people: Vec<MentionFields>,
    /// Institutions named, in order.
    pub institutions: Vec<i64>,
    /// Related agreements, in order.
    pub agreements: Vec<i64>,
    /// Tag slugs, in order.
    pub tags: Vec<String>,
}

/// A partial update: `None` keeps the current value; for nullable fields `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ArticlePatch {
    /// Headline.
    pub title: Option<String>,
    /// Slug.
    pub slug: Option<String>,
    /// Standfirst.
    pub summary: Option<Option<String>>,
    /// Body.
    pub body: Option<String>,
    /// Section.
    pub section_id: Option<i64>,
    /// Language.
    pub locale: Option<Locale>,
    /// Byline unit.
    pub source_institution_id: Option<Option<i64>>,
    /// Original.
    pub translation_of_id: Option<Option<i64>>,
    /// Authors.
    pub authors: Option<Vec<i64>>,
    /// Media.
    pub media: Option<Vec<MediaFields>>,
    /// People.
    pub people: Option<Vec<MentionFields>>,
    /// Institutions.
    pub institutions: Option<Vec<i64>>,
    /// Agreements.
    pub agreements: Option<Vec<i64>>,
    /// Tags.
    pub tags: Option<Vec<String>>,
}

/// The fields of a stored article, links included.
pub(super) async fn current_fields<C: ConnectionTrait>(
    db: &C,
    row: &article::Model,
) -> AppResult<ArticleFields> {
    let id = row.id;
    let authors = article_author::Entity::find()
        .filter(article_author::Column::ArticleId.eq(id))
        .order_by_asc(article_author::Column::Position)
        .all(db)
        .await?;
    let media_rows = media::Entity::find()
        .filter(media::Column::ArticleId.eq(id))
        .order_by_asc(media::Column::Position)
        .all(db)
        .await?;
    let mentions = article_person::Entity::find()
        .filter(article_person::Column::ArticleId.eq(id))
        .order_by_asc(article_person::Column::Position)
        .all(db)
        .await?;
    let institutions = article_institution::Entity::find()
        .filter(article_institution::Column::ArticleId.eq(id))
        .order_by_asc(article_institution::Column::Position)
        .all(db)
        .await?;
    let agreements = article_agreement::Entity::find()
        .filter(article_agreement::Column::ArticleId.eq(id))
        .order_by_asc(article_agreement::Column::Position)
        .all(db)
        .await?;
    let tag_links = article_tag::Entity::find()
        .filter(article_tag::Column::ArticleId.eq(id))
        .order_by_asc(article_tag::Column::Position)
        .all(db)
        .await?;
    let tag_rows = tag::Entity::find()
        .filter(tag::Column::Id.is_in(tag_links.iter().map(|link| link.tag_id)))
        .all(db)
        .await?;
    let mut people: Vec<MentionFields> = Vec::new();
    for mention in mentions {
        match people
            .iter_mut()
            .find(|entry| entry.person_id == mention.person_id)
        {
            Some(entry) => entry.roles.push(mention.role),
            None => people.push(MentionFields {
                person_id: mention.person_id,
                roles: vec![mention.role],
                title_as_printed: mention.title_as_printed,
            }),
        }
    }
    Ok(ArticleFields {
        title: row.title.clone(),
        slug: Some(row.slug.clone()),
        summary: row.summary.clone(),
        body: row.body.clone(),
        section_id: row.section_id,
        locale: row.locale,
        source_institution_id: row.source_institution_id,
        translation_of_id: row.translation_of_id,
        authors: authors.into_iter().map(|link| link.person_id).collect(),
        media: media_rows
            .into_iter()
            .map(|row| MediaFields {
                url: row.url,
                caption: row.caption,
                alt_text: row.alt_text,
                credit: row.credit,
                width: row.width,
                height: row.height,
            })
            .collect(),
        people,
        institutions: institutions
            .into_iter()
            .map(|link| link.institution_id)
            .collect(),
        agreements: agreements
            .into_iter()
            .map(|link| link.agreement_id)
            .collect(),
        tags: tag_links
            .iter()
            .filter_map(|link| {
                tag_rows
                    .iter()
                    .find(|tag| tag.id == link.tag_id)
                    .map(|tag| tag.slug.clone())
            })
            .collect(),
    })
}

pub(super) fn apply(mut fields: ArticleFields, patch: ArticlePatch) -> ArticleFields {
    if let Some(title) = patch.title {
        fields.title = title;
    }
    if let Some(slug) = patch.slug {
        fields.slug = Some(slug);
    }
    if let Some(summary) = patch.summary {
        fields.summary = summary;
    }
    if let Some(body) = patch.body {
        fields.body = body;
    }
    if let Some(section) = patch.section_id {
        fields.section_id = section;
    }
    if let Some(locale) = patch.locale {
        fields.locale = locale;
    }
    if let Some(unit) = patch.source_institution_id {
        fields.source_institution_id = unit;
    }
    if let Some(original) = patch.translation_of_id {
        fields.translation_of_id = original;
    }
    if let Some(authors) = patch.authors {
        fields.authors = authors;
    }
    if let Some(media) = patch.media {
        fields.media = media;
    }
    if let Some(people) = patch.people {
        fields.people = people;
    }
    if let Some(institutions) = patch.institutions {
        fields.institutions = institutions;
    }
    if let Some(agreements) = patch.agreements {
        fields.agreements = agreements;
    }
    if let Some(tags) = patch.tags {
        fields.tags = tags;
    }
    fields
}
