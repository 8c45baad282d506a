//! The article reads a [`Reader`] keeps: a page of a list, a list's total, an article by slug.
//! Each is read once per epoch for every caller who sees the same articles (see
//! [`super::kept`]), or from the database when the request may not use what the node keeps.

use std::sync::Arc;

use entities::article;
use entities::enums::Locale;

use super::Reader;
use super::articles::{self, ArticleFilter, ArticleOrder, Bodies};
use super::kept::ReadKey;
use super::pagination::{Page, PageArgs};
use crate::error::AppResult;

impl Reader {
    /// How many articles the reader may see match `filter` ([`articles::count`]), whatever the
    /// budget for kept reads (a total is a few bytes, and counting a long list is the slowest
    /// part of a first page).
    pub async fn article_count(&self, filter: &ArticleFilter) -> AppResult<u64> {
        let (db, viewer) = (self.db(), self.viewer());
        let Some(reads) = self.kept() else {
            return articles::count(db, viewer, filter).await;
        };
        let key = ReadKey::ArticleCount {
            visibility: viewer.visibility(),
            filter: filter.clone(),
        };
        let count = articles::count(db, viewer, filter);
        let count = reads
            .kept
            .read(&reads.version, key, None::<fn(&u64) -> usize>, count)
            .await?;
        Ok(*count)
    }

    /// A page of the articles the reader may see ([`articles::list`]): a page of a busy list is
    /// read once per change rather than once per request.
    pub async fn article_page(
        &self,
        filter: &ArticleFilter,
        order: ArticleOrder,
        page: &PageArgs,
        bodies: Bodies,
    ) -> AppResult<Arc<Page<article::Model>>> {
        let (db, viewer) = (self.db(), self.viewer());
        let read = articles::list(db, viewer, filter, order, page, bodies);
        let Some(reads) = self.kept() else {
            return Ok(Arc::new(read.await?));
        };
        let key = ReadKey::ArticlePage {
            visibility: viewer.visibility(),
            filter: filter.clone(),
            order,
            bodies,
            page: page.clone(),
        };
        let weight = |page: &Page<article::Model>| {
            page.items
                .iter()
                .map(|(cursor, row)| cursor.len() + articles::weight(row))
                .sum()
        };
        reads
            .kept
            .read(&reads.version, key, Some(weight), read)
            .await
    }

    /// The article with `slug` in `locale` ([`articles::find_by_slug`]) or, without one, in the
    /// `preferred` locale when it has a translation in it ([`articles::find_by_slug_preferring`]).
    pub async fn article_by_slug(
        &self,
        slug: &str,
        locale: Option<Locale>,
        preferred: Option<Locale>,
    ) -> AppResult<Option<article::Model>> {
        let (db, viewer) = (self.db(), self.viewer());
        let preferred = preferred.filter(|_| locale.is_none());
        let read = async {
            match (locale, preferred) {
                (None, Some(preferred)) => {
                    articles::find_by_slug_preferring(db, viewer, slug, preferred).await
                }
                _ => articles::find_by_slug(db, viewer, slug, locale).await,
            }
        };
        let Some(reads) = self.kept() else {
            return read.await;
        };
        let key = ReadKey::ArticleBySlug {
            visibility: viewer.visibility(),
            slug: slug.to_owned(),
            locale,
            preferred,
        };
        let weigh = |row: &Option<article::Model>| row.as_ref().map_or(0, articles::weight);
        let row = reads
            .kept
            .read(&reads.version, key, Some(weigh), read)
            .await?;
        Ok(Option::clone(&row))
    }
}
