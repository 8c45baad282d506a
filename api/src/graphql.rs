//! The GraphQL schema: thin resolvers over the content domain, DataLoaders against N+1, and the
//! limits that keep abusive documents out.

mod catalog_mutation;
pub mod documents;
pub mod engine;
mod extension;
pub mod live_rules;
mod mutation;
pub mod persisted;
mod prefetch;
mod query;
pub mod render;
mod search_types;
mod subscription;
pub mod types;
mod webhook_types;

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{Context, Schema, SchemaBuilder};
use sea_orm::DatabaseConnection;

use crate::reads::loaders::{self, Loaders};
pub use extension::{document_error_code, too_many_aliases, with_code};
pub use mutation::Mutation;
pub use query::Query;
pub use subscription::Subscription;

use crate::config::GraphqlLimits;
use crate::error::{AppError, GraphqlResultExt};
use crate::http::response_cache::ResponseCache;
use crate::reads::Viewer;
use crate::reads::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageArgs};
use crate::state::AppState;

/// The Newsdesk schema.
pub type NewsdeskSchema = Schema<Query, Mutation, Subscription>;

fn builder(limits: &GraphqlLimits) -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query::default(), Mutation::default(), Subscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .limit_directives(limits.max_directives)
}

/// Builds the schema with the configured limits, for HTTP: the handler gives document errors
/// their codes and checks the alias limit (see [`extension`] for why it is not an extension).
pub fn build_schema(limits: &GraphqlLimits) -> NewsdeskSchema {
    builder(limits).finish()
}

/// The schema for requests known to pass validation (the same document, operation and
/// variables passed it before): only the rules that execution needs run (cache control,
/// complexity, depth and their limits), not the full set, which was a tenth of a rendered article.
pub fn build_validated_schema(limits: &GraphqlLimits) -> NewsdeskSchema {
    builder(limits)
        .validation_mode(async_graphql::ValidationMode::Fast)
        .finish()
}

/// The same schema for websocket clients, where no handler of ours sees the document: the
/// [`live_rules::LiveRules`] extension does that work.
pub fn build_live_schema(limits: &GraphqlLimits) -> NewsdeskSchema {
    builder(limits)
        .extension(live_rules::LiveRules {
            max_aliases: limits.max_aliases,
        })
        .finish()
}

/// The schema in SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    let limits = GraphqlLimits {
        batch: false,
        max_batch: 1,
        max_depth: 1,
        max_complexity: 1,
        max_aliases: 1,
        max_directives: 1,
    };
    build_schema(&limits).sdl()
}

/// What every resolver needs from the request: the pool, the caller and the loaders.
pub struct RequestContext {
    /// The database pool.
    pub db: DatabaseConnection,
    /// The caller.
    pub viewer: Viewer,
    /// This request's DataLoader.
    pub loader: DataLoader<Loaders, HashMapCache>,
    /// The app, for keys and configuration.
    pub app: AppState,
    /// The client's address, for login rate limits.
    pub client: String,
    /// The language the client prefers (`Accept-Language`), if it named one we publish in.
    pub preferred_locale: Option<entities::enums::Locale>,
    /// Set by the first `login` of an HTTP request (shared by every operation of a batch), so
    /// that aliases and batches cannot try several passwords at once.
    pub login_tried: Arc<AtomicBool>,
    /// The rows prefetched so far, so that a prefetch never fetches a key twice and resolvers
    /// find them without the DataLoader.
    rows: std::sync::Mutex<crate::reads::rows::RequestRows>,
    /// Whether article nodes may be written as JSON at once (see [`render`]): only for a
    /// response that [`render::write_response`] serialises, of a document that asks for
    /// nothing twice.
    pub writes_nodes: bool,
    /// Whether prefetched rows are kept (not on a websocket, whose context outlives any write).
    keeps_rows: bool,
    /// The node's cache of reads, when this request may use it (a query; see [`Self::new`]).
    kept: Option<Arc<ResponseCache>>,
    /// Where to count how article nodes were rendered (the engine's).
    pub rendering: Arc<render::RenderStats>,
}

impl RequestContext {
    /// A fresh context for one operation. `reads_only`: the operation writes nothing (a query),
    /// so its loaders may use the node's shared rows; the caller has made sure those are at least
    /// as new as the caller may expect (see `http::graphql`).
    pub fn new(
        app: AppState,
        viewer: Viewer,
        client: String,
        login_tried: Arc<AtomicBool>,
        reads_only: bool,
    ) -> Self {
        let db = app.db.conn.clone();
        let shared = reads_only.then(|| app.cache.clone());
        let loader = loaders::request_loader(db.clone(), viewer.clone(), shared.clone());
        Self {
            db,
            viewer,
            loader,
            app,
            client,
            login_tried,
            preferred_locale: None,
            rows: std::sync::Mutex::default(),
            keeps_rows: true,
            writes_nodes: false,
            kept: shared,
            rendering: Arc::default(),
        }
    }

    /// The node's cache of reads (list pages and totals, articles by slug), when this request
    /// may read and fill it.
    pub(crate) fn kept(&self) -> Option<&ResponseCache> {
        self.kept.as_deref()
    }

    /// The same context with nothing kept between fields: for a websocket connection, which
    /// lives long, so that nested fields are never served from a stale cache.
    pub fn uncached(mut self) -> Self {
        self.loader.enable_all_cache(false);
        self.keeps_rows = false;
        self.kept = None;
        self
    }

    fn rows(
        &self,
    ) -> async_graphql::Result<std::sync::MutexGuard<'_, crate::reads::rows::RequestRows>> {
        self.rows
            .lock()
            .map_err(|_| AppError::Internal("prefetched rows poisoned".into()).to_graphql())
    }

    /// Keeps rows fetched some other way (a list of children) as if prefetched by `K`.
    pub(crate) fn keep_rows<K>(
        &self,
        rows: impl IntoIterator<Item = (K, <Loaders as Loader<K>>::Value)>,
    ) -> async_graphql::Result<()>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        Loaders: Loader<K, Error = Arc<AppError>>,
    {
        if self.keeps_rows {
            let mut kept = self.rows()?;
            for (key, value) in rows {
                kept.keep(key, Some(Arc::new(value)));
            }
        }
        Ok(())
    }
}

pub(crate) fn request<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestContext> {
    ctx.data::<RequestContext>()
        .map_err(|_| AppError::Internal("request context missing".into()).to_graphql())
}

/// Loads one value: from the prefetched rows, else through the request's DataLoader.
pub(crate) async fn load<K>(
    ctx: &Context<'_>,
    key: K,
) -> async_graphql::Result<Option<<Loaders as Loader<K>>::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Loaders: Loader<K, Error = Arc<AppError>>,
{
    let request = request(ctx)?;
    if let Some(value) = request.rows()?.get(&key) {
        return Ok(value.cloned());
    }
    request.loader.load_one(key).await.gql()
}

/// Loads many values: from the prefetched rows, the rest through the request's DataLoader, in
/// one batch.
pub(crate) async fn load_many<K>(
    ctx: &Context<'_>,
    keys: Vec<K>,
) -> async_graphql::Result<HashMap<K, <Loaders as Loader<K>>::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Loaders: Loader<K, Error = Arc<AppError>>,
{
    let request = request(ctx)?;
    let mut values = HashMap::with_capacity(keys.len());
    let mut rest = Vec::new();
    {
        let rows = request.rows()?;
        for key in keys {
            match rows.get(&key) {
                Some(Some(value)) => {
                    values.insert(key, value.clone());
                }
                Some(None) => {}
                None => rest.push(key),
            }
        }
    }
    if !rest.is_empty() {
        values.extend(request.loader.load_many(rest).await.gql()?);
    }
    Ok(values)
}

/// Loads many values at once, straight from the loader (no batching window to wait for), and
/// keeps them in the request's prefetched rows for the resolvers. For prefetching, where every
/// key is known up front; resolvers use [`load_many`], which batches across sibling fields.
/// Returns the values (shared, not copied), for the nested prefetches; [`prefetch`] when those
/// are not needed.
pub(crate) async fn prefetch_many<K>(
    ctx: &Context<'_>,
    keys: Vec<K>,
) -> async_graphql::Result<HashMap<K, Arc<<Loaders as Loader<K>>::Value>>>
where
    K: Send + Sync + Hash + Eq + Copy + loaders::SharedScope + 'static,
    Loaders: Loader<K, Error = Arc<AppError>>,
{
    prefetch_rows(ctx, keys, true).await
}

/// [`prefetch_many`] without handing the values back.
pub(crate) async fn prefetch<K>(ctx: &Context<'_>, keys: Vec<K>) -> async_graphql::Result<()>
where
    K: Send + Sync + Hash + Eq + Copy + loaders::SharedScope + 'static,
    Loaders: Loader<K, Error = Arc<AppError>>,
{
    prefetch_rows(ctx, keys, false).await.map(drop)
}

async fn prefetch_rows<K>(
    ctx: &Context<'_>,
    keys: Vec<K>,
    values_wanted: bool,
) -> async_graphql::Result<HashMap<K, Arc<<Loaders as Loader<K>>::Value>>>
where
    K: Send + Sync + Hash + Eq + Copy + loaders::SharedScope + 'static,
    Loaders: Loader<K, Error = Arc<AppError>>,
{
    let request = request(ctx)?;
    let mut values = HashMap::new();
    let mut fresh = Vec::new();
    {
        let rows = request.rows()?;
        let mut seen = HashSet::with_capacity(keys.len());
        for key in keys {
            match rows.get(&key) {
                // Already prefetched: answered without a statement.
                Some(Some(_)) if values_wanted => {
                    if let Some(value) = rows.get_shared(&key) {
                        values.insert(key, value);
                    }
                }
                Some(_) => {}
                None if seen.insert(key) => fresh.push(key),
                None => {}
            }
        }
    }
    if fresh.is_empty() {
        return Ok(values);
    }
    let loader = request.loader.loader();
    if !request.keeps_rows {
        let fetched = loader.load(&fresh).await.gql()?;
        if values_wanted {
            values.extend(
                fetched
                    .into_iter()
                    .map(|(key, value)| (key, Arc::new(value))),
            );
        }
        return Ok(values);
    }
    // Rows every caller sees alike come from the node's shared rows as they are (no copy).
    let shared = loader.shared_arcs(&fresh);
    let rest: Vec<K> = if shared.is_empty() {
        fresh
    } else {
        let found: HashSet<K> = shared.iter().map(|(key, _)| *key).collect();
        fresh
            .into_iter()
            .filter(|key| !found.contains(key))
            .collect()
    };
    let mut fetched = if rest.is_empty() {
        HashMap::new()
    } else {
        loader.load(&rest).await.gql()?
    };
    let mut rows = request.rows()?;
    for (key, value) in shared {
        if values_wanted {
            values.insert(key, value.clone());
        }
        rows.keep(key, Some(value));
    }
    for key in rest {
        let value = fetched.remove(&key).map(Arc::new);
        if values_wanted && let Some(value) = &value {
            values.insert(key, value.clone());
        }
        rows.keep(key, value);
    }
    Ok(values)
}

/// Whether a request carries a NUL character (U+0000) in its document or its variables. No field
/// accepts one, and PostgreSQL refuses them in text: such a request is refused as a whole, before
/// anything runs. The document is checked for the escapes that make one (`\u0000`, `\u{0}`).
pub fn carries_nul(request: &async_graphql::Request) -> bool {
    fn escape_of_nul(query: &str) -> bool {
        let mut rest = query;
        while let Some(at) = rest.find("\\u") {
            let after = &rest[at + 2..];
            let digits = after.strip_prefix('{').unwrap_or(after);
            let zeros = digits.bytes().take_while(|b| *b == b'0').count();
            let fixed = after.len() >= 4 && after.as_bytes()[..4].iter().all(|b| *b == b'0');
            let braced = after.starts_with('{') && zeros > 0 && digits[zeros..].starts_with('}');
            if fixed || braced {
                return true;
            }
            rest = after;
        }
        false
    }
    if request.query.contains('\0') || escape_of_nul(&request.query) {
        return true;
    }
    let mut values: Vec<&async_graphql::Value> = request.variables.values().collect();
    while let Some(value) = values.pop() {
        match value {
            async_graphql::Value::String(text) if text.contains('\0') => return true,
            async_graphql::Value::List(items) => values.extend(items),
            async_graphql::Value::Object(fields) => {
                values.extend(fields.values());
                if fields.keys().any(|name| name.contains('\0')) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// The error for a row that a foreign key promises but the database did not return: it was
/// deleted while the request was being read (reads are separate statements; the change log will
/// report the deletion). A `NOT_FOUND`, not an internal error: reading again gives a consistent
/// answer.
pub(crate) fn missing(what: &'static str) -> async_graphql::Error {
    tracing::debug!(
        what,
        "a referenced row was deleted while the request was read"
    );
    AppError::NotFound { what }.to_graphql()
}

/// Collects Relay arguments.
pub(crate) fn page_args(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> PageArgs {
    PageArgs {
        first,
        after,
        last,
        before,
    }
}

/// Complexity of a connection field: its selection, once per item asked for.
pub(crate) fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first.or(last).map_or(DEFAULT_PAGE_SIZE, |size| {
        size.clamp(0, MAX_PAGE_SIZE as i32) as u64
    });
    (size as usize).max(1) * child_complexity + 1
}
