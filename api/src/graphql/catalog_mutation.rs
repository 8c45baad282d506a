//! Mutations for sections, institutions, people, positions and agreements: for each, the same
//! three (create, update with the version read, delete), declared once by
//! [`catalog_mutations!`].

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::catalog_inputs::{
    CreateAgreementInput, CreateInstitutionInput, CreatePersonInput, CreatePositionInput,
    CreateSectionInput,
};
use super::request;
use super::types::{Agreement, Institution, Person, Position, Section};
use crate::editorial::catalog::{self, CatalogKind};
use crate::error::GraphqlResultExt;
use crate::ids::{self, Kind};

macro_rules! payload {
    ($name:ident, $field:ident: $ty:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(SimpleObject)]
        pub struct $name {
            /// The entity as saved.
            pub $field: $ty,
        }
    };
}

macro_rules! deleted {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(SimpleObject)]
        pub struct $name {
            /// The ID of the deleted entity.
            pub deleted_id: ID,
        }
    };
}

payload!(CreateSectionPayload, section: Section, "What `createSection` returns.");
payload!(UpdateSectionPayload, section: Section, "What `updateSection` returns.");
deleted!(DeleteSectionPayload, "What `deleteSection` returns.");
payload!(CreateInstitutionPayload, institution: Institution, "What `createInstitution` returns.");
payload!(UpdateInstitutionPayload, institution: Institution, "What `updateInstitution` returns.");
deleted!(
    DeleteInstitutionPayload,
    "What `deleteInstitution` returns."
);
payload!(CreatePersonPayload, person: Person, "What `createPerson` returns.");
payload!(UpdatePersonPayload, person: Person, "What `updatePerson` returns.");
deleted!(DeletePersonPayload, "What `deletePerson` returns.");
payload!(CreatePositionPayload, position: Position, "What `createPosition` returns.");
payload!(UpdatePositionPayload, position: Position, "What `updatePosition` returns.");
deleted!(DeletePositionPayload, "What `deletePosition` returns.");
payload!(CreateAgreementPayload, agreement: Agreement, "What `createAgreement` returns.");
payload!(UpdateAgreementPayload, agreement: Agreement, "What `updateAgreement` returns.");
deleted!(DeleteAgreementPayload, "What `deleteAgreement` returns.");

async fn remove(
    ctx: &Context<'_>,
    kind: CatalogKind,
    id_kind: Kind,
    id: &ID,
    version: i32,
) -> Result<()> {
    let request = request(ctx)?;
    let id = ids::decode_as("id", id_kind, id).gql()?;
    catalog::delete(&request.db, &request.viewer, kind, id, version)
        .await
        .gql()
}

/// Declares, for each catalog entity, its update input (the id, the version read and the
/// create input's fields) and its three mutations on [`CatalogMutation`]: create (no target),
/// update (the target and the version read; a stale version is a conflict), delete.
macro_rules! catalog_mutations {
    ($(
        $model:ident, $field:ident, saved by $save:ident {
            $(#[$create_doc:meta])*
            $create:ident($create_input:ident) -> $create_payload:ident;
            $(#[$update_doc:meta])*
            $update:ident($update_input:ident: $update_input_doc:literal, $id_doc:literal)
                -> $update_payload:ident;
            $(#[$delete_doc:meta])*
            $delete:ident -> $delete_payload:ident;
        }
    )*) => {
        $(
            #[doc = $update_input_doc]
            #[derive(InputObject)]
            pub struct $update_input {
                #[doc = $id_doc]
                pub id: ID,
                /// The version you read.
                pub version: i32,
                /// The new fields.
                #[graphql(flatten)]
                pub fields: $create_input,
            }
        )*

        /// Sections, institutions, people, positions and agreements (editors and admins).
        #[derive(Default)]
        pub struct CatalogMutation;

        #[Object]
        impl CatalogMutation {
            $(
                $(#[$create_doc])*
                async fn $create(
                    &self,
                    ctx: &Context<'_>,
                    input: $create_input,
                ) -> Result<$create_payload> {
                    let request = request(ctx)?;
                    let fields = input.into_fields().gql()?;
                    let row = catalog::$save(&request.db, &request.viewer, None, fields)
                        .await
                        .gql()?;
                    Ok($create_payload { $field: $model(row) })
                }

                $(#[$update_doc])*
                async fn $update(
                    &self,
                    ctx: &Context<'_>,
                    input: $update_input,
                ) -> Result<$update_payload> {
                    let request = request(ctx)?;
                    let id = ids::decode_as("input.id", Kind::$model, &input.id).gql()?;
                    let fields = input.fields.into_fields().gql()?;
                    let target = Some((id, input.version));
                    let row = catalog::$save(&request.db, &request.viewer, target, fields)
                        .await
                        .gql()?;
                    Ok($update_payload { $field: $model(row) })
                }

                $(#[$delete_doc])*
                async fn $delete(
                    &self,
                    ctx: &Context<'_>,
                    id: ID,
                    version: i32,
                ) -> Result<$delete_payload> {
                    remove(ctx, CatalogKind::$model, Kind::$model, &id, version).await?;
                    Ok($delete_payload { deleted_id: id })
                }
            )*
        }
    };
}

catalog_mutations! {
    Section, section, saved by save_section {
        /// Creates a section.
        create_section(CreateSectionInput) -> CreateSectionPayload;
        /// Replaces a section's fields.
        update_section(
            UpdateSectionInput: "A section's new fields, all of them, and the version read.",
            "The section."
        ) -> UpdateSectionPayload;
        /// Deletes a section that holds no articles and no subsections.
        delete_section -> DeleteSectionPayload;
    }
    Institution, institution, saved by save_institution {
        /// Creates an institution.
        create_institution(CreateInstitutionInput) -> CreateInstitutionPayload;
        /// Replaces an institution's fields.
        update_institution(
            UpdateInstitutionInput: "An institution's new fields, all of them, and the version read.",
            "The institution."
        ) -> UpdateInstitutionPayload;
        /// Deletes an institution with no subordinate institutions.
        delete_institution -> DeleteInstitutionPayload;
    }
    Person, person, saved by save_person {
        /// Creates a person.
        create_person(CreatePersonInput) -> CreatePersonPayload;
        /// Replaces a person's fields.
        update_person(
            UpdatePersonInput: "A person's new fields and the version read.",
            "The person."
        ) -> UpdatePersonPayload;
        /// Deletes a person, with their positions, mentions and signatures.
        delete_person -> DeletePersonPayload;
    }
    Position, position, saved by save_position {
        /// Creates a position.
        create_position(CreatePositionInput) -> CreatePositionPayload;
        /// Replaces a position's fields.
        update_position(
            UpdatePositionInput: "A position's new fields and the version read.",
            "The position."
        ) -> UpdatePositionPayload;
        /// Deletes a position.
        delete_position -> DeletePositionPayload;
    }
    Agreement, agreement, saved by save_agreement {
        /// Creates an agreement with its parties and signatories.
        create_agreement(CreateAgreementInput) -> CreateAgreementPayload;
        /// Replaces an agreement's fields, parties and signatories.
        update_agreement(
            UpdateAgreementInput: "An agreement's new fields and the version read.",
            "The agreement."
        ) -> UpdateAgreementPayload;
        /// Deletes an agreement; its successors lose their predecessor.
        delete_agreement -> DeleteAgreementPayload;
    }
}
