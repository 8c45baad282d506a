//! `positions`: a title a person holds (or held) at an institution, with its dates.

use sea_orm::entity::prelude::*;

/// One position. `is_current` is false for a "former" title; `ended_on` may stay null when the
/// title is known to have ended but not when.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "positions")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Who holds the title.
    pub person_id: i64,
    /// Where.
    pub institution_id: i64,
    /// Title in English ("Deputy Director").
    pub title_en: String,
    /// Title in Chinese, when known.
    pub title_zh: Option<String>,
    /// First day in the position, when known.
    pub started_on: Option<Date>,
    /// Last day in the position, when known.
    pub ended_on: Option<Date>,
    /// Whether the position is still held.
    pub is_current: bool,
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
