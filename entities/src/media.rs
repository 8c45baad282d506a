//! `media`: images attached to an article, in order.

use sea_orm::entity::prelude::*;

/// One media item.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The article it belongs to.
    pub article_id: i64,
    /// Order in the article, ascending.
    pub position: i32,
    /// Where the file is; null while no file is attached.
    pub url: Option<String>,
    /// Caption as printed.
    pub caption: Option<String>,
    /// Text alternative for screen readers.
    pub alt_text: Option<String>,
    /// Photographer or source.
    pub credit: Option<String>,
    /// Width in pixels.
    pub width: Option<i32>,
    /// Height in pixels.
    pub height: Option<i32>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
}

/// No navigable relations: queries in the API crate filter by key.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
