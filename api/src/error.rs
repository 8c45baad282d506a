//! The one application error type, and the table that maps each error to its HTTP status and
//! its GraphQL `extensions.code`.
//!
//! | variant / situation                 | `extensions.code`           | HTTP status |
//! |-------------------------------------|-----------------------------|-------------|
//! | [`AppError::BadInput`]              | `BAD_USER_INPUT`            | 400         |
//! | [`AppError::NotFound`]              | `NOT_FOUND`                 | 404         |
//! | [`AppError::Unauthenticated`]       | `UNAUTHENTICATED`           | 401         |
//! | [`AppError::Forbidden`]             | `FORBIDDEN`                 | 403         |
//! | [`AppError::Conflict`]              | `CONFLICT`                  | 409         |
//! | [`AppError::RateLimited`]           | `RATE_LIMITED`              | 429         |
//! | [`AppError::Database`], [`AppError::Internal`] | `INTERNAL_SERVER_ERROR` | 500   |
//! | a document that does not parse      | `GRAPHQL_PARSE_FAILED`      | 400 (\*)    |
//! | a document that does not validate   | `GRAPHQL_VALIDATION_FAILED` | 400 (\*)    |
//! | over the depth limit                | `QUERY_TOO_DEEP`            | 400 (\*)    |
//! | over the complexity limit           | `QUERY_TOO_COMPLEX`         | 400 (\*)    |
//! | over the alias limit                | `TOO_MANY_ALIASES`          | 400 (\*)    |
//! | over the directive limit            | `TOO_MANY_DIRECTIVES`       | 400 (\*)    |
//! | unknown or ambiguous operation      | `OPERATION_NOT_FOUND`       | 400 (\*)    |
//! | a persisted query hash not known    | `PERSISTED_QUERY_NOT_FOUND` | 200         |
//! | an unregistered operation in allow-list mode | `PERSISTED_QUERY_NOT_ALLOWED` | 403 |
//! | malformed GraphQL-over-HTTP request | `BAD_REQUEST`               | 400         |
//! | a batch while batching is off       | `BATCH_NOT_ENABLED`         | 400         |
//! | a mutation over GET                 | `METHOD_NOT_ALLOWED`        | 405         |
//! | no acceptable response media type   | `NOT_ACCEPTABLE`            | 406         |
//! | a body over the size limit          | `PAYLOAD_TOO_LARGE`         | 413         |
//! | a body that is not `application/json` | `UNSUPPORTED_MEDIA_TYPE`  | 415         |
//!
//! (\*) With `Accept: application/graphql-response+json`. Under `application/json` the
//! GraphQL-over-HTTP specification asks for 200 for documents that fail to parse or validate.

use std::sync::Arc;

use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

/// A stable, machine-readable error code, sent as `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// An argument or input field is invalid.
    BadUserInput,
    /// The thing asked for does not exist (or is not visible to the caller).
    NotFound,
    /// Something failed inside the server; the cause is logged, not sent.
    InternalServerError,
    /// No valid credentials, or credentials that were refused.
    Unauthenticated,
    /// The caller may not do this.
    Forbidden,
    /// The write was based on a stale version, or clashes with existing data.
    Conflict,
    /// Too many attempts; try later.
    RateLimited,
    /// The GraphQL document does not parse.
    GraphqlParseFailed,
    /// The GraphQL document does not validate against the schema.
    GraphqlValidationFailed,
    /// The document is nested deeper than allowed.
    QueryTooDeep,
    /// The document's complexity is over the limit.
    QueryTooComplex,
    /// The document uses more aliases than allowed.
    TooManyAliases,
    /// A field carries more directives than allowed.
    TooManyDirectives,
    /// The operation named does not exist, or none was named among several.
    OperationNotFound,
    /// The HTTP request is not a well-formed GraphQL-over-HTTP request.
    BadRequest,
    /// A persisted query hash the server does not know (send the query with it once).
    PersistedQueryNotFound,
    /// Allow-list mode: only registered operations may run.
    PersistedQueryNotAllowed,
    /// A batched request arrived while batching is disabled.
    BatchNotEnabled,
    /// A mutation was sent with GET.
    MethodNotAllowed,
    /// The `Accept` header names no media type the server can produce.
    NotAcceptable,
    /// The body is over the configured size limit.
    PayloadTooLarge,
    /// The body's content type is not supported.
    UnsupportedMediaType,
}

impl ErrorCode {
    /// The code as sent to clients.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::NotFound => "NOT_FOUND",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::QueryTooDeep => "QUERY_TOO_DEEP",
            Self::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Self::TooManyAliases => "TOO_MANY_ALIASES",
            Self::TooManyDirectives => "TOO_MANY_DIRECTIVES",
            Self::OperationNotFound => "OPERATION_NOT_FOUND",
            Self::BadRequest => "BAD_REQUEST",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::PersistedQueryNotAllowed => "PERSISTED_QUERY_NOT_ALLOWED",
            Self::BatchNotEnabled => "BATCH_NOT_ENABLED",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::NotAcceptable => "NOT_ACCEPTABLE",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
        }
    }

    /// The HTTP status for a response that carries only this error.
    pub const fn status(self) -> StatusCode {
        match self {
            Self::BadUserInput
            | Self::GraphqlParseFailed
            | Self::GraphqlValidationFailed
            | Self::QueryTooDeep
            | Self::QueryTooComplex
            | Self::TooManyAliases
            | Self::TooManyDirectives
            | Self::OperationNotFound
            | Self::BadRequest
            | Self::BatchNotEnabled => StatusCode::BAD_REQUEST,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::PersistedQueryNotFound => StatusCode::OK,
            Self::PersistedQueryNotAllowed => StatusCode::FORBIDDEN,
            Self::InternalServerError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::Conflict => StatusCode::CONFLICT,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }

    /// Whether this code means the document itself was refused before execution: such a
    /// response gets 400 under `application/graphql-response+json`.
    pub const fn is_document_error(self) -> bool {
        matches!(
            self,
            Self::GraphqlParseFailed
                | Self::GraphqlValidationFailed
                | Self::QueryTooDeep
                | Self::QueryTooComplex
                | Self::TooManyAliases
                | Self::TooManyDirectives
                | Self::OperationNotFound
        )
    }

    /// Looks a code up by its string form.
    pub fn from_str_code(code: &str) -> Option<Self> {
        ALL_CODES.iter().copied().find(|c| c.as_str() == code)
    }
}

const ALL_CODES: [ErrorCode; 22] = [
    ErrorCode::PersistedQueryNotFound,
    ErrorCode::PersistedQueryNotAllowed,
    ErrorCode::BadUserInput,
    ErrorCode::Unauthenticated,
    ErrorCode::Forbidden,
    ErrorCode::Conflict,
    ErrorCode::RateLimited,
    ErrorCode::NotFound,
    ErrorCode::InternalServerError,
    ErrorCode::GraphqlParseFailed,
    ErrorCode::GraphqlValidationFailed,
    ErrorCode::QueryTooDeep,
    ErrorCode::QueryTooComplex,
    ErrorCode::TooManyAliases,
    ErrorCode::TooManyDirectives,
    ErrorCode::OperationNotFound,
    ErrorCode::BadRequest,
    ErrorCode::BatchNotEnabled,
    ErrorCode::MethodNotAllowed,
    ErrorCode::NotAcceptable,
    ErrorCode::PayloadTooLarge,
    ErrorCode::UnsupportedMediaType,
];

/// An error from the domain layer. Its `Display` is safe to show to a client: internal causes
/// are kept in the source chain and logged, never formatted into the message.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Invalid input; `field` names the argument or input field at fault.
    #[error("{message}")]
    BadInput {
        /// The argument or input field, as the client spelled it (`first`, `after`, `input.slug`).
        field: &'static str,
        /// What is wrong, for a person to read.
        message: String,
    },
    /// Nothing of that kind with that key is visible to the caller.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for ("article").
        what: &'static str,
    },
    /// The caller is not authenticated, or presented credentials that were refused.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// A stale version, or a clash with existing data; `field` names the input at fault.
    #[error("{message}")]
    Conflict {
        /// The input field at fault.
        field: &'static str,
        /// What clashed.
        message: String,
    },
    /// Too many attempts.
    #[error("too many attempts; try again later")]
    RateLimited,
    /// The database failed.
    #[error("internal server error")]
    Database(#[from] sea_orm::DbErr),
    /// Anything else that should not happen.
    #[error("internal server error")]
    Internal(String),
}

impl AppError {
    /// A [`AppError::BadInput`] for `field`.
    pub fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        Self::BadInput {
            field,
            message: message.into(),
        }
    }

    /// The stable code of this error.
    pub const fn code(&self) -> ErrorCode {
        match self {
            Self::BadInput { .. } => ErrorCode::BadUserInput,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::RateLimited => ErrorCode::RateLimited,
            Self::Database(_) | Self::Internal(_) => ErrorCode::InternalServerError,
        }
    }

    /// Logs internal errors with their cause; client errors are not worth a log line.
    pub fn log(&self) {
        match self {
            Self::Database(cause) => tracing::error!(error = %cause, "database error"),
            Self::Internal(cause) => tracing::error!(error = %cause, "internal error"),
            _ => {}
        }
    }

    /// The GraphQL error sent to the client: a safe message, `extensions.code`, and for input
    /// errors `extensions.field`.
    pub fn to_graphql(&self) -> async_graphql::Error {
        self.log();
        let mut error = async_graphql::Error::new(self.to_string());
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", self.code().as_str());
        if let Self::BadInput { field, .. } | Self::Conflict { field, .. } = self {
            extensions.set("field", *field);
        }
        error.extensions = Some(extensions);
        error
    }
}

/// The REST API's error envelope: `{"error": {"code", "message", "field"}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code, as in GraphQL's `extensions.code`.
    pub code: String,
    /// For people.
    pub message: String,
    /// The parameter at fault.
    pub field: Option<String>,
}

impl AppError {
    /// The error as the REST API sends it (the message is safe to show: see [`AppError`]).
    pub fn envelope(&self) -> ErrorBody {
        let field = match self {
            Self::BadInput { field, .. } | Self::Conflict { field, .. } => {
                Some((*field).to_owned())
            }
            _ => None,
        };
        ErrorBody {
            error: ErrorDetail {
                code: self.code().as_str().to_owned(),
                message: self.to_string(),
                field,
            },
        }
    }
}

/// Shorthand for domain results.
pub type AppResult<T> = Result<T, AppError>;

/// Converts domain results into GraphQL results, logging internal causes on the way.
pub trait GraphqlResultExt<T> {
    /// Maps the error through [`AppError::to_graphql`].
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GraphqlResultExt<T> for Result<T, AppError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|error| error.to_graphql())
    }
}

impl<T> GraphqlResultExt<T> for Result<T, Arc<AppError>> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|error| error.to_graphql())
    }
}
