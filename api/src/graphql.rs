//! The GraphQL schema: thin resolvers over the content domain, DataLoaders against N+1, and the
//! limits that keep abusive documents out.

mod catalog_mutation;
mod extension;
pub mod loaders;
mod mutation;
mod prefetch;
mod query;
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

pub use extension::{ErrorCodes, document_error_code, too_many_aliases, with_code};
use loaders::Loaders;
pub use mutation::Mutation;
pub use query::Query;
pub use subscription::Subscription;

use crate::app::AppState;
use crate::config::GraphqlLimits;
use crate::content::Viewer;
use crate::error::{AppError, GraphqlResultExt};
use crate::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageArgs};

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

/// The same schema for websocket clients, where no handler of ours sees the document: the
/// [`ErrorCodes`] extension does that work.
pub fn build_live_schema(limits: &GraphqlLimits) -> NewsdeskSchema {
    builder(limits)
        .extension(ErrorCodes {
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
    /// Keys already prefetched, per key type, so that a prefetch never fetches a key twice.
    prefetched: std::sync::Mutex<HashMap<std::any::TypeId, Box<dyn std::any::Any + Send>>>,
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
        let loader = loaders::request_loader(db.clone(), viewer.clone(), shared);
        Self {
            db,
            viewer,
            loader,
            app,
            client,
            login_tried,
            preferred_locale: None,
            prefetched: std::sync::Mutex::default(),
        }
    }
}

pub(crate) fn request<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestContext> {
    ctx.data::<RequestContext>()
        .map_err(|_| AppError::Internal("request context missing".into()).to_graphql())
}

/// Loads one value through the request's DataLoader.
pub(crate) async fn load<K>(
    ctx: &Context<'_>,
    key: K,
) -> async_graphql::Result<Option<<Loaders as Loader<K>>::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Loaders: Loader<K, Error = Arc<AppError>>,
{
    request(ctx)?.loader.load_one(key).await.gql()
}

/// Loads many values through the request's DataLoader, in one batch.
pub(crate) async fn load_many<K>(
    ctx: &Context<'_>,
    keys: Vec<K>,
) -> async_graphql::Result<HashMap<K, <Loaders as Loader<K>>::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Loaders: Loader<K, Error = Arc<AppError>>,
{
    request(ctx)?.loader.load_many(keys).await.gql()
}

/// Loads many values at once, straight from the loader (no batching window to wait for), and
/// keeps them in the request's cache for the resolvers. For prefetching, where every key is
/// known up front; resolvers use [`load_many`], which batches across sibling fields.
pub(crate) async fn prefetch_many<K>(
    ctx: &Context<'_>,
    keys: Vec<K>,
) -> async_graphql::Result<HashMap<K, <Loaders as Loader<K>>::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Loaders: Loader<K, Error = Arc<AppError>>,
{
    let request = request(ctx)?;
    let (fresh, known): (Vec<K>, Vec<K>) = {
        let mut prefetched = request
            .prefetched
            .lock()
            .map_err(|_| AppError::Internal("prefetch state poisoned".into()).to_graphql())?;
        let entry = prefetched
            .entry(std::any::TypeId::of::<K>())
            .or_insert_with(|| Box::new(HashSet::<K>::new()));
        match entry.downcast_mut::<HashSet<K>>() {
            Some(seen) => keys.into_iter().partition(|key| seen.insert(key.clone())),
            None => (keys, Vec::new()),
        }
    };
    let mut values = HashMap::new();
    if !fresh.is_empty() {
        values = request.loader.loader().load(&fresh).await.gql()?;
        request
            .loader
            .feed_many(
                values
                    .iter()
                    .map(|(key, value)| (key.clone(), value.clone())),
            )
            .await;
    }
    if !known.is_empty() {
        // Already in the cache: answered without a statement.
        values.extend(request.loader.load_many(known).await.gql()?);
    }
    Ok(values)
}

/// The error for a row that a foreign key promises but the database did not return.
pub(crate) fn missing(what: &str) -> async_graphql::Error {
    AppError::Internal(format!("{what} referenced but not found")).to_graphql()
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
