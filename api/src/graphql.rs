//! The GraphQL schema: thin resolvers over the content domain, DataLoaders against N+1, and the
//! limits that keep abusive documents out.

mod article_inputs;
mod catalog_inputs;
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

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Schema, SchemaBuilder};
use sea_orm::DatabaseConnection;

use crate::reads::loaders::{self, Loaders};
pub use extension::{document_error_code, too_many_aliases, with_code};
pub use mutation::Mutation;
pub use query::Query;
pub use subscription::Subscription;

use crate::config::GraphqlLimits;
use crate::error::{AppError, GraphqlResultExt};
use crate::reads::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageArgs};
use crate::reads::{Reader, Viewer};
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

/// What every resolver needs from the request: the pool, the caller and the request's reader.
pub struct RequestContext {
    /// The database pool.
    pub db: DatabaseConnection,
    /// The caller.
    pub viewer: Viewer,
    /// The request's reader: its rows, its DataLoader, and what the node keeps when the request
    /// may use it.
    pub reader: Reader,
    /// The app, for keys and configuration.
    pub app: AppState,
    /// The client's address, for login rate limits.
    pub client: String,
    /// The language the client prefers (`Accept-Language`), if it named one we publish in.
    pub preferred_locale: Option<entities::enums::Locale>,
    /// Set by the first `login` of an HTTP request (shared by every operation of a batch), so
    /// that aliases and batches cannot try several passwords at once.
    pub login_tried: Arc<AtomicBool>,
    /// Whether article nodes may be written as JSON at once (see [`render`]): only for a
    /// response that [`render::write_response`] serialises, of a document that asks for
    /// nothing twice.
    pub writes_nodes: bool,
    /// Where to count how article nodes were rendered (the engine's).
    pub rendering: Arc<render::RenderStats>,
}

impl RequestContext {
    /// A fresh context for one operation, reading through `reader` (made for the operation:
    /// only a query may read what the node keeps; see `http::graphql`).
    pub fn new(
        app: AppState,
        reader: Reader,
        client: String,
        login_tried: Arc<AtomicBool>,
    ) -> Self {
        Self {
            db: reader.db().clone(),
            viewer: reader.viewer().clone(),
            reader,
            app,
            client,
            login_tried,
            preferred_locale: None,
            writes_nodes: false,
            rendering: Arc::default(),
        }
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
        self.reader.keep_rows(rows).gql()
    }
}

pub(crate) fn request<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestContext> {
    ctx.data::<RequestContext>()
        .map_err(|_| AppError::Internal("request context missing".into()).to_graphql())
}

/// Loads one value through the request's reader.
pub(crate) async fn load<K>(
    ctx: &Context<'_>,
    key: K,
) -> async_graphql::Result<Option<<Loaders as Loader<K>>::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Loaders: Loader<K, Error = Arc<AppError>>,
{
    request(ctx)?.reader.load(key).await.gql()
}

/// Loads many values through the request's reader, in one batch.
pub(crate) async fn load_many<K>(
    ctx: &Context<'_>,
    keys: Vec<K>,
) -> async_graphql::Result<HashMap<K, <Loaders as Loader<K>>::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Loaders: Loader<K, Error = Arc<AppError>>,
{
    request(ctx)?.reader.load_many(keys).await.gql()
}

/// Prefetches values for the resolvers ([`Reader::prefetch`]) and returns them (shared, not
/// copied), for the nested prefetches; [`prefetch`] when those are not needed.
pub(crate) async fn prefetch_many<K>(
    ctx: &Context<'_>,
    keys: Vec<K>,
) -> async_graphql::Result<HashMap<K, Arc<<Loaders as Loader<K>>::Value>>>
where
    K: Send + Sync + Hash + Eq + Copy + loaders::SharedScope + 'static,
    Loaders: Loader<K, Error = Arc<AppError>>,
{
    request(ctx)?.reader.prefetch(keys, true).await.gql()
}

/// [`prefetch_many`] without handing the values back.
pub(crate) async fn prefetch<K>(ctx: &Context<'_>, keys: Vec<K>) -> async_graphql::Result<()>
where
    K: Send + Sync + Hash + Eq + Copy + loaders::SharedScope + 'static,
    Loaders: Loader<K, Error = Arc<AppError>>,
{
    request(ctx)?
        .reader
        .prefetch(keys, false)
        .await
        .gql()
        .map(drop)
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
