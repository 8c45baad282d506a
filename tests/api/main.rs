//! Integration tests: the real app on a real database (SQLite, and PostgreSQL when configured),
//! driven through the real router. Each `db_test!` runs once per database.

mod auth;
mod catalog;
mod delivery;
mod editorial;
mod examples;
mod kept_reads;
mod languages;
mod migrations;
mod mirror;
mod pagination;
mod relations;
mod render;
mod response_cache;
mod rest;
mod revocation;
mod schema;
mod search;
mod seed_article;
mod shared_rows;
mod statements;
mod subscriptions;
mod sync;
mod synthetic;
mod transport;
mod visibility;
mod webhooks;
