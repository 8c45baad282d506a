//! Schema migrations for Newsdesk, one file per step, runnable on SQLite and PostgreSQL.
//!
//! `newsdesk serve` applies pending migrations at start-up and `newsdesk migrate` applies them
//! explicitly; applying them twice changes nothing.

pub use sea_orm_migration::prelude::*;

mod m20261130_000001_initial_schema;
mod m20261130_000002_editorial;
mod m20261130_000003_webhooks;
mod m20261130_000004_read_paths;
mod m20261208_000005_revocation_and_visibility;

/// The ordered list of migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261130_000001_initial_schema::Migration),
            Box::new(m20261130_000002_editorial::Migration),
            Box::new(m20261130_000003_webhooks::Migration),
            Box::new(m20261130_000004_read_paths::Migration),
            Box::new(m20261208_000005_revocation_and_visibility::Migration),
        ]
    }
}
