//! HTTP handlers: GraphQL over HTTP and the health probes.

pub mod documents;
pub mod graphql;
pub mod health;
pub mod live;
pub mod persisted;
pub mod response_cache;
