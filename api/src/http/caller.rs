//! The caller extractor: who sent a request, from its `Authorization` header (a bearer access
//! token or API token, still live), its `Accept-Language` and the client's address. GraphQL
//! over HTTP, the websocket and REST all take their [`Caller`] from here. A header that does
//! not check out is refused with 401; no header is an anonymous caller.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use crate::auth::caller::Caller;
use crate::auth::credentials;
use crate::error::AppError;
use crate::state::AppState;

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| *addr);
        let client = client_address(state, &parts.headers, peer);
        identify(state, &parts.headers, client).await
    }
}

/// The caller whose request carries `headers`, from `client`.
pub async fn identify(
    state: &AppState,
    headers: &HeaderMap,
    client: String,
) -> Result<Caller, AppError> {
    let locale = preferred_locale(headers);
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Caller {
            identity: None,
            credential: None,
            position_read: false,
            locale,
            client,
        });
    };
    let value = value
        .to_str()
        .map_err(|_| AppError::Unauthenticated("use `Authorization: Bearer <token>`"))?;
    let authenticated = credentials::authenticate(&state.db.conn, &state.keys, value).await?;
    // Read with the credentials, before the request reads anything: the node drops what it
    // keeps that the caller may expect to have changed.
    if let Some(position) = authenticated.log_position {
        state.reads.version.observe_position(position);
    }
    Ok(Caller {
        position_read: authenticated.log_position.is_some(),
        identity: Some(authenticated.identity),
        credential: Some(authenticated.credential),
        locale,
        client,
    })
}

/// The client's address: the first `X-Forwarded-For` entry when the proxy is trusted and it is
/// an address, else the connection's peer (`unknown` without one).
pub fn client_address(state: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    let forwarded = state
        .config
        .trust_forwarded_for
        .then(|| {
            headers
                .get("x-forwarded-for")
                .and_then(|value| value.to_str().ok())
        })
        .flatten()
        .and_then(|value| value.split(',').next())
        // Only an address: the header is the client's to write when no proxy overwrites it.
        .and_then(|value| value.trim().parse::<std::net::IpAddr>().ok())
        .map(|address| address.to_string());
    forwarded
        .or_else(|| peer.map(|addr| addr.ip().to_string()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The language a client prefers, from `Accept-Language`: the highest-weighted of the languages
/// we publish in (any `zh-*` is Chinese, any `en-*` English).
fn preferred_locale(headers: &HeaderMap) -> Option<entities::enums::Locale> {
    let header = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut best: Option<(f32, entities::enums::Locale)> = None;
    for entry in header.split(',') {
        let mut parts = entry.split(';').map(str::trim);
        let tag = parts.next().unwrap_or_default().to_ascii_lowercase();
        let quality = parts
            .filter_map(|param| param.strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let locale = match tag.split('-').next() {
            Some("zh") => entities::enums::Locale::Zh,
            Some("en") => entities::enums::Locale::En,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, locale));
        }
    }
    best.map(|(_, locale)| locale)
}
