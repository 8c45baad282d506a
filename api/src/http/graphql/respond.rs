//! Writing an operation's outcome: successful GET responses carry a validator and a
//! `Cache-Control` that the types in the response decide; public ones are shareable.

use async_graphql::parser::types::OperationType;
use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::media::{Media, document_error};
use super::run::Outcome;
use crate::auth::caller::Caller;
use crate::graphql::render::write_response;
use crate::http::etag::{self, Shareable};

/// What decides how a response may be cached.
pub(super) struct Caching {
    /// A GET request (POST responses are never cached).
    get: bool,
    /// No credentials: the response is the same for every anonymous reader.
    anonymous: bool,
}

impl Caching {
    pub(super) fn new(get: bool, caller: Option<&Caller>) -> Self {
        Self {
            get,
            anonymous: caller.is_none_or(|caller| caller.identity.is_none()),
        }
    }
}

/// Responses depend on these request headers.
pub(super) const VARY: &str = "Accept, Accept-Encoding, Accept-Language, Authorization";

/// Writes the outcome. Successful GET responses carry a strong `ETag` (a hash of the body; for
/// anonymous callers the response cache puts the content's version in its place),
/// answer a matching `If-None-Match` with 304, and get a `Cache-Control` whose max-age the types
/// in the response decide; responses to authenticated callers are `private`. Everything else is
/// `no-store`.
pub(super) fn respond(outcome: Outcome, media: Media, caching: &Caching) -> Response {
    let mut http = match outcome {
        Outcome::Executed(response, operation_type) => {
            let policy = response.cache_control;
            let shareable = caching.anonymous
                && operation_type == OperationType::Query
                && response.errors.is_empty()
                && policy.public;
            let cacheable = caching.get && response.errors.is_empty();
            let body = write_response(&response);
            let tag = cacheable.then(|| etag::of_body(&body));
            let mut http = (StatusCode::OK, Bytes::from(body)).into_response();
            let headers = http.headers_mut();
            headers.insert(header::CONTENT_TYPE, media.content_type());
            if let Some(tag) = tag {
                let public = caching.anonymous && policy.public;
                let max_age = u32::try_from(policy.max_age).unwrap_or(0);
                headers.insert(header::ETAG, tag);
                headers.insert(header::CACHE_CONTROL, etag::cache_control(public, max_age));
            }
            if shareable {
                http.extensions_mut().insert(Shareable);
            }
            http
        }
        Outcome::Refused(response) => response,
        Outcome::DocumentRefused(errors) => document_error(media, errors),
    };
    let headers = http.headers_mut();
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    headers.insert(header::VARY, HeaderValue::from_static(VARY));
    http
}
