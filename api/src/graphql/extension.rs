//! Stable `extensions.code`s for document-level errors, and the alias limit, which
//! async-graphql does not have.
//!
//! Over HTTP the handler applies both around execution ([`document_error_code`],
//! [`document_aliases`]). The websocket schema gets them from [`super::live_rules`], a schema
//! extension: any extension makes async-graphql route every field through the extension chain
//! (a registry lookup and a boxed future per field, about a tenth of a rendered news list), so
//! the HTTP schema has none.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Positioned, ServerError};

use crate::error::ErrorCode;

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

/// The code of a limit that async-graphql enforces while parsing or validating a document, told
/// by its message (the library gives these errors no code of their own).
pub fn document_error_code(message: &str) -> Option<ErrorCode> {
    if message.starts_with("The number of directives") {
        Some(ErrorCode::TooManyDirectives)
    } else if message.starts_with("The recursion depth") || message == "Query is nested too deep." {
        Some(ErrorCode::QueryTooDeep)
    } else if message == "Query is too complex." {
        Some(ErrorCode::QueryTooComplex)
    } else {
        None
    }
}

/// The error of a document with more aliases than `max`, if it has.
pub fn too_many_aliases(document: &ExecutableDocument, max: usize) -> Option<ServerError> {
    let aliases = document_aliases(document);
    (aliases > max).then(|| {
        let message = format!("The document uses {aliases} aliases; at most {max} are allowed");
        with_code(ServerError::new(message, None), ErrorCode::TooManyAliases)
    })
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
