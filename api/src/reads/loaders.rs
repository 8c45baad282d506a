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

use crate::error::AppError;
use crate::reads::cache::RowId;
use crate::reads::kept::ReadKey;
use crate::reads::sections::SectionTree;
use crate::reads::{Reads, Viewer, agreements, articles, institutions, people, sections};

/// The per-request loader state: the pool and the caller, so that article visibility applies to
/// every batch, and the node's shared rows when the request may read them.
pub struct Loaders {
    db: DatabaseConnection,
    viewer: Viewer,
    shared: Option<Arc<Reads>>,
}

/// Builds the request's loader. With `shared`, loaders marked `shared` below answer from the
/// node's shared rows what they hold, and keep there what they fetch; give it only to requests
/// that write nothing (a mutation's answer must show its own write).
pub fn request_loader(
    db: DatabaseConnection,
    viewer: Viewer,
    shared: Option<Arc<Reads>>,
) -> DataLoader<Loaders, HashMapCache> {
    DataLoader::with_cache(
        Loaders { db, viewer, shared },
        tokio::spawn,
        HashMapCache::default(),
    )
}

/// A loader key made of one row id.
pub trait RowKey: Copy + Eq + std::hash::Hash + Send + Sync + 'static {
    /// The key of the row with this id.
    fn from_id(id: i64) -> Self;
}

/// Whether a loader key's values read the same for every caller, and so may come from the
/// node's shared rows.
pub trait SharedScope: RowId {
    /// The values are the same for every caller.
    const SHARED: bool;
}

impl Loaders {
    /// What the node's shared rows hold of `keys`, shared rather than copied; nothing when the
    /// request may not read them or `K`'s values depend on the caller.
    pub fn shared_arcs<K>(&self, keys: &[K]) -> Vec<(K, Arc<<Self as Loader<K>>::Value>)>
    where
        K: SharedScope + Eq + std::hash::Hash + Copy + Send + Sync + 'static,
        Self: Loader<K>,
    {
        match &self.shared {
            Some(reads) if K::SHARED && reads.rows_epoch().is_some() => reads.shared.get(keys),
            _ => Vec::new(),
        }
    }

    /// What the shared rows hold of `keys`, the keys still to fetch, and the epoch to keep
    /// fetched rows under (`None`: do not keep them).
    fn look_up_shared<K, V>(&self, shared: bool, keys: &[K]) -> (HashMap<K, V>, Vec<K>, Option<u64>)
    where
        K: RowId + Eq + std::hash::Hash + Copy + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        let reads = self.shared.as_ref().filter(|_| shared);
        let Some((reads, epoch)) = reads.and_then(|reads| Some((reads, reads.rows_epoch()?)))
        else {
            return (HashMap::new(), keys.to_vec(), None);
        };
        let found: HashMap<K, V> = reads
            .shared
            .get::<K, V>(keys)
            .into_iter()
            .map(|(key, value)| (key, V::clone(&value)))
            .collect();
        let missing = keys
            .iter()
            .filter(|key| !found.contains_key(key))
            .copied()
            .collect();
        (found, missing, Some(epoch))
    }
}

/// About how many bytes a value takes in memory (what a kept read counts against its budget).
pub trait Weight {
    /// The value's size, roughly.
    fn weight(&self) -> usize;
}

impl Weight for article::Model {
    fn weight(&self) -> usize {
        articles::weight(self)
    }
}

impl<T: Weight> Weight for Vec<T> {
    fn weight(&self) -> usize {
        self.iter().map(Weight::weight).sum()
    }
}

/// Declares a key type and its batch loader. For lists (`Vec<_>`), a key with no rows gets an
/// empty list: that is an answer too, cached so that no resolver asks again. `shared`: the
/// value is the same for every caller, so it may come from (and go to) the node's shared rows;
/// `per_visibility`: it depends on which articles the caller sees, so a batch is kept for callers
/// who see the same; `per_request`: it depends on the caller, or is rarely asked for twice.
macro_rules! loader {
    ($(#[$meta:meta])* $key:ident => Vec<$item:ty>, $scope:ident, |$db:ident, $viewer:ident, $ids:ident| $body:expr) => {
        loader!(@define $(#[$meta])* $key => Vec<$item>, $scope, |$db, $viewer, $ids| $body, |values, keys| {
            for key in keys {
                values.entry(*key).or_default();
            }
        });
    };
    ($(#[$meta:meta])* $key:ident => $value:ty, $scope:ident, |$db:ident, $viewer:ident, $ids:ident| $body:expr) => {
        loader!(@define $(#[$meta])* $key => $value, $scope, |$db, $viewer, $ids| $body, |_values, _keys| {});
    };
    (@scope shared) => { true };
    (@scope per_visibility) => { false };
    (@scope per_request) => { false };
    // Values that depend on which articles the caller sees: a batch is kept among the node's
    // reads under the caller's visibility (see `kept`), by the key's variant of `ReadKey`.
    (@read per_visibility, $self:ident, $key:ident, $ids:ident, $body:expr) => {
        match &$self.shared {
            Some(reads) => {
                let key = ReadKey::$key {
                    visibility: $self.viewer.visibility(),
                    ids: $ids.clone(),
                };
                let weight = |rows: &HashMap<i64, _>| rows.values().map(Weight::weight).sum();
                reads
                    .kept
                    .read(&reads.version, key, Some(weight), $body)
                    .await
                    .map(|rows| HashMap::clone(&rows))
            }
            None => $body.await,
        }
    };
    (@read $scope:ident, $self:ident, $key:ident, $ids:ident, $body:expr) => {
        $body.await
    };
    (@define $(#[$meta:meta])* $key:ident => $value:ty, $scope:ident, |$db:ident, $viewer:ident, $ids:ident| $body:expr,
     |$values:ident, $keys:ident| $fill:block) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub i64);

        impl RowKey for $key {
            fn from_id(id: i64) -> Self {
                Self(id)
            }
        }

        impl RowId for $key {
            fn row_id(&self) -> i64 {
                self.0
            }
        }

        impl SharedScope for $key {
            const SHARED: bool = loader!(@scope $scope);
        }

        impl Loader<$key> for Loaders {
            type Value = $value;
            type Error = Arc<AppError>;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, Self::Error> {
                #[allow(unused_variables, reason = "not every loader needs the viewer")]
                let ($db, $viewer) = (&self.db, &self.viewer);
                let (mut found, missing, epoch) =
                    self.look_up_shared::<$key, $value>(loader!(@scope $scope), keys);
                if missing.is_empty() {
                    return Ok(found);
                }
                let $ids: Vec<i64> = missing.iter().map(|key| key.0).collect();
                let rows = loader!(@read $scope, self, $key, $ids, $body).map_err(Arc::new)?;
                #[allow(unused_mut, reason = "only lists are filled in")]
                let mut $values: HashMap<$key, $value> =
                    rows.into_iter().map(|(id, value)| ($key(id), value)).collect();
                let $keys = &missing;
                $fill
                if let (Some(reads), Some(epoch)) = (&self.shared, epoch) {
                    reads.shared.keep(&reads.version, epoch, &$values);
                }
                found.extend($values);
                Ok(found)
            }
        }
    };
}

loader!(
    /// A visible article by id.
    ArticleById => article::Model, per_visibility, |db, viewer, ids| articles::find_by_ids(db, viewer, &ids)
);
loader!(
    /// A media item by id, if its article is visible.
    MediaById => media::Model, per_request, |db, viewer, ids| articles::media_by_ids(db, viewer, &ids)
);
loader!(
    /// A tag by id.
    TagById => tag::Model, shared, |db, viewer, ids| articles::tags_by_ids(db, &ids)
);
loader!(
    /// An institution by id.
    InstitutionById => institution::Model, shared, |db, viewer, ids| institutions::find_by_ids(db, &ids)
);
loader!(
    /// A person by id.
    PersonById => person::Model, shared, |db, viewer, ids| people::find_by_ids(db, &ids)
);
loader!(
    /// A position by id.
    PositionById => position::Model, shared, |db, viewer, ids| institutions::positions_by_ids(db, &ids)
);
loader!(
    /// An agreement by id.
    AgreementById => agreement::Model, shared, |db, viewer, ids| agreements::find_by_ids(db, &ids)
);
loader!(
    /// The media of an article.
    MediaOf => Vec<media::Model>, shared, |db, viewer, ids| articles::media_of(db, &ids)
);
loader!(
    /// The byline authors of an article.
    AuthorsOf => Vec<article_author::Model>, shared, |db, viewer, ids| articles::authors_of(db, &ids)
);
loader!(
    /// The people an article names.
    PeopleMentionedIn => Vec<article_person::Model>, shared, |db, viewer, ids| articles::people_mentioned_in(db, &ids)
);
loader!(
    /// The institutions an article names.
    InstitutionsMentionedIn => Vec<article_institution::Model>, shared, |db, viewer, ids| articles::institutions_mentioned_in(db, &ids)
);
loader!(
    /// The agreements an article is about.
    AgreementsOfArticle => Vec<article_agreement::Model>, shared, |db, viewer, ids| articles::agreements_of(db, &ids)
);
loader!(
    /// The tags of an article.
    TagsOf => Vec<tag::Model>, shared, |db, viewer, ids| articles::tags_of(db, &ids)
);
loader!(
    /// The visible articles of a translation group, by the group's original.
    TranslationGroup => Vec<article::Model>, per_visibility, |db, viewer, ids| articles::translation_groups(db, viewer, &ids)
);
loader!(
    /// Every position of a person.
    PositionsOfPerson => Vec<position::Model>, shared, |db, viewer, ids| institutions::positions_of_people(db, &ids)
);
loader!(
    /// Every position held at an institution.
    PositionsAt => Vec<position::Model>, shared, |db, viewer, ids| institutions::positions_at(db, &ids)
);
loader!(
    /// The institutions directly under an institution.
    InstitutionChildren => Vec<institution::Model>, shared, |db, viewer, ids| institutions::children_of(db, &ids)
);
loader!(
    /// The agreements that renew an agreement.
    SuccessorsOf => Vec<agreement::Model>, shared, |db, viewer, ids| agreements::successors_of(db, &ids)
);
loader!(
    /// The parties of an agreement.
    PartiesOf => Vec<agreement_party::Model>, shared, |db, viewer, ids| agreements::parties_of(db, &ids)
);
loader!(
    /// The signatories of an agreement.
    SignatoriesOf => Vec<agreement_signatory::Model>, shared, |db, viewer, ids| agreements::signatories_of(db, &ids)
);

/// The whole section tree, loaded once per request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AllSections;

impl RowId for AllSections {
    fn row_id(&self) -> i64 {
        0
    }
}

impl SharedScope for AllSections {
    const SHARED: bool = true;
}

impl Loader<AllSections> for Loaders {
    type Value = Arc<SectionTree>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[AllSections],
    ) -> Result<HashMap<AllSections, Self::Value>, Self::Error> {
        let (found, missing, epoch) = self.look_up_shared::<AllSections, Self::Value>(true, keys);
        if missing.is_empty() {
            return Ok(found);
        }
        let tree = sections::tree(&self.db).await.map_err(Arc::new)?;
        let values = HashMap::from([(AllSections, Arc::new(tree))]);
        if let (Some(reads), Some(epoch)) = (&self.shared, epoch) {
            reads.shared.keep(&reads.version, epoch, &values);
        }
        Ok(values)
    }
}
