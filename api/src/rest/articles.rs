//! `GET /api/v1/articles` and `GET /api/v1/articles/{slug}`: the articles the caller may see,
//! with their relations and JSON-LD, read through the request's reader (and so from what the
//! node keeps, for a list page or an article read before).

use axum::extract::{Path, State};

use super::pages::{ArticlePage, Cached};
use super::params::{ArticleParams, LocaleParams, PageParams, Params};
use super::views::{self, ArticleView};
use crate::auth::caller::Caller;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::reads::articles::{self, ArticleFilter};
use crate::reads::{Reader, agreements, institutions, people, sections};
use crate::state::AppState;

/// The filter `params` name, with the slugs they give looked up.
async fn article_filter(state: &AppState, params: &ArticleParams) -> AppResult<ArticleFilter> {
    let db = &state.db.conn;
    let unknown =
        |field: &'static str| AppError::bad_input(field, format!("no {field} with that slug"));
    let mut filter = ArticleFilter {
        include_subsections: true,
        tag: params.tag.clone(),
        locale: params.locale.map(Into::into),
        ..ArticleFilter::default()
    };
    if let Some(slug) = &params.section {
        let tree = sections::tree(db).await?;
        filter.section = Some(tree.by_slug(slug).ok_or_else(|| unknown("section"))?.id);
    }
    if let Some(slug) = &params.person {
        let person = people::find_by_slug(db, slug).await?;
        filter.person = Some(person.ok_or_else(|| unknown("person"))?.id);
    }
    if let Some(slug) = &params.institution {
        let institution = institutions::find_by_slug(db, slug).await?;
        filter.institution = Some(institution.ok_or_else(|| unknown("institution"))?.id);
    }
    if let Some(slug) = &params.agreement {
        let agreement = agreements::find_by_slug(db, slug).await?;
        filter.agreement = Some(agreement.ok_or_else(|| unknown("agreement"))?.id);
    }
    Ok(filter)
}

/// The articles you may see, newest first.
#[utoipa::path(get, path = "/api/v1/articles", params(PageParams, ArticleParams), responses(
    (status = 200, description = "A page of articles", body = ArticlePage),
    (status = 400, description = "A bad parameter", body = ErrorBody),
))]
pub async fn list_articles(
    State(state): State<AppState>,
    caller: Caller,
    Params(page): Params<PageParams>,
    Params(params): Params<ArticleParams>,
) -> AppResult<Cached> {
    let reader = super::reader(&state, &caller).await;
    let filter = article_filter(&state, &params).await?;
    let order = params.order.unwrap_or_default().into();
    let bodies = articles::Bodies::Read;
    let rows = reader
        .article_page(&filter, order, &page.args()?, bodies)
        .await?;
    let total_count = reader.article_count(&filter).await?;
    let _turn = state.renders.acquire().await.ok();
    let items = views::article_views(
        &reader,
        rows.items.iter().map(|(_, row)| row.clone()).collect(),
    )
    .await?;
    Cached::json(
        reader.viewer(),
        30,
        &ArticlePage::with_items(&rows, total_count, items),
    )
}

/// One article by slug, with its relations and JSON-LD.
#[utoipa::path(get, path = "/api/v1/articles/{slug}", params(("slug" = String, Path, description = "The article's slug"), LocaleParams), responses(
    (status = 200, description = "The article", body = ArticleView),
    (status = 404, description = "No such article visible to you", body = ErrorBody),
))]
pub async fn get_article(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    Params(params): Params<LocaleParams>,
) -> AppResult<Cached> {
    let reader: Reader = super::reader(&state, &caller).await;
    let locale = params.locale.map(Into::into);
    let row = reader
        .article_by_slug(&slug, locale, None)
        .await?
        .ok_or(AppError::NotFound { what: "article" })?;
    let _turn = state.renders.acquire().await.ok();
    let view = views::article_views(&reader, vec![row])
        .await?
        .pop()
        .ok_or(AppError::NotFound { what: "article" })?;
    Cached::json(reader.viewer(), 60, &view)
}
