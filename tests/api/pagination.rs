//! Keyset cursor pagination: walks in both directions, counts, and refusals.

use chrono::{Duration, SubsecRound, Utc};
use newsdesk_tests::fixtures::{self, ArticleSpec};
use newsdesk_tests::{TestApp, db_test};
use serde_json::{Value, json};

const TOTAL: usize = 250;

const PAGE: &str = r#"
query Page($first: Int, $after: String, $last: Int, $before: String) {
  articles(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { slug } }
  }
}"#;

/// 250 published articles; every five share a publication time, so the id breaks ties.
async fn many_articles(app: &TestApp) {
    let section = fixtures::section(app.db(), "news", None).await;
    let base = Utc::now().trunc_subsecs(0) - Duration::days(1);
    for index in 0..TOTAL {
        let mut spec = ArticleSpec::published(&format!("a-{index:03}"), section, 0);
        spec.published_at = Some(base - Duration::minutes((index / 5) as i64));
        fixtures::article(app.db(), spec).await;
    }
}

fn slugs(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|edge| edge["node"]["slug"].as_str().map(str::to_owned))
        .collect()
}

db_test!(async fn a_cursor_walk_forward_and_backward_sees_every_article_once_in_the_same_order(app) {
    many_articles(&app).await;

    let mut forward = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app.query(PAGE, json!({ "first": 37, "after": after })).await["articles"].clone();
        assert_eq!(page["totalCount"], TOTAL);
        forward.extend(slugs(&page));
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
        assert!(forward.len() <= TOTAL, "the walk does not end");
    }

    let mut backward = Vec::new();
    let mut before = Value::Null;
    loop {
        let page = app.query(PAGE, json!({ "last": 41, "before": before })).await["articles"].clone();
        let mut chunk = slugs(&page);
        chunk.reverse();
        backward.extend(chunk);
        if page["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = page["pageInfo"]["startCursor"].clone();
        assert!(backward.len() <= TOTAL, "the walk does not end");
    }
    backward.reverse();

    let mut unique = forward.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), TOTAL, "no gaps, no duplicates");
    assert_eq!(forward.len(), TOTAL);
    assert_eq!(forward, backward, "same order both ways");
    // Newest first; within one publication time, the later id first.
    assert_eq!(&forward[..6], ["a-004", "a-003", "a-002", "a-001", "a-000", "a-009"]);
});

db_test!(async fn page_sizes_over_the_maximum_and_bad_cursors_are_refused(app) {
    many_articles(&app).await;
    let (code, message) = app.query_error(PAGE, json!({ "first": 101 })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("first"), "{message}");
    let (code, _) = app.query_error(PAGE, json!({ "last": 1000 })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    let (code, _) = app.query_error(PAGE, json!({ "first": -1 })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    let (code, _) = app.query_error(PAGE, json!({ "first": 5, "last": 5 })).await;
    assert_eq!(code, "BAD_USER_INPUT");

    let body = app.post_graphql(PAGE, json!({ "first": 5, "after": "not-a-cursor" })).await.json();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "after");

    // A cursor from another list is not a cursor of this one.
    let people = app.query("{ people(first: 1) { edges { cursor } } }", json!({})).await;
    assert_eq!(people["people"]["edges"], json!([]));
    let institutions = fixtures::institution(app.db(), "x", entities::enums::InstitutionKind::Other, None).await;
    assert!(institutions > 0);
    let cursor = app.query("{ institutions(first: 1) { edges { cursor } } }", json!({})).await["institutions"]["edges"][0]["cursor"].clone();
    let (code, _) = app.query_error(PAGE, json!({ "first": 5, "after": cursor })).await;
    assert_eq!(code, "BAD_USER_INPUT");

    // The maximum itself is fine.
    let page = app.query(PAGE, json!({ "first": 100 })).await;
    assert_eq!(slugs(&page["articles"]).len(), 100);
});
