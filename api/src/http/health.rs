//! `/healthz` (the process is alive) and `/readyz` (the database answers and is migrated).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::{Value, json};

use crate::graphql::engine::Engine;
use crate::http::response_cache::ResponseCache;
use crate::state::AppState;

/// Counters in the Prometheus text format: SQL statements run, the response cache's hits,
/// misses, size and invalidations, and how article nodes were rendered.
pub async fn metrics(
    State(state): State<AppState>,
    Extension(engine): Extension<Arc<Engine>>,
    Extension(responses): Extension<Arc<ResponseCache>>,
) -> impl axum::response::IntoResponse {
    let cache = responses.stats();
    let (reads, read_bytes) = state.reads.kept.size();
    let lines = [
        (
            "newsdesk_sql_statements_total",
            "counter",
            "SQL statements run by requests.",
            state.db.statement_count(),
        ),
        (
            "newsdesk_response_cache_hits_total",
            "counter",
            "Requests answered from the response cache.",
            cache.hits,
        ),
        (
            "newsdesk_response_cache_misses_total",
            "counter",
            "Cacheable requests that had to be rendered.",
            cache.misses,
        ),
        (
            "newsdesk_response_cache_invalidations_total",
            "counter",
            "Times the response cache was emptied.",
            state.reads.version.invalidations(),
        ),
        (
            "newsdesk_response_cache_collapsed_total",
            "counter",
            "Requests that waited for an identical request being rendered.",
            cache.collapsed,
        ),
        (
            "newsdesk_not_modified_unrendered_total",
            "counter",
            "Conditional requests answered 304 from the content's version, without rendering.",
            cache.not_modified,
        ),
        (
            "newsdesk_response_cache_entries",
            "gauge",
            "Responses held.",
            cache.entries as u64,
        ),
        (
            "newsdesk_response_cache_bytes",
            "gauge",
            "Bytes held by the response cache.",
            cache.bytes,
        ),
        (
            "newsdesk_kept_reads",
            "gauge",
            "Reads kept (list pages and totals, articles by slug).",
            reads as u64,
        ),
        (
            "newsdesk_kept_read_bytes",
            "gauge",
            "Bytes held by kept reads (approximately).",
            read_bytes,
        ),
        (
            "newsdesk_kept_reads_collapsed_total",
            "counter",
            "Reads that waited for an identical one being made instead of reading.",
            state.reads.kept.collapsed(),
        ),
        (
            "newsdesk_graphql_article_nodes_direct_total",
            "counter",
            "Article list nodes rendered straight from the prefetched rows.",
            engine.rendering.direct(),
        ),
        (
            "newsdesk_graphql_validations_skipped_total",
            "counter",
            "Queries executed without the full validation rules: the same document, operation and variables passed them before.",
            engine.documents.validations_skipped(),
        ),
        (
            "newsdesk_graphql_documents_kept",
            "gauge",
            "Parsed GraphQL documents kept, by their text.",
            engine.documents.len() as u64,
        ),
        (
            "newsdesk_graphql_article_nodes_resolved_total",
            "counter",
            "Article list nodes rendered by the resolvers (a selection the direct path leaves to them).",
            engine.rendering.by_resolvers(),
        ),
    ];
    let mut text = String::new();
    for (name, kind, help, value) in lines {
        text.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        ));
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
}

/// Liveness: answers as long as the process serves HTTP.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: 200 when the database answers and every migration is applied, 503 otherwise.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.db.readiness().await {
        Ok(0) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Ok(pending) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "migrations pending", "pending": pending })),
        ),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "database unavailable" })),
            )
        }
    }
}
