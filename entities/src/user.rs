//! `users`: editors, authors, admins and integrators who log in.

use sea_orm::entity::prelude::*;

use crate::enums::UserRole;

/// One account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Login, stored lowercased; unique.
    #[sea_orm(unique)]
    pub email: String,
    /// Name shown in revisions and the audit log.
    pub display_name: String,
    /// What the user may do.
    pub role: UserRole,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// A disabled user cannot log in or refresh.
    pub disabled: bool,
    /// Moves when the user is disabled or changes role or password: access tokens issued before
    /// stop working.
    pub session_epoch: i32,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
