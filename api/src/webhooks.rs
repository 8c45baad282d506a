//! Webhooks. The change log is the outbox: a worker on every api node copies new changes into
//! one delivery row per matching endpoint (under a row lock, in the same transaction that
//! advances its cursor, so a change is queued exactly once and never lost), then claims due
//! deliveries one at a time with a lease (so each is made by one node, and a delivery whose node
//! died is picked up again when the lease runs out) and POSTs them, signed as Standard Webhooks
//! describes. Failures retry with exponential backoff; after the last attempt a delivery is dead
//! until an admin replays it. Every attempt is recorded.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SubsecRound, Utc};
use entities::enums::ChangeOp;
use entities::webhook_endpoint::EntityTypes;
use entities::{change, webhook_attempt, webhook_cursor, webhook_delivery, webhook_endpoint};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use crate::app::AppState;
use crate::content::Viewer;
use crate::editorial::{journal, permissions, validate};
use crate::error::{AppError, AppResult};
use crate::ids::{self, Kind};

/// Delivery states.
pub const PENDING: &str = "pending";
/// Delivered (a 2xx answer).
pub const DELIVERED: &str = "delivered";
/// Out of attempts; an admin may replay it.
pub const DEAD: &str = "dead";

/// The entity types an endpoint may ask for.
pub const ENTITY_TYPES: [&str; 6] = [
    "Section",
    "Institution",
    "Person",
    "Position",
    "Agreement",
    "Article",
];

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

// ---- admin commands ----

/// Registers an endpoint; returns it with its secret (generated when not given).
pub async fn create_endpoint(
    db: &DatabaseConnection,
    viewer: &Viewer,
    url: &str,
    entity_types: Vec<String>,
    secret: Option<String>,
) -> AppResult<webhook_endpoint::Model> {
    let admin = permissions::administer(viewer)?;
    let url = validate::url("url", url)?;
    if let Some(unknown) = entity_types
        .iter()
        .find(|kind| !ENTITY_TYPES.contains(&kind.as_str()))
    {
        return Err(AppError::bad_input(
            "entityTypes",
            format!("unknown entity type `{unknown}`"),
        ));
    }
    let secret = match secret {
        Some(secret)
            if secret.starts_with("whsec_")
                && STANDARD
                    .decode(&secret[6..])
                    .is_ok_and(|key| key.len() >= 24) =>
        {
            secret
        }
        Some(_) => {
            return Err(AppError::bad_input(
                "secret",
                "a secret is `whsec_` and at least 24 bytes in base64",
            ));
        }
        None => {
            let mut key = [0u8; 32];
            getrandom::fill(&mut key)
                .map_err(|error| AppError::Internal(format!("no randomness: {error}")))?;
            format!("whsec_{}", STANDARD.encode(key))
        }
    };
    let from_seq = change::Entity::find()
        .select_only()
        .column(change::Column::Seq)
        .order_by_desc(change::Column::Seq)
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0);
    let row = webhook_endpoint::ActiveModel {
        url: Set(url),
        from_seq: Set(from_seq),
        secret: Set(secret),
        entity_types: Set(EntityTypes(entity_types)),
        active: Set(true),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    journal::audit(
        db,
        &admin,
        "createWebhookEndpoint",
        "WebhookEndpoint",
        row.id,
    )
    .await?;
    Ok(row)
}

/// Removes an endpoint and its deliveries.
pub async fn delete_endpoint(db: &DatabaseConnection, viewer: &Viewer, id: i64) -> AppResult<()> {
    let admin = permissions::administer(viewer)?;
    let result = webhook_endpoint::Entity::delete_by_id(id).exec(db).await?;
    if result.rows_affected == 0 {
        return Err(AppError::NotFound {
            what: "webhook endpoint",
        });
    }
    journal::audit(db, &admin, "deleteWebhookEndpoint", "WebhookEndpoint", id).await
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
    status: Option<&str>,
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
    let row = webhook_delivery::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound {
            what: "webhook delivery",
        })?;
    let mut active: webhook_delivery::ActiveModel = row.into();
    active.status = Set(PENDING.into());
    active.attempts = Set(0);
    active.next_attempt_at = Set(now());
    active.locked_until = Set(None);
    let row = active.update(db).await?;
    journal::audit(db, &admin, "replayWebhookDelivery", "WebhookDelivery", id).await?;
    Ok(row)
}

// ---- the worker ----

/// Settings of the worker.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Attempts before a delivery is dead.
    pub max_attempts: i32,
    /// First retry delay.
    pub retry_base: Duration,
    /// Request timeout.
    pub timeout: Duration,
    /// How often to look for work.
    pub poll: Duration,
}

impl Settings {
    /// From the configuration.
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            max_attempts: config.webhook_max_attempts,
            retry_base: Duration::from_millis(config.webhook_retry_base_ms),
            timeout: Duration::from_millis(config.webhook_timeout_ms),
            poll: Duration::from_millis(config.webhook_poll_ms),
        }
    }
}

/// Copies new changes into deliveries for the endpoints that want them; returns how many.
pub async fn fan_out(db: &DatabaseConnection) -> AppResult<usize> {
    let txn = crate::db::begin_write(db).await?;
    // The row lock makes concurrent nodes take turns; each change is queued once.
    let Some(cursor) = webhook_cursor::Entity::find_by_id(1)
        .lock_exclusive()
        .one(&txn)
        .await?
    else {
        return Ok(0);
    };
    let changes = change::Entity::find()
        .filter(change::Column::Seq.gt(cursor.seq))
        .order_by_asc(change::Column::Seq)
        .limit(500)
        .all(&txn)
        .await?;
    let Some(last) = changes.last().map(|row| row.seq) else {
        return Ok(0);
    };
    let endpoints = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Active.eq(true))
        .all(&txn)
        .await?;
    let at = now();
    let mut queued = 0;
    for row in &changes {
        for endpoint in &endpoints {
            let wanted = row.seq > endpoint.from_seq
                && (endpoint.entity_types.0.is_empty()
                    || endpoint.entity_types.0.contains(&row.entity_type));
            if !wanted {
                continue;
            }
            webhook_delivery::ActiveModel {
                endpoint_id: Set(endpoint.id),
                seq: Set(row.seq),
                entity_type: Set(row.entity_type.clone()),
                entity_id: Set(row.entity_id),
                op: Set(row.op),
                public: Set(row.public),
                status: Set(PENDING.into()),
                attempts: Set(0),
                next_attempt_at: Set(at),
                locked_until: Set(None),
                last_status: Set(None),
                last_error: Set(None),
                created_at: Set(at),
                delivered_at: Set(None),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            queued += 1;
        }
    }
    webhook_cursor::Entity::update_many()
        .col_expr(webhook_cursor::Column::Seq, Expr::value(last))
        .filter(webhook_cursor::Column::Id.eq(1))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(queued)
}

/// The Standard Webhooks signature of a message: `v1,<base64 HMAC-SHA256>` over
/// `{id}.{timestamp}.{body}` with the key inside the `whsec_` secret.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> AppResult<String> {
    let key = STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .map_err(|_| AppError::Internal("a webhook secret is not base64".into()))?;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key)
        .map_err(|error| AppError::Internal(format!("hmac: {error}")))?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The HTTP client: a timeout, and redirects followed only on the same host.
pub fn client(settings: &Settings) -> AppResult<reqwest::Client> {
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        let same_host = attempt
            .previous()
            .first()
            .and_then(|first| first.host_str())
            == attempt.url().host_str();
        if same_host && attempt.previous().len() < 5 {
            attempt.follow()
        } else {
            attempt.stop()
        }
    });
    reqwest::Client::builder()
        .timeout(settings.timeout)
        .redirect(policy)
        .user_agent("Newsdesk-Webhooks/1")
        .build()
        .map_err(|error| AppError::Internal(format!("http client: {error}")))
}

fn payload(delivery: &webhook_delivery::Model) -> String {
    let kind = match delivery.entity_type.as_str() {
        "Section" => Kind::Section,
        "Institution" => Kind::Institution,
        "Person" => Kind::Person,
        "Position" => Kind::Position,
        "Agreement" => Kind::Agreement,
        _ => Kind::Article,
    };
    let operation = match delivery.op {
        ChangeOp::Upsert => "upsert",
        ChangeOp::Delete => "delete",
    };
    json!({
        "type": format!("{}.{operation}", delivery.entity_type.to_lowercase()),
        "timestamp": delivery.created_at.to_rfc3339(),
        "data": {
            "type": delivery.entity_type,
            "id": ids::encode(kind, delivery.entity_id),
            "operation": operation,
            "public": delivery.public,
            "seq": delivery.seq,
        }
    })
    .to_string()
}

/// Claims, sends and settles the deliveries that are due; returns how many were attempted.
pub async fn deliver_due(
    db: &DatabaseConnection,
    http: &reqwest::Client,
    settings: &Settings,
) -> AppResult<usize> {
    let at = now();
    let free = Condition::any()
        .add(webhook_delivery::Column::LockedUntil.is_null())
        .add(webhook_delivery::Column::LockedUntil.lt(at));
    let due = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq(PENDING))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(at))
        .filter(free.clone())
        .order_by_asc(webhook_delivery::Column::Id)
        .limit(20)
        .all(db)
        .await?;
    // Longer than any attempt can take, so a live node never loses its claim; a dead node's
    // claim runs out and another node (or the restarted one) tries again.
    let lease = chrono::Duration::from_std(settings.timeout * 2 + Duration::from_secs(1))
        .unwrap_or_else(|_| chrono::Duration::seconds(60));
    let mut attempted = 0;
    for delivery in due {
        // The lease: only the node whose update matched makes this attempt.
        let claimed = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::LockedUntil,
                Expr::value(at + lease),
            )
            .filter(webhook_delivery::Column::Id.eq(delivery.id))
            .filter(webhook_delivery::Column::Status.eq(PENDING))
            .filter(free.clone())
            .exec(db)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let Some(endpoint) = webhook_endpoint::Entity::find_by_id(delivery.endpoint_id)
            .one(db)
            .await?
        else {
            continue;
        };
        attempted += 1;
        let body = payload(&delivery);
        let id = format!("msg_{}", delivery.id);
        let timestamp = Utc::now().timestamp();
        let signature = sign(&endpoint.secret, &id, timestamp, &body)?;
        let started = Instant::now();
        let outcome = http
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let (status_code, error) = match &outcome {
            Ok(response) => (Some(i32::from(response.status().as_u16())), None),
            Err(error) => (None, Some(error.to_string())),
        };
        let success = status_code.is_some_and(|code| (200..300).contains(&code));
        webhook_attempt::ActiveModel {
            delivery_id: Set(delivery.id),
            at: Set(now()),
            duration_ms: Set(duration_ms),
            status_code: Set(status_code),
            error: Set(error.clone()),
            ..Default::default()
        }
        .insert(db)
        .await?;
        let attempts = delivery.attempts + 1;
        let mut active: webhook_delivery::ActiveModel = delivery.into();
        active.attempts = Set(attempts);
        active.locked_until = Set(None);
        active.last_status = Set(status_code);
        active.last_error = Set(error);
        if success {
            active.status = Set(DELIVERED.into());
            active.delivered_at = Set(Some(now()));
        } else if attempts >= settings.max_attempts {
            active.status = Set(DEAD.into());
            tracing::warn!(
                delivery = id,
                attempts,
                "webhook delivery is dead after its last attempt"
            );
        } else {
            let factor = 2u32.saturating_pow(u32::try_from(attempts - 1).unwrap_or(0).min(20));
            let delay = settings
                .retry_base
                .saturating_mul(factor)
                .min(Duration::from_secs(3600));
            active.next_attempt_at = Set(now()
                + chrono::Duration::from_std(delay).unwrap_or_else(|_| chrono::Duration::hours(1)));
        }
        active.update(db).await?;
    }
    Ok(attempted)
}

/// Runs the worker until the process ends.
pub fn spawn_worker(state: &AppState) -> AppResult<tokio::task::JoinHandle<()>> {
    let settings = Settings::from_config(&state.config);
    let http = client(&settings)?;
    let db = state.db.background.clone();
    Ok(tokio::spawn(async move {
        loop {
            if let Err(error) = fan_out(&db).await {
                error.log();
            }
            match deliver_due(&db, &http, &settings).await {
                Ok(attempted) if attempted > 0 => continue,
                Ok(_) => {}
                Err(error) => error.log(),
            }
            tokio::time::sleep(settings.poll).await;
        }
    }))
}
