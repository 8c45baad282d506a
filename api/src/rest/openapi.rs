//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers and their types, and the
//! page that renders it.

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use utoipa::OpenApi;

use super::pages::{AgreementPage, ArticlePage, InstitutionPage, PersonPage};
use super::search::{SearchHitView, SearchPageView};
use super::sync::{SyncItemView, SyncPageView};
use super::{articles, catalog, search, sync};
use crate::error::{ErrorBody, ErrorDetail};

/// The OpenAPI document of `/api/v1`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Newsdesk REST API",
        version = "1",
        description = "Read-only JSON over the same domain as the GraphQL API: the same visibility, filters and cursors."
    ),
    paths(
        articles::list_articles,
        articles::get_article,
        catalog::list_sections,
        catalog::get_section,
        catalog::list_institutions,
        catalog::get_institution,
        catalog::list_people,
        catalog::get_person,
        catalog::list_agreements,
        catalog::get_agreement,
        sync::sync,
        search::search
    ),
    components(schemas(
        ArticlePage,
        InstitutionPage,
        PersonPage,
        AgreementPage,
        SyncPageView,
        SyncItemView,
        SearchPageView,
        SearchHitView,
        ErrorBody,
        ErrorDetail
    ))
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Response {
    let mut response = super::openapi_json().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `GET /api/v1/docs`: a page that renders the OpenAPI document (Redoc, loaded by the browser).
pub async fn docs() -> Html<&'static str> {
    Html(
        r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Newsdesk REST API</title></head>
<body>
<redoc spec-url="/api/v1/openapi.json"></redoc>
<script src="https://cdn.redoc.ly/redoc/latest/bundles/redoc.standalone.js"></script>
</body>
</html>"#,
    )
}
