//! The REST API: the same content and visibility as GraphQL, with caching and an OpenAPI
//! document that must match the code.

use axum::http::{StatusCode, header};
use entities::enums::{ArticleStatus, UserRole};
use newsdesk_tests::db_test;
use newsdesk_tests::fixtures::{self, ArticleSpec};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

const SLUG: &str = "szpu-gxmpc-pairing-assistance-agreement-2024";

db_test!(async fn articles_come_with_their_relations_json_ld_and_caching_headers(app) {
    app.seed_demo().await;
    let list = app.get("/api/v1/articles?limit=5", &[]).await;
    assert_eq!(list.status, StatusCode::OK);
    let body = list.json();
    assert_eq!(body["totalCount"], 1);
    let item = &body["items"][0];
    assert_eq!(item["slug"], SLUG);
    assert_eq!(item["byline"]["authors"][0]["name"], "Feng Min");
    assert_eq!(item["breadcrumb"][0]["name"], "News & Events");
    assert_eq!(item["mentionedPeople"].as_array().map(Vec::len), Some(7));
    assert_eq!(item["mentionedPeople"][6]["roles"], json!(["attendee", "speaker"]));
    assert_eq!(item["relatedAgreements"][0]["areasOfCooperation"].as_array().map(Vec::len), Some(5));
    assert_eq!(item["jsonLd"]["@type"], "NewsArticle");
    assert_eq!(list.header("cache-control").as_deref(), Some("public, max-age=30"));
    let vary = list.header("vary").unwrap_or_default();
    assert!(vary.contains("Authorization") && vary.contains("Accept-Encoding"), "{vary}");
    let etag = list.header("etag").unwrap_or_default();
    assert_eq!(app.get("/api/v1/articles?limit=5", &[("if-none-match", etag.as_str())]).await.status, StatusCode::NOT_MODIFIED);

    let one = app.get(&format!("/api/v1/articles/{SLUG}"), &[]).await;
    assert_eq!(one.json()["jsonLd"]["headline"], one.json()["title"]);
    assert_eq!(one.header("cache-control").as_deref(), Some("public, max-age=60"));
    let missing = app.get("/api/v1/articles/no-such-article", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"]["code"], "NOT_FOUND");

    for (uri, field) in [
        ("/api/v1/articles?limit=101", "limit"),
        ("/api/v1/articles?limit=ten", "limit"),
        ("/api/v1/articles?limit=2147483648", "limit"),
        ("/api/v1/articles?locale=fr", "locale"),
        ("/api/v1/articles?order=sideways", "order"),
        ("/api/v1/articles?section=nowhere", "section"),
        ("/api/v1/articles?after=garbage", "after"),
        (&format!("/api/v1/articles/{SLUG}?locale=EN"), "locale"),
        ("/api/v1/institutions?kind=castle", "kind"),
        ("/api/v1/agreements?activeAt=yesterday", "activeAt"),
        ("/api/v1/sync?limit=-1", "limit"),
        ("/api/v1/search", "q"),
        ("/api/v1/search?q=x&types=article,castle", "types"),
    ] {
        let response = app.get(uri, &[]).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(response.json()["error"]["code"], "BAD_USER_INPUT", "{uri}");
        assert_eq!(response.json()["error"]["field"], field, "{uri}");
    }
    assert_eq!(app.get("/api/v1/articles?section=news-events&institution=szpu&person=xu-jianling", &[]).await.json()["totalCount"], 1);
    assert_eq!(app.get("/api/v1/articles?locale=zh", &[]).await.json()["totalCount"], 0);
});

db_test!(async fn drafts_stay_private_on_rest_too(app) {
    app.seed_demo().await;
    let section = entities::section::Entity::find()
        .filter(entities::section::Column::Slug.eq("events"))
        .one(app.db())
        .await
        .ok()
        .flatten()
        .map(|row| row.id)
        .unwrap_or_default();
    let mut draft = ArticleSpec::published("secret-draft", section, 1);
    draft.status = ArticleStatus::Draft;
    fixtures::article(app.db(), draft).await;
    assert_eq!(app.get("/api/v1/articles", &[]).await.json()["totalCount"], 1);
    assert_eq!(app.get("/api/v1/articles/secret-draft", &[]).await.status, StatusCode::NOT_FOUND);
    let editor = app.user(UserRole::Editor).await;
    let bearer = format!("Bearer {}", editor.token);
    let seen = app.get("/api/v1/articles/secret-draft", &[("authorization", bearer.as_str())]).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.header("cache-control").as_deref(), Some("private, no-cache"));
    let refused = app.get("/api/v1/articles", &[("authorization", "Bearer forged")]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.json()["error"]["code"], "UNAUTHENTICATED");
});

db_test!(async fn sections_institutions_people_agreements_and_the_sync_feed(app) {
    app.seed_demo().await;
    let sections = app.get("/api/v1/sections", &[]).await.json();
    assert_eq!(sections[0]["children"][0]["slug"], "events");
    assert_eq!(app.get("/api/v1/sections/events", &[]).await.json()["breadcrumb"][0]["slug"], "news-events");
    let departments = app.get("/api/v1/institutions?kind=department", &[]).await.json();
    assert_eq!(departments["totalCount"], 4);
    let szpu = app.get("/api/v1/institutions/szpu", &[]).await.json();
    assert_eq!(szpu["postcode"], "518055");
    assert_eq!(app.get("/api/v1/institutions?parent=szpu", &[]).await.json()["totalCount"], 2);
    let people = app.get("/api/v1/people?limit=3", &[]).await.json();
    assert_eq!(people["totalCount"], 8);
    let next = people["nextCursor"].as_str().unwrap_or_default().to_owned();
    let page_two = app.get(&format!("/api/v1/people?limit=3&after={next}"), &[]).await.json();
    assert_eq!(page_two["items"].as_array().map(Vec::len), Some(3));
    assert_ne!(page_two["items"][0]["slug"], people["items"][0]["slug"]);
    assert_eq!(app.get("/api/v1/agreements?activeAt=2025-01-01", &[]).await.json()["items"][0]["kind"], "pairing_assistance");
    assert_eq!(app.get("/api/v1/agreements?party=szpu", &[]).await.json()["totalCount"], 2);
    assert_eq!(app.get("/api/v1/people/xu-jianling", &[]).await.json()["name"], "Xu Jianling");
    assert_eq!(app.get("/api/v1/agreements/szpu-gxmpc-counterpart-cooperation-2019", &[]).await.json()["signedYear"], 2019);

    let first = app.get("/api/v1/sync?types=article,person", &[]).await.json();
    let items = first["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 9, "eight people and the article");
    assert!(items.iter().any(|item| item["type"] == "article" && item["entity"]["title"].is_string()));
    assert_eq!(first["hasMore"], false);
    let token = first["nextToken"].as_str().unwrap_or_default().to_owned();
    let editor = app.user(UserRole::Editor).await;
    app.query_as(&editor.token, r#"mutation { createPerson(input: { name: "New Person" }) { person { id } } }"#, json!({})).await;
    let delta = app.get(&format!("/api/v1/sync?types=article,person&token={token}"), &[]).await.json();
    assert_eq!(delta["items"][0]["operation"], "upsert");
    assert_eq!(delta["items"][0]["entity"]["name"], "New Person");
    assert_eq!(app.get("/api/v1/sync?types=nonsense", &[]).await.json()["error"]["field"], "types");
});

#[test]
fn the_checked_in_openapi_document_matches_the_code() {
    let path = format!("{}/../openapi.json", env!("CARGO_MANIFEST_DIR"));
    let checked_in = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {path}: {error}"));
    assert!(
        checked_in.trim_end() == newsdesk::rest::openapi_json().trim_end(),
        "openapi.json is out of date: run `cargo run -- openapi > openapi.json`"
    );
    let document: serde_json::Value = serde_json::from_str(&checked_in).unwrap_or_default();
    assert_eq!(document["openapi"], "3.1.0");
    for path in [
        "/api/v1/articles",
        "/api/v1/articles/{slug}",
        "/api/v1/sections",
        "/api/v1/institutions",
        "/api/v1/people",
        "/api/v1/agreements",
        "/api/v1/sync",
    ] {
        assert!(document["paths"][path].is_object(), "{path} is documented");
    }
}

db_test!(async fn the_openapi_document_and_its_docs_page_are_served(app) {
    let document = app.get("/api/v1/openapi.json", &[]).await;
    assert_eq!(document.status, StatusCode::OK);
    assert_eq!(document.json()["openapi"], "3.1.0");
    let page = app.get("/api/v1/docs", &[(header::ACCEPT.as_str(), "text/html")]).await;
    assert!(String::from_utf8_lossy(&page.body).contains("/api/v1/openapi.json"));
});
