//! Relay cursor pagination over keyset cursors (never offsets): a page is "the next N rows after
//! this sort key", so page 500 costs what page 1 costs and rows inserted meanwhile do not shift
//! pages.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Order;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select, Value,
};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

/// Page size when the client asks for none.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// Largest page size; asking for more is an error, never a silent truncation.
pub const MAX_PAGE_SIZE: u64 = 100;

/// The Relay arguments as the client sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PageArgs {
    /// Forward page size.
    pub first: Option<i32>,
    /// Forward cursor.
    pub after: Option<String>,
    /// Backward page size.
    pub last: Option<i32>,
    /// Backward cursor.
    pub before: Option<String>,
}

/// Longest cursor accepted, in characters (ours are under 400: a sort key of at most 500
/// characters, base64-encoded with its ordering and id).
pub const MAX_CURSOR_CHARS: usize = 1024;

/// A sort key value stored in a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortKey {
    /// A timestamp.
    Time(DateTime<Utc>),
    /// A string.
    Text(String),
}

/// The type of an ordering's sort key: a cursor must carry a key of that type, since the
/// database compares it with the sort column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A timestamp column.
    Time,
    /// A text column.
    Text,
}

impl SortKey {
    /// Whether the key is of `kind` and of a value the column can hold: a time in the years 1 to
    /// 9999 (PostgreSQL refuses some chrono can represent), a text without NUL characters
    /// (PostgreSQL refuses those too) of at most 500 characters.
    fn fits(&self, kind: KeyKind) -> bool {
        use chrono::Datelike;
        match (self, kind) {
            (SortKey::Time(time), KeyKind::Time) => (1..=9999).contains(&time.year()),
            (SortKey::Text(text), KeyKind::Text) => {
                !text.contains('\0') && text.chars().count() <= 500
            }
            _ => false,
        }
    }
}

impl From<SortKey> for Value {
    fn from(key: SortKey) -> Self {
        match key {
            SortKey::Time(time) => time.into(),
            SortKey::Text(text) => text.into(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct CursorData {
    /// The ordering the cursor belongs to.
    o: String,
    /// The sort key of the row.
    k: SortKey,
    /// The row's id, the tie-breaker.
    i: i64,
}

/// How a list is sorted: one column, then the id as tie-breaker, both in the same direction.
pub struct Ordering<E: EntityTrait> {
    /// A short name for the ordering, written into cursors so they cannot be mixed up.
    pub tag: &'static str,
    /// The sort column.
    pub column: E::Column,
    /// The tie-breaking id column.
    pub id: E::Column,
    /// Newest/largest first.
    pub descending: bool,
    /// The type of the sort column.
    pub key_kind: KeyKind,
    /// Reads a row's sort key and id.
    pub key: fn(&E::Model) -> (SortKey, i64),
}

/// One page of rows with their cursors.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// Rows in list order, each with its cursor.
    pub items: Vec<(String, T)>,
    /// Whether rows exist before the first one.
    pub has_previous_page: bool,
    /// Whether rows exist after the last one.
    pub has_next_page: bool,
}

fn encode_cursor(tag: &str, key: SortKey, id: i64) -> String {
    let data = CursorData {
        o: tag.to_owned(),
        k: key,
        i: id,
    };
    // Serialising a plain struct of strings and numbers cannot fail.
    let json = serde_json::to_vec(&data).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// Reads a cursor of the list sorted by `tag` on a key of `kind`. Anything else (another list's
/// cursor, a truncated or forged one, a key the column could not hold) is an input error.
fn decode_cursor(
    field: &'static str,
    tag: &str,
    kind: KeyKind,
    cursor: &str,
) -> AppResult<(SortKey, i64)> {
    let malformed = || AppError::bad_input(field, format!("`{field}` is not a valid cursor"));
    if cursor.len() > MAX_CURSOR_CHARS {
        return Err(malformed());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| malformed())?;
    let data: CursorData = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    if data.o != tag {
        return Err(AppError::bad_input(
            field,
            format!("`{field}` is a cursor of another list or ordering"),
        ));
    }
    if !data.k.fits(kind) {
        return Err(malformed());
    }
    Ok((data.k, data.i))
}

fn page_size(field: &'static str, value: Option<i32>) -> AppResult<Option<u64>> {
    match value {
        None => Ok(None),
        Some(size) if (0..=MAX_PAGE_SIZE as i32).contains(&size) => Ok(Some(size as u64)),
        Some(size) => Err(AppError::bad_input(
            field,
            format!("`{field}` must be between 0 and {MAX_PAGE_SIZE}, got {size}"),
        )),
    }
}

/// Fetches one page of `select` in `ordering`, as the Relay arguments ask.
pub async fn fetch_page<E, C>(
    db: &C,
    select: Select<E>,
    ordering: &Ordering<E>,
    args: &PageArgs,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let first = page_size("first", args.first)?;
    let last = page_size("last", args.last)?;
    if first.is_some() && last.is_some() {
        return Err(AppError::bad_input(
            "last",
            "give `first` or `last`, not both",
        ));
    }
    let after = args
        .after
        .as_deref()
        .map(|cursor| decode_cursor("after", ordering.tag, ordering.key_kind, cursor))
        .transpose()?;
    let before = args
        .before
        .as_deref()
        .map(|cursor| decode_cursor("before", ordering.tag, ordering.key_kind, cursor))
        .transpose()?;

    let backward = last.is_some() || (first.is_none() && before.is_some() && after.is_none());
    let size = if backward { last } else { first }.unwrap_or(DEFAULT_PAGE_SIZE);
    // Walking backward reads the list in reverse from the `before` cursor.
    let descending = ordering.descending != backward;
    let mut select = select;
    for (cursor, reading_past) in [(&after, !backward), (&before, backward)] {
        let Some((key, id)) = cursor.clone() else {
            continue;
        };
        // Rows strictly beyond the cursor in the direction of reading, or strictly before it
        // when the cursor bounds the other end of the page.
        let towards_smaller = descending == reading_past;
        select = select.filter(keyset_condition(ordering, key, id, towards_smaller));
    }
    let order = if descending { Order::Desc } else { Order::Asc };
    let mut rows = select
        .order_by(ordering.column, order.clone())
        .order_by(ordering.id, order)
        .limit(size + 1)
        .all(db)
        .await?;
    let has_more = rows.len() as u64 > size;
    rows.truncate(size as usize);
    if backward {
        rows.reverse();
    }
    let items = rows
        .into_iter()
        .map(|row| {
            let (key, id) = (ordering.key)(&row);
            (encode_cursor(ordering.tag, key, id), row)
        })
        .collect();
    let (has_previous_page, has_next_page) = if backward {
        (has_more, before.is_some())
    } else {
        (after.is_some(), has_more)
    };
    Ok(Page {
        items,
        has_previous_page,
        has_next_page,
    })
}

/// `(column, id) < (key, id0)` or `>`, spelled out portably, with a redundant bound on the column
/// alone (`column <= key`) that gives the index a range to start from. Without it PostgreSQL
/// walked the index from the top and filtered, and page 50 of the archive cost 30% more than
/// page 1.
fn keyset_condition<E: EntityTrait>(
    ordering: &Ordering<E>,
    key: SortKey,
    id: i64,
    smaller: bool,
) -> Condition {
    let value: Value = key.into();
    let (bound, strictly, tie) = if smaller {
        (
            ordering.column.lte(value.clone()),
            ordering.column.lt(value.clone()),
            ordering.id.lt(id),
        )
    } else {
        (
            ordering.column.gte(value.clone()),
            ordering.column.gt(value.clone()),
            ordering.id.gt(id),
        )
    };
    Condition::all().add(bound).add(
        Condition::any()
            .add(strictly)
            .add(Condition::all().add(ordering.column.eq(value)).add(tie)),
    )
}
