//! Webhook endpoints and deliveries, for admins.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{webhook_attempt, webhook_delivery, webhook_endpoint};

use super::request;
use super::types::SyncType;
use crate::error::{AppError, GraphqlResultExt};
use crate::ids::{self, Kind};
use crate::webhooks;

super::types::enums::mirror_enum!(
    /// Where a delivery stands.
    WebhookDeliveryStatus <=> entities::enums::DeliveryStatus {
        /// Waiting for its next attempt.
        Pending,
        /// Answered with a 2xx status.
        Delivered,
        /// Out of attempts; `replayWebhookDelivery` queues it again.
        Dead,
    }
);

/// A registered webhook endpoint.
pub struct WebhookEndpoint(pub webhook_endpoint::Model);

/// A registered webhook endpoint.
#[Object(cache_control(private, no_cache))]
impl WebhookEndpoint {
    /// Global ID.
    async fn id(&self) -> ID {
        ID(ids::encode(Kind::WebhookEndpoint, self.0.id))
    }

    /// Where deliveries are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }

    /// The entity types it receives; empty means all.
    async fn entity_types(&self) -> Vec<&str> {
        self.0
            .entity_types
            .0
            .iter()
            .map(|kind| kind.name())
            .collect()
    }

    /// Whether it receives new changes.
    async fn active(&self) -> bool {
        self.0.active
    }

    /// Whether it also hears of unpublished content.
    async fn include_drafts(&self) -> bool {
        self.0.include_drafts
    }

    /// When it was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// What `createWebhookEndpoint` returns.
#[derive(SimpleObject)]
#[graphql(cache_control(private, no_cache))]
pub struct CreatedWebhookEndpoint {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// The signing secret (`whsec_...`); verify `webhook-signature` with it.
    pub secret: String,
}

/// One change queued for one endpoint.
pub struct WebhookDelivery(pub webhook_delivery::Model);

/// One change queued for one endpoint.
#[Object(cache_control(private, no_cache))]
impl WebhookDelivery {
    /// Global ID; the `webhook-id` header is `msg_` and the number inside.
    async fn id(&self) -> ID {
        ID(ids::encode(Kind::WebhookDelivery, self.0.id))
    }

    /// Where it stands.
    async fn status(&self) -> WebhookDeliveryStatus {
        self.0.status.into()
    }

    /// The entity type changed.
    async fn entity_type(&self) -> &str {
        self.0.entity_type.name()
    }

    /// Attempts made so far.
    async fn attempt_count(&self) -> i32 {
        self.0.attempts
    }

    /// When the next attempt is due (pending deliveries).
    async fn next_attempt_at(&self) -> DateTime<Utc> {
        self.0.next_attempt_at
    }

    /// The last HTTP status received.
    async fn last_status(&self) -> Option<i32> {
        self.0.last_status
    }

    /// When it was delivered.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }

    /// Every attempt, in order.
    async fn attempts(&self, ctx: &Context<'_>) -> Result<Vec<WebhookAttempt>> {
        let request = request(ctx)?;
        let rows = webhooks::attempts(&request.db, self.0.id).await.gql()?;
        Ok(rows.into_iter().map(WebhookAttempt).collect())
    }
}

/// One try of a delivery.
pub struct WebhookAttempt(pub webhook_attempt::Model);

/// One try of a delivery.
#[Object(cache_control(private, no_cache))]
impl WebhookAttempt {
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// How long it took, in milliseconds.
    async fn duration_ms(&self) -> i32 {
        self.0.duration_ms
    }

    /// The HTTP status, when a response came.
    async fn status_code(&self) -> Option<i32> {
        self.0.status_code
    }

    /// What went wrong, when no response came.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
}

/// A new endpoint.
#[derive(InputObject)]
pub struct CreateWebhookEndpointInput {
    /// An http or https URL.
    pub url: String,
    /// The entity types to receive; all when empty.
    #[graphql(default)]
    pub entity_types: Vec<SyncType>,
    /// A `whsec_` secret to use; one is generated when omitted.
    pub secret: Option<String>,
    /// Also hear of unpublished content (drafts, scheduled articles). Without it, the endpoint
    /// hears only of what the public could see before or after each change: a draft created
    /// and deleted without being published leaves no trace.
    #[graphql(default = false)]
    pub include_drafts: bool,
}

/// Webhook queries (admins).
#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// Every webhook endpoint (admins only).
    async fn webhook_endpoints(&self, ctx: &Context<'_>) -> Result<Vec<WebhookEndpoint>> {
        let request = request(ctx)?;
        let rows = webhooks::endpoints(&request.db, &request.viewer)
            .await
            .gql()?;
        Ok(rows.into_iter().map(WebhookEndpoint).collect())
    }

    /// The latest deliveries, newest first, optionally in one state (admins only).
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        status: Option<WebhookDeliveryStatus>,
        #[graphql(default = 50, desc = "At most 100.")] first: i32,
    ) -> Result<Vec<WebhookDelivery>> {
        let request = request(ctx)?;
        if !(1..=100).contains(&first) {
            return Err(AppError::bad_input("first", "between 1 and 100").to_graphql());
        }
        let rows = webhooks::deliveries(
            &request.db,
            &request.viewer,
            status.map(Into::into),
            first as u64,
        )
        .await
        .gql()?;
        Ok(rows.into_iter().map(WebhookDelivery).collect())
    }
}

/// Webhook mutations (admins).
#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers an endpoint for change notifications (admins only).
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookEndpointInput,
    ) -> Result<CreatedWebhookEndpoint> {
        let request = request(ctx)?;
        let types = input
            .entity_types
            .into_iter()
            .map(|kind| crate::content::sync::SyncType::from(kind).entity_type())
            .collect();
        let row = webhooks::create_endpoint(
            &request.db,
            &request.viewer,
            webhooks::NewEndpoint {
                url: input.url,
                entity_types: types,
                secret: input.secret,
                include_drafts: input.include_drafts,
            },
            request.app.config.webhook_allow_private_networks,
        )
        .await
        .gql()?;
        let secret = row.secret.clone();
        Ok(CreatedWebhookEndpoint {
            endpoint: WebhookEndpoint(row),
            secret,
        })
    }

    /// Removes an endpoint and its deliveries (admins only).
    async fn delete_webhook_endpoint(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let request = request(ctx)?;
        let endpoint = ids::decode_as("id", Kind::WebhookEndpoint, &id).gql()?;
        webhooks::delete_endpoint(&request.db, &request.viewer, endpoint)
            .await
            .gql()?;
        Ok(id)
    }

    /// Queues a (dead) delivery again with a fresh set of attempts (admins only).
    async fn replay_webhook_delivery(&self, ctx: &Context<'_>, id: ID) -> Result<WebhookDelivery> {
        let request = request(ctx)?;
        let delivery = ids::decode_as("id", Kind::WebhookDelivery, &id).gql()?;
        let row = webhooks::replay(&request.db, &request.viewer, delivery)
            .await
            .gql()?;
        Ok(WebhookDelivery(row))
    }
}
