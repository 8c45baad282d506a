//! The inputs of the article mutations, and how they become the editorial fields and patches
//! (global IDs decoded, each naming its field when bad).

use async_graphql::{ID, InputObject, MaybeUndefined};

use super::types::{Locale, MentionRole};
use crate::editorial::articles::{ArticleFields, ArticlePatch, MediaFields, MentionFields};
use crate::error::AppResult;
use crate::ids::{self, Kind};

/// A photo or other media item of an article, in the order given.
#[derive(InputObject)]
pub struct MediaInput {
    /// File URL (http or https).
    pub url: Option<String>,
    /// Caption as printed.
    pub caption: Option<String>,
    /// Text alternative.
    pub alt_text: Option<String>,
    /// Photographer or source.
    pub credit: Option<String>,
    /// Width in pixels.
    pub width: Option<i32>,
    /// Height in pixels.
    pub height: Option<i32>,
}

/// A person named in an article.
#[derive(InputObject)]
pub struct PersonMentionInput {
    /// The person (a `Person` ID).
    pub person: ID,
    /// Why they are named; at least one.
    pub roles: Vec<MentionRole>,
    /// Their title as printed in the article.
    pub title_as_printed: Option<String>,
}

/// A new article. It starts as a draft owned by the caller.
#[derive(InputObject)]
pub struct CreateArticleInput {
    /// Headline, 1 to 500 characters.
    pub title: String,
    /// URL slug; generated from the title (Chinese transliterated) when omitted.
    pub slug: Option<String>,
    /// Standfirst.
    pub summary: Option<String>,
    /// Body in Markdown.
    pub body: String,
    /// The section (a `Section` ID).
    pub section: ID,
    /// Language.
    #[graphql(default_with = "Locale::En")]
    pub locale: Locale,
    /// Byline unit (an `Institution` ID).
    pub source_institution: Option<ID>,
    /// The original this article translates (an `Article` ID).
    pub translation_of: Option<ID>,
    /// Byline authors, in order (`Person` IDs).
    #[graphql(default)]
    pub authors: Vec<ID>,
    /// Media, in order.
    #[graphql(default)]
    pub media: Vec<MediaInput>,
    /// People named, in order.
    #[graphql(default)]
    pub people: Vec<PersonMentionInput>,
    /// Institutions named, in order (`Institution` IDs).
    #[graphql(default)]
    pub institutions: Vec<ID>,
    /// Related agreements, in order (`Agreement` IDs).
    #[graphql(default)]
    pub agreements: Vec<ID>,
    /// Tag slugs, in order; new tags are created.
    #[graphql(default)]
    pub tags: Vec<String>,
}

/// Changes to an article. Omitted fields keep their value; `null` clears a nullable one; a list
/// given replaces the whole list.
#[derive(InputObject)]
pub struct UpdateArticleInput {
    /// The article.
    pub id: ID,
    /// The version you read; a stale one is refused with `CONFLICT`.
    pub version: i32,
    /// Headline.
    pub title: Option<String>,
    /// URL slug.
    pub slug: Option<String>,
    /// Standfirst.
    pub summary: MaybeUndefined<String>,
    /// Body in Markdown.
    pub body: Option<String>,
    /// Section.
    pub section: Option<ID>,
    /// Language.
    pub locale: Option<Locale>,
    /// Byline unit.
    pub source_institution: MaybeUndefined<ID>,
    /// The original this translates.
    pub translation_of: MaybeUndefined<ID>,
    /// Byline authors.
    pub authors: Option<Vec<ID>>,
    /// Media.
    pub media: Option<Vec<MediaInput>>,
    /// People named.
    pub people: Option<Vec<PersonMentionInput>>,
    /// Institutions named.
    pub institutions: Option<Vec<ID>>,
    /// Related agreements.
    pub agreements: Option<Vec<ID>>,
    /// Tag slugs.
    pub tags: Option<Vec<String>>,
}

fn decode_ids(field: &'static str, kind: Kind, values: Vec<ID>) -> AppResult<Vec<i64>> {
    values
        .iter()
        .map(|id| ids::decode_as(field, kind, id))
        .collect()
}

fn media(values: Vec<MediaInput>) -> Vec<MediaFields> {
    values
        .into_iter()
        .map(|item| MediaFields {
            url: item.url,
            caption: item.caption,
            alt_text: item.alt_text,
            credit: item.credit,
            width: item.width,
            height: item.height,
        })
        .collect()
}

fn mentions(values: Vec<PersonMentionInput>) -> AppResult<Vec<MentionFields>> {
    values
        .into_iter()
        .map(|mention| {
            Ok(MentionFields {
                person_id: ids::decode_as("input.people.person", Kind::Person, &mention.person)?,
                roles: mention.roles.into_iter().map(Into::into).collect(),
                title_as_printed: mention.title_as_printed,
            })
        })
        .collect()
}

fn optional_id(
    field: &'static str,
    kind: Kind,
    value: MaybeUndefined<ID>,
) -> AppResult<Option<Option<i64>>> {
    match value {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(id) => Ok(Some(Some(ids::decode_as(field, kind, &id)?))),
    }
}

impl CreateArticleInput {
    pub(super) fn into_fields(self) -> AppResult<ArticleFields> {
        Ok(ArticleFields {
            title: self.title,
            slug: self.slug,
            summary: self.summary,
            body: self.body,
            section_id: ids::decode_as("input.section", Kind::Section, &self.section)?,
            locale: self.locale.into(),
            source_institution_id: self
                .source_institution
                .map(|id| ids::decode_as("input.sourceInstitution", Kind::Institution, &id))
                .transpose()?,
            translation_of_id: self
                .translation_of
                .map(|id| ids::decode_as("input.translationOf", Kind::Article, &id))
                .transpose()?,
            authors: decode_ids("input.authors", Kind::Person, self.authors)?,
            media: media(self.media),
            people: mentions(self.people)?,
            institutions: decode_ids("input.institutions", Kind::Institution, self.institutions)?,
            agreements: decode_ids("input.agreements", Kind::Agreement, self.agreements)?,
            tags: self.tags,
        })
    }
}

impl UpdateArticleInput {
    pub(super) fn into_patch(self) -> AppResult<(i64, i32, ArticlePatch)> {
        let id = ids::decode_as("input.id", Kind::Article, &self.id)?;
        let patch = ArticlePatch {
            title: self.title,
            slug: self.slug,
            summary: match self.summary {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(summary) => Some(Some(summary)),
            },
            body: self.body,
            section_id: self
                .section
                .map(|id| ids::decode_as("input.section", Kind::Section, &id))
                .transpose()?,
            locale: self.locale.map(Into::into),
            source_institution_id: optional_id(
                "input.sourceInstitution",
                Kind::Institution,
                self.source_institution,
            )?,
            translation_of_id: optional_id(
                "input.translationOf",
                Kind::Article,
                self.translation_of,
            )?,
            authors: self
                .authors
                .map(|list| decode_ids("input.authors", Kind::Person, list))
                .transpose()?,
            media: self.media.map(media),
            people: self.people.map(mentions).transpose()?,
            institutions: self
                .institutions
                .map(|list| decode_ids("input.institutions", Kind::Institution, list))
                .transpose()?,
            agreements: self
                .agreements
                .map(|list| decode_ids("input.agreements", Kind::Agreement, list))
                .transpose()?,
            tags: self.tags,
        };
        Ok((id, self.version, patch))
    }
}
