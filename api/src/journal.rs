//! What every write leaves behind, in the writer's transaction: an audit entry and one
//! change-log row per changed entity.
//!
//! Ordering: on PostgreSQL a writer takes a transaction-scoped advisory lock before it takes its
//! change-log sequence numbers, and holds it until commit. So sequence order is commit order, and
//! a reader that has seen sequence N has already been able to see everything below N: reading
//! `seq > cursor` never skips a change, with any number of api nodes. SQLite allows one writer at
//! a time, which gives the same guarantee.

use chrono::{SubsecRound, Utc};
use entities::enums::{ChangeOp, EntityType};
use entities::{article, audit_entry, change};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseBackend, EntityTrait, Set};

use crate::error::AppResult;
use crate::identity::Identity;

/// The advisory lock key that serialises change-log appends ("news" in ASCII).
const CHANGE_LOG_LOCK: i64 = 0x6e65_7773;

/// One changed entity.
#[derive(Debug, Clone)]
pub struct Change {
    /// What changed.
    pub entity_type: EntityType,
    /// Its id.
    pub entity_id: i64,
    /// Upsert or delete.
    pub op: ChangeOp,
    /// Whether the public may see the entity after the change.
    pub public: bool,
    /// Whether the public could see it just before the change.
    pub was_public: bool,
    /// For an article, the user who owns it.
    pub owner_id: Option<i64>,
}

impl Change {
    /// A change to a section, institution, person, position or agreement: the public sees those
    /// as soon as they exist, so the change is public unless it creates the entity (nothing was
    /// there to see before) or deletes it (nothing is left).
    pub fn catalog(entity_type: EntityType, entity_id: i64, op: ChangeOp, created: bool) -> Self {
        Self {
            entity_type,
            entity_id,
            op,
            public: op == ChangeOp::Upsert,
            was_public: !created,
            owner_id: None,
        }
    }

    /// A change to an article, from how it was (`None`: it is new) to how it is (`None`: it is
    /// deleted).
    pub fn article(
        entity_id: i64,
        before: Option<&article::Model>,
        after: Option<&article::Model>,
    ) -> Self {
        Self {
            entity_type: EntityType::Article,
            entity_id,
            op: if after.is_some() {
                ChangeOp::Upsert
            } else {
                ChangeOp::Delete
            },
            public: after.is_some_and(is_public),
            was_public: before.is_some_and(is_public),
            owner_id: after.or(before).and_then(|row| row.owner_id),
        }
    }

    /// An article whose relations changed while its own row did not (another entity it names
    /// was deleted): as visible after as before.
    pub fn article_unchanged(entity_id: i64, public: bool, owner_id: Option<i64>) -> Self {
        Self {
            entity_type: EntityType::Article,
            entity_id,
            op: ChangeOp::Upsert,
            public,
            was_public: public,
            owner_id,
        }
    }

    /// A change to what a user or API token may do (disabled, demoted, a password changed, a
    /// session ended, a token revoked): no reader of content hears of it, but every node closes
    /// the connections it opened.
    pub fn credentials(entity_type: EntityType, entity_id: i64) -> Self {
        Self {
            entity_type,
            entity_id,
            op: ChangeOp::Upsert,
            public: false,
            was_public: false,
            owner_id: None,
        }
    }
}

/// Whether the public sees an article now: published, and its publication time passed.
pub fn is_public(row: &article::Model) -> bool {
    is_published(row.status, row.published_at)
}

/// [`is_public`] from the two columns it reads.
pub fn is_published(
    status: entities::enums::ArticleStatus,
    published_at: Option<chrono::DateTime<Utc>>,
) -> bool {
    status == entities::enums::ArticleStatus::Published
        && published_at.is_some_and(|at| at <= Utc::now())
}

/// Appends the changes to the change log. Call it inside the writing transaction.
pub async fn record_changes<C: ConnectionTrait>(db: &C, changes: &[Change]) -> AppResult<()> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({CHANGE_LOG_LOCK})"))
            .await?;
    }
    let now = Utc::now().trunc_subsecs(6);
    // Multi-row inserts: a bulk load journals a hundred thousand rows in a few statements.
    for chunk in changes.chunks(1_000) {
        change::Entity::insert_many(chunk.iter().map(|change| change::ActiveModel {
            entity_type: Set(change.entity_type),
            entity_id: Set(change.entity_id),
            op: Set(change.op),
            public: Set(change.public),
            was_public: Set(change.was_public),
            owner_id: Set(change.owner_id),
            changed_at: Set(now),
            ..Default::default()
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Writes the audit entry of one mutation.
pub async fn audit<C: ConnectionTrait>(
    db: &C,
    who: &Identity,
    action: &str,
    entity_type: EntityType,
    entity_id: i64,
) -> AppResult<()> {
    audit_actor(db, who.user_id, &who.label, action, entity_type, entity_id).await
}

/// Writes an audit entry for an actor who is not (or not yet) an identity: a failed login, the
/// command line.
pub async fn audit_actor<C: ConnectionTrait>(
    db: &C,
    user_id: Option<i64>,
    actor: &str,
    action: &str,
    entity_type: EntityType,
    entity_id: i64,
) -> AppResult<()> {
    audit_entry::ActiveModel {
        user_id: Set(user_id),
        actor: Set(actor.chars().take(400).collect()),
        action: Set(action.to_owned()),
        entity_type: Set(entity_type),
        entity_id: Set(entity_id),
        at: Set(Utc::now().trunc_subsecs(6)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The latest audit entries, newest first, optionally for one entity type (and id).
pub async fn entries<C: ConnectionTrait>(
    db: &C,
    limit: u64,
    entity_type: Option<EntityType>,
    entity_id: Option<i64>,
) -> AppResult<Vec<audit_entry::Model>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut query = audit_entry::Entity::find()
        .order_by_desc(audit_entry::Column::Id)
        .limit(limit);
    if let Some(entity_type) = entity_type {
        query = query.filter(audit_entry::Column::EntityType.eq(entity_type));
    }
    if let Some(entity_id) = entity_id {
        query = query.filter(audit_entry::Column::EntityId.eq(entity_id));
    }
    Ok(query.all(db).await?)
}

/// Audit entry plus change-log row for a single entity: what most mutations write.
pub async fn journal<C: ConnectionTrait>(
    db: &C,
    who: &Identity,
    action: &str,
    change: Change,
) -> AppResult<()> {
    audit(db, who, action, change.entity_type, change.entity_id).await?;
    record_changes(db, &[change]).await
}
