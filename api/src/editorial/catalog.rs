//! Commands for sections, institutions, people, positions and agreements (editors and admins).
//! Each create or update takes the entity's full set of fields; updates also take the version
//! the client read. Every command journals its change in the same transaction.

use crate::db::WriteTransaction;
use chrono::{Datelike, NaiveDate, SubsecRound, Utc};
use entities::agreement::Areas;
use entities::enums::{AgreementKind, ChangeOp, EntityType, InstitutionKind, PartyRole};
use entities::{
    agreement, agreement_party, agreement_signatory, institution, person, position, section,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};

use super::cascade::{self, Deleted};
use super::{constraint_error, permissions};
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::journal::{self, Change};
use crate::reads::Viewer;
use crate::validate;

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

fn now() -> chrono::DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn stale(kind: &str, current: i32, given: i32) -> AppError {
    AppError::Conflict {
        field: "version",
        message: format!("the {kind} is at version {current}, not {given}: reload and retry"),
    }
}

/// A free slug: the given one (a clash is an error) or one made from `source` (made unique).
async fn slug_for<E, C>(
    db: &C,
    slug_column: E::Column,
    id_column: E::Column,
    given: Option<String>,
    source: &str,
    own_id: Option<i64>,
) -> AppResult<String>
where
    E: EntityTrait,
    E::Model: Send + Sync,
    C: ConnectionTrait,
{
    let taken = |slug: String| {
        let mut query = E::find().filter(slug_column.eq(slug));
        if let Some(id) = own_id {
            query = query.filter(id_column.ne(id));
        }
        async move { query.count(db).await.map(|count| count > 0) }
    };
    match given {
        Some(slug) => {
            let slug = validate::slug("input.slug", &slug)?;
            if taken(slug.clone()).await? {
                return Err(AppError::Conflict {
                    field: "input.slug",
                    message: format!("the slug `{slug}` is taken"),
                });
            }
            Ok(slug)
        }
        None => {
            let base = validate::slugify(source);
            let mut candidate = base.clone();
            let mut counter = 2;
            while taken(candidate.clone()).await? {
                if counter > validate::SLUG_VARIANTS {
                    return Err(AppError::Conflict {
                        field: "input.slug",
                        message: "every slug made from this name is taken: give one".into(),
                    });
                }
                candidate = format!("{base}-{counter}");
                counter += 1;
            }
            Ok(candidate)
        }
    }
}

/// An entity with an `id` and a `version` column, saved under optimistic concurrency.
trait Versioned: EntityTrait {
    const ID: Self::Column;
    const VERSION: Self::Column;
    const WHAT: &'static str;
    fn version_of(row: &Self::Model) -> i32;
}

macro_rules! versioned {
    ($($module:ident => $what:literal),* $(,)?) => {
        $(
            impl Versioned for $module::Entity {
                const ID: Self::Column = $module::Column::Id;
                const VERSION: Self::Column = $module::Column::Version;
                const WHAT: &'static str = $what;
                fn version_of(row: &Self::Model) -> i32 {
                    row.version
                }
            }
        )*
    };
}

versioned!(section => "section", institution => "institution", person => "person", position => "position", agreement => "agreement");

/// Writes `active` over row `id` only if it is still at `version` (the WHERE clause is the
/// lock); returns the saved row.
async fn save_versioned<E>(
    txn: &WriteTransaction,
    active: E::ActiveModel,
    id: i64,
    version: i32,
) -> AppResult<E::Model>
where
    E: Versioned,
    E::Model: Send + Sync,
    E::ActiveModel: Send,
{
    let result = E::update_many()
        .set(active)
        .filter(E::ID.eq(id))
        .filter(E::VERSION.eq(version))
        .exec(txn)
        .await
        .map_err(|error| constraint_error(error, "input.slug", "that slug"))?;
    let row = E::find()
        .filter(E::ID.eq(id))
        .one(txn)
        .await?
        .ok_or(AppError::NotFound { what: E::WHAT })?;
    if result.rows_affected != 1 {
        return Err(stale(E::WHAT, E::version_of(&row), version));
    }
    Ok(row)
}

async fn begin(
    db: &DatabaseConnection,
    viewer: &Viewer,
) -> AppResult<(Identity, WriteTransaction)> {
    let who = permissions::edit_catalog(viewer)?;
    Ok((who, crate::db::begin_write(db).await?))
}

/// Journals `changes` (the first is the one audited as `action`) and commits.
async fn finish(
    txn: WriteTransaction,
    who: &Identity,
    action: &str,
    changes: Vec<Change>,
) -> AppResult<()> {
    if let Some(first) = changes.first() {
        journal::audit(&txn, who, action, first.entity_type, first.entity_id).await?;
    }
    journal::record_changes(&txn, &changes).await?;
    txn.commit().await?;
    Ok(())
}

/// The change of a create (`target` is `None`) or an update.
fn saved(entity_type: EntityType, id: i64, target: Option<(i64, i32)>) -> Vec<Change> {
    vec![Change::catalog(
        entity_type,
        id,
        ChangeOp::Upsert,
        target.is_none(),
    )]
}

/// Walks up from `start` through `parent_of`; an error if `own` is met (a cycle).
async fn no_cycle<F, Fut>(
    own: Option<i64>,
    start: Option<i64>,
    field: &'static str,
    parent_of: F,
) -> AppResult<()>
where
    F: Fn(i64) -> Fut,
    Fut: std::future::Future<Output = AppResult<Option<Option<i64>>>>,
{
    let mut next = start;
    let mut steps = 0;
    while let Some(id) = next {
        if Some(id) == own {
            return Err(AppError::bad_input(
                field,
                "that would put the entity under itself",
            ));
        }
        match parent_of(id).await? {
            Some(parent) => next = parent,
            None => return Err(AppError::bad_input(field, "that parent does not exist")),
        }
        steps += 1;
        if steps > 1000 {
            return Err(AppError::bad_input(field, "the hierarchy is too deep"));
        }
    }
    Ok(())
}

// ---- sections ----

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

// ---- deletes ----

/// What can be deleted here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogKind {
    /// A section (refused while articles or subsections use it).
    Section,
    /// An institution (refused while subordinate institutions exist).
    Institution,
    /// A person (their positions, mentions and signatures go with them).
    Person,
    /// A position.
    Position,
    /// An agreement (its successors lose their predecessor).
    Agreement,
}

/// Deletes one entity at `version`, and journals what its deletion changes elsewhere.
pub async fn delete(
    db: &DatabaseConnection,
    viewer: &Viewer,
    kind: CatalogKind,
    id: i64,
    version: i32,
) -> AppResult<()> {
    let (who, txn) = begin(db, viewer).await?;
    let (entity_type, action, deleted) = match kind {
        CatalogKind::Section => (EntityType::Section, "deleteSection", Deleted::Section),
        CatalogKind::Institution => (
            EntityType::Institution,
            "deleteInstitution",
            Deleted::Institution,
        ),
        CatalogKind::Person => (EntityType::Person, "deletePerson", Deleted::Person),
        CatalogKind::Position => (EntityType::Position, "deletePosition", Deleted::Position),
        CatalogKind::Agreement => (EntityType::Agreement, "deleteAgreement", Deleted::Agreement),
    };
    let mut changes = vec![Change::catalog(entity_type, id, ChangeOp::Delete, false)];
    match kind {
        CatalogKind::Section => {
            changes.extend(locked_dependents::<section::Entity>(&txn, deleted, id).await?);
            delete_versioned::<section::Entity>(&txn, id, version).await?;
        }
        CatalogKind::Institution => {
            changes.extend(locked_dependents::<institution::Entity>(&txn, deleted, id).await?);
            delete_versioned::<institution::Entity>(&txn, id, version).await?;
        }
        CatalogKind::Person => {
            changes.extend(locked_dependents::<person::Entity>(&txn, deleted, id).await?);
            delete_versioned::<person::Entity>(&txn, id, version).await?;
        }
        CatalogKind::Position => {
            changes.extend(locked_dependents::<position::Entity>(&txn, deleted, id).await?);
            delete_versioned::<position::Entity>(&txn, id, version).await?;
        }
        CatalogKind::Agreement => {
            changes.extend(locked_dependents::<agreement::Entity>(&txn, deleted, id).await?);
            delete_versioned::<agreement::Entity>(&txn, id, version).await?;
        }
    }
    finish(txn, &who, action, changes).await
}

/// Locks row `id` of `E`, then reads what deleting it changes elsewhere (nothing when the row is
/// missing: the delete then reports it).
async fn locked_dependents<E>(
    txn: &WriteTransaction,
    deleted: Deleted,
    id: i64,
) -> AppResult<Vec<Change>>
where
    E: Versioned,
{
    if !cascade::lock::<E, _>(txn, E::ID, id).await? {
        return Ok(Vec::new());
    }
    cascade::dependents(txn, deleted, id).await
}

/// Deletes row `id` only if it is still at `version`.
async fn delete_versioned<E>(txn: &WriteTransaction, id: i64, version: i32) -> AppResult<()>
where
    E: Versioned,
    E::Model: Send + Sync,
{
    let result = E::delete_many()
        .filter(E::ID.eq(id))
        .filter(E::VERSION.eq(version))
        .exec(txn)
        .await
        .map_err(|error| constraint_error(error, "id", "it"))?;
    if result.rows_affected == 1 {
        return Ok(());
    }
    match E::find().filter(E::ID.eq(id)).one(txn).await? {
        Some(row) => Err(stale(E::WHAT, E::version_of(&row), version)),
        None => Err(AppError::NotFound { what: E::WHAT }),
    }
}
