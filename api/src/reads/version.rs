//! Where the content stands on this node: the change log's position it has seen, the position
//! its search index has taken in, and the moment the clock alone changes answers (the next
//! scheduled publication, or the university's next midnight). Everything the node keeps (kept
//! reads, shared rows, rendered responses) is kept under the current *epoch*, and every change
//! the node learns of moves to the next epoch and drops it all:
//! - at once on the node that wrote, after every mutation that moved the change log;
//! - on every node when the shared change log moves, and when the node's search index takes in
//!   changes (the change-log follower tells it);
//! - when the clock reaches the next time-based change; until the follower has worked out that
//!   moment after a change, nothing kept is served.
//!
//! Something computed while an epoch ended is not kept: it is stored only if the epoch it was
//! computed in is still current ([`ContentVersion::keep`]).

use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use chrono::{DateTime, FixedOffset, Utc};
use entities::enums::ArticleStatus;
use entities::{article, change};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};

/// "Unknown": nothing is served until the follower has computed the next time-based change.
const UNKNOWN: i64 = i64::MIN;

/// Before the first look at the change log (or at the search index).
const NOTHING_SEEN: i64 = i64::MIN;

/// What runs when an epoch ends: a store dropping what it keeps.
type Hook = Box<dyn Fn() + Send + Sync>;

/// Where the content stands on one node.
pub struct ContentVersion {
    epoch: AtomicU64,
    /// Unix milliseconds from which kept answers may be wrong because of the clock alone;
    /// [`UNKNOWN`] right after an invalidation.
    valid_until: AtomicI64,
    /// The highest change-log sequence number seen.
    seen: AtomicI64,
    /// The change-log position this node's search index has taken in.
    searched: AtomicI64,
    /// Held (shared) to keep anything under the current epoch, and (exclusively) to move to the
    /// next: nothing computed before an invalidation is kept after it.
    storing: RwLock<()>,
    /// The stores to empty when an epoch ends.
    hooks: RwLock<Vec<Hook>>,
}

impl Default for ContentVersion {
    fn default() -> Self {
        Self {
            epoch: AtomicU64::new(0),
            valid_until: AtomicI64::new(UNKNOWN),
            seen: AtomicI64::new(NOTHING_SEEN),
            searched: AtomicI64::new(NOTHING_SEEN),
            storing: RwLock::new(()),
            hooks: RwLock::default(),
        }
    }
}

/// Where the content stood when a request started: the same request at the same stamp gets the
/// same response.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    seen: i64,
    searched: i64,
    valid_until: i64,
}

impl Stamp {
    /// A strong validator (an `ETag` value, quoted) of the request whose key has this digest: the
    /// release, the stamp and the request, hashed. The same on every node.
    pub fn tag(&self, digest: &[u8; 32]) -> String {
        use sha2::Digest;
        let mut hash = sha2::Sha256::new();
        // A new release may render the same content differently.
        hash.update(env!("CARGO_PKG_VERSION").as_bytes());
        hash.update(self.seen.to_le_bytes());
        hash.update(self.searched.to_le_bytes());
        hash.update(self.valid_until.to_le_bytes());
        hash.update(digest);
        let hex = hex::encode(hash.finalize());
        format!("\"v-{}\"", &hex[..40])
    }
}

impl ContentVersion {
    /// The current epoch: read it before reading what is to be kept.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Invalidations so far.
    pub fn invalidations(&self) -> u64 {
        self.epoch()
    }

    /// Whether the clock has not passed the next time-based change (and it is known).
    pub fn fresh(&self) -> bool {
        Utc::now().timestamp_millis() < self.valid_until.load(Ordering::SeqCst)
    }

    /// Whether the node has read the change log at least once: before, what it reads may predate
    /// a change it has not seen.
    pub fn seen_log(&self) -> bool {
        self.seen.load(Ordering::SeqCst) != NOTHING_SEEN
    }

    /// Where the content stands now, when known and no invalidation happened since `epoch`.
    pub fn stamp(&self, epoch: u64) -> Option<Stamp> {
        let stamp = Stamp {
            seen: self.seen.load(Ordering::SeqCst),
            searched: self.searched.load(Ordering::SeqCst),
            valid_until: self.valid_until.load(Ordering::SeqCst),
        };
        let known = stamp.seen != NOTHING_SEEN
            && stamp.searched != NOTHING_SEEN
            && stamp.valid_until != UNKNOWN
            && Utc::now().timestamp_millis() < stamp.valid_until
            && self.epoch() == epoch;
        known.then_some(stamp)
    }

    /// Runs `keep` (storing something computed in `epoch`) if `epoch` is still current, and,
    /// when `timely`, the clock has not passed the next time-based change; an invalidation waits
    /// for it, so what it stores is dropped with the epoch.
    pub fn keep<R>(&self, epoch: u64, timely: bool, keep: impl FnOnce() -> R) -> Option<R> {
        let _storing = self.storing.read().ok()?;
        (self.epoch() == epoch && (!timely || self.fresh())).then(keep)
    }

    /// Adds a store to empty whenever an epoch ends.
    pub fn on_invalidate(&self, hook: impl Fn() + Send + Sync + 'static) {
        if let Ok(mut hooks) = self.hooks.write() {
            hooks.push(Box::new(hook));
        }
    }

    /// Ends the epoch: everything kept is dropped, and what is being computed now will not be.
    pub fn invalidate(&self) {
        if let Ok(_storing) = self.storing.write() {
            self.epoch.fetch_add(1, Ordering::SeqCst);
            self.valid_until.store(UNKNOWN, Ordering::SeqCst);
        }
        if let Ok(hooks) = self.hooks.read() {
            for hook in hooks.iter() {
                hook();
            }
        }
    }

    /// Records the change-log position the search index has taken in; when it moved, search
    /// answers may differ, so the epoch ends.
    pub fn search_moved(&self, applied: i64) {
        let previous = self.searched.fetch_max(applied, Ordering::SeqCst);
        if previous != NOTHING_SEEN && applied > previous {
            self.invalidate();
        }
    }

    /// Reads the change log's position and takes it in ([`Self::observe_position`]).
    pub async fn observe_change_log(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        let latest = change::Entity::find()
            .select_only()
            .column_as(change::Column::Seq.max(), "seq")
            .into_tuple::<Option<i64>>()
            .one(db)
            .await?
            .flatten()
            .unwrap_or(0);
        self.observe_position(latest);
        Ok(())
    }

    /// Takes in the change log's position `latest`, read by the caller just now (the follower, a
    /// mutation's own node, or a signed-in request with its credentials), and ends the epoch when
    /// it moved since last seen.
    pub fn observe_position(&self, latest: i64) {
        // Dropped before the position is published: whoever reads `seen` at `latest` may rely
        // on nothing older than `latest` being kept (a signed-in request checks just that).
        let previous = self.seen.load(Ordering::SeqCst);
        if previous != NOTHING_SEEN && latest > previous {
            self.invalidate();
        }
        self.seen.fetch_max(latest, Ordering::SeqCst);
    }

    /// Whether a read that writes nothing may use what the node keeps. Anonymous readers take it
    /// as it is: they follow another node's writes within the follower's interval. A signed-in
    /// caller (an editor checking a write made through another node, say) gets everything
    /// committed before the request: the position is read first (`position_read` when it was read
    /// with the caller's credentials), which ends the epoch when it moved.
    pub async fn may_share(
        &self,
        db: &DatabaseConnection,
        signed_in: bool,
        position_read: bool,
    ) -> bool {
        if !signed_in || position_read {
            return true;
        }
        match self.observe_change_log(db).await {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, "cannot read the change log; reading rows afresh");
                false
            }
        }
    }

    /// Ends the epoch when the clock has reached the next time-based change, and works out when
    /// the next one is, unless a change came in meanwhile (then it is worked out next time).
    pub async fn check_clock(
        &self,
        db: &DatabaseConnection,
        site_offset: FixedOffset,
    ) -> Result<(), DbErr> {
        let now = Utc::now();
        let valid_until = self.valid_until.load(Ordering::SeqCst);
        if valid_until != UNKNOWN && now.timestamp_millis() < valid_until {
            return Ok(());
        }
        if valid_until != UNKNOWN {
            // The clock reached the horizon: what was kept may show the wrong things now.
            self.invalidate();
        }
        let epoch = self.epoch();
        let until = next_time_change(db, now, site_offset).await?;
        let _ = self.valid_until.compare_exchange(
            UNKNOWN,
            until.timestamp_millis(),
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
        if self.epoch() != epoch {
            // A write came in meanwhile (it may have scheduled something sooner).
            self.valid_until.store(UNKNOWN, Ordering::SeqCst);
        }
        Ok(())
    }
}

/// The next moment at which answers change with the clock alone: the next scheduled
/// publication, or the next midnight at the university, whichever comes first.
async fn next_time_change(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    site_offset: FixedOffset,
) -> Result<DateTime<Utc>, DbErr> {
    let scheduled: Option<DateTime<Utc>> = article::Entity::find()
        .select_only()
        .column_as(article::Column::PublishedAt.min(), "at")
        .filter(article::Column::Status.eq(ArticleStatus::Published))
        .filter(article::Column::PublishedAt.gt(now))
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(db)
        .await?
        .flatten();
    let local = now.with_timezone(&site_offset);
    let midnight = local
        .date_naive()
        .succ_opt()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .and_then(|at| at.and_local_timezone(site_offset).single())
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or(now + chrono::Duration::hours(1));
    Ok(scheduled.map_or(midnight, |at| at.min(midnight)))
}
