//! The closed sets of the model, stored as short strings so that SQLite and PostgreSQL hold
//! the same values and a new variant needs no `ALTER TYPE`.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Where an article is in the editorial workflow.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ArticleStatus {
    /// Being written; never shown to the public.
    #[sea_orm(string_value = "draft")]
    Draft,
    /// Published; public once `published_at` has passed.
    #[sea_orm(string_value = "published")]
    Published,
    /// Taken out of circulation; never shown to the public.
    #[sea_orm(string_value = "archived")]
    Archived,
}

/// The languages the university publishes in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum Locale {
    /// English.
    #[sea_orm(string_value = "en")]
    En,
    /// Chinese (Simplified).
    #[sea_orm(string_value = "zh")]
    Zh,
}

/// What sort of body an institution is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum InstitutionKind {
    /// A university.
    #[sea_orm(string_value = "university")]
    University,
    /// A college (including vocational and polytechnic colleges).
    #[sea_orm(string_value = "college")]
    College,
    /// A school or faculty inside a university.
    #[sea_orm(string_value = "school")]
    School,
    /// A national ministry.
    #[sea_orm(string_value = "ministry")]
    Ministry,
    /// A department of a ministry, a provincial government or a party committee.
    #[sea_orm(string_value = "department")]
    Department,
    /// A government body that is not a ministry or department.
    #[sea_orm(string_value = "government")]
    Government,
    /// An administrative office.
    #[sea_orm(string_value = "office")]
    Office,
    /// A trade union or staff union.
    #[sea_orm(string_value = "union")]
    Union,
    /// A company or enterprise.
    #[sea_orm(string_value = "company")]
    Company,
    /// Anything else.
    #[sea_orm(string_value = "other")]
    Other,
}

/// What sort of agreement two or more institutions signed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum AgreementKind {
    /// One institution supports another (对口帮扶).
    #[sea_orm(string_value = "pairing_assistance")]
    PairingAssistance,
    /// Counterpart cooperation between peers (对口合作).
    #[sea_orm(string_value = "counterpart_cooperation")]
    CounterpartCooperation,
    /// A memorandum of understanding.
    #[sea_orm(string_value = "memorandum")]
    Memorandum,
    /// A framework or strategic cooperation agreement.
    #[sea_orm(string_value = "framework")]
    Framework,
    /// Anything else.
    #[sea_orm(string_value = "other")]
    Other,
}

/// The part an institution plays in an agreement.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PartyRole {
    /// A party on equal terms.
    #[sea_orm(string_value = "party")]
    Party,
    /// The party that gives support (in pairing assistance).
    #[sea_orm(string_value = "supporting")]
    Supporting,
    /// The party that receives support (in pairing assistance).
    #[sea_orm(string_value = "supported")]
    Supported,
    /// A body that witnesses or oversees the agreement.
    #[sea_orm(string_value = "witness")]
    Witness,
}

/// Why a person is named in an article.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum MentionRole {
    /// Attended the event the article reports.
    #[sea_orm(string_value = "attendee")]
    Attendee,
    /// Spoke or reported at the event.
    #[sea_orm(string_value = "speaker")]
    Speaker,
    /// Wrote the article (also listed in the byline).
    #[sea_orm(string_value = "author")]
    Author,
    /// Quoted in the article.
    #[sea_orm(string_value = "quoted")]
    Quoted,
    /// Named for another reason.
    #[sea_orm(string_value = "mentioned")]
    Mentioned,
}

/// What a user may do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
pub enum UserRole {
    /// Users, tokens and everything else.
    #[sea_orm(string_value = "admin")]
    Admin,
    /// All content, including publishing.
    #[sea_orm(string_value = "editor")]
    Editor,
    /// Own drafts only; cannot publish.
    #[sea_orm(string_value = "author")]
    Author,
    /// Read-only machine access.
    #[sea_orm(string_value = "integrator")]
    Integrator,
}

/// What happened to an entity, in the change log.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum ChangeOp {
    /// Created or changed.
    #[sea_orm(string_value = "upsert")]
    Upsert,
    /// Deleted.
    #[sea_orm(string_value = "delete")]
    Delete,
}

/// What a change-log row, an audit entry or a webhook delivery is about, stored as the type's
/// name (`Article`, `ApiToken`, ...) as those rows always were. The content types
/// ([`EntityType::CONTENT`]) are what the sync feed, subscriptions and webhooks carry; the
/// others are journaled for revocation (`User`, `ApiToken`) or audited only.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum EntityType {
    /// A section.
    #[sea_orm(string_value = "Section")]
    Section,
    /// An institution.
    #[sea_orm(string_value = "Institution")]
    Institution,
    /// A person.
    #[sea_orm(string_value = "Person")]
    Person,
    /// A position a person holds.
    #[sea_orm(string_value = "Position")]
    Position,
    /// An agreement.
    #[sea_orm(string_value = "Agreement")]
    Agreement,
    /// An article.
    #[sea_orm(string_value = "Article")]
    Article,
    /// A user account (its sessions, when journaled).
    #[sea_orm(string_value = "User")]
    User,
    /// An API token.
    #[sea_orm(string_value = "ApiToken")]
    ApiToken,
    /// A webhook endpoint (audited only).
    #[sea_orm(string_value = "WebhookEndpoint")]
    WebhookEndpoint,
    /// A webhook delivery (audited only).
    #[sea_orm(string_value = "WebhookDelivery")]
    WebhookDelivery,
}

impl EntityType {
    /// The content types, in sync-feed order: parents before what refers to them.
    pub const CONTENT: [EntityType; 6] = [
        EntityType::Section,
        EntityType::Institution,
        EntityType::Person,
        EntityType::Position,
        EntityType::Agreement,
        EntityType::Article,
    ];

    /// The stored name (`Article`, `ApiToken`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            EntityType::Section => "Section",
            EntityType::Institution => "Institution",
            EntityType::Person => "Person",
            EntityType::Position => "Position",
            EntityType::Agreement => "Agreement",
            EntityType::Article => "Article",
            EntityType::User => "User",
            EntityType::ApiToken => "ApiToken",
            EntityType::WebhookEndpoint => "WebhookEndpoint",
            EntityType::WebhookDelivery => "WebhookDelivery",
        }
    }

    /// The type stored as `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        <Self as sea_orm::Iterable>::iter().find(|kind| kind.name() == name)
    }

    /// Whether it is content (see [`EntityType::CONTENT`]).
    pub fn is_content(self) -> bool {
        Self::CONTENT.contains(&self)
    }
}

/// Where a webhook delivery stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    #[sea_orm(string_value = "pending")]
    Pending,
    /// Answered with a 2xx status.
    #[sea_orm(string_value = "delivered")]
    Delivered,
    /// Out of attempts; an admin may replay it.
    #[sea_orm(string_value = "dead")]
    Dead,
}
