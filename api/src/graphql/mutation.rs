//! The root `Mutation`: accounts and sessions, and the editorial write path. Resolvers decode
//! IDs and call one domain command each; permissions and validation live in the domain.

use std::sync::atomic::Ordering;

use async_graphql::{Context, ID, InputObject, MergedObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::article_inputs::{CreateArticleInput, UpdateArticleInput};
use super::catalog_mutation::CatalogMutation;
use super::request;
use super::types::{ApiToken, Article, CreatedApiToken, Role, Session, User};
use crate::auth::api_tokens;
use crate::auth::sessions::{self, Lifetimes};
use crate::editorial::articles::{self};
use crate::editorial::permissions;
use crate::error::{AppError, GraphqlResultExt};
use crate::ids::{self, Kind};

/// Every mutation root field.
#[derive(MergedObject, Default)]
pub struct Mutation(
    SessionMutation,
    ArticleMutation,
    CatalogMutation,
    super::webhook_types::WebhookMutation,
);

fn lifetimes(ctx: &Context<'_>) -> Result<Lifetimes> {
    let config = &request(ctx)?.app.config;
    Ok(Lifetimes {
        access: config.access_token_ttl,
        refresh: config.refresh_token_ttl,
    })
}

fn session(value: sessions::Session) -> Session {
    Session {
        access_token: value.access_token,
        access_token_expires_at: value.access_expires_at,
        refresh_token: value.refresh_token,
        refresh_token_expires_at: value.refresh_expires_at,
        user: User(value.user),
    }
}

/// Logging in and out, and API tokens.
#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Exchanges an email and password for an access token and a refresh token. A wrong email
    /// and a wrong password get the same error; failed attempts are limited per account and
    /// per client address; one request (aliases and batches included) may try one password.
    async fn login(&self, ctx: &Context<'_>, email: String, password: String) -> Result<Session> {
        let request = request(ctx)?;
        if request.login_tried.swap(true, Ordering::SeqCst) {
            return Err(AppError::bad_input("password", "one login per request").to_graphql());
        }
        let config = &request.app.config;
        sessions::login(
            &request.db,
            &request.app.keys,
            lifetimes(ctx)?,
            config.login_attempts,
            &email,
            password,
            &request.client,
        )
        .await
        .map(session)
        .gql()
    }

    /// Exchanges a refresh token for a new pair. Each refresh token works once; presenting a
    /// used one revokes every token of its login.
    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: String) -> Result<Session> {
        let request = request(ctx)?;
        sessions::refresh(
            &request.db,
            &request.app.keys,
            lifetimes(ctx)?,
            &refresh_token,
        )
        .await
        .map(session)
        .gql()
    }

    /// Revokes the refresh token and every token of the same login. Always succeeds.
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        let request = request(ctx)?;
        sessions::logout(&request.db, &refresh_token).await.gql()?;
        Ok(true)
    }

    /// Creates an API token for an integrator (admins only). The token is shown once.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        name: String,
        scopes: Vec<String>,
    ) -> Result<CreatedApiToken> {
        let request = request(ctx)?;
        let admin = permissions::administer(&request.viewer).gql()?;
        let (row, token) = api_tokens::create(&request.db, &admin, &name, scopes)
            .await
            .gql()?;
        Ok(CreatedApiToken {
            token,
            api_token: ApiToken(row),
        })
    }

    /// Creates a user (admins only).
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let request = request(ctx)?;
        let admin = permissions::administer(&request.viewer).gql()?;
        let user = crate::auth::users::create(
            &request.db,
            crate::auth::users::Actor::Admin(&admin),
            &input.email,
            &input.display_name,
            input.role.into(),
            input.password,
        )
        .await
        .gql()?;
        Ok(User(user))
    }

    /// Changes a user's name, role or disabled flag (admins only). Disabling, and any change of
    /// role, ends every session of the user at once.
    async fn update_user(&self, ctx: &Context<'_>, input: UpdateUserInput) -> Result<User> {
        let request = request(ctx)?;
        let admin = permissions::administer(&request.viewer).gql()?;
        let id = ids::decode_as("input.id", Kind::User, &input.id).gql()?;
        let user = crate::auth::users::update(
            &request.db,
            &admin,
            id,
            input.display_name.as_deref(),
            input.role.map(Into::into),
            input.disabled,
        )
        .await
        .gql()?;
        Ok(User(user))
    }

    /// Revokes an API token (admins only).
    async fn revoke_api_token(&self, ctx: &Context<'_>, id: ID) -> Result<ApiToken> {
        let request = request(ctx)?;
        let admin = permissions::administer(&request.viewer).gql()?;
        let id = ids::decode_as("id", Kind::ApiToken, &id).gql()?;
        let row = api_tokens::revoke(&request.db, &admin, id).await.gql()?;
        Ok(ApiToken(row))
    }
}

/// A new user.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Login email.
    pub email: String,
    /// Name shown in revisions and the audit log.
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// At least 10 characters.
    pub password: String,
}

/// Changes to a user; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateUserInput {
    /// The user.
    pub id: ID,
    /// New display name.
    pub display_name: Option<String>,
    /// New role (applies to access tokens issued from now on).
    pub role: Option<Role>,
    /// Disable (true) or re-enable (false) the account.
    pub disabled: Option<bool>,
}

macro_rules! article_payload {
    ($($name:ident => $doc:literal),* $(,)?) => {
        $(
            #[doc = $doc]
            #[derive(SimpleObject)]
            pub struct $name {
                /// The article as saved.
                pub article: Article,
            }
        )*
    };
}

article_payload!(
    CreateArticlePayload => "What `createArticle` returns.",
    UpdateArticlePayload => "What `updateArticle` returns.",
    PublishArticlePayload => "What `publishArticle` returns.",
    UnpublishArticlePayload => "What `unpublishArticle` returns.",
    ArchiveArticlePayload => "What `archiveArticle` returns.",
    RestoreArticleRevisionPayload => "What `restoreArticleRevision` returns.",
);

/// What `deleteArticle` returns.
#[derive(SimpleObject)]
pub struct DeleteArticlePayload {
    /// The ID of the deleted article.
    pub deleted_id: ID,
}

/// A signed link to one article for a reviewer without an account.
#[derive(SimpleObject)]
pub struct PreviewToken {
    /// Pass it to `articlePreview(token:)`.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// The article workflow.
#[derive(Default)]
pub struct ArticleMutation;

#[Object]
impl ArticleMutation {
    /// Creates a draft (authors, editors, admins).
    async fn create_article(
        &self,
        ctx: &Context<'_>,
        input: CreateArticleInput,
    ) -> Result<CreateArticlePayload> {
        let request = request(ctx)?;
        let fields = input.into_fields().gql()?;
        let row = articles::create(&request.db, &request.viewer, fields)
            .await
            .gql()?;
        Ok(CreateArticlePayload {
            article: Article(row),
        })
    }

    /// Changes an article (editors; authors their own drafts).
    async fn update_article(
        &self,
        ctx: &Context<'_>,
        input: UpdateArticleInput,
    ) -> Result<UpdateArticlePayload> {
        let request = request(ctx)?;
        let (id, version, patch) = input.into_patch().gql()?;
        let row = articles::update(&request.db, &request.viewer, id, version, patch)
            .await
            .gql()?;
        Ok(UpdateArticlePayload {
            article: Article(row),
        })
    }

    /// Deletes an article (editors; authors their own drafts).
    async fn delete_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> Result<DeleteArticlePayload> {
        let request = request(ctx)?;
        let article_id = ids::decode_as("id", Kind::Article, &id).gql()?;
        articles::delete(&request.db, &request.viewer, article_id, version)
            .await
            .gql()?;
        Ok(DeleteArticlePayload { deleted_id: id })
    }

    /// Publishes an article now, or at `at`: a future time schedules it, and it becomes visible
    /// by itself when the time comes (editors).
    async fn publish_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        at: Option<DateTime<Utc>>,
        #[graphql(desc = "The version you read; checked when given.")] version: Option<i32>,
    ) -> Result<PublishArticlePayload> {
        let request = request(ctx)?;
        let id = ids::decode_as("id", Kind::Article, &id).gql()?;
        let row = articles::publish(&request.db, &request.viewer, id, at, version)
            .await
            .gql()?;
        Ok(PublishArticlePayload {
            article: Article(row),
        })
    }

    /// Takes an article back to draft (editors).
    async fn unpublish_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(desc = "The version you read; checked when given.")] version: Option<i32>,
    ) -> Result<UnpublishArticlePayload> {
        let request = request(ctx)?;
        let id = ids::decode_as("id", Kind::Article, &id).gql()?;
        let row = articles::unpublish(&request.db, &request.viewer, id, version)
            .await
            .gql()?;
        Ok(UnpublishArticlePayload {
            article: Article(row),
        })
    }

    /// Archives an article (editors).
    async fn archive_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(desc = "The version you read; checked when given.")] version: Option<i32>,
    ) -> Result<ArchiveArticlePayload> {
        let request = request(ctx)?;
        let id = ids::decode_as("id", Kind::Article, &id).gql()?;
        let row = articles::archive(&request.db, &request.viewer, id, version)
            .await
            .gql()?;
        Ok(ArchiveArticlePayload {
            article: Article(row),
        })
    }

    /// Makes an old revision current, as a new revision.
    async fn restore_article_revision(
        &self,
        ctx: &Context<'_>,
        revision_id: ID,
        version: i32,
    ) -> Result<RestoreArticleRevisionPayload> {
        let request = request(ctx)?;
        let revision = ids::decode_as("revisionId", Kind::ArticleRevision, &revision_id).gql()?;
        let row = articles::restore_revision(&request.db, &request.viewer, revision, version)
            .await
            .gql()?;
        Ok(RestoreArticleRevisionPayload {
            article: Article(row),
        })
    }

    /// A signed link that lets a reviewer without an account read one article, draft or not,
    /// until it expires.
    async fn create_preview_token(
        &self,
        ctx: &Context<'_>,
        article_id: ID,
        #[graphql(default = 86400)] expires_in_seconds: i32,
    ) -> Result<PreviewToken> {
        let request = request(ctx)?;
        if !(60..=2_592_000).contains(&expires_in_seconds) {
            return Err(
                AppError::bad_input("expiresInSeconds", "between 60 seconds and 30 days")
                    .to_graphql(),
            );
        }
        let id = ids::decode_as("articleId", Kind::Article, &article_id).gql()?;
        let (token, expires_at) = articles::preview_token(
            &request.db,
            &request.viewer,
            &request.app.keys,
            id,
            expires_in_seconds as u64,
        )
        .await
        .gql()?;
        Ok(PreviewToken { token, expires_at })
    }
}
