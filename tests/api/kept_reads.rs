//! Kept reads: a page of a list and an article by slug are read from the database once per
//! change and kept on the node for every caller who sees the same articles (the response cache
//! off, or a signed-in caller). They never outlive a change: a publish shows at once on the node
//! that made it, at once to a signed-in caller on another node, within a second to anonymous
//! readers there, and a scheduled article appears when due; and no caller is ever given a read
//! kept for a caller who sees other articles (drafts).

use std::time::{Duration, Instant};

use entities::enums::UserRole;
use newsdesk::ids::{self, Kind};
use newsdesk_tests::fixtures::{self, ArticleSpec};
use newsdesk_tests::{TestApp, db_test};
use serde_json::{Value, json};

const NEWS: &str = "{ articles(first: 10) { totalCount edges { node { slug title } } } }";
const ARTICLE: &str = "query($slug: String!) { article(slug: $slug) { slug title } }";

fn slugs(data: &Value) -> Vec<String> {
    data["articles"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no list: {data}"))
        .iter()
        .map(|edge| edge["node"]["slug"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The news list as `token`'s holder (anonymous without), and the statements it ran.
async fn news(app: &TestApp, token: Option<&str>) -> (Vec<String>, u64) {
    let before = app.statements();
    let data = match token {
        Some(token) => app.query_as(token, NEWS, json!({})).await,
        None => app.query(NEWS, json!({})).await,
    };
    (slugs(&data), app.statements() - before)
}

/// The title of the article with `slug` as `token`'s holder sees it (`None`: not visible), and
/// the statements the request ran.
async fn article(app: &TestApp, token: Option<&str>, slug: &str) -> (Option<String>, u64) {
    let before = app.statements();
    let variables = json!({ "slug": slug });
    let data = match token {
        Some(token) => app.query_as(token, ARTICLE, variables).await,
        None => app.query(ARTICLE, variables).await,
    };
    let title = data["article"]["title"].as_str().map(str::to_owned);
    (title, app.statements() - before)
}

/// Reads the anonymous news list until it runs no SQL (the node keeps reads once it has read
/// the change log and worked out the clock's next horizon, a moment after start or a write).
async fn kept(app: &TestApp) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (slugs, statements) = news(app, None).await;
        if statements == 0 {
            return slugs;
        }
        assert!(Instant::now() < deadline, "the news list was never kept");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn published(app: &TestApp, count: i64) -> i64 {
    let section = fixtures::section(app.db(), "news", None).await;
    for n in 1..=count {
        let spec = ArticleSpec::published(&format!("story-{n}"), section, n);
        fixtures::article(app.db(), spec).await;
    }
    section
}

/// Creates an article through the API as `token`'s holder; published when `publish`.
async fn create(app: &TestApp, token: &str, section: i64, slug: &str, publish: bool) -> String {
    let created = app
        .query_as(
            token,
            "mutation($i: CreateArticleInput!) { createArticle(input: $i) { article { id } } }",
            json!({ "i": {
                "title": format!("Title of {slug}"),
                "slug": slug,
                "body": "Body.",
                "section": ids::encode(Kind::Section, section),
            } }),
        )
        .await;
    let id = created["createArticle"]["article"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("not created: {created}"))
        .to_owned();
    if publish {
        app.query_as(
            token,
            "mutation($id: ID!) { publishArticle(id: $id) { article { status } } }",
            json!({ "id": id }),
        )
        .await;
    }
    id
}

db_test!(async fn a_kept_page_runs_no_sql_and_a_write_shows_at_once(app, &["--response-cache-mb", "0"]) {
    let section = published(&app, 2).await;
    let editor = app.user(UserRole::Editor).await;
    assert_eq!(kept(&app).await, ["story-1", "story-2"]);
    // An article by slug is kept the same way.
    let (title, _) = article(&app, None, "story-2").await;
    assert_eq!(title.as_deref(), Some("Title of story-2"));
    let (_, again) = article(&app, None, "story-2").await;
    assert_eq!(again, 0, "a kept article was read again");

    // A publish through the API shows in the very next read on this node, total included.
    create(&app, &editor.token, section, "fresh", true).await;
    let data = app.query(NEWS, json!({})).await;
    assert_eq!(slugs(&data), ["fresh", "story-1", "story-2"]);
    assert_eq!(data["articles"]["totalCount"], 3);
    // So does a new title, in the list and by slug.
    let version = app.query_as(&editor.token, "{ article(slug: \"story-2\") { version } }", json!({})).await;
    app.query_as(
        &editor.token,
        "mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { article { title } } }",
        json!({ "input": {
            "id": ids::encode(Kind::Article, 2),
            "version": version["article"]["version"],
            "title": "A new headline",
        } }),
    )
    .await;
    assert_eq!(article(&app, None, "story-2").await.0.as_deref(), Some("A new headline"));
    let data = app.query(NEWS, json!({})).await;
    assert_eq!(data["articles"]["edges"][2]["node"]["title"], "A new headline");
});

db_test!(async fn a_kept_read_is_never_given_to_a_caller_who_sees_other_articles(app, &["--response-cache-mb", "0"]) {
    let section = published(&app, 1).await;
    let editor = app.user(UserRole::Editor).await;
    let author = app.user(UserRole::Author).await;
    let other_author = app.user(UserRole::Author).await;
    create(&app, &author.token, section, "author-draft", false).await;

    // Anonymous readers first, so that their reads are kept before anyone else asks.
    assert_eq!(kept(&app).await, ["story-1"]);
    assert_eq!(article(&app, None, "author-draft").await.0, None);
    assert_eq!(article(&app, None, "author-draft").await.0, None);
    // Those who see drafts see them, however often they ask, and whoever asked before.
    for _ in 0..2 {
        let (slugs, _) = news(&app, Some(&editor.token)).await;
        assert_eq!(slugs, ["author-draft", "story-1"], "the editor was given the public list");
        let (slugs, _) = news(&app, Some(&author.token)).await;
        assert_eq!(slugs, ["author-draft", "story-1"], "the author was not given their draft");
        let (slugs, _) = news(&app, Some(&other_author.token)).await;
        assert_eq!(slugs, ["story-1"], "an author was given another author's draft");
        let (title, _) = article(&app, Some(&editor.token), "author-draft").await;
        assert_eq!(title.as_deref(), Some("Title of author-draft"));
        assert_eq!(article(&app, Some(&other_author.token), "author-draft").await.0, None);
        assert_eq!(news(&app, None).await.0, ["story-1"], "the public was given a draft");
        assert_eq!(article(&app, None, "author-draft").await.0, None);
    }
    // A signed-in caller's reads are kept too: only the change log's position is read.
    let (_, statements) = news(&app, Some(&editor.token)).await;
    assert_eq!(statements, 1, "the editor's list was read again");
});

db_test!(async fn another_node_keeps_no_read_older_than_its_caller_may_see(app, &["--response-cache-mb", "0"]) {
    let section = published(&app, 1).await;
    let editor = app.user(UserRole::Editor).await;
    let other = app.another_node().await;
    assert_eq!(kept(&other).await, ["story-1"]);
    assert_eq!(news(&other, Some(&editor.token)).await.0, ["story-1"]);

    create(&app, &editor.token, section, "fresh", true).await;
    // Signed in: everything committed before the request, on the first request.
    let (slugs, _) = news(&other, Some(&editor.token)).await;
    assert_eq!(slugs, ["fresh", "story-1"], "a signed-in caller got a list from before");
    // Anonymous: within a second.
    let written = Instant::now();
    while news(&other, None).await.0 != ["fresh", "story-1"] {
        assert!(
            written.elapsed() < Duration::from_secs(1),
            "the other node still served the old list after a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
});

db_test!(async fn a_scheduled_article_leaves_no_kept_read_behind_when_due(app, &["--response-cache-mb", "0"]) {
    let section = published(&app, 1).await;
    let editor = app.user(UserRole::Editor).await;
    let due = app.scheduled_draft(&editor.token, section, "story-2").await;
    assert_eq!(kept(&app).await, ["story-1"], "not yet due");
    assert_eq!(article(&app, None, "story-2").await.0, None);
    assert_eq!(article(&app, None, "story-2").await.0, None);
    let wait = (due - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(50)).await;
    assert_eq!(news(&app, None).await.0, ["story-2", "story-1"], "due, and served at once");
    let (title, _) = article(&app, None, "story-2").await;
    assert_eq!(title.as_deref(), Some("Title of story-2"), "due, and served at once");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(kept(&app).await, ["story-2", "story-1"], "a read from before was kept");
});

db_test!(async fn with_kept_reads_off_every_page_is_read_and_totals_stay_kept(app, &["--response-cache-mb", "0", "--kept-reads-mb", "0"]) {
    published(&app, 2).await;
    // Settled once the total is kept: then each list reads its page, and only that.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (slugs, statements) = news(&app, None).await;
        assert_eq!(slugs, ["story-1", "story-2"]);
        if statements == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the list ran {statements} statements, never 1");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(news(&app, None).await.1, 1, "a page was kept with kept reads off");
    let (title, _) = article(&app, None, "story-1").await;
    assert_eq!(title.as_deref(), Some("Title of story-1"));
    assert_eq!(article(&app, None, "story-1").await.1, 1, "an article was kept with kept reads off");
    // Nor are reads shared: readers at once each read the page.
    let queries: Vec<String> = (0..8)
        .map(|n| format!("{{ articles(first: 1) {{ edges {{ node {{ slug }} }} }} reader{n}: __typename }}"))
        .collect();
    let before = app.statements();
    futures_util::future::join_all(queries.iter().map(|query| app.query(query, json!({})))).await;
    assert_eq!(app.statements() - before, 8, "readers shared a read with kept reads off");
});

db_test!(async fn readers_arriving_together_share_one_read(app, &["--response-cache-mb", "0"]) {
    published(&app, 3).await;
    kept(&app).await;
    // A page nobody has read yet (as after a publish drops every kept read), asked for by 16
    // readers at once in 16 different documents (so that no response is shared): they share
    // one read of it.
    let queries: Vec<String> = (0..16)
        .map(|n| format!("{{ articles(first: 2) {{ edges {{ node {{ slug }} }} }} reader{n}: __typename }}"))
        .collect();
    let before = app.statements();
    let readers = queries.iter().map(|query| app.query(query, json!({})));
    let answers = futures_util::future::join_all(readers).await;
    let statements = app.statements() - before;
    for data in &answers {
        assert_eq!(slugs(data), ["story-1", "story-2"]);
    }
    assert!(statements <= 2, "16 readers at once ran {statements} statements");
});
