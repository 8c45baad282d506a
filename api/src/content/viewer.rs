//! Who is asking, and what they may see: the one place where visibility is decided.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use entities::article;
use entities::enums::ArticleStatus;
use sea_orm::{ColumnTrait, Condition};

/// The caller of a request, fixed for the whole request (including the clock, so that every
/// part of one response agrees on what "now" is).
#[derive(Debug, Clone)]
pub struct Viewer {
    now: DateTime<Utc>,
    site_offset: FixedOffset,
}

impl Viewer {
    /// An anonymous reader of the public site, as of now.
    pub fn public(site_offset: FixedOffset) -> Self {
        Self::public_at(Utc::now(), site_offset)
    }

    /// An anonymous reader as of `now`.
    pub fn public_at(now: DateTime<Utc>, site_offset: FixedOffset) -> Self {
        Self { now, site_offset }
    }

    /// The request's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Today's date at the university.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.site_offset).date_naive()
    }

    /// The articles this viewer may see: for the public, published ones whose publication time
    /// has passed. Every query that returns articles, directly or through a relation, applies it.
    pub fn article_condition(&self) -> Condition {
        Condition::all()
            .add(article::Column::Status.eq(ArticleStatus::Published))
            .add(article::Column::PublishedAt.lte(self.now))
    }

    /// The same rule for one loaded row.
    pub fn can_see_article(&self, row: &article::Model) -> bool {
        row.status == ArticleStatus::Published && row.published_at.is_some_and(|at| at <= self.now)
    }
}
