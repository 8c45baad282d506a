//! Builds the application state and the router, and runs the server. Tests build the app with
//! the same functions as production.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, Request};
use axum::routing::get;
use sea_orm::DbErr;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnRequest, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::tokens::Keys;
use crate::config::{Config, SeedDemo};
use crate::content::live::ChangeFeed;
use crate::db::Db;
use crate::graphql::{NewsdeskSchema, build_live_schema, build_schema, build_validated_schema};
use crate::http;
use crate::http::documents::ParsedDocuments;
use crate::http::persisted::PersistedQueries;
use crate::http::response_cache::{self, ResponseCache};
use crate::seed;

/// Shared by every request: the pool, the schema and the configuration ([`App`], behind one
/// `Arc`, so that handing it to a request costs one count, not a count per part and a copy of
/// the signing keys).
#[derive(Clone)]
pub struct AppState(Arc<App>);

impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}

/// What [`AppState`] shares.
pub struct App {
    /// The database.
    pub db: Db,
    /// The GraphQL schema, for HTTP.
    pub schema: NewsdeskSchema,
    /// The same schema without the full validation rules, for requests that passed them
    /// before (see [`crate::http::documents`]).
    pub validated_schema: NewsdeskSchema,
    /// The same schema for websocket clients (it codes document errors itself).
    pub live_schema: NewsdeskSchema,
    /// The configuration in force.
    pub config: Arc<Config>,
    /// The token signing keys.
    pub keys: Keys,
    /// Registered and remembered persisted queries.
    pub persisted: Arc<PersistedQueries>,
    /// Parsed query documents, by their text.
    pub documents: Arc<ParsedDocuments>,
    /// This node's live changes, for subscriptions.
    pub changes: ChangeFeed,
    /// This node's search index.
    pub search: Arc<crate::search::SearchIndex>,
    /// Rendered anonymous responses.
    pub cache: Arc<ResponseCache>,
    /// Turns to render a query ([`Config::render_permits`] at once).
    pub renders: Arc<tokio::sync::Semaphore>,
    /// How article nodes were rendered.
    pub rendering: Arc<crate::graphql::render::RenderStats>,
    /// Open websocket connections, per client address.
    pub live: Arc<crate::http::live::Connections>,
}

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The configuration is incomplete or inconsistent.
    #[error("configuration: {0}")]
    Config(String),
    /// The database could not be opened, migrated or seeded.
    #[error("database: {0}")]
    Database(#[from] DbErr),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr} (NEWSDESK_LISTEN): {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// A command could not do what it was asked.
    #[error("{0}")]
    Command(String),
    /// The server failed while running.
    #[error("server: {0}")]
    Serve(std::io::Error),
}

impl AppState {
    /// Connects, migrates, and (as configured) seeds an empty database with the demo content.
    pub async fn start(config: Config) -> Result<Self, StartupError> {
        let keys = Keys::load(&config).map_err(StartupError::Config)?;
        let persisted = PersistedQueries::load(config.persisted_queries_dir.as_deref())
            .map_err(StartupError::Config)?;
        let db = Db::connect(&config).await?;
        db.migrate().await?;
        let seed_demo = match config.seed_demo {
            SeedDemo::Auto => config.is_sqlite(),
            SeedDemo::Always => true,
            SeedDemo::Never => false,
        };
        if seed_demo && seed::is_empty(&db.conn).await? {
            seed::demo(&db.conn).await?;
            tracing::info!("empty database: loaded the demo content");
        }
        let schema = build_schema(&config.graphql);
        let validated_schema = build_validated_schema(&config.graphql);
        let live_schema = build_live_schema(&config.graphql);
        let changes = ChangeFeed::new(db.background.clone(), std::time::Duration::from_millis(250));
        let cache = Arc::new(ResponseCache::new(
            config.response_cache_mb as usize * 1024 * 1024,
            config.kept_reads_mb as usize * 1024 * 1024,
        ));
        // Followed even with the cache off: the content's version makes the validators.
        cache.clone().follow(
            db.background.clone(),
            config.site_utc_offset,
            std::time::Duration::from_millis(200),
        );
        let search = open_search(&config, &db, cache.clone()).await?;
        let config_permits = config.render_permits();
        Ok(Self(Arc::new(App {
            db,
            schema,
            validated_schema,
            live_schema,
            config: Arc::new(config),
            keys,
            persisted: Arc::new(persisted),
            documents: Arc::default(),
            changes,
            search,
            cache,
            renders: Arc::new(tokio::sync::Semaphore::new(config_permits)),
            rendering: Arc::default(),
            live: Arc::default(),
        })))
    }
}

/// Opens this node's search index, rebuilds it from the database when it is new or unreadable,
/// and keeps it current from the change log.
async fn open_search(
    config: &Config,
    db: &Db,
    cache: Arc<ResponseCache>,
) -> Result<Arc<crate::search::SearchIndex>, StartupError> {
    let dir = crate::search::index_dir(config);
    let (index, rebuild) = crate::search::SearchIndex::open(&dir)
        .map_err(|error| StartupError::Command(error.to_string()))?;
    let index = Arc::new(index);
    if rebuild {
        let count = index
            .rebuild(&db.conn)
            .await
            .map_err(|error| StartupError::Command(error.to_string()))?;
        tracing::info!(count, dir = %dir.display(), "search index built");
    }
    // Search answers come from the index: cached ones go when it takes in changes.
    cache.search_moved(index.applied());
    index.clone().follow(
        db.background.clone(),
        std::time::Duration::from_millis(200),
        move |applied| cache.search_moved(applied),
    );
    Ok(index)
}

/// The router: GraphQL, health probes, request ids and request logs.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .route(
            "/graphql",
            get(http::graphql::get)
                .post(http::graphql::post)
                .fallback(http::graphql::method_not_allowed),
        )
        .route("/graphql/ws", get(http::live::websocket))
        .merge(crate::rest::routes())
        .route("/healthz", get(http::health::healthz))
        .route("/readyz", get(http::health::readyz))
        .route("/metrics", get(http::health::metrics))
        .with_state(state.clone())
        // gzip or brotli, as the client accepts; small bodies and 304s stay as they are.
        .layer(CompressionLayer::new())
        // Outside compression, so that a hit costs neither rendering nor compressing.
        .layer(axum::middleware::from_fn_with_state(
            state.cache.clone(),
            response_cache::middleware,
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            let id = request
                .headers()
                .get("x-request-id")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), request_id = %id)
        })
        .on_request(DefaultOnRequest::new().level(Level::DEBUG))
        .on_response(DefaultOnResponse::new().level(Level::INFO)))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        // A bug must not take the node down with it: a request that panics gets a 500 (and a
        // log line with the cause); every other request goes on.
        .layer(CatchPanicLayer::custom(panicked))
}

/// The answer to a request whose handler panicked: the cause is logged, the client gets the
/// generic internal error.
fn panicked(cause: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let cause = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(cause, "a request panicked");
    let body = serde_json::json!({
        "errors": [{ "message": "internal server error", "extensions": { "code": "INTERNAL_SERVER_ERROR" } }]
    });
    (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Serves until SIGTERM or Ctrl-C, then lets requests in flight finish.
pub async fn serve(state: AppState) -> Result<(), StartupError> {
    let addr = state.config.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartupError::Bind { addr, source })?;
    tracing::info!(%addr, "serving GraphQL at http://{addr}/graphql");
    let worker = crate::webhooks::spawn_worker(
        state.db.background.clone(),
        crate::webhooks::Settings::from_config(&state.config),
    )
    .map_err(|error| StartupError::Command(error.to_string()))?;
    let service = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(StartupError::Serve)?;
    worker.abort();
    tracing::info!("shut down");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing requests in flight");
}
