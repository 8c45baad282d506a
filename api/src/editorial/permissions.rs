//! Who may do what. Anonymous callers and integrators may not write; authors write only their
//! own drafts and cannot publish; editors write all content and publish; admins also manage users
//! and tokens.

use entities::article;
use entities::enums::{ArticleStatus, UserRole};

use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::reads::Viewer;

/// The caller, who must be logged in.
pub fn signed_in(viewer: &Viewer) -> AppResult<&Identity> {
    viewer
        .identity()
        .ok_or(AppError::Unauthenticated("log in to do this"))
}

fn role_in(viewer: &Viewer, allowed: &[UserRole], what: &str) -> AppResult<Identity> {
    let identity = signed_in(viewer)?;
    if allowed.contains(&identity.role) {
        Ok(identity.clone())
    } else {
        Err(AppError::Forbidden(format!("your role may not {what}")))
    }
}

/// Creating articles: authors, editors, admins.
pub fn create_article(viewer: &Viewer) -> AppResult<Identity> {
    role_in(
        viewer,
        &[UserRole::Admin, UserRole::Editor, UserRole::Author],
        "write articles",
    )
}

/// Editing (or deleting) one article: editors and admins always; authors only their own drafts.
pub fn edit_article(viewer: &Viewer, row: &article::Model) -> AppResult<Identity> {
    let identity = create_article(viewer)?;
    if identity.role == UserRole::Author
        && (row.owner_id != identity.user_id || row.status != ArticleStatus::Draft)
    {
        return Err(AppError::Forbidden(
            "authors may change only their own drafts".into(),
        ));
    }
    Ok(identity)
}

/// Publishing, unpublishing, archiving: editors and admins.
pub fn publish(viewer: &Viewer) -> AppResult<Identity> {
    role_in(
        viewer,
        &[UserRole::Admin, UserRole::Editor],
        "publish, unpublish or archive",
    )
}

/// Sections, institutions, people, positions, agreements: editors and admins.
pub fn edit_catalog(viewer: &Viewer) -> AppResult<Identity> {
    role_in(
        viewer,
        &[UserRole::Admin, UserRole::Editor],
        "change sections, institutions, people or agreements",
    )
}

/// Users, API tokens and the audit log: admins.
pub fn administer(viewer: &Viewer) -> AppResult<Identity> {
    role_in(
        viewer,
        &[UserRole::Admin],
        "manage users and tokens or read the audit log",
    )
}
