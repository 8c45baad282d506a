//! Agreements between institutions: parties, signatories, renewal chains, and the status that
//! follows from their dates.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use entities::enums::AgreementKind;
use entities::{agreement, agreement_party, agreement_signatory};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    Select,
};

use super::group_by;
use crate::error::AppResult;
use crate::reads::pagination::{self, KeyKind, Ordering, Page, PageArgs, SortKey};

/// Where an agreement stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementStatus {
    /// Not yet in force.
    Upcoming,
    /// In force.
    Active,
    /// Past its term, or replaced by a successor that has taken effect.
    Expired,
}

/// Which agreements a list shows.
#[derive(Debug, Clone, Default)]
pub struct AgreementFilter {
    /// Of this kind.
    pub kind: Option<AgreementKind>,
    /// With this institution among its parties.
    pub party: Option<i64>,
    /// Signed by this person.
    pub signatory: Option<i64>,
    /// In force on this day.
    pub active_at: Option<NaiveDate>,
}

const BY_TITLE: Ordering<agreement::Entity> = Ordering {
    tag: "agreement:title",
    column: agreement::Column::TitleEn,
    id: agreement::Column::Id,
    descending: false,
    key_kind: KeyKind::Text,
    key: |row| (SortKey::Text(row.title_en.clone()), row.id),
};

/// The first day an agreement is known to be in force: its effective date, else its signing day.
fn known_start(row: &agreement::Model) -> Option<NaiveDate> {
    row.effective_from.or(row.signed_on)
}

/// Whether the agreement has started by `day`. With no start day known, the signing year (when
/// known) still rules out earlier years.
fn started_by(row: &agreement::Model, day: NaiveDate) -> bool {
    match known_start(row) {
        Some(start) => start <= day,
        None => row.signed_year.is_none_or(|year| year <= day.year()),
    }
}

/// The status of `row` on `day`, given its successors (agreements naming it as predecessor).
///
/// An agreement is `UPCOMING` before it starts, `EXPIRED` after its last day or once a successor
/// has started, and `ACTIVE` otherwise.
pub fn status_on(
    row: &agreement::Model,
    successors: &[agreement::Model],
    day: NaiveDate,
) -> AgreementStatus {
    let superseded = successors
        .iter()
        .any(|next| known_start(next).is_some_and(|start| start <= day));
    if !started_by(row, day) {
        AgreementStatus::Upcoming
    } else if row.effective_until.is_some_and(|until| until < day) || superseded {
        AgreementStatus::Expired
    } else {
        AgreementStatus::Active
    }
}

/// The SQL form of "[`status_on`] is `ACTIVE` on `day`".
fn active_on(day: NaiveDate) -> Condition {
    use agreement::Column as A;
    let started = Condition::any()
        .add(A::EffectiveFrom.lte(day))
        .add(
            Condition::all()
                .add(A::EffectiveFrom.is_null())
                .add(A::SignedOn.lte(day)),
        )
        .add(
            Condition::all()
                .add(A::EffectiveFrom.is_null())
                .add(A::SignedOn.is_null())
                .add(
                    Condition::any()
                        .add(A::SignedYear.is_null())
                        .add(A::SignedYear.lte(day.year())),
                ),
        );
    let not_ended = Condition::any()
        .add(A::EffectiveUntil.is_null())
        .add(A::EffectiveUntil.gte(day));
    let superseded = Query::select()
        .column(A::PredecessorId)
        .from(agreement::Entity)
        .cond_where(
            Condition::all().add(A::PredecessorId.is_not_null()).add(
                Condition::any().add(A::EffectiveFrom.lte(day)).add(
                    Condition::all()
                        .add(A::EffectiveFrom.is_null())
                        .add(A::SignedOn.lte(day)),
                ),
            ),
        )
        .to_owned();
    Condition::all()
        .add(started)
        .add(not_ended)
        .add(A::Id.not_in_subquery(superseded))
}

fn select(filter: &AgreementFilter) -> Select<agreement::Entity> {
    let mut select = agreement::Entity::find();
    if let Some(kind) = filter.kind {
        select = select.filter(agreement::Column::Kind.eq(kind));
    }
    if let Some(party) = filter.party {
        let ids = Query::select()
            .column(agreement_party::Column::AgreementId)
            .from(agreement_party::Entity)
            .and_where(agreement_party::Column::InstitutionId.eq(party))
            .to_owned();
        select = select.filter(agreement::Column::Id.in_subquery(ids));
    }
    if let Some(person) = filter.signatory {
        let ids = Query::select()
            .column(agreement_signatory::Column::AgreementId)
            .from(agreement_signatory::Entity)
            .and_where(agreement_signatory::Column::PersonId.eq(person))
            .to_owned();
        select = select.filter(agreement::Column::Id.in_subquery(ids));
    }
    if let Some(day) = filter.active_at {
        select = select.filter(active_on(day));
    }
    select
}

/// One page of agreements, by English title.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &AgreementFilter,
    page: &PageArgs,
) -> AppResult<Page<agreement::Model>> {
    pagination::fetch_page(db, select(filter), &BY_TITLE, page).await
}

/// How many agreements match.
pub async fn count<C: ConnectionTrait>(db: &C, filter: &AgreementFilter) -> AppResult<u64> {
    Ok(select(filter).count(db).await?)
}

/// The agreement with this slug.
pub async fn find_by_slug<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> AppResult<Option<agreement::Model>> {
    Ok(agreement::Entity::find()
        .filter(agreement::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

/// Agreements by id.
pub async fn find_by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> AppResult<HashMap<i64, agreement::Model>> {
    let rows = agreement::Entity::find()
        .filter(agreement::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// The agreements that name each of `ids` as their predecessor, earliest first.
pub async fn successors_of<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<agreement::Model>>> {
    let rows = agreement::Entity::find()
        .filter(agreement::Column::PredecessorId.is_in(ids.iter().copied()))
        .order_by_asc(agreement::Column::EffectiveFrom)
        .order_by_asc(agreement::Column::Id)
        .all(db)
        .await?;
    Ok(group_by(rows, |row| row.predecessor_id.unwrap_or_default()))
}

/// The parties of each agreement, in order.
pub async fn parties_of<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<agreement_party::Model>>> {
    let rows = agreement_party::Entity::find()
        .filter(agreement_party::Column::AgreementId.is_in(ids.iter().copied()))
        .order_by_asc(agreement_party::Column::Position)
        .all(db)
        .await?;
    Ok(group_by(rows, |row| row.agreement_id))
}

/// The signatories of each agreement, in order.
pub async fn signatories_of<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<agreement_signatory::Model>>> {
    let rows = agreement_signatory::Entity::find()
        .filter(agreement_signatory::Column::AgreementId.is_in(ids.iter().copied()))
        .order_by_asc(agreement_signatory::Column::Position)
        .all(db)
        .await?;
    Ok(group_by(rows, |row| row.agreement_id))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use entities::agreement::Areas;

    use super::*;

    fn agreement(
        from: Option<NaiveDate>,
        until: Option<NaiveDate>,
        year: Option<i32>,
    ) -> agreement::Model {
        agreement::Model {
            id: 1,
            slug: "a".into(),
            title_en: "A".into(),
            title_zh: None,
            kind: AgreementKind::Other,
            summary: None,
            signed_on: None,
            signed_year: year,
            effective_from: from,
            effective_until: until,
            areas: Areas::default(),
            predecessor_id: None,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn status_follows_the_term_and_the_successor() {
        let term = agreement(Some(day(2024, 4, 9)), Some(day(2027, 4, 8)), Some(2024));
        assert_eq!(
            status_on(&term, &[], day(2024, 4, 8)),
            AgreementStatus::Upcoming
        );
        assert_eq!(
            status_on(&term, &[], day(2024, 4, 9)),
            AgreementStatus::Active
        );
        assert_eq!(
            status_on(&term, &[], day(2027, 4, 8)),
            AgreementStatus::Active
        );
        assert_eq!(
            status_on(&term, &[], day(2027, 4, 9)),
            AgreementStatus::Expired
        );

        let old = agreement(None, None, Some(2019));
        assert_eq!(
            status_on(&old, &[], day(2018, 12, 31)),
            AgreementStatus::Upcoming
        );
        assert_eq!(
            status_on(&old, std::slice::from_ref(&term), day(2020, 1, 1)),
            AgreementStatus::Active
        );
        assert_eq!(
            status_on(&old, std::slice::from_ref(&term), day(2024, 4, 9)),
            AgreementStatus::Expired
        );
    }
}
