//! Creating accounts, changing passwords and disabling users (from the CLI and for admins). A
//! change that takes rights away (disabling, any role change, a new password) moves the user's
//! session epoch: every access token issued before stops working at once, every refresh token
//! is revoked, and every node closes the connections opened with them. Each command is audited
//! in its transaction, as the admin who ran it or as `cli`.

use chrono::{SubsecRound, Utc};
use entities::enums::{EntityType, UserRole};
use entities::{refresh_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

use super::passwords;
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::journal::{self, Change};

/// Who runs a user command: an admin over the API, or the command line.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// An admin.
    Admin(&'a Identity),
    /// `newsdesk user ...` on a machine with the database.
    Cli,
}

impl Actor<'_> {
    async fn audit<C: ConnectionTrait>(self, db: &C, action: &str, user_id: i64) -> AppResult<()> {
        match self {
            Actor::Admin(who) => journal::audit(db, who, action, EntityType::User, user_id).await,
            Actor::Cli => {
                journal::audit_actor(db, None, "cli", action, EntityType::User, user_id).await
            }
        }
    }
}

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
pub async fn create(
    db: &DatabaseConnection,
    actor: Actor<'_>,
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
    let hash = passwords::hash(password).await?;
    let txn = crate::db::begin_write(db).await?;
    if user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict {
            field: "email",
            message: format!("a user with email {email} exists"),
        });
    }
    let now = Utc::now().trunc_subsecs(6);
    let row = user::ActiveModel {
        email: Set(email),
        display_name: Set(display_name.to_owned()),
        role: Set(role),
        password_hash: Set(hash),
        disabled: Set(false),
        session_epoch: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    actor.audit(&txn, "createUser", row.id).await?;
    txn.commit().await?;
    Ok(row)
}

async fn find_by_email<C: ConnectionTrait>(db: &C, email: &str) -> AppResult<user::Model> {
    let email = normalise_email(email)?;
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?
        .ok_or(AppError::NotFound { what: "user" })
}

/// Changes a user's name, role or disabled flag. Disabling, and any change of role, ends every
/// session of the user at once.
pub async fn update(
    db: &DatabaseConnection,
    admin: &Identity,
    id: i64,
    display_name: Option<&str>,
    role: Option<UserRole>,
    disabled: Option<bool>,
) -> AppResult<user::Model> {
    let txn = crate::db::begin_write(db).await?;
    let user = find(&txn, id)
        .await?
        .ok_or(AppError::NotFound { what: "user" })?;
    let rights_change = role.is_some_and(|role| role != user.role) || disabled == Some(true);
    let epoch = user.session_epoch;
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
    if rights_change {
        row.session_epoch = Set(epoch.wrapping_add(1));
    }
    row.updated_at = Set(Utc::now().trunc_subsecs(6));
    let user = row.update(&txn).await?;
    if rights_change {
        end_sessions(&txn, id).await?;
    }
    Actor::Admin(admin).audit(&txn, "updateUser", id).await?;
    txn.commit().await?;
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

/// Ends every session of a user whose epoch just moved: revokes their refresh tokens and tells
/// every node (through the change log) to close the connections opened with them.
async fn end_sessions<C: ConnectionTrait>(db: &C, user_id: i64) -> AppResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::RevokedAt,
            Expr::value(Utc::now().trunc_subsecs(6)),
        )
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    journal::record_changes(db, &[Change::credentials(EntityType::User, user_id)]).await
}

/// Sets a new password and ends every session of the user.
pub async fn set_password(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    email: &str,
    password: String,
) -> AppResult<()> {
    let hash = passwords::hash(password).await?;
    let txn = crate::db::begin_write(db).await?;
    let user = find_by_email(&txn, email).await?;
    let id = user.id;
    let epoch = user.session_epoch;
    let mut row: user::ActiveModel = user.into();
    row.password_hash = Set(hash);
    row.session_epoch = Set(epoch.wrapping_add(1));
    row.updated_at = Set(Utc::now().trunc_subsecs(6));
    row.update(&txn).await?;
    end_sessions(&txn, id).await?;
    actor.audit(&txn, "setPassword", id).await?;
    txn.commit().await?;
    Ok(())
}

/// Disables a user and ends every session.
pub async fn disable(db: &DatabaseConnection, actor: Actor<'_>, email: &str) -> AppResult<()> {
    let txn = crate::db::begin_write(db).await?;
    let user = find_by_email(&txn, email).await?;
    let id = user.id;
    let epoch = user.session_epoch;
    let mut row: user::ActiveModel = user.into();
    row.disabled = Set(true);
    row.session_epoch = Set(epoch.wrapping_add(1));
    row.updated_at = Set(Utc::now().trunc_subsecs(6));
    row.update(&txn).await?;
    end_sessions(&txn, id).await?;
    actor.audit(&txn, "disableUser", id).await?;
    txn.commit().await?;
    Ok(())
}
