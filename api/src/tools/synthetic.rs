//! `newsdesk seed --synthetic N`: a deterministic bilingual data set for benchmarks and load
//! tests. The same N and seed give the same rows: N articles over a section tree of 21 sections,
//! about N/20 institutions, N/5 people with positions, N/30 agreements with parties and
//! signatories, and the links, media and tags a university news archive has.
//!
//! Rows are written with multi-row inserts in one transaction, ids assigned here (the database
//! must hold no content), and journaled in the change log like any other write, so that feeds,
//! webhooks and search indexes see them.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use entities::agreement::Areas;
use entities::enums::{
    AgreementKind, ArticleStatus, ChangeOp, EntityType, InstitutionKind, Locale, MentionRole,
    PartyRole,
};
use entities::{
    agreement, agreement_party, agreement_signatory, article, article_agreement, article_author,
    article_institution, article_person, article_tag, institution, media, person, position,
    section, tag,
};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait, Set,
};

use crate::journal::{Change, record_changes};

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 0x5EED_2024_0409;

/// English words for generated text.
pub(crate) const EN_WORDS: &[&str] = &[
    "university",
    "college",
    "agreement",
    "cooperation",
    "vocational",
    "education",
    "students",
    "faculty",
    "development",
    "exchange",
    "ceremony",
    "president",
    "province",
    "training",
    "industry",
    "enterprise",
    "innovation",
    "talent",
    "curriculum",
    "international",
    "standards",
    "research",
    "campus",
    "teachers",
    "partnership",
    "assistance",
    "pairing",
    "signed",
    "delegation",
    "visit",
    "program",
    "skills",
];

/// Chinese words for generated text.
pub(crate) const ZH_WORDS: &[&str] = &[
    "职业教育",
    "对口帮扶",
    "合作协议",
    "人才培养",
    "产教融合",
    "校企合作",
    "国际交流",
    "师资队伍",
    "课程建设",
    "创新创业",
    "深圳",
    "广西",
    "学院",
    "大学",
    "签约仪式",
    "专业群",
    "高质量发展",
    "技能大赛",
];

/// A deterministic pseudo-random sequence (xorshift64*).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len() as u64) as usize]
    }

    /// An id in `1..=count`.
    fn id(&mut self, count: i64) -> i64 {
        self.below(count.max(1) as u64) as i64 + 1
    }
}

/// A sentence of `words` words, English or Chinese.
pub(crate) fn sentence(rng: &mut Rng, chinese: bool, words: usize) -> String {
    let parts: Vec<&str> = (0..words)
        .map(|_| rng.pick(if chinese { ZH_WORDS } else { EN_WORDS }))
        .collect();
    if chinese {
        format!("{}。", parts.concat())
    } else {
        let mut text = parts.join(" ");
        if let Some(first) = text.get(..1) {
            text.replace_range(..1, &first.to_ascii_uppercase());
        }
        format!("{text}.")
    }
}

/// What was loaded.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Sections.
    pub sections: usize,
    /// Institutions.
    pub institutions: usize,
    /// People.
    pub people: usize,
    /// Positions.
    pub positions: usize,
    /// Agreements.
    pub agreements: usize,
    /// Articles.
    pub articles: usize,
    /// Media items.
    pub media: usize,
    /// Article links (authors, people, institutions, agreements, tags).
    pub links: usize,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} articles, {} sections, {} institutions, {} people, {} positions, {} agreements, {} media, {} article links",
            self.articles,
            self.sections,
            self.institutions,
            self.people,
            self.positions,
            self.agreements,
            self.media,
            self.links
        )
    }
}

/// Slug, English name, Chinese name.
type Names = (&'static str, &'static str, &'static str);

const SECTIONS: &[(&str, &str, &str, &[Names])] = &[
    (
        "news",
        "News",
        "新闻",
        &[
            ("campus-news", "Campus News", "校园新闻"),
            ("media-coverage", "Media Coverage", "媒体报道"),
            ("announcements", "Announcements", "通知公告"),
        ],
    ),
    (
        "cooperation",
        "Cooperation",
        "合作交流",
        &[
            ("pairing-assistance", "Pairing Assistance", "对口帮扶"),
            ("industry", "Industry Partnerships", "校企合作"),
            ("regional", "Regional Cooperation", "区域合作"),
        ],
    ),
    (
        "international",
        "International",
        "国际交流",
        &[
            ("partnerships", "Partnerships", "国际合作"),
            ("visits", "Visits", "来访出访"),
            ("study-abroad", "Study Abroad", "留学"),
        ],
    ),
    (
        "teaching",
        "Teaching",
        "教育教学",
        &[
            ("programmes", "Programmes", "专业建设"),
            ("competitions", "Skills Competitions", "技能大赛"),
        ],
    ),
    (
        "research",
        "Research",
        "科研",
        &[
            ("achievements", "Achievements", "科研成果"),
            ("projects", "Projects", "科研项目"),
        ],
    ),
    (
        "people",
        "People",
        "人物",
        &[("faculty", "Faculty", "师资"), ("alumni", "Alumni", "校友")],
    ),
];

const CITIES: &[(&str, &str, &str)] = &[
    ("Shenzhen", "深圳", "Guangdong"),
    ("Guangzhou", "广州", "Guangdong"),
    ("Dongguan", "东莞", "Guangdong"),
    ("Foshan", "佛山", "Guangdong"),
    ("Nanning", "南宁", "Guangxi"),
    ("Hechi", "河池", "Guangxi"),
    ("Guilin", "桂林", "Guangxi"),
    ("Liuzhou", "柳州", "Guangxi"),
    ("Kashgar", "喀什", "Xinjiang"),
    ("Nyingchi", "林芝", "Tibet"),
    ("Guiyang", "贵阳", "Guizhou"),
    ("Bijie", "毕节", "Guizhou"),
    ("Kunming", "昆明", "Yunnan"),
    ("Zhaotong", "昭通", "Yunnan"),
    ("Chengdu", "成都", "Sichuan"),
    ("Ganzi", "甘孜", "Sichuan"),
    ("Shanghai", "上海", "Shanghai"),
    ("Beijing", "北京", "Beijing"),
    ("Hangzhou", "杭州", "Zhejiang"),
    ("Wuhan", "武汉", "Hubei"),
];

const DISCIPLINES: &[(&str, &str)] = &[
    ("Polytechnic", "职业技术"),
    ("Information Technology", "信息技术"),
    ("Industrial", "工业"),
    ("Modern", "现代"),
    ("Agricultural", "农业"),
    ("Light Industry", "轻工"),
    ("Finance and Economics", "财经"),
    ("Transport", "交通"),
    ("Health", "卫生"),
    ("Construction", "建设"),
    ("Mechanical and Electrical", "机电"),
    ("Tourism", "旅游"),
];

const INSTITUTION_TYPES: &[(&str, &str, InstitutionKind)] = &[
    ("Vocational College", "职业学院", InstitutionKind::College),
    (
        "Polytechnic University",
        "职业技术大学",
        InstitutionKind::University,
    ),
    ("Technician College", "技师学院", InstitutionKind::College),
    (
        "Secondary Vocational School",
        "中等职业学校",
        InstitutionKind::School,
    ),
    ("University", "大学", InstitutionKind::University),
    ("Group Co., Ltd.", "集团有限公司", InstitutionKind::Company),
    ("Education Bureau", "教育局", InstitutionKind::Government),
];

const SURNAMES: &[(&str, &str)] = &[
    ("Wang", "王"),
    ("Li", "李"),
    ("Zhang", "张"),
    ("Liu", "刘"),
    ("Chen", "陈"),
    ("Yang", "杨"),
    ("Huang", "黄"),
    ("Zhao", "赵"),
    ("Wu", "吴"),
    ("Zhou", "周"),
    ("Xu", "徐"),
    ("Sun", "孙"),
    ("Ma", "马"),
    ("Zhu", "朱"),
    ("Hu", "胡"),
    ("Guo", "郭"),
    ("He", "何"),
    ("Lin", "林"),
    ("Luo", "罗"),
    ("Wei", "韦"),
];

const GIVEN_NAMES: &[(&str, &str)] = &[
    ("Wei", "伟"),
    ("Fang", "芳"),
    ("Min", "敏"),
    ("Jing", "静"),
    ("Lei", "磊"),
    ("Yang", "洋"),
    ("Yong", "勇"),
    ("Jie", "杰"),
    ("Juan", "娟"),
    ("Tao", "涛"),
    ("Ming", "明"),
    ("Chao", "超"),
    ("Xiuying", "秀英"),
    ("Hua", "华"),
    ("Jianling", "建岭"),
    ("Zhanshan", "占山"),
    ("Weiwei", "伟伟"),
    ("Yanling", "艳玲"),
    ("Shaoguang", "绍光"),
    ("Xianling", "显玲"),
];

const TITLES: &[(&str, &str)] = &[
    ("President", "校长"),
    ("Vice President", "副校长"),
    ("Party Secretary", "党委书记"),
    ("Dean", "院长"),
    ("Professor", "教授"),
    ("Associate Professor", "副教授"),
    ("Director", "主任"),
    ("Deputy Director", "副主任"),
    ("Lecturer", "讲师"),
    ("General Manager", "总经理"),
];

const AREAS: &[&str] = &[
    "curriculum and professional group development",
    "cadre exchanges",
    "faculty development",
    "international education standards",
    "innovation and entrepreneurship",
    "industry-education integration",
    "student exchange",
    "skills competitions",
];

const TAGS: &[(&str, &str)] = &[
    ("vocational-education", "vocational education"),
    ("pairing-assistance", "pairing assistance"),
    ("guangdong-guangxi", "Guangdong-Guangxi"),
    ("double-high", "double high"),
    ("skills-competition", "skills competition"),
    ("industry-education", "industry-education integration"),
    ("international", "international"),
    ("belt-and-road", "Belt and Road"),
    ("alumni", "alumni"),
    ("research", "research"),
    ("ceremony", "ceremony"),
    ("visit", "visit"),
    ("students", "students"),
    ("faculty", "faculty"),
    ("graduation", "graduation"),
    ("admissions", "admissions"),
    ("award", "award"),
    ("innovation", "innovation"),
    ("rural-revitalization", "rural revitalization"),
    ("greater-bay-area", "Greater Bay Area"),
];

/// Loads `articles` generated articles and everything around them, from `seed`, in one
/// transaction. Fails, writing nothing, when the database already holds content.
pub async fn load(db: &DatabaseConnection, articles: i64, seed: u64) -> Result<Counts, DbErr> {
    if !crate::tools::seed::is_empty(db).await? {
        return Err(DbErr::Custom(
            "the database already holds content; synthetic data goes into an empty database \
             (a new NEWSDESK_DATA_DIR, or a new PostgreSQL database or schema)"
                .into(),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let counts = Generator {
        rng: Rng(seed.max(1)),
        articles: articles.max(0),
        epoch: Utc
            .with_ymd_and_hms(2024, 4, 12, 8, 0, 0)
            .single()
            .ok_or_else(|| DbErr::Custom("bad epoch".into()))?,
        changes: Vec::new(),
        counts: Counts::default(),
    }
    .run(&txn)
    .await?;
    txn.commit().await?;
    if db.get_database_backend() == DatabaseBackend::Postgres {
        reset_sequences(db).await?;
    }
    crate::db::refresh_statistics(db).await?;
    Ok(counts)
}

/// Ids were given explicitly, so PostgreSQL's sequences must move past them.
async fn reset_sequences(db: &DatabaseConnection) -> Result<(), DbErr> {
    for table in [
        "sections",
        "institutions",
        "people",
        "positions",
        "agreements",
        "articles",
        "media",
        "tags",
    ] {
        db.execute_unprepared(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
             GREATEST((SELECT MAX(id) FROM {table}), 1))"
        ))
        .await?;
    }
    Ok(())
}

/// Rows per multi-row insert: well under SQLite's and PostgreSQL's bind-parameter limits.
const CHUNK: usize = 1_000;

async fn insert_all<A, C>(db: &C, rows: Vec<A>) -> Result<usize, DbErr>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let count = rows.len();
    let mut rows = rows.into_iter();
    loop {
        let chunk: Vec<A> = rows.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            return Ok(count);
        }
        A::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
}

struct Generator {
    rng: Rng,
    articles: i64,
    epoch: DateTime<Utc>,
    changes: Vec<Change>,
    counts: Counts,
}

impl Generator {
    fn journal(&mut self, entity_type: EntityType, ids: impl Iterator<Item = (i64, bool)>) {
        // Created by the load: nothing was there before.
        self.changes.extend(ids.map(|(entity_id, public)| Change {
            entity_type,
            entity_id,
            op: ChangeOp::Upsert,
            public,
            was_public: false,
            owner_id: None,
        }));
    }

    async fn run<C: ConnectionTrait>(mut self, db: &C) -> Result<Counts, DbErr> {
        let leaves = self.sections(db).await?;
        let institutions = (self.articles / 20).max(1);
        let people = (self.articles / 5).max(1);
        let agreements = (self.articles / 30).max(1);
        self.institutions(db, institutions).await?;
        self.people(db, people, institutions).await?;
        self.agreements(db, agreements, institutions, people)
            .await?;
        self.tags(db).await?;
        self.article_rows(db, &leaves, institutions, people, agreements)
            .await?;
        let changes = std::mem::take(&mut self.changes);
        record_changes(db, &changes)
            .await
            .map_err(|error| DbErr::Custom(format!("journaling synthetic content: {error}")))?;
        Ok(self.counts)
    }

    /// The section tree; returns the leaf ids.
    async fn sections<C: ConnectionTrait>(&mut self, db: &C) -> Result<Vec<i64>, DbErr> {
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

    async fn institutions<C: ConnectionTrait>(&mut self, db: &C, count: i64) -> Result<(), DbErr> {
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
    async fn people<C: ConnectionTrait>(
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

    async fn agreements<C: ConnectionTrait>(
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

    async fn tags<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), DbErr> {
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

    /// Articles, newest first one to two hours apart; every third is Chinese, half of those
    /// translate the English article before them. 94% published, 4% drafts, 2% archived.
    async fn article_rows<C: ConnectionTrait>(
        &mut self,
        db: &C,
        leaves: &[i64],
        institutions: i64,
        people: i64,
        agreements: i64,
    ) -> Result<(), DbErr> {
        const BATCH: i64 = 5_000;
        let mut at = self.epoch;
        let mut first = 1;
        while first <= self.articles {
            let last = (first + BATCH - 1).min(self.articles);
            let mut rows = Vec::new();
            let mut links = Links::default();
            let mut public = Vec::new();
            for id in first..=last {
                at -= Duration::minutes(60 + self.rng.below(60) as i64);
                let (row, is_public) =
                    self.article(id, at, leaves, institutions, people, agreements, &mut links);
                rows.push(row);
                public.push((id, is_public));
            }
            self.counts.articles += insert_all(db, rows).await?;
            self.counts.media += insert_all(db, links.media).await?;
            self.counts.links += insert_all(db, links.authors).await?
                + insert_all(db, links.people).await?
                + insert_all(db, links.institutions).await?
                + insert_all(db, links.agreements).await?
                + insert_all(db, links.tags).await?;
            self.journal(EntityType::Article, public.into_iter());
            first = last + 1;
        }
        Ok(())
    }

    fn article(
        &mut self,
        id: i64,
        at: DateTime<Utc>,
        leaves: &[i64],
        institutions: i64,
        people: i64,
        agreements: i64,
        links: &mut Links,
    ) -> (article::ActiveModel, bool) {
        let chinese = id % 3 == 0;
        let translation = chinese && id % 6 == 0;
        // Skewed: campus news and media coverage carry about half of the articles.
        let roll = self.rng.below(leaves.len() as u64 * 2) as usize;
        let section = leaves[if roll < leaves.len() { roll } else { roll % 2 }];
        let words = 6 + self.rng.below(4) as usize;
        let title = sentence(&mut self.rng, chinese, words);
        let slug = if translation {
            format!("article-{}", id - 1)
        } else {
            format!("article-{id}")
        };
        let summary = sentence(&mut self.rng, chinese, 16);
        let body = (0..4 + self.rng.below(3))
            .map(|_| {
                (0..3)
                    .map(|_| sentence(&mut self.rng, chinese, 18))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join("\n\n");
        let roll = self.rng.below(100);
        let status = match roll {
            0..=3 => ArticleStatus::Draft,
            4..=5 => ArticleStatus::Archived,
            _ => ArticleStatus::Published,
        };
        let published_at = (status != ArticleStatus::Draft).then_some(at);
        let source = self.rng.chance(60).then(|| self.rng.id(institutions));
        let row = article::ActiveModel {
            id: Set(id),
            slug: Set(slug),
            locale: Set(if chinese { Locale::Zh } else { Locale::En }),
            title: Set(title),
            summary: Set(Some(summary)),
            body: Set(body),
            section_id: Set(section),
            source_institution_id: Set(source),
            status: Set(status),
            published_at: Set(published_at),
            sort_at: Set(at),
            translation_of_id: Set(translation.then_some(id - 1)),
            owner_id: Set(None),
            version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
        };
        // Links: one or two authors, up to four people mentioned, one to three institutions,
        // an agreement for one in five, up to three media items and up to four tags.
        let first_author = self.rng.id(people);
        for position in 0..(1 + self.rng.below(2) as i64).min(people) {
            links.authors.push(article_author::ActiveModel {
                article_id: Set(id),
                person_id: Set((first_author + position - 1) % people + 1),
                position: Set(position as i32),
            });
        }
        let first_person = self.rng.id(people);
        let roles = [
            MentionRole::Attendee,
            MentionRole::Speaker,
            MentionRole::Quoted,
            MentionRole::Mentioned,
        ];
        for position in 0..(self.rng.below(5) as i64).min(people) {
            let (title_en, _) = TITLES[self.rng.below(TITLES.len() as u64) as usize];
            links.people.push(article_person::ActiveModel {
                article_id: Set(id),
                person_id: Set((first_person + position - 1) % people + 1),
                role: Set(roles[self.rng.below(roles.len() as u64) as usize]),
                title_as_printed: Set(self.rng.chance(50).then(|| title_en.to_owned())),
                position: Set(position as i32),
            });
        }
        let first_institution = self.rng.id(institutions);
        for position in 0..(1 + self.rng.below(3) as i64).min(institutions) {
            let institution = (first_institution + position - 1) % institutions + 1;
            links.institutions.push(article_institution::ActiveModel {
                article_id: Set(id),
                institution_id: Set(institution),
                position: Set(position as i32),
            });
        }
        if self.rng.chance(20) {
            links.agreements.push(article_agreement::ActiveModel {
                article_id: Set(id),
                agreement_id: Set(self.rng.id(agreements)),
                position: Set(0),
            });
        }
        for position in 0..self.rng.below(4) as i32 {
            links.media.push(media::ActiveModel {
                // Four slots per article: ids do not depend on the batch size.
                id: Set((id - 1) * 4 + i64::from(position) + 1),
                article_id: Set(id),
                position: Set(position),
                url: Set(Some(format!(
                    "https://media.example.edu.cn/{}/{id}-{position}.jpg",
                    at.format("%Y/%m")
                ))),
                caption: Set(Some(sentence(&mut self.rng, chinese, 8))),
                alt_text: Set(Some(sentence(&mut self.rng, false, 6))),
                credit: Set(Some("University News Centre".into())),
                width: Set(Some(1_600)),
                height: Set(Some(1_067)),
                created_at: Set(at),
                updated_at: Set(at),
            });
        }
        let first_tag = self.rng.below(TAGS.len() as u64) as i64;
        for position in 0..self.rng.below(5) as i64 {
            links.tags.push(article_tag::ActiveModel {
                article_id: Set(id),
                tag_id: Set((first_tag + position * 3) % TAGS.len() as i64 + 1),
                position: Set(position as i32),
            });
        }
        let public = status == ArticleStatus::Published;
        (row, public)
    }
}

#[derive(Default)]
struct Links {
    authors: Vec<article_author::ActiveModel>,
    people: Vec<article_person::ActiveModel>,
    institutions: Vec<article_institution::ActiveModel>,
    agreements: Vec<article_agreement::ActiveModel>,
    tags: Vec<article_tag::ActiveModel>,
    media: Vec<media::ActiveModel>,
}

/// Lower-case ASCII words joined by hyphens.
fn slugify(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}
