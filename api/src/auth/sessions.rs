//! Logging in, refreshing and logging out. Refresh tokens rotate on every use; presenting one
//! that was already used revokes its whole family (someone copied it).

use chrono::{DateTime, Duration, SubsecRound, Utc};
use entities::{login_attempt, refresh_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

use super::tokens::Keys;
use super::{passwords, random_token, token_hash};
use crate::error::{AppError, AppResult};

/// How many more failures one client address may have than one account.
const ADDRESS_FACTOR: u64 = 4;

/// The window of the login rate limit.
const WINDOW_MINUTES: i64 = 15;

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

async fn recent_failures<C: ConnectionTrait>(
    db: &C,
    key: &str,
    since: DateTime<Utc>,
) -> AppResult<u64> {
    Ok(login_attempt::Entity::find()
        .filter(login_attempt::Column::Key.eq(key))
        .filter(login_attempt::Column::At.gte(since))
        .count(db)
        .await?)
}

async fn record_failure<C: ConnectionTrait>(
    db: &C,
    keys: &[String],
    now: DateTime<Utc>,
) -> AppResult<()> {
    for key in keys {
        login_attempt::ActiveModel {
            key: Set(key.clone()),
            at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    // Old attempts no longer count; keep the table small.
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::At.lt(now - Duration::minutes(WINDOW_MINUTES)))
        .exec(db)
        .await?;
    Ok(())
}

async fn issue<C: ConnectionTrait>(
    db: &C,
    keys: &Keys,
    lifetimes: Lifetimes,
    user: user::Model,
    family: String,
) -> AppResult<Session> {
    let (access_token, access_expires_at) =
        keys.issue_access(user.id, &user.email, user.role, lifetimes.access)?;
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
/// same work; failures count against the account and the client address.
pub async fn login<C: ConnectionTrait>(
    db: &C,
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
    let now = Utc::now().trunc_subsecs(6);
    let since = now - Duration::minutes(WINDOW_MINUTES);
    let normalised = email.trim().to_lowercase();
    let limit_keys = [format!("email:{normalised}"), format!("ip:{client}")];
    // One address may carry many people (an office behind one gateway): it gets more room.
    let limits = [
        u64::from(max_failures),
        u64::from(max_failures) * ADDRESS_FACTOR,
    ];
    for (key, limit) in limit_keys.iter().zip(limits) {
        if recent_failures(db, key, since).await? >= limit {
            return Err(AppError::RateLimited);
        }
    }
    let user = user::Entity::find()
        .filter(user::Column::Email.eq(&normalised))
        .one(db)
        .await?;
    let hash = user.as_ref().map(|user| user.password_hash.clone());
    let matches = passwords::verify(password, hash).await?;
    match user {
        Some(user) if matches && !user.disabled => {
            let family = uuid::Uuid::new_v4().simple().to_string();
            issue(db, keys, lifetimes, user, family).await
        }
        _ => {
            record_failure(db, &limit_keys, now).await?;
            Err(AppError::Unauthenticated(BAD_CREDENTIALS))
        }
    }
}

/// Exchanges a refresh token for a new pair. A token used twice revokes its family.
pub async fn refresh<C: ConnectionTrait>(
    db: &C,
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
        revoke_family(db, &row.family).await?;
        tracing::warn!(
            user_id = row.user_id,
            "a refresh token was reused; its family is revoked"
        );
        return Err(refused);
    }
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Err(refused);
    }
    // Mark it used only if nobody else did meanwhile: exactly one exchange wins.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        revoke_family(db, &row.family).await?;
        return Err(refused);
    }
    let user = user::Entity::find_by_id(row.user_id).one(db).await?;
    match user {
        Some(user) if !user.disabled => issue(db, keys, lifetimes, user, row.family).await,
        _ => Err(refused),
    }
}

async fn revoke_family<C: ConnectionTrait>(db: &C, family: &str) -> AppResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::RevokedAt,
            Expr::value(Utc::now().trunc_subsecs(6)),
        )
        .filter(refresh_token::Column::Family.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes the family of a refresh token. Unknown tokens are ignored (logging out twice is fine).
pub async fn logout<C: ConnectionTrait>(db: &C, token: &str) -> AppResult<()> {
    if let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash(token)))
        .one(db)
        .await?
    {
        revoke_family(db, &row.family).await?;
    }
    Ok(())
}
