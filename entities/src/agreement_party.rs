//! `agreement_parties`: the institutions bound by an agreement, each with its role.

use sea_orm::entity::prelude::*;

use crate::enums::PartyRole;

/// One party to one agreement.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agreement_parties")]
pub struct Model {
    /// The agreement.
    #[sea_orm(primary_key, auto_increment = false)]
    pub agreement_id: i64,
    /// The institution.
    #[sea_orm(primary_key, auto_increment = false)]
    pub institution_id: i64,
    /// Its role.
    pub role: PartyRole,
    /// Order among the parties, ascending.
    pub position: i32,
}

/// No navigable relations: queries in the API crate filter by key.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
