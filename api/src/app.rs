//! Builds the router on the application's state and its GraphQL engine, and runs the server.
//! Tests build the app with the same functions as production.

use std::sync::Arc;

use axum::http::{HeaderName, Request};
use axum::routing::get;
use axum::{Extension, Router};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnRequest, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::graphql::engine::Engine;
use crate::http;
use crate::http::response_cache::{self, ResponseCache};
use crate::state::{AppState, StartupError};

/// The router: GraphQL, REST, health probes, request ids and request logs.
pub fn router(state: AppState, engine: Arc<Engine>) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let sockets = Arc::new(http::live::Connections::default());
    let responses = ResponseCache::new(
        u64::from(state.config.response_cache_mb) * 1024 * 1024,
        state.reads.clone(),
    );
    Router::new()
        .route(
            "/graphql",
            get(http::graphql::get)
                .post(http::graphql::post)
                .fallback(http::graphql::method_not_allowed),
        )
        .route("/graphql/ws", get(http::live::websocket))
        .merge(crate::rest::routes())
        .route("/healthz", get(http::health::healthz))
        .route("/readyz", get(http::health::readyz))
        .route("/metrics", get(http::health::metrics))
        .with_state(state.clone())
        .layer(Extension(engine))
        .layer(Extension(sockets))
        .layer(Extension(responses.clone()))
        // gzip or brotli, as the client accepts; small bodies and 304s stay as they are.
        .layer(CompressionLayer::new())
        // Outside compression, so that a hit costs neither rendering nor compressing.
        .layer(axum::middleware::from_fn_with_state(
            responses,
            response_cache::middleware,
        ))
        // Outside the cache: a 304 for whatever answered, the cache or a handler.
        .layer(axum::middleware::from_fn(http::etag::conditional))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            let id = request
                .headers()
                .get("x-request-id")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), request_id = %id)
        })
        .on_request(DefaultOnRequest::new().level(Level::DEBUG))
        .on_response(DefaultOnResponse::new().level(Level::INFO)))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        // A bug must not take the node down with it: a request that panics gets a 500 (and a
        // log line with the cause); every other request goes on.
        .layer(CatchPanicLayer::custom(panicked))
}

/// The answer to a request whose handler panicked: the cause is logged, the client gets the
/// generic internal error.
fn panicked(cause: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let cause = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(cause, "a request panicked");
    let body = serde_json::json!({
        "errors": [{ "message": "internal server error", "extensions": { "code": "INTERNAL_SERVER_ERROR" } }]
    });
    (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Serves until SIGTERM or Ctrl-C, then lets requests in flight finish.
pub async fn serve(state: AppState, engine: Arc<Engine>) -> Result<(), StartupError> {
    let addr = state.config.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartupError::Bind { addr, source })?;
    tracing::info!(%addr, "serving GraphQL at http://{addr}/graphql");
    let worker = crate::webhooks::spawn_worker(
        state.db.background.clone(),
        crate::webhooks::Settings::from_config(&state.config),
        state.changes.head(),
    )
    .map_err(|error| StartupError::Command(error.to_string()))?;
    let service =
        router(state, engine).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(StartupError::Serve)?;
    worker.abort();
    tracing::info!("shut down");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing requests in flight");
}
