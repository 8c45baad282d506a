//! Agreements, with their parties and signatories: fields and the command that saves one.

use chrono::{Datelike, NaiveDate};
use entities::agreement::Areas;
use entities::enums::{AgreementKind, EntityType, PartyRole};
use entities::{agreement, agreement_party, agreement_signatory, institution, person};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::constraint_error;
use crate::error::{AppError, AppResult};
use crate::reads::Viewer;
use crate::validate;

use super::{begin, finish, no_cycle, now, save_versioned, saved, slug_for};

/// An agreement as written.
#[derive(Debug, Clone)]
pub struct AgreementFields {
    /// Slug; from the title when absent.
    pub slug: Option<String>,
    /// English title.
    pub title: String,
    /// Chinese title.
    pub title_zh: Option<String>,
    /// Kind.
    pub kind: AgreementKind,
    /// Summary.
    pub summary: Option<String>,
    /// Day signed.
    pub signed_on: Option<NaiveDate>,
    /// Year signed, when only the year is known (must agree with `signed_on`).
    pub signed_year: Option<i32>,
    /// First day in force.
    pub effective_from: Option<NaiveDate>,
    /// Last day in force.
    pub effective_until: Option<NaiveDate>,
    /// Areas of cooperation, in order.
    pub areas: Vec<String>,
    /// The agreement this one renews.
    pub predecessor_id: Option<i64>,
    /// Parties: institution and role, in order.
    pub parties: Vec<(i64, PartyRole)>,
    /// Signatories: person and the institution they signed for, in order.
    pub signatories: Vec<(i64, Option<i64>)>,
}

/// Creates or updates an agreement with its parties and signatories.
pub async fn save_agreement(
    db: &DatabaseConnection,
    viewer: &Viewer,
    target: Option<(i64, i32)>,
    fields: AgreementFields,
) -> AppResult<agreement::Model> {
    let (who, txn) = begin(db, viewer).await?;
    let own = target.map(|(id, _)| id);
    validate::at_most("input.parties", &fields.parties, 50)?;
    validate::at_most("input.signatories", &fields.signatories, 100)?;
    validate::at_most("input.areasOfCooperation", &fields.areas, 50)?;
    let title = validate::text("input.title", &fields.title, 1, 500)?;
    let title_zh = validate::optional_text("input.titleZh", fields.title_zh.as_deref(), 500)?;
    let summary = validate::optional_text("input.summary", fields.summary.as_deref(), 5000)?;
    if let (Some(from), Some(until)) = (fields.effective_from, fields.effective_until)
        && until < from
    {
        return Err(AppError::bad_input(
            "input.effectiveUntil",
            "an agreement cannot end before it takes effect",
        ));
    }
    let signed_year = match (fields.signed_on, fields.signed_year) {
        (Some(day), Some(year)) if day.year() != year => {
            return Err(AppError::bad_input(
                "input.signedYear",
                "the year differs from `signedOn`",
            ));
        }
        (Some(day), _) => Some(day.year()),
        (None, year) => year,
    };
    if signed_year.is_some_and(|year| !(1900..=2200).contains(&year)) {
        return Err(AppError::bad_input(
            "input.signedYear",
            "a year between 1900 and 2200",
        ));
    }
    let areas = fields
        .areas
        .iter()
        .map(|area| validate::text("input.areasOfCooperation", area, 1, 300))
        .collect::<AppResult<Vec<_>>>()?;
    let db = &txn;
    no_cycle(
        own,
        fields.predecessor_id,
        "input.predecessor",
        |id| async move {
            Ok(agreement::Entity::find_by_id(id)
                .one(db)
                .await?
                .map(|row| row.predecessor_id))
        },
    )
    .await?;
    for (institution_id, _) in &fields.parties {
        if institution::Entity::find_by_id(*institution_id)
            .one(&txn)
            .await?
            .is_none()
        {
            return Err(AppError::bad_input(
                "input.parties",
                "a party institution does not exist",
            ));
        }
    }
    for (person_id, institution_id) in &fields.signatories {
        if person::Entity::find_by_id(*person_id)
            .one(&txn)
            .await?
            .is_none()
        {
            return Err(AppError::bad_input(
                "input.signatories",
                "a signatory does not exist",
            ));
        }
        if let Some(id) = institution_id
            && institution::Entity::find_by_id(*id)
                .one(&txn)
                .await?
                .is_none()
        {
            return Err(AppError::bad_input(
                "input.signatories",
                "a signatory's institution does not exist",
            ));
        }
    }
    let slug = slug_for::<agreement::Entity, _>(
        &txn,
        agreement::Column::Slug,
        agreement::Column::Id,
        fields.slug,
        &title,
        own,
    )
    .await?;
    let at = now();
    let mut active = agreement::ActiveModel {
        slug: Set(slug),
        title_en: Set(title),
        title_zh: Set(title_zh),
        kind: Set(fields.kind),
        summary: Set(summary),
        signed_on: Set(fields.signed_on),
        signed_year: Set(signed_year),
        effective_from: Set(fields.effective_from),
        effective_until: Set(fields.effective_until),
        areas: Set(Areas(areas)),
        predecessor_id: Set(fields.predecessor_id),
        updated_at: Set(at),
        ..Default::default()
    };
    let row = match target {
        None => {
            active.version = Set(1);
            active.created_at = Set(at);
            active
                .insert(&txn)
                .await
                .map_err(|error| constraint_error(error, "input.slug", "that slug"))?
        }
        Some((id, version)) => {
            active.version = Set(version + 1);
            save_versioned::<agreement::Entity>(&txn, active, id, version).await?
        }
    };
    agreement_party::Entity::delete_many()
        .filter(agreement_party::Column::AgreementId.eq(row.id))
        .exec(&txn)
        .await?;
    agreement_signatory::Entity::delete_many()
        .filter(agreement_signatory::Column::AgreementId.eq(row.id))
        .exec(&txn)
        .await?;
    for (position, (institution_id, role)) in fields.parties.iter().enumerate() {
        agreement_party::ActiveModel {
            agreement_id: Set(row.id),
            institution_id: Set(*institution_id),
            role: Set(*role),
            position: Set(position as i32),
        }
        .insert(&txn)
        .await
        .map_err(|error| constraint_error(error, "input.parties", "an institution listed twice"))?;
    }
    for (position, (person_id, institution_id)) in fields.signatories.iter().enumerate() {
        agreement_signatory::ActiveModel {
            agreement_id: Set(row.id),
            person_id: Set(*person_id),
            institution_id: Set(*institution_id),
            position: Set(position as i32),
        }
        .insert(&txn)
        .await
        .map_err(|error| constraint_error(error, "input.signatories", "a person listed twice"))?;
    }
    let action = if target.is_some() {
        "updateAgreement"
    } else {
        "createAgreement"
    };
    finish(
        txn,
        &who,
        action,
        saved(EntityType::Agreement, row.id, target),
    )
    .await?;
    Ok(row)
}
