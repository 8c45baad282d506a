//! The synthetic catalog: the section tree, institutions, people with positions, agreements
//! with parties and signatories, and tags.

use chrono::{Datelike, NaiveDate};
use entities::agreement::Areas;
use entities::enums::{AgreementKind, EntityType, InstitutionKind, PartyRole};
use entities::{
    agreement, agreement_party, agreement_signatory, institution, person, position, section, tag,
};
use sea_orm::{ConnectionTrait, DbErr, Set};

use super::articles::slugify;
use super::vocabulary::*;
use super::{Generator, insert_all, sentence};

impl Generator {
    /// The section tree; returns the leaf ids.
    pub(super) async fn sections<C: ConnectionTrait>(&mut self, db: &C) -> Result<Vec<i64>, DbErr> {
        let mut rows = Vec::new();
        let mut leaves = Vec::new();
        let mut id = 0;
        for (position, (slug, name_en, name_zh, children)) in SECTIONS.iter().enumerate() {
            id += 1;
            let parent = id;
            rows.push(self.section(id, slug, name_en, name_zh, None, position));
            for (position, (slug, name_en, name_zh)) in children.iter().enumerate() {
                id += 1;
                leaves.push(id);
                rows.push(self.section(id, slug, name_en, name_zh, Some(parent), position));
            }
        }
        self.counts.sections = insert_all(db, rows).await?;
        self.journal(EntityType::Section, (1..=id).map(|id| (id, true)));
        Ok(leaves)
    }

    fn section(
        &self,
        id: i64,
        slug: &str,
        name_en: &str,
        name_zh: &str,
        parent: Option<i64>,
        position: usize,
    ) -> section::ActiveModel {
        section::ActiveModel {
            id: Set(id),
            slug: Set(slug.into()),
            name_en: Set(name_en.into()),
            name_zh: Set(Some(name_zh.into())),
            parent_id: Set(parent),
            position: Set(position as i32),
            version: Set(1),
            created_at: Set(self.epoch),
            updated_at: Set(self.epoch),
        }
    }

    pub(super) async fn institutions<C: ConnectionTrait>(
        &mut self,
        db: &C,
        count: i64,
    ) -> Result<(), DbErr> {
        let mut rows = Vec::with_capacity(count as usize);
        for id in 1..=count {
            let (city_en, city_zh, region) = CITIES[self.rng.below(CITIES.len() as u64) as usize];
            let (field_en, field_zh) =
                DISCIPLINES[self.rng.below(DISCIPLINES.len() as u64) as usize];
            // One in ten is a department of an earlier institution.
            let department = id > 10 && self.rng.chance(10);
            let (name_en, name_zh, kind, parent) = if department {
                (
                    format!("School of {field_en}"),
                    format!("{field_zh}学院"),
                    InstitutionKind::Department,
                    Some(self.rng.id(id - 1)),
                )
            } else {
                let (type_en, type_zh, kind) =
                    INSTITUTION_TYPES[self.rng.below(INSTITUTION_TYPES.len() as u64) as usize];
                (
                    format!("{city_en} {field_en} {type_en}"),
                    format!("{city_zh}{field_zh}{type_zh}"),
                    kind,
                    None,
                )
            };
            let slug = format!("{}-{id}", slugify(&name_en));
            rows.push(institution::ActiveModel {
                id: Set(id),
                website: Set(Some(format!("https://www.{}.example.edu.cn", slug))),
                slug: Set(slug),
                short_name_en: Set(None),
                short_name_zh: Set(None),
                name_en: Set(name_en),
                name_zh: Set(Some(name_zh)),
                kind: Set(kind),
                parent_id: Set(parent),
                region: Set(Some(region.into())),
                city: Set(Some(city_en.into())),
                address: Set(Some(format!("{} Xueyuan Road, {city_en}", 1 + id % 900))),
                postcode: Set(Some(format!("{:06}", 510_000 + id % 90_000))),
                motto_en: Set(None),
                motto_zh: Set(None),
                version: Set(1),
                created_at: Set(self.epoch),
                updated_at: Set(self.epoch),
            });
        }
        self.counts.institutions = insert_all(db, rows).await?;
        self.journal(EntityType::Institution, (1..=count).map(|id| (id, true)));
        Ok(())
    }

    /// People, each with a current position and, for one in three, an earlier one.
    pub(super) async fn people<C: ConnectionTrait>(
        &mut self,
        db: &C,
        count: i64,
        institutions: i64,
    ) -> Result<(), DbErr> {
        let mut people = Vec::with_capacity(count as usize);
        let mut positions = Vec::with_capacity(count as usize * 4 / 3);
        for id in 1..=count {
            let (surname_en, surname_zh) = SURNAMES[self.rng.below(SURNAMES.len() as u64) as usize];
            let (given_en, given_zh) =
                GIVEN_NAMES[self.rng.below(GIVEN_NAMES.len() as u64) as usize];
            people.push(person::ActiveModel {
                id: Set(id),
                slug: Set(format!(
                    "{}-{}-{id}",
                    surname_en.to_lowercase(),
                    given_en.to_lowercase()
                )),
                name_en: Set(format!("{surname_en} {given_en}")),
                name_zh: Set(Some(format!("{surname_zh}{given_zh}"))),
                version: Set(1),
                created_at: Set(self.epoch),
                updated_at: Set(self.epoch),
            });
            let started = 2010 + self.rng.below(14) as i32;
            if self.rng.chance(33) {
                positions.push(self.position(
                    positions.len() as i64 + 1,
                    id,
                    institutions,
                    started - 4,
                    Some(started),
                ));
            }
            positions.push(self.position(
                positions.len() as i64 + 1,
                id,
                institutions,
                started,
                None,
            ));
        }
        self.counts.people = insert_all(db, people).await?;
        let positions_count = positions.len() as i64;
        self.counts.positions = insert_all(db, positions).await?;
        self.journal(EntityType::Person, (1..=count).map(|id| (id, true)));
        self.journal(
            EntityType::Position,
            (1..=positions_count).map(|id| (id, true)),
        );
        Ok(())
    }

    fn position(
        &mut self,
        id: i64,
        person: i64,
        institutions: i64,
        from_year: i32,
        until_year: Option<i32>,
    ) -> position::ActiveModel {
        let (title_en, title_zh) = TITLES[self.rng.below(TITLES.len() as u64) as usize];
        position::ActiveModel {
            id: Set(id),
            person_id: Set(person),
            institution_id: Set(self.rng.id(institutions)),
            title_en: Set(title_en.into()),
            title_zh: Set(Some(title_zh.into())),
            started_on: Set(NaiveDate::from_ymd_opt(from_year, 9, 1)),
            ended_on: Set(until_year.and_then(|year| NaiveDate::from_ymd_opt(year, 8, 31))),
            is_current: Set(until_year.is_none()),
            version: Set(1),
            created_at: Set(self.epoch),
            updated_at: Set(self.epoch),
        }
    }

    pub(super) async fn agreements<C: ConnectionTrait>(
        &mut self,
        db: &C,
        count: i64,
        institutions: i64,
        people: i64,
    ) -> Result<(), DbErr> {
        let kinds = [
            AgreementKind::PairingAssistance,
            AgreementKind::CounterpartCooperation,
            AgreementKind::Memorandum,
            AgreementKind::Framework,
        ];
        let mut rows = Vec::with_capacity(count as usize);
        let mut parties = Vec::new();
        let mut signatories = Vec::new();
        for id in 1..=count {
            let kind = kinds[self.rng.below(kinds.len() as u64) as usize];
            let signed = NaiveDate::from_ymd_opt(
                2012 + self.rng.below(13) as i32,
                1 + self.rng.below(12) as u32,
                1 + self.rng.below(28) as u32,
            );
            let until = signed.and_then(|date| {
                self.rng
                    .chance(70)
                    .then(|| NaiveDate::from_ymd_opt(date.year() + 3, date.month(), date.day()))
                    .flatten()
            });
            let areas: Vec<String> = (0..1 + self.rng.below(4))
                .map(|_| self.rng.pick(AREAS).to_owned())
                .collect();
            let first = self.rng.id(institutions);
            let second = self.rng.id(institutions);
            let (kind_en, kind_zh) = match kind {
                AgreementKind::PairingAssistance => {
                    ("Pairing Assistance Agreement", "对口帮扶协议")
                }
                AgreementKind::CounterpartCooperation => {
                    ("Counterpart Cooperation Agreement", "对口合作协议")
                }
                AgreementKind::Memorandum => ("Memorandum of Understanding", "合作备忘录"),
                _ => ("Framework Agreement", "框架协议"),
            };
            let title_en = format!("{kind_en} No. {id}");
            rows.push(agreement::ActiveModel {
                id: Set(id),
                slug: Set(format!("{}-{id}", slugify(kind_en))),
                title_zh: Set(Some(format!("{kind_zh}（第{id}号）"))),
                title_en: Set(title_en),
                kind: Set(kind),
                summary: Set(Some(sentence(&mut self.rng, false, 14))),
                signed_on: Set(signed),
                signed_year: Set(signed.map(|date| date.year())),
                effective_from: Set(signed),
                effective_until: Set(until),
                areas: Set(Areas(areas)),
                // One in ten renews an earlier agreement.
                predecessor_id: Set((id > 1 && self.rng.chance(10)).then(|| self.rng.id(id - 1))),
                version: Set(1),
                created_at: Set(self.epoch),
                updated_at: Set(self.epoch),
            });
            let mut members = vec![
                (first, PartyRole::Supporting),
                (second, PartyRole::Supported),
            ];
            if second == first {
                members.truncate(1);
            }
            if self.rng.chance(30) {
                let witness = self.rng.id(institutions);
                if members.iter().all(|(member, _)| *member != witness) {
                    members.push((witness, PartyRole::Witness));
                }
            }
            for (position, (institution_id, role)) in members.iter().enumerate() {
                parties.push(agreement_party::ActiveModel {
                    agreement_id: Set(id),
                    institution_id: Set(*institution_id),
                    role: Set(*role),
                    position: Set(position as i32),
                });
            }
            let first_signatory = self.rng.id(people);
            for position in 0..self.rng.below(3).min(people as u64) {
                signatories.push(agreement_signatory::ActiveModel {
                    agreement_id: Set(id),
                    person_id: Set((first_signatory + position as i64 - 1) % people + 1),
                    institution_id: Set(members.get(position as usize).map(|member| member.0)),
                    position: Set(position as i32),
                });
            }
        }
        self.counts.agreements = insert_all(db, rows).await?;
        self.counts.links += insert_all(db, parties).await?;
        self.counts.links += insert_all(db, signatories).await?;
        self.journal(EntityType::Agreement, (1..=count).map(|id| (id, true)));
        Ok(())
    }

    pub(super) async fn tags<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), DbErr> {
        let rows: Vec<tag::ActiveModel> = TAGS
            .iter()
            .enumerate()
            .map(|(index, (slug, name))| tag::ActiveModel {
                id: Set(index as i64 + 1),
                slug: Set((*slug).into()),
                name: Set((*name).into()),
            })
            .collect();
        insert_all(db, rows).await?;
        Ok(())
    }
}
