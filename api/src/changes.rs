//! Following the change log. One task per node ([`follower`]) reads what was committed (by this
//! node or any other) and tells everyone on the node who must know: the read layer (its content
//! version ends an epoch), the search index (it takes the changes in), subscriptions (they hear
//! of each change, [`LiveChange`]) and the webhook worker (it queues deliveries).

pub mod follower;

pub use follower::{ChangeFeed, LiveChanges, start};

use entities::enums::{ChangeOp, EntityType};

/// One change, as subscribers receive it.
#[derive(Debug, Clone)]
pub struct LiveChange {
    /// Its place in the change log; `None` for an article that came due with the clock, which
    /// writes no change.
    pub seq: Option<i64>,
    /// What changed.
    pub entity_type: EntityType,
    /// The entity's id.
    pub entity_id: i64,
    /// Upsert or delete.
    pub op: ChangeOp,
    /// Whether the public sees the entity after the change.
    pub public: bool,
    /// Whether the public saw it before.
    pub was_public: bool,
    /// For an article, its owner.
    pub owner_id: Option<i64>,
}
