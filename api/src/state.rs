//! What every request shares: the database, the configuration, the signing keys, this node's
//! search index, what it reads and keeps, and its change-log follower ([`App`], behind one `Arc`, so that handing it
//! to a request costs one count, not a count per part and a copy of the signing keys). Nothing
//! here knows the router, GraphQL or REST; `app` builds those on top of it.

use std::sync::Arc;

use sea_orm::DbErr;

use crate::auth::tokens::Keys;
use crate::changes::{self, ChangeFeed};
use crate::config::Config;
use crate::db::Db;
use crate::reads::Reads;

/// Shared by every request.
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
    /// The configuration in force.
    pub config: Arc<Config>,
    /// The token signing keys.
    pub keys: Keys,
    /// What this node's change-log follower tells: live changes for subscriptions, the log's
    /// head for the webhook worker.
    pub changes: ChangeFeed,
    /// This node's search index.
    pub search: Arc<crate::search::SearchIndex>,
    /// What this node keeps of what it reads, and where the content stands.
    pub reads: Arc<Reads>,
    /// Turns to render a query ([`Config::render_permits`] at once).
    pub renders: Arc<tokio::sync::Semaphore>,
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
    /// Connects, migrates, opens the search index and starts following the change log.
    pub async fn start(config: Config) -> Result<Self, StartupError> {
        let db = Db::connect(&config).await?;
        db.migrate().await?;
        Self::start_on(config, db).await
    }

    /// [`Self::start`] on a database already connected and migrated.
    pub async fn start_on(config: Config, db: Db) -> Result<Self, StartupError> {
        let keys = Keys::load(&config).map_err(StartupError::Config)?;
        let reads = Reads::new(u64::from(config.kept_reads_mb) * 1024 * 1024);
        let search = open_search(&config, &db).await?;
        // Search answers come from the index: what is kept goes when it takes in changes.
        reads.version.search_moved(search.applied());
        // Followed even with the response cache off: the content's version makes the validators.
        let changes = changes::start(
            db.background.clone(),
            reads.clone(),
            search.clone(),
            config.site_utc_offset,
            std::time::Duration::from_millis(200),
        );
        let config_permits = config.render_permits();
        Ok(Self(Arc::new(App {
            db,
            config: Arc::new(config),
            keys,
            changes,
            search,
            reads,
            renders: Arc::new(tokio::sync::Semaphore::new(config_permits)),
        })))
    }
}

/// Opens this node's search index, and rebuilds it from the database when it is new or
/// unreadable (the change-log follower keeps it current).
async fn open_search(
    config: &Config,
    db: &Db,
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
    Ok(index)
}
