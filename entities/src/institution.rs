//! `institutions`: universities, ministries, departments, offices, unions, as a tree.

use sea_orm::entity::prelude::*;

use crate::enums::InstitutionKind;

/// One institution; `parent_id` places it under another (an office under its university).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "institutions")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// URL slug, unique across institutions.
    #[sea_orm(unique)]
    pub slug: String,
    /// English name.
    pub name_en: String,
    /// Chinese name, when known.
    pub name_zh: Option<String>,
    /// English short name ("SZPU").
    pub short_name_en: Option<String>,
    /// Chinese short name.
    pub short_name_zh: Option<String>,
    /// What sort of body this is.
    pub kind: InstitutionKind,
    /// The body this one belongs to.
    pub parent_id: Option<i64>,
    /// Province or autonomous region ("Guangdong").
    pub region: Option<String>,
    /// City ("Shenzhen").
    pub city: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Website URL.
    pub website: Option<String>,
    /// Motto in English.
    pub motto_en: Option<String>,
    /// Motto in Chinese.
    pub motto_zh: Option<String>,
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
