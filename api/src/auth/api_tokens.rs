//! API tokens for integrators: created by an admin, shown once, stored hashed, scoped, revocable,
//! with the time they were last used.

use chrono::{Duration, SubsecRound, Utc};
use entities::api_token::{self, Scopes};
use entities::enums::UserRole;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::{Identity, random_token, token_hash};
use crate::error::{AppError, AppResult};

/// Every token starts with this, so it can be told from a JWT (and found by secret scanners).
pub const PREFIX: &str = "nd_";
/// The scopes a token may have.
pub const SCOPES: [&str; 1] = ["content:read"];

/// Creates a token; the plain token is returned once and never stored.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    created_by: Option<i64>,
    name: &str,
    scopes: Vec<String>,
) -> AppResult<(api_token::Model, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::bad_input(
            "name",
            "a token name has 1 to 200 characters",
        ));
    }
    if scopes.is_empty() {
        return Err(AppError::bad_input("scopes", "give at least one scope"));
    }
    crate::editorial::validate::at_most("scopes", &scopes, SCOPES.len())?;
    if let Some(unknown) = scopes
        .iter()
        .find(|scope| !SCOPES.contains(&scope.as_str()))
    {
        return Err(AppError::bad_input(
            "scopes",
            format!("unknown scope `{unknown}`; known: {SCOPES:?}"),
        ));
    }
    let token = format!("{PREFIX}{}", random_token(32)?);
    let row = api_token::ActiveModel {
        name: Set(name.to_owned()),
        token_hash: Set(token_hash(&token)),
        scopes: Set(Scopes(scopes)),
        created_by: Set(created_by),
        created_at: Set(Utc::now().trunc_subsecs(6)),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((row, token))
}

/// Revokes a token.
pub async fn revoke<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<api_token::Model> {
    let row = api_token::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound { what: "API token" })?;
    let mut active: api_token::ActiveModel = row.into();
    active.revoked_at = Set(Some(Utc::now().trunc_subsecs(6)));
    Ok(active.update(db).await?)
}

/// Every token, newest first.
pub async fn list<C: ConnectionTrait>(db: &C) -> AppResult<Vec<api_token::Model>> {
    Ok(api_token::Entity::find()
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// The identity behind a presented token; records when it was last used (at most once a minute).
pub async fn authenticate<C: ConnectionTrait>(db: &C, token: &str) -> AppResult<Identity> {
    let refused = AppError::Unauthenticated("the API token is invalid or revoked");
    let row = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash(token)))
        .one(db)
        .await?
        .ok_or(refused)?;
    if row.revoked_at.is_some() {
        return Err(AppError::Unauthenticated(
            "the API token is invalid or revoked",
        ));
    }
    let now = Utc::now().trunc_subsecs(6);
    if row
        .last_used_at
        .is_none_or(|at| at < now - Duration::minutes(1))
    {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
            .filter(api_token::Column::Id.eq(row.id))
            .exec(db)
            .await?;
    }
    Ok(Identity {
        user_id: None,
        role: UserRole::Integrator,
        label: format!("api-token:{}", row.name),
    })
}
