//! The demo content: the SZPU news page of 12 April 2024 (`shared/seed/` in the steering repo),
//! modelled in full. Facts the page does not give (Chinese names, exact start dates of
//! positions, the photo file) are left empty rather than invented.

use crate::journal::{Change, record_changes};
use chrono::{DateTime, NaiveDate, SubsecRound, TimeZone, Utc};
use entities::agreement::Areas;
use entities::enums::{
    AgreementKind, ArticleStatus, ChangeOp, EntityType, InstitutionKind, Locale, MentionRole,
    PartyRole,
};
use entities::{
    agreement, agreement_party, article, article_agreement, article_author, article_institution,
    article_person, institution, media, person, position, section,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
};

/// Loads the demo content into an empty database on a server's first start, as configured
/// (`--seed-demo`: on SQLite only by default).
pub async fn demo_on_first_start(
    config: &crate::config::Config,
    db: &crate::db::Db,
) -> Result<(), DbErr> {
    use crate::config::SeedDemo;
    let wanted = match config.seed_demo {
        SeedDemo::Auto => config.is_sqlite(),
        SeedDemo::Always => true,
        SeedDemo::Never => false,
    };
    if wanted && is_empty(&db.conn).await? {
        demo(&db.conn).await?;
        tracing::info!("empty database: loaded the demo content");
    }
    Ok(())
}

/// The slug of the demo article.
pub const DEMO_ARTICLE_SLUG: &str = "szpu-gxmpc-pairing-assistance-agreement-2024";

const BODY: &str = "\
On April 9th, to further deepen and implement the educational collaboration between Guangdong and Guangxi, SZPU signed a new round of pairing assistance agreement with Guangxi Modern Polytechnic College. The ceremony was attended by distinguished leaders such as Liu Zhanshan, former Deputy Director of the Department of Vocational and Adult Education of the Ministry of Education; Ge Weiwei, former first-level inspector of the Department of Minority Education of the Ministry of Education; Wu Yanling, second-level inspector of the Department of Education of Guangdong Province; Kong Xianling, Director of the Hechi City Propaganda Department; Wei Weisong, Party Secretary of Guangxi Modern Polytechnic College; Huang Shaoguang, President of Guangxi Modern Polytechnic College; and Xu Jianling, President of SZPU.

At the signing ceremony, both parties signed the Guangdong-Guangxi Vocational Colleges Pairing Assistance Work Agreement. Over the next three years, the two institutions will engage in counterpart cooperation in areas such as curriculum and professional group development, cadre exchanges, faculty development, enhancement of international education standards, and the cultivation of innovative and entrepreneurial talents.

President Xu Jianling remarked that since the signing of the counterpart cooperation agreement in 2019, the two schools have maintained close contact and frequent in-depth interactions, building a strong friendship. Over the past five years, Guangxi Modern Polytechnic College has achieved remarkable results in professional development, integration of industry and education, school-enterprise cooperation, and teaching achievements. Notably, in 2022, it passed the first batch of “double high” assessments in Guangxi with an “excellent” rating and was reselected last year for the new batch of “double high” institutions in the autonomous region. As a Special Economic Zone university, under the strong leadership of the local committees and governments of both regions, SZPU will plan meticulously, consult fully, focus on key points, and deliver precise efforts with a sense of responsibility and a sense of mission of “being grateful for the reform and opening up and repaying the people of the country”. Together with Guangxi Modern Polytechnic College, we aim to achieve notable results and highlights in the development of vocational education cooperation between Guangdong and Guangxi.

Subsequently, president Xu Jianling delivered a special report at the exchange meeting on forging a strong sense of community for the Chinese nation in vocational colleges in ethnic areas and visited our school’s seconded officials. The heads of the Pairing Support Office and the School Union participated in the event.
";

/// Whether the database holds no content at all.
pub async fn is_empty<C: ConnectionTrait>(db: &C) -> Result<bool, DbErr> {
    Ok(section::Entity::find().count(db).await? == 0
        && article::Entity::find().count(db).await? == 0
        && institution::Entity::find().count(db).await? == 0)
}

/// Whether the demo article is already there.
pub async fn demo_present<C: ConnectionTrait>(db: &C) -> Result<bool, DbErr> {
    Ok(article::Entity::find()
        .filter(article::Column::Slug.eq(DEMO_ARTICLE_SLUG))
        .count(db)
        .await?
        > 0)
}

fn date(year: i32, month: u32, day: u32) -> Result<NaiveDate, DbErr> {
    NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| DbErr::Custom(format!("bad date {year}-{month}-{day}")))
}

struct Seeder<'a, C> {
    db: &'a C,
    now: DateTime<Utc>,
}

impl<C: ConnectionTrait> Seeder<'_, C> {
    async fn section(
        &self,
        slug: &str,
        name: &str,
        parent: Option<i64>,
        position: i32,
    ) -> Result<i64, DbErr> {
        let row = section::ActiveModel {
            slug: Set(slug.into()),
            name_en: Set(name.into()),
            name_zh: Set(None),
            parent_id: Set(parent),
            position: Set(position),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        };
        Ok(row.insert(self.db).await?.id)
    }

    async fn institution(&self, row: institution::ActiveModel) -> Result<i64, DbErr> {
        let mut row = row;
        row.created_at = Set(self.now);
        row.updated_at = Set(self.now);
        Ok(row.insert(self.db).await?.id)
    }

    async fn person(&self, slug: &str, name: &str) -> Result<i64, DbErr> {
        let row = person::ActiveModel {
            slug: Set(slug.into()),
            name_en: Set(name.into()),
            name_zh: Set(None),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        };
        Ok(row.insert(self.db).await?.id)
    }

    async fn position(
        &self,
        person: i64,
        institution: i64,
        title: &str,
        current: bool,
    ) -> Result<i64, DbErr> {
        let row = position::ActiveModel {
            person_id: Set(person),
            institution_id: Set(institution),
            title_en: Set(title.into()),
            title_zh: Set(None),
            started_on: Set(None),
            ended_on: Set(None),
            is_current: Set(current),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        };
        Ok(row.insert(self.db).await?.id)
    }
}

fn institution_row(
    slug: &str,
    name: &str,
    kind: InstitutionKind,
    parent: Option<i64>,
) -> institution::ActiveModel {
    institution::ActiveModel {
        slug: Set(slug.into()),
        name_en: Set(name.into()),
        name_zh: Set(None),
        short_name_en: Set(None),
        short_name_zh: Set(None),
        kind: Set(kind),
        parent_id: Set(parent),
        region: Set(None),
        city: Set(None),
        address: Set(None),
        postcode: Set(None),
        website: Set(None),
        motto_en: Set(None),
        motto_zh: Set(None),
        ..Default::default()
    }
}

/// Loads the demo content in one transaction.
pub async fn demo(db: &DatabaseConnection) -> Result<(), DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let seed = Seeder {
        db: &txn,
        now: Utc::now().trunc_subsecs(6),
    };

    // "Position : Home > News & Events > Events > Content"
    let news_events = seed
        .section("news-events", "News & Events", None, 0)
        .await?;
    let events = seed
        .section("events", "Events", Some(news_events), 0)
        .await?;

    // Institutions, with the hierarchy the page implies.
    let szpu = seed
        .institution(institution::ActiveModel {
            short_name_en: Set(Some("SZPU".into())),
            region: Set(Some("Guangdong".into())),
            city: Set(Some("Shenzhen".into())),
            address: Set(Some(
                "No. 7098 Liuxian Avenue, Nanshan District, Shenzhen, Guangdong".into(),
            )),
            postcode: Set(Some("518055".into())),
            motto_en: Set(Some(
                "We value morals and profession equally and make ceaseless self-improvement".into(),
            )),
            ..institution_row(
                "szpu",
                "Shenzhen Polytechnic University",
                InstitutionKind::University,
                None,
            )
        })
        .await?;
    let pairing_office = seed
        .institution(institution_row(
            "szpu-pairing-support-office",
            "Pairing Support Office",
            InstitutionKind::Office,
            Some(szpu),
        ))
        .await?;
    let school_union = seed
        .institution(institution_row(
            "szpu-school-union",
            "School Union",
            InstitutionKind::Union,
            Some(szpu),
        ))
        .await?;
    let gxmpc = seed
        .institution(institution::ActiveModel {
            region: Set(Some("Guangxi".into())),
            ..institution_row(
                "guangxi-modern-polytechnic-college",
                "Guangxi Modern Polytechnic College",
                InstitutionKind::College,
                None,
            )
        })
        .await?;
    let moe = seed
        .institution(institution_row(
            "ministry-of-education",
            "Ministry of Education",
            InstitutionKind::Ministry,
            None,
        ))
        .await?;
    let vocational = seed
        .institution(institution_row(
            "moe-department-of-vocational-and-adult-education",
            "Department of Vocational and Adult Education",
            InstitutionKind::Department,
            Some(moe),
        ))
        .await?;
    let minority = seed
        .institution(institution_row(
            "moe-department-of-minority-education",
            "Department of Minority Education",
            InstitutionKind::Department,
            Some(moe),
        ))
        .await?;
    let guangdong_education = seed
        .institution(institution::ActiveModel {
            region: Set(Some("Guangdong".into())),
            ..institution_row(
                "guangdong-department-of-education",
                "Department of Education of Guangdong Province",
                InstitutionKind::Department,
                None,
            )
        })
        .await?;
    let hechi_propaganda = seed
        .institution(institution::ActiveModel {
            city: Set(Some("Hechi".into())),
            ..institution_row(
                "hechi-city-propaganda-department",
                "Hechi City Propaganda Department",
                InstitutionKind::Department,
                None,
            )
        })
        .await?;

    // The seven officials, with their positions as of the ceremony, and the author.
    let officials = [
        (
            "liu-zhanshan",
            "Liu Zhanshan",
            vocational,
            "Deputy Director",
            false,
            "former Deputy Director of the Department of Vocational and Adult Education of the Ministry of Education",
        ),
        (
            "ge-weiwei",
            "Ge Weiwei",
            minority,
            "First-level Inspector",
            false,
            "former first-level inspector of the Department of Minority Education of the Ministry of Education",
        ),
        (
            "wu-yanling",
            "Wu Yanling",
            guangdong_education,
            "Second-level Inspector",
            true,
            "second-level inspector of the Department of Education of Guangdong Province",
        ),
        (
            "kong-xianling",
            "Kong Xianling",
            hechi_propaganda,
            "Director",
            true,
            "Director of the Hechi City Propaganda Department",
        ),
        (
            "wei-weisong",
            "Wei Weisong",
            gxmpc,
            "Party Secretary",
            true,
            "Party Secretary of Guangxi Modern Polytechnic College",
        ),
        (
            "huang-shaoguang",
            "Huang Shaoguang",
            gxmpc,
            "President",
            true,
            "President of Guangxi Modern Polytechnic College",
        ),
        (
            "xu-jianling",
            "Xu Jianling",
            szpu,
            "President",
            true,
            "President of SZPU",
        ),
    ];
    let mut attendees = Vec::new();
    for (slug, name, institution, title, current, printed) in officials {
        let person = seed.person(slug, name).await?;
        seed.position(person, institution, title, current).await?;
        attendees.push((person, printed));
    }
    let xu_jianling = attendees.last().map(|(id, _)| *id).unwrap_or_default();
    let feng_min = seed.person("feng-min", "Feng Min").await?;

    // The agreements: the 2019 counterpart cooperation and its 2024 renewal, for three years.
    let agreement_2019 = agreement::ActiveModel {
        slug: Set("szpu-gxmpc-counterpart-cooperation-2019".into()),
        title_en: Set("Counterpart cooperation agreement between SZPU and Guangxi Modern Polytechnic College".into()),
        title_zh: Set(None),
        kind: Set(AgreementKind::CounterpartCooperation),
        summary: Set(Some(
            "The counterpart cooperation agreement SZPU and Guangxi Modern Polytechnic College signed in 2019.".into(),
        )),
        signed_on: Set(None),
        signed_year: Set(Some(2019)),
        effective_from: Set(None),
        effective_until: Set(None),
        areas: Set(Areas::default()),
        predecessor_id: Set(None),
        created_at: Set(seed.now),
        updated_at: Set(seed.now),
        ..Default::default()
    }
    .insert(&txn)
    .await?
    .id;
    let agreement_2024 = agreement::ActiveModel {
        slug: Set("guangdong-guangxi-vocational-colleges-pairing-assistance-2024".into()),
        title_en: Set("Guangdong-Guangxi Vocational Colleges Pairing Assistance Work Agreement".into()),
        title_zh: Set(None),
        kind: Set(AgreementKind::PairingAssistance),
        summary: Set(Some(
            "A new round of pairing assistance between SZPU and Guangxi Modern Polytechnic College, \
             with three years of counterpart cooperation."
                .into(),
        )),
        signed_on: Set(Some(date(2024, 4, 9)?)),
        signed_year: Set(Some(2024)),
        effective_from: Set(Some(date(2024, 4, 9)?)),
        effective_until: Set(Some(date(2027, 4, 8)?)),
        areas: Set(Areas(
            [
                "Curriculum and professional group development",
                "Cadre exchanges",
                "Faculty development",
                "Enhancement of international education standards",
                "Cultivation of innovative and entrepreneurial talents",
            ]
            .map(String::from)
            .to_vec(),
        )),
        predecessor_id: Set(Some(agreement_2019)),
        created_at: Set(seed.now),
        updated_at: Set(seed.now),
        ..Default::default()
    }
    .insert(&txn)
    .await?
    .id;
    let parties = [
        (agreement_2019, szpu, PartyRole::Party),
        (agreement_2019, gxmpc, PartyRole::Party),
        (agreement_2024, szpu, PartyRole::Supporting),
        (agreement_2024, gxmpc, PartyRole::Supported),
    ];
    for (position, (agreement_id, institution_id, role)) in parties.into_iter().enumerate() {
        agreement_party::ActiveModel {
            agreement_id: Set(agreement_id),
            institution_id: Set(institution_id),
            role: Set(role),
            position: Set(position as i32 % 2),
        }
        .insert(&txn)
        .await?;
    }

    // The article: "Date: Apr 12, 2024", at midnight in Shenzhen.
    let published_at = chrono::FixedOffset::east_opt(8 * 3600)
        .and_then(|offset| offset.with_ymd_and_hms(2024, 4, 12, 0, 0, 0).single())
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| DbErr::Custom("bad publication time".into()))?;
    let article_id = article::ActiveModel {
        slug: Set(DEMO_ARTICLE_SLUG.into()),
        locale: Set(Locale::En),
        title: Set("Shenzhen Polytechnic University (SZPU) and Guangxi Modern Polytechnic College Sign a New Round of Pairing Assistance Agreement".into()),
        summary: Set(None),
        body: Set(BODY.trim_end().into()),
        section_id: Set(events),
        source_institution_id: Set(Some(pairing_office)),
        status: Set(ArticleStatus::Published),
        published_at: Set(Some(published_at)),
        sort_at: Set(published_at),
        translation_of_id: Set(None),
        version: Set(1),
        created_at: Set(seed.now),
        updated_at: Set(seed.now),
        ..Default::default()
    }
    .insert(&txn)
    .await?
    .id;

    media::ActiveModel {
        article_id: Set(article_id),
        position: Set(0),
        url: Set(None),
        caption: Set(Some("The scene of the signing ceremony.".into())),
        alt_text: Set(Some("The scene of the signing ceremony.".into())),
        credit: Set(None),
        width: Set(None),
        height: Set(None),
        created_at: Set(seed.now),
        updated_at: Set(seed.now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;

    article_author::ActiveModel {
        article_id: Set(article_id),
        person_id: Set(feng_min),
        position: Set(0),
    }
    .insert(&txn)
    .await?;

    let mut position = 0;
    for (person_id, printed) in &attendees {
        article_person::ActiveModel {
            article_id: Set(article_id),
            person_id: Set(*person_id),
            role: Set(MentionRole::Attendee),
            title_as_printed: Set(Some((*printed).into())),
            position: Set(position),
        }
        .insert(&txn)
        .await?;
        position += 1;
    }
    // "President Xu Jianling remarked ..." and "delivered a special report".
    article_person::ActiveModel {
        article_id: Set(article_id),
        person_id: Set(xu_jianling),
        role: Set(MentionRole::Speaker),
        title_as_printed: Set(Some("President".into())),
        position: Set(position),
    }
    .insert(&txn)
    .await?;

    let mentioned = [
        szpu,
        gxmpc,
        vocational,
        moe,
        minority,
        guangdong_education,
        hechi_propaganda,
        pairing_office,
        school_union,
    ];
    for (position, institution_id) in mentioned.into_iter().enumerate() {
        article_institution::ActiveModel {
            article_id: Set(article_id),
            institution_id: Set(institution_id),
            position: Set(position as i32),
        }
        .insert(&txn)
        .await?;
    }
    for (position, agreement_id) in [agreement_2024, agreement_2019].into_iter().enumerate() {
        article_agreement::ActiveModel {
            article_id: Set(article_id),
            agreement_id: Set(agreement_id),
            position: Set(position as i32),
        }
        .insert(&txn)
        .await?;
    }

    // Loading content is a write like any other: it goes into the change log, so that feeds,
    // webhooks and search indexes of running nodes see it.
    let mut changes = Vec::new();
    macro_rules! journal_all {
        ($entity:ident, $name:expr) => {
            for id in $entity::Entity::find()
                .select_only()
                .column($entity::Column::Id)
                .into_tuple::<i64>()
                .all(&txn)
                .await?
            {
                changes.push(Change::catalog($name, id, ChangeOp::Upsert, true));
            }
        };
    }
    journal_all!(section, EntityType::Section);
    journal_all!(institution, EntityType::Institution);
    journal_all!(person, EntityType::Person);
    journal_all!(position, EntityType::Position);
    journal_all!(agreement, EntityType::Agreement);
    journal_all!(article, EntityType::Article);
    record_changes(&txn, &changes)
        .await
        .map_err(|error| DbErr::Custom(format!("journaling the demo content: {error}")))?;

    txn.commit().await
}
