//! `Tag`: a label on articles.

use async_graphql::{ID, Object};
use entities::tag;

use super::article_list::object_with_articles;
use crate::ids::{self, Kind};

/// A label on articles.
pub struct Tag(pub tag::Model);

object_with_articles! {
    #[Object(cache_control(max_age = 300))]
    /// A label on articles.
    impl Tag {
        /// Global ID.
        pub async fn id(&self) -> ID {
            ID(ids::encode(Kind::Tag, self.0.id))
        }

        /// URL slug; use it in `articles(filter: { tag: ... })`.
        async fn slug(&self) -> &str {
            &self.0.slug
        }

        /// Display name.
        async fn name(&self) -> &str {
            &self.0.name
        }
    }
    /// The visible articles carrying this tag.
    #[graphql(complexity = "crate::graphql::page_cost(first, last, child_complexity)")]
    articles(first, last) = |this, filter| filter.tag = Some(this.0.slug.clone());
}
