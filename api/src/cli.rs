//! The command line: `serve` (the default), `migrate`, `seed --demo`, `schema`.

use clap::error::{ContextKind, ContextValue};
use clap::{CommandFactory, Parser, Subcommand};

use entities::enums::UserRole;

use crate::app;
use crate::auth::users;
use crate::config::{Config, LogFormat};
use crate::db::Db;
use crate::graphql;
use crate::graphql::engine::Engine;
use crate::state::{AppState, StartupError};
use crate::tools::seed;

/// Newsdesk: a headless content API for a university news site.
#[derive(Debug, Parser)]
#[command(name = "newsdesk", version, about, long_about = None)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Configuration, from flags or environment variables.
    #[command(flatten)]
    pub config: Config,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, load the demo content into an empty SQLite database, and serve HTTP.
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Load content into the database and exit.
    #[command(group(clap::ArgGroup::new("content").required(true).args(["demo", "synthetic"])))]
    Seed {
        /// Load the demo content: the SZPU pairing-assistance news page, modelled in full.
        #[arg(long)]
        demo: bool,
        /// Load N generated bilingual articles with sections, institutions (N/20), people (N/5)
        /// with positions, agreements (N/30), links, media and tags, into an empty database.
        /// The same N and --random-seed give the same rows.
        #[arg(long, value_name = "N", conflicts_with = "demo")]
        synthetic: Option<i64>,
        /// The seed of the synthetic data's generator.
        #[arg(long, default_value_t = crate::tools::synthetic::DEFAULT_SEED, requires = "synthetic")]
        random_seed: u64,
    },
    /// Print the GraphQL schema (SDL) and exit.
    Schema,
    /// Print the OpenAPI document of the REST API and exit.
    Openapi,
    /// Rebuild this node's search index from the database and exit.
    Reindex,
    /// Benchmark search: index generated bilingual articles into a scratch index and report
    /// indexing throughput, index size and query latency.
    BenchSearch {
        /// How many articles to generate.
        #[arg(long, default_value_t = 100_000)]
        articles: i64,
        /// How many times to run each query.
        #[arg(long, default_value_t = 200)]
        runs: usize,
        /// Also load the articles into a scratch SQLite database and time a full reindex from it.
        #[arg(long)]
        through_database: bool,
    },
    /// Manage user accounts. Passwords are read from standard input (one line) or from
    /// NEWSDESK_USER_PASSWORD, never from a flag.
    #[command(subcommand)]
    User(UserCommand),
}

/// `newsdesk user ...`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Add {
        /// Login email.
        #[arg(long)]
        email: String,
        /// Role: admin, editor, author or integrator.
        #[arg(long, value_parser = parse_role)]
        role: UserRole,
        /// Name shown in revisions; defaults to the email.
        #[arg(long)]
        name: Option<String>,
    },
    /// Set a new password; ends every session of the user.
    Passwd {
        /// Login email.
        #[arg(long)]
        email: String,
    },
    /// Disable a user; ends every session.
    Disable {
        /// Login email.
        #[arg(long)]
        email: String,
    },
}

fn parse_role(value: &str) -> Result<UserRole, String> {
    match value.to_ascii_lowercase().as_str() {
        "admin" => Ok(UserRole::Admin),
        "editor" => Ok(UserRole::Editor),
        "author" => Ok(UserRole::Author),
        "integrator" => Ok(UserRole::Integrator),
        _ => Err("expected admin, editor, author or integrator".into()),
    }
}

/// The password for `user add` and `user passwd`: NEWSDESK_USER_PASSWORD, else one line of
/// standard input.
fn read_password() -> Result<String, StartupError> {
    if let Ok(password) = std::env::var("NEWSDESK_USER_PASSWORD") {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|error| {
        StartupError::Config(format!(
            "cannot read the password from standard input: {error}"
        ))
    })?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn run_user(config: &Config, command: UserCommand) -> Result<(), StartupError> {
    let db = Db::connect(config).await?;
    db.migrate().await?;
    let result = match command {
        UserCommand::Add { email, role, name } => {
            let password = read_password()?;
            let name = name.unwrap_or_else(|| email.clone());
            users::create(&db.conn, users::Actor::Cli, &email, &name, role, password)
                .await
                .map(|user| {
                    tracing::info!(email = %user.email, role = ?user.role, "user created");
                })
        }
        UserCommand::Passwd { email } => {
            let password = read_password()?;
            users::set_password(&db.conn, users::Actor::Cli, &email, password)
                .await
                .map(|()| {
                    tracing::info!(%email, "password changed; sessions ended");
                })
        }
        UserCommand::Disable { email } => users::disable(&db.conn, users::Actor::Cli, &email)
            .await
            .map(|()| {
                tracing::info!(%email, "user disabled; sessions ended");
            }),
    };
    result.map_err(|error| StartupError::Command(error.to_string()))
}

impl Cli {
    /// Parses the command line and environment; on a malformed value, exits with clap's message
    /// plus the environment variable behind the flag, since either may have set it.
    pub fn parse_or_exit() -> Self {
        match Self::try_parse() {
            Ok(cli) => cli,
            Err(error) => {
                if let Some(ContextValue::String(invalid)) = error.get(ContextKind::InvalidArg) {
                    let command = Self::command();
                    let variable = command
                        .get_arguments()
                        .chain(
                            command
                                .get_subcommands()
                                .flat_map(|sub| sub.get_arguments()),
                        )
                        .find(|arg| {
                            arg.get_long()
                                .is_some_and(|long| invalid.starts_with(&format!("--{long} ")))
                        })
                        .and_then(|arg| arg.get_env())
                        .map(|env| env.to_string_lossy().into_owned());
                    if let Some(variable) = variable {
                        eprintln!(
                            "newsdesk: the value comes from `{invalid}` or the environment variable {variable}"
                        );
                    }
                }
                error.exit()
            }
        }
    }
}

fn init_logging(config: &Config) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(&config.log_filter).unwrap_or_else(|error| {
            eprintln!(
                "invalid log filter `{}` (NEWSDESK_LOG): {error}; using `info`",
                config.log_filter
            );
            tracing_subscriber::EnvFilter::new("info")
        });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

/// Runs the command line; the error is for `main` to print.
pub async fn run(cli: Cli) -> Result<(), StartupError> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Schema | Command::Openapi = command {
        #[expect(
            clippy::print_stdout,
            reason = "printing the document is the command's output"
        )]
        {
            match command {
                Command::Openapi => println!("{}", crate::rest::openapi_json()),
                _ => print!("{}", graphql::sdl()),
            }
        }
        return Ok(());
    }
    init_logging(&cli.config);
    match command {
        Command::Serve => {
            let engine = Engine::new(&cli.config).map_err(StartupError::Config)?;
            let db = Db::connect(&cli.config).await?;
            db.migrate().await?;
            seed::demo_on_first_start(&cli.config, &db).await?;
            let state = AppState::start_on(cli.config, db).await?;
            app::serve(state, std::sync::Arc::new(engine)).await
        }
        Command::Migrate => {
            let db = Db::connect(&cli.config).await?;
            db.migrate().await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Seed {
            synthetic: Some(articles),
            random_seed,
            ..
        } => {
            let db = Db::connect(&cli.config).await?;
            db.migrate().await?;
            let started = std::time::Instant::now();
            let counts = crate::tools::synthetic::load(&db.conn, articles, random_seed).await?;
            tracing::info!(
                seconds = started.elapsed().as_secs_f64(),
                "synthetic content loaded: {counts}"
            );
            Ok(())
        }
        Command::Seed { .. } => {
            let db = Db::connect(&cli.config).await?;
            db.migrate().await?;
            if seed::demo_present(&db.conn).await? {
                tracing::info!("the demo content is already loaded; nothing to do");
            } else {
                seed::demo(&db.conn).await?;
                tracing::info!("demo content loaded");
            }
            Ok(())
        }
        Command::User(command) => run_user(&cli.config, command).await,
        Command::BenchSearch {
            articles,
            runs,
            through_database,
        } => {
            let folder = cli.config.data_dir.join("bench-search-index");
            let mut report = crate::tools::bench_search::run(&folder, articles, runs)
                .map_err(StartupError::Command)?;
            if through_database {
                let scratch = cli.config.data_dir.join("bench-search-db");
                let through = crate::tools::bench_search::run_through_database(&scratch, articles)
                    .await
                    .map_err(StartupError::Command)?;
                report.push_str(&through);
                let _ = std::fs::remove_dir_all(&scratch);
            }
            let _ = std::fs::remove_dir_all(&folder);
            #[expect(clippy::print_stdout, reason = "the report is the command's output")]
            {
                print!("{report}");
            }
            Ok(())
        }
        Command::Reindex => {
            let db = Db::connect(&cli.config).await?;
            db.migrate().await?;
            let dir = crate::search::index_dir(&cli.config);
            let (index, _) = crate::search::SearchIndex::open(&dir)
                .map_err(|error| StartupError::Command(error.to_string()))?;
            let count = index
                .rebuild(&db.conn)
                .await
                .map_err(|error| StartupError::Command(error.to_string()))?;
            tracing::info!(count, dir = %dir.display(), "search index rebuilt");
            Ok(())
        }
        Command::Schema | Command::Openapi => Ok(()),
    }
}
