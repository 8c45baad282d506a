//! What hostile callers taught us to record:
//! - `users.session_epoch`: bumped when a user is disabled, changes role or password; access
//!   tokens carry the epoch they were issued in and stop working when it moves.
//! - `change_log.was_public`: whether the public could see the entity just before the change, so
//!   that the public feed reports a deletion (or an unpublication) only of what was once public.
//!   Rows logged before this step get it from the log itself: an earlier row of the same entity
//!   was public.
//! - `change_log.owner_id`: the author who owns the article changed, who may see it unpublished.
//! - `webhook_endpoints.include_drafts`: whether an endpoint hears of unpublished content. New
//!   endpoints hear only of what is public; existing ones keep hearing everything.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer_null, boolean, integer};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Table and new column, one statement each (SQLite adds one column at a time).
fn columns() -> [(&'static str, ColumnDef); 4] {
    [
        ("users", integer("session_epoch").default(0).take()),
        ("change_log", boolean("was_public").default(false).take()),
        ("change_log", big_integer_null("owner_id").take()),
        (
            "webhook_endpoints",
            boolean("include_drafts").default(false).take(),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, mut column) in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column_if_not_exists(&mut column)
                        .take(),
                )
                .await?;
        }
        // The backfill looks up each row's earlier rows by entity: an index for that while it
        // runs (the log is written far more than it is searched this way).
        let by_entity = "ix_change_log_backfill_entity";
        manager
            .create_index(
                Index::create()
                    .name(by_entity)
                    .table("change_log")
                    .col("entity_type")
                    .col("entity_id")
                    .col("seq")
                    .if_not_exists()
                    .take(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE change_log SET was_public = TRUE WHERE EXISTS (\
               SELECT 1 FROM change_log AS earlier \
               WHERE earlier.entity_type = change_log.entity_type \
                 AND earlier.entity_id = change_log.entity_id \
                 AND earlier.seq < change_log.seq AND earlier.public = TRUE)",
        )
        .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(by_entity)
                    .table("change_log")
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("UPDATE webhook_endpoints SET include_drafts = TRUE")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Alias::new(column.get_column_name()))
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
