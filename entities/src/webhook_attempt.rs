//! `webhook_attempts`: every try of every delivery.

use sea_orm::entity::prelude::*;

/// One attempt.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The delivery.
    pub delivery_id: i64,
    /// When.
    pub at: DateTimeUtc,
    /// How long it took, in milliseconds.
    pub duration_ms: i32,
    /// The HTTP status, when a response came.
    pub status_code: Option<i32>,
    /// What went wrong, when nothing usable came back.
    pub error: Option<String>,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
