//! The content domain: the rules for reading sections, articles, institutions, people and
//! agreements. Functions here take a connection and the caller's [`Viewer`]; none of them knows
//! about GraphQL or HTTP.

pub mod agreements;
pub mod articles;
pub mod institutions;
pub mod jsonld;
pub mod live;
pub mod markdown;
pub mod people;
pub mod sections;
pub mod sync;
pub mod viewer;

pub use viewer::Viewer;

use std::collections::HashMap;
use std::hash::Hash;

/// Groups rows by a key, keeping their order.
pub(crate) fn group_by<K: Eq + Hash, T>(rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, Vec<T>> {
    let mut groups: HashMap<K, Vec<T>> = HashMap::new();
    for row in rows {
        groups.entry(key(&row)).or_default().push(row);
    }
    groups
}
