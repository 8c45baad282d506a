//! Rules about content beyond reading it: the sync feed, schema.org JSON-LD, Markdown rendering,
//! and the node's live changes. What is read, and who may see it, is the read layer's
//! ([`crate::reads`]).

pub mod jsonld;
pub mod live;
pub mod markdown;
pub mod sync;
