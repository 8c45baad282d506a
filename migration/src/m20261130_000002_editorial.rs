//! The editorial write path: users, refresh and API tokens, article revisions, the audit log,
//! the change log, and the owner of each article.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    table: &'static str,
    column: &'static str,
    target: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "id")
        .on_delete(on_delete)
        .take()
}

fn index(table: &'static str, columns: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(format!("ix_{table}_{}", columns.join("_")))
        .table(table)
        .if_not_exists();
    for column in columns {
        index.col(*column);
    }
    if unique {
        index.unique();
    }
    index.take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            Table::create()
                .table("users")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string_len_uniq("email", 320))
                .col(string_len("display_name", 200))
                .col(string_len("role", 16))
                .col(string_len("password_hash", 200))
                .col(boolean("disabled").default(false))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
            Table::create()
                .table("refresh_tokens")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string_len("family", 64))
                .col(string_len_uniq("token_hash", 64))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "refresh_tokens",
                    "user_id",
                    "users",
                    ForeignKeyAction::Cascade,
                ))
                .take(),
            Table::create()
                .table("api_tokens")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string_len("name", 200))
                .col(string_len_uniq("token_hash", 64))
                .col(json("scopes"))
                .col(big_integer_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("last_used_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .foreign_key(&mut fk(
                    "api_tokens",
                    "created_by",
                    "users",
                    ForeignKeyAction::SetNull,
                ))
                .take(),
            Table::create()
                .table("article_revisions")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(big_integer("article_id"))
                .col(integer("version"))
                .col(json("snapshot"))
                .col(big_integer_null("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "article_revisions",
                    "article_id",
                    "articles",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "article_revisions",
                    "user_id",
                    "users",
                    ForeignKeyAction::SetNull,
                ))
                .take(),
            Table::create()
                .table("audit_log")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(big_integer_null("user_id"))
                .col(string_len("actor", 400))
                .col(string_len("action", 40))
                .col(string_len("entity_type", 32))
                .col(big_integer("entity_id"))
                .col(timestamp_with_time_zone("at"))
                .foreign_key(&mut fk(
                    "audit_log",
                    "user_id",
                    "users",
                    ForeignKeyAction::SetNull,
                ))
                .take(),
            Table::create()
                .table("login_attempts")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string_len("key", 400))
                .col(timestamp_with_time_zone("at"))
                .take(),
            // The spine: one row per changed entity, appended in the writing transaction. Writers
            // take the sequence value under a lock held to commit, so sequence order is commit order.
            Table::create()
                .table("change_log")
                .if_not_exists()
                .col(big_pk_auto("seq"))
                .col(string_len("entity_type", 32))
                .col(big_integer("entity_id"))
                .col(string_len("op", 8))
                .col(boolean("public"))
                .col(timestamp_with_time_zone("changed_at"))
                .take(),
        ];
        for table in tables {
            manager.create_table(table).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("articles")
                    .add_column(big_integer_null("owner_id"))
                    .take(),
            )
            .await?;
        // The list order of articles: the publication time, or for unpublished articles the
        // creation time, so that editors can page through drafts with the same keyset cursors.
        manager
            .alter_table(
                Table::alter()
                    .table("articles")
                    .add_column(
                        timestamp_with_time_zone("sort_at").default("1970-01-01T00:00:00+00:00"),
                    )
                    .take(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE articles SET sort_at = COALESCE(published_at, created_at)")
            .await?;
        // Optimistic concurrency for every editable entity (articles have had it from the start).
        for table in [
            "sections",
            "institutions",
            "people",
            "positions",
            "agreements",
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(integer("version").default(1))
                        .take(),
                )
                .await?;
        }
        let indexes = [
            index("refresh_tokens", &["user_id"], false),
            index("refresh_tokens", &["family"], false),
            index("article_revisions", &["article_id", "version"], false),
            index("audit_log", &["entity_type", "entity_id"], false),
            index("audit_log", &["at"], false),
            index("change_log", &["entity_type", "seq"], false),
            index("articles", &["owner_id"], false),
            index("articles", &["status", "sort_at", "id"], false),
            index("articles", &["sort_at", "id"], false),
            index("login_attempts", &["key", "at"], false),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("articles")
                    .drop_column("owner_id")
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("articles")
                    .drop_column("sort_at")
                    .take(),
            )
            .await?;
        for table in [
            "sections",
            "institutions",
            "people",
            "positions",
            "agreements",
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column("version").take())
                .await?;
        }
        for table in [
            "login_attempts",
            "change_log",
            "audit_log",
            "article_revisions",
            "api_tokens",
            "refresh_tokens",
            "users",
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
