//! GraphQL over HTTP, following the GraphQL-over-HTTP specification rather than library
//! defaults: GET for queries only (405 for a mutation), POST with `application/json` only (415
//! otherwise), a body limit (413), the response media type negotiated from `Accept` (406 when
//! nothing fits), and 400 without `data` for documents that fail to parse or validate under
//! `application/graphql-response+json`. Batches are refused unless configured on.

use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{ErrorExtensionValues, ServerError};
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use axum::Extension;

use crate::auth::caller::Caller;
use crate::error::AppError;
use crate::error::ErrorCode;
use crate::graphql::engine::Engine;
use crate::graphql::persisted;
use crate::graphql::render::write_response;
use crate::graphql::{RequestContext, document_error_code, too_many_aliases, with_code};
use crate::http::etag::{self, Shareable};
use crate::reads::Reader;
use crate::state::AppState;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const APPLICATION_JSON: &str = "application/json";

/// The media type the response is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Media {
    /// `application/graphql-response+json`: HTTP status codes carry request errors.
    GraphqlResponse,
    /// `application/json`: the legacy media type; request errors still get 200.
    Json,
}

impl Media {
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Media::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        })
    }
}

/// Picks the response media type from `Accept`: the acceptable type with the highest q-value,
/// earlier entries winning ties. No header means `application/json`.
fn negotiate(headers: &HeaderMap) -> Option<Media> {
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

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// A response carrying only errors, with no `data` entry.
fn error_response(status: StatusCode, media: Media, errors: Vec<ServerError>) -> Response {
    let body = json!({ "errors": errors });
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    response
}

/// A transport-level error (not about the document): same status under either media type.
fn request_error(code: ErrorCode, media: Media, message: impl Into<String>) -> Response {
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
fn refused_credentials(error: AppError, media: Media) -> Response {
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
fn document_error(media: Media, errors: Vec<ServerError>) -> Response {
    let status = match media {
        Media::GraphqlResponse => StatusCode::BAD_REQUEST,
        Media::Json => StatusCode::OK,
    };
    error_response(status, media, errors)
}

fn error_code(error: &ServerError) -> Option<ErrorCode> {
    let extensions: &ErrorExtensionValues = error.extensions.as_ref()?;
    match extensions.get("code")? {
        async_graphql::Value::String(code) => ErrorCode::from_str_code(code),
        _ => None,
    }
}

/// The outcome of one operation, before it is written to HTTP.
enum Outcome {
    /// Executed (possibly with field errors), with the operation's type.
    Executed(async_graphql::Response, OperationType),
    /// Refused before execution.
    Refused(Response),
    /// The document was refused (parse, validation, limits).
    DocumentRefused(Vec<ServerError>),
}

/// The `sha256Hash` of Apollo's `persistedQuery` extension, if the request has one.
fn persisted_hash(request: &async_graphql::Request) -> Option<String> {
    match request.extensions.get("persistedQuery")? {
        async_graphql::Value::Object(fields) => match fields.get("sha256Hash")? {
            async_graphql::Value::String(hash) => Some(hash.to_ascii_lowercase()),
            _ => None,
        },
        _ => None,
    }
}

/// Applies persisted queries: fills in the query of a hash-only request, remembers new ones, and
/// remembers nothing from anonymous callers in allow-list mode.
fn resolve_persisted(
    state: &AppState,
    engine: &Engine,
    caller: &Caller,
    request: &mut async_graphql::Request,
    media: Media,
) -> Option<Response> {
    let allow_list = state.config.persisted_queries_only && caller.identity.is_none();
    if let Some(hash) = persisted_hash(request) {
        if request.query.trim().is_empty() {
            match engine.persisted.get(&hash) {
                Some(query) => request.query = query,
                None => {
                    return Some(request_error(
                        ErrorCode::PersistedQueryNotFound,
                        media,
                        "PersistedQueryNotFound",
                    ));
                }
            }
        } else if persisted::hash(&request.query) != hash {
            return Some(request_error(
                ErrorCode::BadRequest,
                media,
                "the sha256Hash does not match the query",
            ));
        } else if !allow_list {
            engine.persisted.remember(hash, request.query.clone());
        }
    }
    None
}

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

async fn run(
    state: &AppState,
    engine: &Engine,
    caller: &Caller,
    login_tried: &Arc<AtomicBool>,
    mut request: async_graphql::Request,
    is_get: bool,
    media: Media,
) -> Outcome {
    if let Some(refused) = resolve_persisted(state, engine, caller, &mut request, media) {
        return Outcome::Refused(refused);
    }
    if request.query.trim().is_empty() {
        return Outcome::Refused(request_error(
            ErrorCode::BadRequest,
            media,
            "the request has no `query`",
        ));
    }
    if crate::graphql::carries_nul(&request) {
        return Outcome::Refused(request_error(
            ErrorCode::BadUserInput,
            media,
            "the request contains a NUL character (U+0000), which no field accepts",
        ));
    }
    let operation_name = request.operation_name.clone();
    let allow_list = state.config.persisted_queries_only && caller.identity.is_none();
    let registered = allow_list
        && engine
            .persisted
            .is_registered(&persisted::hash(&request.query));
    // A query this node has parsed before is copied, not parsed again; one it has validated
    // with the same operation and variables is not validated again.
    let kept = match engine.documents.get(&request.query) {
        Some(kept) => {
            request.set_parsed_query(kept.document());
            Some(kept)
        }
        None => match async_graphql::parser::parse_query(&request.query) {
            Ok(document) => {
                let kept = engine.documents.keep(&request.query, &document);
                request.set_parsed_query(document);
                kept
            }
            Err(_) => None,
        },
    };
    let validation = kept.and_then(|kept| {
        let key = crate::graphql::documents::request_key(&request)?;
        let validated = engine.documents.was_validated(&kept, &key);
        Some((kept, key, validated))
    });
    let document = match request.parsed_query() {
        Ok(document) => document,
        Err(error) => {
            let code = document_error_code(&error.message).unwrap_or(ErrorCode::GraphqlParseFailed);
            return Outcome::DocumentRefused(vec![with_code(error, code)]);
        }
    };
    if let Some(error) = too_many_aliases(document, state.config.graphql.max_aliases) {
        return Outcome::DocumentRefused(vec![error]);
    }
    let operation = match (&document.operations, operation_name.as_deref()) {
        (DocumentOperations::Single(operation), None) => Some(&operation.node),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|op| &op.node)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|op| &op.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    };
    let Some(operation) = operation else {
        let message = match operation_name {
            Some(name) => format!("the document has no operation named `{name}`"),
            None => "the document has several operations; name one in `operationName`".to_owned(),
        };
        let error = with_code(
            ServerError::new(message, None),
            ErrorCode::OperationNotFound,
        );
        return Outcome::DocumentRefused(vec![error]);
    };
    // Allow-list mode: anonymous queries must be registered operations. Mutations stay open,
    // since every one but `login` and `refreshToken` needs credentials anyway.
    if allow_list && operation.ty == OperationType::Query && !registered {
        return Outcome::Refused(request_error(
            ErrorCode::PersistedQueryNotAllowed,
            media,
            "this server runs only registered operations for anonymous clients",
        ));
    }
    let operation_type = operation.ty;
    let writes_nodes = operation_type == OperationType::Query
        && crate::graphql::render::merge_free(operation, &document.fragments);
    if is_get && operation.ty != OperationType::Query {
        return Outcome::Refused(request_error(
            ErrorCode::MethodNotAllowed,
            media,
            "only queries may be sent with GET; send mutations with POST",
        ));
    }

    // A query may read what the node keeps (people, institutions, an article's links, list
    // pages); a mutation's answer must show its own write.
    let db = state.db.conn.clone();
    let viewer = caller.viewer(state.config.site_utc_offset);
    let reader = if operation_type == OperationType::Query {
        Reader::for_reading(db, &state.reads, viewer, caller.position_read).await
    } else {
        Reader::new(db, viewer, None)
    };
    let mut context = RequestContext::new(
        state.clone(),
        reader,
        caller.client.clone(),
        login_tried.clone(),
    );
    context.rendering = engine.rendering.clone();
    context.preferred_locale = caller.locale;
    context.writes_nodes = writes_nodes;
    let request = request.data(context);
    // Queries take turns to render (memory stays bounded under a burst); mutations never wait
    // behind them, nor behind each other here (on SQLite their write transactions queue for the
    // one write lock: see `db::begin_write`).
    let permit = match operation_type {
        OperationType::Query => state.renders.acquire().await.ok(),
        _ => None,
    };
    let schema = match &validation {
        Some((_, _, true)) => &engine.validated_schema,
        _ => &engine.schema,
    };
    let mut response = schema.execute(request).await;
    drop(permit);
    // Executed with data: the request passed validation.
    if let Some((kept, key, false)) = validation
        && response.data != async_graphql::Value::Null
    {
        engine.documents.validated(&kept, key);
    }
    if operation_type == OperationType::Mutation {
        // The writer's own node shows a change at once; mutations that change no content
        // (`login`, tokens) leave the cache alone.
        if let Err(error) = state.reads.version.observe_change_log(&state.db.conn).await {
            tracing::warn!(%error, "cannot read the change log; dropping what the node keeps");
            state.reads.version.invalidate();
        }
    }
    // Errors raised by the library itself carry no code; ours always do. A limit gets its own
    // code; another error about the document as a whole (no path, nothing executed) failed
    // validation; the rest (an argument that does not coerce, say) are a client's error.
    let executed = response.data != async_graphql::Value::Null;
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|extensions| extensions.get("code").is_some());
        if !has_code {
            let code = document_error_code(&error.message).unwrap_or(
                if executed || !error.path.is_empty() {
                    ErrorCode::BadUserInput
                } else {
                    ErrorCode::GraphqlValidationFailed
                },
            );
            let taken = std::mem::replace(error, ServerError::new(String::new(), None));
            *error = with_code(taken, code);
        }
    }
    let refused = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response
            .errors
            .iter()
            .all(|error| error_code(error).is_some_and(ErrorCode::is_document_error));
    if refused {
        Outcome::DocumentRefused(response.errors)
    } else {
        Outcome::Executed(response, operation_type)
    }
}

/// What decides how a response may be cached.
struct Caching {
    /// A GET request (POST responses are never cached).
    get: bool,
    /// No credentials: the response is the same for every anonymous reader.
    anonymous: bool,
}

impl Caching {
    fn new(get: bool, caller: Option<&Caller>) -> Self {
        Self {
            get,
            anonymous: caller.is_none_or(|caller| caller.identity.is_none()),
        }
    }
}

/// Responses depend on these request headers.
const VARY: &str = "Accept, Accept-Encoding, Accept-Language, Authorization";

/// Writes the outcome. Successful GET responses carry a strong `ETag` (a hash of the body; for
/// anonymous callers the response cache puts the content's version in its place),
/// answer a matching `If-None-Match` with 304, and get a `Cache-Control` whose max-age the types
/// in the response decide; responses to authenticated callers are `private`. Everything else is
/// `no-store`.
fn respond(outcome: Outcome, media: Media, caching: &Caching) -> Response {
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
