//! Who is calling, once their credentials have been checked: the identity every layer below the
//! HTTP edge reasons about (visibility, permissions, the audit log), whichever credential it
//! came from (see `auth`).

use entities::enums::UserRole;

/// Reading published content, as the public does (an API token's scope).
pub const READ_SCOPE: &str = "content:read";
/// Mirroring unpublished content too: `sync(includeDrafts: true)` (an API token's scope).
pub const DRAFTS_SCOPE: &str = "content:drafts";
/// The scopes an API token may have.
pub const SCOPES: [&str; 2] = [READ_SCOPE, DRAFTS_SCOPE];

/// Who is calling, once their credentials have been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user, for people; `None` for API tokens.
    pub user_id: Option<i64>,
    /// What they may do.
    pub role: UserRole,
    /// Who, for the audit log (an email, or `api-token:<name>`).
    pub label: String,
    /// For an API token, what it may do (see [`SCOPES`]); `None` for people, whose role
    /// decides.
    pub scopes: Option<Vec<String>>,
}

impl Identity {
    /// Whether the caller may mirror unpublished content through the sync feed: editors and
    /// admins, integrator accounts, and API tokens with the `content:drafts` scope.
    pub fn may_sync_drafts(&self) -> bool {
        match &self.scopes {
            Some(scopes) => scopes.iter().any(|scope| scope == DRAFTS_SCOPE),
            None => matches!(
                self.role,
                UserRole::Admin | UserRole::Editor | UserRole::Integrator
            ),
        }
    }
}
