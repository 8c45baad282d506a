//! Shared rows: people, institutions, positions, sections and an article's links read by one
//! request are kept for the next ones on the node (the response cache off, or a signed-in
//! caller), and never outlive a change: a write shows at once on the node that made it, at once
//! to a signed-in caller on another node, and within a second to anonymous readers there; a
//! mutation's answer always shows its own write.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use entities::enums::{InstitutionKind, MentionRole, UserRole};
use newsdesk::ids::{self, Kind};
use newsdesk_tests::fixtures::{self, ArticleSpec, day};
use newsdesk_tests::{TestApp, db_test};
use serde_json::{Value, json};

const NEWS: &str = "{ articles(first: 5) { edges { node { slug section { name } \
    mentionedPeople { person { name positions { title institution { name } } } } } } } }";

/// One article naming one person, who holds one position at one institution.
struct Story {
    person: i64,
    position: i64,
    institution: i64,
}

async fn story(app: &TestApp) -> Story {
    let db = app.db();
    let section = fixtures::section(db, "news", None).await;
    let institution = fixtures::institution(db, "unit", InstitutionKind::Office, None).await;
    let article = fixtures::article(db, ArticleSpec::published("story", section, 1)).await;
    let person = fixtures::person(db, "wang-fang").await;
    let position = fixtures::position(
        db,
        person,
        institution,
        "Director",
        Some(day(2020, 1, 1)),
        None,
    )
    .await;
    fixtures::mention_person(db, article, person, MentionRole::Attendee).await;
    Story {
        person,
        position,
        institution,
    }
}

/// The first mentioned person of the first article: name and first position's title.
fn mentioned(data: &Value) -> (String, String) {
    let person = &data["articles"]["edges"][0]["node"]["mentionedPeople"][0]["person"];
    (
        person["name"].as_str().unwrap_or_default().to_owned(),
        person["positions"][0]["title"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// Statements run by an anonymous news list, and what it showed.
async fn anonymous(app: &TestApp) -> (u64, (String, String)) {
    let before = app.statements();
    let data = app.query(NEWS, json!({})).await;
    (app.statements() - before, mentioned(&data))
}

/// Waits until this node has read the change log once (rows are shared from then on).
async fn settled(app: &TestApp) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut previous = anonymous(app).await.0;
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = anonymous(app).await.0;
        if now == previous {
            return now;
        }
        assert!(Instant::now() < deadline, "statement counts never settled");
        previous = now;
    }
}

async fn rename(app: &TestApp, token: &str, person: i64, name: &str) -> Value {
    let id = ids::encode(Kind::Person, person);
    let current = app
        .query_as(
            token,
            "query { person(slug: \"wang-fang\") { version } }",
            json!({}),
        )
        .await;
    app.query_as(
        token,
        "mutation($input: UpdatePersonInput!) { updatePerson(input: $input) { person { name } } }",
        json!({ "input": { "id": id, "version": current["person"]["version"], "name": name } }),
    )
    .await
}

db_test!(async fn a_second_rendering_reads_shared_rows_and_a_write_shows_at_once(app, &["--response-cache-mb", "0"]) {
    let story = story(&app).await;
    let editor = app.user(UserRole::Editor).await;
    let (first, shown) = anonymous(&app).await;
    assert_eq!(shown, ("wang fang".to_owned(), "Director".to_owned()));
    let again = settled(&app).await;
    // Section, person, position and institution are not read again (nor is the list's page:
    // see `kept_reads`).
    assert!(again < first, "nothing was shared: {first} then {again} statements");
    assert!(again <= 2, "a second rendering ran {again} statements");

    let renamed = rename(&app, &editor.token, story.person, "Wang Fang").await;
    assert_eq!(renamed["updatePerson"]["person"]["name"], "Wang Fang");
    let (_, shown) = anonymous(&app).await;
    assert_eq!(shown.0, "Wang Fang", "the writing node served a row from before its write");
});

db_test!(async fn a_mutations_answer_shows_its_own_write(app, &["--response-cache-mb", "0"]) {
    let story = story(&app).await;
    let editor = app.user(UserRole::Editor).await;
    settled(&app).await;
    // The person's positions are now shared rows; the answer must not come from them.
    let query = "mutation($input: UpdatePositionInput!) { updatePosition(input: $input) { \
        position { title person { positions { title } } } } }";
    let current = app
        .query_as(
            &editor.token,
            "query { person(slug: \"wang-fang\") { positions { version } } }",
            json!({}),
        )
        .await;
    let data = app
        .query_as(
            &editor.token,
            query,
            json!({ "input": {
                "id": ids::encode(Kind::Position, story.position),
                "version": current["person"]["positions"][0]["version"],
                "person": ids::encode(Kind::Person, story.person),
                "institution": ids::encode(Kind::Institution, story.institution),
                "title": "President",
                "startedOn": "2020-01-01",
            } }),
        )
        .await;
    let position = &data["updatePosition"]["position"];
    assert_eq!(position["title"], "President");
    assert_eq!(position["person"]["positions"][0]["title"], "President");
    assert_eq!(anonymous(&app).await.1 .1, "President");
});

db_test!(async fn another_node_shares_no_row_older_than_its_caller_may_see(app, &["--response-cache-mb", "0"]) {
    let story = story(&app).await;
    let editor = app.user(UserRole::Editor).await;
    let other = app.another_node().await;
    settled(&other).await;
    // A signed-in reader on the other node fills the shared rows there too.
    let signed_in = other.query_as(&editor.token, NEWS, json!({})).await;
    assert_eq!(mentioned(&signed_in).0, "wang fang");

    rename(&app, &editor.token, story.person, "Wang Fang").await;
    // Signed in: everything committed before the request, on the first request.
    let signed_in = other.query_as(&editor.token, NEWS, json!({})).await;
    assert_eq!(mentioned(&signed_in).0, "Wang Fang", "a signed-in caller got a row from before");
    // Anonymous: within a second.
    let written = Instant::now();
    while anonymous(&other).await.1 .0 != "Wang Fang" {
        assert!(
            written.elapsed() < Duration::from_secs(1),
            "the other node still served the old name after a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
});

/// The REST list's first mentioned person, and the statements the request ran.
async fn rest_list(app: &TestApp, token: Option<&str>) -> (u64, String) {
    let authorization = token.map(|token| format!("Bearer {token}"));
    let headers: Vec<(&str, &str)> = authorization
        .iter()
        .map(|value| ("authorization", value.as_str()))
        .collect();
    let before = app.statements();
    let response = app.get("/api/v1/articles?limit=5", &headers).await;
    let ran = app.statements() - before;
    assert_eq!(response.status, StatusCode::OK);
    let name = response.json()["items"][0]["mentionedPeople"][0]["person"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (ran, name)
}

db_test!(async fn the_rest_list_reads_shared_rows_and_never_older_ones_than_its_caller_may_see(app, &["--response-cache-mb", "0"]) {
    let story = story(&app).await;
    let editor = app.user(UserRole::Editor).await;
    let other = app.another_node().await;
    settled(&app).await;
    let (first, name) = rest_list(&app, None).await;
    assert_eq!(name, "wang fang");
    let (again, _) = rest_list(&app, None).await;
    // The article's links, people and sections are not read again (nor is the page).
    assert!(again < first, "nothing was shared: {first} then {again} statements");
    assert!(again <= 2, "a second REST rendering ran {again} statements");
    settled(&other).await;
    assert_eq!(rest_list(&other, Some(&editor.token)).await.1, "wang fang");

    rename(&app, &editor.token, story.person, "Wang Fang").await;
    assert_eq!(rest_list(&app, None).await.1, "Wang Fang", "the writing node served an old row");
    assert_eq!(
        rest_list(&other, Some(&editor.token)).await.1,
        "Wang Fang",
        "a signed-in caller on another node got a row from before"
    );
});

db_test!(async fn queries_wait_their_turn_to_render_and_all_get_answers(app, &["--response-cache-mb", "0", "--max-concurrent-renders", "1"]) {
    let story = story(&app).await;
    let editor = app.user(UserRole::Editor).await;
    // Twelve readers at once through one turn, and a writer beside them.
    let reads = futures_util::future::join_all((0..12).map(|_| anonymous(&app)));
    let write = rename(&app, &editor.token, story.person, "Wang Fang");
    let (reads, written) = tokio::time::timeout(Duration::from_secs(20), async {
        tokio::join!(reads, write)
    })
    .await
    .unwrap_or_else(|_| panic!("queries waiting for a turn never got one"));
    assert_eq!(written["updatePerson"]["person"]["name"], "Wang Fang");
    for (_, shown) in reads {
        assert_eq!(shown.1, "Director");
    }
});
