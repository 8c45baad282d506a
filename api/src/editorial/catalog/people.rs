//! People and their positions: fields and the commands that save them.

use chrono::NaiveDate;
use entities::enums::EntityType;
use entities::{institution, person, position};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

use super::constraint_error;
use crate::error::{AppError, AppResult};
use crate::reads::Viewer;
use crate::validate;

use super::{begin, finish, now, save_versioned, saved, slug_for};

/// A person as written.
#[derive(Debug, Clone)]
pub struct PersonFields {
    /// Slug; from the name when absent.
    pub slug: Option<String>,
    /// English name.
    pub name: String,
    /// Chinese name.
    pub name_zh: Option<String>,
}

/// A position as written.
#[derive(Debug, Clone)]
pub struct PositionFields {
    /// Who.
    pub person_id: i64,
    /// Where.
    pub institution_id: i64,
    /// English title.
    pub title: String,
    /// Chinese title.
    pub title_zh: Option<String>,
    /// First day.
    pub started_on: Option<NaiveDate>,
    /// Last day.
    pub ended_on: Option<NaiveDate>,
    /// Still held; must be false when `ended_on` is set.
    pub is_current: bool,
}

/// Creates or updates a person.
pub async fn save_person(
    db: &DatabaseConnection,
    viewer: &Viewer,
    target: Option<(i64, i32)>,
    fields: PersonFields,
) -> AppResult<person::Model> {
    let (who, txn) = begin(db, viewer).await?;
    let own = target.map(|(id, _)| id);
    let name = validate::text("input.name", &fields.name, 1, 200)?;
    let name_zh = validate::optional_text("input.nameZh", fields.name_zh.as_deref(), 100)?;
    let slug = slug_for::<person::Entity, _>(
        &txn,
        person::Column::Slug,
        person::Column::Id,
        fields.slug,
        &name,
        own,
    )
    .await?;
    let at = now();
    let mut active = person::ActiveModel {
        slug: Set(slug),
        name_en: Set(name),
        name_zh: Set(name_zh),
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
            save_versioned::<person::Entity>(&txn, active, id, version).await?
        }
    };
    let action = if target.is_some() {
        "updatePerson"
    } else {
        "createPerson"
    };
    finish(txn, &who, action, saved(EntityType::Person, row.id, target)).await?;
    Ok(row)
}

// ---- positions ----

/// Creates or updates a position.
pub async fn save_position(
    db: &DatabaseConnection,
    viewer: &Viewer,
    target: Option<(i64, i32)>,
    fields: PositionFields,
) -> AppResult<position::Model> {
    let (who, txn) = begin(db, viewer).await?;
    let title = validate::text("input.title", &fields.title, 1, 300)?;
    let title_zh = validate::optional_text("input.titleZh", fields.title_zh.as_deref(), 300)?;
    if person::Entity::find_by_id(fields.person_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Err(AppError::bad_input(
            "input.person",
            "that person does not exist",
        ));
    }
    if institution::Entity::find_by_id(fields.institution_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Err(AppError::bad_input(
            "input.institution",
            "that institution does not exist",
        ));
    }
    if let (Some(start), Some(end)) = (fields.started_on, fields.ended_on)
        && end < start
    {
        return Err(AppError::bad_input(
            "input.endedOn",
            "a position cannot end before it starts",
        ));
    }
    if fields.is_current && fields.ended_on.is_some() {
        return Err(AppError::bad_input(
            "input.isCurrent",
            "a position with an end date is not current",
        ));
    }
    let at = now();
    let mut active = position::ActiveModel {
        person_id: Set(fields.person_id),
        institution_id: Set(fields.institution_id),
        title_en: Set(title),
        title_zh: Set(title_zh),
        started_on: Set(fields.started_on),
        ended_on: Set(fields.ended_on),
        is_current: Set(fields.is_current),
        updated_at: Set(at),
        ..Default::default()
    };
    let row = match target {
        None => {
            active.version = Set(1);
            active.created_at = Set(at);
            active.insert(&txn).await?
        }
        Some((id, version)) => {
            active.version = Set(version + 1);
            save_versioned::<position::Entity>(&txn, active, id, version).await?
        }
    };
    let action = if target.is_some() {
        "updatePosition"
    } else {
        "createPosition"
    };
    finish(
        txn,
        &who,
        action,
        saved(EntityType::Position, row.id, target),
    )
    .await?;
    Ok(row)
}

// ---- agreements ----
