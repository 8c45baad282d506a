//! Connecting to the database, applying migrations, and counting SQL statements.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr,
    ExecResult, QueryResult, Statement,
};

use crate::config::Config;

/// Gives the query planner the shape of the data. Without statistics SQLite takes
/// `status = 'published'` for a selective filter and walks that index for lookups by id: an
/// article's translations took 130 ms at 100,000 articles, 0.1 ms with statistics. On SQLite a
/// sampled `ANALYZE` (milliseconds) runs at every start-up; PostgreSQL's autovacuum keeps its own,
/// and bulk loads run `VACUUM (ANALYZE)` themselves.
pub async fn refresh_statistics(db: &DatabaseConnection) -> Result<(), DbErr> {
    let sql = match db.get_database_backend() {
        DatabaseBackend::Sqlite => "PRAGMA analysis_limit = 1000; ANALYZE;",
        // Also sets the visibility map, so that counts read the indexes alone after a bulk load.
        _ => {
            "VACUUM (ANALYZE) articles, article_authors, article_people, article_institutions, \
             article_agreements, article_tags, media, people, positions, institutions, \
             agreements, agreement_parties, agreement_signatories, sections, tags, change_log"
        }
    };
    db.execute_unprepared(sql).await?;
    Ok(())
}

/// Begins a transaction that will write. On SQLite it takes the write lock at once: a
/// transaction that first reads and only then writes fails outright when another writer
/// committed in between, so writers must start as writers. SQLite has one writer at a time, and
/// its own waiting (sleeps of up to 100 ms between tries) is neither fair nor prompt: 32 editors
/// saving at once waited up to two seconds. So this process's writers also queue for their turn
/// here, first come first served, before they take a connection, and hold it until the
/// transaction ends.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTransaction, DbErr> {
    use sea_orm::TransactionTrait;
    let turn = if db.get_database_backend() == DatabaseBackend::Sqlite {
        let turn = tokio::time::timeout(WRITE_TURN_TIMEOUT, SQLITE_WRITERS.clone().lock_owned())
            .await
            .map_err(|_| DbErr::Custom("timed out waiting for the database's write turn".into()))?;
        Some(turn)
    } else {
        None
    };
    let txn = db.begin().await?;
    if turn.is_some() {
        txn.execute_unprepared("UPDATE change_log SET seq = seq WHERE 0")
            .await?;
    }
    Ok(WriteTransaction { txn, _turn: turn })
}

/// The turn of this process's SQLite writers (one at a time, in order of arrival).
static SQLITE_WRITERS: std::sync::LazyLock<Arc<tokio::sync::Mutex<()>>> =
    std::sync::LazyLock::new(Arc::default);

/// Longest wait for the write turn before a write fails with an error.
const WRITE_TURN_TIMEOUT: Duration = Duration::from_secs(30);

/// A transaction begun by [`begin_write`]; on SQLite it holds the process's write turn until it
/// is committed, rolled back or dropped. Runs statements as the transaction does.
pub struct WriteTransaction {
    txn: sea_orm::DatabaseTransaction,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTransaction {
    /// Commits the transaction (and gives up the turn).
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTransaction {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

/// How long a pooled connection may sit unused before it is checked with a ping on its next use.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(5);

/// A pool of connections plus a counter of the SQL statements run through it.
#[derive(Clone, Debug)]
pub struct Db {
    /// The pool.
    pub conn: DatabaseConnection,
    /// Statements executed since start-up (read by tests and the benchmark).
    pub statements: Arc<AtomicU64>,
    /// A small pool for background work (search, webhooks, live changes), kept apart so that
    /// the statement count is that of requests.
    pub background: DatabaseConnection,
}

impl Db {
    /// Opens the pool described by `config`; for SQLite, creates the data folder and file.
    pub async fn connect(config: &Config) -> Result<Self, DbErr> {
        let url = config.effective_database_url();
        if config.database_url.is_none() {
            std::fs::create_dir_all(&config.data_dir).map_err(|error| {
                DbErr::Custom(format!(
                    "cannot create the data folder {} (NEWSDESK_DATA_DIR): {error}",
                    config.data_dir.display()
                ))
            })?;
        }
        let options = |max: u32| {
            let mut options = ConnectOptions::new(url.clone());
            options
                .max_connections(max)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(10))
                // A connection is pinged before use only after it sat idle: pinging on every
                // acquire cost a round trip (and a wake-up of the server) per statement. A
                // connection that dies while in steady use fails one statement and is replaced.
                .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
                .sqlx_logging(false);
            if let Some(schema) = &config.database_schema {
                options.set_schema_search_path(schema.clone());
            }
            options
        };
        let mut conn = Database::connect(options(config.max_connections())).await?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        conn.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::Relaxed);
            // `NEWSDESK_LOG=newsdesk::sql=debug` shows every statement with its time.
            tracing::debug!(
                target: "newsdesk::sql",
                micros = info.elapsed.as_micros() as u64,
                failed = info.failed,
                sql = %info.statement.sql,
            );
        });
        if conn.get_database_backend() == DatabaseBackend::Sqlite {
            // WAL lets readers run while one writer commits; it is a property of the file.
            conn.execute_unprepared("PRAGMA journal_mode = WAL").await?;
        }
        let background = Database::connect(options(2)).await?;
        Ok(Self {
            conn,
            statements,
            background,
        })
    }

    /// Applies every pending migration. Running it again does nothing.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.conn, None).await?;
        if self.conn.get_database_backend() == DatabaseBackend::Sqlite {
            refresh_statistics(&self.conn).await?;
        }
        Ok(())
    }

    /// Whether the database answers, and how many migrations it still lacks (readiness).
    pub async fn readiness(&self) -> Result<usize, DbErr> {
        self.conn.ping().await?;
        self.pending_migrations().await
    }

    /// Number of migrations not yet applied.
    pub async fn pending_migrations(&self) -> Result<usize, DbErr> {
        Ok(Migrator::get_pending_migrations(&self.conn).await?.len())
    }

    /// The number of statements executed so far.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}
