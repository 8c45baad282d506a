//! Preview links: a signed token that opens one article, whatever its status, for a reviewer
//! without an account.

use chrono::{DateTime, Utc};
use entities::article;
use entities::enums::EntityType;
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::permissions;
use crate::error::AppResult;
use crate::journal::{self};
use crate::reads::Viewer;

use super::find;
/// A signed link to one article, for a reviewer without an account.
pub async fn preview_token(
    db: &DatabaseConnection,
    viewer: &Viewer,
    keys: &crate::auth::tokens::Keys,
    id: i64,
    ttl_seconds: u64,
) -> AppResult<(String, DateTime<Utc>)> {
    let row = find(db, id).await?;
    let who = permissions::edit_article(viewer, &row).or_else(|_| permissions::publish(viewer))?;
    let issued = keys.issue_preview(id, ttl_seconds)?;
    // Whoever holds the link reads the draft until it expires: who handed one out is recorded.
    let txn = crate::db::begin_write(db).await?;
    journal::audit(&txn, &who, "createPreviewToken", EntityType::Article, id).await?;
    txn.commit().await?;
    Ok(issued)
}

/// The article a preview token opens, whatever its status.
pub async fn open_preview<C: ConnectionTrait>(
    db: &C,
    keys: &crate::auth::tokens::Keys,
    token: &str,
) -> AppResult<article::Model> {
    let id = keys.verify_preview(token)?;
    find(db, id).await
}
