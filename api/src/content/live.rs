//! Live changes for subscriptions: one task per api node tails the shared change log (and
//! watches for scheduled articles coming due) and broadcasts what it reads to the node's
//! subscribers. Subscriptions are best-effort and may drop events for a subscriber that falls far
//! behind; the sync feed is the lossless path.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::Utc;
use entities::enums::{ArticleStatus, ChangeOp};
use entities::{article, change};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::sync::broadcast;

/// One change, as subscribers receive it.
#[derive(Debug, Clone)]
pub struct LiveChange {
    /// `Article`, `Section`, ...
    pub entity_type: String,
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

/// The broadcast of this node's live changes. The task that tails the log starts with the first
/// subscriber, so a node without subscribers runs no extra queries.
#[derive(Debug, Clone)]
pub struct ChangeFeed {
    db: DatabaseConnection,
    interval: Duration,
    sender: Arc<OnceLock<broadcast::Sender<Arc<LiveChange>>>>,
}

impl ChangeFeed {
    /// A feed that will tail the log of `db` every `interval` once someone subscribes.
    pub fn new(db: DatabaseConnection, interval: Duration) -> Self {
        Self {
            db,
            interval,
            sender: Arc::new(OnceLock::new()),
        }
    }

    /// A new subscriber.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveChange>> {
        self.sender
            .get_or_init(|| Self::start(self.db.clone(), self.interval))
            .subscribe()
    }

    /// Starts tailing the log from its current end.
    fn start(db: DatabaseConnection, interval: Duration) -> broadcast::Sender<Arc<LiveChange>> {
        let (sender, _) = broadcast::channel(1024);
        let feed = sender.clone();
        tokio::spawn(async move {
            let mut seq = match change::Entity::find()
                .order_by_desc(change::Column::Seq)
                .one(&db)
                .await
            {
                Ok(row) => row.map_or(0, |row| row.seq),
                Err(error) => {
                    tracing::warn!(%error, "live changes: cannot read the change log; starting from 0");
                    0
                }
            };
            let mut since = Utc::now();
            loop {
                tokio::time::sleep(interval).await;
                let now = Utc::now();
                match change::Entity::find()
                    .filter(change::Column::Seq.gt(seq))
                    .order_by_asc(change::Column::Seq)
                    .limit(1000)
                    .all(&db)
                    .await
                {
                    Ok(rows) => {
                        for row in rows {
                            seq = row.seq;
                            let _ = sender.send(Arc::new(LiveChange {
                                entity_type: row.entity_type,
                                entity_id: row.entity_id,
                                op: row.op,
                                public: row.public,
                                was_public: row.was_public,
                                owner_id: row.owner_id,
                            }));
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "live changes: reading the change log failed")
                    }
                }
                // Scheduled articles whose time came since the last look wrote no change. An
                // article published at once has its change row: it was saved no earlier than
                // its publication time, and is left out here (it would be heard of twice).
                let due = article::Entity::find()
                    .select_only()
                    .column(article::Column::Id)
                    .filter(article::Column::Status.eq(ArticleStatus::Published))
                    .filter(article::Column::PublishedAt.gt(since))
                    .filter(article::Column::PublishedAt.lte(now))
                    .filter(
                        article::Column::PublishedAt
                            .into_expr()
                            .gt(article::Column::UpdatedAt.into_expr()),
                    )
                    .into_tuple::<i64>()
                    .all(&db)
                    .await;
                match due {
                    Ok(ids) => {
                        for id in ids {
                            // Became public with the clock: no change was written.
                            let _ = sender.send(Arc::new(LiveChange {
                                entity_type: "Article".into(),
                                entity_id: id,
                                op: ChangeOp::Upsert,
                                public: true,
                                was_public: false,
                                owner_id: None,
                            }));
                        }
                        since = now;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "live changes: looking for due articles failed")
                    }
                }
            }
        });
        feed
    }
}
