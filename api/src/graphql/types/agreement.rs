//! `Agreement`, its parties and signatories, and its renewal chain.

use std::collections::HashSet;

use async_graphql::{Context, ID, InputObject, Object, Result};
use entities::{agreement, agreement_party, agreement_signatory};

use super::article_list::object_with_articles;
use super::connection::{AgreementConnection, ListTotal, connection};
use super::{AgreementKind, AgreementStatus, Date, Institution, PartyRole, Person};
use crate::error::{AppResult, GraphqlResultExt};
use crate::graphql::{load, load_many, missing, page_args, prefetch, request};
use crate::ids::{self, Kind};
use crate::reads::agreements::{self, AgreementFilter};
use crate::reads::loaders::{
    AgreementById, InstitutionById, PartiesOf, PersonById, SignatoriesOf, SuccessorsOf,
};

/// An agreement between institutions.
#[derive(Clone)]
pub struct Agreement(pub agreement::Model);

/// Which agreements a list shows.
#[derive(InputObject, Default)]
pub struct AgreementFilterInput {
    /// Only agreements of this kind.
    pub kind: Option<AgreementKind>,
    /// Only agreements with this institution among the parties (an `Institution` ID).
    pub party: Option<ID>,
    /// Only agreements signed by this person (a `Person` ID).
    pub signatory: Option<ID>,
    /// Only agreements in force on this day.
    pub active_at: Option<Date>,
}

impl AgreementFilterInput {
    /// Decodes the IDs into the domain filter.
    pub fn into_domain(self) -> AppResult<AgreementFilter> {
        Ok(AgreementFilter {
            kind: self.kind.map(Into::into),
            party: self
                .party
                .map(|id| ids::decode_as("filter.party", Kind::Institution, &id))
                .transpose()?,
            signatory: self
                .signatory
                .map(|id| ids::decode_as("filter.signatory", Kind::Person, &id))
                .transpose()?,
            active_at: self.active_at.map(|day| day.0),
        })
    }
}

/// The arguments every agreement list takes.
pub(crate) struct AgreementListArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
    pub filter: Option<AgreementFilterInput>,
}

/// One page of agreements; `narrow` sets the relation's own key.
pub(crate) async fn agreement_connection(
    ctx: &Context<'_>,
    args: AgreementListArgs,
    narrow: impl FnOnce(&mut AgreementFilter),
) -> Result<AgreementConnection> {
    let request = request(ctx)?;
    let mut filter = args.filter.unwrap_or_default().into_domain().gql()?;
    narrow(&mut filter);
    let page = page_args(args.first, args.after, args.last, args.before);
    let rows = agreements::list(&request.db, &filter, &page).await.gql()?;
    let ids: Vec<i64> = rows.items.iter().map(|(_, row)| row.id).collect();
    for look in prefetch::connection_items(&ctx.look_ahead()) {
        prefetch::agreements(ctx, look, ids.clone()).await?;
    }
    Ok(connection(rows, ListTotal::Agreements(filter), Agreement))
}

object_with_articles! {
    #[Object(cache_control(max_age = 600))]
    /// An agreement between institutions.
    impl Agreement {
        /// Global ID.
        pub async fn id(&self) -> ID {
            ID(ids::encode(Kind::Agreement, self.0.id))
        }

        /// Incremented on every save; send it back with updates.
        async fn version(&self) -> i32 {
            self.0.version
        }

        /// URL slug, unique.
        async fn slug(&self) -> &str {
            &self.0.slug
        }

        /// English title.
        async fn title(&self) -> &str {
            &self.0.title_en
        }

        /// Chinese title, when known.
        async fn title_zh(&self) -> Option<&str> {
            self.0.title_zh.as_deref()
        }

        /// What sort of agreement.
        async fn kind(&self) -> AgreementKind {
            self.0.kind.into()
        }

        /// A short description.
        async fn summary(&self) -> Option<&str> {
            self.0.summary.as_deref()
        }

        /// Day of signing, when known.
        async fn signed_on(&self) -> Option<Date> {
            self.0.signed_on.map(Date)
        }

        /// Year of signing, also when only the year is known.
        async fn signed_year(&self) -> Option<i32> {
            self.0.signed_year
        }

        /// First day in force, when known.
        async fn effective_from(&self) -> Option<Date> {
            self.0.effective_from.map(Date)
        }

        /// Last day in force, when known.
        async fn effective_until(&self) -> Option<Date> {
            self.0.effective_until.map(Date)
        }

        /// Areas of cooperation, in the order the agreement lists them.
        async fn areas_of_cooperation(&self) -> &[String] {
            &self.0.areas.0
        }

        /// Where the agreement stands on `on` (default: today at the university): upcoming before it
        /// starts, expired after its last day or once a successor has started, active otherwise.
        async fn status(&self, ctx: &Context<'_>, on: Option<Date>) -> Result<AgreementStatus> {
            let day = match on {
                Some(day) => day.0,
                None => request(ctx)?.viewer.today(),
            };
            let successors = load(ctx, SuccessorsOf(self.0.id))
                .await?
                .unwrap_or_default();
            Ok(agreements::status_on(&self.0, &successors, day).into())
        }

        /// The institutions bound by the agreement, each with its role.
        async fn parties(&self, ctx: &Context<'_>) -> Result<Vec<AgreementParty>> {
            let rows = load(ctx, PartiesOf(self.0.id)).await?.unwrap_or_default();
            // A party deleted while this request was read is left out.
            let keys: Vec<_> = rows
                .iter()
                .map(|row| InstitutionById(row.institution_id))
                .collect();
            let institutions = load_many(ctx, keys).await?;
            Ok(rows
                .into_iter()
                .filter(|row| institutions.contains_key(&InstitutionById(row.institution_id)))
                .map(AgreementParty)
                .collect())
        }

        /// The people who signed it, and for whom.
        async fn signatories(&self, ctx: &Context<'_>) -> Result<Vec<Signatory>> {
            let rows = load(ctx, SignatoriesOf(self.0.id))
                .await?
                .unwrap_or_default();
            // A signatory deleted while this request was read is left out.
            let keys: Vec<_> = rows.iter().map(|row| PersonById(row.person_id)).collect();
            let people = load_many(ctx, keys).await?;
            Ok(rows
                .into_iter()
                .filter(|row| people.contains_key(&PersonById(row.person_id)))
                .map(Signatory)
                .collect())
        }

        /// The agreement this one renews or replaces.
        async fn predecessor(&self, ctx: &Context<'_>) -> Result<Option<Agreement>> {
            match self.0.predecessor_id {
                Some(id) => Ok(load(ctx, AgreementById(id)).await?.map(Agreement)),
                None => Ok(None),
            }
        }

        /// The agreements that renew or replace this one, earliest first.
        async fn successors(&self, ctx: &Context<'_>) -> Result<Vec<Agreement>> {
            let rows = load(ctx, SuccessorsOf(self.0.id))
                .await?
                .unwrap_or_default();
            Ok(rows.into_iter().map(Agreement).collect())
        }

        /// The whole renewal chain this agreement belongs to, oldest first, this one included.
        async fn lineage(&self, ctx: &Context<'_>) -> Result<Vec<Agreement>> {
            let mut seen = HashSet::from([self.0.id]);
            let mut older = Vec::new();
            let mut next = self.0.predecessor_id;
            while let Some(id) = next.filter(|id| seen.insert(*id)) {
                let Some(row) = load(ctx, AgreementById(id)).await? else {
                    break;
                };
                next = row.predecessor_id;
                older.push(row);
            }
            older.reverse();
            let mut chain = older;
            chain.push(self.0.clone());
            let mut frontier = vec![self.0.id];
            while let Some(id) = frontier.pop() {
                for row in load(ctx, SuccessorsOf(id)).await?.unwrap_or_default() {
                    if seen.insert(row.id) {
                        frontier.push(row.id);
                        chain.push(row);
                    }
                }
            }
            Ok(chain.into_iter().map(Agreement).collect())
        }
    }
    /// The visible articles about this agreement.
    #[graphql(complexity = "crate::graphql::page_cost(first, last, child_complexity)")]
    articles(first, last) = |this, filter| filter.agreement = Some(this.0.id);
}

/// An institution bound by an agreement.
pub struct AgreementParty(agreement_party::Model);

/// An institution bound by an agreement.
#[Object(cache_control(max_age = 600))]
impl AgreementParty {
    /// The institution.
    async fn institution(&self, ctx: &Context<'_>) -> Result<Institution> {
        load(ctx, InstitutionById(self.0.institution_id))
            .await?
            .map(Institution)
            .ok_or_else(|| missing("institution"))
    }

    /// Its role in the agreement.
    async fn role(&self) -> PartyRole {
        self.0.role.into()
    }
}

/// A person who signed an agreement.
pub struct Signatory(agreement_signatory::Model);

/// A person who signed an agreement.
#[Object(cache_control(max_age = 600))]
impl Signatory {
    /// The person.
    async fn person(&self, ctx: &Context<'_>) -> Result<Person> {
        load(ctx, PersonById(self.0.person_id))
            .await?
            .map(Person)
            .ok_or_else(|| missing("person"))
    }

    /// The institution they signed for, when known.
    async fn institution(&self, ctx: &Context<'_>) -> Result<Option<Institution>> {
        match self.0.institution_id {
            Some(id) => Ok(load(ctx, InstitutionById(id)).await?.map(Institution)),
            None => Ok(None),
        }
    }
}
