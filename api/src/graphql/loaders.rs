//! DataLoaders: every relation is fetched in one batch per request level, so a list of 5 and a
//! list of 50 articles run the same number of SQL statements.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entities::{
    agreement, agreement_party, agreement_signatory, article, article_agreement, article_author,
    article_institution, article_person, institution, media, person, position, tag,
};
use sea_orm::DatabaseConnection;

use crate::content::sections::SectionTree;
use crate::content::{Viewer, agreements, articles, institutions, people, sections};
use crate::error::AppError;

/// The per-request loader state: the pool and the caller, so that article visibility applies to
/// every batch.
pub struct Loaders {
    db: DatabaseConnection,
    viewer: Viewer,
}

/// Builds the request's loader.
pub fn request_loader(db: DatabaseConnection, viewer: Viewer) -> DataLoader<Loaders, HashMapCache> {
    DataLoader::with_cache(
        Loaders { db, viewer },
        tokio::spawn,
        HashMapCache::default(),
    )
}

/// Declares a key type and its batch loader. For lists (`Vec<_>`), a key with no rows gets an
/// empty list: that is an answer too, cached so that no resolver asks again.
macro_rules! loader {
    ($(#[$meta:meta])* $key:ident => Vec<$item:ty>, |$db:ident, $viewer:ident, $ids:ident| $body:expr) => {
        loader!(@define $(#[$meta])* $key => Vec<$item>, |$db, $viewer, $ids| $body, |values, keys| {
            for key in keys {
                values.entry(*key).or_default();
            }
        });
    };
    ($(#[$meta:meta])* $key:ident => $value:ty, |$db:ident, $viewer:ident, $ids:ident| $body:expr) => {
        loader!(@define $(#[$meta])* $key => $value, |$db, $viewer, $ids| $body, |_values, _keys| {});
    };
    (@define $(#[$meta:meta])* $key:ident => $value:ty, |$db:ident, $viewer:ident, $ids:ident| $body:expr,
     |$values:ident, $keys:ident| $fill:block) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub i64);

        impl Loader<$key> for Loaders {
            type Value = $value;
            type Error = Arc<AppError>;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, Self::Error> {
                #[allow(unused_variables, reason = "not every loader needs the viewer")]
                let ($db, $viewer) = (&self.db, &self.viewer);
                let $ids: Vec<i64> = keys.iter().map(|key| key.0).collect();
                let rows = $body.await.map_err(Arc::new)?;
                #[allow(unused_mut, reason = "only lists are filled in")]
                let mut $values: HashMap<$key, $value> =
                    rows.into_iter().map(|(id, value)| ($key(id), value)).collect();
                let $keys = keys;
                $fill
                Ok($values)
            }
        }
    };
}

loader!(
    /// A visible article by id.
    ArticleById => article::Model, |db, viewer, ids| articles::find_by_ids(db, viewer, &ids)
);
loader!(
    /// A media item by id, if its article is visible.
    MediaById => media::Model, |db, viewer, ids| articles::media_by_ids(db, viewer, &ids)
);
loader!(
    /// A tag by id.
    TagById => tag::Model, |db, viewer, ids| articles::tags_by_ids(db, &ids)
);
loader!(
    /// An institution by id.
    InstitutionById => institution::Model, |db, viewer, ids| institutions::find_by_ids(db, &ids)
);
loader!(
    /// A person by id.
    PersonById => person::Model, |db, viewer, ids| people::find_by_ids(db, &ids)
);
loader!(
    /// A position by id.
    PositionById => position::Model, |db, viewer, ids| institutions::positions_by_ids(db, &ids)
);
loader!(
    /// An agreement by id.
    AgreementById => agreement::Model, |db, viewer, ids| agreements::find_by_ids(db, &ids)
);
loader!(
    /// The media of an article.
    MediaOf => Vec<media::Model>, |db, viewer, ids| articles::media_of(db, &ids)
);
loader!(
    /// The byline authors of an article.
    AuthorsOf => Vec<article_author::Model>, |db, viewer, ids| articles::authors_of(db, &ids)
);
loader!(
    /// The people an article names.
    PeopleMentionedIn => Vec<article_person::Model>, |db, viewer, ids| articles::people_mentioned_in(db, &ids)
);
loader!(
    /// The institutions an article names.
    InstitutionsMentionedIn => Vec<article_institution::Model>, |db, viewer, ids| articles::institutions_mentioned_in(db, &ids)
);
loader!(
    /// The agreements an article is about.
    AgreementsOfArticle => Vec<article_agreement::Model>, |db, viewer, ids| articles::agreements_of(db, &ids)
);
loader!(
    /// The tags of an article.
    TagsOf => Vec<tag::Model>, |db, viewer, ids| articles::tags_of(db, &ids)
);
loader!(
    /// The visible articles of a translation group, by the group's original.
    TranslationGroup => Vec<article::Model>, |db, viewer, ids| articles::translation_groups(db, viewer, &ids)
);
loader!(
    /// Every position of a person.
    PositionsOfPerson => Vec<position::Model>, |db, viewer, ids| institutions::positions_of_people(db, &ids)
);
loader!(
    /// Every position held at an institution.
    PositionsAt => Vec<position::Model>, |db, viewer, ids| institutions::positions_at(db, &ids)
);
loader!(
    /// The institutions directly under an institution.
    InstitutionChildren => Vec<institution::Model>, |db, viewer, ids| institutions::children_of(db, &ids)
);
loader!(
    /// The agreements that renew an agreement.
    SuccessorsOf => Vec<agreement::Model>, |db, viewer, ids| agreements::successors_of(db, &ids)
);
loader!(
    /// The parties of an agreement.
    PartiesOf => Vec<agreement_party::Model>, |db, viewer, ids| agreements::parties_of(db, &ids)
);
loader!(
    /// The signatories of an agreement.
    SignatoriesOf => Vec<agreement_signatory::Model>, |db, viewer, ids| agreements::signatories_of(db, &ids)
);

/// The whole section tree, loaded once per request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AllSections;

impl Loader<AllSections> for Loaders {
    type Value = Arc<SectionTree>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        _keys: &[AllSections],
    ) -> Result<HashMap<AllSections, Self::Value>, Self::Error> {
        let tree = sections::tree(&self.db).await.map_err(Arc::new)?;
        Ok(HashMap::from([(AllSections, Arc::new(tree))]))
    }
}
