//! Opaque global IDs: `base64url("Article:42")`. Clients must treat them as opaque strings.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entities::enums::EntityType;

use crate::error::{AppError, AppResult};

/// The kinds of entity that have a global ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An article.
    Article,
    /// A section.
    Section,
    /// An institution.
    Institution,
    /// A person.
    Person,
    /// A position a person holds.
    Position,
    /// An agreement.
    Agreement,
    /// A media item.
    Media,
    /// A tag.
    Tag,
    /// A revision of an article.
    ArticleRevision,
    /// A user account.
    User,
    /// An API token.
    ApiToken,
    /// A webhook endpoint.
    WebhookEndpoint,
    /// A webhook delivery.
    WebhookDelivery,
}

impl From<EntityType> for Kind {
    fn from(entity_type: EntityType) -> Self {
        match entity_type {
            EntityType::Section => Kind::Section,
            EntityType::Institution => Kind::Institution,
            EntityType::Person => Kind::Person,
            EntityType::Position => Kind::Position,
            EntityType::Agreement => Kind::Agreement,
            EntityType::Article => Kind::Article,
            EntityType::User => Kind::User,
            EntityType::ApiToken => Kind::ApiToken,
            EntityType::WebhookEndpoint => Kind::WebhookEndpoint,
            EntityType::WebhookDelivery => Kind::WebhookDelivery,
        }
    }
}

impl Kind {
    const ALL: [Kind; 13] = [
        Kind::WebhookEndpoint,
        Kind::WebhookDelivery,
        Kind::ArticleRevision,
        Kind::User,
        Kind::ApiToken,
        Kind::Article,
        Kind::Section,
        Kind::Institution,
        Kind::Person,
        Kind::Position,
        Kind::Agreement,
        Kind::Media,
        Kind::Tag,
    ];

    /// The type name used inside the ID (the GraphQL type name).
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Article => "Article",
            Kind::Section => "Section",
            Kind::Institution => "Institution",
            Kind::Person => "Person",
            Kind::Position => "Position",
            Kind::Agreement => "Agreement",
            Kind::Media => "Media",
            Kind::Tag => "Tag",
            Kind::ArticleRevision => "ArticleRevision",
            Kind::User => "User",
            Kind::ApiToken => "ApiToken",
            Kind::WebhookEndpoint => "WebhookEndpoint",
            Kind::WebhookDelivery => "WebhookDelivery",
        }
    }
}

/// Encodes the global ID of entity `id` of `kind`.
pub fn encode(kind: Kind, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name()))
}

/// Decodes a global ID; `field` names the argument for the error.
pub fn decode(field: &'static str, global_id: &str) -> AppResult<(Kind, i64)> {
    let malformed = || AppError::bad_input(field, format!("`{global_id}` is not a valid ID"));
    let bytes = URL_SAFE_NO_PAD
        .decode(global_id.trim_end_matches('='))
        .map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (name, id) = text.split_once(':').ok_or_else(malformed)?;
    let kind = Kind::ALL
        .into_iter()
        .find(|kind| kind.name() == name)
        .ok_or_else(malformed)?;
    let id = id.parse::<i64>().map_err(|_| malformed())?;
    Ok((kind, id))
}

/// Decodes a global ID that must be of `expected` kind.
pub fn decode_as(field: &'static str, expected: Kind, global_id: &str) -> AppResult<i64> {
    let (kind, id) = decode(field, global_id)?;
    if kind == expected {
        Ok(id)
    } else {
        Err(AppError::bad_input(
            field,
            format!(
                "expected the ID of a {}, got the ID of a {}",
                expected.name(),
                kind.name()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_round_trips_and_garbage_is_refused() {
        let id = encode(Kind::Article, 42);
        assert_eq!(decode("id", &id).ok(), Some((Kind::Article, 42)));
        assert!(decode("id", "not an id").is_err());
        assert!(decode("id", &URL_SAFE_NO_PAD.encode("Bogus:1")).is_err());
        assert!(decode_as("id", Kind::Person, &id).is_err());
    }
}
