//! A query against the index: lenient parsing of any text (nesting flattened), English and
//! Chinese fields boosted by title, kinds filtered, and snippets for the best hits.

use tantivy::Term;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::snippet::SnippetGenerator;

use crate::error::{AppError, AppResult};

use super::index::SearchIndex;
use super::text::simplified;
use super::{Found, Hit, MAX_DEPTH, MAX_QUERY, SearchKind, internal};

/// Replaces characters of the query language that nest (parentheses) once they go deeper than a
/// few levels: tantivy's parser recurses into each, and a few hundred overflowed the stack.
fn flatten_nesting(query: &str) -> String {
    const MAX_NESTING: usize = 4;
    let mut depth = 0usize;
    let mut skipped = 0usize;
    query
        .chars()
        .map(|c| match c {
            '(' if depth >= MAX_NESTING => {
                skipped += 1;
                ' '
            }
            '(' => {
                depth += 1;
                c
            }
            ')' if skipped > 0 => {
                skipped -= 1;
                ' '
            }
            ')' if depth > 0 => {
                depth -= 1;
                c
            }
            ')' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

impl SearchIndex {
    /// The best `limit` hits for `query` among `kinds` (all when empty). Any text is accepted: it
    /// is read leniently, never as an error, except when empty or over [`MAX_QUERY`] characters.
    pub fn search(&self, query: &str, kinds: &[SearchKind], limit: usize) -> AppResult<Found> {
        let cleaned = flatten_nesting(query);
        let cleaned = cleaned.trim();
        if cleaned.is_empty() {
            return Err(AppError::bad_input(
                "query",
                "give some words to search for",
            ));
        }
        if cleaned.chars().count() > MAX_QUERY {
            return Err(AppError::bad_input(
                "query",
                format!("a query has at most {MAX_QUERY} characters"),
            ));
        }
        let f = self.fields;
        let mut parser = QueryParser::for_index(
            &self.index,
            vec![f.title_en, f.body_en, f.title_zh, f.body_zh],
        );
        parser.set_field_boost(f.title_en, 3.0);
        parser.set_field_boost(f.title_zh, 3.0);
        let (text_query, _ignored) = parser.parse_query_lenient(&simplified(cleaned));
        let query: Box<dyn Query> = if kinds.is_empty() {
            text_query
        } else {
            let kind_filter: Vec<(Occur, Box<dyn Query>)> = kinds
                .iter()
                .map(|kind| {
                    let term = Term::from_field_text(f.kind, kind.name());
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect();
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, text_query),
                (Occur::Must, Box::new(BooleanQuery::new(kind_filter))),
            ]))
        };
        let searcher = self.reader.searcher();
        let top = searcher
            .search(
                &query,
                &TopDocs::with_limit(limit.clamp(1, 2 * MAX_DEPTH + 100)).order_by_score(),
            )
            .map_err(internal)?;
        let title_snippets = [f.title_en, f.title_zh]
            .into_iter()
            .map(|field| SnippetGenerator::create(&searcher, &*query, field))
            .collect::<Result<Vec<_>, _>>()
            .map_err(internal)?;
        let body_snippets = [f.body_en, f.body_zh]
            .into_iter()
            .map(|field| SnippetGenerator::create(&searcher, &*query, field))
            .collect::<Result<Vec<_>, _>>()
            .map_err(internal)?;
        // Kind and id from the fast fields: a candidate's stored text is read only if it is shown.
        let columns = searcher
            .segment_readers()
            .iter()
            .map(|segment| {
                let fast = segment.fast_fields();
                Ok((fast.u64("kind_code")?, fast.i64("id")?))
            })
            .collect::<Result<Vec<_>, tantivy::TantivyError>>()
            .map_err(internal)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let Some((kinds, ids)) = columns.get(address.segment_ord as usize) else {
                continue;
            };
            let kind = kinds
                .first(address.doc_id)
                .and_then(|code| SearchKind::ALL.get(code as usize).copied());
            let id = ids.first(address.doc_id);
            let (Some(kind), Some(id)) = (kind, id) else {
                continue;
            };
            hits.push(Hit {
                kind,
                id,
                score,
                title_html: String::new(),
                snippet_html: String::new(),
                address,
            });
        }
        Ok(Found {
            hits,
            searcher,
            titles: title_snippets,
            bodies: body_snippets,
        })
    }
}
