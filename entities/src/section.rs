//! `sections`: the site's section tree ("News & Events > Events").

use sea_orm::entity::prelude::*;

/// One section; `parent_id` is null for a top-level section.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sections")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// URL slug, unique across sections.
    #[sea_orm(unique)]
    pub slug: String,
    /// English name.
    pub name_en: String,
    /// Chinese name, when known.
    pub name_zh: Option<String>,
    /// Parent section; null at the top of the tree.
    pub parent_id: Option<i64>,
    /// Order among siblings, ascending.
    pub position: i32,
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
