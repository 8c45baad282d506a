//! Article commands: create, update, delete, publish (now or later), unpublish, archive,
//! restore a revision. Each runs in one transaction that also writes a revision, an audit entry
//! and a change-log row.

use std::collections::HashSet;

use chrono::{DateTime, SubsecRound, Utc};
use entities::enums::{ArticleStatus, EntityType, Locale, MentionRole};
use entities::{
    agreement, article, article_agreement, article_author, article_institution, article_person,
    article_revision, article_tag, institution, media, person, section, tag,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use super::cascade::{self, Deleted};
use super::{constraint_error, permissions};
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::journal::{self, Change};
use crate::reads::Viewer;
use crate::validate;

/// A media item as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaFields {
    /// File URL.
    pub url: Option<String>,
    /// Caption.
    pub caption: Option<String>,
    /// Alt text.
    pub alt_text: Option<String>,
    /// Credit.
    pub credit: Option<String>,
    /// Width in pixels.
    pub width: Option<i32>,
    /// Height in pixels.
    pub height: Option<i32>,
}

/// A person named in an article, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MentionFields {
    /// The person.
    pub person_id: i64,
    /// Why they are named.
    pub roles: Vec<MentionRole>,
    /// Their title as printed.
    pub title_as_printed: Option<String>,
}

/// Everything an editor sets on an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleFields {
    /// Headline.
    pub title: String,
    /// URL slug; generated from the title when absent.
    pub slug: Option<String>,
    /// Standfirst.
    pub summary: Option<String>,
    /// Markdown body.
    pub body: String,
    /// Section.
    pub section_id: i64,
    /// Language.
    pub locale: Locale,
    /// Byline unit.
    pub source_institution_id: Option<i64>,
    /// The original this translates.
    pub translation_of_id: Option<i64>,
    /// Byline authors, in order.
    pub authors: Vec<i64>,
    /// Media, in order.
    pub media: Vec<MediaFields>,
    /// People named, in order.
    pub people: Vec<MentionFields>,
    /// Institutions named, in order.
    pub institutions: Vec<i64>,
    /// Related agreements, in order.
    pub agreements: Vec<i64>,
    /// Tag slugs, in order.
    pub tags: Vec<String>,
}

/// A partial update: `None` keeps the current value; for nullable fields `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ArticlePatch {
    /// Headline.
    pub title: Option<String>,
    /// Slug.
    pub slug: Option<String>,
    /// Standfirst.
    pub summary: Option<Option<String>>,
    /// Body.
    pub body: Option<String>,
    /// Section.
    pub section_id: Option<i64>,
    /// Language.
    pub locale: Option<Locale>,
    /// Byline unit.
    pub source_institution_id: Option<Option<i64>>,
    /// Original.
    pub translation_of_id: Option<Option<i64>>,
    /// Authors.
    pub authors: Option<Vec<i64>>,
    /// Media.
    pub media: Option<Vec<MediaFields>>,
    /// People.
    pub people: Option<Vec<MentionFields>>,
    /// Institutions.
    pub institutions: Option<Vec<i64>>,
    /// Agreements.
    pub agreements: Option<Vec<i64>>,
    /// Tags.
    pub tags: Option<Vec<String>>,
}

/// A revision's snapshot: the fields and the workflow state.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Snapshot {
    fields: ArticleFields,
    status: ArticleStatus,
    published_at: Option<DateTime<Utc>>,
}

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

async fn find<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<article::Model> {
    article::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound { what: "article" })
}

fn check_version(row: &article::Model, expected: Option<i32>) -> AppResult<()> {
    match expected {
        Some(version) if version != row.version => Err(AppError::Conflict {
            field: "version",
            message: format!(
                "the article is at version {}, not {version}: someone saved it since you read it; reload and retry",
                row.version
            ),
        }),
        _ => Ok(()),
    }
}

/// The fields of a stored article, links included.
async fn current_fields<C: ConnectionTrait>(
    db: &C,
    row: &article::Model,
) -> AppResult<ArticleFields> {
    let id = row.id;
    let authors = article_author::Entity::find()
        .filter(article_author::Column::ArticleId.eq(id))
        .order_by_asc(article_author::Column::Position)
        .all(db)
        .await?;
    let media_rows = media::Entity::find()
        .filter(media::Column::ArticleId.eq(id))
        .order_by_asc(media::Column::Position)
        .all(db)
        .await?;
    let mentions = article_person::Entity::find()
        .filter(article_person::Column::ArticleId.eq(id))
        .order_by_asc(article_person::Column::Position)
        .all(db)
        .await?;
    let institutions = article_institution::Entity::find()
        .filter(article_institution::Column::ArticleId.eq(id))
        .order_by_asc(article_institution::Column::Position)
        .all(db)
        .await?;
    let agreements = article_agreement::Entity::find()
        .filter(article_agreement::Column::ArticleId.eq(id))
        .order_by_asc(article_agreement::Column::Position)
        .all(db)
        .await?;
    let tag_links = article_tag::Entity::find()
        .filter(article_tag::Column::ArticleId.eq(id))
        .order_by_asc(article_tag::Column::Position)
        .all(db)
        .await?;
    let tag_rows = tag::Entity::find()
        .filter(tag::Column::Id.is_in(tag_links.iter().map(|link| link.tag_id)))
        .all(db)
        .await?;
    let mut people: Vec<MentionFields> = Vec::new();
    for mention in mentions {
        match people
            .iter_mut()
            .find(|entry| entry.person_id == mention.person_id)
        {
            Some(entry) => entry.roles.push(mention.role),
            None => people.push(MentionFields {
                person_id: mention.person_id,
                roles: vec![mention.role],
                title_as_printed: mention.title_as_printed,
            }),
        }
    }
    Ok(ArticleFields {
        title: row.title.clone(),
        slug: Some(row.slug.clone()),
        summary: row.summary.clone(),
        body: row.body.clone(),
        section_id: row.section_id,
        locale: row.locale,
        source_institution_id: row.source_institution_id,
        translation_of_id: row.translation_of_id,
        authors: authors.into_iter().map(|link| link.person_id).collect(),
        media: media_rows
            .into_iter()
            .map(|row| MediaFields {
                url: row.url,
                caption: row.caption,
                alt_text: row.alt_text,
                credit: row.credit,
                width: row.width,
                height: row.height,
            })
            .collect(),
        people,
        institutions: institutions
            .into_iter()
            .map(|link| link.institution_id)
            .collect(),
        agreements: agreements
            .into_iter()
            .map(|link| link.agreement_id)
            .collect(),
        tags: tag_links
            .iter()
            .filter_map(|link| {
                tag_rows
                    .iter()
                    .find(|tag| tag.id == link.tag_id)
                    .map(|tag| tag.slug.clone())
            })
            .collect(),
    })
}

fn apply(mut fields: ArticleFields, patch: ArticlePatch) -> ArticleFields {
    if let Some(title) = patch.title {
        fields.title = title;
    }
    if let Some(slug) = patch.slug {
        fields.slug = Some(slug);
    }
    if let Some(summary) = patch.summary {
        fields.summary = summary;
    }
    if let Some(body) = patch.body {
        fields.body = body;
    }
    if let Some(section) = patch.section_id {
        fields.section_id = section;
    }
    if let Some(locale) = patch.locale {
        fields.locale = locale;
    }
    if let Some(unit) = patch.source_institution_id {
        fields.source_institution_id = unit;
    }
    if let Some(original) = patch.translation_of_id {
        fields.translation_of_id = original;
    }
    if let Some(authors) = patch.authors {
        fields.authors = authors;
    }
    if let Some(media) = patch.media {
        fields.media = media;
    }
    if let Some(people) = patch.people {
        fields.people = people;
    }
    if let Some(institutions) = patch.institutions {
        fields.institutions = institutions;
    }
    if let Some(agreements) = patch.agreements {
        fields.agreements = agreements;
    }
    if let Some(tags) = patch.tags {
        fields.tags = tags;
    }
    fields
}

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
async fn validated<C: ConnectionTrait>(
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

/// Replaces the link rows of an article with `fields`' lists.
async fn write_links<C: ConnectionTrait>(
    db: &C,
    article_id: i64,
    fields: &ArticleFields,
) -> AppResult<()> {
    article_author::Entity::delete_many()
        .filter(article_author::Column::ArticleId.eq(article_id))
        .exec(db)
        .await?;
    media::Entity::delete_many()
        .filter(media::Column::ArticleId.eq(article_id))
        .exec(db)
        .await?;
    article_person::Entity::delete_many()
        .filter(article_person::Column::ArticleId.eq(article_id))
        .exec(db)
        .await?;
    article_institution::Entity::delete_many()
        .filter(article_institution::Column::ArticleId.eq(article_id))
        .exec(db)
        .await?;
    article_agreement::Entity::delete_many()
        .filter(article_agreement::Column::ArticleId.eq(article_id))
        .exec(db)
        .await?;
    article_tag::Entity::delete_many()
        .filter(article_tag::Column::ArticleId.eq(article_id))
        .exec(db)
        .await?;

    for (position, person_id) in fields.authors.iter().enumerate() {
        article_author::ActiveModel {
            article_id: Set(article_id),
            person_id: Set(*person_id),
            position: Set(position as i32),
        }
        .insert(db)
        .await?;
    }
    let at = now();
    for (position, item) in fields.media.iter().enumerate() {
        media::ActiveModel {
            article_id: Set(article_id),
            position: Set(position as i32),
            url: Set(item.url.clone()),
            caption: Set(item.caption.clone()),
            alt_text: Set(item.alt_text.clone()),
            credit: Set(item.credit.clone()),
            width: Set(item.width),
            height: Set(item.height),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    let mut position = 0;
    for mention in &fields.people {
        let roles: HashSet<MentionRole> = mention.roles.iter().copied().collect();
        for role in mention.roles.iter().filter(|role| roles.contains(role)) {
            let exists = article_person::Entity::find_by_id((article_id, mention.person_id, *role))
                .one(db)
                .await?;
            if exists.is_some() {
                continue;
            }
            article_person::ActiveModel {
                article_id: Set(article_id),
                person_id: Set(mention.person_id),
                role: Set(*role),
                title_as_printed: Set(mention.title_as_printed.clone()),
                position: Set(position),
            }
            .insert(db)
            .await?;
            position += 1;
        }
    }
    for (position, institution_id) in fields.institutions.iter().enumerate() {
        article_institution::ActiveModel {
            article_id: Set(article_id),
            institution_id: Set(*institution_id),
            position: Set(position as i32),
        }
        .insert(db)
        .await?;
    }
    for (position, agreement_id) in fields.agreements.iter().enumerate() {
        article_agreement::ActiveModel {
            article_id: Set(article_id),
            agreement_id: Set(*agreement_id),
            position: Set(position as i32),
        }
        .insert(db)
        .await?;
    }
    for (position, slug) in fields.tags.iter().enumerate() {
        let tag_id = match tag::Entity::find()
            .filter(tag::Column::Slug.eq(slug))
            .one(db)
            .await?
        {
            Some(tag) => tag.id,
            None => {
                tag::ActiveModel {
                    slug: Set(slug.clone()),
                    name: Set(slug.replace('-', " ")),
                    ..Default::default()
                }
                .insert(db)
                .await?
                .id
            }
        };
        article_tag::ActiveModel {
            article_id: Set(article_id),
            tag_id: Set(tag_id),
            position: Set(position as i32),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Stores a revision of the article as it now is, and journals the change.
async fn finish<C: ConnectionTrait>(
    db: &C,
    who: &Identity,
    action: &str,
    was_public: bool,
    row: &article::Model,
) -> AppResult<()> {
    let snapshot = Snapshot {
        fields: current_fields(db, row).await?,
        status: row.status,
        published_at: row.published_at,
    };
    let snapshot = serde_json::to_value(&snapshot)
        .map_err(|error| AppError::Internal(format!("snapshot: {error}")))?;
    article_revision::ActiveModel {
        article_id: Set(row.id),
        version: Set(row.version),
        snapshot: Set(snapshot),
        user_id: Set(who.user_id),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let mut change = Change::article(row.id, None, Some(row));
    change.was_public = was_public;
    journal::journal(db, who, action, change).await
}

/// Creates a draft owned by the caller.
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    fields: ArticleFields,
) -> AppResult<article::Model> {
    let who = permissions::create_article(viewer)?;
    let txn = crate::db::begin_write(db).await?;
    let fields = validated(&txn, fields, None).await?;
    let at = now();
    let row = article::ActiveModel {
        slug: Set(fields.slug.clone().unwrap_or_default()),
        locale: Set(fields.locale),
        title: Set(fields.title.clone()),
        summary: Set(fields.summary.clone()),
        body: Set(fields.body.clone()),
        section_id: Set(fields.section_id),
        source_institution_id: Set(fields.source_institution_id),
        status: Set(ArticleStatus::Draft),
        published_at: Set(None),
        sort_at: Set(at),
        translation_of_id: Set(fields.translation_of_id),
        owner_id: Set(who.user_id),
        version: Set(1),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|error| constraint_error(error, "input.slug", "that slug"))?;
    write_links(&txn, row.id, &fields).await?;
    finish(&txn, &who, "createArticle", false, &row).await?;
    txn.commit().await?;
    Ok(row)
}

/// Saves `fields` over the article if it is still at `version`; returns the new row.
async fn save<C: ConnectionTrait>(
    db: &C,
    row: article::Model,
    fields: &ArticleFields,
    workflow: Option<(ArticleStatus, Option<DateTime<Utc>>)>,
) -> AppResult<article::Model> {
    let expected = row.version;
    let (status, published_at) = workflow.unwrap_or((row.status, row.published_at));
    let mut active: article::ActiveModel = row.clone().into();
    active.slug = Set(fields.slug.clone().unwrap_or(row.slug.clone()));
    active.locale = Set(fields.locale);
    active.title = Set(fields.title.clone());
    active.summary = Set(fields.summary.clone());
    active.body = Set(fields.body.clone());
    active.section_id = Set(fields.section_id);
    active.source_institution_id = Set(fields.source_institution_id);
    active.translation_of_id = Set(fields.translation_of_id);
    active.status = Set(status);
    active.published_at = Set(published_at);
    active.sort_at = Set(published_at.unwrap_or(row.sort_at));
    active.version = Set(expected + 1);
    active.updated_at = Set(now());
    // Only if nobody saved in between: the version in the WHERE clause is the lock.
    let result = article::Entity::update_many()
        .set(active)
        .filter(article::Column::Id.eq(row.id))
        .filter(article::Column::Version.eq(expected))
        .exec(db)
        .await
        .map_err(|error| constraint_error(error, "input.slug", "that slug"))?;
    if result.rows_affected != 1 {
        return Err(AppError::Conflict {
            field: "version",
            message: "someone saved the article at the same time; reload and retry".into(),
        });
    }
    find(db, row.id).await
}

/// Updates an article; `version` is the version the client read.
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: i32,
    patch: ArticlePatch,
) -> AppResult<article::Model> {
    let txn = crate::db::begin_write(db).await?;
    let row = find(&txn, id).await?;
    let who = permissions::edit_article(viewer, &row)?;
    check_version(&row, Some(version))?;
    let touches_links = patch.authors.is_some()
        || patch.media.is_some()
        || patch.people.is_some()
        || patch.institutions.is_some()
        || patch.agreements.is_some()
        || patch.tags.is_some();
    let fields = apply(current_fields(&txn, &row).await?, patch);
    let fields = validated(&txn, fields, Some(id)).await?;
    let was_public = journal::is_public(&row);
    let row = save(&txn, row, &fields, None).await?;
    if touches_links {
        write_links(&txn, id, &fields).await?;
    }
    finish(&txn, &who, "updateArticle", was_public, &row).await?;
    txn.commit().await?;
    Ok(row)
}

/// Moves an article through the workflow.
async fn transition(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: Option<i32>,
    action: &str,
    to: impl FnOnce(&article::Model) -> (ArticleStatus, Option<DateTime<Utc>>),
) -> AppResult<article::Model> {
    let who = permissions::publish(viewer)?;
    let txn = crate::db::begin_write(db).await?;
    let row = find(&txn, id).await?;
    check_version(&row, version)?;
    let fields = current_fields(&txn, &row).await?;
    let state = to(&row);
    let was_public = journal::is_public(&row);
    let row = save(&txn, row, &fields, Some(state)).await?;
    finish(&txn, &who, action, was_public, &row).await?;
    if was_public != journal::is_public(&row) {
        // Its translations show it as their original to the public, or stop doing so.
        let translations = cascade::translations(&txn, row.id).await?;
        journal::record_changes(&txn, &translations).await?;
    }
    txn.commit().await?;
    Ok(row)
}

/// Publishes now, or at `at` (a future time schedules it: it becomes visible by itself).
pub async fn publish(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    at: Option<DateTime<Utc>>,
    version: Option<i32>,
) -> AppResult<article::Model> {
    let at = match at {
        Some(at) => validate::instant("at", at)?.trunc_subsecs(6),
        None => now(),
    };
    transition(db, viewer, id, version, "publishArticle", |_| {
        (ArticleStatus::Published, Some(at))
    })
    .await
}

/// Takes an article back to draft.
pub async fn unpublish(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: Option<i32>,
) -> AppResult<article::Model> {
    transition(db, viewer, id, version, "unpublishArticle", |_| {
        (ArticleStatus::Draft, None)
    })
    .await
}

/// Archives an article.
pub async fn archive(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: Option<i32>,
) -> AppResult<article::Model> {
    transition(db, viewer, id, version, "archiveArticle", |row| {
        (ArticleStatus::Archived, row.published_at)
    })
    .await
}

/// Deletes an article (its links and revisions go with it).
pub async fn delete(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    version: i32,
) -> AppResult<i64> {
    let txn = crate::db::begin_write(db).await?;
    let row = find(&txn, id).await?;
    let who = permissions::edit_article(viewer, &row)?;
    check_version(&row, Some(version))?;
    // Translations keep existing; they lose their original, and say so in the change log.
    cascade::lock::<article::Entity, _>(&txn, article::Column::Id, id).await?;
    let mut changes = vec![Change::article(id, Some(&row), None)];
    changes.extend(cascade::dependents(&txn, Deleted::Article, id).await?);
    article::Entity::delete_by_id(id).exec(&txn).await?;
    journal::audit(&txn, &who, "deleteArticle", EntityType::Article, id).await?;
    journal::record_changes(&txn, &changes).await?;
    txn.commit().await?;
    Ok(id)
}

/// The revisions of an article, newest first, for those who may edit it (editors, admins, and
/// the author of their own draft); empty for everyone else.
pub async fn revisions<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    row: &article::Model,
) -> AppResult<Vec<article_revision::Model>> {
    if permissions::publish(viewer).is_err() && permissions::edit_article(viewer, row).is_err() {
        return Ok(Vec::new());
    }
    Ok(article_revision::Entity::find()
        .filter(article_revision::Column::ArticleId.eq(row.id))
        .order_by_desc(article_revision::Column::Id)
        .all(db)
        .await?)
}

/// Makes an old revision current, as a new revision. Workflow state is kept as it is now.
pub async fn restore_revision(
    db: &DatabaseConnection,
    viewer: &Viewer,
    revision_id: i64,
    version: i32,
) -> AppResult<article::Model> {
    let txn = crate::db::begin_write(db).await?;
    let revision = article_revision::Entity::find_by_id(revision_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound { what: "revision" })?;
    let row = find(&txn, revision.article_id).await?;
    let who = permissions::edit_article(viewer, &row)?;
    check_version(&row, Some(version))?;
    let snapshot: Snapshot = serde_json::from_value(revision.snapshot).map_err(|error| {
        AppError::Internal(format!("revision {revision_id} does not parse: {error}"))
    })?;
    let fields = validated(&txn, snapshot.fields, Some(row.id)).await?;
    let was_public = journal::is_public(&row);
    let row = save(&txn, row, &fields, None).await?;
    write_links(&txn, row.id, &fields).await?;
    finish(&txn, &who, "restoreArticleRevision", was_public, &row).await?;
    txn.commit().await?;
    Ok(row)
}

/// The fields of a revision, for display.
pub fn revision_fields(
    revision: &article_revision::Model,
) -> Option<(ArticleFields, ArticleStatus)> {
    serde_json::from_value::<Snapshot>(revision.snapshot.clone())
        .ok()
        .map(|snapshot| (snapshot.fields, snapshot.status))
}

/// A signed link to one article, for a reviewer without an account.
pub async fn preview_token(
    db: &DatabaseConnection,
    viewer: &Viewer,
    keys: &crate::auth::tokens::Keys,
    id: i64,
    ttl_seconds: u64,
) -> AppResult<(String, DateTime<Utc>)> {
    let row = find(db, id).await?;
    let who = permissions::edit_article(viewer, &row).or_else(|_| permissions::publish(viewer))?;
    let issued = keys.issue_preview(id, ttl_seconds)?;
    // Whoever holds the link reads the draft until it expires: who handed one out is recorded.
    let txn = crate::db::begin_write(db).await?;
    journal::audit(&txn, &who, "createPreviewToken", EntityType::Article, id).await?;
    txn.commit().await?;
    Ok(issued)
}

/// The article a preview token opens, whatever its status.
pub async fn open_preview<C: ConnectionTrait>(
    db: &C,
    keys: &crate::auth::tokens::Keys,
    token: &str,
) -> AppResult<article::Model> {
    let id = keys.verify_preview(token)?;
    find(db, id).await
}
