//! Sections: the site's tree ("News & Events > Events"), read whole because it is small.

use std::collections::HashMap;

use entities::section;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

use crate::error::AppResult;

/// The whole section tree, loaded once per request.
#[derive(Debug, Clone, Default)]
pub struct SectionTree {
    by_id: HashMap<i64, section::Model>,
    children: HashMap<Option<i64>, Vec<i64>>,
}

impl SectionTree {
    /// Builds the tree from rows sorted by position.
    pub fn new(rows: Vec<section::Model>) -> Self {
        let mut tree = Self::default();
        for row in rows {
            tree.children.entry(row.parent_id).or_default().push(row.id);
            tree.by_id.insert(row.id, row);
        }
        tree
    }

    /// One section.
    pub fn get(&self, id: i64) -> Option<&section::Model> {
        self.by_id.get(&id)
    }

    /// The section with this slug.
    pub fn by_slug(&self, slug: &str) -> Option<&section::Model> {
        self.by_id.values().find(|section| section.slug == slug)
    }

    /// Children of `parent` (top-level sections for `None`), in order.
    pub fn children(&self, parent: Option<i64>) -> Vec<&section::Model> {
        self.children
            .get(&parent)
            .map(|ids| ids.iter().filter_map(|id| self.by_id.get(id)).collect())
            .unwrap_or_default()
    }

    /// The path from the top of the tree down to `id`, both included: the breadcrumb.
    pub fn path_to(&self, id: i64) -> Vec<&section::Model> {
        let mut path = Vec::new();
        let mut next = Some(id);
        while let Some(id) = next {
            // A cycle cannot be written through the API; the bound guards against a bad import.
            if path.len() > self.by_id.len() {
                break;
            }
            let Some(section) = self.by_id.get(&id) else {
                break;
            };
            path.push(section);
            next = section.parent_id;
        }
        path.reverse();
        path
    }

    /// `id` and every section below it.
    pub fn subtree_ids(&self, id: i64) -> Vec<i64> {
        let mut ids = vec![id];
        let mut index = 0;
        while index < ids.len() && ids.len() <= self.by_id.len() {
            if let Some(children) = self.children.get(&Some(ids[index])) {
                ids.extend(children.iter().copied());
            }
            index += 1;
        }
        ids
    }
}

/// Loads the whole tree (one statement).
pub async fn tree<C: ConnectionTrait>(db: &C) -> AppResult<SectionTree> {
    let rows = section::Entity::find()
        .order_by_asc(section::Column::Position)
        .order_by_asc(section::Column::Id)
        .all(db)
        .await?;
    Ok(SectionTree::new(rows))
}
