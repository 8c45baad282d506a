//! `login_attempts`: failed logins, per account and per client address, for rate limiting
//! that holds across every api node.

use sea_orm::entity::prelude::*;

/// One failed login attempt under one key (`email:...` or `ip:...`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_attempts")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What is limited.
    pub key: String,
    /// When.
    pub at: DateTimeUtc,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
