//! GraphQL over HTTP, following the GraphQL-over-HTTP specification rather than library
//! defaults: GET for queries only (405 for a mutation), POST with `application/json` only (415
//! otherwise), a body limit (413), the response media type negotiated from `Accept` (406 when
//! nothing fits), and 400 without `data` for documents that fail to parse or validate under
//! `application/graphql-response+json`. Batches are refused unless configured on.

mod media;
mod respond;
mod run;

use async_graphql::http::GraphiQLSource;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use axum::Extension;

use media::{APPLICATION_JSON, Media, negotiate, refused_credentials, request_error, wants_html};
use respond::{Caching, VARY, respond};
use run::{Outcome, run};

use crate::auth::caller::Caller;
use crate::error::{AppError, ErrorCode};
use crate::graphql::engine::Engine;
use crate::graphql::render::write_response;
use crate::state::AppState;

/// Parses the URL parameters of a GET request: `query`, `operationName`, `variables` and
/// `extensions` (the last two as JSON).
fn parse_get(query_string: &str) -> Result<async_graphql::Request, String> {
    let mut request = async_graphql::Request::new("");
    for (key, value) in url::form_urlencoded::parse(query_string.as_bytes()) {
        match key.as_ref() {
            "query" => request.query = value.into_owned(),
            "operationName" => {
                request.operation_name = Some(value.into_owned()).filter(|name| !name.is_empty())
            }
            "variables" => {
                request.variables = serde_json::from_str(&value)
                    .map_err(|error| format!("`variables` is not a JSON object: {error}"))?;
            }
            "extensions" => {
                request.extensions = serde_json::from_str(&value)
                    .map_err(|error| format!("`extensions` is not a JSON object: {error}"))?;
            }
            _ => {}
        }
    }
    Ok(request)
}

/// `GET /graphql`: GraphiQL for a browser, otherwise a query from the URL parameters.
pub async fn get(
    State(state): State<AppState>,
    Extension(engine): Extension<Arc<Engine>>,
    caller: Result<Caller, AppError>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    if query.is_empty() && wants_html(&headers) {
        return Html(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .title("Newsdesk GraphQL")
                .finish(),
        )
        .into_response();
    }
    let Some(media) = negotiate(&headers) else {
        return request_error(
            ErrorCode::NotAcceptable,
            Media::Json,
            "accept application/graphql-response+json or application/json",
        );
    };
    let request = match parse_get(&query) {
        Ok(request) => request,
        Err(error) => {
            return request_error(
                ErrorCode::BadRequest,
                media,
                format!("the URL parameters are not a GraphQL request: {error}"),
            );
        }
    };
    let caller = match caller {
        Ok(caller) => caller,
        Err(error) => return refused_credentials(error, media),
    };
    let caching = Caching::new(true, Some(&caller));
    let login_tried = Arc::default();
    respond(
        run(&state, &engine, &caller, &login_tried, request, true, media).await,
        media,
        &caching,
    )
}

/// `POST /graphql`: a JSON body with `query`, `operationName`, `variables`, `extensions`.
pub async fn post(
    State(state): State<AppState>,
    Extension(engine): Extension<Arc<Engine>>,
    caller: Result<Caller, AppError>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return request_error(
            ErrorCode::NotAcceptable,
            Media::Json,
            "accept application/graphql-response+json or application/json",
        );
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let charset_ok = content_type
        .split(';')
        .skip(1)
        .filter_map(|param| param.trim().strip_prefix("charset="))
        .all(|charset| charset.trim_matches('"').eq_ignore_ascii_case("utf-8"));
    if essence != APPLICATION_JSON || !charset_ok {
        return request_error(
            ErrorCode::UnsupportedMediaType,
            media,
            "send the request body as application/json (UTF-8)",
        );
    }
    let limit = state.config.max_body_bytes;
    let too_large = || {
        request_error(
            ErrorCode::PayloadTooLarge,
            media,
            format!("the request body is over the limit of {limit} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit) {
        return too_large();
    }
    let bytes = match axum::body::to_bytes(body, usize::try_from(limit).unwrap_or(usize::MAX)).await
    {
        Ok(bytes) => bytes,
        Err(_) => return too_large(),
    };

    let caller = match caller {
        Ok(caller) => caller,
        Err(error) => return refused_credentials(error, media),
    };
    let login_tried = Arc::default();
    let is_batch = bytes.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'[');
    if is_batch {
        return post_batch(&state, &engine, &caller, &login_tried, &bytes, media).await;
    }
    match serde_json::from_slice::<async_graphql::Request>(&bytes) {
        Ok(request) => respond(
            run(
                &state,
                &engine,
                &caller,
                &login_tried,
                request,
                false,
                media,
            )
            .await,
            media,
            &Caching::new(false, Some(&caller)),
        ),
        Err(error) => request_error(
            ErrorCode::BadRequest,
            media,
            format!("the body is not a GraphQL request: {error}"),
        ),
    }
}

async fn post_batch(
    state: &AppState,
    engine: &Engine,
    caller: &Caller,
    login_tried: &Arc<AtomicBool>,
    bytes: &[u8],
    media: Media,
) -> Response {
    let limits = &state.config.graphql;
    if !limits.batch {
        return request_error(
            ErrorCode::BatchNotEnabled,
            media,
            "batched requests are not enabled on this server",
        );
    }
    let requests = match serde_json::from_slice::<Vec<async_graphql::Request>>(bytes) {
        Ok(requests) => requests,
        Err(error) => {
            return request_error(
                ErrorCode::BadRequest,
                media,
                format!("the body is not a GraphQL batch: {error}"),
            );
        }
    };
    if requests.is_empty() || requests.len() > limits.max_batch {
        return request_error(
            ErrorCode::BadRequest,
            media,
            format!("a batch holds 1 to {} operations", limits.max_batch),
        );
    }
    let mut bodies = Vec::with_capacity(requests.len());
    for request in requests {
        let value = match run(state, engine, caller, login_tried, request, false, media).await {
            Outcome::Executed(response, _) => write_response(&response),
            Outcome::DocumentRefused(errors) => json!({ "errors": errors }).to_string().into(),
            Outcome::Refused(_) => {
                json!({ "errors": [{ "message": "refused", "extensions": { "code": ErrorCode::BadRequest.as_str() } }] }).to_string().into()
            }
        };
        bodies.push(value);
    }
    let mut response = (StatusCode::OK, bodies_as_array(bodies)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, media.content_type());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::VARY, HeaderValue::from_static(VARY));
    response
}

/// JSON documents as one JSON array.
fn bodies_as_array(bodies: Vec<Vec<u8>>) -> Vec<u8> {
    let mut array =
        Vec::with_capacity(bodies.iter().map(Vec::len).sum::<usize>() + bodies.len() + 1);
    array.push(b'[');
    for (n, body) in bodies.iter().enumerate() {
        if n > 0 {
            array.push(b',');
        }
        array.extend_from_slice(body);
    }
    array.push(b']');
    array
}

/// Any other method on `/graphql`.
pub async fn method_not_allowed() -> Response {
    let mut response = request_error(ErrorCode::MethodNotAllowed, Media::Json, "use GET or POST");
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    response
}
