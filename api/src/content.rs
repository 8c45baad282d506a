//! Rules about content beyond reading it: the sync feed, schema.org JSON-LD and Markdown
//! rendering. What is read, and who may see it, is the read layer's
//! ([`crate::reads`]).

pub mod jsonld;
pub mod markdown;
pub mod sync;
