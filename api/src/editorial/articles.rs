//! Article commands: create, update, delete, publish (now or later), unpublish, archive,
//! restore a revision. Each runs in one transaction that also writes a revision, an audit entry
//! and a change-log row.

//!
//! What an editor writes ([`fields`]), how it is checked ([`validation`]), the links it makes
//! ([`links`]), revisions ([`revisions`]) and preview links ([`previews`]) live beside this
//! file; the commands themselves are here.

mod fields;
mod links;
mod previews;
mod revisions;
mod validation;

pub use fields::{ArticleFields, ArticlePatch, MediaFields, MentionFields};
pub use previews::{open_preview, preview_token};
pub use revisions::{restore_revision, revision_fields, revisions};

use fields::{apply, current_fields};
use links::write_links;
use revisions::Snapshot;
use validation::validated;

use chrono::{DateTime, SubsecRound, Utc};
use entities::enums::{ArticleStatus, EntityType};
use entities::{article, article_revision};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

use super::cascade::{self, Deleted};
use super::{constraint_error, permissions};
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::journal::{self, Change};
use crate::reads::Viewer;
use crate::validate;

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

async fn find<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<article::Model> {
    article::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound { what: "article" })
}

fn check_version(row: &article::Model, expected: Option<i32>) -> AppResult<()> {
    match expected {
        Some(version) if version != row.version => Err(AppError::Conflict {
            field: "version",
            message: format!(
                "the article is at version {}, not {version}: someone saved it since you read it; reload and retry",
                row.version
            ),
        }),
        _ => Ok(()),
    }
}

/// Stores a revision of the article as it now is, and journals the change.
async fn finish<C: ConnectionTrait>(
    db: &C,
    who: &Identity,
    action: &str,
    was_public: bool,
    row: &article::Model,
) -> AppResult<()> {
    let snapshot = Snapshot {
        fields: current_fields(db, row).await?,
        status: row.status,
        published_at: row.published_at,
    };
    let snapshot = serde_json::to_value(&snapshot)
        .map_err(|error| AppError::Internal(format!("snapshot: {error}")))?;
    article_revision::ActiveModel {
        article_id: Set(row.id),
        version: Set(row.version),
        snapshot: Set(snapshot),
        user_id: Set(who.user_id),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let mut change = Change::article(row.id, None, Some(row));
    change.was_public = was_public;
    journal::journal(db, who, action, change).await
}

/// Creates a draft owned by the caller.
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    fields: ArticleFields,
) -> AppResult<article::Model> {
    let who = permissions::create_article(viewer)?;
    let txn = crate::db::begin_write(db).await?;
    let fields = validated(&txn, fields, None).await?;
    let at = now();
    let row = article::ActiveModel {
        slug: Set(fields.slug.clone().unwrap_or_default()),
        locale: Set(fields.locale),
        title: Set(fields.title.clone()),
        summary: Set(fields.summary.clone()),
        body: Set(fields.body.clone()),
        section_id: Set(fields.section_id),
        source_institution_id: Set(fields.source_institution_id),
        status: Set(ArticleStatus::Draft),
        published_at: Set(None),
        sort_at: Set(at),
        translation_of_id: Set(fields.translation_of_id),
        owner_id: Set(who.user_id),
        version: Set(1),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|error| constraint_error(error, "input.slug", "that slug"))?;
    write_links(&txn, row.id, &fields).await?;
    finish(&txn, &who, "createArticle", false, &row).await?;
    txn.commit().await?;
    Ok(row)
}

/// Saves `fields` over the article if it is still at `version`; returns the new row.
async fn save<C: ConnectionTrait>(
    db: &C,
    row: article::Model,
    fields: &ArticleFields,
    workflow: Option<(ArticleStatus, Option<DateTime<Utc>>)>,
) -> AppResult<article::Model> {
    let expected = row.version;
    let (status, published_at) = workflow.unwrap_or((row.status, row.published_at));
    let mut active: article::ActiveModel = row.clone().into();
    active.slug = Set(fields.slug.clone().unwrap_or(row.slug.clone()));
    active.locale = Set(fields.locale);
    active.title = Set(fields.title.clone());
    active.summary = Set(fields.summary.clone());
    active.body = Set(fields.body.clone());
    active.section_id = Set(fields.section_id);
    active.source_institution_id = Set(fields.source_institution_id);
    active.translation_of_id = Set(fields.translation_of_id);
    active.status = Set(status);
    active.published_at = Set(published_at);
    active.sort_at = Set(published_at.unwrap_or(row.sort_at));
    active.version = Set(expected + 1);
    active.updated_at = Set(now());
    // Only if nobody saved in between: the version in the WHERE clause is the lock.
    let result = article::Entity::update_many()
        .set(active)
        .filter(article::Column::Id.eq(row.id))
        .filter(article::Column::Version.eq(expected))
        .exec(db)
        .await
        .map_err(|error| constraint_error(error, "input.slug", "that slug"))?;
    if result.rows_affected != 1 {
        return Err(AppError::Conflict {
            field: "version",
            message: "someone saved the article at the same time; reload and retry".into(),
        });
    }
    find(db, row.id).await
}

/// Updates an article; `version` is the version the client read.
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: i32,
    patch: ArticlePatch,
) -> AppResult<article::Model> {
    let txn = crate::db::begin_write(db).await?;
    let row = find(&txn, id).await?;
    let who = permissions::edit_article(viewer, &row)?;
    check_version(&row, Some(version))?;
    let touches_links = patch.authors.is_some()
        || patch.media.is_some()
        || patch.people.is_some()
        || patch.institutions.is_some()
        || patch.agreements.is_some()
        || patch.tags.is_some();
    let fields = apply(current_fields(&txn, &row).await?, patch);
    let fields = validated(&txn, fields, Some(id)).await?;
    let was_public = journal::is_public(&row);
    let row = save(&txn, row, &fields, None).await?;
    if touches_links {
        write_links(&txn, id, &fields).await?;
    }
    finish(&txn, &who, "updateArticle", was_public, &row).await?;
    txn.commit().await?;
    Ok(row)
}

/// Moves an article through the workflow.
async fn transition(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: Option<i32>,
    action: &str,
    to: impl FnOnce(&article::Model) -> (ArticleStatus, Option<DateTime<Utc>>),
) -> AppResult<article::Model> {
    let who = permissions::publish(viewer)?;
    let txn = crate::db::begin_write(db).await?;
    let row = find(&txn, id).await?;
    check_version(&row, version)?;
    let fields = current_fields(&txn, &row).await?;
    let state = to(&row);
    let was_public = journal::is_public(&row);
    let row = save(&txn, row, &fields, Some(state)).await?;
    finish(&txn, &who, action, was_public, &row).await?;
    if was_public != journal::is_public(&row) {
        // Its translations show it as their original to the public, or stop doing so.
        let translations = cascade::translations(&txn, row.id).await?;
        journal::record_changes(&txn, &translations).await?;
    }
    txn.commit().await?;
    Ok(row)
}

/// Publishes now, or at `at` (a future time schedules it: it becomes visible by itself).
pub async fn publish(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    at: Option<DateTime<Utc>>,
    version: Option<i32>,
) -> AppResult<article::Model> {
    let at = match at {
        Some(at) => validate::instant("at", at)?.trunc_subsecs(6),
        None => now(),
    };
    transition(db, viewer, id, version, "publishArticle", |_| {
        (ArticleStatus::Published, Some(at))
    })
    .await
}

/// Takes an article back to draft.
pub async fn unpublish(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: Option<i32>,
) -> AppResult<article::Model> {
    transition(db, viewer, id, version, "unpublishArticle", |_| {
        (ArticleStatus::Draft, None)
    })
    .await
}

/// Archives an article.
pub async fn archive(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: Option<i32>,
) -> AppResult<article::Model> {
    transition(db, viewer, id, version, "archiveArticle", |row| {
        (ArticleStatus::Archived, row.published_at)
    })
    .await
}

/// Deletes an article (its links and revisions go with it).
pub async fn delete(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: i32,
) -> AppResult<i64> {
    let txn = crate::db::begin_write(db).await?;
    let row = find(&txn, id).await?;
    let who = permissions::edit_article(viewer, &row)?;
    check_version(&row, Some(version))?;
    // Translations keep existing; they lose their original, and say so in the change log.
    cascade::lock::<article::Entity, _>(&txn, article::Column::Id, id).await?;
    let mut changes = vec![Change::article(id, Some(&row), None)];
    changes.extend(cascade::dependents(&txn, Deleted::Article, id).await?);
    article::Entity::delete_by_id(id).exec(&txn).await?;
    journal::audit(&txn, &who, "deleteArticle", EntityType::Article, id).await?;
    journal::record_changes(&txn, &changes).await?;
    txn.commit().await?;
    Ok(id)
}
