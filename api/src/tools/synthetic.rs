//! `newsdesk seed --synthetic N`: a deterministic bilingual data set for benchmarks and load
//! tests. The same N and seed give the same rows: N articles over a section tree of 21 sections,
//! about N/20 institutions, N/5 people with positions, N/30 agreements with parties and
//! signatories, and the links, media and tags a university news archive has.
//!
//! Rows are written with multi-row inserts in one transaction, ids assigned here (the database
//! must hold no content), and journaled in the change log like any other write, so that feeds,
//! webhooks and search indexes see them.

//!
//! The vocabulary it draws from is in [`vocabulary`]; the catalog (sections, institutions,
//! people, agreements, tags) and the articles with their links are generated in [`catalog`]
//! and [`articles`].

mod articles;
mod catalog;
mod vocabulary;

use vocabulary::{EN_WORDS, ZH_WORDS};

use chrono::{DateTime, TimeZone, Utc};
use entities::enums::{ChangeOp, EntityType};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait,
};

use crate::journal::{Change, record_changes};

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 0x5EED_2024_0409;

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
}
