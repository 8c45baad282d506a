//! Who is asking, and what they may see: the one place where visibility is decided.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use entities::article;
use entities::enums::{ArticleStatus, UserRole};
use sea_orm::{ColumnTrait, Condition};

use crate::identity::Identity;

/// Which articles a caller sees (see [`Viewer::article_condition`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// Published articles whose publication time has passed.
    Public,
    /// Those, and the unpublished articles this user owns (an author).
    PublicAndOwnedBy(i64),
    /// Every article (editors, admins, draft mirrors).
    Everything,
}

/// The caller of a request, fixed for the whole request (including the clock, so that every
/// part of one response agrees on what "now" is).
#[derive(Debug, Clone)]
pub struct Viewer {
    now: DateTime<Utc>,
    site_offset: FixedOffset,
    identity: Option<Identity>,
    drafts: bool,
}

impl Viewer {
    /// An anonymous reader of the public site, as of now.
    pub fn public(site_offset: FixedOffset) -> Self {
        Self::new(None, site_offset)
    }

    /// A caller with (or without) verified credentials, as of now.
    pub fn new(identity: Option<Identity>, site_offset: FixedOffset) -> Self {
        Self {
            now: Utc::now(),
            site_offset,
            identity,
            drafts: false,
        }
    }

    /// The same caller, also seeing unpublished articles: for integrators mirroring drafts
    /// (the sync feed checks who may ask for it).
    pub fn with_drafts(mut self) -> Self {
        self.drafts = true;
        self
    }

    /// The request's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Today's date at the university.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.site_offset).date_naive()
    }

    /// The caller's verified identity, if any.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }

    /// The caller's role, if authenticated.
    pub fn role(&self) -> Option<UserRole> {
        self.identity.as_ref().map(|identity| identity.role)
    }

    /// The caller's user id, if a user.
    pub fn user_id(&self) -> Option<i64> {
        self.identity.as_ref().and_then(|identity| identity.user_id)
    }

    fn public_articles(&self) -> Condition {
        Condition::all()
            .add(article::Column::Status.eq(ArticleStatus::Published))
            .add(article::Column::PublishedAt.lte(self.now))
    }

    /// Which articles this viewer may see, as a name: callers with the same name see the same
    /// articles (as of the same moment), so a read kept for one may be given to another.
    pub fn visibility(&self) -> Visibility {
        if self.drafts {
            return Visibility::Everything;
        }
        match (self.role(), self.user_id()) {
            (Some(UserRole::Admin | UserRole::Editor), _) => Visibility::Everything,
            (Some(UserRole::Author), Some(user)) => Visibility::PublicAndOwnedBy(user),
            _ => Visibility::Public,
        }
    }

    /// The articles this viewer may see. The public (and integrators) see published articles
    /// whose publication time has passed; authors also see their own unpublished work; editors
    /// and admins see everything. Every query that returns articles, directly or through a
    /// relation, applies it.
    pub fn article_condition(&self) -> Condition {
        match self.visibility() {
            Visibility::Everything => Condition::all(),
            Visibility::PublicAndOwnedBy(user) => Condition::any()
                .add(self.public_articles())
                .add(article::Column::OwnerId.eq(user)),
            Visibility::Public => self.public_articles(),
        }
    }

    /// Whether this viewer may hear of a change at all: the public hears only of what it could
    /// see before or after the change (so that a draft created, edited and deleted leaves no
    /// trace, and its existence stays private), an author also of changes to their own
    /// articles, editors of everything.
    pub fn may_know_of(&self, public: bool, was_public: bool, owner_id: Option<i64>) -> bool {
        match self.visibility() {
            Visibility::Everything => true,
            Visibility::PublicAndOwnedBy(user) => public || was_public || owner_id == Some(user),
            Visibility::Public => public || was_public,
        }
    }

    /// The same rule for one loaded row.
    pub fn can_see_article(&self, row: &article::Model) -> bool {
        let public = row.status == ArticleStatus::Published
            && row.published_at.is_some_and(|at| at <= self.now);
        match self.visibility() {
            Visibility::Everything => true,
            Visibility::PublicAndOwnedBy(user) => public || row.owner_id == Some(user),
            Visibility::Public => public,
        }
    }
}
