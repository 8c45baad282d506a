//! GraphQL output and input types. They wrap entity rows but are not table rows: renaming a
//! column changes the `From` mapping here, not the public schema.

mod account;
mod agreement;
mod article;
mod article_list;
mod connection;
pub(crate) mod enums;
mod institution;
mod node;
mod person;
mod scalars;
mod section;
mod sync;
mod tag;

pub use account::{ApiToken, ArticleRevision, AuditEntry, CreatedApiToken, Session, User};
pub use agreement::{Agreement, AgreementFilterInput, AgreementParty, Signatory};
pub(crate) use agreement::{AgreementListArgs, agreement_connection};
pub(crate) use article::printed_byline;
pub use article::{Article, Byline, Media, PersonMention};
pub use article_list::ArticleFilterInput;
pub(crate) use article_list::{ArticleListArgs, article_connection};
pub use connection::{
    AgreementConnection, ArticleConnection, ArticleEdge, InstitutionConnection, ListTotal,
    PersonConnection, connection,
};
pub use enums::{
    AgreementKind, AgreementStatus, ArticleOrder, ArticleStatus, InstitutionKind, Locale,
    MentionRole, PartyRole, Role,
};
pub use institution::{Institution, InstitutionFilterInput, Position};
pub use node::Node;
pub use person::Person;
pub use scalars::Date;
pub use section::Section;
pub use sync::{SyncItem, SyncPage, SyncType};
pub use tag::Tag;
