//! What the API reads and keeps, below the domain and used alike by GraphQL and REST: who may
//! see what ([`viewer`]), the queries that read content ([`articles`], [`people`],
//! [`institutions`], [`agreements`], [`sections`], paged by [`pagination`]), the request's
//! lookup chain ([`loaders`], [`rows`]), and the one bounded cache type behind everything a node
//! keeps ([`cache`]).

pub mod agreements;
pub mod articles;
pub mod cache;
pub mod institutions;
pub mod loaders;
pub mod pagination;
pub mod people;
pub mod rows;
pub mod sections;
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
