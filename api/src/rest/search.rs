//! `GET /api/v1/search`: full-text search over what the caller may see, as GraphQL's `search`.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::pages::Cached;
use super::params::{Params, SearchParams, SearchTypeParam, listed};
use crate::auth::caller::Caller;
use crate::content::sync::SyncEntity;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::ids::{self, Kind};
use crate::search::SearchKind;
use crate::state::AppState;

/// One search hit.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchHitView {
    /// `article`, `person`, `institution` or `agreement`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Global ID.
    pub id: String,
    /// Slug.
    pub slug: String,
    /// Title or name.
    pub title: String,
    /// Relevance; higher is better.
    pub score: f32,
    /// The title with the matched words in `<b>`.
    pub title_html: String,
    /// A fragment of the text with the matched words in `<b>`.
    pub snippet_html: String,
}

/// A page of search hits.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchPageView {
    /// Hits, best first.
    pub items: Vec<SearchHitView>,
    /// Pass as `after` for the next page.
    pub next_cursor: Option<String>,
    /// Whether more hits follow.
    pub has_more: bool,
}

/// Full-text search over what you may see, as GraphQL's `search`.
#[utoipa::path(get, path = "/api/v1/search", params(SearchParams), responses(
    (status = 200, description = "Hits, best first", body = SearchPageView),
    (status = 400, description = "An empty or too long query, or a bad parameter", body = ErrorBody),
))]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<SearchParams>,
) -> AppResult<Cached> {
    let viewer = super::viewer(&state, &caller);
    let limit = params.limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(AppError::bad_input("limit", "between 1 and 50"));
    }
    let kinds: Vec<SearchKind> = listed::<SearchTypeParam>("types", params.types.as_deref())?
        .into_iter()
        .map(Into::into)
        .collect();
    let offset = crate::search::decode_cursor("after", params.after.as_deref())?;
    let query = if params.q.trim().is_empty() {
        ""
    } else {
        params.q.as_str()
    };
    let (hits, has_more, _) = crate::search::visible_hits(
        &state.db.conn,
        &viewer,
        &state.search,
        query,
        &kinds,
        &crate::search::SearchFilter::default(),
        offset,
        limit,
    )
    .await
    .map_err(|error| match error {
        AppError::BadInput { message, .. } => AppError::bad_input("q", message),
        other => other,
    })?;
    let end = offset + hits.len();
    let items = hits
        .into_iter()
        .map(|visible| {
            let (kind, id, slug, title) = match visible.entity {
                SyncEntity::Article(row) => (
                    "article",
                    ids::encode(Kind::Article, row.id),
                    row.slug,
                    row.title,
                ),
                SyncEntity::Person(row) => (
                    "person",
                    ids::encode(Kind::Person, row.id),
                    row.slug,
                    row.name_en,
                ),
                SyncEntity::Institution(row) => (
                    "institution",
                    ids::encode(Kind::Institution, row.id),
                    row.slug,
                    row.name_en,
                ),
                SyncEntity::Agreement(row) => (
                    "agreement",
                    ids::encode(Kind::Agreement, row.id),
                    row.slug,
                    row.title_en,
                ),
                SyncEntity::Section(row) => (
                    "section",
                    ids::encode(Kind::Section, row.id),
                    row.slug,
                    row.name_en,
                ),
                SyncEntity::Position(row) => (
                    "position",
                    ids::encode(Kind::Position, row.id),
                    String::new(),
                    row.title_en,
                ),
            };
            SearchHitView {
                kind: kind.into(),
                id,
                slug,
                title,
                score: visible.hit.score,
                title_html: visible.hit.title_html,
                snippet_html: visible.hit.snippet_html,
            }
        })
        .collect();
    let next_cursor = has_more.then(|| crate::search::encode_cursor(end));
    Cached::json(
        &viewer,
        30,
        &SearchPageView {
            items,
            next_cursor,
            has_more,
        },
    )
}
