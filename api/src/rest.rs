//! The JSON REST API at `/api/v1`: thin handlers over the same read layer and domain as GraphQL,
//! so visibility and validation are identical, with an OpenAPI 3.1 document generated from
//! them ([`openapi`]). Handlers take the [`Caller`] and typed [`params`], and answer
//! `Result<`[`pages::Cached`]`, AppError>`: the HTTP edge writes the JSON with its validator,
//! or the error envelope.

mod articles;
mod catalog;
mod openapi;
mod pages;
mod params;
mod search;
mod sync;
mod views;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::OpenApi;

use crate::auth::caller::Caller;
use crate::reads::{Reader, Viewer};
use crate::state::AppState;

pub use openapi::ApiDoc;
pub use pages::Cached;

/// The OpenAPI document, as checked in at `openapi.json`.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

/// What `caller` may see.
fn viewer(state: &AppState, caller: &Caller) -> Viewer {
    caller.viewer(state.config.site_utc_offset)
}

/// The reader of a REST read: through what the node keeps, when it may (REST writes nothing).
async fn reader(state: &AppState, caller: &Caller) -> Reader {
    Reader::for_reading(
        state.db.conn.clone(),
        &state.reads,
        viewer(state, caller),
        caller.position_read,
    )
    .await
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
        return crate::error::AppError::bad_input(
            "uri",
            "the URL contains a NUL character (%00), which no parameter accepts",
        )
        .into_response();
    }
    next.run(request).await
}

/// The REST routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/articles", get(articles::list_articles))
        .route("/api/v1/articles/{slug}", get(articles::get_article))
        .route("/api/v1/sections", get(catalog::list_sections))
        .route("/api/v1/sections/{slug}", get(catalog::get_section))
        .route("/api/v1/institutions", get(catalog::list_institutions))
        .route("/api/v1/institutions/{slug}", get(catalog::get_institution))
        .route("/api/v1/people", get(catalog::list_people))
        .route("/api/v1/people/{slug}", get(catalog::get_person))
        .route("/api/v1/agreements", get(catalog::list_agreements))
        .route("/api/v1/agreements/{slug}", get(catalog::get_agreement))
        .route("/api/v1/sync", get(sync::sync))
        .route("/api/v1/search", get(search::search))
        .route("/api/v1/openapi.json", get(openapi::openapi))
        .route("/api/v1/docs", get(openapi::docs))
        .layer(axum::middleware::from_fn(refuse_nul))
}
