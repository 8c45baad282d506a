//! `api_tokens`: hashed tokens for integrators, created by an admin.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The scopes of an API token, stored as a JSON array of strings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Scopes(pub Vec<String>);

/// One API token.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// SHA-256 of the token, hex.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// What it may do.
    #[sea_orm(column_type = "Json")]
    pub scopes: Scopes,
    /// The admin who created it.
    pub created_by: Option<i64>,
    /// When it was created.
    pub created_at: DateTimeUtc,
    /// When it was last presented.
    pub last_used_at: Option<DateTimeUtc>,
    /// When it was revoked.
    pub revoked_at: Option<DateTimeUtc>,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
