//! `article_authors`: the byline's authors of an article, in order.

use sea_orm::entity::prelude::*;

/// One link row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "article_authors")]
pub struct Model {
    /// The article.
    #[sea_orm(primary_key, auto_increment = false)]
    pub article_id: i64,
    /// The author.
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: i64,
    /// Order within the article, ascending.
    pub position: i32,
}

/// No navigable relations: queries in the API crate filter by key.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
