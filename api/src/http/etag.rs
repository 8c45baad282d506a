//! Validators and caching headers, in one place. A successful GET response carries a strong `ETag`: a hash of its
//! body ([`of_body`]), or, for a response every anonymous caller shares, the content's version
//! (put in by the response cache). [`conditional`] answers a request whose `If-None-Match`
//! names the response's tag with 304 Not Modified, whoever rendered it; nothing else reads
//! `If-None-Match`.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::rest::Cached;

/// Marks a response that every anonymous caller may be given (set by handlers, in the
/// response's extensions): the response cache keeps it, and gives it the content's version as
/// its validator.
#[derive(Debug, Clone, Copy)]
pub struct Shareable;

/// The strong validator of a body: the first 40 hex digits of its SHA-256, quoted.
pub fn of_body(body: &[u8]) -> HeaderValue {
    use sha2::Digest;
    let hex = hex::encode(sha2::Sha256::digest(body));
    HeaderValue::from_str(&format!("\"{}\"", &hex[..40]))
        .unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// The `Cache-Control` of a response with a validator: `public` ones may be kept `max_age`
/// seconds by anyone (and must be revalidated when 0); the others only by the caller, and
/// revalidated every time.
pub fn cache_control(public: bool, max_age: u32) -> HeaderValue {
    match (public, max_age) {
        (false, _) => HeaderValue::from_static("private, no-cache"),
        (true, 0) => HeaderValue::from_static("public, no-cache"),
        (true, seconds) => HeaderValue::from_str(&format!("public, max-age={seconds}"))
            .unwrap_or_else(|_| HeaderValue::from_static("public, no-cache")),
    }
}

/// Whether the request's `If-None-Match` names `etag` (or `*`), compared weakly as RFC 9110
/// asks for `If-None-Match`.
pub fn matches(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let (Ok(etag), Some(header)) = (
        etag.to_str(),
        request
            .get(header::IF_NONE_MATCH)
            .and_then(|value| value.to_str().ok()),
    ) else {
        return false;
    };
    let etag = etag.trim_start_matches("W/");
    header
        .split(',')
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*")
}

/// A 304 Not Modified with the headers RFC 9110 asks a 304 to repeat of the full response
/// (`ETag`, `Cache-Control`, `Vary`), taken from `headers`.
pub fn not_modified(headers: &HeaderMap) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
        if let Some(value) = headers.get(&name) {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

/// A REST read: its JSON with its validator and `Cache-Control`; public ones are [`Shareable`].
impl IntoResponse for Cached {
    fn into_response(self) -> Response {
        let mut response = Response::new(axum::body::Body::empty());
        let headers = response.headers_mut();
        headers.insert(header::ETAG, of_body(&self.body));
        headers.insert(
            header::CACHE_CONTROL,
            cache_control(self.public, self.max_age),
        );
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            header::VARY,
            HeaderValue::from_static("Accept-Encoding, Authorization"),
        );
        if self.public {
            response.extensions_mut().insert(Shareable);
        }
        *response.body_mut() = axum::body::Body::from(self.body);
        response
    }
}

/// The middleware: a GET (or HEAD) whose `If-None-Match` names the tag of the 200 response
/// gets 304 instead.
pub async fn conditional(request: Request, next: Next) -> Response {
    let conditional = matches!(*request.method(), Method::GET | Method::HEAD)
        && request.headers().contains_key(header::IF_NONE_MATCH);
    if !conditional {
        return next.run(request).await;
    }
    let validators = request.headers().clone();
    let response = next.run(request).await;
    match response.headers().get(header::ETAG) {
        Some(etag) if response.status() == StatusCode::OK && matches(&validators, etag) => {
            not_modified(response.headers())
        }
        _ => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn a_tag_matches_itself_weakly_in_a_list_and_by_star() {
        let tag = HeaderValue::from_static("\"abc\"");
        assert!(matches(&asking("\"abc\""), &tag));
        assert!(matches(&asking("W/\"abc\""), &tag));
        assert!(matches(&asking("\"x\", \"abc\""), &tag));
        assert!(matches(&asking("*"), &tag));
        assert!(!matches(&asking("\"abd\""), &tag));
        assert!(!matches(&HeaderMap::new(), &tag));
    }
}
