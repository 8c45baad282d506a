//! The root `Subscription`, over websocket (`graphql-transport-ws`) at `/graphql/ws`, fed by
//! the node's live change feed, with the same visibility rules as queries.

use std::collections::HashSet;

use async_graphql::futures_util::Stream;
use async_graphql::futures_util::stream::{self, StreamExt};
use async_graphql::{Context, ID, Result, Subscription};
use entities::enums::{ArticleStatus, ChangeOp, EntityType};
use sea_orm::DatabaseConnection;

use super::request;
use super::types::{Article, Locale, SyncItem, SyncType};
use crate::changes::LiveChanges;
use crate::content::sync::{self, SyncItem as DomainItem};
use crate::error::AppError;
use crate::error::GraphqlResultExt;
use crate::identity::Identity;
use crate::ids::{self, Kind};
use crate::reads::{Viewer, articles, sections};

/// Every subscription root field.
#[derive(Default)]
pub struct Subscription;

struct Watch {
    db: DatabaseConnection,
    identity: Option<Identity>,
    offset: chrono::FixedOffset,
    changes: LiveChanges,
}

impl Watch {
    /// The caller as of now: visibility is decided at each event, not at subscription time.
    fn viewer(&self) -> Viewer {
        Viewer::new(self.identity.clone(), self.offset)
    }
}

async fn watch(ctx: &Context<'_>) -> Result<Watch> {
    let request = request(ctx)?;
    let changes = request
        .app
        .changes
        .subscribe_from_now(&request.db)
        .await
        .map_err(|error| AppError::from(error).to_graphql())?;
    Ok(Watch {
        db: request.db.clone(),
        identity: request.viewer.identity().cloned(),
        offset: request.app.config.site_utc_offset,
        changes,
    })
}

/// Live updates over websocket at `/graphql/ws` (`graphql-transport-ws`).
#[Subscription]
impl Subscription {
    /// Articles as they become public (published now, or their scheduled time reached), and
    /// public articles as they are edited; optionally only in a section (and its subsections)
    /// or a locale.
    async fn article_published(
        &self,
        ctx: &Context<'_>,
        section: Option<ID>,
        locale: Option<Locale>,
    ) -> Result<impl Stream<Item = Article>> {
        let watch = watch(ctx).await?;
        let sections: Option<HashSet<i64>> = match section {
            Some(id) => {
                let id = ids::decode_as("section", Kind::Section, &id).gql()?;
                let tree = sections::tree(&watch.db).await.gql()?;
                Some(tree.subtree_ids(id).into_iter().collect())
            }
            None => None,
        };
        let locale = locale.map(entities::enums::Locale::from);
        Ok(stream::unfold(watch, move |mut watch| {
            let sections = sections.clone();
            async move {
                loop {
                    let change = watch.changes.next().await?;
                    if change.entity_type != EntityType::Article || change.op != ChangeOp::Upsert {
                        continue;
                    }
                    let viewer = watch.viewer();
                    let Ok(mut rows) = articles::find_by_ids(
                        &watch.db,
                        &Viewer::public(watch.offset),
                        &[change.entity_id],
                    )
                    .await
                    else {
                        continue;
                    };
                    let Some(row) = rows.remove(&change.entity_id) else {
                        continue;
                    };
                    let wanted = row.status == ArticleStatus::Published
                        && viewer.can_see_article(&row)
                        && sections
                            .as_ref()
                            .is_none_or(|ids| ids.contains(&row.section_id))
                        && locale.is_none_or(|locale| locale == row.locale);
                    if wanted {
                        return Some((Article(row), watch));
                    }
                }
            }
        })
        .boxed())
    }

    /// Every change to content you may see, as in the sync feed: upserts in full, and deletions
    /// (or content leaving your view) as `DELETE`.
    async fn content_changed(
        &self,
        ctx: &Context<'_>,
        types: Option<Vec<SyncType>>,
    ) -> Result<impl Stream<Item = SyncItem>> {
        let watch = watch(ctx).await?;
        let types: Vec<sync::SyncType> = types
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect();
        Ok(stream::unfold(watch, move |mut watch| {
            let types = types.clone();
            async move {
                loop {
                    let change = watch.changes.next().await?;
                    let Some(kind) = sync::SyncType::of(change.entity_type) else {
                        continue;
                    };
                    if !types.is_empty() && !types.contains(&kind) {
                        continue;
                    }
                    let viewer = watch.viewer();
                    if !viewer.may_know_of(change.public, change.was_public, change.owner_id) {
                        continue;
                    }
                    let entity = match change.op {
                        ChangeOp::Delete => None,
                        ChangeOp::Upsert => {
                            sync::load_visible(&watch.db, &viewer, kind, change.entity_id)
                                .await
                                .ok()
                                .flatten()
                        }
                    };
                    let item = match entity {
                        Some(entity) => DomainItem::Upsert(Box::new(entity)),
                        None => DomainItem::Delete {
                            kind,
                            id: change.entity_id,
                        },
                    };
                    return Some((SyncItem(item), watch));
                }
            }
        })
        .boxed())
    }
}
