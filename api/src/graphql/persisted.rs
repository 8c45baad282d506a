//! Persisted queries: Apollo's automatic persisted queries (a client sends the SHA-256 of its
//! query; the server remembers queries it has seen) and an allow-list of operations registered
//! from files at start-up.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use sha2::Digest;

use crate::reads::cache::Bounded;

/// Memory for queries remembered from clients, in bytes of their text and hash.
const REMEMBERED_BYTES: u64 = 4 * 1024 * 1024;

/// The SHA-256 of a query's text, hex.
pub fn hash(query: &str) -> String {
    hex::encode(sha2::Sha256::digest(query.as_bytes()))
}

/// The SHA-256 of bytes, hex.
pub fn hash_bytes(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Registered operations and remembered queries.
#[derive(Debug)]
pub struct PersistedQueries {
    registered: HashMap<String, String>,
    remembered: Bounded<String, Arc<str>>,
}

impl Default for PersistedQueries {
    fn default() -> Self {
        Self {
            registered: HashMap::new(),
            remembered: Bounded::new(REMEMBERED_BYTES, 1024, |hash, query| {
                (hash.len() + query.len()) as u64 + 64
            }),
        }
    }
}

impl PersistedQueries {
    /// Registers every `.graphql` file in `folder`.
    pub fn load(folder: Option<&Path>) -> Result<Self, String> {
        let mut registered = HashMap::new();
        if let Some(folder) = folder {
            let entries = std::fs::read_dir(folder).map_err(|error| {
                format!(
                    "cannot read {} (NEWSDESK_PERSISTED_QUERIES_DIR): {error}",
                    folder.display()
                )
            })?;
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|ext| ext == "graphql") {
                    let query = std::fs::read_to_string(&path)
                        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
                    registered.insert(hash(&query), query);
                }
            }
        }
        Ok(Self {
            registered,
            ..Self::default()
        })
    }

    /// Whether the operation with this hash is registered.
    pub fn is_registered(&self, hash: &str) -> bool {
        self.registered.contains_key(hash)
    }

    /// The query with this hash, registered or remembered.
    pub fn get(&self, hash: &str) -> Option<String> {
        if let Some(query) = self.registered.get(hash) {
            return Some(query.clone());
        }
        self.remembered.get(hash).map(|query| query.to_string())
    }

    /// Remembers a query a client sent with its hash.
    pub fn remember(&self, hash: String, query: String) {
        self.remembered.insert(hash, query.into());
    }
}
