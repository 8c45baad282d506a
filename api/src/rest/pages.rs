//! What a REST read answers with: one page of a list ([`ArticlePage`] and its kin), and
//! [`Cached`], the JSON of any read with how long it may be kept and by whom (the HTTP edge
//! gives it its validator).

use serde::Serialize;
use utoipa::ToSchema;

use super::views::{AgreementView, ArticleView, InstitutionView, PersonView};
use crate::error::{AppError, AppResult};
use crate::reads::Viewer;
use crate::reads::pagination::Page;

/// A read's JSON: kept up to `max_age` seconds by anyone when `public` (then every anonymous
/// caller is given the same), else only by the caller.
#[derive(Debug)]
pub struct Cached {
    /// The JSON.
    pub body: Vec<u8>,
    /// Seconds it may be kept (0: revalidate every time).
    pub max_age: u32,
    /// The same for every anonymous caller (the caller is anonymous).
    pub public: bool,
}

impl Cached {
    /// `value` as `viewer` reads it, to be kept up to `max_age` seconds.
    pub fn json(viewer: &Viewer, max_age: u32, value: &impl Serialize) -> AppResult<Self> {
        let body = serde_json::to_vec(value)
            .map_err(|error| AppError::Internal(format!("cannot write a REST answer: {error}")))?;
        Ok(Self {
            body,
            max_age,
            public: viewer.identity().is_none(),
        })
    }
}

macro_rules! page_type {
    ($name:ident, $item:ty, $what:literal) => {
        #[doc = concat!("A page of ", $what, ".")]
        #[derive(Serialize, ToSchema)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            /// The items of this page.
            pub items: Vec<$item>,
            /// Pass as `after` for the next page.
            pub next_cursor: Option<String>,
            /// Pass as `before` for the previous page.
            pub previous_cursor: Option<String>,
            /// Whether items exist after this page.
            pub has_next_page: bool,
            /// Whether items exist before this page.
            pub has_previous_page: bool,
            /// The number of items in the whole list.
            pub total_count: u64,
        }

        impl $name {
            /// The page of `rows`, its items made by `view`, in a list of `total_count`.
            #[allow(dead_code, reason = "articles are viewed in a batch, not one by one")]
            pub fn of<T>(rows: &Page<T>, total_count: u64, view: impl Fn(&T) -> $item) -> Self {
                let items = rows.items.iter().map(|(_, row)| view(row)).collect();
                Self::with_items(rows, total_count, items)
            }

            /// The page of `rows`, with its `items` made already.
            pub fn with_items<T>(rows: &Page<T>, total_count: u64, items: Vec<$item>) -> Self {
                let (next_cursor, previous_cursor) = cursors(rows);
                Self {
                    items,
                    next_cursor,
                    previous_cursor,
                    has_next_page: rows.has_next_page,
                    has_previous_page: rows.has_previous_page,
                    total_count,
                }
            }
        }
    };
}

page_type!(ArticlePage, ArticleView, "articles");
page_type!(InstitutionPage, InstitutionView, "institutions");
page_type!(PersonPage, PersonView, "people");
page_type!(AgreementPage, AgreementView, "agreements");

/// The cursors of the pages after and before `page`, where there are such pages.
fn cursors<T>(page: &Page<T>) -> (Option<String>, Option<String>) {
    (
        page.items
            .last()
            .filter(|_| page.has_next_page)
            .map(|(cursor, _)| cursor.clone()),
        page.items
            .first()
            .filter(|_| page.has_previous_page)
            .map(|(cursor, _)| cursor.clone()),
    )
}
