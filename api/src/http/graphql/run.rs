//! One operation, from the request to its outcome: the request is prepared (persisted queries
//! resolved, the document parsed once per node and validated once per operation and
//! variables, the limits and the allow-list applied, the operation picked), executed through a
//! reader that may use what the node keeps only for a query, and its errors given their codes.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use async_graphql::ServerError;
use async_graphql::parser::types::{DocumentOperations, OperationDefinition, OperationType};
use axum::response::Response;

use super::media::{Media, error_code, request_error};
use crate::auth::caller::Caller;
use crate::error::ErrorCode;
use crate::graphql::documents::Kept;
use crate::graphql::engine::Engine;
use crate::graphql::persisted;
use crate::graphql::{RequestContext, document_error_code, too_many_aliases, with_code};
use crate::reads::Reader;
use crate::state::AppState;

/// The outcome of one operation, before it is written to HTTP.
pub(super) enum Outcome {
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

/// A request ready to execute.
struct Prepared {
    request: async_graphql::Request,
    operation_type: OperationType,
    /// Whether article nodes may be written as JSON at once (see `graphql::render`).
    writes_nodes: bool,
    /// The document as this node keeps it, the key of the operation and variables, and whether
    /// they passed validation before.
    validation: Option<(Arc<Kept>, Box<str>, bool)>,
}

/// Runs one operation of an HTTP request.
pub(super) async fn run(
    state: &AppState,
    engine: &Engine,
    caller: &Caller,
    login_tried: &Arc<AtomicBool>,
    request: async_graphql::Request,
    is_get: bool,
    media: Media,
) -> Outcome {
    let prepared = match prepare(state, engine, caller, request, is_get, media) {
        Ok(prepared) => prepared,
        Err(outcome) => return *outcome,
    };
    let operation_type = prepared.operation_type;
    let mut response = execute(state, engine, caller, login_tried, prepared).await;
    give_codes(&mut response);
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

/// Everything checked before execution; an outcome when the request is refused.
fn prepare(
    state: &AppState,
    engine: &Engine,
    caller: &Caller,
    mut request: async_graphql::Request,
    is_get: bool,
    media: Media,
) -> Result<Prepared, Box<Outcome>> {
    if let Some(refused) = resolve_persisted(state, engine, caller, &mut request, media) {
        return Err(Box::new(Outcome::Refused(refused)));
    }
    if request.query.trim().is_empty() {
        return Err(refused(
            media,
            ErrorCode::BadRequest,
            "the request has no `query`",
        ));
    }
    if crate::graphql::carries_nul(&request) {
        return Err(refused(
            media,
            ErrorCode::BadUserInput,
            "the request contains a NUL character (U+0000), which no field accepts",
        ));
    }
    let allow_list = state.config.persisted_queries_only && caller.identity.is_none();
    let registered = allow_list
        && engine
            .persisted
            .is_registered(&persisted::hash(&request.query));
    let validation = parse(engine, &mut request);
    let operation_name = request.operation_name.clone();
    let document = match request.parsed_query() {
        Ok(document) => document,
        Err(error) => {
            let code = document_error_code(&error.message).unwrap_or(ErrorCode::GraphqlParseFailed);
            return Err(Box::new(Outcome::DocumentRefused(vec![with_code(
                error, code,
            )])));
        }
    };
    if let Some(error) = too_many_aliases(document, state.config.graphql.max_aliases) {
        return Err(Box::new(Outcome::DocumentRefused(vec![error])));
    }
    let operation = pick_operation(&document.operations, operation_name.as_deref())?;
    // Allow-list mode: anonymous queries must be registered operations. Mutations stay open,
    // since every one but `login` and `refreshToken` needs credentials anyway.
    if allow_list && operation.ty == OperationType::Query && !registered {
        return Err(refused(
            media,
            ErrorCode::PersistedQueryNotAllowed,
            "this server runs only registered operations for anonymous clients",
        ));
    }
    if is_get && operation.ty != OperationType::Query {
        return Err(refused(
            media,
            ErrorCode::MethodNotAllowed,
            "only queries may be sent with GET; send mutations with POST",
        ));
    }
    let operation_type = operation.ty;
    let writes_nodes = operation_type == OperationType::Query
        && crate::graphql::render::merge_free(operation, &document.fragments);
    Ok(Prepared {
        request,
        operation_type,
        writes_nodes,
        validation,
    })
}

fn refused(media: Media, code: ErrorCode, message: &str) -> Box<Outcome> {
    Box::new(Outcome::Refused(request_error(code, media, message)))
}

/// Parses the document, or copies the one this node parsed before; says whether the same
/// operation and variables passed validation before.
fn parse(
    engine: &Engine,
    request: &mut async_graphql::Request,
) -> Option<(Arc<Kept>, Box<str>, bool)> {
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
    kept.and_then(|kept| {
        let key = crate::graphql::documents::request_key(request)?;
        let validated = engine.documents.was_validated(&kept, &key);
        Some((kept, key, validated))
    })
}

/// The operation to run: the only one, or the one named.
fn pick_operation<'a>(
    operations: &'a DocumentOperations,
    name: Option<&str>,
) -> Result<&'a OperationDefinition, Box<Outcome>> {
    let operation = match (operations, name) {
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
    operation.ok_or_else(|| {
        let message = match name {
            Some(name) => format!("the document has no operation named `{name}`"),
            None => "the document has several operations; name one in `operationName`".to_owned(),
        };
        let error = with_code(
            ServerError::new(message, None),
            ErrorCode::OperationNotFound,
        );
        Box::new(Outcome::DocumentRefused(vec![error]))
    })
}

/// Executes a prepared request. A query may read what the node keeps (people, institutions,
/// an article's links, list pages); a mutation's answer must show its own write, and the
/// writer's node drops what it keeps at once.
async fn execute(
    state: &AppState,
    engine: &Engine,
    caller: &Caller,
    login_tried: &Arc<AtomicBool>,
    prepared: Prepared,
) -> async_graphql::Response {
    let Prepared {
        request,
        operation_type,
        writes_nodes,
        validation,
    } = prepared;
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
    let response = schema.execute(request).await;
    drop(permit);
    // Executed with data: the request passed validation.
    if let Some((kept, key, false)) = validation
        && response.data != async_graphql::Value::Null
    {
        engine.documents.validated(&kept, key);
    }
    if operation_type == OperationType::Mutation {
        // Mutations that change no content (`login`, tokens) leave what is kept alone.
        if let Err(error) = state.reads.version.observe_change_log(&state.db.conn).await {
            tracing::warn!(%error, "cannot read the change log; dropping what the node keeps");
            state.reads.version.invalidate();
        }
    }
    response
}

/// Gives every error its code. Errors raised by the library itself carry none; ours always do.
/// A limit gets its own code; another error about the document as a whole (no path, nothing
/// executed) failed validation; the rest (an argument that does not coerce, say) are a
/// client's error.
fn give_codes(response: &mut async_graphql::Response) {
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
}
