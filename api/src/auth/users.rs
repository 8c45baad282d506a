//! Creating accounts, changing passwords and disabling users (from the CLI and for admins).

use chrono::{SubsecRound, Utc};
use entities::enums::UserRole;
use entities::{refresh_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::passwords;
use crate::error::{AppError, AppResult};

/// Normalises and checks an email address.
pub fn normalise_email(email: &str) -> AppResult<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 320
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if valid {
        Ok(email)
    } else {
        Err(AppError::bad_input("email", "not a valid email address"))
    }
}

/// Creates a user.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    email: &str,
    display_name: &str,
    role: UserRole,
    password: String,
) -> AppResult<user::Model> {
    let email = normalise_email(email)?;
    let display_name = display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 200 {
        return Err(AppError::bad_input(
            "displayName",
            "a display name has 1 to 200 characters",
        ));
    }
    if user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict {
            field: "email",
            message: format!("a user with email {email} exists"),
        });
    }
    let hash = passwords::hash(password).await?;
    let now = Utc::now().trunc_subsecs(6);
    let row = user::ActiveModel {
        email: Set(email),
        display_name: Set(display_name.to_owned()),
        role: Set(role),
        password_hash: Set(hash),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    Ok(row.insert(db).await?)
}

async fn find_by_email<C: ConnectionTrait>(db: &C, email: &str) -> AppResult<user::Model> {
    let email = normalise_email(email)?;
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?
        .ok_or(AppError::NotFound { what: "user" })
}

/// Changes a user's name, role or disabled flag. Disabling ends every session; a role change
/// applies to new access tokens (old ones expire within their short lifetime).
pub async fn update<C: ConnectionTrait>(
    db: &C,
    id: i64,
    display_name: Option<&str>,
    role: Option<UserRole>,
    disabled: Option<bool>,
) -> AppResult<user::Model> {
    let user = find(db, id)
        .await?
        .ok_or(AppError::NotFound { what: "user" })?;
    let mut row: user::ActiveModel = user.into();
    if let Some(name) = display_name {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(AppError::bad_input(
                "input.displayName",
                "a display name has 1 to 200 characters",
            ));
        }
        row.display_name = Set(name.to_owned());
    }
    if let Some(role) = role {
        row.role = Set(role);
    }
    if let Some(disabled) = disabled {
        row.disabled = Set(disabled);
    }
    row.updated_at = Set(Utc::now().trunc_subsecs(6));
    let user = row.update(db).await?;
    if user.disabled {
        revoke_sessions(db, id).await?;
    }
    Ok(user)
}

/// Every user, by email.
pub async fn list<C: ConnectionTrait>(db: &C) -> AppResult<Vec<user::Model>> {
    use sea_orm::QueryOrder;
    Ok(user::Entity::find()
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?)
}

/// A user by id.
pub async fn find<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

/// Revokes every refresh token of a user.
pub async fn revoke_sessions<C: ConnectionTrait>(db: &C, user_id: i64) -> AppResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::RevokedAt,
            Expr::value(Utc::now().trunc_subsecs(6)),
        )
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Sets a new password and ends every session of the user.
pub async fn set_password<C: ConnectionTrait>(
    db: &C,
    email: &str,
    password: String,
) -> AppResult<()> {
    let user = find_by_email(db, email).await?;
    let hash = passwords::hash(password).await?;
    let id = user.id;
    let mut row: user::ActiveModel = user.into();
    row.password_hash = Set(hash);
    row.updated_at = Set(Utc::now().trunc_subsecs(6));
    row.update(db).await?;
    revoke_sessions(db, id).await
}

/// Disables a user and ends every session.
pub async fn disable<C: ConnectionTrait>(db: &C, email: &str) -> AppResult<()> {
    let user = find_by_email(db, email).await?;
    let id = user.id;
    let mut row: user::ActiveModel = user.into();
    row.disabled = Set(true);
    row.updated_at = Set(Utc::now().trunc_subsecs(6));
    row.update(db).await?;
    revoke_sessions(db, id).await
}
