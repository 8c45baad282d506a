//! `people`: officials, staff and authors named by the site.

use sea_orm::entity::prelude::*;

/// One person.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "people")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// URL slug, unique across people.
    #[sea_orm(unique)]
    pub slug: String,
    /// Name in English (pinyin order as printed: "Xu Jianling").
    pub name_en: String,
    /// Name in Chinese characters, when known.
    pub name_zh: Option<String>,
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
