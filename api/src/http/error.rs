//! An error, as an HTTP response: the REST envelope ([`AppError::envelope`]) with the error's
//! status, never stored by a cache, and with the `WWW-Authenticate` challenge when credentials
//! are missing or refused. The cause of an internal error is logged here, and never sent.
//! (GraphQL writes its errors in its own shape: see `http::graphql`.)

use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, ErrorCode};

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let code = self.code();
        let mut response = (code.status(), Json(self.envelope())).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if code == ErrorCode::Unauthenticated {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
