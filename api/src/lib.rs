//! Newsdesk: a headless content API for a university news site.
//!
//! Requests flow one way: HTTP ([`http`]) → GraphQL ([`graphql`]) → the content domain
//! ([`content`]) → SeaORM entities → the database. The binary in `main.rs` only parses the
//! command line and calls [`cli::run`].

pub mod app;
pub mod auth;
pub mod changes;
pub mod cli;
pub mod config;
pub mod content;
pub mod db;
pub mod editorial;
pub mod error;
pub mod graphql;
pub mod http;
pub mod identity;
pub mod ids;
pub mod journal;
pub mod reads;
pub mod rest;
pub mod search;
pub mod state;
pub mod tools;
pub mod validate;
pub mod webhooks;
