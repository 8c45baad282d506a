//! Rows for tests to build on, written straight through the entities (the write API comes with
//! the editorial issue). Assertions always go through the HTTP API.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entities::agreement::Areas;
use entities::enums::{
    AgreementKind, ArticleStatus, InstitutionKind, Locale, MentionRole, PartyRole,
};
use entities::{
    agreement, agreement_party, agreement_signatory, article, article_agreement, article_author,
    article_institution, article_person, article_tag, institution, media, person, position,
    section, tag,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

fn now() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(6)
}

fn expect<T, E: std::fmt::Display>(result: Result<T, E>, what: &str) -> T {
    result.unwrap_or_else(|error| panic!("fixture {what}: {error}"))
}

/// A calendar date.
pub fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day)
        .unwrap_or_else(|| panic!("bad date {year}-{month}-{day}"))
}

/// Inserts a section.
pub async fn section(db: &DatabaseConnection, slug: &str, parent: Option<i64>) -> i64 {
    let row = section::ActiveModel {
        slug: Set(slug.into()),
        name_en: Set(slug.replace('-', " ")),
        name_zh: Set(None),
        parent_id: Set(parent),
        position: Set(0),
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    };
    expect(row.insert(db).await, "section").id
}

/// Inserts an institution.
pub async fn institution(
    db: &DatabaseConnection,
    slug: &str,
    kind: InstitutionKind,
    parent: Option<i64>,
) -> i64 {
    let row = institution::ActiveModel {
        slug: Set(slug.into()),
        name_en: Set(slug.replace('-', " ")),
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
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    };
    expect(row.insert(db).await, "institution").id
}

/// Inserts a person.
pub async fn person(db: &DatabaseConnection, slug: &str) -> i64 {
    let row = person::ActiveModel {
        slug: Set(slug.into()),
        name_en: Set(slug.replace('-', " ")),
        name_zh: Set(None),
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    };
    expect(row.insert(db).await, "person").id
}

/// Inserts a position.
pub async fn position(
    db: &DatabaseConnection,
    person: i64,
    institution: i64,
    title: &str,
    started_on: Option<NaiveDate>,
    ended_on: Option<NaiveDate>,
) -> i64 {
    let row = position::ActiveModel {
        person_id: Set(person),
        institution_id: Set(institution),
        title_en: Set(title.into()),
        title_zh: Set(None),
        started_on: Set(started_on),
        ended_on: Set(ended_on),
        is_current: Set(ended_on.is_none()),
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    };
    expect(row.insert(db).await, "position").id
}

/// Inserts an agreement with a term.
pub async fn agreement(
    db: &DatabaseConnection,
    slug: &str,
    kind: AgreementKind,
    term: (Option<NaiveDate>, Option<NaiveDate>),
    predecessor: Option<i64>,
) -> i64 {
    use chrono::Datelike;
    let row = agreement::ActiveModel {
        slug: Set(slug.into()),
        title_en: Set(slug.replace('-', " ")),
        title_zh: Set(None),
        kind: Set(kind),
        summary: Set(None),
        signed_on: Set(term.0),
        signed_year: Set(term.0.map(|day| day.year())),
        effective_from: Set(term.0),
        effective_until: Set(term.1),
        areas: Set(Areas::default()),
        predecessor_id: Set(predecessor),
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    };
    expect(row.insert(db).await, "agreement").id
}

/// Makes an institution a party to an agreement.
pub async fn party(db: &DatabaseConnection, agreement: i64, institution: i64, role: PartyRole) {
    let row = agreement_party::ActiveModel {
        agreement_id: Set(agreement),
        institution_id: Set(institution),
        role: Set(role),
        position: Set(0),
    };
    expect(row.insert(db).await, "party");
}

/// Records a signature.
pub async fn signatory(
    db: &DatabaseConnection,
    agreement: i64,
    person: i64,
    institution: Option<i64>,
) {
    let row = agreement_signatory::ActiveModel {
        agreement_id: Set(agreement),
        person_id: Set(person),
        institution_id: Set(institution),
        position: Set(0),
    };
    expect(row.insert(db).await, "signatory");
}

/// What an article fixture looks like.
#[derive(Debug, Clone)]
pub struct ArticleSpec {
    /// Slug.
    pub slug: String,
    /// Section id.
    pub section: i64,
    /// Status.
    pub status: ArticleStatus,
    /// Publication time.
    pub published_at: Option<DateTime<Utc>>,
    /// Language.
    pub locale: Locale,
    /// The original, for a translation.
    pub translation_of: Option<i64>,
    /// Byline unit.
    pub source_institution: Option<i64>,
}

impl ArticleSpec {
    /// A published English article, published `hours_ago` hours ago.
    pub fn published(slug: &str, section: i64, hours_ago: i64) -> Self {
        Self {
            slug: slug.into(),
            section,
            status: ArticleStatus::Published,
            published_at: Some(now() - Duration::hours(hours_ago)),
            locale: Locale::En,
            translation_of: None,
            source_institution: None,
        }
    }
}

/// Inserts an article.
pub async fn article(db: &DatabaseConnection, spec: ArticleSpec) -> i64 {
    let row = article::ActiveModel {
        slug: Set(spec.slug.clone()),
        locale: Set(spec.locale),
        title: Set(format!("Title of {}", spec.slug)),
        summary: Set(None),
        body: Set(format!("Body of {}.", spec.slug)),
        section_id: Set(spec.section),
        source_institution_id: Set(spec.source_institution),
        status: Set(spec.status),
        published_at: Set(spec.published_at),
        sort_at: Set(spec.published_at.unwrap_or_else(now)),
        translation_of_id: Set(spec.translation_of),
        version: Set(1),
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    };
    expect(row.insert(db).await, "article").id
}

/// Names a person in an article.
pub async fn mention_person(db: &DatabaseConnection, article: i64, person: i64, role: MentionRole) {
    let row = article_person::ActiveModel {
        article_id: Set(article),
        person_id: Set(person),
        role: Set(role),
        title_as_printed: Set(None),
        position: Set(0),
    };
    expect(row.insert(db).await, "person mention");
}

/// Adds an author to an article's byline.
pub async fn author(db: &DatabaseConnection, article: i64, person: i64) {
    let row = article_author::ActiveModel {
        article_id: Set(article),
        person_id: Set(person),
        position: Set(0),
    };
    expect(row.insert(db).await, "author");
}

/// Names an institution in an article.
pub async fn mention_institution(db: &DatabaseConnection, article: i64, institution: i64) {
    let row = article_institution::ActiveModel {
        article_id: Set(article),
        institution_id: Set(institution),
        position: Set(0),
    };
    expect(row.insert(db).await, "institution mention");
}

/// Relates an article to an agreement.
pub async fn relate_agreement(db: &DatabaseConnection, article: i64, agreement: i64) {
    let row = article_agreement::ActiveModel {
        article_id: Set(article),
        agreement_id: Set(agreement),
        position: Set(0),
    };
    expect(row.insert(db).await, "agreement link");
}

/// Tags an article, creating the tag when needed.
pub async fn tag(db: &DatabaseConnection, article: i64, slug: &str) {
    let existing = expect(
        tag::Entity::find()
            .filter(tag::Column::Slug.eq(slug))
            .one(db)
            .await,
        "tag lookup",
    );
    let tag_id = match existing {
        Some(tag) => tag.id,
        None => {
            let row = tag::ActiveModel {
                slug: Set(slug.into()),
                name: Set(slug.into()),
                ..Default::default()
            };
            expect(row.insert(db).await, "tag").id
        }
    };
    let link = article_tag::ActiveModel {
        article_id: Set(article),
        tag_id: Set(tag_id),
        position: Set(0),
    };
    expect(link.insert(db).await, "tag link");
}

/// Attaches a photo to an article.
pub async fn photo(db: &DatabaseConnection, article: i64, position: i32) -> i64 {
    let row = media::ActiveModel {
        article_id: Set(article),
        position: Set(position),
        url: Set(Some(format!(
            "https://example.org/{article}-{position}.jpg"
        ))),
        caption: Set(Some("A photo".into())),
        alt_text: Set(Some("A photo".into())),
        credit: Set(None),
        width: Set(Some(1200)),
        height: Set(Some(800)),
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    };
    expect(row.insert(db).await, "media").id
}
