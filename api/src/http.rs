//! The HTTP edge: who calls ([`caller`]), errors as responses ([`error`]), validators and 304s
//! ([`etag`]), the response cache, GraphQL over HTTP and over a websocket, the health probes.

pub mod caller;
pub mod error;
pub mod etag;
pub mod graphql;
pub mod health;
pub mod live;
pub mod response_cache;
