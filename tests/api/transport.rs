//! GraphQL over HTTP: methods, media types, limits and status codes.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use newsdesk_tests::fixtures::{self, ArticleSpec};
use newsdesk_tests::{TestApp, TestResponse, db_test};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const GQL_RESPONSE: &str = "application/graphql-response+json";

fn get(path_and_query: &str, accept: &str) -> Request<Body> {
    Request::builder()
        .method(Method::GET)
        .uri(path_and_query)
        .header(header::ACCEPT, accept)
        .body(Body::empty())
        .unwrap_or_else(|error| panic!("{error}"))
}

fn post(content_type: Option<&str>, accept: &str, body: impl Into<Body>) -> Request<Body> {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::ACCEPT, accept);
    if let Some(content_type) = content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    builder
        .body(body.into())
        .unwrap_or_else(|error| panic!("{error}"))
}

fn graphql_body(query: &str) -> String {
    json!({ "query": query }).to_string()
}

fn assert_refused(response: &TestResponse, status: StatusCode, code: &str) {
    let body = response.json();
    assert_eq!(response.status, status, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
    assert!(
        body.get("data").is_none(),
        "a refused request has no data: {body}"
    );
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

db_test!(async fn queries_work_over_get_and_post_with_the_negotiated_media_type(app) {
    let get_query = format!("/graphql?query={}", url_encode("{ sections { slug } }"));
    let response = app.send(get(&get_query, GQL_RESPONSE)).await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.header("content-type").is_some_and(|ct| ct.starts_with(GQL_RESPONSE)));
    assert_eq!(response.json()["data"]["sections"], json!([]));
    assert!(response.header("x-request-id").is_some_and(|id| !id.is_empty()), "every response carries a request id");

    let response = app.send(post(Some("application/json"), "application/json", graphql_body("{ sections { slug } }"))).await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.header("content-type").is_some_and(|ct| ct.starts_with("application/json")));

    let response = app.send(post(Some("application/json; charset=utf-8"), "application/json;q=0.5, application/graphql-response+json", graphql_body("{ sections { slug } }"))).await;
    assert!(response.header("content-type").is_some_and(|ct| ct.starts_with(GQL_RESPONSE)), "higher q wins");

    let response = app.send(post(Some("application/json"), "text/csv", graphql_body("{ sections { slug } }"))).await;
    assert_refused(&response, StatusCode::NOT_ACCEPTABLE, "NOT_ACCEPTABLE");

    let response = app.send(get("/graphql", "text/html")).await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&response.body).contains("graphiql"), "a browser gets GraphiQL");
});

db_test!(async fn a_mutation_over_get_gets_405(app) {
    let uri = format!("/graphql?query={}", url_encode("mutation { anything }"));
    let response = app.send(get(&uri, GQL_RESPONSE)).await;
    assert_refused(&response, StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");
    assert_eq!(response.header("allow").as_deref(), Some("POST"));

    let put = Request::builder().method(Method::PUT).uri("/graphql").body(Body::empty()).unwrap_or_else(|e| panic!("{e}"));
    let response = app.send(put).await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
});

db_test!(async fn unsupported_content_types_get_415(app) {
    for content_type in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None, Some("application/json; charset=latin1")] {
        let response = app.send(post(content_type, GQL_RESPONSE, graphql_body("{ sections { slug } }"))).await;
        assert_refused(&response, StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE");
    }
});

db_test!(async fn a_body_over_the_limit_gets_413(app, &["--max-body-bytes", "2048"]) {
    let query = format!("{{ sections {{ slug }} }} # {}", "x".repeat(4000));
    let response = app.send(post(Some("application/json"), GQL_RESPONSE, graphql_body(&query))).await;
    assert_refused(&response, StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
    let response = app.send(post(Some("application/json"), GQL_RESPONSE, graphql_body("{ sections { slug } }"))).await;
    assert_eq!(response.status, StatusCode::OK, "a small body still passes");
});

db_test!(async fn documents_that_fail_to_parse_or_validate_get_400_without_data(app) {
    let cases = [
        ("{ sections { slug }", "GRAPHQL_PARSE_FAILED"),
        ("{ sections { noSuchField } }", "GRAPHQL_VALIDATION_FAILED"),
        ("query A { sections { slug } } query B { sections { slug } }", "OPERATION_NOT_FOUND"),
    ];
    for (query, code) in cases {
        let response = app.send(post(Some("application/json"), GQL_RESPONSE, graphql_body(query))).await;
        assert_refused(&response, StatusCode::BAD_REQUEST, code);
        // Under the legacy media type the specification asks for 200, still without data.
        let response = app.send(post(Some("application/json"), "application/json", graphql_body(query))).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.json()["errors"][0]["extensions"]["code"], code);
        assert!(response.json().get("data").is_none());
    }
    let response = app.send(post(Some("application/json"), GQL_RESPONSE, "{ not json")).await;
    assert_refused(&response, StatusCode::BAD_REQUEST, "BAD_REQUEST");
    let response = app.send(post(Some("application/json"), GQL_RESPONSE, "{}")).await;
    assert_refused(&response, StatusCode::BAD_REQUEST, "BAD_REQUEST");
});

db_test!(async fn a_request_validated_before_is_answered_as_on_first_sight(app) {
    app.seed_demo().await;
    async fn send(app: &TestApp, variables: Value) -> TestResponse {
        let query = "query Q($first: Int) { articles(first: $first) { nodes { slug } } }";
        let body = json!({ "query": query, "variables": variables }).to_string();
        app.send(post(Some("application/json"), GQL_RESPONSE, body)).await
    }
    let skipped = |app: &TestApp| app.engine.documents.validations_skipped();

    let first = send(&app, json!({ "first": 1 })).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(skipped(&app), 0, "seen for the first time: validated in full");
    let again = send(&app, json!({ "first": 1 })).await;
    assert_eq!(skipped(&app), 1, "the same request again: not validated again");
    assert_eq!(first.json(), again.json());
    assert_eq!(first.json()["data"]["articles"]["nodes"].as_array().map(Vec::len), Some(1));

    // Other variables are other requests: a bad value is refused in validation, exactly as a
    // node that never saw the document refuses it.
    let bad = json!({ "first": "one" });
    let here = send(&app, bad.clone()).await;
    assert_eq!(skipped(&app), 1);
    let fresh = app.another_node().await;
    let there = send(&fresh, bad).await;
    assert_refused(&here, StatusCode::BAD_REQUEST, "GRAPHQL_VALIDATION_FAILED");
    assert_eq!(here.json(), there.json());
    let twice = send(&app, json!({ "first": "one" })).await;
    assert_refused(&twice, StatusCode::BAD_REQUEST, "GRAPHQL_VALIDATION_FAILED");
    assert_eq!(skipped(&app), 1, "a refused request is never taken as validated");
});

db_test!(async fn batches_are_refused_unless_enabled(app) {
    let batch = json!([{ "query": "{ sections { slug } }" }, { "query": "{ people { totalCount } }" }]).to_string();
    let response = app.send(post(Some("application/json"), GQL_RESPONSE, batch)).await;
    assert_refused(&response, StatusCode::BAD_REQUEST, "BATCH_NOT_ENABLED");
});

db_test!(async fn batches_run_when_enabled(app, &["--graphql-batch", "true"]) {
    app.seed_demo().await;
    let list = "{ articles(first: 1) { nodes { slug section { slug } } } }";
    let batch = json!([{ "query": "{ sections { slug } }" }, { "query": "{ people(first: 0) { totalCount } }" }, { "query": list }]).to_string();
    let response = app.send(post(Some("application/json"), GQL_RESPONSE, batch)).await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.json()[1]["data"]["people"]["totalCount"].as_u64().is_some_and(|n| n > 0));
    // Article nodes (written as JSON directly) arrive as objects, as they do alone.
    let alone = app.query(list, json!({})).await;
    assert_eq!(response.json()[2]["data"], alone);
    assert!(alone["articles"]["nodes"][0]["section"]["slug"].is_string(), "{alone}");
    assert_eq!(response.header("cache-control").as_deref(), Some("no-store"), "batches are POSTs: never stored");
});

async fn refused_with(app: &TestApp, query: &str, code: &str) {
    let response = app
        .send(post(
            Some("application/json"),
            GQL_RESPONSE,
            graphql_body(query),
        ))
        .await;
    assert_refused(&response, StatusCode::BAD_REQUEST, code);
    assert!(
        response.json()["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

db_test!(async fn documents_over_each_limit_are_refused_with_a_clear_code(app) {
    let nested = format!("{{ institution(slug: \"x\") {{ {}slug{} }} }}", "parent { ".repeat(12), " }".repeat(12));
    refused_with(&app, &nested, "QUERY_TOO_DEEP").await;

    let complex = "{ articles(first: 100) { edges { node { mentionedPeople { person { articles(first: 100) { edges { node { id title } } } } } } } } }";
    refused_with(&app, complex, "QUERY_TOO_COMPLEX").await;

    let aliases: String = (0..31).map(|i| format!("a{i}: sections {{ slug }} ")).collect();
    refused_with(&app, &format!("{{ {aliases} }}"), "TOO_MANY_ALIASES").await;

    let directives = "{ sections @include(if: true) @include(if: true) @include(if: true) @include(if: true) @include(if: true) { slug } }";
    refused_with(&app, directives, "TOO_MANY_DIRECTIVES").await;

    // Just inside the limits is fine.
    let aliases: String = (0..30).map(|i| format!("a{i}: sections {{ slug }} ")).collect();
    app.query(&format!("{{ {aliases} }}"), json!({})).await;
});

db_test!(async fn health_probes_answer(app) {
    let response = app.send(get("/healthz", "application/json")).await;
    assert_eq!(response.status, StatusCode::OK);
    let response = app.send(get("/readyz", "application/json")).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json()["status"], "ready");
});

db_test!(async fn internal_errors_are_generic_and_leak_nothing(app) {
    let section = fixtures::section(app.db(), "news", None).await;
    fixtures::article(app.db(), ArticleSpec::published("one", section, 1)).await;
    app.db().execute_unprepared("DROP TABLE media").await.unwrap_or_else(|e| panic!("{e}"));
    let response = app.post_graphql("{ articles { edges { node { slug media { url } } } } }", Value::Null).await;
    let body = response.json();
    assert_eq!(response.status, StatusCode::OK, "a field error is not a request error: {body}");
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "INTERNAL_SERVER_ERROR");
    assert_eq!(error["message"], "internal server error");
    assert_eq!(error["extensions"].as_object().map(|ext| ext.len()), Some(1), "only the code: {body}");
    let text = body.to_string().to_lowercase();
    for leak in ["select ", "from ", "no such table", "does not exist", "sqlx", ".rs:"] {
        assert!(!text.contains(leak), "the response leaks `{leak}`: {body}");
    }
});
