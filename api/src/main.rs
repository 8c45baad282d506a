//! The `newsdesk` binary: parses the command line and hands over to the library.

use clap::Parser;
use newsdesk::cli::{Cli, run};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("newsdesk: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
