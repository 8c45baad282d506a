//! The `Node` interface: every entity has an opaque global ID and can be fetched by it.

use async_graphql::{Context, ID, Interface, Result};

use super::{Agreement, Article, Institution, Media, Person, Position, Section, Tag};
use crate::error::GraphqlResultExt;
use crate::graphql::{load, missing};
use crate::ids::{self, Kind};
use crate::reads::loaders::{
    AgreementById, AllSections, ArticleById, InstitutionById, MediaById, PersonById, PositionById,
    TagById,
};

/// An object with a global ID, fetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global ID, opaque to clients."))]
pub enum Node {
    /// An article.
    Article(Article),
    /// A section.
    Section(Section),
    /// An institution.
    Institution(Institution),
    /// A person.
    Person(Person),
    /// A position.
    Position(Position),
    /// An agreement.
    Agreement(Agreement),
    /// A media item.
    Media(Media),
    /// A tag.
    Tag(Tag),
}

impl Node {
    /// Fetches the object with this global ID, if it exists and the caller may see it.
    pub async fn fetch(ctx: &Context<'_>, field: &'static str, id: &ID) -> Result<Option<Node>> {
        let (kind, id) = ids::decode(field, id).gql()?;
        Ok(match kind {
            Kind::Article => load(ctx, ArticleById(id))
                .await?
                .map(|row| Node::Article(Article(row))),
            Kind::Section => {
                let tree = load(ctx, AllSections)
                    .await?
                    .ok_or_else(|| missing("section tree"))?;
                tree.get(id).cloned().map(|row| Node::Section(Section(row)))
            }
            Kind::Institution => load(ctx, InstitutionById(id))
                .await?
                .map(|row| Node::Institution(Institution(row))),
            Kind::Person => load(ctx, PersonById(id))
                .await?
                .map(|row| Node::Person(Person(row))),
            Kind::Position => load(ctx, PositionById(id))
                .await?
                .map(|row| Node::Position(Position(row))),
            Kind::Agreement => load(ctx, AgreementById(id))
                .await?
                .map(|row| Node::Agreement(Agreement(row))),
            Kind::Media => load(ctx, MediaById(id))
                .await?
                .map(|row| Node::Media(Media(row))),
            Kind::Tag => load(ctx, TagById(id)).await?.map(|row| Node::Tag(Tag(row))),
            Kind::ArticleRevision
            | Kind::User
            | Kind::ApiToken
            | Kind::WebhookEndpoint
            | Kind::WebhookDelivery => None,
        })
    }
}
