//! People named by the site.

use std::collections::HashMap;

use entities::person;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Select};

use crate::error::AppResult;
use crate::reads::pagination::{self, KeyKind, Ordering, Page, PageArgs, SortKey};

const BY_NAME: Ordering<person::Entity> = Ordering {
    tag: "person:name",
    column: person::Column::NameEn,
    id: person::Column::Id,
    descending: false,
    key_kind: KeyKind::Text,
    key: |row| (SortKey::Text(row.name_en.clone()), row.id),
};

fn select() -> Select<person::Entity> {
    person::Entity::find()
}

/// One page of people, by English name.
pub async fn list<C: ConnectionTrait>(db: &C, page: &PageArgs) -> AppResult<Page<person::Model>> {
    pagination::fetch_page(db, select(), &BY_NAME, page).await
}

/// How many people there are.
pub async fn count<C: ConnectionTrait>(db: &C) -> AppResult<u64> {
    Ok(select().count(db).await?)
}

/// The person with this slug.
pub async fn find_by_slug<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> AppResult<Option<person::Model>> {
    Ok(person::Entity::find()
        .filter(person::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

/// People by id.
pub async fn find_by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> AppResult<HashMap<i64, person::Model>> {
    let rows = person::Entity::find()
        .filter(person::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}
