//! The inputs of the catalog mutations: what an editor gives for a section, an institution, a
//! person, a position or an agreement, and how it becomes the editorial fields (global IDs
//! decoded, each naming its field when bad).

use async_graphql::{ID, InputObject};

use super::types::{AgreementKind, Date, InstitutionKind, PartyRole};
use crate::editorial::catalog::{
    AgreementFields, InstitutionFields, PersonFields, PositionFields, SectionFields,
};
use crate::error::AppResult;
use crate::ids::{self, Kind};

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
    pub(super) fn into_fields(self) -> AppResult<SectionFields> {
        Ok(SectionFields {
            slug: self.slug,
            name: self.name,
            name_zh: self.name_zh,
            parent_id: optional_id("input.parent", Kind::Section, self.parent)?,
            position: self.position,
        })
    }
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
    pub(super) fn into_fields(self) -> AppResult<InstitutionFields> {
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

impl CreatePersonInput {
    pub(super) fn into_fields(self) -> AppResult<PersonFields> {
        Ok(PersonFields {
            slug: self.slug,
            name: self.name,
            name_zh: self.name_zh,
        })
    }
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
    pub(super) fn into_fields(self) -> AppResult<PositionFields> {
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
    pub(super) fn into_fields(self) -> AppResult<AgreementFields> {
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
