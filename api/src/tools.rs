//! What the command line runs besides the server, off the request path: the demo content, the
//! synthetic data generator, the search benchmark.

pub mod bench_search;
pub mod seed;
pub mod synthetic;
