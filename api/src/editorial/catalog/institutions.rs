//! Institutions: their fields and the command that saves one.

use entities::enums::{EntityType, InstitutionKind};
use entities::institution;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

use super::constraint_error;
use crate::error::AppResult;
use crate::reads::Viewer;
use crate::validate;

use super::{begin, finish, no_cycle, now, save_versioned, saved, slug_for};

/// An institution as written.
#[derive(Debug, Clone)]
pub struct InstitutionFields {
    /// Slug; from the name when absent.
    pub slug: Option<String>,
    /// English name.
    pub name: String,
    /// Chinese name.
    pub name_zh: Option<String>,
    /// English short name.
    pub short_name: Option<String>,
    /// Chinese short name.
    pub short_name_zh: Option<String>,
    /// Kind.
    pub kind: InstitutionKind,
    /// Parent institution.
    pub parent_id: Option<i64>,
    /// Region.
    pub region: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// English motto.
    pub motto: Option<String>,
    /// Chinese motto.
    pub motto_zh: Option<String>,
}

/// Creates or updates an institution.
pub async fn save_institution(
    db: &DatabaseConnection,
    viewer: &Viewer,
    target: Option<(i64, i32)>,
    fields: InstitutionFields,
) -> AppResult<institution::Model> {
    let (who, txn) = begin(db, viewer).await?;
    let own = target.map(|(id, _)| id);
    let name = validate::text("input.name", &fields.name, 1, 300)?;
    let optional =
        |field, value: &Option<String>, max| validate::optional_text(field, value.as_deref(), max);
    let website = match optional("input.website", &fields.website, 500)? {
        Some(url) => Some(validate::url("input.website", &url)?),
        None => None,
    };
    let db = &txn;
    no_cycle(own, fields.parent_id, "input.parent", |id| async move {
        Ok(institution::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|row| row.parent_id))
    })
    .await?;
    let slug = slug_for::<institution::Entity, _>(
        &txn,
        institution::Column::Slug,
        institution::Column::Id,
        fields.slug.clone(),
        &name,
        own,
    )
    .await?;
    let at = now();
    let mut active = institution::ActiveModel {
        slug: Set(slug),
        name_en: Set(name),
        name_zh: Set(optional("input.nameZh", &fields.name_zh, 300)?),
        short_name_en: Set(optional("input.shortName", &fields.short_name, 100)?),
        short_name_zh: Set(optional("input.shortNameZh", &fields.short_name_zh, 100)?),
        kind: Set(fields.kind),
        parent_id: Set(fields.parent_id),
        region: Set(optional("input.region", &fields.region, 100)?),
        city: Set(optional("input.city", &fields.city, 100)?),
        address: Set(optional("input.address", &fields.address, 500)?),
        postcode: Set(optional("input.postcode", &fields.postcode, 20)?),
        website: Set(website),
        motto_en: Set(optional("input.motto", &fields.motto, 2000)?),
        motto_zh: Set(optional("input.mottoZh", &fields.motto_zh, 2000)?),
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
            save_versioned::<institution::Entity>(&txn, active, id, version).await?
        }
    };
    let action = if target.is_some() {
        "updateInstitution"
    } else {
        "createInstitution"
    };
    finish(
        txn,
        &who,
        action,
        saved(EntityType::Institution, row.id, target),
    )
    .await?;
    Ok(row)
}

// ---- people ----
