//! Accounts and authentication: Argon2id passwords, short-lived HS256 access tokens, rotating
//! refresh tokens, API tokens for integrators, signed preview links, and the identity a request
//! carries.

pub mod api_tokens;
pub mod credentials;
pub mod login_limit;
pub mod passwords;
pub mod sessions;
pub mod tokens;
pub mod users;

use entities::enums::UserRole;

/// Who is calling, once their credentials have been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user, for people; `None` for API tokens.
    pub user_id: Option<i64>,
    /// What they may do.
    pub role: UserRole,
    /// Who, for the audit log (an email, or `api-token:<name>`).
    pub label: String,
    /// For an API token, what it may do (see [`api_tokens::SCOPES`]); `None` for people, whose
    /// role decides.
    pub scopes: Option<Vec<String>>,
}

impl Identity {
    /// Whether the caller may mirror unpublished content through the sync feed: editors and
    /// admins, integrator accounts, and API tokens with the `content:drafts` scope.
    pub fn may_sync_drafts(&self) -> bool {
        match &self.scopes {
            Some(scopes) => scopes.iter().any(|scope| scope == api_tokens::DRAFTS_SCOPE),
            None => matches!(
                self.role,
                UserRole::Admin | UserRole::Editor | UserRole::Integrator
            ),
        }
    }
}

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
