//! The rendered-response cache: anonymous repeated reads run no SQL, a write shows at once on
//! the node that made it and within a second on another node, a scheduled article appears when
//! due without any write, and nothing a signed-in caller sees is ever given to anyone else.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use entities::enums::{ArticleStatus, UserRole};
use newsdesk::ids::{self, Kind};
use newsdesk_tests::fixtures::{self, ArticleSpec};
use newsdesk_tests::{TestApp, TestResponse, db_test};
use serde_json::{Value, json};

const NEWS: &str = "{ articles(first: 10) { edges { node { slug title } } } }";

async fn get(app: &TestApp, query: &str, token: Option<&str>, etag: Option<&str>) -> TestResponse {
    let url = format!(
        "/graphql?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("query", query)
            .finish()
    );
    send_get(app, &url, Some("application/json"), token, etag).await
}

/// A GET with the headers given.
async fn send_get(
    app: &TestApp,
    uri: &str,
    accept: Option<&str>,
    token: Option<&str>,
    etag: Option<&str>,
) -> TestResponse {
    let mut request = Request::builder().method(Method::GET).uri(uri);
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(etag) = etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    app.send(
        request
            .body(Body::empty())
            .unwrap_or_else(|error| panic!("{error}")),
    )
    .await
}

/// One field of every article in a list response.
fn edge_field(response: &TestResponse, field: &str) -> Vec<String> {
    let body = response.json();
    body["data"]["articles"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no list: {body}"))
        .iter()
        .map(|edge| edge["node"][field].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn slugs(response: &TestResponse) -> Vec<String> {
    edge_field(response, "slug")
}

fn titles(response: &TestResponse) -> Vec<String> {
    edge_field(response, "title")
}

async fn metric(app: &TestApp, name: &str) -> u64 {
    let request = Request::builder()
        .uri("/metrics")
        .body(Body::empty())
        .unwrap_or_else(|error| panic!("{error}"));
    let text = String::from_utf8(app.send(request).await.body).unwrap_or_default();
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// Asks until an answer comes from the cache (the cache starts serving once it has worked out
/// when the clock next changes answers, a moment after start or after a write).
async fn warm(app: &TestApp, query: &str) -> TestResponse {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let hits = metric(app, "newsdesk_response_cache_hits_total").await;
        let response = get(app, query, None, None).await;
        if metric(app, "newsdesk_response_cache_hits_total").await > hits {
            return response;
        }
        assert!(Instant::now() < deadline, "the cache never served {query}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn published_articles(app: &TestApp, count: i64) {
    let section = fixtures::section(app.db(), "news", None).await;
    for n in 1..=count {
        fixtures::article(
            app.db(),
            ArticleSpec::published(&format!("story-{n}"), section, n),
        )
        .await;
    }
}

async fn rename(app: &TestApp, token: &str, id: i64, title: &str) {
    let current = app
        .query_as(
            token,
            "query($slug: String!) { article(slug: $slug) { version } }",
            json!({ "slug": format!("story-{id}") }),
        )
        .await;
    app.query_as(
        token,
        "mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { article { title } } }",
        json!({ "input": {
            "id": ids::encode(Kind::Article, id),
            "version": current["article"]["version"],
            "title": title,
        } }),
    )
    .await;
}

db_test!(async fn repeated_anonymous_reads_run_no_sql_and_a_write_shows_at_once(app) {
    published_articles(&app, 3).await;
    let editor = app.user(UserRole::Editor).await;
    let first = warm(&app, NEWS).await;
    assert_eq!(slugs(&first), ["story-1", "story-2", "story-3"]);

    // A hit: the same bytes, no SQL; with the ETag, a 304, no SQL either.
    let before = app.statements();
    let again = get(&app, NEWS, None, None).await;
    assert_eq!(again.body, first.body);
    let etag = again.header("etag").unwrap_or_else(|| panic!("no ETag"));
    let not_modified = get(&app, NEWS, None, Some(&etag)).await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert_eq!(not_modified.header("etag").as_deref(), Some(etag.as_str()));
    assert_eq!(app.statements(), before, "cache hits ran SQL");

    // Anonymous POSTs of a query are cached the same way.
    app.post_graphql(NEWS, json!({})).await;
    let before = app.statements();
    let posted = app.post_graphql(NEWS, json!({})).await;
    assert_eq!(posted.status, StatusCode::OK);
    assert_eq!(app.statements(), before, "a repeated anonymous POST ran SQL");

    // A mutation that changes no content (a failed login) leaves the cache alone.
    let invalidations = metric(&app, "newsdesk_response_cache_invalidations_total").await;
    app.post_graphql(
        "mutation { login(email: \"nobody@example.org\", password: \"wrong password\") { accessToken } }",
        json!({}),
    )
    .await;
    assert_eq!(
        metric(&app, "newsdesk_response_cache_invalidations_total").await,
        invalidations,
        "a login emptied the cache"
    );
    let before = app.statements();
    get(&app, NEWS, None, None).await;
    assert_eq!(app.statements(), before, "the cache was not serving after a login");

    // A write through the API is visible to the very next anonymous read on this node.
    rename(&app, &editor.token, 2, "A new headline").await;
    let after = get(&app, NEWS, None, None).await;
    assert_eq!(titles(&after)[1], "A new headline");
    let posted = app.post_graphql(NEWS, json!({})).await;
    assert!(String::from_utf8_lossy(&posted.body).contains("A new headline"));
    // The old ETag no longer matches.
    assert_eq!(get(&app, NEWS, None, Some(&etag)).await.status, StatusCode::OK);

    // REST reads are cached and invalidated the same way.
    let rest = || async {
        let request = Request::builder()
            .uri("/api/v1/articles?limit=5")
            .body(Body::empty())
            .unwrap_or_else(|error| panic!("{error}"));
        app.send(request).await
    };
    rest().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    rest().await;
    let before = app.statements();
    let cached = rest().await;
    assert_eq!(cached.status, StatusCode::OK);
    assert_eq!(app.statements(), before, "a repeated REST read ran SQL");
    rename(&app, &editor.token, 1, "Another headline").await;
    assert!(String::from_utf8_lossy(&rest().await.body).contains("Another headline"));
});

db_test!(async fn another_node_shows_a_write_within_a_second(app) {
    published_articles(&app, 2).await;
    let editor = app.user(UserRole::Editor).await;
    let other = app.another_node().await;
    let before = warm(&other, NEWS).await;
    assert_eq!(titles(&before)[0], "Title of story-1");

    rename(&app, &editor.token, 1, "Written on the first node").await;
    let written = Instant::now();
    loop {
        let seen = get(&other, NEWS, None, None).await;
        if titles(&seen)[0] == "Written on the first node" {
            break;
        }
        assert!(
            written.elapsed() < Duration::from_secs(1),
            "the other node still served the old title after a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
});

db_test!(async fn a_scheduled_article_appears_when_due_without_any_write(app) {
    published_articles(&app, 1).await;
    let editor = app.user(UserRole::Editor).await;
    let section = fixtures::section(app.db(), "later", None).await;
    let due = app.scheduled_draft(&editor.token, section, "story-2").await;
    let before = warm(&app, NEWS).await;
    assert_eq!(slugs(&before), ["story-1"], "not yet due");
    let etag = before.header("etag").unwrap_or_else(|| panic!("no ETag"));
    assert_eq!(get(&app, NEWS, None, Some(&etag)).await.status, StatusCode::NOT_MODIFIED);
    let wait = (due - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(50)).await;
    let after = get(&app, NEWS, None, None).await;
    assert_eq!(slugs(&after), ["story-2", "story-1"], "due, and served at once");
    // A validator from before no longer matches: no 304 for the list without the new article.
    let revalidated = get(&app, NEWS, None, Some(&etag)).await;
    assert_eq!(revalidated.status, StatusCode::OK);
    assert_eq!(slugs(&revalidated), ["story-2", "story-1"]);
    // And later, once the cache serves again, never the answer from before.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let later = warm(&app, NEWS).await;
    assert_eq!(slugs(&later), ["story-2", "story-1"], "an answer from before was kept");
});

db_test!(async fn a_signed_in_callers_response_is_never_given_to_anyone_else(app) {
    published_articles(&app, 1).await;
    let section = fixtures::section(app.db(), "drafts", None).await;
    let mut spec = ArticleSpec::published("secret-draft", section, 0);
    spec.status = ArticleStatus::Draft;
    spec.published_at = None;
    let draft = fixtures::article(app.db(), spec).await;
    let editor = app.user(UserRole::Editor).await;

    // The editor asks first, then everyone else, then the editor again.
    let private = get(&app, NEWS, Some(&editor.token), None).await;
    assert!(slugs(&private).contains(&"secret-draft".to_owned()));
    assert!(private.header("cache-control").unwrap_or_default().starts_with("private"));
    let public = warm(&app, NEWS).await;
    assert_eq!(slugs(&public), ["story-1"]);
    let hits = metric(&app, "newsdesk_response_cache_hits_total").await;
    let private_again = get(&app, NEWS, Some(&editor.token), None).await;
    assert!(slugs(&private_again).contains(&"secret-draft".to_owned()));
    assert_eq!(
        metric(&app, "newsdesk_response_cache_hits_total").await,
        hits,
        "a signed-in request was answered from the shared cache"
    );
    for _ in 0..3 {
        assert_eq!(slugs(&get(&app, NEWS, None, None).await), ["story-1"]);
    }

    // A preview link's answer is private and never kept: when the article is gone, so is it.
    let token = app
        .query_as(
            &editor.token,
            "mutation($id: ID!) { createPreviewToken(articleId: $id) { token } }",
            json!({ "id": ids::encode(Kind::Article, draft) }),
        )
        .await["createPreviewToken"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let preview = format!("{{ articlePreview(token: \"{token}\") {{ slug }} }}");
    for _ in 0..2 {
        let response = get(&app, &preview, None, None).await;
        let body: Value = response.json();
        assert_eq!(body["data"]["articlePreview"]["slug"], json!("secret-draft"), "{body}");
        assert!(response.header("cache-control").unwrap_or_default().starts_with("private"));
    }
    let before = app.statements();
    get(&app, &preview, None, None).await;
    assert!(app.statements() > before, "a preview was served from the shared cache");
});

db_test!(async fn list_totals_are_counted_once_until_the_list_changes(app) {
    published_articles(&app, 3).await;
    let editor = app.user(UserRole::Editor).await;
    let total = |first: i64| {
        let app = &app;
        async move {
            let before = app.statements();
            let data = app
                .query(
                    "query($first: Int) { articles(first: $first) { totalCount edges { node { slug } } } }",
                    json!({ "first": first }),
                )
                .await;
            (data["articles"]["totalCount"].as_u64().unwrap_or(0), app.statements() - before)
        }
    };
    warm(&app, NEWS).await;
    // Different pages (different responses), one count.
    let (count, first_statements) = total(1).await;
    assert_eq!(count, 3);
    let (count, second_statements) = total(2).await;
    assert_eq!(count, 3);
    assert_eq!(second_statements + 1, first_statements, "the total was counted again");
    // A change through the API is counted at once.
    app.query_as(
        &editor.token,
        "mutation($id: ID!) { unpublishArticle(id: $id) { article { status } } }",
        json!({ "id": ids::encode(Kind::Article, 3) }),
    )
    .await;
    assert_eq!(total(3).await.0, 2);
});

db_test!(async fn identical_requests_arriving_together_are_rendered_once(app) {
    published_articles(&app, 3).await;
    warm(&app, NEWS).await;
    // Only articles (no section, person...: those rows are shared between renderings, so a
    // second rendering would cost fewer statements than the first).
    let burst_query = "{ articles(first: 3) { edges { node { slug title } } } }";
    let before = app.statements();
    let misses = metric(&app, "newsdesk_response_cache_misses_total").await;
    let responses =
        futures_util::future::join_all((0..8).map(|_| get(&app, burst_query, None, None))).await;
    let rendered = metric(&app, "newsdesk_response_cache_misses_total").await - misses;
    let burst = app.statements() - before;
    for response in &responses {
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.body, responses[0].body);
    }
    assert_eq!(slugs(&responses[0]), ["story-1", "story-2", "story-3"]);
    // What one rendering of the same shape costs.
    let before = app.statements();
    get(&app, "{ articles(first: 2) { edges { node { slug title } } } }", None, None).await;
    let one = app.statements() - before;
    assert!(one > 0);
    assert_eq!(burst, one, "eight identical requests at once were rendered more than once");
    assert_eq!(rendered, 1, "the others waited for the first, or found its answer");
});

async fn rest_get(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    etag: Option<&str>,
) -> TestResponse {
    send_get(app, path, None, token, etag).await
}

/// The ETag of `path` once the node knows where the content stands (a moment after start or
/// after a write): from then on it names the content's version (`"v-…"`).
async fn versioned_etag(app: &TestApp, path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let response = rest_get(app, path, None, None).await;
        assert_eq!(response.status, StatusCode::OK);
        let etag = response
            .header("etag")
            .unwrap_or_else(|| panic!("no ETag for {path}"));
        if etag.starts_with("\"v-") {
            return etag;
        }
        assert!(
            Instant::now() < deadline,
            "{path} never got a version ETag: {etag}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// With the response cache off, so that nothing is answered from memory: a conditional request for
// content that has not changed is answered 304 without rendering (the validator is where the
// content stands, not a hash of a rendered body), and never once it has changed.
db_test!(async fn a_304_for_unchanged_content_runs_no_sql_even_without_the_cache(app, &["--response-cache-mb", "0"]) {
    published_articles(&app, 3).await;
    let editor = app.user(UserRole::Editor).await;
    let list = "/api/v1/articles?limit=5";
    let graphql = format!(
        "/graphql?{}",
        url::form_urlencoded::Serializer::new(String::new()).append_pair("query", NEWS).finish()
    );
    let list_tag = versioned_etag(&app, list).await;
    let graphql_tag = versioned_etag(&app, &graphql).await;
    assert_ne!(list_tag, graphql_tag, "two resources, two validators");

    let before = app.statements();
    for (path, tag) in [(list, &list_tag), (graphql.as_str(), &graphql_tag)] {
        let response = rest_get(&app, path, None, Some(tag)).await;
        assert_eq!(response.status, StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(response.header("etag").as_deref(), Some(tag.as_str()));
        assert!(response.header("cache-control").unwrap_or_default().starts_with("public"), "{path}: a 304 carries the 200's Cache-Control");
        assert!(response.body.is_empty());
    }
    assert_eq!(app.statements(), before, "a 304 ran SQL");

    // The tag of one resource does not validate another, nor a signed-in caller's view.
    assert_eq!(rest_get(&app, "/api/v1/articles?limit=4", None, Some(&list_tag)).await.status, StatusCode::OK);
    let signed_in = rest_get(&app, list, Some(&editor.token), Some(&list_tag)).await;
    assert_eq!(signed_in.status, StatusCode::OK, "a signed-in caller got the public validator's 304");

    // Another node gives the same content the same validator.
    let other = app.another_node().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while rest_get(&other, list, None, Some(&list_tag)).await.status != StatusCode::NOT_MODIFIED {
        assert!(Instant::now() < deadline, "the other node never validated the first node's ETag");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A write: the old validator no longer matches, at once on this node...
    rename(&app, &editor.token, 2, "A new headline").await;
    let written = Instant::now();
    let after = rest_get(&app, list, None, Some(&list_tag)).await;
    assert_eq!(after.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&after.body).contains("A new headline"));
    assert_ne!(after.header("etag"), Some(list_tag.clone()));
    assert_eq!(rest_get(&app, &graphql, None, Some(&graphql_tag)).await.status, StatusCode::OK);
    // ...and within a second on the other.
    while rest_get(&other, list, None, Some(&list_tag)).await.status == StatusCode::NOT_MODIFIED {
        assert!(written.elapsed() < Duration::from_secs(1), "the other node still said 304 a second after a write");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The new version validates again, without rendering (once the search index has taken the
    // write in too, which moves the version once more).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let new_tag = versioned_etag(&app, list).await;
        let before = app.statements();
        let response = rest_get(&app, list, None, Some(&new_tag)).await;
        if response.status == StatusCode::NOT_MODIFIED && app.statements() == before {
            break;
        }
        assert!(Instant::now() < deadline, "the new version never validated without SQL");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
});

db_test!(async fn a_flood_of_one_off_queries_leaves_an_answer_read_often_in_the_cache(app, &["--response-cache-mb", "1"]) {
    app.seed_demo().await;
    // Once the node has taken in the demo content (its change log and its search index, each of
    // which empties the cache once), read three times at least: rendered, then answered from
    // the cache.
    let mut invalidations = metric(&app, "newsdesk_response_cache_invalidations_total").await;
    loop {
        tokio::time::sleep(Duration::from_millis(600)).await;
        let now = metric(&app, "newsdesk_response_cache_invalidations_total").await;
        if now == invalidations {
            break;
        }
        invalidations = now;
    }
    warm(&app, NEWS).await;
    warm(&app, NEWS).await;
    // Four hundred queries, each once, whose answers (about 9 KB each) weigh three times the
    // cache.
    for n in 0..400 {
        let query = format!("{{ a{n}: article(slug: \"{}\") {{ bodyHtml bodyText jsonLd }} }}", newsdesk::tools::seed::DEMO_ARTICLE_SLUG);
        assert_eq!(get(&app, &query, None, None).await.status, StatusCode::OK);
    }
    assert!(metric(&app, "newsdesk_response_cache_bytes").await <= 1024 * 1024, "the cache keeps within its size");
    assert!(metric(&app, "newsdesk_response_cache_entries").await < 400, "one-off answers passed through");
    let misses = metric(&app, "newsdesk_response_cache_misses_total").await;
    let hits = metric(&app, "newsdesk_response_cache_hits_total").await;
    assert_eq!(get(&app, NEWS, None, None).await.status, StatusCode::OK);
    assert_eq!(metric(&app, "newsdesk_response_cache_hits_total").await, hits + 1, "the answer read often is still kept");
    assert_eq!(metric(&app, "newsdesk_response_cache_misses_total").await, misses);
    assert_eq!(metric(&app, "newsdesk_response_cache_invalidations_total").await, invalidations, "nothing emptied the cache meanwhile");
});
