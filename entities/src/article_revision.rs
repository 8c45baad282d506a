//! `article_revisions`: a full snapshot of an article at every save.

use sea_orm::entity::prelude::*;

/// One revision.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "article_revisions")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The article.
    pub article_id: i64,
    /// The article's version this snapshot is.
    pub version: i32,
    /// The article and its links, as JSON.
    #[sea_orm(column_type = "Json")]
    pub snapshot: Json,
    /// Who saved it.
    pub user_id: Option<i64>,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
