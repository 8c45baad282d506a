//! Sections: their fields and the command that saves one.

use entities::enums::EntityType;
use entities::section;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

use super::constraint_error;
use crate::error::AppResult;
use crate::reads::Viewer;
use crate::validate;

use super::{begin, finish, no_cycle, now, save_versioned, saved, slug_for};

/// A section as written.
#[derive(Debug, Clone)]
pub struct SectionFields {
    /// Slug; from the name when absent.
    pub slug: Option<String>,
    /// English name.
    pub name: String,
    /// Chinese name.
    pub name_zh: Option<String>,
    /// Parent section.
    pub parent_id: Option<i64>,
    /// Order among siblings.
    pub position: i32,
}

/// Creates (`target` = None) or updates (`target` = id and version) a section.
pub async fn save_section(
    db: &DatabaseConnection,
    viewer: &Viewer,
    target: Option<(i64, i32)>,
    fields: SectionFields,
) -> AppResult<section::Model> {
    let (who, txn) = begin(db, viewer).await?;
    let own = target.map(|(id, _)| id);
    let name = validate::text("input.name", &fields.name, 1, 200)?;
    let name_zh = validate::optional_text("input.nameZh", fields.name_zh.as_deref(), 200)?;
    let db = &txn;
    no_cycle(own, fields.parent_id, "input.parent", |id| async move {
        Ok(section::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|row| row.parent_id))
    })
    .await?;
    let slug = slug_for::<section::Entity, _>(
        &txn,
        section::Column::Slug,
        section::Column::Id,
        fields.slug,
        &name,
        own,
    )
    .await?;
    let at = now();
    let row = match target {
        None => section::ActiveModel {
            slug: Set(slug),
            name_en: Set(name),
            name_zh: Set(name_zh),
            parent_id: Set(fields.parent_id),
            position: Set(fields.position),
            version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|error| constraint_error(error, "input.slug", "that slug"))?,
        Some((id, version)) => {
            let active = section::ActiveModel {
                slug: Set(slug),
                name_en: Set(name),
                name_zh: Set(name_zh),
                parent_id: Set(fields.parent_id),
                position: Set(fields.position),
                version: Set(version + 1),
                updated_at: Set(at),
                ..Default::default()
            };
            save_versioned::<section::Entity>(&txn, active, id, version).await?
        }
    };
    let action = if target.is_some() {
        "updateSection"
    } else {
        "createSection"
    };
    finish(
        txn,
        &who,
        action,
        saved(EntityType::Section, row.id, target),
    )
    .await?;
    Ok(row)
}

// ---- institutions ----
