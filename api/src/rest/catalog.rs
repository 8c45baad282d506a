//! The catalog over REST: sections, institutions, people and agreements, listed and by slug.
//! They read the same for every caller (no drafts among them).

use axum::extract::{Path, State};

use super::pages::{AgreementPage, Cached, InstitutionPage, PersonPage};
use super::params::{AgreementParams, InstitutionParams, PageParams, Params};
use super::views::{self, AgreementView, InstitutionView, PersonView, SectionView};
use crate::auth::caller::Caller;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::reads::agreements::{self, AgreementFilter};
use crate::reads::institutions::{self, InstitutionFilter};
use crate::reads::{people, sections};
use crate::state::AppState;

/// The section tree.
#[utoipa::path(get, path = "/api/v1/sections", responses((status = 200, description = "The top-level sections with their subtrees", body = [SectionView])))]
pub async fn list_sections(State(state): State<AppState>, caller: Caller) -> AppResult<Cached> {
    let tree = sections::tree(&state.db.conn).await?;
    let roots: Vec<SectionView> = tree
        .children(None)
        .into_iter()
        .map(|row| views::section_view(&tree, row))
        .collect();
    Cached::json(&super::viewer(&state, &caller), 300, &roots)
}

/// One section by slug.
#[utoipa::path(get, path = "/api/v1/sections/{slug}", params(("slug" = String, Path, description = "The section's slug")), responses(
    (status = 200, description = "The section", body = SectionView),
    (status = 404, description = "No such section", body = ErrorBody),
))]
pub async fn get_section(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> AppResult<Cached> {
    let tree = sections::tree(&state.db.conn).await?;
    let row = tree
        .by_slug(&slug)
        .ok_or(AppError::NotFound { what: "section" })?;
    let view = views::section_view(&tree, row);
    Cached::json(&super::viewer(&state, &caller), 300, &view)
}

/// Institutions by name.
#[utoipa::path(get, path = "/api/v1/institutions", params(PageParams, InstitutionParams), responses(
    (status = 200, description = "A page of institutions", body = InstitutionPage),
    (status = 400, description = "A bad parameter", body = ErrorBody),
))]
pub async fn list_institutions(
    State(state): State<AppState>,
    caller: Caller,
    Params(page): Params<PageParams>,
    Params(params): Params<InstitutionParams>,
) -> AppResult<Cached> {
    let db = &state.db.conn;
    let mut filter = InstitutionFilter {
        kind: params.kind.map(Into::into),
        ..InstitutionFilter::default()
    };
    if let Some(slug) = &params.parent {
        let parent = institutions::find_by_slug(db, slug).await?;
        let parent =
            parent.ok_or_else(|| AppError::bad_input("parent", "no institution with that slug"))?;
        filter.parent = Some(parent.id);
    }
    let rows = institutions::list(db, &filter, &page.args()?).await?;
    let total_count = institutions::count(db, &filter).await?;
    let body = InstitutionPage::of(&rows, total_count, |row| InstitutionView::from(row));
    Cached::json(&super::viewer(&state, &caller), 600, &body)
}

/// One institution by slug.
#[utoipa::path(get, path = "/api/v1/institutions/{slug}", params(("slug" = String, Path, description = "The institution's slug")), responses(
    (status = 200, description = "The institution", body = InstitutionView),
    (status = 404, description = "No such institution", body = ErrorBody),
))]
pub async fn get_institution(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> AppResult<Cached> {
    let row = institutions::find_by_slug(&state.db.conn, &slug)
        .await?
        .ok_or(AppError::NotFound {
            what: "institution",
        })?;
    Cached::json(
        &super::viewer(&state, &caller),
        600,
        &InstitutionView::from(&row),
    )
}

/// People by name.
#[utoipa::path(get, path = "/api/v1/people", params(PageParams), responses(
    (status = 200, description = "A page of people", body = PersonPage),
    (status = 400, description = "A bad parameter", body = ErrorBody),
))]
pub async fn list_people(
    State(state): State<AppState>,
    caller: Caller,
    Params(page): Params<PageParams>,
) -> AppResult<Cached> {
    let db = &state.db.conn;
    let rows = people::list(db, &page.args()?).await?;
    let body = PersonPage::of(&rows, people::count(db).await?, |row| PersonView::from(row));
    Cached::json(&super::viewer(&state, &caller), 600, &body)
}

/// One person by slug.
#[utoipa::path(get, path = "/api/v1/people/{slug}", params(("slug" = String, Path, description = "The person's slug")), responses(
    (status = 200, description = "The person", body = PersonView),
    (status = 404, description = "No such person", body = ErrorBody),
))]
pub async fn get_person(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> AppResult<Cached> {
    let row = people::find_by_slug(&state.db.conn, &slug)
        .await?
        .ok_or(AppError::NotFound { what: "person" })?;
    Cached::json(
        &super::viewer(&state, &caller),
        600,
        &PersonView::from(&row),
    )
}

/// Agreements by title.
#[utoipa::path(get, path = "/api/v1/agreements", params(PageParams, AgreementParams), responses(
    (status = 200, description = "A page of agreements", body = AgreementPage),
    (status = 400, description = "A bad parameter", body = ErrorBody),
))]
pub async fn list_agreements(
    State(state): State<AppState>,
    caller: Caller,
    Params(page): Params<PageParams>,
    Params(params): Params<AgreementParams>,
) -> AppResult<Cached> {
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
        let party = institutions::find_by_slug(db, slug).await?;
        let party =
            party.ok_or_else(|| AppError::bad_input("party", "no institution with that slug"))?;
        filter.party = Some(party.id);
    }
    let rows = agreements::list(db, &filter, &page.args()?).await?;
    let total_count = agreements::count(db, &filter).await?;
    let body = AgreementPage::of(&rows, total_count, |row| AgreementView::from(row));
    Cached::json(&super::viewer(&state, &caller), 600, &body)
}

/// One agreement by slug.
#[utoipa::path(get, path = "/api/v1/agreements/{slug}", params(("slug" = String, Path, description = "The agreement's slug")), responses(
    (status = 200, description = "The agreement", body = AgreementView),
    (status = 404, description = "No such agreement", body = ErrorBody),
))]
pub async fn get_agreement(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> AppResult<Cached> {
    let row = agreements::find_by_slug(&state.db.conn, &slug)
        .await?
        .ok_or(AppError::NotFound { what: "agreement" })?;
    Cached::json(
        &super::viewer(&state, &caller),
        600,
        &AgreementView::from(&row),
    )
}
