//! The command line: `serve` (the default), `migrate`, `seed --demo`, `schema`.

use clap::error::{ContextKind, ContextValue};
use clap::{CommandFactory, Parser, Subcommand};

use crate::app::{self, AppState, StartupError};
use crate::config::{Config, LogFormat};
use crate::db::Db;
use crate::graphql;
use crate::seed;

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
    Seed {
        /// Load the demo content: the SZPU pairing-assistance news page, modelled in full.
        #[arg(long, required = true)]
        demo: bool,
    },
    /// Print the GraphQL schema (SDL) and exit.
    Schema,
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
    if let Command::Schema = command {
        #[expect(
            clippy::print_stdout,
            reason = "printing the schema is the command's output"
        )]
        {
            print!("{}", graphql::sdl());
        }
        return Ok(());
    }
    init_logging(&cli.config);
    match command {
        Command::Serve => {
            let state = AppState::start(cli.config).await?;
            app::serve(state).await
        }
        Command::Migrate => {
            let db = Db::connect(&cli.config).await?;
            db.migrate().await?;
            tracing::info!("migrations applied");
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
        Command::Schema => Ok(()),
    }
}
