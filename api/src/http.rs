//! The HTTP edge: GraphQL over HTTP and websocket, the response cache, the health probes.

pub mod graphql;
pub mod health;
pub mod live;
pub mod response_cache;
