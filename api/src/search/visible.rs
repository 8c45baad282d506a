//! What the caller may see of the hits: each candidate checked against the same visibility
//! rule as every other read, filtered, counted into facets, and paged.

use crate::error::{AppError, AppResult};

use super::index::SearchIndex;
use super::{Hit, MAX_DEPTH, SearchKind};

/// A hit the caller may see, with its entity.
#[derive(Debug, Clone)]
pub struct VisibleHit {
    /// The hit.
    pub hit: Hit,
    /// The entity, as the caller sees it.
    pub entity: crate::content::sync::SyncEntity,
}

/// Counts of the visible hits (among the best 500) by type, by article section and by year of
/// publication, for a results page to offer filters.
#[derive(Debug, Clone, Default)]
pub struct Facets {
    /// Hits per type, most first.
    pub types: Vec<(SearchKind, usize)>,
    /// Article hits per section id, most first.
    pub sections: Vec<(i64, usize)>,
    /// Article hits per year of publication, latest first.
    pub years: Vec<(i32, usize)>,
}

/// A candidate the caller may see, with what filters and facets look at.
struct Candidate {
    hit: Hit,
    /// For an article.
    facts: Option<crate::reads::articles::ArticleFacts>,
}

fn facets(candidates: &[Candidate]) -> Facets {
    use std::collections::HashMap;

    use chrono::Datelike;

    let mut types: HashMap<SearchKind, usize> = HashMap::new();
    let mut sections: HashMap<i64, usize> = HashMap::new();
    let mut years: HashMap<i32, usize> = HashMap::new();
    for candidate in candidates {
        *types.entry(candidate.hit.kind).or_default() += 1;
        if let Some(facts) = &candidate.facts {
            *sections.entry(facts.section_id).or_default() += 1;
            if let Some(at) = facts.published_at {
                *years.entry(at.year()).or_default() += 1;
            }
        }
    }
    let mut types: Vec<_> = types.into_iter().collect();
    types.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.name().cmp(b.0.name())));
    let mut sections: Vec<_> = sections.into_iter().collect();
    sections.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut years: Vec<_> = years.into_iter().collect();
    years.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    Facets {
        types,
        sections,
        years,
    }
}

/// Narrows search hits to articles in some sections, from a year, or in a language (a results
/// page's filters). When any is set, only article hits remain.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// Articles filed in one of these sections.
    pub sections: Option<Vec<i64>>,
    /// Articles published in this year.
    pub year: Option<i32>,
    /// Articles in this language.
    pub locale: Option<entities::enums::Locale>,
}

impl SearchFilter {
    fn is_empty(&self) -> bool {
        self.sections.is_none() && self.year.is_none() && self.locale.is_none()
    }

    fn keeps(&self, candidate: &Candidate) -> bool {
        use chrono::Datelike;
        if self.is_empty() {
            return true;
        }
        let Some(facts) = &candidate.facts else {
            return false;
        };
        self.sections
            .as_ref()
            .is_none_or(|ids| ids.contains(&facts.section_id))
            && self
                .year
                .is_none_or(|year| facts.published_at.is_some_and(|at| at.year() == year))
            && self.locale.is_none_or(|locale| locale == facts.locale)
    }
}

/// One page of hits the caller may see: `first` hits after the first `offset` visible ones,
/// whether more follow, and the facets. Visibility is the domain's rule, applied to every hit.
pub async fn visible_hits<C: sea_orm::ConnectionTrait>(
    db: &C,
    viewer: &crate::reads::Viewer,
    index: &SearchIndex,
    query: &str,
    kinds: &[SearchKind],
    filter: &SearchFilter,
    offset: usize,
    first: usize,
) -> AppResult<(Vec<VisibleHit>, bool, Facets)> {
    use std::collections::HashMap;

    use crate::content::sync::SyncEntity;
    use crate::reads::{agreements, articles, institutions, people};

    if offset >= MAX_DEPTH {
        return Err(AppError::bad_input(
            "after",
            format!("search pages go at most {MAX_DEPTH} hits deep"),
        ));
    }
    // Never past the deepest hit served, whatever the page size.
    let first = first.min(MAX_DEPTH - offset);
    // Ask for more than the page: some hits may be invisible to this caller.
    let wanted = offset + first + 1;
    let found = index.search(query, kinds, (wanted * 2 + 20).max(500))?;
    let hits = &found.hits;
    let ids = |kind: SearchKind| {
        hits.iter()
            .filter(|hit| hit.kind == kind)
            .map(|hit| hit.id)
            .collect::<Vec<_>>()
    };
    // Articles are the bulk of the candidates: only what filters and facets need is read for
    // them, their full rows only for the page shown.
    let article_facts = articles::facts_by_ids(db, viewer, &ids(SearchKind::Article)).await?;
    let mut entities: HashMap<(SearchKind, i64), SyncEntity> = HashMap::new();
    for (id, row) in people::find_by_ids(db, &ids(SearchKind::Person)).await? {
        entities.insert((SearchKind::Person, id), SyncEntity::Person(row));
    }
    for (id, row) in institutions::find_by_ids(db, &ids(SearchKind::Institution)).await? {
        entities.insert((SearchKind::Institution, id), SyncEntity::Institution(row));
    }
    for (id, row) in agreements::find_by_ids(db, &ids(SearchKind::Agreement)).await? {
        entities.insert((SearchKind::Agreement, id), SyncEntity::Agreement(row));
    }
    let visible: Vec<Candidate> = hits
        .iter()
        .filter_map(|hit| {
            let key = (hit.kind, hit.id);
            let facts = match hit.kind {
                SearchKind::Article => Some(*article_facts.get(&hit.id)?),
                _ if entities.contains_key(&key) => None,
                _ => return None,
            };
            Some(Candidate {
                hit: hit.clone(),
                facts,
            })
        })
        .filter(|candidate| filter.keeps(candidate))
        .collect();
    let has_more = visible.len() > offset + first && offset + first < MAX_DEPTH;
    let facets = facets(&visible);
    let shown: Vec<Candidate> = visible.into_iter().skip(offset).take(first).collect();
    let shown_articles: Vec<i64> = shown
        .iter()
        .filter(|candidate| candidate.hit.kind == SearchKind::Article)
        .map(|candidate| candidate.hit.id)
        .collect();
    let mut article_rows = articles::find_by_ids(db, viewer, &shown_articles).await?;
    let mut page = Vec::with_capacity(shown.len());
    for Candidate { mut hit, .. } in shown {
        let entity = match hit.kind {
            // Unpublished between the two reads: left out.
            SearchKind::Article => article_rows.remove(&hit.id).map(SyncEntity::Article),
            kind => entities.remove(&(kind, hit.id)),
        };
        if let Some(entity) = entity {
            found.highlight(&mut hit)?;
            page.push(VisibleHit { hit, entity });
        }
    }
    Ok((page, has_more, facets))
}
