//! `Institution` (a tree) and `Position` (a title a person holds at one).

use async_graphql::{Context, ID, InputObject, Object, Result};
use entities::{institution, position};

use super::agreement::{AgreementFilterInput, AgreementListArgs, agreement_connection};
use super::article_list::object_with_articles;
use super::connection::AgreementConnection;
use super::{Date, InstitutionKind, Person};
use crate::error::AppResult;
use crate::graphql::{load, load_many, missing, request};
use crate::ids::{self, Kind};
use crate::reads::institutions::{InstitutionFilter, held_on};
use crate::reads::loaders::{InstitutionById, InstitutionChildren, PersonById, PositionsAt};

/// A university, college, ministry, department, office or union.
pub struct Institution(pub institution::Model);

/// Which institutions a list shows.
#[derive(InputObject, Default)]
pub struct InstitutionFilterInput {
    /// Only institutions of this kind.
    pub kind: Option<InstitutionKind>,
    /// Only institutions directly under this one (an `Institution` ID).
    pub parent: Option<ID>,
    /// Only institutions with no parent.
    #[graphql(default)]
    pub top_level_only: bool,
}

impl InstitutionFilterInput {
    /// Decodes the IDs into the domain filter.
    pub fn into_domain(self) -> AppResult<InstitutionFilter> {
        Ok(InstitutionFilter {
            kind: self.kind.map(Into::into),
            parent: self
                .parent
                .map(|id| ids::decode_as("filter.parent", Kind::Institution, &id))
                .transpose()?,
            top_level_only: self.top_level_only,
        })
    }
}

object_with_articles! {
    #[Object(cache_control(max_age = 600))]
    /// A university, college, ministry, department, office or union.
    impl Institution {
        /// Global ID.
        pub async fn id(&self) -> ID {
            ID(ids::encode(Kind::Institution, self.0.id))
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

        /// English short name ("SZPU").
        async fn short_name(&self) -> Option<&str> {
            self.0.short_name_en.as_deref()
        }

        /// Chinese short name.
        async fn short_name_zh(&self) -> Option<&str> {
            self.0.short_name_zh.as_deref()
        }

        /// What sort of body this is.
        async fn kind(&self) -> InstitutionKind {
            self.0.kind.into()
        }

        /// Province or autonomous region ("Guangdong").
        async fn region(&self) -> Option<&str> {
            self.0.region.as_deref()
        }

        /// City ("Shenzhen").
        async fn city(&self) -> Option<&str> {
            self.0.city.as_deref()
        }

        /// Street address.
        async fn address(&self) -> Option<&str> {
            self.0.address.as_deref()
        }

        /// Postcode.
        async fn postcode(&self) -> Option<&str> {
            self.0.postcode.as_deref()
        }

        /// Website URL.
        async fn website(&self) -> Option<&str> {
            self.0.website.as_deref()
        }

        /// Motto in English.
        async fn motto(&self) -> Option<&str> {
            self.0.motto_en.as_deref()
        }

        /// Motto in Chinese.
        async fn motto_zh(&self) -> Option<&str> {
            self.0.motto_zh.as_deref()
        }

        /// The body this one belongs to (the ministry a department is part of).
        async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Institution>> {
            match self.0.parent_id {
                Some(id) => Ok(load(ctx, InstitutionById(id)).await?.map(Institution)),
                None => Ok(None),
            }
        }

        /// The bodies directly under this one, by name.
        async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Institution>> {
            let rows = load(ctx, InstitutionChildren(self.0.id))
                .await?
                .unwrap_or_default();
            Ok(rows.into_iter().map(Institution).collect())
        }

        /// Positions at this institution. Without `asOf`: all of them, current first. With `asOf`:
        /// those held on that day.
        async fn positions(&self, ctx: &Context<'_>, as_of: Option<Date>) -> Result<Vec<Position>> {
            let rows = load(ctx, PositionsAt(self.0.id)).await?.unwrap_or_default();
            Ok(rows
                .into_iter()
                .filter(|row| as_of.is_none_or(|day| held_on(row, day.0)))
                .map(Position)
                .collect())
        }

        /// The people who held a position here on `asOf` (default: today at the university), each
        /// once, current position holders first.
        async fn people(&self, ctx: &Context<'_>, as_of: Option<Date>) -> Result<Vec<Person>> {
            let day = as_of.map_or_else(
                || Ok::<_, async_graphql::Error>(request(ctx)?.viewer.today()),
                |day| Ok(day.0),
            )?;
            let rows = load(ctx, PositionsAt(self.0.id)).await?.unwrap_or_default();
            let mut keys: Vec<PersonById> = Vec::new();
            for row in rows.iter().filter(|row| held_on(row, day)) {
                if !keys.contains(&PersonById(row.person_id)) {
                    keys.push(PersonById(row.person_id));
                }
            }
            let people = load_many(ctx, keys.clone()).await?;
            Ok(keys
                .iter()
                .filter_map(|key| people.get(key).cloned().map(Person))
                .collect())
        }

        /// Agreements this institution is a party to, by title.
        #[graphql(complexity = "crate::graphql::page_cost(first, last, child_complexity)")]
        async fn agreements(
            &self,
            ctx: &Context<'_>,
            first: Option<i32>,
            after: Option<String>,
            last: Option<i32>,
            before: Option<String>,
            filter: Option<AgreementFilterInput>,
            #[graphql(
                desc = "Only agreements in force on this day (shorthand for `filter.activeAt`)."
            )]
            active_at: Option<Date>,
        ) -> Result<AgreementConnection> {
            let args = AgreementListArgs {
                first,
                after,
                last,
                before,
                filter,
            };
            agreement_connection(ctx, args, |filter| {
                filter.party = Some(self.0.id);
                if let Some(day) = active_at {
                    filter.active_at = Some(day.0);
                }
            })
            .await
        }
    }
    /// The visible articles that name this institution or come from it.
    #[graphql(complexity = "crate::graphql::page_cost(first, last, child_complexity)")]
    articles(first, last) = |this, filter| filter.institution = Some(this.0.id);
}

/// A title a person holds or held at an institution.
pub struct Position(pub position::Model);

/// A title a person holds or held at an institution.
#[Object(cache_control(max_age = 600))]
impl Position {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::Position, self.0.id))
    }

    /// Incremented on every save; send it back with updates.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Who holds it.
    async fn person(&self, ctx: &Context<'_>) -> Result<Person> {
        load(ctx, PersonById(self.0.person_id))
            .await?
            .map(Person)
            .ok_or_else(|| missing("person"))
    }

    /// Where.
    async fn institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        load(ctx, InstitutionById(self.0.institution_id))
            .await?
            .map(Institution)
            .ok_or_else(|| missing("institution"))
    }

    /// Title in English ("President").
    async fn title(&self) -> &str {
        &self.0.title_en
    }

    /// Title in Chinese, when known.
    async fn title_zh(&self) -> Option<&str> {
        self.0.title_zh.as_deref()
    }

    /// First day in the position, when known.
    async fn started_on(&self) -> Option<Date> {
        self.0.started_on.map(Date)
    }

    /// Last day in the position, when known.
    async fn ended_on(&self) -> Option<Date> {
        self.0.ended_on.map(Date)
    }

    /// Whether the position is still held. A "former" title is not current even when its end
    /// date is unknown.
    async fn is_current(&self) -> bool {
        self.0.is_current
    }
}
