//! Search: English and Chinese, visibility, the change log keeping the index current, and bad
//! queries.

use std::time::Duration;

use entities::enums::UserRole;
use newsdesk_tests::{TestApp, TestUser, db_test};
use serde_json::{Value, json};

const SEARCH: &str = "query($q: String!, $types: [SearchType!]) { search(query: $q, types: $types) { pageInfo { hasNextPage } edges { cursor node { type score titleHtml snippetHtml node { ... on Article { slug } ... on Person { slug } ... on Agreement { slug } ... on Institution { slug } } } } } }";

async fn slugs(app: &TestApp, token: Option<&str>, query: &str, types: Value) -> Vec<String> {
    let variables = json!({ "q": query, "types": types });
    let data = match token {
        Some(token) => app.query_as(token, SEARCH, variables).await,
        None => app.query(SEARCH, variables).await,
    };
    data["search"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|edge| edge["node"]["node"]["slug"].as_str().map(str::to_owned))
        .collect()
}

/// Waits until `query` finds `slug` (or stops finding it), as the change log feeds the index.
async fn eventually(app: &TestApp, token: Option<&str>, query: &str, slug: &str, present: bool) {
    for _ in 0..40 {
        if slugs(app, token, query, Value::Null)
            .await
            .iter()
            .any(|found| found == slug)
            == present
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "`{query}` {} `{slug}` in time",
        if present {
            "never found"
        } else {
            "still finds"
        }
    );
}

async fn article(app: &TestApp, editor: &TestUser, title: &str, body: &str, locale: &str) -> Value {
    let section = app
        .query(r#"{ section(slug: "events") { id } }"#, json!({}))
        .await["section"]["id"]
        .clone();
    app.query_as(
        &editor.token,
        "mutation($i: CreateArticleInput!) { createArticle(input: $i) { article { id slug } } }",
        json!({ "i": { "title": title, "body": body, "section": section, "locale": locale } }),
    )
    .await["createArticle"]["article"]
        .clone()
}

db_test!(async fn english_and_chinese_words_find_what_the_public_may_see(app) {
    app.seed_demo().await;
    let editor = app.user(UserRole::Editor).await;
    // The demo content: stemming finds "agreement" from "agreements", case folded.
    eventually(&app, None, "Agreements", "szpu-gxmpc-pairing-assistance-agreement-2024", true).await;
    let people = slugs(&app, None, "Jianling", json!(["PERSON"])).await;
    assert_eq!(people, ["xu-jianling"]);
    let agreements = slugs(&app, None, "cadre exchanges", json!(["AGREEMENT"])).await;
    assert_eq!(agreements.first().map(String::as_str), Some("guangdong-guangxi-vocational-colleges-pairing-assistance-2024"));

    // A Chinese article, as a draft: found by editors, not by the public.
    let zh = article(&app, &editor, "深职大与广西现代职院签署新一轮对口帮扶协议", "双方将在职业教育领域开展对口帮扶工作。", "ZH").await;
    let slug = zh["slug"].as_str().unwrap_or_default().to_owned();
    eventually(&app, Some(&editor.token), "对口帮扶", &slug, true).await;
    assert!(slugs(&app, None, "对口帮扶", Value::Null).await.iter().all(|found| found != &slug), "a draft is not found anonymously");

    // Published: the public finds it, by words segmented from the running text.
    app.query_as(&editor.token, "mutation($id: ID!) { publishArticle(id: $id) { article { id } } }", json!({ "id": zh["id"] })).await;
    eventually(&app, None, "职业教育", &slug, true).await;
    let hit = app.query(SEARCH, json!({ "q": "对口帮扶" })).await["search"]["edges"][0]["node"].clone();
    assert_eq!(hit["node"]["slug"], slug.as_str(), "the Chinese article ranks first");
    assert!(hit["titleHtml"].as_str().unwrap_or_default().contains("<b>"), "matched words are highlighted: {hit}");

    // Unpublished: gone from public results as fast.
    app.query_as(&editor.token, "mutation($id: ID!) { unpublishArticle(id: $id) { article { id } } }", json!({ "id": zh["id"] })).await;
    eventually(&app, None, "职业教育", &slug, false).await;
});

db_test!(async fn bad_queries_get_an_answer_or_a_clear_error(app) {
    app.seed_demo().await;
    for query in ["\"unbalanced quote", "AND OR NOT", "title:(", "*", "a\u{1b}b\u{7}c", "((((", "-", "对口帮扶\"", "+-+-"] {
        let response = app.post_graphql(SEARCH, json!({ "q": query })).await;
        let body = response.json();
        assert_eq!(response.status.as_u16(), 200, "{query:?}: {body}");
        assert!(body.get("errors").is_none(), "{query:?} gets an answer: {body}");
    }
    for query in ["".to_owned(), "   ".to_owned(), "x".repeat(10_000)] {
        let (code, field) = app.error_as(None, SEARCH, json!({ "q": query })).await;
        assert_eq!((code.as_str(), field.as_deref()), ("BAD_USER_INPUT", Some("query")));
    }
    // A NUL character is refused with the whole request, wherever it is (PostgreSQL cannot hold
    // one in text, so no field accepts it).
    let (code, _) = app.error_as(None, SEARCH, json!({ "q": "a\u{0}b" })).await;
    assert_eq!(code, "BAD_USER_INPUT");
});

db_test!(async fn a_rebuilt_index_gives_the_same_results(app) {
    app.seed_demo().await;
    eventually(&app, None, "pairing", "szpu-gxmpc-pairing-assistance-agreement-2024", true).await;
    let before = slugs(&app, None, "pairing assistance Guangxi", Value::Null).await;
    let count = app.state.search.rebuild(&app.state.db.conn).await.unwrap_or_else(|error| panic!("{error}"));
    assert!(count >= 1 + 8 + 9 + 2, "every article, person, institution and agreement: {count}");
    let after = slugs(&app, None, "pairing assistance Guangxi", Value::Null).await;
    assert_eq!(before, after);
    assert!(!after.is_empty());
});

db_test!(async fn pinyin_traditional_phrases_suggestions_facets_and_filters(app) {
    app.seed_demo().await;
    let editor = app.user(UserRole::Editor).await;
    let person = app
        .query_as(&editor.token, r#"mutation { createPerson(input: { name: "Xu Jian-ling", nameZh: "许建领", slug: "xu-jianling-zh" }) { person { slug } } }"#, json!({}))
        .await;
    assert_eq!(person["createPerson"]["person"]["slug"], "xu-jianling-zh");
    eventually(&app, None, "xujianling", "xu-jianling-zh", true).await;
    assert!(slugs(&app, None, "许建领", json!(["PERSON"])).await.contains(&"xu-jianling-zh".to_owned()));
    assert!(slugs(&app, None, "Xu Jianling", json!(["PERSON"])).await.contains(&"xu-jianling".to_owned()));

    // Traditional and Simplified find each other.
    let traditional = article(&app, &editor, "職業教育對口幫扶", "兩校將深化對口幫扶合作。", "ZH").await;
    app.query_as(&editor.token, "mutation($id: ID!) { publishArticle(id: $id) { article { id } } }", json!({ "id": traditional["id"] })).await;
    let slug = traditional["slug"].as_str().unwrap_or_default().to_owned();
    eventually(&app, None, "对口帮扶", &slug, true).await;
    eventually(&app, None, "對口幫扶", &slug, true).await;

    // A phrase must match in order.
    let english = article(&app, &editor, "Faculty development day", "Teachers met for faculty development and exchanges.", "EN").await;
    app.query_as(&editor.token, "mutation($id: ID!) { publishArticle(id: $id) { article { id } } }", json!({ "id": english["id"] })).await;
    let english_slug = english["slug"].as_str().unwrap_or_default().to_owned();
    eventually(&app, None, "\"faculty development\"", &english_slug, true).await;
    assert!(!slugs(&app, None, "\"development faculty\"", json!(["ARTICLE"])).await.contains(&english_slug), "words out of order are not the phrase");

    // Suggestions as the user types.
    let suggestions = app.query("{ suggest(prefix: \"guang\") { text type } }", json!({})).await;
    let texts: Vec<&str> = suggestions["suggest"].as_array().into_iter().flatten().filter_map(|item| item["text"].as_str()).collect();
    assert!(texts.contains(&"Guangxi Modern Polytechnic College"), "{texts:?}");
    let (code, field) = app.error_as(None, "{ suggest(prefix: \"\") { text } }", json!({})).await;
    assert_eq!((code.as_str(), field.as_deref()), ("BAD_USER_INPUT", Some("prefix")));

    // Facets count the hits by type, section and year.
    let facets = app
        .query("{ search(query: \"development OR 对口帮扶 OR agreement\") { facets { types { type count } sections { section { slug } count } years { year count } } } }", json!({}))
        .await;
    let types = &facets["search"]["facets"]["types"];
    assert!(types.as_array().is_some_and(|types| types.iter().any(|entry| entry["type"] == "ARTICLE" && entry["count"].as_i64() >= Some(3))), "{facets}");
    assert_eq!(facets["search"]["facets"]["sections"][0]["section"]["slug"], "events");
    assert!(facets["search"]["facets"]["years"].as_array().is_some_and(|years| !years.is_empty()));

    // The search's own filters, as a results page offers them from the facets.
    let zh_only = app
        .query(&SEARCH.replace("types: $types", "types: $types, filter: { locale: ZH }"), json!({ "q": "对口帮扶 OR development" }))
        .await;
    let found: Vec<&str> = zh_only["search"]["edges"].as_array().into_iter().flatten().filter_map(|edge| edge["node"]["node"]["slug"].as_str()).collect();
    assert!(found.contains(&slug.as_str()) && !found.contains(&english_slug.as_str()), "{found:?}");

    // A text query combined with the article filters.
    let filtered = app
        .query("{ articles(filter: { query: \"对口帮扶\", locale: ZH }) { totalCount edges { node { slug } } } }", json!({}))
        .await;
    assert_eq!(filtered["articles"]["totalCount"], 1);
    assert_eq!(filtered["articles"]["edges"][0]["node"]["slug"], slug.as_str());

    // REST.
    let request = axum::http::Request::builder()
        .uri(format!("/api/v1/search?q={}&types=article", url::form_urlencoded::byte_serialize("对口帮扶".as_bytes()).collect::<String>()))
        .body(axum::body::Body::empty())
        .unwrap_or_else(|error| panic!("{error}"));
    let response = app.send(request).await;
    assert_eq!(response.status.as_u16(), 200);
    assert_eq!(response.json()["items"][0]["slug"], slug.as_str());
    let request = axum::http::Request::builder().uri("/api/v1/search?q=").body(axum::body::Body::empty()).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(app.send(request).await.json()["error"]["field"], "q");
});
