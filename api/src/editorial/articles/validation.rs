//! Checking an article's fields before they are written: lengths, slugs, dates, and that every
//! section, person, institution, agreement and tag named exists; each error names its field.

use std::collections::HashSet;

use entities::{agreement, article, institution, person, section};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::error::{AppError, AppResult};
use crate::validate;

use super::ArticleFields;
/// Checks that every id in `ids` exists in the table of `E`.
async fn all_exist<E, C>(
    db: &C,
    column: E::Column,
    ids: &[i64],
    field: &'static str,
    what: &str,
) -> AppResult<()>
where
    E: EntityTrait,
    E::Model: Send + Sync,
    C: ConnectionTrait,
{
    let unique: HashSet<i64> = ids.iter().copied().collect();
    if unique.len() != ids.len() {
        return Err(AppError::bad_input(
            field,
            format!("the same {what} is listed twice"),
        ));
    }
    if unique.is_empty() {
        return Ok(());
    }
    let found = E::find()
        .filter(column.is_in(unique.iter().copied()))
        .count(db)
        .await?;
    if found as usize != unique.len() {
        return Err(AppError::bad_input(
            field,
            format!("a {what} in `{field}` does not exist"),
        ));
    }
    Ok(())
}

/// Validates the fields and settles the slug; `own_id` is the article being updated.
pub(super) async fn validated<C: ConnectionTrait>(
    db: &C,
    fields: ArticleFields,
    own_id: Option<i64>,
) -> AppResult<ArticleFields> {
    let mut fields = fields;
    validate::at_most("input.authors", &fields.authors, 50)?;
    validate::at_most("input.media", &fields.media, 100)?;
    validate::at_most("input.people", &fields.people, 200)?;
    validate::at_most("input.institutions", &fields.institutions, 100)?;
    validate::at_most("input.agreements", &fields.agreements, 50)?;
    validate::at_most("input.tags", &fields.tags, 50)?;
    for mention in &fields.people {
        validate::at_most("input.people.roles", &mention.roles, 8)?;
    }
    fields.title = validate::text("input.title", &fields.title, 1, 500)?;
    fields.summary = validate::optional_text("input.summary", fields.summary.as_deref(), 2000)?;
    if fields.body.len() > 500_000 {
        return Err(AppError::bad_input(
            "input.body",
            "the body is over 500,000 bytes",
        ));
    }
    if section::Entity::find_by_id(fields.section_id)
        .one(db)
        .await?
        .is_none()
    {
        return Err(AppError::bad_input(
            "input.section",
            "that section does not exist",
        ));
    }
    if let Some(unit) = fields.source_institution_id {
        all_exist::<institution::Entity, _>(
            db,
            institution::Column::Id,
            &[unit],
            "input.sourceInstitution",
            "institution",
        )
        .await?;
    }
    if let Some(original) = fields.translation_of_id {
        let original_row = article::Entity::find_by_id(original)
            .one(db)
            .await?
            .ok_or_else(|| {
                AppError::bad_input("input.translationOf", "that article does not exist")
            })?;
        if Some(original) == own_id || original_row.translation_of_id.is_some() {
            return Err(AppError::bad_input(
                "input.translationOf",
                "point translations at the original article",
            ));
        }
        if original_row.locale == fields.locale {
            return Err(AppError::bad_input(
                "input.translationOf",
                "a translation is in another locale than its original",
            ));
        }
    }
    all_exist::<person::Entity, _>(
        db,
        person::Column::Id,
        &fields.authors,
        "input.authors",
        "person",
    )
    .await?;
    let mentioned: Vec<i64> = fields
        .people
        .iter()
        .map(|mention| mention.person_id)
        .collect();
    all_exist::<person::Entity, _>(db, person::Column::Id, &mentioned, "input.people", "person")
        .await?;
    for mention in &mut fields.people {
        if mention.roles.is_empty() {
            return Err(AppError::bad_input(
                "input.people",
                "give each person named at least one role",
            ));
        }
        mention.title_as_printed = validate::optional_text(
            "input.people.titleAsPrinted",
            mention.title_as_printed.as_deref(),
            500,
        )?;
    }
    all_exist::<institution::Entity, _>(
        db,
        institution::Column::Id,
        &fields.institutions,
        "input.institutions",
        "institution",
    )
    .await?;
    all_exist::<agreement::Entity, _>(
        db,
        agreement::Column::Id,
        &fields.agreements,
        "input.agreements",
        "agreement",
    )
    .await?;
    for item in &mut fields.media {
        item.url = item
            .url
            .as_deref()
            .map(|url| validate::url("input.media.url", url))
            .transpose()?;
        item.caption =
            validate::optional_text("input.media.caption", item.caption.as_deref(), 2000)?;
        item.alt_text =
            validate::optional_text("input.media.altText", item.alt_text.as_deref(), 2000)?;
        item.credit = validate::optional_text("input.media.credit", item.credit.as_deref(), 300)?;
        item.width = validate::pixels("input.media.width", item.width)?;
        item.height = validate::pixels("input.media.height", item.height)?;
    }
    for tag in &fields.tags {
        validate::slug("input.tags", tag)?;
    }

    let taken = |slug: String| {
        let mut query = article::Entity::find()
            .filter(article::Column::Slug.eq(slug))
            .filter(article::Column::Locale.eq(fields.locale));
        if let Some(id) = own_id {
            query = query.filter(article::Column::Id.ne(id));
        }
        async move { query.count(db).await.map(|count| count > 0) }
    };
    match fields.slug.clone() {
        Some(slug) => {
            let slug = validate::slug("input.slug", &slug)?;
            if taken(slug.clone()).await? {
                return Err(AppError::Conflict {
                    field: "input.slug",
                    message: format!("the slug `{slug}` is taken in this locale"),
                });
            }
            fields.slug = Some(slug);
        }
        None => {
            let base = validate::slugify(&fields.title);
            let mut candidate = base.clone();
            let mut counter = 2;
            while taken(candidate.clone()).await? {
                if counter > validate::SLUG_VARIANTS {
                    return Err(AppError::Conflict {
                        field: "input.slug",
                        message: "every slug made from this title is taken: give one".into(),
                    });
                }
                candidate = format!("{base}-{counter}");
                counter += 1;
            }
            fields.slug = Some(candidate);
        }
    }
    Ok(fields)
}
