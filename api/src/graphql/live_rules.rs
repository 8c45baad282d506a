//! The rules of HTTP, for the websocket schema, where no handler of ours sees the document: the
//! codes of document errors and the alias limit (as [`super::extension`] gives them over HTTP),
//! NUL characters refused, the persisted-only policy for anonymous connections, subscriptions
//! only (queries and mutations go over HTTP), and at most so many subscriptions per connection.
//! The depth, complexity and directive limits are the schema's own, as over HTTP.
//!
//! Any extension makes async-graphql route every field through the extension chain, so the HTTP
//! schema has none: only the websocket schema installs [`LiveRules`].

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
    NextSubscribe, NextValidation,
};
use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Request, Response, ServerError, ServerResult, ValidationResult, Variables};

use super::extension::{document_error_code, too_many_aliases, with_code};
use super::persisted::PersistedQueries;
use crate::error::ErrorCode;

/// Installs the rules with the alias limit.
pub struct LiveRules {
    /// Most aliases allowed in one document.
    pub max_aliases: usize,
}

impl ExtensionFactory for LiveRules {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LiveRulesExtension {
            max_aliases: self.max_aliases,
        })
    }
}

struct LiveRulesExtension {
    max_aliases: usize,
}

/// What a connection holds: its place among its client's connections (given back when the
/// connection ends), the registered operations it is limited to (an anonymous connection in
/// allow-list mode), and its subscriptions (counted, at most `max`).
pub struct LiveConnection {
    _place: Box<dyn std::any::Any + Send + Sync>,
    registered_only: Option<Arc<PersistedQueries>>,
    subscriptions: Arc<AtomicUsize>,
    max: usize,
}

impl LiveConnection {
    /// A connection holding `place`, allowed `max` subscriptions at once, and only the
    /// operations of `registered_only` when given.
    pub fn new(
        place: impl std::any::Any + Send + Sync,
        registered_only: Option<Arc<PersistedQueries>>,
        max: usize,
    ) -> Self {
        Self {
            _place: Box::new(place),
            registered_only,
            subscriptions: Arc::default(),
            max,
        }
    }
}

/// One subscription's place among its connection's; given back when the subscription ends.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn refused(code: ErrorCode, message: impl Into<String>) -> ServerError {
    with_code(ServerError::new(message, None), code)
}

#[async_trait::async_trait]
impl Extension for LiveRulesExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if super::carries_nul(&request) {
            return Err(refused(
                ErrorCode::BadUserInput,
                "the request contains a NUL character (U+0000), which no field accepts",
            ));
        }
        let registered_only = ctx
            .data_opt::<LiveConnection>()
            .and_then(|connection| connection.registered_only.as_ref());
        if let Some(registered) = registered_only
            && !registered.is_registered(&super::persisted::hash(&request.query))
        {
            return Err(refused(
                ErrorCode::PersistedQueryNotAllowed,
                "this server runs only registered operations for anonymous clients",
            ));
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await.map_err(|error| {
            let code = document_error_code(&error.message).unwrap_or(ErrorCode::GraphqlParseFailed);
            with_code(error, code)
        })?;
        if let Some(error) = too_many_aliases(&document, self.max_aliases) {
            return Err(error);
        }
        let only_subscriptions = document
            .operations
            .iter()
            .all(|(_, operation)| operation.node.ty == OperationType::Subscription);
        if !only_subscriptions {
            return Err(refused(
                ErrorCode::MethodNotAllowed,
                "this socket carries subscriptions; send queries and mutations over HTTP (POST /graphql)",
            ));
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|error| {
                    let code = document_error_code(&error.message)
                        .unwrap_or(ErrorCode::GraphqlValidationFailed);
                    with_code(error, code)
                })
                .collect()
        })
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let Some(connection) = ctx.data_opt::<LiveConnection>() else {
            return next.run(ctx, stream);
        };
        let taken = connection.subscriptions.fetch_add(1, Ordering::SeqCst);
        let counted = Counted(connection.subscriptions.clone());
        if taken >= connection.max {
            let error = refused(
                ErrorCode::RateLimited,
                format!(
                    "a connection holds at most {} subscriptions; end one first",
                    connection.max
                ),
            );
            drop(counted);
            return stream::once(async move { Response::from_errors(vec![error]) }).boxed();
        }
        next.run(ctx, stream)
            .map(move |response| {
                let _held = &counted;
                response
            })
            .boxed()
    }
}
