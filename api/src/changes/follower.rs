//! The one follower of the change log on a node. Every `interval` it reads the rows committed
//! since it last looked (by any node) and:
//! - ends the read layer's epoch when the log moved ([`ContentVersion::observe_position`]), and
//!   when the clock reached the next time-based change ([`ContentVersion::check_clock`]);
//! - tells the search index, which takes the changes in on its own task and then ends the epoch
//!   again ([`ContentVersion::search_moved`]): search answers change only once it has;
//! - sends each change to this node's subscribers ([`ChangeFeed::subscribe`]), and, while anyone
//!   listens, the scheduled articles that came due, which write no change;
//! - moves the log's head ([`ChangeFeed::head`]), which wakes the webhook worker.
//!
//! When the log cannot be read, nothing kept is served until it can (the epoch ends).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use entities::enums::{ArticleStatus, ChangeOp, EntityType};
use entities::{article, change};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use tokio::sync::{broadcast, watch};

use super::LiveChange;
use crate::reads::Reads;
use crate::search::SearchIndex;

/// Rows read at a time; a full batch is followed at once by the next.
const BATCH: u64 = 1000;

/// Changes subscribers may fall behind by before they miss some (subscriptions are best-effort;
/// the sync feed is the lossless path).
const LIVE_BACKLOG: usize = 1024;

/// What the follower tells the node.
#[derive(Debug, Clone)]
pub struct ChangeFeed {
    live: broadcast::Sender<Arc<LiveChange>>,
    head: watch::Receiver<i64>,
}

impl ChangeFeed {
    /// A new listener: it hears of every change the follower reads from now on (which may have
    /// been committed a moment before).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveChange>> {
        self.live.subscribe()
    }

    /// A subscriber to the changes committed from now on: it first reads where the log ends
    /// (a change committed later has a later number, and the subscriber is listening by then).
    pub async fn subscribe_from_now(&self, db: &DatabaseConnection) -> Result<LiveChanges, DbErr> {
        let receiver = self.live.subscribe();
        let after = log_end(db).await?;
        Ok(LiveChanges { receiver, after })
    }

    /// The change log's position as last read; it moves whenever the log did.
    pub fn head(&self) -> watch::Receiver<i64> {
        self.head.clone()
    }
}

/// Starts following the log of `db` (the node's background connections) every `interval`,
/// for `reads` and `search`; `site_offset` places the university's midnight.
pub fn start(
    db: DatabaseConnection,
    reads: Arc<Reads>,
    search: Arc<SearchIndex>,
    site_offset: FixedOffset,
    interval: Duration,
) -> ChangeFeed {
    let (live, _) = broadcast::channel(LIVE_BACKLOG);
    let (head, watching) = watch::channel(0);
    let follower = Follower {
        db: db.clone(),
        reads: reads.clone(),
        site_offset,
        live: live.clone(),
        head,
        seen: None,
        due_since: Utc::now(),
    };
    tokio::spawn(follower.run(interval));
    tokio::spawn(index(db, reads, search, watching.clone(), interval));
    ChangeFeed {
        live,
        head: watching,
    }
}

/// The changes committed after a subscriber subscribed, in order.
#[derive(Debug)]
pub struct LiveChanges {
    receiver: broadcast::Receiver<Arc<LiveChange>>,
    /// The log's end when it subscribed.
    after: i64,
}

impl LiveChanges {
    /// The next change; `None` when the node stops following. A subscriber that fell far
    /// behind skips what it missed (subscriptions are best-effort).
    pub async fn next(&mut self) -> Option<Arc<LiveChange>> {
        loop {
            match self.receiver.recv().await {
                Ok(change) if change.seq.is_some_and(|seq| seq <= self.after) => {}
                Ok(change) => return Some(change),
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "a subscriber fell behind and skipped changes");
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// The last sequence number of the change log (0 when empty).
async fn log_end(db: &DatabaseConnection) -> Result<i64, DbErr> {
    Ok(change::Entity::find()
        .select_only()
        .column_as(change::Column::Seq.max(), "seq")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten()
        .unwrap_or(0))
}

struct Follower {
    db: DatabaseConnection,
    reads: Arc<Reads>,
    site_offset: FixedOffset,
    live: broadcast::Sender<Arc<LiveChange>>,
    head: watch::Sender<i64>,
    /// The last sequence number read; `None` before the first look.
    seen: Option<i64>,
    /// Since when scheduled articles coming due have been looked for.
    due_since: DateTime<Utc>,
}

impl Follower {
    async fn run(mut self, interval: Duration) {
        loop {
            let more = match self.read_log().await {
                Ok(more) => more,
                Err(error) => {
                    // Without knowing, serve nothing kept.
                    self.reads.version.invalidate();
                    tracing::warn!(%error, "cannot read the change log");
                    false
                }
            };
            if let Err(error) = self
                .reads
                .version
                .check_clock(&self.db, self.site_offset)
                .await
            {
                self.reads.version.invalidate();
                tracing::warn!(%error, "cannot work out the next scheduled change");
            }
            self.announce_due().await;
            if !more {
                tokio::time::sleep(interval).await;
            }
        }
    }

    /// Reads what was committed since the last look and passes it on; says whether more is
    /// waiting.
    async fn read_log(&mut self) -> Result<bool, DbErr> {
        let Some(seen) = self.seen else {
            // The first look: from the log's end.
            let latest = log_end(&self.db).await?;
            self.moved_to(latest);
            return Ok(false);
        };
        let rows = change::Entity::find()
            .filter(change::Column::Seq.gt(seen))
            .order_by_asc(change::Column::Seq)
            .limit(BATCH)
            .all(&self.db)
            .await?;
        let Some(last) = rows.last().map(|row| row.seq) else {
            return Ok(false);
        };
        let more = rows.len() as u64 == BATCH;
        if self.live.receiver_count() > 0 {
            for row in rows {
                let _ = self.live.send(Arc::new(LiveChange {
                    seq: Some(row.seq),
                    entity_type: row.entity_type,
                    entity_id: row.entity_id,
                    op: row.op,
                    public: row.public,
                    was_public: row.was_public,
                    owner_id: row.owner_id,
                }));
            }
        }
        self.moved_to(last);
        Ok(more)
    }

    fn moved_to(&mut self, position: i64) {
        self.seen = Some(position);
        self.reads.version.observe_position(position);
        self.head.send_replace(position);
    }

    /// Tells subscribers of the scheduled articles whose time came since the last look: they
    /// became public with the clock, and no change was written. An article published at once
    /// has its change row (it was saved no earlier than its publication time) and is left out
    /// here, so that it is not heard of twice.
    async fn announce_due(&mut self) {
        let now = Utc::now();
        if self.live.receiver_count() == 0 {
            self.due_since = now;
            return;
        }
        let due = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(article::Column::Status.eq(ArticleStatus::Published))
            .filter(article::Column::PublishedAt.gt(self.due_since))
            .filter(article::Column::PublishedAt.lte(now))
            .filter(
                article::Column::PublishedAt
                    .into_expr()
                    .gt(article::Column::UpdatedAt.into_expr()),
            )
            .into_tuple::<i64>()
            .all(&self.db)
            .await;
        match due {
            Ok(ids) => {
                for id in ids {
                    let _ = self.live.send(Arc::new(LiveChange {
                        seq: None,
                        entity_type: EntityType::Article,
                        entity_id: id,
                        op: ChangeOp::Upsert,
                        public: true,
                        was_public: false,
                        owner_id: None,
                    }));
                }
                self.due_since = now;
            }
            Err(error) => tracing::warn!(%error, "cannot look for articles coming due"),
        }
    }
}

/// Keeps the search index current: whenever the log's head moves, the index takes in what it
/// has not (from its own position, which survives restarts), then the read layer's epoch ends.
/// A failure is tried again after `interval`.
async fn index(
    db: DatabaseConnection,
    reads: Arc<Reads>,
    search: Arc<SearchIndex>,
    mut head: watch::Receiver<i64>,
    interval: Duration,
) {
    while head.changed().await.is_ok() {
        loop {
            match search.catch_up(&db).await {
                Ok(0) => break,
                Ok(_) => reads.version.search_moved(search.applied()),
                Err(error) => {
                    error.log();
                    tokio::time::sleep(interval).await;
                }
            }
        }
    }
}
