//! Institutions (a tree) and the positions people hold at them.

use std::collections::HashMap;

use chrono::NaiveDate;
use entities::enums::InstitutionKind;
use entities::{institution, position};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Select,
};

use super::group_by;
use crate::error::AppResult;
use crate::reads::pagination::{self, KeyKind, Ordering, Page, PageArgs, SortKey};

/// Which institutions a list shows.
#[derive(Debug, Clone, Default)]
pub struct InstitutionFilter {
    /// Of this kind.
    pub kind: Option<InstitutionKind>,
    /// Directly under this institution.
    pub parent: Option<i64>,
    /// Only top-level institutions (no parent).
    pub top_level_only: bool,
}

const BY_NAME: Ordering<institution::Entity> = Ordering {
    tag: "institution:name",
    column: institution::Column::NameEn,
    id: institution::Column::Id,
    descending: false,
    key_kind: KeyKind::Text,
    key: |row| (SortKey::Text(row.name_en.clone()), row.id),
};

fn select(filter: &InstitutionFilter) -> Select<institution::Entity> {
    let mut select = institution::Entity::find();
    if let Some(kind) = filter.kind {
        select = select.filter(institution::Column::Kind.eq(kind));
    }
    if let Some(parent) = filter.parent {
        select = select.filter(institution::Column::ParentId.eq(parent));
    }
    if filter.top_level_only {
        select = select.filter(institution::Column::ParentId.is_null());
    }
    select
}

/// One page of institutions, by English name.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &InstitutionFilter,
    page: &PageArgs,
) -> AppResult<Page<institution::Model>> {
    pagination::fetch_page(db, select(filter), &BY_NAME, page).await
}

/// How many institutions match.
pub async fn count<C: ConnectionTrait>(db: &C, filter: &InstitutionFilter) -> AppResult<u64> {
    Ok(select(filter).count(db).await?)
}

/// The institution with this slug.
pub async fn find_by_slug<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> AppResult<Option<institution::Model>> {
    Ok(institution::Entity::find()
        .filter(institution::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

/// Institutions by id.
pub async fn find_by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> AppResult<HashMap<i64, institution::Model>> {
    let rows = institution::Entity::find()
        .filter(institution::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// The institutions directly under each of `parents`, by name.
pub async fn children_of<C: ConnectionTrait>(
    db: &C,
    parents: &[i64],
) -> AppResult<HashMap<i64, Vec<institution::Model>>> {
    let rows = institution::Entity::find()
        .filter(institution::Column::ParentId.is_in(parents.iter().copied()))
        .order_by_asc(institution::Column::NameEn)
        .order_by_asc(institution::Column::Id)
        .all(db)
        .await?;
    Ok(group_by(rows, |row| row.parent_id.unwrap_or_default()))
}

/// Positions by id.
pub async fn positions_by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> AppResult<HashMap<i64, position::Model>> {
    let rows = position::Entity::find()
        .filter(position::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// Every position of each person: current ones first, then by start date, latest first.
pub async fn positions_of_people<C: ConnectionTrait>(
    db: &C,
    people: &[i64],
) -> AppResult<HashMap<i64, Vec<position::Model>>> {
    let rows = position::Entity::find()
        .filter(position::Column::PersonId.is_in(people.iter().copied()))
        .order_by_desc(position::Column::IsCurrent)
        .order_by_desc(position::Column::StartedOn)
        .order_by_asc(position::Column::Id)
        .all(db)
        .await?;
    Ok(group_by(rows, |row| row.person_id))
}

/// Every position held at each institution, in the same order.
pub async fn positions_at<C: ConnectionTrait>(
    db: &C,
    institutions: &[i64],
) -> AppResult<HashMap<i64, Vec<position::Model>>> {
    let rows = position::Entity::find()
        .filter(position::Column::InstitutionId.is_in(institutions.iter().copied()))
        .order_by_desc(position::Column::IsCurrent)
        .order_by_desc(position::Column::StartedOn)
        .order_by_asc(position::Column::Id)
        .all(db)
        .await?;
    Ok(group_by(rows, |row| row.institution_id))
}

/// Whether `position` was held on `day`.
///
/// An unknown start counts as "since before our records". An ended position whose end date is
/// unknown (a "former" title) is not counted as held on any particular day, because we cannot
/// say it was; the last day, when known, is included.
pub fn held_on(position: &position::Model, day: NaiveDate) -> bool {
    let started = position.started_on.is_none_or(|start| start <= day);
    let not_ended = match position.ended_on {
        Some(end) => day <= end,
        None => position.is_current,
    };
    started && not_ended
}
