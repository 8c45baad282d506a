//! `Person`: someone the site names, with their positions.

use async_graphql::{Context, ID, Object, Result};
use entities::person;

use super::agreement::{AgreementFilterInput, AgreementListArgs, agreement_connection};
use super::article_list::object_with_articles;
use super::connection::AgreementConnection;
use super::{Date, Position};
use crate::graphql::load;
use crate::ids::{self, Kind};
use crate::reads::institutions::held_on;
use crate::reads::loaders::PositionsOfPerson;

/// A person: an official, a member of staff, an author.
pub struct Person(pub person::Model);

object_with_articles! {
    #[Object(cache_control(max_age = 600))]
    /// A person: an official, a member of staff, an author.
    impl Person {
        /// Global ID.
        pub async fn id(&self) -> ID {
            ID(ids::encode(Kind::Person, self.0.id))
        }

        /// Incremented on every save; send it back with updates.
        async fn version(&self) -> i32 {
            self.0.version
        }

        /// URL slug, unique.
        async fn slug(&self) -> &str {
            &self.0.slug
        }

        /// Name in English, as printed ("Xu Jianling").
        async fn name(&self) -> &str {
            &self.0.name_en
        }

        /// Name in Chinese characters, when known.
        async fn name_zh(&self) -> Option<&str> {
            self.0.name_zh.as_deref()
        }

        /// The person's positions. Without `asOf`: all of them, current first. With `asOf`: those
        /// held on that day (a position whose end date is unknown counts only while current).
        async fn positions(&self, ctx: &Context<'_>, as_of: Option<Date>) -> Result<Vec<Position>> {
            let rows = load(ctx, PositionsOfPerson(self.0.id))
                .await?
                .unwrap_or_default();
            Ok(rows
                .into_iter()
                .filter(|row| as_of.is_none_or(|day| held_on(row, day.0)))
                .map(Position)
                .collect())
        }

        /// The agreements this person signed.
        #[graphql(complexity = "crate::graphql::page_cost(first, last, child_complexity)")]
        async fn signed_agreements(
            &self,
            ctx: &Context<'_>,
            first: Option<i32>,
            after: Option<String>,
            last: Option<i32>,
            before: Option<String>,
            filter: Option<AgreementFilterInput>,
        ) -> Result<AgreementConnection> {
            let args = AgreementListArgs {
                first,
                after,
                last,
                before,
                filter,
            };
            agreement_connection(ctx, args, |filter| filter.signatory = Some(self.0.id)).await
        }
    }
    /// The visible articles that name this person, in the text or the byline.
    #[graphql(complexity = "crate::graphql::page_cost(first, last, child_complexity)")]
    articles(first, last) = |this, filter| filter.person = Some(this.0.id);
}
