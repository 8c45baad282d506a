//! Webhooks: endpoints, the delivery outbox filled from the change log, and every attempt.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("webhook_endpoints")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(string_len("url", 2000))
                    .col(string_len("secret", 200))
                    .col(json("entity_types"))
                    .col(boolean("active").default(true))
                    .col(big_integer("from_seq").default(0))
                    .col(timestamp_with_time_zone("created_at"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_deliveries")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("endpoint_id"))
                    .col(big_integer("seq"))
                    .col(string_len("entity_type", 32))
                    .col(big_integer("entity_id"))
                    .col(string_len("op", 8))
                    .col(boolean("public"))
                    .col(string_len("status", 16))
                    .col(integer("attempts").default(0))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(integer_null("last_status"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("delivered_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_endpoint_id")
                            .from("webhook_deliveries", "endpoint_id")
                            .to("webhook_endpoints", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_attempts")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("delivery_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(integer("duration_ms"))
                    .col(integer_null("status_code"))
                    .col(text_null("error"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_attempts_delivery_id")
                            .from("webhook_attempts", "delivery_id")
                            .to("webhook_deliveries", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // Where the outbox fan-out stands in the change log; one row.
        manager
            .create_table(
                Table::create()
                    .table("webhook_cursor")
                    .if_not_exists()
                    .col(integer("id").primary_key())
                    .col(big_integer("seq"))
                    .take(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("INSERT INTO webhook_cursor (id, seq) SELECT 1, COALESCE(MAX(seq), 0) FROM change_log")
            .await?;
        for (name, table, columns) in [
            (
                "ix_webhook_deliveries_status_next_attempt_at",
                "webhook_deliveries",
                vec!["status", "next_attempt_at"],
            ),
            (
                "ix_webhook_deliveries_endpoint_id",
                "webhook_deliveries",
                vec!["endpoint_id"],
            ),
            (
                "ix_webhook_attempts_delivery_id",
                "webhook_attempts",
                vec!["delivery_id"],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(table).if_not_exists();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.take()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "webhook_cursor",
            "webhook_attempts",
            "webhook_deliveries",
            "webhook_endpoints",
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
