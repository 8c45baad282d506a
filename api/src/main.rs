//! The `newsdesk` binary: parses the command line and hands over to the library.

use newsdesk::cli::{Cli, run};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse_or_exit();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("newsdesk: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
