//! The rendered-response cache: anonymous reads (GraphQL GET and POST queries, REST GETs) are
//! answered from memory, bytes as they were sent, until the content may have changed.
//!
//! What may be cached is decided by the handlers, which mark a response [`Shareable`] only when
//! the caller is anonymous and everything in it is public; a request that carries
//! `Authorization` never reads nor fills the cache. The key is the method, path, query string,
//! body and the headers responses vary on (`Accept`, `Accept-Encoding`, `Accept-Language`).
//!
//! Freshness. The whole cache is dropped ([`ResponseCache::invalidate`]):
//! - at once on the node that wrote, after every mutation that moved the change log (a login
//!   does not);
//! - on every node when the shared change log moves (checked every 200 ms), and when the node's
//!   search index takes in changes;
//! - when the clock reaches the next scheduled publication or the university's next midnight
//!   (agreement status and "today" change then). Until the poller has worked out that moment
//!   after a change, nothing is served from the cache.
//!
//! A response computed while an invalidation happened is not stored: each entry is stored only
//! if the cache's epoch is still the one seen when the request started.
//!
//! Validators. Once the node knows where the content stands (the change log's position, its
//! search index's position and the next time-based change, all read before rendering), the
//! `ETag` of a shareable GET response is derived from that version and the request (`"v-…"`),
//! the same on every node. A conditional request carrying the current tag is answered 304
//! without rendering, even with the cache off or after the entry was dropped for room; any
//! change moves the version, so an old tag never validates changed content (on another node,
//! within the poll interval, as for cached answers). Until the version is known the tag is a
//! hash of the body, as for signed-in callers.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, Utc};
use entities::enums::ArticleStatus;
use entities::{article, change};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};

use crate::reads::cache::{Bounded, RowId};

/// Marks a response that every anonymous caller may be given (set by handlers, in the
/// response's extensions).
#[derive(Debug, Clone, Copy)]
pub struct Shareable;

/// Largest request body considered for caching (GraphQL POST); bigger ones pass through.
const MAX_KEY_BODY: usize = 16 * 1024;

/// "Unknown": nothing is served until the poller has computed the next time-based change.
const UNKNOWN: i64 = i64::MIN;

struct Entry {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Entry {
    fn size(&self, key: &[u8]) -> usize {
        key.len() + self.body.len() + 256
    }
}

/// A read kept under the same rules as responses (a list total, a list page, an article by
/// slug), with its approximate size in bytes.
type KeptRead = (Arc<dyn Any + Send + Sync>, u64);

/// Room for list totals when kept reads are off.
const MIN_READ_BYTES: usize = 1024 * 1024;

/// About what a kept read weighs (a page of 20 articles with their bodies is about 100 KB).
const TYPICAL_READ: u64 = 16 * 1024;

/// About what a rendered response weighs.
const TYPICAL_RESPONSE: u64 = 16 * 1024;

/// The cache of one node.
pub struct ResponseCache {
    /// Rendered responses, by request key.
    responses: Bounded<Vec<u8>, Arc<Entry>>,
    /// Kept reads, by name.
    reads: Bounded<String, KeptRead>,
    /// Held (shared) to store anything under the current epoch, and (exclusively) to move to the
    /// next: nothing computed before an invalidation is stored after it.
    storing: RwLock<()>,
    epoch: AtomicU64,
    /// Unix milliseconds from which cached answers may be wrong because of the clock alone;
    /// [`UNKNOWN`] right after an invalidation.
    valid_until: AtomicI64,
    /// Bytes for kept reads (a page of 20 articles with their bodies is about 100 KB).
    read_capacity: usize,
    hits: AtomicU64,
    misses: AtomicU64,
    /// Keys being rendered now: identical requests arriving meanwhile wait for that one response
    /// rather than render it again (a burst on a story just published renders it once).
    in_flight: std::sync::Mutex<HashMap<Vec<u8>, Arc<tokio::sync::Notify>>>,
    collapsed: AtomicU64,
    /// The highest change-log sequence number seen ([`NOTHING_SEEN`] before the first look).
    seen: AtomicI64,
    /// The change-log position this node's search index has taken in.
    searched: AtomicI64,
    /// The `Cache-Control` and `Vary` of the last shareable response to each request (by the
    /// digest of its key), sent with a 304 that is decided without rendering.
    validated: Bounded<[u8; 32], (HeaderValue, HeaderValue)>,
    not_modified: AtomicU64,
    /// Rows every caller sees alike, shared by this node's requests (see [`SharedRows`]).
    rows: SharedRows,
    /// Reads being made now, by key, with the epoch they started in: identical reads arriving
    /// in the same epoch wait for that one (a burst right after a publish reads a page once).
    reading: std::sync::Mutex<HashMap<String, (u64, TypeId, Reading)>>,
    collapsed_reads: AtomicU64,
}

/// Where a read being made will be sent, to the requests that asked for it meanwhile (`None`
/// until it is done).
type Reading = tokio::sync::watch::Receiver<Option<Arc<dyn Any + Send + Sync>>>;

/// Rows that read the same for every caller (people, institutions, positions, sections, the
/// links and media of an article), by loader key, shared by the requests of this node so that
/// a rendered page does not fetch them again. Kept with the response cache on or off, under the
/// same rule as list totals: dropped on every change the node learns of, and a row read while a
/// change came in is not kept. Rows are not about time (nothing in them depends on the clock),
/// so the clock's horizon does not concern them. Anything that depends on who asks (articles,
/// which may be drafts) is never kept here. Each row is behind an `Arc`, so that a request can
/// hold it without copying it; keys are the loader key's type and the row's id.
type SharedRows = Bounded<(TypeId, i64), (Arc<dyn Any + Send + Sync>, u64)>;

/// Memory for shared rows (some 20,000 rows).
const SHARED_ROWS_BYTES: u64 = 6 * 1024 * 1024;

/// What a shared row weighs: its value's inline size and the cache's bookkeeping.
fn row_weight<V>() -> u64 {
    std::mem::size_of::<V>() as u64 + 96
}

/// Memory for the headers remembered for a 304 decided without rendering (some 20,000 requests).
const VALIDATED_BYTES: u64 = 20_000 * VALIDATED_WEIGHT;

/// What one remembered pair of headers weighs.
const VALIDATED_WEIGHT: u64 = 160;

/// Where the content stood when a request started; the same request at the same version gets
/// the same response.
#[derive(Debug, Clone, Copy)]
struct Version {
    seen: i64,
    searched: i64,
    valid_until: i64,
}

impl Version {
    /// The validator of the request whose key has this digest. Strong: the key holds every
    /// header the bytes depend on (`Accept-Encoding` included), and rendering the same request
    /// at the same version gives the same bytes.
    fn tag(&self, digest: &[u8; 32]) -> Option<HeaderValue> {
        use sha2::Digest;
        let mut hash = sha2::Sha256::new();
        // A new release may render the same content differently.
        hash.update(env!("CARGO_PKG_VERSION").as_bytes());
        hash.update(self.seen.to_le_bytes());
        hash.update(self.searched.to_le_bytes());
        hash.update(self.valid_until.to_le_bytes());
        hash.update(digest);
        let hex = hex::encode(hash.finalize());
        HeaderValue::from_str(&format!("\"v-{}\"", &hex[..40])).ok()
    }
}

fn digest(key: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(key).into()
}

const NOTHING_SEEN: i64 = i64::MIN;

/// Counters for `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct CacheStats {
    /// Requests answered from the cache.
    pub hits: u64,
    /// Cacheable requests that were not.
    pub misses: u64,
    /// Responses held.
    pub entries: usize,
    /// Bytes held (approximately).
    pub bytes: usize,
    /// Reads kept (list pages and totals, articles by slug).
    pub reads: usize,
    /// Bytes of kept reads (approximately).
    pub read_bytes: usize,
    /// Reads that waited for an identical one being made instead of reading.
    pub collapsed_reads: u64,
    /// Invalidations so far.
    pub invalidations: u64,
    /// Requests that waited for an identical one being rendered instead of rendering.
    pub collapsed: u64,
    /// Conditional requests answered 304 from the content's version, without rendering.
    pub not_modified: u64,
}

impl ResponseCache {
    /// A cache holding at most `capacity` bytes of responses (0 turns it off) and
    /// `read_capacity` bytes of kept reads (0 keeps list totals only).
    pub fn new(capacity: usize, read_capacity: usize) -> Self {
        Self {
            read_capacity,
            responses: Bounded::new(capacity as u64, TYPICAL_RESPONSE, |key, entry| {
                entry.size(key) as u64
            }),
            reads: Bounded::new(
                read_capacity.max(MIN_READ_BYTES) as u64,
                TYPICAL_READ,
                |_, (_, size)| *size,
            ),
            storing: RwLock::new(()),
            epoch: AtomicU64::new(0),
            valid_until: AtomicI64::new(UNKNOWN),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            in_flight: std::sync::Mutex::default(),
            collapsed: AtomicU64::new(0),
            seen: AtomicI64::new(NOTHING_SEEN),
            searched: AtomicI64::new(NOTHING_SEEN),
            validated: Bounded::new(VALIDATED_BYTES, VALIDATED_WEIGHT, |_, _| VALIDATED_WEIGHT),
            not_modified: AtomicU64::new(0),
            rows: Bounded::new(SHARED_ROWS_BYTES, 256, |_, (_, weight)| *weight),
            reading: std::sync::Mutex::default(),
            collapsed_reads: AtomicU64::new(0),
        }
    }

    /// Records the change-log position the search index has taken in; when it moved, search
    /// answers may differ, so the cache is dropped.
    pub fn search_moved(&self, applied: i64) {
        let previous = self.searched.fetch_max(applied, Ordering::SeqCst);
        if previous != NOTHING_SEEN && applied > previous {
            self.invalidate();
        }
    }

    /// Where the content stands now, when known and no invalidation happened since `epoch`.
    fn version(&self, epoch: u64) -> Option<Version> {
        let version = Version {
            seen: self.seen.load(Ordering::SeqCst),
            searched: self.searched.load(Ordering::SeqCst),
            valid_until: self.valid_until.load(Ordering::SeqCst),
        };
        let known = version.seen != NOTHING_SEEN
            && version.searched != NOTHING_SEEN
            && version.valid_until != UNKNOWN
            && Utc::now().timestamp_millis() < version.valid_until
            && self.epoch.load(Ordering::SeqCst) == epoch;
        known.then_some(version)
    }

    fn validated_headers(&self, digest: &[u8; 32]) -> Option<(HeaderValue, HeaderValue)> {
        self.validated.get(digest)
    }

    fn remember_headers(&self, digest: [u8; 32], headers: &HeaderMap) {
        let (Some(control), Some(vary)) = (
            headers.get(header::CACHE_CONTROL),
            headers.get(header::VARY),
        ) else {
            return;
        };
        self.validated
            .insert(digest, (control.clone(), vary.clone()));
    }

    /// Whether the cache is on.
    pub fn enabled(&self) -> bool {
        self.responses.enabled()
    }

    /// Drops every entry; responses being computed now will not be stored.
    pub fn invalidate(&self) {
        let storing = self.storing.write();
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.valid_until.store(UNKNOWN, Ordering::SeqCst);
        drop(storing);
        self.responses.clear();
        self.reads.clear();
        self.rows.clear();
        // Reads under way belong to the epoch before; none is joined from now on.
        if let Ok(mut reading) = self.reading.lock() {
            reading.clear();
        }
    }

    /// The epoch under which shared rows may be read and kept now; `None` until the node has
    /// read the change log once (rows read before may predate a change it has not seen). Take
    /// it before reading the database, and hand it back to [`Self::keep_rows`].
    pub fn rows_epoch(&self) -> Option<u64> {
        let epoch = self.epoch.load(Ordering::SeqCst);
        (self.seen.load(Ordering::SeqCst) != NOTHING_SEEN).then_some(epoch)
    }

    /// The shared rows of those of `keys` that are kept, as copies.
    pub fn shared_rows<K, V>(&self, keys: &[K]) -> HashMap<K, V>
    where
        K: RowId + Eq + Hash + Copy + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        self.shared_row_arcs(keys)
            .into_iter()
            .map(|(key, value): (K, Arc<V>)| (key, V::clone(&value)))
            .collect()
    }

    /// The shared rows of those of `keys` that are kept, shared rather than copied.
    pub fn shared_row_arcs<K, V>(&self, keys: &[K]) -> Vec<(K, Arc<V>)>
    where
        K: RowId + Eq + Hash + Copy + Send + Sync + 'static,
        V: Send + Sync + 'static,
    {
        let kind = TypeId::of::<K>();
        keys.iter()
            .filter_map(|key| {
                let (row, _) = self.rows.get(&(kind, key.row_id()))?;
                row.downcast::<V>().ok().map(|row| (*key, row))
            })
            .collect()
    }

    /// Keeps rows read from the database under `epoch`, unless a change came in since.
    pub fn keep_rows<K, V>(&self, epoch: u64, values: &HashMap<K, V>)
    where
        K: RowId + Eq + Hash + Copy + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        if values.is_empty() {
            return;
        }
        let Ok(_storing) = self.storing.read() else {
            return;
        };
        if self.epoch.load(Ordering::SeqCst) != epoch {
            return;
        }
        let kind = TypeId::of::<K>();
        for (key, value) in values {
            let row: Arc<dyn Any + Send + Sync> = Arc::new(value.clone());
            self.rows
                .insert((kind, key.row_id()), (row, row_weight::<V>()));
        }
    }

    /// The read named `key`, from the cache or from `compute` (a page of a list, an article by
    /// slug), kept under the rules of cached responses: until the next change the node learns
    /// of or the clock's next horizon, and not at all when a change came in while it was
    /// computed. Kept even with the response cache off: a read costs the database more than its
    /// few kilobytes cost here. `key` must name everything the answer depends on, the caller's
    /// visibility included; `weight` tells its size in bytes.
    pub async fn kept<V, E>(
        &self,
        key: String,
        weight: impl FnOnce(&V) -> usize,
        compute: impl Future<Output = Result<V, E>>,
    ) -> Result<Arc<V>, E>
    where
        V: Send + Sync + 'static,
    {
        self.read_through(key, Some(weight), compute).await
    }

    /// The list total named `key`, kept as [`Self::kept`] keeps reads, whatever the budget for
    /// them (a total is a few bytes, and counting a long list is the slowest part of a first
    /// page: it reads an index entry per row).
    pub async fn count<E>(
        &self,
        key: String,
        compute: impl Future<Output = Result<u64, E>>,
    ) -> Result<u64, E> {
        let count = self
            .read_through(key, None::<fn(&u64) -> usize>, compute)
            .await?;
        Ok(*count)
    }

    /// [`Self::kept`]; without a `weight`, the value is kept whatever the budget.
    async fn read_through<V, E>(
        &self,
        key: String,
        weight: Option<impl FnOnce(&V) -> usize>,
        compute: impl Future<Output = Result<V, E>>,
    ) -> Result<Arc<V>, E>
    where
        V: Send + Sync + 'static,
    {
        if self.fresh() {
            let cached = self
                .reads
                .get(&key)
                .and_then(|(value, _)| value.downcast::<V>().ok());
            if let Some(value) = cached {
                return Ok(value);
            }
        }
        let budgeted = weight.is_some();
        if budgeted && self.read_capacity == 0 {
            // Kept reads off: every read goes to the database, none is shared.
            return Ok(Arc::new(compute.await?));
        }
        let epoch = self.epoch.load(Ordering::SeqCst);
        let (value, computed) = self.read_once(&key, epoch, compute).await?;
        if !computed {
            return Ok(value);
        }
        let size = key.len() + weight.map_or(0, |weight| weight(&value)) + 64;
        if (!budgeted || size <= self.read_capacity / 16)
            && let Ok(_storing) = self.storing.read()
            && self.epoch.load(Ordering::SeqCst) == epoch
            && self.fresh()
        {
            let shared: Arc<dyn Any + Send + Sync> = value.clone();
            self.reads.insert(key, (shared, size as u64));
        }
        Ok(value)
    }

    /// Runs `compute` for `key`, unless the same read started in this `epoch` is being made:
    /// then waits for it and takes its value (a read that started in this epoch is at least as
    /// new as anything the node knew when this request began); when that read fails or is
    /// abandoned, runs `compute` after all. Also says whether this call computed the value.
    async fn read_once<V, E>(
        &self,
        key: &str,
        epoch: u64,
        compute: impl Future<Output = Result<V, E>>,
    ) -> Result<(Arc<V>, bool), E>
    where
        V: Send + Sync + 'static,
    {
        let kind = TypeId::of::<V>();
        let role = self.reading.lock().ok().map(|mut reading| {
            match reading.get(key) {
                // Still being read (its reader neither done nor gone), in this epoch.
                Some((started, read_kind, value))
                    if *started == epoch && *read_kind == kind && value.has_changed().is_ok() =>
                {
                    Err(value.clone())
                }
                _ => {
                    let (sender, receiver) = tokio::sync::watch::channel(None);
                    reading.insert(key.to_owned(), (epoch, kind, receiver));
                    Ok(sender)
                }
            }
        });
        match role {
            Some(Err(mut waiting)) => {
                // Done when the reader sends its value or gives up (fails, or is dropped).
                let _ = waiting.changed().await;
                let value = waiting.borrow().clone();
                if let Some(value) = value.and_then(|value| value.downcast::<V>().ok()) {
                    self.collapsed_reads.fetch_add(1, Ordering::Relaxed);
                    return Ok((value, false));
                }
                Ok((Arc::new(compute.await?), true))
            }
            Some(Ok(sender)) => {
                let result = compute.await;
                if let Ok(mut reading) = self.reading.lock()
                    && reading
                        .get(key)
                        .is_some_and(|(_, _, receiver)| receiver.same_channel(&sender.subscribe()))
                {
                    reading.remove(key);
                }
                let value = Arc::new(result?);
                sender.send_replace(Some(value.clone()));
                Ok((value, true))
            }
            None => Ok((Arc::new(compute.await?), true)),
        }
    }

    fn fresh(&self) -> bool {
        Utc::now().timestamp_millis() < self.valid_until.load(Ordering::SeqCst)
    }

    fn get(&self, key: &[u8]) -> Option<Arc<Entry>> {
        if !self.fresh() {
            return None;
        }
        self.responses.get(key)
    }

    fn put(&self, key: Vec<u8>, entry: Entry, epoch: u64) {
        let size = entry.size(&key);
        if size > self.responses.capacity() as usize / 8 {
            return;
        }
        let Ok(_storing) = self.storing.read() else {
            return;
        };
        if self.epoch.load(Ordering::SeqCst) != epoch || !self.fresh() {
            return;
        }
        self.responses.insert(key, Arc::new(entry));
    }

    /// The counters.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: self.responses.len(),
            bytes: self.responses.weight() as usize,
            reads: self.reads.len(),
            read_bytes: self.reads.weight() as usize,
            invalidations: self.epoch.load(Ordering::Relaxed),
            collapsed: self.collapsed.load(Ordering::Relaxed),
            not_modified: self.not_modified.load(Ordering::Relaxed),
            collapsed_reads: self.collapsed_reads.load(Ordering::Relaxed),
        }
    }

    /// Watches the change log and the clock: invalidates when the log moves and when the next
    /// scheduled publication or midnight comes, and works out when that next moment is.
    pub fn follow(
        self: Arc<Self>,
        db: DatabaseConnection,
        site_offset: FixedOffset,
        interval: Duration,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match self.check(&db, site_offset).await {
                    Ok(()) => {}
                    Err(error) => {
                        // Without knowing, serve nothing from the cache.
                        self.invalidate();
                        tracing::warn!(%error, "response cache: cannot read the change log");
                    }
                }
                tokio::time::sleep(interval).await;
            }
        })
    }

    /// Whether a read that writes nothing may use the shared rows. Anonymous readers take them as
    /// they are: like cached responses, they follow another node's writes within the poll
    /// interval. A signed-in caller (an editor checking a write made through another node, say)
    /// gets everything committed before the request: the node reads the change log's position
    /// first, which drops the rows when it moved.
    pub async fn may_share_rows(&self, db: &DatabaseConnection, signed_in: bool) -> bool {
        // A caller whose credentials were checked read the position with them.
        if !signed_in {
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

    /// Reads the change log's position and drops the cache when it moved since last seen: after
    /// a mutation on this node, and every poll.
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

    /// Takes in the change log's position `latest`, read by the caller just now (a signed-in
    /// request reads it with its credentials), and drops the cache when it moved since last seen.
    pub fn observe_position(&self, latest: i64) {
        // Dropped before the position is published: whoever reads `seen` at `latest` may rely
        // on nothing older than `latest` being kept (a signed-in request checks just that).
        let previous = self.seen.load(Ordering::SeqCst);
        if previous != NOTHING_SEEN && latest > previous {
            self.invalidate();
        }
        self.seen.fetch_max(latest, Ordering::SeqCst);
    }

    async fn check(&self, db: &DatabaseConnection, site_offset: FixedOffset) -> Result<(), DbErr> {
        self.observe_change_log(db).await?;
        let now = Utc::now();
        let valid_until = self.valid_until.load(Ordering::SeqCst);
        if valid_until != UNKNOWN && now.timestamp_millis() < valid_until {
            return Ok(());
        }
        if valid_until != UNKNOWN {
            // The clock reached the horizon: what was cached may show the wrong things now.
            self.invalidate();
        }
        let epoch = self.epoch.load(Ordering::SeqCst);
        let until = next_time_change(db, now, site_offset).await?;
        let _ = self.valid_until.compare_exchange(
            UNKNOWN,
            until.timestamp_millis(),
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
        if self.epoch.load(Ordering::SeqCst) != epoch {
            // A write came in meanwhile (it may have scheduled something sooner): work it out
            // again next time.
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

fn cacheable_path(method: &Method, path: &str) -> bool {
    match *method {
        Method::GET => {
            path == "/graphql"
                || (path.starts_with("/api/v1/")
                    && path != "/api/v1/docs"
                    && path != "/api/v1/openapi.json")
        }
        Method::POST => path == "/graphql",
        _ => false,
    }
}

fn key(request: &Request, body: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(256 + body.len());
    key.extend_from_slice(request.method().as_str().as_bytes());
    key.push(0);
    key.extend_from_slice(request.uri().path().as_bytes());
    key.push(0);
    key.extend_from_slice(request.uri().query().unwrap_or_default().as_bytes());
    for name in [
        header::ACCEPT,
        header::ACCEPT_ENCODING,
        header::ACCEPT_LANGUAGE,
        header::CONTENT_TYPE,
    ] {
        key.push(0);
        if let Some(value) = request.headers().get(&name) {
            key.extend_from_slice(value.as_bytes());
        }
    }
    key.push(0);
    key.extend_from_slice(body);
    key
}

fn etag_matches(request_headers: &HeaderMap, etag: Option<&HeaderValue>) -> bool {
    let (Some(etag), Some(header)) = (
        etag.and_then(|value| value.to_str().ok()),
        request_headers
            .get(header::IF_NONE_MATCH)
            .and_then(|value| value.to_str().ok()),
    ) else {
        return false;
    };
    header
        .split(',')
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag.trim_start_matches("W/") || tag == "*")
}

fn answer(entry: &Entry, request_headers: &HeaderMap) -> Response {
    if etag_matches(request_headers, entry.headers.get(header::ETAG)) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
            if let Some(value) = entry.headers.get(&name) {
                response.headers_mut().insert(name, value.clone());
            }
        }
        return response;
    }
    let mut response = Response::new(Body::from(entry.body.clone()));
    *response.status_mut() = entry.status;
    *response.headers_mut() = entry.headers.clone();
    response
}

/// The middleware: answers 304 from the content's version, answers from the cache, or runs the
/// handler and keeps what it marked [`Shareable`].
pub async fn middleware(
    State(cache): State<Arc<ResponseCache>>,
    request: Request,
    next: Next,
) -> Response {
    if !cacheable_path(request.method(), request.uri().path())
        || request.headers().contains_key(header::AUTHORIZATION)
    {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let body = if parts.method == Method::POST {
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<usize>().ok());
        if declared.is_none_or(|length| length > MAX_KEY_BODY) {
            return next.run(Request::from_parts(parts, body)).await;
        }
        match axum::body::to_bytes(body, MAX_KEY_BODY).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return (
                    StatusCode::BAD_REQUEST,
                    "the request body could not be read",
                )
                    .into_response();
            }
        }
    } else {
        Bytes::new()
    };
    let mut request = Request::from_parts(parts, Body::from(body.clone()));
    let key = key(&request, &body);
    if cache.enabled()
        && let Some(entry) = cache.get(&key)
    {
        cache.hits.fetch_add(1, Ordering::Relaxed);
        return answer(&entry, request.headers());
    }
    // Read before anything is rendered, so that a tag never claims newer content than it covers,
    // and under the epoch that decides whether the response is kept: an entry never outlives
    // the version its tag names.
    let epoch = cache.epoch.load(Ordering::SeqCst);
    // Only GET responses carry validators (a POST's answer is not conditional).
    let validator = (request.method() == Method::GET)
        .then(|| cache.version(epoch))
        .flatten()
        .and_then(|version| {
            let digest = digest(&key);
            version.tag(&digest).map(|tag| (tag, digest))
        });
    if let Some((tag, digest)) = &validator
        && etag_matches(request.headers(), Some(tag))
        && let Some((control, vary)) = cache.validated_headers(digest)
    {
        cache.not_modified.fetch_add(1, Ordering::Relaxed);
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        let headers = response.headers_mut();
        headers.insert(header::ETAG, tag.clone());
        headers.insert(header::CACHE_CONTROL, control);
        headers.insert(header::VARY, vary);
        return response;
    }
    let mut leader = None;
    if cache.enabled() {
        // The same request is being rendered: wait for it (once), then look again.
        match cache.join_in_flight(&key) {
            Some(done) => {
                done.await;
                if let Some(entry) = cache.get(&key) {
                    cache.collapsed.fetch_add(1, Ordering::Relaxed);
                    return answer(&entry, request.headers());
                }
            }
            None => {
                leader = Some(InFlight {
                    cache: &cache,
                    key: key.clone(),
                });
            }
        }
        cache.misses.fetch_add(1, Ordering::Relaxed);
    }
    // With the cache on, ask for the full response so that it can be kept; the 304 is decided
    // here. With it off, a handler may still answer 304 itself (from a hash of its body).
    let validators = if cache.enabled() {
        request.headers_mut().remove(header::IF_NONE_MATCH)
    } else {
        request.headers().get(header::IF_NONE_MATCH).cloned()
    };
    let response = next.run(request).await;
    if response.status() != StatusCode::OK || response.extensions().get::<Shareable>().is_none() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    if let Some((tag, digest)) = validator
        && parts.headers.contains_key(header::ETAG)
    {
        parts.headers.insert(header::ETAG, tag);
        cache.remember_headers(digest, &parts.headers);
    }
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "response cache: cannot read a rendered response");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let entry = Entry {
        status: parts.status,
        headers: parts.headers,
        body: bytes,
    };
    let mut request_headers = HeaderMap::new();
    if let Some(value) = validators {
        request_headers.insert(header::IF_NONE_MATCH, value);
    }
    let response = answer(&entry, &request_headers);
    if cache.enabled() {
        cache.put(key, entry, epoch);
    }
    drop(leader);
    response
}

/// The request rendering a key; when it ends (however it ends), the requests waiting for it
/// look in the cache again.
struct InFlight<'a> {
    cache: &'a ResponseCache,
    key: Vec<u8>,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Ok(mut in_flight) = self.cache.in_flight.lock()
            && let Some(done) = in_flight.remove(&self.key)
        {
            done.notify_waiters();
        }
    }
}

impl ResponseCache {
    /// When a request for `key` is being rendered, a future that ends when it has; otherwise
    /// `None`, and the caller is now the one rendering it.
    fn join_in_flight(&self, key: &[u8]) -> Option<impl Future<Output = ()> + use<>> {
        let mut in_flight = self.in_flight.lock().ok()?;
        if let Some(done) = in_flight.get(key) {
            let done = done.clone();
            // Registered before the lock is released, so the wake-up cannot be missed.
            let mut notified = Box::pin(done.notified_owned());
            notified.as_mut().enable();
            return Some(async move {
                // Never wait long: a slow render should not hold the others hostage.
                let _ = tokio::time::timeout(Duration::from_secs(5), notified).await;
            });
        }
        in_flight.insert(key.to_vec(), Arc::new(tokio::sync::Notify::new()));
        None
    }
}
