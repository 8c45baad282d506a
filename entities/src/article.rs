//! `articles`: news items, in one locale each, linked to their translations.

use sea_orm::entity::prelude::*;

use crate::enums::{ArticleStatus, Locale};

/// One article. The body is Markdown; the API renders it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "articles")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// URL slug, unique per locale.
    pub slug: String,
    /// Language of this article.
    pub locale: Locale,
    /// Headline.
    pub title: String,
    /// Standfirst, when there is one.
    pub summary: Option<String>,
    /// Body as Markdown.
    pub body: String,
    /// The section it is filed in.
    pub section_id: i64,
    /// Byline unit: the institution the story comes from ("Pairing Support Office").
    pub source_institution_id: Option<i64>,
    /// Workflow status.
    pub status: ArticleStatus,
    /// Publication time; in the future means scheduled.
    pub published_at: Option<DateTimeUtc>,
    /// List order: `published_at` when set, else `created_at`.
    pub sort_at: DateTimeUtc,
    /// The article this one translates; null for an original.
    pub translation_of_id: Option<i64>,
    /// The user who created the article (authors may edit only their own drafts).
    pub owner_id: Option<i64>,
    /// Incremented on every save, for optimistic concurrency.
    pub version: i32,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
}

/// No navigable relations: queries in the API crate filter by key.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
