//! The sync feed's types.

use async_graphql::{ID, Object, SimpleObject};

use super::{Agreement, Article, Institution, Node, Person, Position, Section};
use crate::content::sync::{self, SyncEntity, SyncItem as DomainItem};
use crate::ids::{self, Kind};

/// The entity types of the sync feed.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncType {
    /// Sections.
    Section,
    /// Institutions.
    Institution,
    /// People.
    Person,
    /// Positions.
    Position,
    /// Agreements.
    Agreement,
    /// Articles.
    Article,
}

impl From<sync::SyncType> for SyncType {
    fn from(kind: sync::SyncType) -> Self {
        match kind {
            sync::SyncType::Section => Self::Section,
            sync::SyncType::Institution => Self::Institution,
            sync::SyncType::Person => Self::Person,
            sync::SyncType::Position => Self::Position,
            sync::SyncType::Agreement => Self::Agreement,
            sync::SyncType::Article => Self::Article,
        }
    }
}

impl From<SyncType> for sync::SyncType {
    fn from(kind: SyncType) -> Self {
        match kind {
            SyncType::Section => Self::Section,
            SyncType::Institution => Self::Institution,
            SyncType::Person => Self::Person,
            SyncType::Position => Self::Position,
            SyncType::Agreement => Self::Agreement,
            SyncType::Article => Self::Article,
        }
    }
}

/// What happened to an entity.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncOperation {
    /// Created, changed, or newly visible: `node` holds it in full.
    Upsert,
    /// Deleted, or no longer visible to you: remove it from your copy.
    Delete,
}

/// One change in the feed.
pub struct SyncItem(pub DomainItem);

fn kind_of(entity: &SyncEntity) -> (sync::SyncType, i64) {
    match entity {
        SyncEntity::Section(row) => (sync::SyncType::Section, row.id),
        SyncEntity::Institution(row) => (sync::SyncType::Institution, row.id),
        SyncEntity::Person(row) => (sync::SyncType::Person, row.id),
        SyncEntity::Position(row) => (sync::SyncType::Position, row.id),
        SyncEntity::Agreement(row) => (sync::SyncType::Agreement, row.id),
        SyncEntity::Article(row) => (sync::SyncType::Article, row.id),
    }
}

fn id_kind(kind: sync::SyncType) -> Kind {
    match kind {
        sync::SyncType::Section => Kind::Section,
        sync::SyncType::Institution => Kind::Institution,
        sync::SyncType::Person => Kind::Person,
        sync::SyncType::Position => Kind::Position,
        sync::SyncType::Agreement => Kind::Agreement,
        sync::SyncType::Article => Kind::Article,
    }
}

/// One change in the feed.
#[Object(cache_control(no_cache))]
impl SyncItem {
    /// The entity's type.
    async fn r#type(&self) -> SyncType {
        match &self.0 {
            DomainItem::Upsert(entity) => kind_of(entity).0.into(),
            DomainItem::Delete { kind, .. } => (*kind).into(),
        }
    }

    /// The entity's global ID, also for deletions.
    async fn id(&self) -> ID {
        let (kind, id) = match &self.0 {
            DomainItem::Upsert(entity) => kind_of(entity),
            DomainItem::Delete { kind, id } => (*kind, *id),
        };
        ID(ids::encode(id_kind(kind), id))
    }

    /// Upsert or delete.
    async fn operation(&self) -> SyncOperation {
        match self.0 {
            DomainItem::Upsert(_) => SyncOperation::Upsert,
            DomainItem::Delete { .. } => SyncOperation::Delete,
        }
    }

    /// The entity in full; null for deletions.
    async fn node(&self) -> Option<Node> {
        match &self.0 {
            DomainItem::Upsert(entity) => Some(match (**entity).clone() {
                SyncEntity::Section(row) => Node::Section(Section(row)),
                SyncEntity::Institution(row) => Node::Institution(Institution(row)),
                SyncEntity::Person(row) => Node::Person(Person(row)),
                SyncEntity::Position(row) => Node::Position(Position(row)),
                SyncEntity::Agreement(row) => Node::Agreement(Agreement(row)),
                SyncEntity::Article(row) => Node::Article(Article(row)),
            }),
            DomainItem::Delete { .. } => None,
        }
    }
}

/// A page of the sync feed.
#[derive(SimpleObject)]
#[graphql(cache_control(no_cache))]
pub struct SyncPage {
    /// The changes, in order; apply them in this order.
    pub items: Vec<SyncItem>,
    /// Pass it as `token` next time. It does not expire and works on any api node.
    pub next_token: String,
    /// More is waiting now: call again at once. False means you are in sync.
    pub has_more: bool,
}
