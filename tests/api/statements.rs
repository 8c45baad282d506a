//! The news list runs a number of SQL statements that does not grow with the page size.

use entities::enums::{InstitutionKind, MentionRole};
use newsdesk_tests::fixtures::{self, ArticleSpec, day};
use newsdesk_tests::{TestApp, db_test};
use serde_json::json;

async fn rich_articles(app: &TestApp, count: usize) {
    let db = app.db();
    let parent = fixtures::section(db, "news", None).await;
    let section = fixtures::section(db, "events", Some(parent)).await;
    for index in 0..count {
        let unit =
            fixtures::institution(db, &format!("unit-{index}"), InstitutionKind::Office, None)
                .await;
        let mut spec =
            ArticleSpec::published(&format!("article-{index}"), section, index as i64 + 1);
        spec.source_institution = Some(unit);
        let article = fixtures::article(db, spec).await;
        for author in 0..2 {
            let person = fixtures::person(db, &format!("author-{index}-{author}")).await;
            fixtures::author(db, article, person).await;
        }
        for position in 0..2 {
            fixtures::photo(db, article, position).await;
        }
        for mention in 0..3 {
            let person = fixtures::person(db, &format!("official-{index}-{mention}")).await;
            fixtures::position(db, person, unit, "Director", Some(day(2020, 1, 1)), None).await;
            fixtures::position(
                db,
                person,
                unit,
                "Deputy",
                Some(day(2015, 1, 1)),
                Some(day(2019, 12, 31)),
            )
            .await;
            fixtures::mention_person(db, article, person, MentionRole::Attendee).await;
        }
        fixtures::mention_institution(db, article, unit).await;
    }
}

async fn statements_for(app: &TestApp, query: &str, first: usize) -> u64 {
    let before = app.statements();
    let data = app.query(query, json!({ "first": first })).await;
    let after = app.statements();
    let edges = data["articles"]["edges"]
        .as_array()
        .map(Vec::len)
        .unwrap_or_default();
    assert_eq!(edges, first, "the page is full");
    let people = &data["articles"]["edges"][0]["node"]["mentionedPeople"];
    assert_eq!(
        people.as_array().map(Vec::len),
        Some(3),
        "relations are loaded"
    );
    assert_eq!(
        people[0]["person"]["positions"].as_array().map(Vec::len),
        Some(2)
    );
    after - before
}

// With the response cache off: this counts what rendering a list costs, not what is cached.
db_test!(async fn the_news_list_runs_as_many_statements_for_50_articles_as_for_5(app, &["--response-cache-mb", "0"]) {
    rich_articles(&app, 50).await;
    let query = std::fs::read_to_string(format!("{}/../examples/queries/news_list.graphql", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_default();
    // The public total is counted once per version of the content, so the first requests after
    // start may count it: measure once that has settled.
    let mut previous = statements_for(&app, &query, 1).await;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let now = statements_for(&app, &query, 1).await;
        if now == previous {
            break;
        }
        previous = now;
    }
    let five = statements_for(&app, &query, 5).await;
    let fifty = statements_for(&app, &query, 50).await;
    assert_eq!(five, fifty, "statements must not grow with the page size");
    assert!(five <= 12, "the news list should need few statements, ran {five}");
    eprintln!("news list: {five} SQL statements per request");
});
