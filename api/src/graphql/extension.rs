//! A schema extension that gives every document-level error a stable `extensions.code` and
//! enforces the alias limit, which async-graphql does not have.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{
    ErrorExtensionValues, Positioned, ServerError, ServerResult, ValidationResult, Variables,
};

use crate::error::ErrorCode;

/// Installs [`ErrorCodesExtension`] with the alias limit.
pub struct ErrorCodes {
    /// Most aliases allowed in one document.
    pub max_aliases: usize,
}

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension {
            max_aliases: self.max_aliases,
        })
    }
}

struct ErrorCodesExtension {
    max_aliases: usize,
}

/// Sets `extensions.code` on an error that has none.
pub fn with_code(mut error: ServerError, code: ErrorCode) -> ServerError {
    let extensions = error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code.as_str());
    }
    error
}

fn count_aliases(selection_set: &Positioned<SelectionSet>) -> usize {
    selection_set
        .node
        .items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + count_aliases(&field.node.selection_set)
            }
            Selection::InlineFragment(fragment) => count_aliases(&fragment.node.selection_set),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// All aliases written in the document, in operations and fragments.
pub fn document_aliases(document: &ExecutableDocument) -> usize {
    let in_operations: usize = document
        .operations
        .iter()
        .map(|(_, operation)| count_aliases(&operation.node.selection_set))
        .sum();
    let in_fragments: usize = document
        .fragments
        .values()
        .map(|fragment| count_aliases(&fragment.node.selection_set))
        .sum();
    in_operations + in_fragments
}

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await.map_err(|error| {
            let code = if error.message.starts_with("The number of directives") {
                ErrorCode::TooManyDirectives
            } else if error.message.starts_with("The recursion depth") {
                ErrorCode::QueryTooDeep
            } else {
                ErrorCode::GraphqlParseFailed
            };
            with_code(error, code)
        })?;
        let aliases = document_aliases(&document);
        if aliases > self.max_aliases {
            let message = format!(
                "The document uses {aliases} aliases; at most {} are allowed",
                self.max_aliases
            );
            return Err(with_code(
                ServerError::new(message, None),
                ErrorCode::TooManyAliases,
            ));
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|error| {
                    let code = match error.message.as_str() {
                        "Query is too complex." => ErrorCode::QueryTooComplex,
                        "Query is nested too deep." => ErrorCode::QueryTooDeep,
                        _ => ErrorCode::GraphqlValidationFailed,
                    };
                    with_code(error, code)
                })
                .collect()
        })
    }
}
