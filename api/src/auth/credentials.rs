//! A presented credential, checked: a bearer access token (a JWT of a user's session) or an API
//! token. Revocation is immediate: every request with an access token costs one cheap statement
//! that finds the user enabled, with the role and session epoch the token names, and the session
//! not ended; an API token is looked up by its hash anyway. A long-lived connection keeps the
//! [`Credential`] and asks [`is_live`] again when the change log says credentials changed.

use chrono::{DateTime, Utc};
use entities::enums::EntityType;
use entities::{change, refresh_token, user};
use sea_orm::sea_query::{Expr, Func, Query, QueryStatementBuilder};
use sea_orm::{ColumnTrait, ConnectionTrait};

use super::api_tokens;
use super::tokens::Keys;
use crate::error::{AppError, AppResult};
use crate::identity::Identity;

/// What a checked credential is.
#[derive(Debug, Clone)]
pub enum Credential {
    /// An access token of a user's session.
    Session {
        /// The user.
        user_id: i64,
        /// The role it grants.
        role: entities::enums::UserRole,
        /// The user's session epoch it was issued in.
        epoch: i32,
        /// The session it belongs to.
        session: String,
        /// When it expires.
        expires_at: DateTime<Utc>,
    },
    /// An API token.
    ApiToken {
        /// Its id.
        id: i64,
    },
}

impl Credential {
    /// When it stops working by itself, if it does.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Credential::Session { expires_at, .. } => Some(*expires_at),
            Credential::ApiToken { .. } => None,
        }
    }

    /// Whether a change-log row about credentials (`User` or `ApiToken`, with an id) may concern
    /// this credential.
    pub fn concerns(&self, entity_type: EntityType, entity_id: i64) -> bool {
        match self {
            Credential::Session { user_id, .. } => {
                entity_type == EntityType::User && entity_id == *user_id
            }
            Credential::ApiToken { id } => entity_type == EntityType::ApiToken && entity_id == *id,
        }
    }
}

/// A checked credential, and the change log's position read with it (for an access token: the
/// check and the position are one statement, so that a signed-in read costs no more statements
/// than before revocation was checked).
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// Who.
    pub identity: Identity,
    /// With what.
    pub credential: Credential,
    /// The change log's head, when it was read with the credential.
    pub log_position: Option<i64>,
}

/// Checks the value of an `Authorization` header: `Bearer <access token or API token>`.
pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    keys: &Keys,
    header: &str,
) -> AppResult<Authenticated> {
    let token = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|token| !token.is_empty())
        // Ours are a few hundred characters; a megabyte is not worth hashing or parsing.
        .filter(|token| token.len() <= 4096)
        .ok_or(AppError::Unauthenticated(
            "use `Authorization: Bearer <token>`",
        ))?;
    if token.starts_with(api_tokens::PREFIX) {
        let (identity, id) = api_tokens::authenticate(db, token).await?;
        return Ok(Authenticated {
            identity,
            credential: Credential::ApiToken { id },
            log_position: None,
        });
    }
    let access = keys.verify_access(token)?;
    let credential = Credential::Session {
        user_id: access.identity.user_id.unwrap_or_default(),
        role: access.identity.role,
        epoch: access.epoch,
        session: access.session,
        expires_at: access.expires_at,
    };
    let (live, log_position) = session_check(db, &credential, true).await?;
    if !live {
        return Err(AppError::Unauthenticated(
            "the session has ended (logged out, disabled, or the role or password changed): log in again",
        ));
    }
    Ok(Authenticated {
        identity: access.identity,
        credential,
        log_position,
    })
}

/// Whether the credential still works: not expired, and (one statement) its user enabled with
/// the same role and epoch and its session not ended, or its API token not revoked.
pub async fn is_live<C: ConnectionTrait>(db: &C, credential: &Credential) -> AppResult<bool> {
    if credential
        .expires_at()
        .is_some_and(|expires_at| expires_at <= Utc::now())
    {
        return Ok(false);
    }
    match credential {
        Credential::Session { .. } => Ok(session_check(db, credential, false).await?.0),
        Credential::ApiToken { id } => api_tokens::is_live(db, *id).await,
    }
}

/// Whether a session credential is live (its user enabled with the same role and epoch, a
/// refresh token of its session unrevoked), and, when `with_position`, the change log's head, in
/// one statement.
async fn session_check<C: ConnectionTrait>(
    db: &C,
    credential: &Credential,
    with_position: bool,
) -> AppResult<(bool, Option<i64>)> {
    let Credential::Session {
        user_id,
        role,
        epoch,
        session,
        ..
    } = credential
    else {
        return Ok((false, None));
    };
    // Open: a refresh token of the session that is not revoked (a logout, a reused refresh
    // token, a disabled user or a new password revokes them all).
    let open = Query::select()
        .expr(Expr::val(1))
        .from(refresh_token::Entity)
        .and_where(refresh_token::Column::Family.eq(session.as_str()))
        .and_where(refresh_token::Column::RevokedAt.is_null())
        .to_owned();
    let user_ok = Query::select()
        .expr(Expr::val(1))
        .from(user::Entity)
        .and_where(user::Column::Id.eq(*user_id))
        .and_where(user::Column::Disabled.eq(false))
        .and_where(user::Column::Role.eq(*role))
        .and_where(user::Column::SessionEpoch.eq(*epoch))
        .and_where(Expr::exists(open))
        .to_owned();
    let mut select = Query::select();
    select.expr_as(Expr::case(Expr::exists(user_ok), 1).finally(0), "live");
    if with_position {
        let head = Query::select()
            .expr(Func::max(Expr::col(change::Column::Seq)))
            .from(change::Entity)
            .to_owned();
        select.expr_as(
            Expr::SubQuery(None, Box::new(head.into_sub_query_statement())),
            "head",
        );
    }
    let statement = db.get_database_backend().build(&select);
    let Some(row) = db.query_one_raw(statement).await? else {
        return Ok((false, None));
    };
    let live: i32 = row.try_get("", "live")?;
    let head = if with_position {
        Some(row.try_get::<Option<i64>>("", "head")?.unwrap_or(0))
    } else {
        None
    };
    Ok((live == 1, head))
}
