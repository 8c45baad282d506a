//! Accounts, sessions, API tokens, revisions and the audit log, as the API shows them.

use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{api_token, article_revision, audit_entry, user};

use super::{ArticleStatus, Role};
use crate::editorial::articles::revision_fields;
use crate::ids::{self, Kind};

/// A user account. Password hashes are never exposed.
pub struct User(pub user::Model);

/// A user account. Password hashes are never exposed.
#[Object(cache_control(private, no_cache))]
impl User {
    /// Global ID.
    async fn id(&self) -> ID {
        ID(ids::encode(Kind::User, self.0.id))
    }

    /// Login email.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// Name shown in revisions.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// Role: `ADMIN`, `EDITOR`, `AUTHOR` or `INTEGRATOR`.
    async fn role(&self) -> Role {
        self.0.role.into()
    }

    /// A disabled user cannot log in.
    async fn disabled(&self) -> bool {
        self.0.disabled
    }
}

/// What `login` and `refreshToken` return.
#[derive(SimpleObject)]
#[graphql(cache_control(private, no_cache))]
pub struct Session {
    /// Send it as `Authorization: Bearer <accessToken>`.
    pub access_token: String,
    /// When the access token expires.
    pub access_token_expires_at: DateTime<Utc>,
    /// Exchange it with `refreshToken` for a new pair; it works once.
    pub refresh_token: String,
    /// When the refresh token expires.
    pub refresh_token_expires_at: DateTime<Utc>,
    /// The user logged in.
    pub user: User,
}

/// An API token for an integrator. The token itself is shown only when created.
pub struct ApiToken(pub api_token::Model);

/// An API token for an integrator. The token itself is shown only when created.
#[Object(cache_control(private, no_cache))]
impl ApiToken {
    /// Global ID.
    async fn id(&self) -> ID {
        ID(ids::encode(Kind::ApiToken, self.0.id))
    }

    /// What it is for.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What it may do.
    async fn scopes(&self) -> &[String] {
        &self.0.scopes.0
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was last presented.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }

    /// When it was revoked; a revoked token is refused.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

/// What `createApiToken` returns.
#[derive(SimpleObject)]
pub struct CreatedApiToken {
    /// The token: send it as `Authorization: Bearer <token>`. It is shown this once.
    pub token: String,
    /// The token's record.
    pub api_token: ApiToken,
}

/// A saved state of an article.
pub struct ArticleRevision(pub article_revision::Model);

/// A saved state of an article.
#[Object(cache_control(private, no_cache))]
impl ArticleRevision {
    /// Global ID; pass it to `restoreArticleRevision`.
    async fn id(&self) -> ID {
        ID(ids::encode(Kind::ArticleRevision, self.0.id))
    }

    /// The article's version this revision is.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When it was saved.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Who saved it (a user ID), when a user did.
    async fn saved_by(&self) -> Option<ID> {
        self.0.user_id.map(|id| ID(ids::encode(Kind::User, id)))
    }

    /// The headline at this revision.
    async fn title(&self) -> Option<String> {
        revision_fields(&self.0).map(|(fields, _)| fields.title)
    }

    /// The body (Markdown) at this revision.
    async fn body_markdown(&self) -> Option<String> {
        revision_fields(&self.0).map(|(fields, _)| fields.body)
    }

    /// The workflow status at this revision.
    async fn status(&self) -> Option<ArticleStatus> {
        revision_fields(&self.0).map(|(_, status)| status.into())
    }
}

/// One audited mutation.
pub struct AuditEntry(pub audit_entry::Model);

/// One audited mutation.
#[Object(cache_control(private, no_cache))]
impl AuditEntry {
    /// Who (an email, or `api-token:<name>`).
    async fn actor(&self) -> &str {
        &self.0.actor
    }

    /// The mutation (`createArticle`, `publishArticle`, ...).
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The entity type (`Article`, `Person`, ...).
    async fn entity_type(&self) -> &str {
        self.0.entity_type.name()
    }

    /// The entity's global ID.
    async fn entity_id(&self) -> ID {
        ID(ids::encode(self.0.entity_type.into(), self.0.entity_id))
    }

    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}
