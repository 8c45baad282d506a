//! SeaORM entities: one module per table of the Newsdesk database.
//!
//! This crate knows tables and columns only. It depends on nothing above it (no HTTP, no
//! GraphQL); the API crate maps these rows to its own public types.

pub mod agreement;
pub mod agreement_party;
pub mod agreement_signatory;
pub mod api_token;
pub mod article;
pub mod article_agreement;
pub mod article_author;
pub mod article_institution;
pub mod article_person;
pub mod article_revision;
pub mod article_tag;
pub mod audit_entry;
pub mod change;
pub mod enums;
pub mod institution;
pub mod login_attempt;
pub mod media;
pub mod person;
pub mod position;
pub mod refresh_token;
pub mod section;
pub mod tag;
pub mod user;
pub mod webhook_attempt;
pub mod webhook_cursor;
pub mod webhook_delivery;
pub mod webhook_endpoint;
