//! Parsed GraphQL documents, kept by their text. Clients send the same few queries over and over
//! (an app's news list, a page's article query), and parsing one took about 7% of the server's
//! time on a rendered news list; copying a parsed document costs a fraction of that.
//!
//! Each kept document also remembers the requests made of it that passed validation (the
//! operation's name and the variables): validation depends on nothing else, so the same request
//! passes again, and it is executed without the full rule set (see [`Kept::validated`]).
//!
//! Only documents made of queries alone are kept: a mutation's text may carry a password or a
//! token as a literal, and those must not outlive the request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};

use crate::reads::cache::Bounded;

/// Memory for kept documents, in bytes of their text (a parsed document takes a few times its
/// text, which the weight counts).
const TEXT_BYTES: u64 = 512 * 1024;
/// What a parsed document weighs against [`TEXT_BYTES`], per byte of its text.
const PARSED_FACTOR: u64 = 4;
/// Longest query kept: a larger one is parsed every time.
const MAX_QUERY_BYTES: usize = 16 * 1024;
/// Most validated requests remembered per document (a cursor walk is one per page).
const MAX_VALIDATED: u64 = 128;
/// Longest variables remembered as validated, in bytes of JSON.
const MAX_VARIABLES_BYTES: usize = 1024;

/// Parsed documents by query text.
pub struct ParsedDocuments {
    kept: Bounded<Box<str>, Arc<Kept>>,
    /// Requests executed without the full validation rules, since start-up.
    validations_skipped: AtomicU64,
}

impl Default for ParsedDocuments {
    fn default() -> Self {
        Self {
            kept: Bounded::new(TEXT_BYTES * PARSED_FACTOR, 4 * 1024, |query, _| {
                query.len() as u64 * PARSED_FACTOR + 256
            }),
            validations_skipped: AtomicU64::new(0),
        }
    }
}

/// A kept document.
pub struct Kept {
    document: ExecutableDocument,
    /// Requests of this document that passed validation, by [`request_key`].
    validated: Bounded<Box<str>, ()>,
}

impl Kept {
    /// A copy of the parsed document, for one request.
    pub fn document(&self) -> ExecutableDocument {
        self.document.clone()
    }
}

/// What, besides the document, validation depends on: the operation's name and the variables.
/// `None` when the variables are too long to remember.
pub fn request_key(request: &async_graphql::Request) -> Option<Box<str>> {
    let variables = serde_json::to_string(&request.variables).ok()?;
    if variables.len() > MAX_VARIABLES_BYTES {
        return None;
    }
    let name = request.operation_name.as_deref().unwrap_or_default();
    Some(format!("{name}\n{variables}").into_boxed_str())
}

impl ParsedDocuments {
    /// The kept document of `query`, if there is one.
    pub fn get(&self, query: &str) -> Option<Arc<Kept>> {
        self.kept.get(query)
    }

    /// Keeps `document`, parsed from `query`, if it holds only queries and is not too large.
    pub fn keep(&self, query: &str, document: &ExecutableDocument) -> Option<Arc<Kept>> {
        if query.len() > MAX_QUERY_BYTES || !only_queries(document) {
            return None;
        }
        if let Some(existing) = self.kept.get(query) {
            return Some(existing);
        }
        let entry = Arc::new(Kept {
            document: document.clone(),
            validated: Bounded::small(MAX_VALIDATED, 1, |_, ()| 1),
        });
        self.kept.insert(query.into(), entry.clone());
        Some(entry)
    }

    /// Whether the request with `key` of `kept` passed validation before; counted when it did.
    pub fn was_validated(&self, kept: &Kept, key: &str) -> bool {
        let validated = kept.validated.get(key).is_some();
        if validated {
            self.validations_skipped.fetch_add(1, Ordering::Relaxed);
        }
        validated
    }

    /// Remembers that the request with `key` of `kept` passed validation.
    pub fn validated(&self, kept: &Kept, key: Box<str>) {
        kept.validated.insert(key, ());
    }

    /// Requests executed without the full validation rules since start-up (see `/metrics`).
    pub fn validations_skipped(&self) -> u64 {
        self.validations_skipped.load(Ordering::Relaxed)
    }

    /// How many documents are kept.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether no document is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn only_queries(document: &ExecutableDocument) -> bool {
    match &document.operations {
        DocumentOperations::Single(operation) => operation.node.ty == OperationType::Query,
        DocumentOperations::Multiple(operations) => operations
            .values()
            .all(|operation| operation.node.ty == OperationType::Query),
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn parsed(query: &str) -> ExecutableDocument {
        parse_query(query).unwrap_or_else(|error| panic!("{query}: {error}"))
    }

    #[test]
    fn a_kept_query_comes_back_parsed_as_it_was() {
        let documents = ParsedDocuments::default();
        let query = "query Q($n: Int) { articles(first: $n) { edges { node { slug } } } }";
        assert!(documents.get(query).is_none());
        documents.keep(query, &parsed(query));
        let kept = documents.get(query).unwrap_or_else(|| panic!("not kept"));
        assert_eq!(
            format!("{:?}", kept.document()),
            format!("{:?}", parsed(query))
        );
        assert!(documents.get("{ articles { totalCount } }").is_none());
    }

    #[test]
    fn documents_with_a_mutation_are_never_kept() {
        let documents = ParsedDocuments::default();
        let login = r#"mutation { login(email: "a@b.c", password: "secret") { token } }"#;
        documents.keep(login, &parsed(login));
        let mixed = "query A { sections { slug } } mutation B { logout }";
        documents.keep(mixed, &parsed(mixed));
        assert!(documents.is_empty());
    }

    #[test]
    fn a_request_is_validated_with_its_variables_and_operation() {
        let documents = ParsedDocuments::default();
        let query = "query Q($n: Int) { articles(first: $n) { edges { node { slug } } } }";
        let kept = documents
            .keep(query, &parsed(query))
            .unwrap_or_else(|| panic!("not kept"));
        let request = |variables: serde_json::Value, name: Option<&str>| {
            let mut request = async_graphql::Request::new(query)
                .variables(async_graphql::Variables::from_json(variables));
            request.operation_name = name.map(str::to_owned);
            request_key(&request).unwrap_or_else(|| panic!("no key"))
        };
        documents.validated(&kept, request(serde_json::json!({ "n": 5 }), None));
        assert!(documents.was_validated(&kept, &request(serde_json::json!({ "n": 5 }), None)));
        assert!(!documents.was_validated(&kept, &request(serde_json::json!({ "n": "x" }), None)));
        assert!(
            !documents.was_validated(&kept, &request(serde_json::json!({ "n": 5 }), Some("Q")))
        );
        assert_eq!(documents.validations_skipped(), 1);
        let long = serde_json::json!({ "n": "x".repeat(MAX_VARIABLES_BYTES) });
        let request =
            async_graphql::Request::new(query).variables(async_graphql::Variables::from_json(long));
        assert!(request_key(&request).is_none());
    }

    #[test]
    fn the_memory_is_bounded() {
        let documents = ParsedDocuments::default();
        for n in 0..10_000 {
            let query = format!("{{ a{n}: sections {{ slug }} }}");
            documents.keep(&query, &parsed(&query));
        }
        assert!(documents.len() < 10_000);
        assert!(documents.kept.weight() <= TEXT_BYTES * PARSED_FACTOR);
        assert!(!documents.is_empty());
        let long = format!("{{ sections {{ slug }} }}{}", " ".repeat(MAX_QUERY_BYTES));
        documents.keep(&long, &parsed(&long));
        assert!(documents.get(&long).is_none());
    }
}
