//! `agreement_signatories`: the people who signed an agreement, and for whom.

use sea_orm::entity::prelude::*;

/// One signature on one agreement.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agreement_signatories")]
pub struct Model {
    /// The agreement.
    #[sea_orm(primary_key, auto_increment = false)]
    pub agreement_id: i64,
    /// The person who signed.
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: i64,
    /// The institution they signed for, when known.
    pub institution_id: Option<i64>,
    /// Order among the signatories, ascending.
    pub position: i32,
}

/// No navigable relations: queries in the API crate filter by key.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
