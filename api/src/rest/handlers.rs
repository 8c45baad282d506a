//! The REST handlers: read the parameters, call the domain, write JSON with caching headers.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::views::{self, AgreementView, ArticleView, InstitutionView, PersonView, SectionView};
use crate::content::sync::{self, SyncEntity, SyncItem, SyncType};
use crate::error::{AppError, AppResult};
use crate::graphql::persisted::hash_bytes;
use crate::http::graphql::authenticate;
use crate::http::response_cache::{ResponseCache, Shareable};
use crate::ids::{self, Kind};
use crate::reads::agreements::{self, AgreementFilter};
use crate::reads::articles::{self, ArticleFilter, ArticleOrder};
use crate::reads::institutions::{self, InstitutionFilter};
use crate::reads::loaders::Loaders;
use crate::reads::pagination::{Page, PageArgs};
use crate::reads::{Viewer, people, sections};
use crate::state::AppState;

/// The OpenAPI document of `/api/v1`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Newsdesk REST API",
        version = "1",
        description = "Read-only JSON over the same domain as the GraphQL API: the same visibility, filters and cursors."
    ),
    paths(
        list_articles,
        get_article,
        list_sections,
        get_section,
        list_institutions,
        get_institution,
        list_people,
        get_person,
        list_agreements,
        get_agreement,
        sync
    ),
    components(schemas(
        ArticlePage,
        InstitutionPage,
        PersonPage,
        AgreementPage,
        SyncPageView,
        SyncItemView,
        ErrorBody,
        ErrorDetail
    ))
)]
pub struct ApiDoc;

/// An error.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code, as in GraphQL's `extensions.code`.
    pub code: String,
    /// For people.
    pub message: String,
    /// The parameter at fault.
    pub field: Option<String>,
}

/// The JSON error envelope of a failed request.
pub(super) fn error(error: AppError) -> Response {
    error.log();
    let code = error.code();
    let message = match code {
        crate::error::ErrorCode::InternalServerError => "internal server error".to_owned(),
        _ => error.to_string(),
    };
    let field = match &error {
        AppError::BadInput { field, .. } | AppError::Conflict { field, .. } => {
            Some((*field).to_owned())
        }
        _ => None,
    };
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.as_str().to_owned(),
            message,
            field,
        },
    };
    let mut response = (code.status(), Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The caller, from the `Authorization` header.
async fn viewer(state: &AppState, headers: &HeaderMap) -> AppResult<Viewer> {
    Ok(caller(state, headers).await?.0)
}

/// The caller, and whether the change log's position was read with their credentials.
async fn caller(state: &AppState, headers: &HeaderMap) -> AppResult<(Viewer, bool)> {
    let (identity, position_read) = match headers.get(header::AUTHORIZATION) {
        Some(value) => {
            let authenticated = authenticate(state, value).await?;
            (
                Some(authenticated.identity),
                authenticated.log_position.is_some(),
            )
        }
        None => (None, false),
    };
    Ok((
        Viewer::new(identity, state.config.site_utc_offset),
        position_read,
    ))
}

/// The node's shared rows and kept reads, when this read may use them (see
/// [`ResponseCache::may_share_rows`](crate::http::response_cache::ResponseCache::may_share_rows)).
async fn shared(
    state: &AppState,
    viewer: &Viewer,
    position_read: bool,
) -> Option<Arc<ResponseCache>> {
    state
        .cache
        .may_share_rows(
            &state.db.conn,
            viewer.identity().is_some() && !position_read,
        )
        .await
        .then(|| state.cache.clone())
}

/// The loader of a REST read's relations, on `shared` rows when given.
fn relations(state: &AppState, viewer: &Viewer, shared: Option<Arc<ResponseCache>>) -> Loaders {
    Loaders::new(state.db.conn.clone(), viewer.clone(), shared)
}

/// JSON with a strong ETag (304 on a match; for anonymous callers the response cache puts the
/// content's version in its place) and a `Cache-Control` for `max_age` seconds,
/// `private` for callers with credentials.
fn cached(headers: &HeaderMap, viewer: &Viewer, max_age: u32, value: &impl Serialize) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let etag = format!("\"{}\"", &hash_bytes(&body)[..40]);
    let control = match (viewer.identity().is_some(), max_age) {
        (true, _) => "private, no-cache".to_owned(),
        (false, 0) => "public, no-cache".to_owned(),
        (false, seconds) => format!("public, max-age={seconds}"),
    };
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|header| {
            header
                .split(',')
                .map(|tag| tag.trim().trim_start_matches("W/"))
                .any(|tag| tag == etag || tag == "*")
        });
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = (StatusCode::OK, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if let Ok(value) = HeaderValue::from_str(&control) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Encoding, Authorization"),
    );
    if viewer.identity().is_none() {
        response.extensions_mut().insert(Shareable);
    }
    response
}

macro_rules! page_type {
    ($name:ident, $item:ty, $what:literal) => {
        #[doc = concat!("A page of ", $what, ".")]
        #[derive(Serialize, ToSchema)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// The items of this page.
            pub items: Vec<$item>,
            /// Pass as `after` for the next page.
            pub next_cursor: Option<String>,
            /// Pass as `before` for the previous page.
            pub previous_cursor: Option<String>,
            /// Whether items exist after this page.
            pub has_next_page: bool,
            /// Whether items exist before this page.
            pub has_previous_page: bool,
            /// The number of items in the whole list.
            pub total_count: u64,
        }
    };
}

page_type!(ArticlePage, ArticleView, "articles");
page_type!(InstitutionPage, InstitutionView, "institutions");
page_type!(PersonPage, PersonView, "people");
page_type!(AgreementPage, AgreementView, "agreements");

fn cursors<T>(page: &Page<T>) -> (Option<String>, Option<String>) {
    (
        page.items
            .last()
            .filter(|_| page.has_next_page)
            .map(|(cursor, _)| cursor.clone()),
        page.items
            .first()
            .filter(|_| page.has_previous_page)
            .map(|(cursor, _)| cursor.clone()),
    )
}

/// Cursor pagination: `limit` (1-100, default 20) with `after` or `before`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, at most 100.
    pub limit: Option<i32>,
    /// The items after this cursor.
    pub after: Option<String>,
    /// The items before this cursor.
    pub before: Option<String>,
}

impl PageParams {
    fn args(&self) -> AppResult<PageArgs> {
        if self.limit.is_some_and(|limit| !(0..=100).contains(&limit)) {
            return Err(AppError::bad_input(
                "limit",
                "`limit` must be between 0 and 100",
            ));
        }
        Ok(match (&self.before, &self.after) {
            (Some(before), None) => PageArgs {
                last: self.limit,
                before: Some(before.clone()),
                ..PageArgs::default()
            },
            _ => PageArgs {
                first: self.limit,
                after: self.after.clone(),
                ..PageArgs::default()
            },
        })
    }
}

/// Article filters; people, institutions, agreements and sections are given by slug.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ArticleParams {
    /// In this section or below it.
    pub section: Option<String>,
    /// With this tag.
    pub tag: Option<String>,
    /// Naming this person.
    pub person: Option<String>,
    /// Naming this institution or from it.
    pub institution: Option<String>,
    /// About this agreement.
    pub agreement: Option<String>,
    /// `en` or `zh`.
    pub locale: Option<String>,
    /// `newest` (default) or `oldest`.
    pub order: Option<String>,
}

async fn article_filter(
    state: &AppState,
    params: &ArticleParams,
) -> AppResult<(ArticleFilter, ArticleOrder)> {
    let db = &state.db.conn;
    let unknown =
        |field: &'static str| AppError::bad_input(field, format!("no {field} with that slug"));
    let mut filter = ArticleFilter {
        include_subsections: true,
        tag: params.tag.clone(),
        ..ArticleFilter::default()
    };
    if let Some(slug) = &params.section {
        filter.section = Some(
            sections::tree(db)
                .await?
                .by_slug(slug)
                .ok_or_else(|| unknown("section"))?
                .id,
        );
    }
    if let Some(slug) = &params.person {
        filter.person = Some(
            people::find_by_slug(db, slug)
                .await?
                .ok_or_else(|| unknown("person"))?
                .id,
        );
    }
    if let Some(slug) = &params.institution {
        filter.institution = Some(
            institutions::find_by_slug(db, slug)
                .await?
                .ok_or_else(|| unknown("institution"))?
                .id,
        );
    }
    if let Some(slug) = &params.agreement {
        filter.agreement = Some(
            agreements::find_by_slug(db, slug)
                .await?
                .ok_or_else(|| unknown("agreement"))?
                .id,
        );
    }
    filter.locale = match params.locale.as_deref() {
        None => None,
        Some("en") => Some(entities::enums::Locale::En),
        Some("zh") => Some(entities::enums::Locale::Zh),
        Some(_) => return Err(AppError::bad_input("locale", "`en` or `zh`")),
    };
    let order = match params.order.as_deref() {
        None | Some("newest") => ArticleOrder::NewestFirst,
        Some("oldest") => ArticleOrder::OldestFirst,
        Some(_) => return Err(AppError::bad_input("order", "`newest` or `oldest`")),
    };
    Ok((filter, order))
}

/// The articles you may see, newest first.
#[utoipa::path(get, path = "/api/v1/articles", params(PageParams, ArticleParams), responses(
    (status = 200, description = "A page of articles", body = ArticlePage),
    (status = 400, description = "A bad parameter", body = ErrorBody),
))]
pub async fn list_articles(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(page): Query<PageParams>,
    Query(params): Query<ArticleParams>,
) -> Response {
    let result = async {
        let (viewer, position_read) = caller(&state, &headers).await?;
        let db = &state.db.conn;
        let (filter, order) = article_filter(&state, &params).await?;
        let shared = shared(&state, &viewer, position_read).await;
        let rows = articles::list_kept(
            db,
            &viewer,
            &filter,
            order,
            &page.args()?,
            articles::Bodies::Read,
            shared.as_deref(),
        )
        .await?;
        let (next_cursor, previous_cursor) = cursors(&rows);
        let total_count = articles::count_kept(db, &viewer, &filter, shared.as_deref()).await?;
        let _turn = state.renders.acquire().await.ok();
        let items = views::article_views(
            &relations(&state, &viewer, shared),
            rows.items.iter().map(|(_, row)| row.clone()).collect(),
        )
        .await?;
        let body = ArticlePage {
            items,
            next_cursor,
            previous_cursor,
            has_next_page: rows.has_next_page,
            has_previous_page: rows.has_previous_page,
            total_count,
        };
        Ok::<_, AppError>(cached(&headers, &viewer, 30, &body))
    };
    result.await.unwrap_or_else(error)
}

/// Language choice for one article.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocaleParams {
    /// `en` or `zh`; without it English is preferred.
    pub locale: Option<String>,
}

/// One article by slug, with its relations and JSON-LD.
#[utoipa::path(get, path = "/api/v1/articles/{slug}", params(("slug" = String, Path, description = "The article's slug"), LocaleParams), responses(
    (status = 200, description = "The article", body = ArticleView),
    (status = 404, description = "No such article visible to you", body = ErrorBody),
))]
pub async fn get_article(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(params): Query<LocaleParams>,
) -> Response {
    let result = async {
        let (viewer, position_read) = caller(&state, &headers).await?;
        let locale = match params.locale.as_deref() {
            None => None,
            Some("en") => Some(entities::enums::Locale::En),
            Some("zh") => Some(entities::enums::Locale::Zh),
            Some(_) => return Err(AppError::bad_input("locale", "`en` or `zh`")),
        };
        let shared = shared(&state, &viewer, position_read).await;
        let row = articles::by_slug_kept(
            &state.db.conn,
            &viewer,
            &slug,
            locale,
            None,
            shared.as_deref(),
        )
        .await?
        .ok_or(AppError::NotFound { what: "article" })?;
        let _turn = state.renders.acquire().await.ok();
        let view = views::article_views(&relations(&state, &viewer, shared), vec![row])
            .await?
            .pop()
            .ok_or(AppError::NotFound { what: "article" })?;
        Ok(cached(&headers, &viewer, 60, &view))
    };
    result.await.unwrap_or_else(error)
}

/// The section tree.
#[utoipa::path(get, path = "/api/v1/sections", responses((status = 200, description = "The top-level sections with their subtrees", body = [SectionView])))]
pub async fn list_sections(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        let viewer = viewer(&state, &headers).await?;
        let tree = sections::tree(&state.db.conn).await?;
        let roots: Vec<SectionView> = tree
            .children(None)
            .into_iter()
            .map(|row| views::section_view(&tree, row))
            .collect();
        Ok::<_, AppError>(cached(&headers, &viewer, 300, &roots))
    };
    result.await.unwrap_or_else(error)
}

/// One section by slug.
#[utoipa::path(get, path = "/api/v1/sections/{slug}", params(("slug" = String, Path, description = "The section's slug")), responses(
    (status = 200, description = "The section", body = SectionView),
    (status = 404, description = "No such section", body = ErrorBody),
))]
pub async fn get_section(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    let result = async {
        let viewer = viewer(&state, &headers).await?;
        let tree = sections::tree(&state.db.conn).await?;
        let row = tree
            .by_slug(&slug)
            .ok_or(AppError::NotFound { what: "section" })?;
        Ok::<_, AppError>(cached(
            &headers,
            &viewer,
            300,
            &views::section_view(&tree, row),
        ))
    };
    result.await.unwrap_or_else(error)
}

/// Institution filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InstitutionParams {
    /// Kind, lowercase (`university`, `department`, ...).
    pub kind: Option<String>,
    /// Directly under the institution with this slug.
    pub parent: Option<String>,
}

fn institution_kind(value: &str) -> AppResult<entities::enums::InstitutionKind> {
    use entities::enums::InstitutionKind as K;
    Ok(match value {
        "university" => K::University,
        "college" => K::College,
        "school" => K::School,
        "ministry" => K::Ministry,
        "department" => K::Department,
        "government" => K::Government,
        "office" => K::Office,
        "union" => K::Union,
        "company" => K::Company,
        "other" => K::Other,
        _ => {
            return Err(AppError::bad_input(
                "kind",
                "an institution kind such as `university` or `department`",
            ));
        }
    })
}

/// Institutions by name.
#[utoipa::path(get, path = "/api/v1/institutions", params(PageParams, InstitutionParams), responses(
    (status = 200, description = "A page of institutions", body = InstitutionPage),
    (status = 400, description = "A bad parameter", body = ErrorBody),
))]
pub async fn list_institutions(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(page): Query<PageParams>,
    Query(params): Query<InstitutionParams>,
) -> Response {
    let result = async {
        let viewer = viewer(&state, &headers).await?;
        let db = &state.db.conn;
        let mut filter = InstitutionFilter {
            kind: params.kind.as_deref().map(institution_kind).transpose()?,
            ..InstitutionFilter::default()
        };
        if let Some(slug) = &params.parent {
            filter.parent = Some(
                institutions::find_by_slug(db, slug)
                    .await?
                    .ok_or_else(|| AppError::bad_input("parent", "no institution with that slug"))?
                    .id,
            );
        }
        let rows = institutions::list(db, &filter, &page.args()?).await?;
        let (next_cursor, previous_cursor) = cursors(&rows);
        let body = InstitutionPage {
            items: rows
                .items
                .iter()
                .map(|(_, row)| InstitutionView::from(row))
                .collect(),
            next_cursor,
            previous_cursor,
            has_next_page: rows.has_next_page,
            has_previous_page: rows.has_previous_page,
            total_count: institutions::count(db, &filter).await?,
        };
        Ok::<_, AppError>(cached(&headers, &viewer, 600, &body))
    };
    result.await.unwrap_or_else(error)
}

/// One institution by slug.
#[utoipa::path(get, path = "/api/v1/institutions/{slug}", params(("slug" = String, Path, description = "The institution's slug")), responses(
    (status = 200, description = "The institution", body = InstitutionView),
    (status = 404, description = "No such institution", body = ErrorBody),
))]
pub async fn get_institution(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    let result = async {
        let viewer = viewer(&state, &headers).await?;
        let row = institutions::find_by_slug(&state.db.conn, &slug)
            .await?
            .ok_or(AppError::NotFound {
                what: "institution",
            })?;
        Ok::<_, AppError>(cached(&headers, &viewer, 600, &InstitutionView::from(&row)))
    };
    result.await.unwrap_or_else(error)
}

/// People by name.
#[utoipa::path(get, path = "/api/v1/people", params(PageParams), responses(
    (status = 200, description = "A page of people", body = PersonPage),
    (status = 400, description = "A bad parameter", body = ErrorBody),
))]
pub async fn list_people(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(page): Query<PageParams>,
) -> Response {
    let result = async {
        let viewer = viewer(&state, &headers).await?;
        let db = &state.db.conn;
        let rows = people::list(db, &page.args()?).await?;
        let (next_cursor, previous_cursor) = cursors(&rows);
        let body = PersonPage {
            items: rows
                .items
                .iter()
                .map(|(_, row)| PersonView::from(row))
                .collect(),
            next_cursor,
            previous_cursor,
            has_next_page: rows.has_next_page,
            has_previous_page: rows.has_previous_page,
            total_count: people::count(db).await?,
        };
        Ok::<_, AppError>(cached(&headers, &viewer, 600, &body))
    };
    result.await.unwrap_or_else(error)
}

/// One person by slug.
#[utoipa::path(get, path = "/api/v1/people/{slug}", params(("slug" = String, Path, description = "The person's slug")), responses(
    (status = 200, description = "The person", body = PersonView),
    (status = 404, description = "No such person", body = ErrorBody),
))]
pub async fn get_person(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    let result = async {
        let viewer = viewer(&state, &headers).await?;
        let row = people::find_by_slug(&state.db.conn, &slug)
            .await?
            .ok_or(AppError::NotFound { what: "person" })?;
        Ok::<_, AppError>(cached(&headers, &viewer, 600, &PersonView::from(&row)))
    };
    result.await.unwrap_or_else(error)
}

/// Agreement filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct AgreementParams {
    /// With the institution with this slug among the parties.
    pub party: Option<String>,
    /// In force on this day (`YYYY-MM-DD`).
    pub active_at: Option<chrono::NaiveDate>,
}

/// Agreements by title.
#[utoipa::path(get, path = "/api/v1/agreements", params(PageParams, AgreementParams), responses(
    (status = 200, description = "A page of agreements", body = AgreementPage),
    (status = 400, description = "A bad parameter", body = ErrorBody),
))]
pub async fn list_agreements(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(page): Query<PageParams>,
    Query(params): Query<AgreementParams>,
) -> Response {
    let result = async {
        let viewer = viewer(&state, &headers).await?;
        let db = &state.db.conn;
        if params
            .active_at
            .is_some_and(|day| !crate::validate::date_in_range(&day))
        {
            return Err(AppError::bad_input(
                "activeAt",
                "a date between 0001-01-01 and 9999-12-31",
            ));
        }
        let mut filter = AgreementFilter {
            active_at: params.active_at,
            ..AgreementFilter::default()
        };
        if let Some(slug) = &params.party {
            filter.party = Some(
                institutions::find_by_slug(db, slug)
                    .await?
                    .ok_or_else(|| AppError::bad_input("party", "no institution with that slug"))?
                    .id,
            );
        }
        let rows = agreements::list(db, &filter, &page.args()?).await?;
        let (next_cursor, previous_cursor) = cursors(&rows);
        let body = AgreementPage {
            items: rows
                .items
                .iter()
                .map(|(_, row)| AgreementView::from(row))
                .collect(),
            next_cursor,
            previous_cursor,
            has_next_page: rows.has_next_page,
            has_previous_page: rows.has_previous_page,
            total_count: agreements::count(db, &filter).await?,
        };
        Ok::<_, AppError>(cached(&headers, &viewer, 600, &body))
    };
    result.await.unwrap_or_else(error)
}

/// One agreement by slug.
#[utoipa::path(get, path = "/api/v1/agreements/{slug}", params(("slug" = String, Path, description = "The agreement's slug")), responses(
    (status = 200, description = "The agreement", body = AgreementView),
    (status = 404, description = "No such agreement", body = ErrorBody),
))]
pub async fn get_agreement(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    let result = async {
        let viewer = viewer(&state, &headers).await?;
        let row = agreements::find_by_slug(&state.db.conn, &slug)
            .await?
            .ok_or(AppError::NotFound { what: "agreement" })?;
        Ok::<_, AppError>(cached(&headers, &viewer, 600, &AgreementView::from(&row)))
    };
    result.await.unwrap_or_else(error)
}

/// Sync feed parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncParams {
    /// The token of the last call; omit it to start.
    pub token: Option<String>,
    /// Comma-separated types: `section,institution,person,position,agreement,article`.
    pub types: Option<String>,
    /// Largest page, 1 to 500 (default 100).
    pub limit: Option<u64>,
}

/// One change of the sync feed.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncItemView {
    /// `article`, `person`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// Global ID.
    pub id: String,
    /// `upsert` or `delete`.
    pub operation: String,
    /// The entity in full, for upserts.
    #[schema(value_type = Object)]
    pub entity: Option<Value>,
}

/// A page of the sync feed.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncPageView {
    /// The changes, in order.
    pub items: Vec<SyncItemView>,
    /// Pass as `token` next time.
    pub next_token: String,
    /// Whether more is waiting now.
    pub has_more: bool,
}

fn sync_kind(kind: SyncType) -> (&'static str, Kind) {
    match kind {
        SyncType::Section => ("section", Kind::Section),
        SyncType::Institution => ("institution", Kind::Institution),
        SyncType::Person => ("person", Kind::Person),
        SyncType::Position => ("position", Kind::Position),
        SyncType::Agreement => ("agreement", Kind::Agreement),
        SyncType::Article => ("article", Kind::Article),
    }
}

/// The sync feed: everything you may see, then every change since your token, deletions
/// included (the same feed as GraphQL's `sync`).
#[utoipa::path(get, path = "/api/v1/sync", params(SyncParams), responses(
    (status = 200, description = "A page of changes", body = SyncPageView),
    (status = 400, description = "A bad token or parameter", body = ErrorBody),
))]
pub async fn sync(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<SyncParams>,
) -> Response {
    let result = async {
        let viewer = viewer(&state, &headers).await?;
        let db = &state.db.conn;
        let types = params
            .types
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter(|name| !name.is_empty())
            .map(|name| {
                SyncType::ALL
                    .into_iter()
                    .find(|kind| sync_kind(*kind).0 == name.trim())
                    .ok_or_else(|| AppError::bad_input("types", format!("unknown type `{name}`")))
            })
            .collect::<AppResult<Vec<_>>>()?;
        let limit = params.limit.unwrap_or(100);
        if !(1..=sync::MAX_PAGE).contains(&limit) {
            return Err(AppError::bad_input(
                "limit",
                format!("`limit` must be between 1 and {}", sync::MAX_PAGE),
            ));
        }
        let page = sync::page(db, &viewer, params.token.as_deref(), &types, limit).await?;
        let article_rows: Vec<_> = page
            .items
            .iter()
            .filter_map(|item| match item {
                SyncItem::Upsert(entity) => match entity.as_ref() {
                    SyncEntity::Article(row) => Some(row.clone()),
                    _ => None,
                },
                SyncItem::Delete { .. } => None,
            })
            .collect();
        let mut article_views: std::collections::HashMap<String, ArticleView> =
            // Never the shared rows: a sync page is exactly what the database holds.
            views::article_views(&Loaders::new(db.clone(), viewer.clone(), None), article_rows)
                .await?
                .into_iter()
                .map(|view| (view.id.clone(), view))
                .collect();
        let items = page
            .items
            .into_iter()
            .map(|item| match item {
                SyncItem::Delete { kind, id } => {
                    let (name, id_kind) = sync_kind(kind);
                    SyncItemView { kind: name.into(), id: ids::encode(id_kind, id), operation: "delete".into(), entity: None }
                }
                SyncItem::Upsert(entity) => {
                    let (name, id, value) = match *entity {
                        SyncEntity::Article(row) => {
                            let id = ids::encode(Kind::Article, row.id);
                            let value = article_views.remove(&id).and_then(|view| serde_json::to_value(view).ok());
                            ("article", id, value)
                        }
                        SyncEntity::Section(row) => ("section", ids::encode(Kind::Section, row.id), Some(json!({ "slug": row.slug, "name": row.name_en, "parentId": row.parent_id.map(|id| ids::encode(Kind::Section, id)) }))),
                        SyncEntity::Institution(row) => ("institution", ids::encode(Kind::Institution, row.id), serde_json::to_value(InstitutionView::from(&row)).ok()),
                        SyncEntity::Person(row) => ("person", ids::encode(Kind::Person, row.id), serde_json::to_value(PersonView::from(&row)).ok()),
                        SyncEntity::Position(row) => ("position", ids::encode(Kind::Position, row.id), Some(json!({
                            "personId": ids::encode(Kind::Person, row.person_id),
                            "institutionId": ids::encode(Kind::Institution, row.institution_id),
                            "title": row.title_en, "startedOn": row.started_on, "endedOn": row.ended_on, "isCurrent": row.is_current
                        }))),
                        SyncEntity::Agreement(row) => ("agreement", ids::encode(Kind::Agreement, row.id), serde_json::to_value(AgreementView::from(&row)).ok()),
                    };
                    SyncItemView { kind: name.into(), id, operation: "upsert".into(), entity: value }
                }
            })
            .collect();
        let body = SyncPageView {
            items,
            next_token: page.next_token,
            has_more: page.has_more,
        };
        Ok::<_, AppError>(cached(&headers, &viewer, 0, &body))
    };
    result.await.unwrap_or_else(error)
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Response {
    let mut response = super::openapi_json().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `GET /api/v1/docs`: a page that renders the OpenAPI document (Redoc, loaded by the browser).
pub async fn docs() -> Html<&'static str> {
    Html(
        r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Newsdesk REST API</title></head>
<body>
<redoc spec-url="/api/v1/openapi.json"></redoc>
<script src="https://cdn.redoc.ly/redoc/latest/bundles/redoc.standalone.js"></script>
</body>
</html>"#,
    )
}

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The words to search for (English or Chinese); quotes make a phrase.
    pub q: String,
    /// Comma-separated types: `article,person,institution,agreement` (default: all).
    pub types: Option<String>,
    /// Hits per page, 1 to 50 (default 10).
    pub limit: Option<usize>,
    /// The `nextCursor` of the previous page.
    pub after: Option<String>,
}

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
    headers: HeaderMap,
    Query(params): Query<SearchParams>,
) -> Response {
    use crate::search::SearchKind;
    let result = async {
        let viewer = viewer(&state, &headers).await?;
        let limit = params.limit.unwrap_or(10);
        if !(1..=50).contains(&limit) {
            return Err(AppError::bad_input("limit", "between 1 and 50"));
        }
        let kinds = params
            .types
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(|name| {
                SearchKind::ALL
                    .into_iter()
                    .find(|kind| kind.name().eq_ignore_ascii_case(name))
                    .ok_or_else(|| AppError::bad_input("types", format!("unknown type `{name}`")))
            })
            .collect::<AppResult<Vec<_>>>()?;
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
        Ok(cached(
            &headers,
            &viewer,
            30,
            &SearchPageView {
                items,
                next_cursor,
                has_more,
            },
        ))
    };
    result.await.unwrap_or_else(error)
}
