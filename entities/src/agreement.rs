//! `agreements`: agreements between institutions, with their term and predecessor.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::AgreementKind;

/// The ordered areas of cooperation of an agreement, stored as a JSON array of strings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Areas(pub Vec<String>);

/// One agreement.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agreements")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// URL slug, unique across agreements.
    #[sea_orm(unique)]
    pub slug: String,
    /// English title.
    pub title_en: String,
    /// Chinese title, when known.
    pub title_zh: Option<String>,
    /// What sort of agreement.
    pub kind: AgreementKind,
    /// A short description.
    pub summary: Option<String>,
    /// Day of signing, when known.
    pub signed_on: Option<Date>,
    /// Year of signing; set whenever `signed_on` is, and alone when only the year is known.
    pub signed_year: Option<i32>,
    /// First day in force, when known.
    pub effective_from: Option<Date>,
    /// Last day in force, when known.
    pub effective_until: Option<Date>,
    /// Areas of cooperation, in order.
    #[sea_orm(column_type = "Json")]
    pub areas: Areas,
    /// The agreement this one renews or replaces.
    pub predecessor_id: Option<i64>,
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
