//! Commands for sections, institutions, people, positions and agreements (editors and admins).
//! Each create or update takes the entity's full set of fields; updates also take the version
//! the client read. Every command journals its change in the same transaction.

//!
//! Each entity's fields and save command have a file of their own; the rules they share
//! (versions, slugs, journaling) and deletion are here.

mod agreements;
mod institutions;
mod people;
mod sections;

pub use agreements::{AgreementFields, save_agreement};
pub use institutions::{InstitutionFields, save_institution};
pub use people::{PersonFields, PositionFields, save_person, save_position};
pub use sections::{SectionFields, save_section};

use crate::db::WriteTransaction;
use chrono::{SubsecRound, Utc};
use entities::enums::{ChangeOp, EntityType};
use entities::{agreement, institution, person, position, section};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};

use super::cascade::{self, Deleted};
use super::{constraint_error, permissions};
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::journal::{self, Change};
use crate::reads::Viewer;
use crate::validate;

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
