//! Revisions: every save snapshots the fields and workflow state; an old revision can be
//! restored as a new one.

use chrono::{DateTime, Utc};
use entities::enums::ArticleStatus;
use entities::{article, article_revision};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};

use super::permissions;
use crate::error::{AppError, AppResult};
use crate::journal::{self};
use crate::reads::Viewer;

use super::{ArticleFields, check_version, find, finish, save, validated, write_links};
/// A revision's snapshot: the fields and the workflow state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Snapshot {
    pub(super) fields: ArticleFields,
    pub(super) status: ArticleStatus,
    pub(super) published_at: Option<DateTime<Utc>>,
}

/// The revisions of an article, newest first, for those who may edit it (editors, admins, and
/// the author of their own draft); empty for everyone else.
pub async fn revisions<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    row: &article::Model,
) -> AppResult<Vec<article_revision::Model>> {
    if permissions::publish(viewer).is_err() && permissions::edit_article(viewer, row).is_err() {
        return Ok(Vec::new());
    }
    Ok(article_revision::Entity::find()
        .filter(article_revision::Column::ArticleId.eq(row.id))
        .order_by_desc(article_revision::Column::Id)
        .all(db)
        .await?)
}

/// Makes an old revision current, as a new revision. Workflow state is kept as it is now.
pub async fn restore_revision(
    db: &DatabaseConnection,
    viewer: &Viewer,
    revision_id: i64,
    version: i32,
) -> AppResult<article::Model> {
    let txn = crate::db::begin_write(db).await?;
    let revision = article_revision::Entity::find_by_id(revision_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound { what: "revision" })?;
    let row = find(&txn, revision.article_id).await?;
    let who = permissions::edit_article(viewer, &row)?;
    check_version(&row, Some(version))?;
    let snapshot: Snapshot = serde_json::from_value(revision.snapshot).map_err(|error| {
        AppError::Internal(format!("revision {revision_id} does not parse: {error}"))
    })?;
    let fields = validated(&txn, snapshot.fields, Some(row.id)).await?;
    let was_public = journal::is_public(&row);
    let row = save(&txn, row, &fields, None).await?;
    write_links(&txn, row.id, &fields).await?;
    finish(&txn, &who, "restoreArticleRevision", was_public, &row).await?;
    txn.commit().await?;
    Ok(row)
}

/// The fields of a revision, for display.
pub fn revision_fields(
    revision: &article_revision::Model,
) -> Option<(ArticleFields, ArticleStatus)> {
    serde_json::from_value::<Snapshot>(revision.snapshot.clone())
        .ok()
        .map(|snapshot| (snapshot.fields, snapshot.status))
}
