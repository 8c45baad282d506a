//! The login rate limit: failed logins per account and per client address in a sliding window,
//! counted atomically across every api node. A login reserves its attempt before the password is
//! checked, in a transaction that counts and records it while holding the login lock (on
//! PostgreSQL an advisory lock, on SQLite the one writer): with 50 wrong passwords at once for
//! one account, only the first `limit` are checked against the hash, and the rest are refused
//! at once. A login that succeeds gives its reservation back.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use entities::login_attempt;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, Set,
};

use crate::error::{AppError, AppResult};

/// How many more failures one client address may have than one account: one address may carry
/// many people (an office behind one gateway).
const ADDRESS_FACTOR: u64 = 4;

/// The window of the limit.
pub const WINDOW_MINUTES: i64 = 15;

/// The advisory lock that serialises reservations on PostgreSQL ("logn" in ASCII).
const LOGIN_LOCK: i64 = 0x6c6f_676e;

/// The attempt rows a login holds until it knows whether it failed.
#[derive(Debug, Clone)]
pub struct Reservation {
    ids: Vec<i64>,
}

/// Reserves one attempt for `email` (normalised) from `client`, or refuses with
/// [`AppError::RateLimited`] when either is at its limit (`max_failures` for the account, four
/// times as many for the address) within the window.
pub async fn reserve(
    db: &DatabaseConnection,
    email: &str,
    client: &str,
    max_failures: u32,
) -> AppResult<Reservation> {
    let now = Utc::now().trunc_subsecs(6);
    let since = now - Duration::minutes(WINDOW_MINUTES);
    let keys = [format!("email:{email}"), format!("ip:{client}")];
    let limits = [
        u64::from(max_failures),
        u64::from(max_failures) * ADDRESS_FACTOR,
    ];
    let txn = crate::db::begin_write(db).await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({LOGIN_LOCK})"))
            .await?;
    }
    for (key, limit) in keys.iter().zip(limits) {
        if attempts_since(&txn, key, since).await? >= limit {
            return Err(AppError::RateLimited);
        }
    }
    let mut ids = Vec::with_capacity(keys.len());
    for key in keys {
        let row = login_attempt::ActiveModel {
            key: Set(key),
            at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        ids.push(row.id);
    }
    // Attempts older than the window no longer count; keep the table small.
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::At.lt(since))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(Reservation { ids })
}

/// Gives a reservation back: the login succeeded, so the attempt is not a failure. Call it in
/// the transaction that opens the session.
pub async fn release<C: ConnectionTrait>(db: &C, reservation: Reservation) -> AppResult<()> {
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::Id.is_in(reservation.ids))
        .exec(db)
        .await?;
    Ok(())
}

async fn attempts_since<C: ConnectionTrait>(
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
