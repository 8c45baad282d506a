//! API tokens for integrators: created by an admin, shown once, stored hashed, scoped, revocable,
//! with the time they were last used. A token reads what the public reads (`content:read`);
//! `content:drafts` also lets it mirror unpublished content through the sync feed.

use chrono::{Duration, SubsecRound, Utc};
use entities::api_token::{self, Scopes};
use entities::enums::{EntityType, UserRole};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::{random_token, token_hash};
use crate::error::{AppError, AppResult};
use crate::identity::{Identity, SCOPES};
use crate::journal::{self, Change};

/// Every token starts with this, so it can be told from a JWT (and found by secret scanners).
pub const PREFIX: &str = "nd_";

/// Creates a token as `admin`; the plain token is returned once and never stored.
pub async fn create(
    db: &DatabaseConnection,
    admin: &Identity,
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
    crate::validate::at_most("scopes", &scopes, SCOPES.len())?;
    if let Some(unknown) = scopes
        .iter()
        .find(|scope| !SCOPES.contains(&scope.as_str()))
    {
        return Err(AppError::bad_input(
            "scopes",
            format!("unknown scope `{unknown}`; known: {}", SCOPES.join(", ")),
        ));
    }
    let mut scopes = scopes;
    scopes.sort();
    scopes.dedup();
    let token = format!("{PREFIX}{}", random_token(32)?);
    let txn = crate::db::begin_write(db).await?;
    let row = api_token::ActiveModel {
        name: Set(name.to_owned()),
        token_hash: Set(token_hash(&token)),
        scopes: Set(Scopes(scopes)),
        created_by: Set(admin.user_id),
        created_at: Set(Utc::now().trunc_subsecs(6)),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    journal::audit(&txn, admin, "createApiToken", EntityType::ApiToken, row.id).await?;
    txn.commit().await?;
    Ok((row, token))
}

/// Revokes a token as `admin`. It stops working at once on every node for HTTP; connections
/// opened with it close when their node reads the change log.
pub async fn revoke(
    db: &DatabaseConnection,
    admin: &Identity,
    id: i64,
) -> AppResult<api_token::Model> {
    let txn = crate::db::begin_write(db).await?;
    let row = api_token::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound { what: "API token" })?;
    let mut active: api_token::ActiveModel = row.into();
    active.revoked_at = Set(Some(Utc::now().trunc_subsecs(6)));
    let row = active.update(&txn).await?;
    journal::audit(&txn, admin, "revokeApiToken", EntityType::ApiToken, id).await?;
    journal::record_changes(&txn, &[Change::credentials(EntityType::ApiToken, id)]).await?;
    txn.commit().await?;
    Ok(row)
}

/// Every token, newest first.
pub async fn list<C: ConnectionTrait>(db: &C) -> AppResult<Vec<api_token::Model>> {
    Ok(api_token::Entity::find()
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// The identity behind a presented token, and the token's id; records when it was last used
/// (at most once a minute).
pub async fn authenticate<C: ConnectionTrait>(db: &C, token: &str) -> AppResult<(Identity, i64)> {
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
    let identity = Identity {
        user_id: None,
        role: UserRole::Integrator,
        label: format!("api-token:{}", row.name),
        scopes: Some(row.scopes.0),
    };
    Ok((identity, row.id))
}

/// Whether token `id` is still unrevoked (for a connection opened with it).
pub async fn is_live<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<bool> {
    use sea_orm::QuerySelect;
    Ok(api_token::Entity::find()
        .select_only()
        .column(api_token::Column::Id)
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .into_tuple::<i64>()
        .one(db)
        .await?
        .is_some())
}
