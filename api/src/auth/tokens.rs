//! Access tokens and preview tokens: JWTs signed with HS256 and nothing else. Every registered
//! claim (`iss`, `aud`, `exp`, `nbf`, `iat`, `sub`, `jti`) is set and checked.

use std::path::Path;

use chrono::{DateTime, Utc};
use entities::enums::UserRole;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::{Config, Secret};
use crate::error::{AppError, AppResult};
use crate::identity::Identity;

/// The issuer of every token.
pub const ISSUER: &str = "newsdesk";
/// The audience of access tokens.
pub const ACCESS_AUDIENCE: &str = "newsdesk-api";
/// The audience of preview tokens.
pub const PREVIEW_AUDIENCE: &str = "newsdesk-preview";
const ALGORITHM: Algorithm = Algorithm::HS256;
/// Clock skew tolerated between api nodes, in seconds.
const LEEWAY: u64 = 5;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// The user id.
    pub sub: String,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Not before.
    pub nbf: i64,
    /// Issued at.
    pub iat: i64,
    /// Token id.
    pub jti: String,
    /// The user's role when the token was issued.
    pub role: UserRole,
    /// The user's email, for the audit log.
    pub email: String,
    /// The session (login) the token belongs to: a logout ends it.
    pub sid: String,
    /// The user's session epoch when the token was issued: a disabled user, a role or password
    /// change moves it, and the token stops working.
    pub epoch: i32,
}

/// An access token's holder, once its signature and claims checked out.
#[derive(Debug, Clone)]
pub struct VerifiedAccess {
    /// Who.
    pub identity: Identity,
    /// The session it belongs to.
    pub session: String,
    /// The user's session epoch it was issued in.
    pub epoch: i32,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}

/// What a token is issued for.
#[derive(Debug, Clone, Copy)]
pub struct AccessFor<'a> {
    /// The user.
    pub user_id: i64,
    /// Their email, for the audit log.
    pub email: &'a str,
    /// Their role now.
    pub role: UserRole,
    /// Their session epoch now.
    pub epoch: i32,
    /// The session (login).
    pub session: &'a str,
}

/// The claims of a preview token: one article, for a limited time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreviewClaims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// `article:<id>`.
    pub sub: String,
    /// Expiry.
    pub exp: i64,
    /// Not before.
    pub nbf: i64,
    /// Issued at.
    pub iat: i64,
    /// Token id.
    pub jti: String,
}

/// The signing keys.
#[derive(Clone)]
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Keys([redacted])")
    }
}

impl Keys {
    /// Keys from a secret.
    pub fn from_secret(secret: &Secret) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
        }
    }

    /// The configured secret; on SQLite without one, the secret kept in the data folder
    /// (generated on first use).
    pub fn load(config: &Config) -> Result<Self, String> {
        if let Some(secret) = &config.jwt_secret {
            return Ok(Self::from_secret(secret));
        }
        if !config.is_sqlite() {
            return Err("NEWSDESK_JWT_SECRET (--jwt-secret) is required with PostgreSQL: every api node must share it".into());
        }
        let path = config.data_dir.join("jwt-secret");
        Ok(Self::from_secret(&read_or_create_secret(&path)?))
    }

    fn validation(audience: &str) -> Validation {
        let mut validation = Validation::new(ALGORITHM);
        validation.algorithms = vec![ALGORITHM];
        validation.leeway = LEEWAY;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["iss", "aud", "exp", "nbf", "sub"]);
        validation
    }

    /// Issues an access token for a user's session; returns it and its expiry.
    pub fn issue_access(
        &self,
        holder: AccessFor<'_>,
        ttl_seconds: u64,
    ) -> AppResult<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let expires = now + chrono::Duration::seconds(ttl_seconds as i64);
        let claims = AccessClaims {
            iss: ISSUER.into(),
            aud: ACCESS_AUDIENCE.into(),
            sub: holder.user_id.to_string(),
            exp: expires.timestamp(),
            nbf: now.timestamp(),
            iat: now.timestamp(),
            jti: uuid::Uuid::new_v4().to_string(),
            role: holder.role,
            email: holder.email.into(),
            sid: holder.session.into(),
            epoch: holder.epoch,
        };
        let token = jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.encoding)
            .map_err(|error| AppError::Internal(format!("signing failed: {error}")))?;
        Ok((token, expires))
    }

    /// Checks an access token's signature and claims and returns who it is for. Whether its
    /// session is still open is the database's to say (see `auth::credentials`).
    pub fn verify_access(&self, token: &str) -> AppResult<VerifiedAccess> {
        let data = jsonwebtoken::decode::<AccessClaims>(
            token,
            &self.decoding,
            &Self::validation(ACCESS_AUDIENCE),
        )
        .map_err(|_| AppError::Unauthenticated("the access token is invalid or expired"))?;
        let claims = data.claims;
        if claims.iat > Utc::now().timestamp() + LEEWAY as i64 || claims.jti.is_empty() {
            return Err(AppError::Unauthenticated(
                "the access token is invalid or expired",
            ));
        }
        let user_id = claims
            .sub
            .parse::<i64>()
            .map_err(|_| AppError::Unauthenticated("the access token is invalid or expired"))?;
        let expires_at = DateTime::from_timestamp(claims.exp, 0).ok_or(
            AppError::Unauthenticated("the access token is invalid or expired"),
        )?;
        Ok(VerifiedAccess {
            identity: Identity {
                user_id: Some(user_id),
                role: claims.role,
                label: claims.email,
                scopes: None,
            },
            session: claims.sid,
            epoch: claims.epoch,
            expires_at,
        })
    }

    /// Issues a preview token for one article.
    pub fn issue_preview(
        &self,
        article_id: i64,
        ttl_seconds: u64,
    ) -> AppResult<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let expires = now + chrono::Duration::seconds(ttl_seconds as i64);
        let claims = PreviewClaims {
            iss: ISSUER.into(),
            aud: PREVIEW_AUDIENCE.into(),
            sub: format!("article:{article_id}"),
            exp: expires.timestamp(),
            nbf: now.timestamp(),
            iat: now.timestamp(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let token = jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.encoding)
            .map_err(|error| AppError::Internal(format!("signing failed: {error}")))?;
        Ok((token, expires))
    }

    /// Checks a preview token and returns the article it opens.
    pub fn verify_preview(&self, token: &str) -> AppResult<i64> {
        let refused = || AppError::bad_input("token", "the preview link is invalid or has expired");
        let data = jsonwebtoken::decode::<PreviewClaims>(
            token,
            &self.decoding,
            &Self::validation(PREVIEW_AUDIENCE),
        )
        .map_err(|_| refused())?;
        data.claims
            .sub
            .strip_prefix("article:")
            .and_then(|id| id.parse().ok())
            .ok_or_else(refused)
    }
}

fn read_or_create_secret(path: &Path) -> Result<Secret, String> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().len() >= 32 => return Ok(Secret::new(text.trim().to_owned())),
        Ok(_) => {
            return Err(format!(
                "{} holds no usable secret; delete it to make a new one",
                path.display()
            ));
        }
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("cannot read {}: {error}", path.display()));
        }
        Err(_) => {}
    }
    let secret = super::random_token(48).map_err(|error| error.to_string())?;
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)
            .map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
    }
    write_private(path, &secret)
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    Ok(Secret::new(secret))
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}
