//! What a delete changes besides the row it deletes. The database's foreign keys remove or change
//! rows of other entities with it (a person's positions go, an agreement loses a signatory, an
//! article a mention, a translation its original); each entity so changed gets its change-log row
//! in the same transaction, so that the sync feed, webhooks, subscriptions, the search index and
//! every node's caches hear of it.
//!
//! Call it inside the deleting transaction after locking the row to delete (see
//! [`lock`]): on PostgreSQL a writer adding a reference to that row waits for the lock, so no
//! reference appears between reading the dependents and deleting.

use entities::enums::{ChangeOp, EntityType};
use entities::{
    agreement, agreement_party, agreement_signatory, article, article_agreement, article_author,
    article_institution, article_person, position,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::error::AppResult;
use crate::journal::{self, Change};

/// What is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// A section: nothing else changes (a section in use cannot be deleted).
    Section,
    /// An institution: its positions go; agreements lose it as a party or signing institution;
    /// articles lose it as a mention or byline unit.
    Institution,
    /// A person: their positions go; agreements lose them as a signatory; articles lose them as
    /// an author or mention.
    Person,
    /// A position: nothing else changes.
    Position,
    /// An agreement: its successors lose their predecessor; articles lose it as related.
    Agreement,
    /// An article: its translations lose their original.
    Article,
}

/// Locks row `id` of `E` for the rest of the transaction (PostgreSQL's `FOR UPDATE`; SQLite's
/// one writer holds the whole database already). Returns whether it exists.
pub async fn lock<E, C>(db: &C, id_column: E::Column, id: i64) -> AppResult<bool>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    Ok(E::find()
        .select_only()
        .column(id_column)
        .filter(id_column.eq(id))
        .lock_exclusive()
        .into_tuple::<i64>()
        .one(db)
        .await?
        .is_some())
}

/// The changes that deleting `id` makes to other entities.
pub async fn dependents<C: ConnectionTrait>(
    db: &C,
    deleted: Deleted,
    id: i64,
) -> AppResult<Vec<Change>> {
    let mut changes = Vec::new();
    match deleted {
        Deleted::Section | Deleted::Position => {}
        Deleted::Person => {
            let positions = ids::<position::Entity, _>(
                db,
                position::Column::Id,
                position::Column::PersonId,
                id,
            )
            .await?;
            changes.extend(deleted_positions(positions));
            let agreements = ids::<agreement_signatory::Entity, _>(
                db,
                agreement_signatory::Column::AgreementId,
                agreement_signatory::Column::PersonId,
                id,
            )
            .await?;
            changes.extend(changed_agreements(agreements));
            let mut articles = ids::<article_author::Entity, _>(
                db,
                article_author::Column::ArticleId,
                article_author::Column::PersonId,
                id,
            )
            .await?;
            articles.extend(
                ids::<article_person::Entity, _>(
                    db,
                    article_person::Column::ArticleId,
                    article_person::Column::PersonId,
                    id,
                )
                .await?,
            );
            changes.extend(changed_articles(db, articles).await?);
        }
        Deleted::Institution => {
            let positions = ids::<position::Entity, _>(
                db,
                position::Column::Id,
                position::Column::InstitutionId,
                id,
            )
            .await?;
            changes.extend(deleted_positions(positions));
            let mut agreements = ids::<agreement_party::Entity, _>(
                db,
                agreement_party::Column::AgreementId,
                agreement_party::Column::InstitutionId,
                id,
            )
            .await?;
            agreements.extend(
                ids::<agreement_signatory::Entity, _>(
                    db,
                    agreement_signatory::Column::AgreementId,
                    agreement_signatory::Column::InstitutionId,
                    id,
                )
                .await?,
            );
            changes.extend(changed_agreements(agreements));
            let mut articles = ids::<article_institution::Entity, _>(
                db,
                article_institution::Column::ArticleId,
                article_institution::Column::InstitutionId,
                id,
            )
            .await?;
            articles.extend(
                ids::<article::Entity, _>(
                    db,
                    article::Column::Id,
                    article::Column::SourceInstitutionId,
                    id,
                )
                .await?,
            );
            changes.extend(changed_articles(db, articles).await?);
        }
        Deleted::Agreement => {
            let successors = ids::<agreement::Entity, _>(
                db,
                agreement::Column::Id,
                agreement::Column::PredecessorId,
                id,
            )
            .await?;
            changes.extend(changed_agreements(successors));
            let articles = ids::<article_agreement::Entity, _>(
                db,
                article_agreement::Column::ArticleId,
                article_agreement::Column::AgreementId,
                id,
            )
            .await?;
            changes.extend(changed_articles(db, articles).await?);
        }
        Deleted::Article => changes.extend(translations(db, id).await?),
    }
    Ok(changes)
}

/// The translations of article `id`, which show their original only while the caller may see
/// it: they change with its deletion, and for the public with its visibility.
pub async fn translations<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<Vec<Change>> {
    let translations = ids::<article::Entity, _>(
        db,
        article::Column::Id,
        article::Column::TranslationOfId,
        id,
    )
    .await?;
    changed_articles(db, translations).await
}

/// `select wanted from E where by = id`.
async fn ids<E, C>(db: &C, wanted: E::Column, by: E::Column, id: i64) -> AppResult<Vec<i64>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    Ok(E::find()
        .select_only()
        .column(wanted)
        .filter(by.eq(id))
        .into_tuple::<i64>()
        .all(db)
        .await?)
}

fn deleted_positions(ids: Vec<i64>) -> impl Iterator<Item = Change> {
    ids.into_iter()
        .map(|id| Change::catalog(EntityType::Position, id, ChangeOp::Delete, false))
}

fn changed_agreements(mut ids: Vec<i64>) -> impl Iterator<Item = Change> {
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .map(|id| Change::catalog(EntityType::Agreement, id, ChangeOp::Upsert, false))
}

/// Articles whose relations change: their visibility stays what it is.
async fn changed_articles<C: ConnectionTrait>(db: &C, mut ids: Vec<i64>) -> AppResult<Vec<Change>> {
    ids.sort_unstable();
    ids.dedup();
    let mut changes = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let rows = article::Entity::find()
            .select_only()
            .columns([
                article::Column::Id,
                article::Column::Status,
                article::Column::PublishedAt,
                article::Column::OwnerId,
            ])
            .filter(article::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple::<(
                i64,
                entities::enums::ArticleStatus,
                Option<chrono::DateTime<chrono::Utc>>,
                Option<i64>,
            )>()
            .all(db)
            .await?;
        changes.extend(rows.into_iter().map(|(id, status, published_at, owner)| {
            Change::article_unchanged(id, journal::is_published(status, published_at), owner)
        }));
    }
    Ok(changes)
}
