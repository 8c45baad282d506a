//! `GET /api/v1/sync`: the sync feed over REST, the same feed as GraphQL's `sync`: everything
//! the caller may see, then every change since their token, deletions included.

use axum::extract::State;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::pages::Cached;
use super::params::{Params, SyncParams, SyncTypeParam, listed};
use super::views::{self, AgreementView, ArticleView, InstitutionView, PersonView};
use crate::auth::caller::Caller;
use crate::content::sync::{self, SyncEntity, SyncItem, SyncType};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::ids::{self, Kind};
use crate::reads::Reader;
use crate::state::AppState;

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
    caller: Caller,
    Params(params): Params<SyncParams>,
) -> AppResult<Cached> {
    let viewer = super::viewer(&state, &caller);
    let db = &state.db.conn;
    let types: Vec<SyncType> = listed::<SyncTypeParam>("types", params.types.as_deref())?
        .into_iter()
        .map(Into::into)
        .collect();
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
            views::article_views(&Reader::new(db.clone(), viewer.clone(), None), article_rows)
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
    Cached::json(&viewer, 0, &body)
}
