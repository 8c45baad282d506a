//! `webhook_deliveries`: the outbox: one row per change per endpoint, delivered at least once.

use sea_orm::entity::prelude::*;

use crate::enums::{ChangeOp, DeliveryStatus, EntityType};

/// One delivery.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    /// Primary key; also the `webhook-id`.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The endpoint.
    pub endpoint_id: i64,
    /// The change-log sequence number.
    pub seq: i64,
    /// The entity type.
    pub entity_type: EntityType,
    /// The entity id.
    pub entity_id: i64,
    /// Upsert or delete.
    pub op: ChangeOp,
    /// Whether the entity was public after the change.
    pub public: bool,
    /// `pending`, `delivered` or `dead`.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i32,
    /// When the next attempt is due.
    pub next_attempt_at: DateTimeUtc,
    /// A node working on it holds it until then.
    pub locked_until: Option<DateTimeUtc>,
    /// The last HTTP status received.
    pub last_status: Option<i32>,
    /// The last error.
    pub last_error: Option<String>,
    /// When the change was queued.
    pub created_at: DateTimeUtc,
    /// When it was delivered.
    pub delivered_at: Option<DateTimeUtc>,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
