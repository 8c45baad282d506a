//! The sync feed: an initial pass over everything the caller may see, then every change since,
//! read from the change log. Deletions, and anything that left the caller's view (unpublished,
//! archived, deleted), come as tombstones; an article scheduled for later enters the feed when
//! its time comes. Tokens are opaque, stateless and valid on any api node.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entities::enums::{ArticleStatus, ChangeOp, EntityType};
use entities::{agreement, article, change, institution, person, position, section};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::reads::{Viewer, agreements, articles, institutions, people};

/// The entity types the feed carries, in the order of the initial pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncType {
    /// Sections.
    Section,
    /// Institutions.
    Institution,
    /// People.
    Person,
    /// Positions.
    Position,
    /// Agreements.
    Agreement,
    /// Articles.
    Article,
}

impl SyncType {
    /// Every type, in feed order.
    pub const ALL: [SyncType; 6] = [
        SyncType::Section,
        SyncType::Institution,
        SyncType::Person,
        SyncType::Position,
        SyncType::Agreement,
        SyncType::Article,
    ];

    /// The change log's type.
    pub const fn entity_type(self) -> EntityType {
        match self {
            SyncType::Section => EntityType::Section,
            SyncType::Institution => EntityType::Institution,
            SyncType::Person => EntityType::Person,
            SyncType::Position => EntityType::Position,
            SyncType::Agreement => EntityType::Agreement,
            SyncType::Article => EntityType::Article,
        }
    }

    /// The feed's type of a change-log type; `None` for what the feed does not carry
    /// (credentials).
    pub fn of(entity_type: EntityType) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.entity_type() == entity_type)
    }
}

/// An entity in full, as the caller sees it.
#[derive(Debug, Clone)]
pub enum SyncEntity {
    /// A section.
    Section(section::Model),
    /// An institution.
    Institution(institution::Model),
    /// A person.
    Person(person::Model),
    /// A position.
    Position(position::Model),
    /// An agreement.
    Agreement(agreement::Model),
    /// An article.
    Article(article::Model),
}

/// One item of the feed.
#[derive(Debug, Clone)]
pub enum SyncItem {
    /// Created or changed (or newly visible): the entity in full.
    Upsert(Box<SyncEntity>),
    /// Deleted, or no longer visible to the caller.
    Delete {
        /// Its type.
        kind: SyncType,
        /// Its id.
        id: i64,
    },
}

/// One page of the feed.
#[derive(Debug, Clone)]
pub struct SyncPage {
    /// The items, in order.
    pub items: Vec<SyncItem>,
    /// Pass it to the next call.
    pub next_token: String,
    /// Whether more items are waiting now (call again at once); false means "in sync".
    pub has_more: bool,
}

/// Where a reader is.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Token {
    /// Still in the initial pass: the type index and the last id sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    initial: Option<(usize, i64)>,
    /// The last change-log sequence number applied.
    seq: i64,
    /// Scheduled articles published up to this (time, id) have been sent.
    due: (DateTime<Utc>, i64),
}

fn encode(token: &Token) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(token).unwrap_or_default())
}

/// Reads a token the client sent back. Anything we did not write (another list's cursor, a
/// truncated or forged token, times the database cannot hold, a position past the types) is an
/// input error.
fn decode(token: &str) -> AppResult<Token> {
    use chrono::Datelike;
    let refused = || AppError::bad_input("token", "not a sync token");
    // Ours are about 130 characters.
    if token.len() > 512 {
        return Err(refused());
    }
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| refused())?;
    let token: Token = serde_json::from_slice(&bytes).map_err(|_| refused())?;
    let sane = token.seq >= 0
        && (1..=9999).contains(&token.due.0.year())
        && token
            .initial
            .is_none_or(|(index, after)| index < SyncType::ALL.len() && after >= 0);
    if sane { Ok(token) } else { Err(refused()) }
}

/// Largest page.
pub const MAX_PAGE: u64 = 500;

async fn visible<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    kind: SyncType,
    ids: &[i64],
) -> AppResult<HashMap<i64, SyncEntity>> {
    Ok(match kind {
        SyncType::Section => section::Entity::find()
            .filter(section::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|row| (row.id, SyncEntity::Section(row)))
            .collect(),
        SyncType::Institution => institutions::find_by_ids(db, ids)
            .await?
            .into_iter()
            .map(|(id, row)| (id, SyncEntity::Institution(row)))
            .collect(),
        SyncType::Person => people::find_by_ids(db, ids)
            .await?
            .into_iter()
            .map(|(id, row)| (id, SyncEntity::Person(row)))
            .collect(),
        SyncType::Position => institutions::positions_by_ids(db, ids)
            .await?
            .into_iter()
            .map(|(id, row)| (id, SyncEntity::Position(row)))
            .collect(),
        SyncType::Agreement => agreements::find_by_ids(db, ids)
            .await?
            .into_iter()
            .map(|(id, row)| (id, SyncEntity::Agreement(row)))
            .collect(),
        SyncType::Article => articles::find_by_ids(db, viewer, ids)
            .await?
            .into_iter()
            .map(|(id, row)| (id, SyncEntity::Article(row)))
            .collect(),
    })
}

/// One entity, if the caller may see it.
pub async fn load_visible<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    kind: SyncType,
    id: i64,
) -> AppResult<Option<SyncEntity>> {
    Ok(visible(db, viewer, kind, &[id]).await?.remove(&id))
}

/// The next ids of `kind` after `after`, visible to the caller, for the initial pass.
async fn initial_ids<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    kind: SyncType,
    after: i64,
    limit: u64,
) -> AppResult<Vec<i64>> {
    macro_rules! ids {
        ($entity:ident, $filter:expr) => {
            $entity::Entity::find()
                .select_only()
                .column($entity::Column::Id)
                .filter($entity::Column::Id.gt(after))
                .filter($filter)
                .order_by_asc($entity::Column::Id)
                .limit(limit)
                .into_tuple::<i64>()
                .all(db)
                .await?
        };
    }
    Ok(match kind {
        SyncType::Section => ids!(section, Condition::all()),
        SyncType::Institution => ids!(institution, Condition::all()),
        SyncType::Person => ids!(person, Condition::all()),
        SyncType::Position => ids!(position, Condition::all()),
        SyncType::Agreement => ids!(agreement, Condition::all()),
        SyncType::Article => ids!(article, viewer.article_condition()),
    })
}

async fn head<C: ConnectionTrait>(db: &C) -> AppResult<i64> {
    let last = change::Entity::find()
        .select_only()
        .column(change::Column::Seq)
        .order_by_desc(change::Column::Seq)
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?;
    Ok(last.unwrap_or(0))
}

/// One page of the feed for `viewer`, for the `types` asked for (all when empty).
pub async fn page<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    token: Option<&str>,
    types: &[SyncType],
    limit: u64,
) -> AppResult<SyncPage> {
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::bad_input(
            "first",
            format!("between 1 and {MAX_PAGE}"),
        ));
    }
    let wanted = |kind: SyncType| types.is_empty() || types.contains(&kind);
    let mut token = match token {
        Some(token) => decode(token)?,
        // The log position is taken before the first read: changes made during the initial pass
        // are replayed after it.
        None => Token {
            initial: Some((0, 0)),
            seq: head(db).await?,
            due: (viewer.now(), i64::MAX),
        },
    };
    let mut items = Vec::new();

    if let Some((mut index, mut after)) = token.initial {
        while index < SyncType::ALL.len() && (items.len() as u64) < limit {
            let kind = SyncType::ALL[index];
            if !wanted(kind) {
                index += 1;
                after = 0;
                continue;
            }
            let room = limit - items.len() as u64;
            let ids = initial_ids(db, viewer, kind, after, room).await?;
            let mut rows = visible(db, viewer, kind, &ids).await?;
            for id in &ids {
                if let Some(entity) = rows.remove(id) {
                    items.push(SyncItem::Upsert(Box::new(entity)));
                }
            }
            if (ids.len() as u64) < room {
                index += 1;
                after = 0;
            } else {
                after = ids.last().copied().unwrap_or(after);
            }
        }
        token.initial = (index < SyncType::ALL.len()).then_some((index, after));
        let has_more = token.initial.is_some();
        return Ok(SyncPage {
            items,
            next_token: encode(&token),
            has_more,
        });
    }

    // Changes since the token, in commit order.
    let rows = change::Entity::find()
        .filter(change::Column::Seq.gt(token.seq))
        .order_by_asc(change::Column::Seq)
        .limit(limit)
        .all(db)
        .await?;
    let log_drained = (rows.len() as u64) < limit;
    if let Some(last) = rows.last() {
        token.seq = last.seq;
    }
    // The last change of each entity wins; it is reported where it happened. Changes the
    // caller may not know of (a draft's, to the public) are left out, unless another change of
    // the same entity in this page concerns the caller: then the entity is reported as it is.
    let mut last_seen: HashMap<(SyncType, i64), usize> = HashMap::new();
    let known: std::collections::HashSet<(EntityType, i64)> = rows
        .iter()
        .filter(|row| viewer.may_know_of(row.public, row.was_public, row.owner_id))
        .map(|row| (row.entity_type, row.entity_id))
        .collect();
    let relevant: Vec<(SyncType, &change::Model)> = rows
        .iter()
        .filter(|row| known.contains(&(row.entity_type, row.entity_id)))
        .filter_map(|row| SyncType::of(row.entity_type).map(|kind| (kind, row)))
        .filter(|(kind, _)| wanted(*kind))
        .collect();
    for (position, (kind, row)) in relevant.iter().enumerate() {
        last_seen.insert((*kind, row.entity_id), position);
    }
    let mut by_type: HashMap<SyncType, Vec<i64>> = HashMap::new();
    for (kind, row) in &relevant {
        if row.op == ChangeOp::Upsert {
            by_type.entry(*kind).or_default().push(row.entity_id);
        }
    }
    let mut current: HashMap<(SyncType, i64), SyncEntity> = HashMap::new();
    for (kind, ids) in by_type {
        for (id, entity) in visible(db, viewer, kind, &ids).await? {
            current.insert((kind, id), entity);
        }
    }
    for (position, (kind, row)) in relevant.iter().enumerate() {
        if last_seen.get(&(*kind, row.entity_id)) != Some(&position) {
            continue;
        }
        match current.remove(&(*kind, row.entity_id)) {
            Some(entity) => items.push(SyncItem::Upsert(Box::new(entity))),
            None => items.push(SyncItem::Delete {
                kind: *kind,
                id: row.entity_id,
            }),
        }
    }

    // Articles scheduled earlier whose time has come since the last call: they wrote no change
    // when they became public, so the feed looks for them.
    let mut window_drained = true;
    if log_drained && wanted(SyncType::Article) {
        let room = limit.saturating_sub(items.len() as u64).max(1);
        let (since, since_id) = token.due;
        let due = article::Entity::find()
            .filter(viewer.article_condition())
            .filter(article::Column::Status.eq(ArticleStatus::Published))
            .filter(article::Column::PublishedAt.lte(viewer.now()))
            .filter(
                Condition::any()
                    .add(article::Column::PublishedAt.gt(since))
                    .add(
                        Condition::all()
                            .add(article::Column::PublishedAt.eq(since))
                            .add(article::Column::Id.gt(since_id)),
                    ),
            )
            .order_by_asc(article::Column::PublishedAt)
            .order_by_asc(article::Column::Id)
            .limit(room)
            .all(db)
            .await?;
        window_drained = (due.len() as u64) < room;
        token.due = match (window_drained, due.last()) {
            (false, Some(last)) => (last.published_at.unwrap_or(since), last.id),
            _ => (viewer.now(), i64::MAX),
        };
        items.extend(
            due.into_iter()
                .map(|row| SyncItem::Upsert(Box::new(SyncEntity::Article(row)))),
        );
    }
    Ok(SyncPage {
        items,
        next_token: encode(&token),
        has_more: !log_drained || !window_drained,
    })
}
