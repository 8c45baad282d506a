//! Mutations for sections, institutions, people, positions and agreements.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::request;
use super::types::{
    Agreement, AgreementKind, Date, Institution, InstitutionKind, PartyRole, Person, Position,
    Section,
};
use crate::editorial::catalog::{
    self, AgreementFields, CatalogKind, InstitutionFields, PersonFields, PositionFields,
    SectionFields,
};
use crate::error::{AppResult, GraphqlResultExt};
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

fn optional_id(field: &'static str, kind: Kind, id: Option<ID>) -> AppResult<Option<i64>> {
    id.map(|id| ids::decode_as(field, kind, &id)).transpose()
}

/// A section.
#[derive(InputObject)]
pub struct CreateSectionInput {
    /// URL slug; generated from the name when omitted.
    pub slug: Option<String>,
    /// English name.
    pub name: String,
    /// Chinese name.
    pub name_zh: Option<String>,
    /// The section above (a `Section` ID); omitted for a top-level section.
    pub parent: Option<ID>,
    /// Order among siblings.
    #[graphql(default)]
    pub position: i32,
}

impl CreateSectionInput {
    fn into_fields(self) -> AppResult<SectionFields> {
        Ok(SectionFields {
            slug: self.slug,
            name: self.name,
            name_zh: self.name_zh,
            parent_id: optional_id("input.parent", Kind::Section, self.parent)?,
            position: self.position,
        })
    }
}

/// A section's new fields, all of them, and the version read.
#[derive(InputObject)]
pub struct UpdateSectionInput {
    /// The section.
    pub id: ID,
    /// The version you read.
    pub version: i32,
    /// The new fields.
    #[graphql(flatten)]
    pub fields: CreateSectionInput,
}

/// An institution.
#[derive(InputObject)]
pub struct CreateInstitutionInput {
    /// URL slug; generated from the name when omitted.
    pub slug: Option<String>,
    /// English name.
    pub name: String,
    /// Chinese name.
    pub name_zh: Option<String>,
    /// English short name.
    pub short_name: Option<String>,
    /// Chinese short name.
    pub short_name_zh: Option<String>,
    /// What sort of body.
    pub kind: InstitutionKind,
    /// The body it belongs to (an `Institution` ID).
    pub parent: Option<ID>,
    /// Province or region.
    pub region: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Website (http or https).
    pub website: Option<String>,
    /// Motto in English.
    pub motto: Option<String>,
    /// Motto in Chinese.
    pub motto_zh: Option<String>,
}

impl CreateInstitutionInput {
    fn into_fields(self) -> AppResult<InstitutionFields> {
        Ok(InstitutionFields {
            slug: self.slug,
            name: self.name,
            name_zh: self.name_zh,
            short_name: self.short_name,
            short_name_zh: self.short_name_zh,
            kind: self.kind.into(),
            parent_id: optional_id("input.parent", Kind::Institution, self.parent)?,
            region: self.region,
            city: self.city,
            address: self.address,
            postcode: self.postcode,
            website: self.website,
            motto: self.motto,
            motto_zh: self.motto_zh,
        })
    }
}

/// An institution's new fields, all of them, and the version read.
#[derive(InputObject)]
pub struct UpdateInstitutionInput {
    /// The institution.
    pub id: ID,
    /// The version you read.
    pub version: i32,
    /// The new fields.
    #[graphql(flatten)]
    pub fields: CreateInstitutionInput,
}

/// A person.
#[derive(InputObject)]
pub struct CreatePersonInput {
    /// URL slug; generated from the name when omitted.
    pub slug: Option<String>,
    /// Name in English.
    pub name: String,
    /// Name in Chinese.
    pub name_zh: Option<String>,
}

/// A person's new fields and the version read.
#[derive(InputObject)]
pub struct UpdatePersonInput {
    /// The person.
    pub id: ID,
    /// The version you read.
    pub version: i32,
    /// The new fields.
    #[graphql(flatten)]
    pub fields: CreatePersonInput,
}

/// A position.
#[derive(InputObject)]
pub struct CreatePositionInput {
    /// Who (a `Person` ID).
    pub person: ID,
    /// Where (an `Institution` ID).
    pub institution: ID,
    /// Title in English.
    pub title: String,
    /// Title in Chinese.
    pub title_zh: Option<String>,
    /// First day.
    pub started_on: Option<Date>,
    /// Last day; not with `isCurrent`.
    pub ended_on: Option<Date>,
    /// Still held; defaults to true when there is no end date.
    pub is_current: Option<bool>,
}

impl CreatePositionInput {
    fn into_fields(self) -> AppResult<PositionFields> {
        let ended_on = self.ended_on.map(|day| day.0);
        Ok(PositionFields {
            person_id: ids::decode_as("input.person", Kind::Person, &self.person)?,
            institution_id: ids::decode_as(
                "input.institution",
                Kind::Institution,
                &self.institution,
            )?,
            title: self.title,
            title_zh: self.title_zh,
            started_on: self.started_on.map(|day| day.0),
            ended_on,
            is_current: self.is_current.unwrap_or(ended_on.is_none()),
        })
    }
}

/// A position's new fields and the version read.
#[derive(InputObject)]
pub struct UpdatePositionInput {
    /// The position.
    pub id: ID,
    /// The version you read.
    pub version: i32,
    /// The new fields.
    #[graphql(flatten)]
    pub fields: CreatePositionInput,
}

/// A party to an agreement.
#[derive(InputObject)]
pub struct AgreementPartyInput {
    /// The institution (an `Institution` ID).
    pub institution: ID,
    /// Its role.
    pub role: PartyRole,
}

/// A signature on an agreement.
#[derive(InputObject)]
pub struct SignatoryInput {
    /// The person who signed (a `Person` ID).
    pub person: ID,
    /// The institution they signed for.
    pub institution: Option<ID>,
}

/// An agreement.
#[derive(InputObject)]
pub struct CreateAgreementInput {
    /// URL slug; generated from the title when omitted.
    pub slug: Option<String>,
    /// English title.
    pub title: String,
    /// Chinese title.
    pub title_zh: Option<String>,
    /// What sort of agreement.
    pub kind: AgreementKind,
    /// A short description.
    pub summary: Option<String>,
    /// Day of signing.
    pub signed_on: Option<Date>,
    /// Year of signing, when only the year is known.
    pub signed_year: Option<i32>,
    /// First day in force.
    pub effective_from: Option<Date>,
    /// Last day in force; not before `effectiveFrom`.
    pub effective_until: Option<Date>,
    /// Areas of cooperation, in order.
    #[graphql(default)]
    pub areas_of_cooperation: Vec<String>,
    /// The agreement this one renews (an `Agreement` ID).
    pub predecessor: Option<ID>,
    /// Parties, in order.
    #[graphql(default)]
    pub parties: Vec<AgreementPartyInput>,
    /// Signatories, in order.
    #[graphql(default)]
    pub signatories: Vec<SignatoryInput>,
}

impl CreateAgreementInput {
    fn into_fields(self) -> AppResult<AgreementFields> {
        Ok(AgreementFields {
            slug: self.slug,
            title: self.title,
            title_zh: self.title_zh,
            kind: self.kind.into(),
            summary: self.summary,
            signed_on: self.signed_on.map(|day| day.0),
            signed_year: self.signed_year,
            effective_from: self.effective_from.map(|day| day.0),
            effective_until: self.effective_until.map(|day| day.0),
            areas: self.areas_of_cooperation,
            predecessor_id: optional_id("input.predecessor", Kind::Agreement, self.predecessor)?,
            parties: self
                .parties
                .into_iter()
                .map(|party| {
                    Ok((
                        ids::decode_as("input.parties", Kind::Institution, &party.institution)?,
                        party.role.into(),
                    ))
                })
                .collect::<AppResult<_>>()?,
            signatories: self
                .signatories
                .into_iter()
                .map(|signatory| {
                    Ok((
                        ids::decode_as("input.signatories", Kind::Person, &signatory.person)?,
                        optional_id(
                            "input.signatories",
                            Kind::Institution,
                            signatory.institution,
                        )?,
                    ))
                })
                .collect::<AppResult<_>>()?,
        })
    }
}

/// An agreement's new fields and the version read.
#[derive(InputObject)]
pub struct UpdateAgreementInput {
    /// The agreement.
    pub id: ID,
    /// The version you read.
    pub version: i32,
    /// The new fields.
    #[graphql(flatten)]
    pub fields: CreateAgreementInput,
}

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

/// Sections, institutions, people, positions and agreements (editors and admins).
#[derive(Default)]
pub struct CatalogMutation;

#[Object]
impl CatalogMutation {
    /// Creates a section.
    async fn create_section(
        &self,
        ctx: &Context<'_>,
        input: CreateSectionInput,
    ) -> Result<CreateSectionPayload> {
        let request = request(ctx)?;
        let row = catalog::save_section(
            &request.db,
            &request.viewer,
            None,
            input.into_fields().gql()?,
        )
        .await
        .gql()?;
        Ok(CreateSectionPayload {
            section: Section(row),
        })
    }

    /// Replaces a section's fields.
    async fn update_section(
        &self,
        ctx: &Context<'_>,
        input: UpdateSectionInput,
    ) -> Result<UpdateSectionPayload> {
        let request = request(ctx)?;
        let id = ids::decode_as("input.id", Kind::Section, &input.id).gql()?;
        let fields = input.fields.into_fields().gql()?;
        let row = catalog::save_section(
            &request.db,
            &request.viewer,
            Some((id, input.version)),
            fields,
        )
        .await
        .gql()?;
        Ok(UpdateSectionPayload {
            section: Section(row),
        })
    }

    /// Deletes a section that holds no articles and no subsections.
    async fn delete_section(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> Result<DeleteSectionPayload> {
        remove(ctx, CatalogKind::Section, Kind::Section, &id, version).await?;
        Ok(DeleteSectionPayload { deleted_id: id })
    }

    /// Creates an institution.
    async fn create_institution(
        &self,
        ctx: &Context<'_>,
        input: CreateInstitutionInput,
    ) -> Result<CreateInstitutionPayload> {
        let request = request(ctx)?;
        let row = catalog::save_institution(
            &request.db,
            &request.viewer,
            None,
            input.into_fields().gql()?,
        )
        .await
        .gql()?;
        Ok(CreateInstitutionPayload {
            institution: Institution(row),
        })
    }

    /// Replaces an institution's fields.
    async fn update_institution(
        &self,
        ctx: &Context<'_>,
        input: UpdateInstitutionInput,
    ) -> Result<UpdateInstitutionPayload> {
        let request = request(ctx)?;
        let id = ids::decode_as("input.id", Kind::Institution, &input.id).gql()?;
        let fields = input.fields.into_fields().gql()?;
        let row = catalog::save_institution(
            &request.db,
            &request.viewer,
            Some((id, input.version)),
            fields,
        )
        .await
        .gql()?;
        Ok(UpdateInstitutionPayload {
            institution: Institution(row),
        })
    }

    /// Deletes an institution with no subordinate institutions.
    async fn delete_institution(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> Result<DeleteInstitutionPayload> {
        remove(
            ctx,
            CatalogKind::Institution,
            Kind::Institution,
            &id,
            version,
        )
        .await?;
        Ok(DeleteInstitutionPayload { deleted_id: id })
    }

    /// Creates a person.
    async fn create_person(
        &self,
        ctx: &Context<'_>,
        input: CreatePersonInput,
    ) -> Result<CreatePersonPayload> {
        let request = request(ctx)?;
        let fields = PersonFields {
            slug: input.slug,
            name: input.name,
            name_zh: input.name_zh,
        };
        let row = catalog::save_person(&request.db, &request.viewer, None, fields)
            .await
            .gql()?;
        Ok(CreatePersonPayload {
            person: Person(row),
        })
    }

    /// Replaces a person's fields.
    async fn update_person(
        &self,
        ctx: &Context<'_>,
        input: UpdatePersonInput,
    ) -> Result<UpdatePersonPayload> {
        let request = request(ctx)?;
        let id = ids::decode_as("input.id", Kind::Person, &input.id).gql()?;
        let fields = PersonFields {
            slug: input.fields.slug,
            name: input.fields.name,
            name_zh: input.fields.name_zh,
        };
        let row = catalog::save_person(
            &request.db,
            &request.viewer,
            Some((id, input.version)),
            fields,
        )
        .await
        .gql()?;
        Ok(UpdatePersonPayload {
            person: Person(row),
        })
    }

    /// Deletes a person, with their positions, mentions and signatures.
    async fn delete_person(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> Result<DeletePersonPayload> {
        remove(ctx, CatalogKind::Person, Kind::Person, &id, version).await?;
        Ok(DeletePersonPayload { deleted_id: id })
    }

    /// Creates a position.
    async fn create_position(
        &self,
        ctx: &Context<'_>,
        input: CreatePositionInput,
    ) -> Result<CreatePositionPayload> {
        let request = request(ctx)?;
        let row = catalog::save_position(
            &request.db,
            &request.viewer,
            None,
            input.into_fields().gql()?,
        )
        .await
        .gql()?;
        Ok(CreatePositionPayload {
            position: Position(row),
        })
    }

    /// Replaces a position's fields.
    async fn update_position(
        &self,
        ctx: &Context<'_>,
        input: UpdatePositionInput,
    ) -> Result<UpdatePositionPayload> {
        let request = request(ctx)?;
        let id = ids::decode_as("input.id", Kind::Position, &input.id).gql()?;
        let fields = input.fields.into_fields().gql()?;
        let row = catalog::save_position(
            &request.db,
            &request.viewer,
            Some((id, input.version)),
            fields,
        )
        .await
        .gql()?;
        Ok(UpdatePositionPayload {
            position: Position(row),
        })
    }

    /// Deletes a position.
    async fn delete_position(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> Result<DeletePositionPayload> {
        remove(ctx, CatalogKind::Position, Kind::Position, &id, version).await?;
        Ok(DeletePositionPayload { deleted_id: id })
    }

    /// Creates an agreement with its parties and signatories.
    async fn create_agreement(
        &self,
        ctx: &Context<'_>,
        input: CreateAgreementInput,
    ) -> Result<CreateAgreementPayload> {
        let request = request(ctx)?;
        let row = catalog::save_agreement(
            &request.db,
            &request.viewer,
            None,
            input.into_fields().gql()?,
        )
        .await
        .gql()?;
        Ok(CreateAgreementPayload {
            agreement: Agreement(row),
        })
    }

    /// Replaces an agreement's fields, parties and signatories.
    async fn update_agreement(
        &self,
        ctx: &Context<'_>,
        input: UpdateAgreementInput,
    ) -> Result<UpdateAgreementPayload> {
        let request = request(ctx)?;
        let id = ids::decode_as("input.id", Kind::Agreement, &input.id).gql()?;
        let fields = input.fields.into_fields().gql()?;
        let row = catalog::save_agreement(
            &request.db,
            &request.viewer,
            Some((id, input.version)),
            fields,
        )
        .await
        .gql()?;
        Ok(UpdateAgreementPayload {
            agreement: Agreement(row),
        })
    }

    /// Deletes an agreement; its successors lose their predecessor.
    async fn delete_agreement(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> Result<DeleteAgreementPayload> {
        remove(ctx, CatalogKind::Agreement, Kind::Agreement, &id, version).await?;
        Ok(DeleteAgreementPayload { deleted_id: id })
    }
}
