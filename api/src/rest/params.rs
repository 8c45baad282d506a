//! The query parameters of the REST API, each a typed struct; closed sets (`locale`, `order`,
//! `kind`, the `types` lists) are enums. [`Params`] reads them and refuses what does not fit
//! with the error envelope naming the parameter.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde::de::value::{Error as ValueError, StrDeserializer};
use utoipa::{IntoParams, ToSchema};

use crate::content::sync::SyncType;
use crate::error::{AppError, AppResult};
use crate::reads::articles::ArticleOrder;
use crate::reads::pagination::PageArgs;
use crate::search::SearchKind;

/// Every parameter name the API knows, for naming the one at fault.
const NAMES: [&str; 17] = [
    "limit",
    "after",
    "before",
    "section",
    "tag",
    "person",
    "institution",
    "agreement",
    "locale",
    "order",
    "kind",
    "parent",
    "party",
    "activeAt",
    "token",
    "types",
    "q",
];

/// Query parameters of type `T`; a parameter that does not fit is refused (400) naming it.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let query = parts.uri.query().unwrap_or_default();
        let parameters =
            serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(parameters)
            .map(Params)
            .map_err(|error| {
                let path = error.path().to_string();
                let message = error.inner().to_string();
                // A value that does not fit names its path; a missing one, the message.
                let field = NAMES
                    .into_iter()
                    .find(|name| path == *name || message.contains(&format!("`{name}`")))
                    .unwrap_or("query");
                AppError::bad_input(field, format!("`{field}`: {message}"))
            })
    }
}

/// The values of a comma-separated list parameter `field`, each one of `T`'s names
/// (case-insensitive); an empty list is none.
pub fn listed<T: DeserializeOwned>(field: &'static str, list: Option<&str>) -> AppResult<Vec<T>> {
    list.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            let lower = name.to_ascii_lowercase();
            T::deserialize(StrDeserializer::<ValueError>::new(&lower))
                .map_err(|_| AppError::bad_input(field, format!("unknown type `{name}`")))
        })
        .collect()
}

/// Cursor pagination: `limit` (1-100, default 20) with `after` or `before`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, at most 100.
    pub limit: Option<i32>,
    /// The items after this cursor.
    pub after: Option<String>,
    /// The items before this cursor.
    pub before: Option<String>,
}

impl PageParams {
    /// The page asked for.
    pub fn args(&self) -> AppResult<PageArgs> {
        if self.limit.is_some_and(|limit| !(0..=100).contains(&limit)) {
            return Err(AppError::bad_input(
                "limit",
                "`limit` must be between 0 and 100",
            ));
        }
        Ok(match (&self.before, &self.after) {
            (Some(before), None) => PageArgs {
                last: self.limit,
                before: Some(before.clone()),
                ..PageArgs::default()
            },
            _ => PageArgs {
                first: self.limit,
                after: self.after.clone(),
                ..PageArgs::default()
            },
        })
    }
}

/// A language the university publishes in.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LocaleParam {
    /// English.
    En,
    /// Chinese.
    Zh,
}

impl From<LocaleParam> for entities::enums::Locale {
    fn from(locale: LocaleParam) -> Self {
        match locale {
            LocaleParam::En => Self::En,
            LocaleParam::Zh => Self::Zh,
        }
    }
}

/// The order of a list of articles.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrderParam {
    /// Latest publication first.
    #[default]
    Newest,
    /// Earliest publication first.
    Oldest,
}

impl From<OrderParam> for ArticleOrder {
    fn from(order: OrderParam) -> Self {
        match order {
            OrderParam::Newest => Self::NewestFirst,
            OrderParam::Oldest => Self::OldestFirst,
        }
    }
}

/// Article filters; people, institutions, agreements and sections are given by slug.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ArticleParams {
    /// In this section or below it.
    pub section: Option<String>,
    /// With this tag.
    pub tag: Option<String>,
    /// Naming this person.
    pub person: Option<String>,
    /// Naming this institution or from it.
    pub institution: Option<String>,
    /// About this agreement.
    pub agreement: Option<String>,
    /// Written in this language.
    #[param(inline)]
    pub locale: Option<LocaleParam>,
    /// Newest first (the default) or oldest first.
    #[param(inline)]
    pub order: Option<OrderParam>,
}

/// Language choice for one article.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocaleParams {
    /// The language; without it English is preferred.
    #[param(inline)]
    pub locale: Option<LocaleParam>,
}

/// What sort of body an institution is.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KindParam {
    /// A university.
    University,
    /// A college.
    College,
    /// A school or faculty inside a university.
    School,
    /// A national ministry.
    Ministry,
    /// A department of a ministry, a provincial government or a party committee.
    Department,
    /// A government body that is not a ministry or department.
    Government,
    /// An administrative office.
    Office,
    /// A trade union or staff union.
    Union,
    /// A company or enterprise.
    Company,
    /// Anything else.
    Other,
}

impl From<KindParam> for entities::enums::InstitutionKind {
    fn from(kind: KindParam) -> Self {
        match kind {
            KindParam::University => Self::University,
            KindParam::College => Self::College,
            KindParam::School => Self::School,
            KindParam::Ministry => Self::Ministry,
            KindParam::Department => Self::Department,
            KindParam::Government => Self::Government,
            KindParam::Office => Self::Office,
            KindParam::Union => Self::Union,
            KindParam::Company => Self::Company,
            KindParam::Other => Self::Other,
        }
    }
}

/// Institution filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InstitutionParams {
    /// Of this kind.
    #[param(inline)]
    pub kind: Option<KindParam>,
    /// Directly under the institution with this slug.
    pub parent: Option<String>,
}

/// Agreement filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct AgreementParams {
    /// With the institution with this slug among the parties.
    pub party: Option<String>,
    /// In force on this day (`YYYY-MM-DD`).
    pub active_at: Option<chrono::NaiveDate>,
}

/// A type of the sync feed, as `types` names it.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncTypeParam {
    /// Sections.
    Section,
    /// Institutions.
    Institution,
    /// People.
    Person,
    /// Positions.
    Position,
    /// Agreements.
    Agreement,
    /// Articles.
    Article,
}

impl From<SyncTypeParam> for SyncType {
    fn from(kind: SyncTypeParam) -> Self {
        match kind {
            SyncTypeParam::Section => Self::Section,
            SyncTypeParam::Institution => Self::Institution,
            SyncTypeParam::Person => Self::Person,
            SyncTypeParam::Position => Self::Position,
            SyncTypeParam::Agreement => Self::Agreement,
            SyncTypeParam::Article => Self::Article,
        }
    }
}

/// Sync feed parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncParams {
    /// The token of the last call; omit it to start.
    pub token: Option<String>,
    /// Comma-separated types: `section,institution,person,position,agreement,article`.
    pub types: Option<String>,
    /// Largest page, 1 to 500 (default 100).
    pub limit: Option<u64>,
}

/// A type of search hit, as `types` names it.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchTypeParam {
    /// Articles.
    Article,
    /// People.
    Person,
    /// Institutions.
    Institution,
    /// Agreements.
    Agreement,
}

impl From<SearchTypeParam> for SearchKind {
    fn from(kind: SearchTypeParam) -> Self {
        match kind {
            SearchTypeParam::Article => Self::Article,
            SearchTypeParam::Person => Self::Person,
            SearchTypeParam::Institution => Self::Institution,
            SearchTypeParam::Agreement => Self::Agreement,
        }
    }
}

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The words to search for (English or Chinese); quotes make a phrase.
    pub q: String,
    /// Comma-separated types: `article,person,institution,agreement` (default: all).
    pub types: Option<String>,
    /// Hits per page, 1 to 50 (default 10).
    pub limit: Option<usize>,
    /// The `nextCursor` of the previous page.
    pub after: Option<String>,
}
