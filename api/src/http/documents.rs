//! Parsed GraphQL documents, kept by their text. Clients send the same few queries over and over
//! (an app's news list, a page's article query), and parsing one took about 7% of the server's
//! time on a rendered news list; copying a parsed document costs a fraction of that.
//!
//! Only documents made of queries alone are kept: a mutation's text may carry a password or a
//! token as a literal, and those must not outlive the request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};

/// Most documents kept; the memory is a cache, emptied when full.
const MAX_DOCUMENTS: usize = 256;
/// Most query text kept, in bytes (a parsed document takes a few times its text).
const MAX_TEXT_BYTES: usize = 512 * 1024;
/// Longest query kept: a larger one is parsed every time.
const MAX_QUERY_BYTES: usize = 16 * 1024;

/// Parsed documents by query text.
#[derive(Debug, Default)]
pub struct ParsedDocuments {
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    documents: HashMap<Box<str>, Arc<ExecutableDocument>>,
    text_bytes: usize,
}

impl ParsedDocuments {
    /// The parsed document of `query`, if it was kept.
    pub fn get(&self, query: &str) -> Option<ExecutableDocument> {
        let kept = self.kept.lock().ok()?.documents.get(query).cloned()?;
        Some(ExecutableDocument::clone(&kept))
    }

    /// Keeps `document`, parsed from `query`, if it holds only queries and is not too large.
    pub fn keep(&self, query: &str, document: &ExecutableDocument) {
        if query.len() > MAX_QUERY_BYTES || !only_queries(document) {
            return;
        }
        let document = Arc::new(document.clone());
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        if kept.documents.contains_key(query) {
            return;
        }
        if kept.documents.len() >= MAX_DOCUMENTS || kept.text_bytes + query.len() > MAX_TEXT_BYTES {
            kept.documents.clear();
            kept.text_bytes = 0;
        }
        kept.text_bytes += query.len();
        kept.documents.insert(query.into(), document);
    }

    /// How many documents are kept.
    pub fn len(&self) -> usize {
        self.kept
            .lock()
            .map(|kept| kept.documents.len())
            .unwrap_or(0)
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
        assert_eq!(format!("{kept:?}"), format!("{:?}", parsed(query)));
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
    fn the_memory_is_bounded() {
        let documents = ParsedDocuments::default();
        for n in 0..MAX_DOCUMENTS + 10 {
            let query = format!("{{ a{n}: sections {{ slug }} }}");
            documents.keep(&query, &parsed(&query));
        }
        assert!(documents.len() <= MAX_DOCUMENTS);
        assert!(!documents.is_empty());
        let long = format!("{{ sections {{ slug }} }}{}", " ".repeat(MAX_QUERY_BYTES));
        documents.keep(&long, &parsed(&long));
        assert!(documents.get(&long).is_none());
    }
}
