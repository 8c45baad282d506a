//! Accounts and authentication: Argon2id passwords, short-lived HS256 access tokens, rotating
//! refresh tokens, API tokens for integrators, signed preview links, and the credentials that
//! give a request its [`Identity`](crate::identity::Identity).

pub mod api_tokens;
pub mod caller;
pub mod credentials;
pub mod login_limit;
pub mod passwords;
pub mod sessions;
pub mod tokens;
pub mod users;

/// Random bytes, base64url without padding: the body of refresh and API tokens.
pub fn random_token(bytes: usize) -> Result<String, crate::error::AppError> {
    use base64::Engine;
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer)
        .map_err(|error| crate::error::AppError::Internal(format!("no randomness: {error}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buffer))
}

/// SHA-256 of a token, hex: what the database stores instead of the token.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}
