//! The JSON REST API at `/api/v1`: thin handlers over the same domain functions as GraphQL, so
//! visibility and validation are identical, with an OpenAPI 3.1 document generated from them.

mod handlers;
mod views;

use axum::Router;
use axum::routing::get;
use utoipa::OpenApi;

use crate::state::AppState;

pub use handlers::ApiDoc;

/// The OpenAPI document, as checked in at `openapi.json`.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

/// Refuses a request whose path or query string carries an encoded NUL character (`%00`): no
/// parameter accepts one, and PostgreSQL refuses them in text.
async fn refuse_nul(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let uri = request.uri();
    let carries_nul = |part: &str| part.contains("%00");
    if carries_nul(uri.path()) || uri.query().is_some_and(carries_nul) {
        return handlers::error(crate::error::AppError::bad_input(
            "uri",
            "the URL contains a NUL character (%00), which no parameter accepts",
        ));
    }
    next.run(request).await
}

/// The REST routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/articles", get(handlers::list_articles))
        .route("/api/v1/articles/{slug}", get(handlers::get_article))
        .route("/api/v1/sections", get(handlers::list_sections))
        .route("/api/v1/sections/{slug}", get(handlers::get_section))
        .route("/api/v1/institutions", get(handlers::list_institutions))
        .route(
            "/api/v1/institutions/{slug}",
            get(handlers::get_institution),
        )
        .route("/api/v1/people", get(handlers::list_people))
        .route("/api/v1/people/{slug}", get(handlers::get_person))
        .route("/api/v1/agreements", get(handlers::list_agreements))
        .route("/api/v1/agreements/{slug}", get(handlers::get_agreement))
        .route("/api/v1/sync", get(handlers::sync))
        .route("/api/v1/search", get(handlers::search))
        .route("/api/v1/openapi.json", get(handlers::openapi))
        .route("/api/v1/docs", get(handlers::docs))
        .layer(axum::middleware::from_fn(refuse_nul))
}
