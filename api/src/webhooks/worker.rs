//! The delivery worker: queues each new change for the endpoints that want it, then makes the
//! deliveries that are due, signed, to public addresses only (unless private networks are
//! allowed).

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use entities::enums::{ChangeOp, DeliveryStatus};
use entities::{change, webhook_attempt, webhook_cursor, webhook_delivery, webhook_endpoint};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::{address, now};
use crate::error::{AppError, AppResult};
use crate::ids;

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
    /// Whether endpoints may be on loopback or private networks.
    pub allow_private_networks: bool,
}

impl Settings {
    /// From the configuration.
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            max_attempts: config.webhook_max_attempts,
            retry_base: Duration::from_millis(config.webhook_retry_base_ms),
            timeout: Duration::from_millis(config.webhook_timeout_ms),
            poll: Duration::from_millis(config.webhook_poll_ms),
            allow_private_networks: config.webhook_allow_private_networks,
        }
    }
}

/// Changes queued at a time.
const FAN_OUT_BATCH: usize = 500;

/// Copies new changes into deliveries for the endpoints that want them; returns how many changes
/// it took in (at most [`FAN_OUT_BATCH`]).
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
        .limit(FAN_OUT_BATCH as u64)
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
    for row in &changes {
        // The log also records changes to credentials, which are no endpoint's business.
        if !row.entity_type.is_content() {
            continue;
        }
        for endpoint in &endpoints {
            // Without drafts, an endpoint hears of what the public could see, before or after.
            let wanted = row.seq > endpoint.from_seq
                && (endpoint.include_drafts || row.public || row.was_public)
                && (endpoint.entity_types.0.is_empty()
                    || endpoint.entity_types.0.contains(&row.entity_type));
            if !wanted {
                continue;
            }
            webhook_delivery::ActiveModel {
                endpoint_id: Set(endpoint.id),
                seq: Set(row.seq),
                entity_type: Set(row.entity_type),
                entity_id: Set(row.entity_id),
                op: Set(row.op),
                public: Set(row.public),
                status: Set(DeliveryStatus::Pending),
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
        }
    }
    webhook_cursor::Entity::update_many()
        .col_expr(webhook_cursor::Column::Seq, Expr::value(last))
        .filter(webhook_cursor::Column::Id.eq(1))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(changes.len())
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

/// The HTTP client: a timeout, redirects followed only on the same host, and names resolved to
/// public addresses only (unless private networks are allowed).
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
    let mut builder = reqwest::Client::builder()
        .timeout(settings.timeout)
        .redirect(policy)
        .user_agent("Newsdesk-Webhooks/1");
    if !settings.allow_private_networks {
        builder = builder.dns_resolver(std::sync::Arc::new(address::PublicResolver));
    }
    builder
        .build()
        .map_err(|error| AppError::Internal(format!("http client: {error}")))
}

fn payload(delivery: &webhook_delivery::Model) -> String {
    let operation = match delivery.op {
        ChangeOp::Upsert => "upsert",
        ChangeOp::Delete => "delete",
    };
    json!({
        "type": format!("{}.{operation}", delivery.entity_type.name().to_lowercase()),
        "timestamp": delivery.created_at.to_rfc3339(),
        "data": {
            "type": delivery.entity_type.name(),
            "id": ids::encode(delivery.entity_type.into(), delivery.entity_id),
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
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
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
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
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
        // A name is checked as it resolves (see `client`); an address written in the URL here.
        let refused = (!settings.allow_private_networks)
            .then(|| refused_address(&endpoint.url))
            .flatten();
        let body = payload(&delivery);
        let id = format!("msg_{}", delivery.id);
        let timestamp = chrono::Utc::now().timestamp();
        let signature = sign(&endpoint.secret, &id, timestamp, &body)?;
        let started = Instant::now();
        let (status_code, error) = match refused {
            Some(reason) => (None, Some(reason)),
            None => {
                let outcome = http
                    .post(&endpoint.url)
                    .header("content-type", "application/json")
                    .header("webhook-id", &id)
                    .header("webhook-timestamp", timestamp.to_string())
                    .header("webhook-signature", signature)
                    .body(body)
                    .send()
                    .await;
                match &outcome {
                    Ok(response) => (Some(i32::from(response.status().as_u16())), None),
                    Err(error) => (None, Some(describe(error))),
                }
            }
        };
        let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
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
            active.status = Set(DeliveryStatus::Delivered);
            active.delivered_at = Set(Some(now()));
        } else if attempts >= settings.max_attempts {
            active.status = Set(DeliveryStatus::Dead);
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

/// Why a delivery to `url` is refused before it is attempted: an address written in it that is
/// not public.
fn refused_address(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let written: std::net::IpAddr = match parsed.host()? {
        url::Host::Ipv4(v4) => v4.into(),
        url::Host::Ipv6(v6) => v6.into(),
        url::Host::Domain(_) => return None,
    };
    address::is_internal(written).then(|| {
        format!("refused: {written} is not a public address (webhooks go to public addresses only)")
    })
}

/// An attempt's error with its causes (reqwest's own message omits why a connection failed).
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Runs the worker until the process ends, on its own connections (`db`), as `settings` say.
/// New changes are queued when the change log's `head` moves (the node's change-log follower
/// moves it); due deliveries are made as they come due, looked for every `settings.poll`.
pub fn spawn_worker(
    db: DatabaseConnection,
    settings: Settings,
    mut head: tokio::sync::watch::Receiver<i64>,
) -> AppResult<tokio::task::JoinHandle<()>> {
    let http = client(&settings)?;
    Ok(tokio::spawn(async move {
        // Changes committed before the worker started may be waiting too.
        let mut moved = true;
        loop {
            if moved {
                match fan_out(&db).await {
                    // A full batch: more are waiting.
                    Ok(taken) => moved = taken == FAN_OUT_BATCH,
                    Err(error) => error.log(),
                }
            }
            match deliver_due(&db, &http, &settings).await {
                Ok(attempted) if attempted > 0 => continue,
                Ok(_) => {}
                Err(error) => error.log(),
            }
            if !moved {
                tokio::select! {
                    () = tokio::time::sleep(settings.poll) => {}
                    changed = head.changed() => {
                        if changed.is_err() {
                            // No follower (the node is going down): look on every poll.
                            tokio::time::sleep(settings.poll).await;
                        }
                        moved = true;
                    }
                }
            }
        }
    }))
}
