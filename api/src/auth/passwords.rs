//! Argon2id password hashing, run off the async runtime.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{AppError, AppResult};

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 10;
/// Longest password accepted, in characters (a pass phrase fits; a megabyte does not).
pub const MAX_LENGTH: usize = 1024;

fn salt() -> AppResult<SaltString> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|error| AppError::Internal(format!("no randomness: {error}")))?;
    SaltString::encode_b64(&bytes).map_err(|error| AppError::Internal(format!("salt: {error}")))
}

/// Argon2 computations at once. Each takes 19 MiB for its duration: a burst of logins waits
/// its turn instead of taking 19 MiB per request.
static TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Runs `work` on a blocking thread once a turn is free.
async fn in_turn<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> AppResult<T> {
    let _turn = TURNS
        .acquire()
        .await
        .map_err(|_| AppError::Internal(format!("{what}: no turn")))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| AppError::Internal(format!("{what} task failed: {error}")))
}

fn hash_blocking(password: &str) -> AppResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes(), &salt()?)
        .map(|hash| hash.to_string())
        .map_err(|error| AppError::Internal(format!("hashing failed: {error}")))
}

/// Hashes a password with Argon2id (on a blocking thread).
pub async fn hash(password: String) -> AppResult<String> {
    let length = password.chars().count();
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
        return Err(AppError::bad_input(
            "password",
            format!("a password has {MIN_LENGTH} to {MAX_LENGTH} characters"),
        ));
    }
    in_turn("hashing", move || hash_blocking(&password)).await?
}

/// A hash no password matches, verified when the email is unknown so that an unknown email and
/// a wrong password take the same time.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_blocking("decoy password that nobody uses").unwrap_or_default())
}

/// Checks `password` against `hash` (or against a decoy when there is no hash), on a blocking
/// thread. Always does the full Argon2 work.
pub async fn verify(password: String, hash: Option<String>) -> AppResult<bool> {
    in_turn("verification", move || {
        let known = hash.is_some();
        let stored = hash.unwrap_or_else(|| decoy_hash().to_owned());
        let matches = PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        known && matches
    })
    .await
}
