//! The `newsdesk` binary: parses the command line and hands over to the library.

use newsdesk::cli::{Cli, run};

/// mimalloc: the request path allocates many small objects on two threads at once; glibc's
/// allocator spent about a fifth of the news list's CPU time. Built without transparent huge
/// pages (`no_thp`): with them, its arenas were backed 2 MB at a time and an idle node held
/// 57 MB instead of 40, for no measurable gain in speed. Version 2 (`v2`): version 3 keeps freed
/// memory for a second before returning it, version 2 for 10 ms; under title updates (the search
/// indexer allocates and frees tens of megabytes) the node's peak was ~140 MB with 3, ~105 with a
/// short delay, for the same throughput.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
