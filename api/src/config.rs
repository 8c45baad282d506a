//! Typed configuration, read from command-line flags and environment variables by `clap`.
//!
//! Every key is documented here and in `newsdesk --help`; a malformed value stops start-up with
//! a message that names the flag and its environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::FixedOffset;
use clap::{Args, ValueEnum};

/// Everything the server needs to run. Flags win over environment variables.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database URL: `sqlite://path/to/file.db` or `postgres://user@host:5432/db`.
    /// Default: a SQLite file `newsdesk.db` in the data folder, created on first start.
    #[arg(long, env = "DATABASE_URL", global = true, value_name = "URL", value_parser = parse_database_url)]
    pub database_url: Option<String>,

    /// PostgreSQL schema to use (set as the connection's `search_path`). Ignored for SQLite.
    #[arg(long, env = "NEWSDESK_DATABASE_SCHEMA", global = true, value_name = "NAME", value_parser = parse_schema_name)]
    pub database_schema: Option<String>,

    /// Memory for rendered anonymous responses, in MiB; 0 turns the response cache off.
    #[arg(long, env = "NEWSDESK_RESPONSE_CACHE_MB", global = true, default_value_t = 32, value_name = "MIB", value_parser = clap::value_parser!(u32).range(0..=4096))]
    pub response_cache_mb: u32,

    /// Memory for kept reads, in MiB: pages of article lists and articles by slug, read once per
    /// change and shared by the callers who see the same articles (with the response cache off,
    /// or signed in). 0 reads them from the database for every request (list totals are kept
    /// regardless).
    #[arg(long, env = "NEWSDESK_KEPT_READS_MB", global = true, default_value_t = 8, value_name = "MIB", value_parser = clap::value_parser!(u32).range(0..=4096))]
    pub kept_reads_mb: u32,

    /// Most queries rendered at once (GraphQL queries and REST article views); more wait their
    /// turn. Rendering is CPU work: beyond a few per core, more at once only hold more memory.
    /// Cached responses, mutations and subscriptions never wait. Default: 4 per CPU core.
    #[arg(long, env = "NEWSDESK_MAX_CONCURRENT_RENDERS", global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub max_concurrent_renders: Option<u32>,

    /// Maximum number of pooled database connections. Default: 10 on PostgreSQL; 4 on SQLite,
    /// where each connection has a thread and a page cache of its own, more connections do not
    /// read faster on a small machine, and writes take turns anyway.
    #[arg(long, env = "NEWSDESK_DB_MAX_CONNECTIONS", global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_max_connections: Option<u32>,

    /// Folder for the embedded database and other local state; created when missing.
    #[arg(
        long,
        env = "NEWSDESK_DATA_DIR",
        global = true,
        default_value = "data",
        value_name = "DIR"
    )]
    pub data_dir: PathBuf,

    /// Address and port the HTTP server listens on.
    #[arg(
        long,
        env = "NEWSDESK_LISTEN",
        global = true,
        default_value = "127.0.0.1:8080",
        value_name = "ADDR"
    )]
    pub listen: SocketAddr,

    /// Whether `serve` loads the demo content into an empty database: `auto` does so for SQLite
    /// only, `always` for any database, `never` never.
    #[arg(long, env = "NEWSDESK_SEED_DEMO", global = true, value_enum, default_value_t = SeedDemo::Auto, value_name = "WHEN")]
    pub seed_demo: SeedDemo,

    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, env = "NEWSDESK_LOG_FORMAT", global = true, value_enum, default_value_t = LogFormat::Text, value_name = "FORMAT")]
    pub log_format: LogFormat,

    /// Log filter in `tracing` syntax, e.g. `info` or `newsdesk=debug,sqlx=warn`.
    #[arg(
        long,
        env = "NEWSDESK_LOG",
        global = true,
        default_value = "info",
        value_name = "FILTER"
    )]
    pub log_filter: String,

    /// The university's UTC offset; "today" for agreement status and current positions is the
    /// date at this offset.
    #[arg(long, env = "NEWSDESK_SITE_UTC_OFFSET", global = true, default_value = "+08:00", value_name = "OFFSET", value_parser = parse_offset)]
    pub site_utc_offset: FixedOffset,

    /// Largest request body accepted, in bytes; larger bodies get 413.
    #[arg(long, env = "NEWSDESK_MAX_BODY_BYTES", global = true, default_value_t = 1_048_576, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1024..=104_857_600))]
    pub max_body_bytes: u64,

    /// Secret that signs access and preview tokens (HS256), at least 32 characters. Required
    /// with PostgreSQL, where every api node must share it; with SQLite a random secret is
    /// generated once and kept in the data folder (`jwt-secret`), so tokens survive a restart.
    #[arg(long, env = "NEWSDESK_JWT_SECRET", global = true, value_name = "SECRET", hide_env_values = true, value_parser = parse_secret)]
    pub jwt_secret: Option<Secret>,

    /// Lifetime of an access token, in seconds.
    #[arg(long, env = "NEWSDESK_ACCESS_TOKEN_TTL", global = true, default_value_t = 900, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(10..=86_400))]
    pub access_token_ttl: u64,

    /// Lifetime of a refresh token, in seconds.
    #[arg(long, env = "NEWSDESK_REFRESH_TOKEN_TTL", global = true, default_value_t = 2_592_000, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(60..=31_536_000))]
    pub refresh_token_ttl: u64,

    /// Failed logins allowed per account in 15 minutes; a client address may have four times as
    /// many.
    #[arg(long, env = "NEWSDESK_LOGIN_ATTEMPTS", global = true, default_value_t = 5, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub login_attempts: u32,

    /// Take the client address from the first `X-Forwarded-For` entry (only behind a proxy that
    /// sets it).
    #[arg(long, env = "NEWSDESK_TRUST_FORWARDED_FOR", global = true, default_value_t = false, value_name = "BOOL", action = clap::ArgAction::Set)]
    pub trust_forwarded_for: bool,

    /// Folder of `.graphql` files registered as persisted operations at start-up (each is known
    /// by the SHA-256 of its text, as in Apollo's automatic persisted queries).
    #[arg(
        long,
        env = "NEWSDESK_PERSISTED_QUERIES_DIR",
        global = true,
        value_name = "DIR"
    )]
    pub persisted_queries_dir: Option<PathBuf>,

    /// Allow-list mode: anonymous callers may run only the registered operations.
    #[arg(long, env = "NEWSDESK_PERSISTED_QUERIES_ONLY", global = true, default_value_t = false, value_name = "BOOL", action = clap::ArgAction::Set)]
    pub persisted_queries_only: bool,

    /// Most websocket connections (`/graphql/ws`) one client address may hold open on this node;
    /// one more is refused with 429.
    #[arg(long, env = "NEWSDESK_WS_MAX_CONNECTIONS_PER_CLIENT", global = true, default_value_t = 32, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub ws_max_connections_per_client: u32,

    /// Attempts per webhook delivery before it goes to the dead-letter state.
    #[arg(long, env = "NEWSDESK_WEBHOOK_MAX_ATTEMPTS", global = true, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(i32).range(1..=50))]
    pub webhook_max_attempts: i32,

    /// First retry delay of a failed webhook delivery, in milliseconds; it doubles each time (at
    /// most one hour).
    #[arg(long, env = "NEWSDESK_WEBHOOK_RETRY_BASE_MS", global = true, default_value_t = 5000, value_name = "MS", value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub webhook_retry_base_ms: u64,

    /// Timeout of one webhook request, in milliseconds.
    #[arg(long, env = "NEWSDESK_WEBHOOK_TIMEOUT_MS", global = true, default_value_t = 10_000, value_name = "MS", value_parser = clap::value_parser!(u64).range(100..=120_000))]
    pub webhook_timeout_ms: u64,

    /// Let webhook endpoints point at loopback, private, link-local or unique-local addresses
    /// (a receiver on this machine or the campus network, in development and tests). Off, such
    /// an endpoint is refused when registered, and a delivery is refused when its name resolves
    /// to one at delivery time.
    #[arg(long, env = "NEWSDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS", global = true, default_value_t = false, value_name = "BOOL", action = clap::ArgAction::Set)]
    pub webhook_allow_private_networks: bool,

    /// How often the webhook worker looks for work, in milliseconds.
    #[arg(long, env = "NEWSDESK_WEBHOOK_POLL_MS", global = true, default_value_t = 500, value_name = "MS", value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub webhook_poll_ms: u64,

    /// Folder of this node's search index (a projection of the database, rebuilt when missing).
    /// Default: `search-index` in the data folder.
    #[arg(
        long,
        env = "NEWSDESK_SEARCH_INDEX_DIR",
        global = true,
        value_name = "DIR"
    )]
    pub search_index_dir: Option<PathBuf>,

    /// Limits on GraphQL documents.
    #[command(flatten, next_help_heading = "GraphQL limits")]
    pub graphql: GraphqlLimits,
}

/// Limits on GraphQL documents. The defaults leave room for every query in
/// `examples/queries/` and refuse abusive ones.
#[derive(Debug, Clone, Args)]
pub struct GraphqlLimits {
    /// Accept batched GraphQL requests (a JSON array of operations).
    #[arg(long = "graphql-batch", env = "NEWSDESK_GRAPHQL_BATCH", global = true, default_value_t = false, value_name = "BOOL", action = clap::ArgAction::Set)]
    pub batch: bool,

    /// Largest number of operations in one batch, when batching is on.
    #[arg(
        long = "graphql-max-batch",
        env = "NEWSDESK_GRAPHQL_MAX_BATCH",
        global = true,
        default_value_t = 10,
        value_name = "N"
    )]
    pub max_batch: usize,

    /// Deepest selection nesting allowed.
    #[arg(
        long = "graphql-max-depth",
        env = "NEWSDESK_GRAPHQL_MAX_DEPTH",
        global = true,
        default_value_t = 12,
        value_name = "N"
    )]
    pub max_depth: usize,

    /// Highest query complexity allowed (each field costs 1; connection fields multiply their
    /// selection by the page size asked for).
    #[arg(
        long = "graphql-max-complexity",
        env = "NEWSDESK_GRAPHQL_MAX_COMPLEXITY",
        global = true,
        default_value_t = 5000,
        value_name = "N"
    )]
    pub max_complexity: usize,

    /// Most aliases allowed in one document.
    #[arg(
        long = "graphql-max-aliases",
        env = "NEWSDESK_GRAPHQL_MAX_ALIASES",
        global = true,
        default_value_t = 30,
        value_name = "N"
    )]
    pub max_aliases: usize,

    /// Most directives allowed on one field.
    #[arg(
        long = "graphql-max-directives",
        env = "NEWSDESK_GRAPHQL_MAX_DIRECTIVES",
        global = true,
        default_value_t = 4,
        value_name = "N"
    )]
    pub max_directives: usize,
}

/// A secret that never prints.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The secret itself; keep it out of logs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Secret([redacted])")
    }
}

fn parse_secret(value: &str) -> Result<Secret, String> {
    if value.len() >= 32 {
        Ok(Secret(value.to_owned()))
    } else {
        Err("the secret must be at least 32 characters long".to_owned())
    }
}

/// When `serve` seeds the demo content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeedDemo {
    /// Seed an empty SQLite database; leave PostgreSQL alone.
    Auto,
    /// Seed any empty database.
    Always,
    /// Never seed at start-up.
    Never,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

impl Config {
    /// The database URL in force: the configured one, or the embedded SQLite file.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("newsdesk.db").display()
            ),
        }
    }

    /// Whether the database in force is SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.effective_database_url().starts_with("sqlite:")
    }

    /// How many queries render at once: as configured, or 4 per CPU core.
    pub fn render_permits(&self) -> usize {
        self.max_concurrent_renders
            .map(|n| n as usize)
            .unwrap_or_else(|| {
                4 * std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
            })
    }

    /// The pool size: as configured, or the database's default.
    pub fn max_connections(&self) -> u32 {
        self.db_max_connections
            .unwrap_or(if self.is_sqlite() { 4 } else { 10 })
    }
}

fn parse_database_url(value: &str) -> Result<String, String> {
    let supported = ["sqlite:", "postgres://", "postgresql://"];
    if supported.iter().any(|prefix| value.starts_with(prefix)) {
        Ok(value.to_owned())
    } else {
        Err("expected a URL starting with sqlite:, postgres:// or postgresql://".to_owned())
    }
}

fn parse_schema_name(value: &str) -> Result<String, String> {
    let valid = !value.is_empty()
        && value.len() <= 63
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !value.starts_with(|c: char| c.is_ascii_digit());
    if valid {
        Ok(value.to_owned())
    } else {
        Err("expected a lowercase identifier (a-z, 0-9, _), at most 63 characters".to_owned())
    }
}

fn parse_offset(value: &str) -> Result<FixedOffset, String> {
    value
        .parse::<FixedOffset>()
        .map_err(|_| "expected an offset such as +08:00 or -05:30".to_owned())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::Cli;

    fn pool_size(args: &[&str]) -> u32 {
        let argv = std::iter::once("newsdesk").chain(args.iter().copied());
        match Cli::try_parse_from(argv) {
            Ok(cli) => cli.config.max_connections(),
            Err(error) => panic!("{error}"),
        }
    }

    #[test]
    fn the_pool_size_defaults_by_database_and_follows_the_flag() {
        assert_eq!(pool_size(&["--database-url", "sqlite://x.db"]), 4);
        assert_eq!(pool_size(&["--database-url", "postgres://db/x"]), 10);
        assert_eq!(
            pool_size(&[
                "--database-url",
                "sqlite://x.db",
                "--db-max-connections",
                "7"
            ]),
            7
        );
        assert_eq!(
            pool_size(&[
                "--database-url",
                "postgres://db/x",
                "--db-max-connections",
                "2"
            ]),
            2
        );
    }
}
