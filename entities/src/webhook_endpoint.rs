//! `webhook_endpoints`: where change notifications are sent.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::EntityType;

/// The entity types an endpoint wants, as a JSON array; empty means all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct EntityTypes(pub Vec<EntityType>);

/// One endpoint.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Where to POST.
    pub url: String,
    /// The signing secret, `whsec_<base64>` (Standard Webhooks).
    pub secret: String,
    /// The entity types wanted; empty for all.
    #[sea_orm(column_type = "Json")]
    pub entity_types: EntityTypes,
    /// Inactive endpoints get nothing new.
    pub active: bool,
    /// The change-log position when it was registered: it gets the changes after it.
    pub from_seq: i64,
    /// Whether it hears of unpublished content too; otherwise only of what the public could
    /// see, before or after the change.
    pub include_drafts: bool,
    /// When it was registered.
    pub created_at: DateTimeUtc,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
