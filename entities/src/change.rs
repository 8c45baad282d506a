//! `change_log`: the ordered log of every content change, read by the sync feed, webhooks,
//! search and caches.

use sea_orm::entity::prelude::*;

use crate::enums::{ChangeOp, EntityType};

/// One change to one entity.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_log")]
pub struct Model {
    /// Position in the log; commit order.
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// The entity type (`Article`, `Section`, ...).
    pub entity_type: EntityType,
    /// The entity's id.
    pub entity_id: i64,
    /// Upsert or delete.
    pub op: ChangeOp,
    /// Whether the entity, after the change, is visible to the public.
    pub public: bool,
    /// Whether the entity, just before the change, was visible to the public. A change that is
    /// public neither before nor after is none of the public's business (a draft's edits, its
    /// deletion).
    pub was_public: bool,
    /// For an article, the user who owns it (an author sees their own unpublished work).
    pub owner_id: Option<i64>,
    /// When the change was committed (approximately: the writer's clock).
    pub changed_at: DateTimeUtc,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
