//! What the API reads and keeps. For now the one bounded cache type behind everything a node
//! keeps in memory ([`cache`]).

pub mod cache;
