//! The rendered-response cache: anonymous reads (GraphQL GET and POST queries, REST GETs) are
//! answered from memory, bytes as they were sent, until the content may have changed.
//!
//! What may be cached is decided by the handlers, which mark a response [`Shareable`] only when
//! the caller is anonymous and everything in it is public; a request that carries
//! `Authorization` never reads nor fills the cache. The key is the method, path, query string,
//! body and the headers responses vary on (`Accept`, `Accept-Encoding`, `Accept-Language`).
//!
//! Freshness is the content version's ([`ContentVersion`]): the cache is emptied whenever its
//! epoch ends (a change this node learns of, its search index moving, the clock reaching the
//! next time-based change), and a response rendered while it ended is not kept.
//!
//! Validators. Once the node knows where the content stands, the `ETag` of a shareable GET
//! response is derived from the version's [`Stamp`] and the request (`"v-…"`), the same on
//! every node. A conditional request carrying the current tag is answered 304 without
//! rendering, even with the cache off or after the entry was dropped for room; any change moves
//! the version, so an old tag never validates changed content. Until the version is known the
//! tag is a hash of the body, as for signed-in callers. Answering 304 for a tag that matches is
//! [`etag`]'s.
//!
//! [`Stamp`]: crate::reads::version::Stamp

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Notify;

use super::etag::{self, Shareable};
use crate::reads::Reads;
use crate::reads::cache::Bounded;
use crate::reads::version::ContentVersion;

/// Largest request body considered for caching (GraphQL POST); bigger ones pass through.
const MAX_KEY_BODY: usize = 16 * 1024;

/// About what a rendered response weighs.
const TYPICAL_RESPONSE: u64 = 16 * 1024;

/// Memory for the headers remembered for a 304 decided without rendering (some 20,000 requests).
const VALIDATED_BYTES: u64 = 20_000 * VALIDATED_WEIGHT;

/// What one remembered pair of headers weighs.
const VALIDATED_WEIGHT: u64 = 160;

struct Entry {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Entry {
    fn size(&self, key: &[u8]) -> u64 {
        (key.len() + self.body.len() + 256) as u64
    }

    fn response(&self) -> Response {
        let mut response = Response::new(Body::from(self.body.clone()));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers.clone();
        response
    }
}

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    collapsed: AtomicU64,
    not_modified: AtomicU64,
}

/// The counters, for `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct CacheStats {
    /// Requests answered from the cache.
    pub hits: u64,
    /// Cacheable requests that were not.
    pub misses: u64,
    /// Responses held.
    pub entries: usize,
    /// Bytes held (approximately).
    pub bytes: u64,
    /// Requests that waited for an identical one being rendered instead of rendering.
    pub collapsed: u64,
    /// Conditional requests answered 304 from the content's version, without rendering.
    pub not_modified: u64,
}

/// The response cache of one node.
pub struct ResponseCache {
    /// Rendered responses, by request key.
    responses: Bounded<Vec<u8>, Arc<Entry>>,
    /// The `Cache-Control` and `Vary` of the last shareable response to each request (by the
    /// digest of its key), sent with a 304 that is decided without rendering.
    validated: Bounded<[u8; 32], (HeaderValue, HeaderValue)>,
    /// Keys being rendered now: identical requests arriving meanwhile wait for that one response
    /// rather than render it again (a burst on a story just published renders it once).
    in_flight: Mutex<HashMap<Vec<u8>, Arc<Notify>>>,
    counters: Counters,
    /// What the node reads and keeps, whose version governs the cache.
    reads: Arc<Reads>,
}

impl ResponseCache {
    /// A cache of at most `capacity` bytes of responses (0 turns it off, validators stay) under
    /// the version of `reads`, emptied whenever its epoch ends.
    pub fn new(capacity: u64, reads: Arc<Reads>) -> Arc<Self> {
        let cache = Arc::new(Self {
            responses: Bounded::new(capacity, TYPICAL_RESPONSE, |key, entry| entry.size(key)),
            validated: Bounded::new(VALIDATED_BYTES, VALIDATED_WEIGHT, |_, _| VALIDATED_WEIGHT),
            in_flight: Mutex::default(),
            counters: Counters::default(),
            reads,
        });
        let weak = Arc::downgrade(&cache);
        cache.version().on_invalidate(move || {
            if let Some(cache) = weak.upgrade() {
                cache.responses.clear();
            }
        });
        cache
    }

    fn version(&self) -> &ContentVersion {
        &self.reads.version
    }

    /// Whether the cache keeps responses.
    pub fn enabled(&self) -> bool {
        self.responses.enabled()
    }

    /// The counters.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.counters.hits.load(Ordering::Relaxed),
            misses: self.counters.misses.load(Ordering::Relaxed),
            entries: self.responses.len(),
            bytes: self.responses.weight(),
            collapsed: self.counters.collapsed.load(Ordering::Relaxed),
            not_modified: self.counters.not_modified.load(Ordering::Relaxed),
        }
    }

    fn get(&self, key: &[u8]) -> Option<Arc<Entry>> {
        if !self.version().fresh() {
            return None;
        }
        self.responses.get(key)
    }

    fn put(&self, key: Vec<u8>, entry: Entry, epoch: u64) {
        if entry.size(&key) > self.responses.capacity() / 8 {
            return;
        }
        self.version().keep(epoch, true, || {
            self.responses.insert(key, Arc::new(entry));
        });
    }

    fn remember_headers(&self, digest: [u8; 32], headers: &HeaderMap) {
        if let (Some(control), Some(vary)) = (
            headers.get(header::CACHE_CONTROL),
            headers.get(header::VARY),
        ) {
            self.validated
                .insert(digest, (control.clone(), vary.clone()));
        }
    }

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
        in_flight.insert(key.to_vec(), Arc::new(Notify::new()));
        None
    }
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

fn digest(key: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(key).into()
}

/// Whether a GraphQL POST's body is declared small enough to be part of a key (bigger ones, or
/// bodies of unknown length, pass through).
fn small_body(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok())
        .is_some_and(|length| length <= MAX_KEY_BODY)
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
        if !small_body(&parts.headers) {
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
    let request = Request::from_parts(parts, Body::from(body.clone()));
    let key = key(&request, &body);
    if cache.enabled()
        && let Some(entry) = cache.get(&key)
    {
        cache.counters.hits.fetch_add(1, Ordering::Relaxed);
        return entry.response();
    }
    // Read before anything is rendered, so that a tag never claims newer content than it covers,
    // and under the epoch that decides whether the response is kept: an entry never outlives
    // the version its tag names.
    let epoch = cache.version().epoch();
    // Only GET responses carry validators (a POST's answer is not conditional).
    let validator = (request.method() == Method::GET)
        .then(|| cache.version().stamp(epoch))
        .flatten()
        .and_then(|stamp| {
            let digest = digest(&key);
            HeaderValue::from_str(&stamp.tag(&digest))
                .ok()
                .map(|tag| (tag, digest))
        });
    if let Some((tag, digest)) = &validator
        && etag::matches(request.headers(), tag)
        && let Some((control, vary)) = cache.validated.get(digest)
    {
        cache.counters.not_modified.fetch_add(1, Ordering::Relaxed);
        let mut headers = HeaderMap::new();
        headers.insert(header::ETAG, tag.clone());
        headers.insert(header::CACHE_CONTROL, control);
        headers.insert(header::VARY, vary);
        return etag::not_modified(&headers);
    }
    let mut leader = None;
    if cache.enabled() {
        // The same request is being rendered: wait for it (once), then look again.
        match cache.join_in_flight(&key) {
            Some(done) => {
                done.await;
                if let Some(entry) = cache.get(&key) {
                    cache.counters.collapsed.fetch_add(1, Ordering::Relaxed);
                    return entry.response();
                }
            }
            None => {
                leader = Some(InFlight {
                    cache: &cache,
                    key: key.clone(),
                });
            }
        }
        cache.counters.misses.fetch_add(1, Ordering::Relaxed);
    }
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
    if !cache.enabled() {
        return Response::from_parts(parts, body);
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
    let response = entry.response();
    cache.put(key, entry, epoch);
    drop(leader);
    response
}
