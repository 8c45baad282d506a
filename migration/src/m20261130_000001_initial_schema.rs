//! The first schema: sections, institutions, people, positions, agreements, articles and the
//! tables that link them, with an index for every lookup the API makes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `created_at` and `updated_at`, both required.
fn with_timestamps(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
}

/// A foreign key from `table.column` to `target.id`.
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

/// A (possibly unique) index over `columns` of `table`.
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

/// A link table `article_id` + `other` (+ `extra` key columns) with a position column.
fn link_table(
    name: &'static str,
    other: &'static str,
    other_table: &'static str,
    extra: Vec<ColumnDef>,
    extra_key: Option<&'static str>,
) -> TableCreateStatement {
    let mut table = Table::create();
    table
        .table(name)
        .if_not_exists()
        .col(big_integer("article_id"))
        .col(big_integer(other));
    for column in extra {
        table.col(column);
    }
    let mut key = Index::create();
    key.col("article_id").col(other);
    if let Some(extra_key) = extra_key {
        key.col(extra_key);
    }
    table
        .col(integer("position"))
        .primary_key(&mut key)
        .foreign_key(&mut fk(
            name,
            "article_id",
            "articles",
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(name, other, other_table, ForeignKeyAction::Cascade))
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    #[expect(
        clippy::vec_init_then_push,
        reason = "one table per statement reads better than one long literal"
    )]
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut tables: Vec<TableCreateStatement> = Vec::new();

        tables.push(
            with_timestamps(
                Table::create()
                    .table("sections")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("slug", 200))
                    .col(string_len("name_en", 200))
                    .col(string_len_null("name_zh", 200))
                    .col(big_integer_null("parent_id"))
                    .col(integer("position").default(0))
                    .foreign_key(&mut fk(
                        "sections",
                        "parent_id",
                        "sections",
                        ForeignKeyAction::Restrict,
                    )),
            )
            .take(),
        );

        tables.push(
            with_timestamps(
                Table::create()
                    .table("institutions")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("slug", 200))
                    .col(string_len("name_en", 300))
                    .col(string_len_null("name_zh", 300))
                    .col(string_len_null("short_name_en", 100))
                    .col(string_len_null("short_name_zh", 100))
                    .col(string_len("kind", 24))
                    .col(big_integer_null("parent_id"))
                    .col(string_len_null("region", 100))
                    .col(string_len_null("city", 100))
                    .col(string_len_null("address", 500))
                    .col(string_len_null("postcode", 20))
                    .col(string_len_null("website", 500))
                    .col(text_null("motto_en"))
                    .col(text_null("motto_zh"))
                    .foreign_key(&mut fk(
                        "institutions",
                        "parent_id",
                        "institutions",
                        ForeignKeyAction::Restrict,
                    )),
            )
            .take(),
        );

        tables.push(
            with_timestamps(
                Table::create()
                    .table("people")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("slug", 200))
                    .col(string_len("name_en", 200))
                    .col(string_len_null("name_zh", 100)),
            )
            .take(),
        );

        tables.push(
            with_timestamps(
                Table::create()
                    .table("positions")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("person_id"))
                    .col(big_integer("institution_id"))
                    .col(string_len("title_en", 300))
                    .col(string_len_null("title_zh", 300))
                    .col(date_null("started_on"))
                    .col(date_null("ended_on"))
                    .col(boolean("is_current"))
                    .foreign_key(&mut fk(
                        "positions",
                        "person_id",
                        "people",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "positions",
                        "institution_id",
                        "institutions",
                        ForeignKeyAction::Cascade,
                    )),
            )
            .take(),
        );

        tables.push(
            with_timestamps(
                Table::create()
                    .table("agreements")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("slug", 200))
                    .col(string_len("title_en", 500))
                    .col(string_len_null("title_zh", 500))
                    .col(string_len("kind", 32))
                    .col(text_null("summary"))
                    .col(date_null("signed_on"))
                    .col(integer_null("signed_year"))
                    .col(date_null("effective_from"))
                    .col(date_null("effective_until"))
                    .col(json("areas"))
                    .col(big_integer_null("predecessor_id"))
                    .foreign_key(&mut fk(
                        "agreements",
                        "predecessor_id",
                        "agreements",
                        ForeignKeyAction::SetNull,
                    )),
            )
            .take(),
        );

        tables.push(
            Table::create()
                .table("agreement_parties")
                .if_not_exists()
                .col(big_integer("agreement_id"))
                .col(big_integer("institution_id"))
                .col(string_len("role", 16))
                .col(integer("position"))
                .primary_key(Index::create().col("agreement_id").col("institution_id"))
                .foreign_key(&mut fk(
                    "agreement_parties",
                    "agreement_id",
                    "agreements",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "agreement_parties",
                    "institution_id",
                    "institutions",
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        );

        tables.push(
            Table::create()
                .table("agreement_signatories")
                .if_not_exists()
                .col(big_integer("agreement_id"))
                .col(big_integer("person_id"))
                .col(big_integer_null("institution_id"))
                .col(integer("position"))
                .primary_key(Index::create().col("agreement_id").col("person_id"))
                .foreign_key(&mut fk(
                    "agreement_signatories",
                    "agreement_id",
                    "agreements",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "agreement_signatories",
                    "person_id",
                    "people",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "agreement_signatories",
                    "institution_id",
                    "institutions",
                    ForeignKeyAction::SetNull,
                ))
                .take(),
        );

        tables.push(
            with_timestamps(
                Table::create()
                    .table("articles")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(string_len("slug", 200))
                    .col(string_len("locale", 8))
                    .col(string_len("title", 500))
                    .col(text_null("summary"))
                    .col(text("body"))
                    .col(big_integer("section_id"))
                    .col(big_integer_null("source_institution_id"))
                    .col(string_len("status", 16))
                    .col(timestamp_with_time_zone_null("published_at"))
                    .col(big_integer_null("translation_of_id"))
                    .col(integer("version").default(1))
                    .foreign_key(&mut fk(
                        "articles",
                        "section_id",
                        "sections",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "articles",
                        "source_institution_id",
                        "institutions",
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "articles",
                        "translation_of_id",
                        "articles",
                        ForeignKeyAction::SetNull,
                    )),
            )
            .take(),
        );

        tables.push(
            with_timestamps(
                Table::create()
                    .table("media")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("article_id"))
                    .col(integer("position"))
                    .col(string_len_null("url", 2000))
                    .col(text_null("caption"))
                    .col(text_null("alt_text"))
                    .col(string_len_null("credit", 300))
                    .col(integer_null("width"))
                    .col(integer_null("height"))
                    .foreign_key(&mut fk(
                        "media",
                        "article_id",
                        "articles",
                        ForeignKeyAction::Cascade,
                    )),
            )
            .take(),
        );

        tables.push(
            Table::create()
                .table("tags")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string_len_uniq("slug", 200))
                .col(string_len("name", 200))
                .take(),
        );

        tables.push(link_table(
            "article_authors",
            "person_id",
            "people",
            vec![],
            None,
        ));
        tables.push(link_table(
            "article_people",
            "person_id",
            "people",
            vec![
                string_len("role", 16),
                string_len_null("title_as_printed", 500),
            ],
            Some("role"),
        ));
        tables.push(link_table(
            "article_institutions",
            "institution_id",
            "institutions",
            vec![],
            None,
        ));
        tables.push(link_table(
            "article_agreements",
            "agreement_id",
            "agreements",
            vec![],
            None,
        ));
        tables.push(link_table("article_tags", "tag_id", "tags", vec![], None));

        for table in tables {
            manager.create_table(table).await?;
        }

        let indexes = [
            index("sections", &["parent_id", "position"], false),
            index("institutions", &["parent_id"], false),
            index("institutions", &["kind"], false),
            index("positions", &["person_id"], false),
            index("positions", &["institution_id"], false),
            index("agreements", &["predecessor_id"], false),
            index("agreements", &["kind"], false),
            index("agreement_parties", &["institution_id"], false),
            index("agreement_signatories", &["person_id"], false),
            index("articles", &["slug", "locale"], true),
            // The public news list: published, newest first, keyset on (published_at, id).
            index("articles", &["status", "published_at", "id"], false),
            index("articles", &["section_id", "published_at"], false),
            index("articles", &["source_institution_id"], false),
            index("articles", &["translation_of_id"], false),
            index("media", &["article_id", "position"], false),
            index("article_authors", &["person_id"], false),
            index("article_people", &["person_id"], false),
            index("article_institutions", &["institution_id"], false),
            index("article_agreements", &["agreement_id"], false),
            index("article_tags", &["tag_id"], false),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "article_tags",
            "article_agreements",
            "article_institutions",
            "article_people",
            "article_authors",
            "tags",
            "media",
            "articles",
            "agreement_signatories",
            "agreement_parties",
            "agreements",
            "positions",
            "people",
            "institutions",
            "sections",
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
