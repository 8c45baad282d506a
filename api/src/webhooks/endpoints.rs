//! Registering, listing and removing endpoints, and replaying deliveries (admins). Each command
//! writes its audit entry in the transaction of its change.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use entities::enums::{DeliveryStatus, EntityType};
use entities::webhook_endpoint::EntityTypes;
use entities::{change, webhook_attempt, webhook_delivery, webhook_endpoint};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::{address, now};
use crate::editorial::permissions;
use crate::error::{AppError, AppResult};
use crate::journal;
use crate::reads::Viewer;
use crate::validate;

/// What an admin asks for when registering an endpoint.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    /// Where deliveries go: http or https.
    pub url: String,
    /// The entity types it hears of (content types only); all when empty.
    pub entity_types: Vec<EntityType>,
    /// A `whsec_` secret to sign with; one is generated when absent.
    pub secret: Option<String>,
    /// Whether it also hears of unpublished content.
    pub include_drafts: bool,
}

/// Registers an endpoint; returns it with its secret (generated when not given). Unless
/// `allow_private_networks`, its URL must reach public addresses only.
pub async fn create_endpoint(
    db: &DatabaseConnection,
    viewer: &Viewer,
    new: NewEndpoint,
    allow_private_networks: bool,
) -> AppResult<webhook_endpoint::Model> {
    let admin = permissions::administer(viewer)?;
    let url = validate::url("url", &new.url)?;
    if !allow_private_networks {
        address::check_public("url", &url).await?;
    }
    let mut entity_types = new.entity_types;
    if let Some(unknown) = entity_types.iter().find(|kind| !kind.is_content()) {
        return Err(AppError::bad_input(
            "entityTypes",
            format!("`{}` is not content", unknown.name()),
        ));
    }
    entity_types.sort();
    entity_types.dedup();
    let secret = match new.secret {
        Some(secret)
            if secret.len() <= 200
                && secret.starts_with("whsec_")
                && STANDARD
                    .decode(&secret[6..])
                    .is_ok_and(|key| key.len() >= 24) =>
        {
            secret
        }
        Some(_) => {
            return Err(AppError::bad_input(
                "secret",
                "a secret is `whsec_` and 24 to 144 bytes in base64",
            ));
        }
        None => {
            let mut key = [0u8; 32];
            getrandom::fill(&mut key)
                .map_err(|error| AppError::Internal(format!("no randomness: {error}")))?;
            format!("whsec_{}", STANDARD.encode(key))
        }
    };
    let txn = crate::db::begin_write(db).await?;
    let from_seq = change::Entity::find()
        .select_only()
        .column(change::Column::Seq)
        .order_by_desc(change::Column::Seq)
        .limit(1)
        .into_tuple::<i64>()
        .one(&txn)
        .await?
        .unwrap_or(0);
    let row = webhook_endpoint::ActiveModel {
        url: Set(url),
        from_seq: Set(from_seq),
        secret: Set(secret),
        entity_types: Set(EntityTypes(entity_types)),
        include_drafts: Set(new.include_drafts),
        active: Set(true),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    journal::audit(
        &txn,
        &admin,
        "createWebhookEndpoint",
        EntityType::WebhookEndpoint,
        row.id,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Removes an endpoint and its deliveries.
pub async fn delete_endpoint(db: &DatabaseConnection, viewer: &Viewer, id: i64) -> AppResult<()> {
    let admin = permissions::administer(viewer)?;
    let txn = crate::db::begin_write(db).await?;
    let result = webhook_endpoint::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::NotFound {
            what: "webhook endpoint",
        });
    }
    journal::audit(
        &txn,
        &admin,
        "deleteWebhookEndpoint",
        EntityType::WebhookEndpoint,
        id,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Every endpoint (admins).
pub async fn endpoints(
    db: &DatabaseConnection,
    viewer: &Viewer,
) -> AppResult<Vec<webhook_endpoint::Model>> {
    permissions::administer(viewer)?;
    Ok(webhook_endpoint::Entity::find()
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(db)
        .await?)
}

/// The latest deliveries, optionally in one state (admins).
pub async fn deliveries(
    db: &DatabaseConnection,
    viewer: &Viewer,
    status: Option<DeliveryStatus>,
    limit: u64,
) -> AppResult<Vec<webhook_delivery::Model>> {
    permissions::administer(viewer)?;
    let mut query = webhook_delivery::Entity::find()
        .order_by_desc(webhook_delivery::Column::Id)
        .limit(limit);
    if let Some(status) = status {
        query = query.filter(webhook_delivery::Column::Status.eq(status));
    }
    Ok(query.all(db).await?)
}

/// The attempts of a delivery, in order.
pub async fn attempts<C: ConnectionTrait>(
    db: &C,
    delivery_id: i64,
) -> AppResult<Vec<webhook_attempt::Model>> {
    Ok(webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.eq(delivery_id))
        .order_by_asc(webhook_attempt::Column::Id)
        .all(db)
        .await?)
}

/// Puts a delivery back in the queue with a fresh set of attempts (admins).
pub async fn replay(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
) -> AppResult<webhook_delivery::Model> {
    let admin = permissions::administer(viewer)?;
    let txn = crate::db::begin_write(db).await?;
    let row = webhook_delivery::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound {
            what: "webhook delivery",
        })?;
    let mut active: webhook_delivery::ActiveModel = row.into();
    active.status = Set(DeliveryStatus::Pending);
    active.attempts = Set(0);
    active.next_attempt_at = Set(now());
    active.locked_until = Set(None);
    let row = active.update(&txn).await?;
    journal::audit(
        &txn,
        &admin,
        "replayWebhookDelivery",
        EntityType::WebhookDelivery,
        id,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}
