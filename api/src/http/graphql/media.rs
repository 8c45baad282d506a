//! The media types of GraphQL over HTTP: the response's negotiated from `Accept`, and the
//! errors a request gets before anything runs (same status under either type), or for a
//! document refused (400 under `application/graphql-response+json`, 200 under
//! `application/json`, as the specification asks).

use async_graphql::{ErrorExtensionValues, ServerError};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::{AppError, ErrorCode};
use crate::graphql::with_code;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub(super) const APPLICATION_JSON: &str = "application/json";

/// The media type the response is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Media {
    /// `application/graphql-response+json`: HTTP status codes carry request errors.
    GraphqlResponse,
    /// `application/json`: the legacy media type; request errors still get 200.
    Json,
}

impl Media {
    pub(super) fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Media::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        })
    }
}

/// Picks the response media type from `Accept`: the acceptable type with the highest q-value,
/// earlier entries winning ties. No header means `application/json`.
pub(super) fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
    else {
        return Some(Media::Json);
    };
    let mut best: Option<(f32, Media)> = None;
    for entry in accept.split(',') {
        let mut parts = entry.split(';').map(str::trim);
        let range = parts.next().unwrap_or_default().to_ascii_lowercase();
        let quality = parts
            .filter_map(|param| param.strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let media = match range.as_str() {
            GRAPHQL_RESPONSE_JSON => Media::GraphqlResponse,
            APPLICATION_JSON | "application/*" | "*/*" => Media::Json,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, media));
        }
    }
    best.map(|(_, media)| media)
}

pub(super) fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// A response carrying only errors, with no `data` entry.
pub(super) fn error_response(
    status: StatusCode,
    media: Media,
    errors: Vec<ServerError>,
) -> Response {
    let body = json!({ "errors": errors });
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    response
}

/// A transport-level error (not about the document): same status under either media type.
pub(super) fn request_error(code: ErrorCode, media: Media, message: impl Into<String>) -> Response {
    let error = with_code(ServerError::new(message, None), code);
    let mut response = error_response(code.status(), media, vec![error]);
    if code == ErrorCode::MethodNotAllowed {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    response
}

/// The answer to credentials that were refused (or could not be checked), in GraphQL's shape.
pub(super) fn refused_credentials(error: AppError, media: Media) -> Response {
    error.log();
    let code = error.code();
    let mut response = request_error(code, media, error.to_string());
    if code == ErrorCode::Unauthenticated {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// The status for a refused document: 400 under the new media type, 200 under the legacy one.
pub(super) fn document_error(media: Media, errors: Vec<ServerError>) -> Response {
    let status = match media {
        Media::GraphqlResponse => StatusCode::BAD_REQUEST,
        Media::Json => StatusCode::OK,
    };
    error_response(status, media, errors)
}

pub(super) fn error_code(error: &ServerError) -> Option<ErrorCode> {
    let extensions: &ErrorExtensionValues = error.extensions.as_ref()?;
    match extensions.get("code")? {
        async_graphql::Value::String(code) => ErrorCode::from_str_code(code),
        _ => None,
    }
}
