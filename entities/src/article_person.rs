//! `article_people`: people an article names, with why and the title printed beside their name.

use sea_orm::entity::prelude::*;

use crate::enums::MentionRole;

/// One link row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "article_people")]
pub struct Model {
    /// The article.
    #[sea_orm(primary_key, auto_increment = false)]
    pub article_id: i64,
    /// The person.
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: i64,
    /// Why they are named (one row per role).
    #[sea_orm(primary_key, auto_increment = false)]
    pub role: MentionRole,
    /// Their title as printed in the article ("former Deputy Director of ...").
    pub title_as_printed: Option<String>,
    /// Order within the article, ascending.
    pub position: i32,
}

/// No navigable relations: queries in the API crate filter by key.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
