//! HTTP caching, compression and persisted queries.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use entities::enums::UserRole;
use newsdesk_tests::{TestApp, TestResponse, db_test};
use serde_json::{Value, json};
use sha2::Digest;

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn get(app: &TestApp, query: &str, extra: &[(&str, &str)]) -> TestResponse {
    let mut headers = vec![("accept", "application/graphql-response+json")];
    headers.extend_from_slice(extra);
    app.get(&format!("/graphql?query={}", encode(query)), &headers)
        .await
}

async fn get_uri(app: &TestApp, uri: &str) -> TestResponse {
    app.get(uri, &[]).await
}

fn sha256(text: &str) -> String {
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

db_test!(async fn anonymous_gets_carry_etags_and_a_max_age_the_content_decides(app) {
    app.seed_demo().await;
    let cases = [
        ("{ sections { slug } }", "public, max-age=300"),
        (r#"{ institution(slug: "szpu") { name } }"#, "public, max-age=600"),
        (r#"{ article(slug: "szpu-gxmpc-pairing-assistance-agreement-2024") { title } }"#, "public, max-age=60"),
        ("{ articles { edges { node { title } } } }", "public, max-age=30"),
        ("{ sync(first: 1) { hasMore } }", "public, no-cache"),
    ];
    for (query, expected) in cases {
        let response = get(&app, query, &[]).await;
        assert_eq!(response.status, StatusCode::OK, "{query}");
        assert_eq!(response.header("cache-control").as_deref(), Some(expected), "{query}");
        let etag = response.header("etag").unwrap_or_default();
        assert!(etag.starts_with('"') && etag.ends_with('"') && !etag.starts_with("W/"), "a strong ETag: {etag}");
        let vary = response.header("vary").unwrap_or_default();
        assert!(vary.contains("Accept-Encoding") && vary.contains("Authorization") && vary.contains("Accept"), "{vary}");
    }

    // The 304 path, and a new ETag once the content changes.
    let query = "{ articles { edges { node { title } } } }";
    let first = get(&app, query, &[]).await;
    let etag = first.header("etag").unwrap_or_default();
    let again = get(&app, query, &[("if-none-match", etag.as_str())]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag").as_deref(), Some(etag.as_str()));
    let editor = app.user(UserRole::Editor).await;
    let section = app.query(r#"{ section(slug: "events") { id } }"#, json!({})).await["section"]["id"].clone();
    let created = app
        .query_as(&editor.token, "mutation($i: CreateArticleInput!) { createArticle(input: $i) { article { id } } }", json!({ "i": { "title": "Fresh", "body": "x", "section": section } }))
        .await;
    app.query_as(&editor.token, "mutation($id: ID!) { publishArticle(id: $id) { article { id } } }", json!({ "id": created["createArticle"]["article"]["id"] })).await;
    let changed = get(&app, query, &[("if-none-match", etag.as_str())]).await;
    assert_eq!(changed.status, StatusCode::OK, "a publish changes the response");
    assert_ne!(changed.header("etag"), Some(etag.clone()));

    // Authenticated responses are private; POST responses are not stored.
    let bearer = format!("Bearer {}", editor.token);
    let private = get(&app, query, &[("authorization", bearer.as_str())]).await;
    assert_eq!(private.header("cache-control").as_deref(), Some("private, no-cache"));
    let posted = app.post_graphql(query, Value::Null).await;
    assert_eq!(posted.header("cache-control").as_deref(), Some("no-store"));
    assert!(posted.header("etag").is_none());
});

db_test!(async fn responses_are_compressed_when_the_client_accepts_it(app) {
    app.seed_demo().await;
    let query = std::fs::read_to_string(format!("{}/../examples/queries/seed_article.graphql", env!("CARGO_MANIFEST_DIR"))).unwrap_or_default();
    for (accept, expected) in [("gzip", "gzip"), ("br", "br"), ("br;q=1.0, gzip;q=0.5", "br")] {
        let response = get(&app, &query, &[("accept-encoding", accept)]).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.header("content-encoding").as_deref(), Some(expected), "Accept-Encoding: {accept}");
    }
    let plain = get(&app, &query, &[]).await;
    assert!(plain.header("content-encoding").is_none());
    assert!(plain.json()["data"]["article"]["title"].is_string());
});

db_test!(async fn automatic_persisted_queries_work_over_get_and_post(app) {
    app.seed_demo().await;
    let query = "{ sections { slug } }";
    let hash = sha256(query);
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } }).to_string();
    let by_hash = format!("/graphql?extensions={}", encode(&extensions));

    let miss = get_uri(&app, &by_hash).await;
    assert_eq!(miss.status, StatusCode::OK);
    assert_eq!(miss.first_error_code().as_deref(), Some("PERSISTED_QUERY_NOT_FOUND"));

    let body = json!({ "query": query, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } }).to_string();
    let request = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap_or_else(|error| panic!("{error}"));
    let registered = app.send(request).await;
    assert_eq!(registered.json()["data"]["sections"][0]["slug"], "news-events");

    let hit = get_uri(&app, &by_hash).await;
    assert_eq!(hit.json()["data"]["sections"][0]["slug"], "news-events", "the hash alone now works");
    assert!(hit.header("etag").is_some());

    let wrong = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256("{ people { totalCount } }") } }).to_string();
    let mismatch = get_uri(&app, &format!("/graphql?query={}&extensions={}", encode(query), encode(&wrong))).await;
    assert_eq!(mismatch.first_error_code().as_deref(), Some("BAD_REQUEST"));

    // GET also takes operationName and variables.
    let named = "query A { sections { slug } } query B($s: String!) { section(slug: $s) { name } }";
    let uri = format!("/graphql?query={}&operationName=B&variables={}", encode(named), encode(r#"{"s":"events"}"#));
    assert_eq!(get_uri(&app, &uri).await.json()["data"]["section"]["name"], "Events");
});

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/queries");

db_test!(async fn allow_list_mode_runs_only_registered_operations_for_the_public(app, &["--persisted-queries-dir", EXAMPLES, "--persisted-queries-only", "true"]) {
    app.seed_demo().await;
    let arbitrary = get(&app, "{ people { totalCount } }", &[]).await;
    assert_eq!(arbitrary.status, StatusCode::FORBIDDEN);
    assert_eq!(arbitrary.first_error_code().as_deref(), Some("PERSISTED_QUERY_NOT_ALLOWED"));

    let registered = std::fs::read_to_string(format!("{EXAMPLES}/navigation.graphql")).unwrap_or_default();
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(&registered) } }).to_string();
    let by_hash = get_uri(&app, &format!("/graphql?extensions={}", encode(&extensions))).await;
    assert_eq!(by_hash.json()["data"]["sections"][0]["slug"], "news-events");
    let full_text = get(&app, &registered, &[]).await;
    assert_eq!(full_text.status, StatusCode::OK, "the registered text itself is allowed");

    // Signed-in editors are not limited to the list.
    let editor = app.user(UserRole::Editor).await;
    let data = app.query_as(&editor.token, "{ people { totalCount } }", json!({})).await;
    assert_eq!(data["people"]["totalCount"], 8);
});
