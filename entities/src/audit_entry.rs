//! `audit_log`: who did what to which entity, and when.

use sea_orm::entity::prelude::*;

use crate::enums::EntityType;

/// One audited mutation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The user, when a user acted.
    pub user_id: Option<i64>,
    /// Who, as text (an email, or `cli`).
    pub actor: String,
    /// The mutation (`createArticle`, `publishArticle`, ...).
    pub action: String,
    /// The entity type (`Article`, `Person`, ...).
    pub entity_type: EntityType,
    /// The entity's id.
    pub entity_id: i64,
    /// When.
    pub at: DateTimeUtc,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
