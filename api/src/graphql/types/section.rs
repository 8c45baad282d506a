//! `Section`: a node of the site's section tree.

use async_graphql::{Context, ID, Object, Result};
use entities::section;

use super::article_list::object_with_articles;
use crate::graphql::{load, missing};
use crate::ids::{self, Kind};
use crate::reads::loaders::AllSections;

/// A section of the site ("News & Events", "Events").
#[derive(Clone)]
pub struct Section(pub section::Model);

object_with_articles! {
    #[Object(cache_control(max_age = 300))]
    /// A section of the site ("News & Events", "Events").
    impl Section {
        /// Global ID.
        pub async fn id(&self) -> ID {
            ID(ids::encode(Kind::Section, self.0.id))
        }

        /// Incremented on every save; send it back with updates.
        async fn version(&self) -> i32 {
            self.0.version
        }

        /// URL slug, unique.
        async fn slug(&self) -> &str {
            &self.0.slug
        }

        /// English name.
        async fn name(&self) -> &str {
            &self.0.name_en
        }

        /// Chinese name, when known.
        async fn name_zh(&self) -> Option<&str> {
            self.0.name_zh.as_deref()
        }

        /// Order among its siblings, ascending.
        async fn position(&self) -> i32 {
            self.0.position
        }

        /// The section above this one; null at the top.
        async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Section>> {
            let tree = load(ctx, AllSections)
                .await?
                .ok_or_else(|| missing("section tree"))?;
            Ok(self
                .0
                .parent_id
                .and_then(|id| tree.get(id))
                .cloned()
                .map(Section))
        }

        /// The sections directly below this one, in order.
        async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Section>> {
            let tree = load(ctx, AllSections)
                .await?
                .ok_or_else(|| missing("section tree"))?;
            Ok(tree
                .children(Some(self.0.id))
                .into_iter()
                .cloned()
                .map(Section)
                .collect())
        }

        /// The path from the top of the site down to this section, this one included.
        async fn breadcrumb(&self, ctx: &Context<'_>) -> Result<Vec<Section>> {
            let tree = load(ctx, AllSections)
                .await?
                .ok_or_else(|| missing("section tree"))?;
            Ok(tree
                .path_to(self.0.id)
                .into_iter()
                .cloned()
                .map(Section)
                .collect())
        }
    }
    /// The visible articles filed here (and, unless `filter.includeSubsections` is false, in the
    /// sections below), newest first by default.
    #[graphql(complexity = "crate::graphql::page_cost(first, last, child_complexity)")]
    articles(first, last) = |this, filter| filter.section = Some(this.0.id);
}
