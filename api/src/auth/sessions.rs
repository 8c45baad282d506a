//! Logging in, refreshing and logging out. Refresh tokens rotate on every use; presenting one
//! that was already used revokes its whole family (someone copied it). A family is a session:
//! its access tokens carry its id and stop working when it ends. Every login (success and
//! failure), refresh and logout is audited, in the transaction of what it changes.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use entities::enums::EntityType;
use entities::{refresh_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

use super::tokens::{AccessFor, Keys};
use super::{login_limit, passwords, random_token, token_hash};
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::journal::{self, Change};

/// What a successful login or refresh returns.
#[derive(Debug, Clone)]
pub struct Session {
    /// The access token (a JWT).
    pub access_token: String,
    /// When it expires.
    pub access_expires_at: DateTime<Utc>,
    /// The refresh token, shown once.
    pub refresh_token: String,
    /// When it expires.
    pub refresh_expires_at: DateTime<Utc>,
    /// The user.
    pub user: user::Model,
}

/// Token lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    /// Access token lifetime, seconds.
    pub access: u64,
    /// Refresh token lifetime, seconds.
    pub refresh: u64,
}

const BAD_CREDENTIALS: &str = "wrong email or password";

/// Longest email address accepted at login (as at sign-up).
const MAX_EMAIL_CHARS: usize = 320;

/// The identity a user acts as.
pub fn identity_of(user: &user::Model) -> Identity {
    Identity {
        user_id: Some(user.id),
        role: user.role,
        label: user.email.clone(),
        scopes: None,
    }
}

/// Opens a session in `family` for `user`: a new refresh token, and an access token that names
/// the session and the user's epoch.
async fn issue<C: ConnectionTrait>(
    db: &C,
    keys: &Keys,
    lifetimes: Lifetimes,
    user: user::Model,
    family: String,
) -> AppResult<Session> {
    let (access_token, access_expires_at) = keys.issue_access(
        AccessFor {
            user_id: user.id,
            email: &user.email,
            role: user.role,
            epoch: user.session_epoch,
            session: &family,
        },
        lifetimes.access,
    )?;
    let refresh_token = format!("ndr_{}", random_token(32)?);
    let now = Utc::now().trunc_subsecs(6);
    let refresh_expires_at = now + Duration::seconds(lifetimes.refresh as i64);
    refresh_token::ActiveModel {
        user_id: Set(user.id),
        family: Set(family),
        token_hash: Set(token_hash(&refresh_token)),
        expires_at: Set(refresh_expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Session {
        access_token,
        access_expires_at,
        refresh_token,
        refresh_expires_at,
        user,
    })
}

/// Checks an email and password. Unknown emails and wrong passwords get the same error after the
/// same work; failures count against the account and the client address, and past the limit an
/// attempt is refused before any work (see [`login_limit`]).
pub async fn login(
    db: &DatabaseConnection,
    keys: &Keys,
    lifetimes: Lifetimes,
    max_failures: u32,
    email: &str,
    password: String,
    client: &str,
) -> AppResult<Session> {
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(AppError::bad_input(
            "email",
            format!("an email address has at most {MAX_EMAIL_CHARS} characters"),
        ));
    }
    if password.chars().count() > passwords::MAX_LENGTH {
        return Err(AppError::bad_input(
            "password",
            format!(
                "a password has at most {} characters",
                passwords::MAX_LENGTH
            ),
        ));
    }
    let normalised = email.trim().to_lowercase();
    let reservation = login_limit::reserve(db, &normalised, client, max_failures).await?;
    let user = user::Entity::find()
        .filter(user::Column::Email.eq(&normalised))
        .one(db)
        .await?;
    let hash = user.as_ref().map(|user| user.password_hash.clone());
    let matches = passwords::verify(password, hash).await?;
    let txn = crate::db::begin_write(db).await?;
    match user {
        Some(user) if matches && !user.disabled => {
            login_limit::release(&txn, reservation).await?;
            let family = uuid::Uuid::new_v4().simple().to_string();
            journal::audit(
                &txn,
                &identity_of(&user),
                "login",
                EntityType::User,
                user.id,
            )
            .await?;
            let session = issue(&txn, keys, lifetimes, user, family).await?;
            txn.commit().await?;
            Ok(session)
        }
        user => {
            // The attempt stays reserved: it counts as a failure.
            let actor = format!("{normalised} from {client}");
            journal::audit_actor(
                &txn,
                user.as_ref().map(|user| user.id),
                &actor,
                "loginFailed",
                EntityType::User,
                user.map_or(0, |user| user.id),
            )
            .await?;
            txn.commit().await?;
            Err(AppError::Unauthenticated(BAD_CREDENTIALS))
        }
    }
}

/// Exchanges a refresh token for a new pair. A token used twice revokes its family.
pub async fn refresh(
    db: &DatabaseConnection,
    keys: &Keys,
    lifetimes: Lifetimes,
    token: &str,
) -> AppResult<Session> {
    let refused = AppError::Unauthenticated("the refresh token is invalid, expired or revoked");
    let now = Utc::now().trunc_subsecs(6);
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash(token)))
        .one(db)
        .await?
    else {
        return Err(refused);
    };
    if row.used_at.is_some() {
        let txn = crate::db::begin_write(db).await?;
        end_session(&txn, row.user_id, &row.family).await?;
        journal::audit_actor(
            &txn,
            Some(row.user_id),
            &format!("user:{}", row.user_id),
            "refreshTokenReused",
            EntityType::User,
            row.user_id,
        )
        .await?;
        txn.commit().await?;
        tracing::warn!(
            user_id = row.user_id,
            "a refresh token was reused; its family is revoked"
        );
        return Err(refused);
    }
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Err(refused);
    }
    let txn = crate::db::begin_write(db).await?;
    // Mark it used only if nobody else did meanwhile: exactly one exchange wins.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        end_session(&txn, row.user_id, &row.family).await?;
        txn.commit().await?;
        return Err(refused);
    }
    let user = user::Entity::find_by_id(row.user_id).one(&txn).await?;
    match user {
        Some(user) if !user.disabled => {
            journal::audit(
                &txn,
                &identity_of(&user),
                "refreshToken",
                EntityType::User,
                user.id,
            )
            .await?;
            let session = issue(&txn, keys, lifetimes, user, row.family).await?;
            txn.commit().await?;
            Ok(session)
        }
        _ => Err(refused),
    }
}

/// Ends session `family` of `user_id`: its refresh tokens are revoked, its access tokens stop
/// working, and every node closes the connections opened with them.
async fn end_session<C: ConnectionTrait>(db: &C, user_id: i64, family: &str) -> AppResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::RevokedAt,
            Expr::value(Utc::now().trunc_subsecs(6)),
        )
        .filter(refresh_token::Column::Family.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    journal::record_changes(db, &[Change::credentials(EntityType::User, user_id)]).await
}

/// Ends the session of a refresh token. Unknown tokens are ignored (logging out twice is fine).
pub async fn logout(db: &DatabaseConnection, token: &str) -> AppResult<()> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash(token)))
        .one(&txn)
        .await?
    {
        end_session(&txn, row.user_id, &row.family).await?;
        journal::audit_actor(
            &txn,
            Some(row.user_id),
            &format!("user:{}", row.user_id),
            "logout",
            EntityType::User,
            row.user_id,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}
