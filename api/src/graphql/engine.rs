//! The GraphQL engine of a node: the schema in its three builds (for HTTP, for requests known to
//! pass validation, for websockets), the parsed documents it keeps, the persisted queries it
//! knows, and how its article nodes were rendered. The HTTP edge runs requests through it.

use crate::config::Config;

use super::documents::ParsedDocuments;
use super::persisted::PersistedQueries;
use super::render::RenderStats;
use super::{NewsdeskSchema, build_live_schema, build_schema, build_validated_schema};

/// The GraphQL engine.
pub struct Engine {
    /// The schema, for HTTP.
    pub schema: NewsdeskSchema,
    /// The same schema without the full validation rules, for requests that passed them
    /// before (see [`super::documents`]).
    pub validated_schema: NewsdeskSchema,
    /// The same schema for websocket clients (it applies the rules of HTTP itself).
    pub live_schema: NewsdeskSchema,
    /// Parsed query documents, by their text.
    pub documents: ParsedDocuments,
    /// Registered and remembered persisted queries.
    pub persisted: std::sync::Arc<PersistedQueries>,
    /// How article nodes were rendered.
    pub rendering: std::sync::Arc<RenderStats>,
}

impl Engine {
    /// The engine `config` describes; an error names a persisted-queries folder it cannot read.
    pub fn new(config: &Config) -> Result<Self, String> {
        let persisted = PersistedQueries::load(config.persisted_queries_dir.as_deref())?;
        Ok(Self {
            schema: build_schema(&config.graphql),
            validated_schema: build_validated_schema(&config.graphql),
            live_schema: build_live_schema(&config.graphql),
            documents: ParsedDocuments::default(),
            persisted: std::sync::Arc::new(persisted),
            rendering: std::sync::Arc::default(),
        })
    }
}
