//! The sync feed: an initial pass, then every change, deletions and scheduled publications
//! included.

use std::collections::BTreeMap;

use entities::enums::UserRole;
use newsdesk_tests::{TestApp, db_test};
use serde_json::{Value, json};

const SYNC: &str = "query($t: String, $types: [SyncType!], $first: Int = 100, $drafts: Boolean = false) { sync(token: $t, types: $types, first: $first, includeDrafts: $drafts) { nextToken hasMore items { type id operation node { ... on Article { title status } ... on Person { name } } } } }";

/// A mirror kept up to date through the feed.
#[derive(Default)]
struct Mirror {
    token: Option<String>,
    rows: BTreeMap<String, Value>,
    deletes_seen: Vec<String>,
}

impl Mirror {
    async fn catch_up(&mut self, app: &TestApp, token: Option<&str>, variables: Value) {
        loop {
            let mut vars = variables.clone();
            vars["t"] = json!(self.token);
            let data = match token {
                Some(token) => app.query_as(token, SYNC, vars).await,
                None => app.query(SYNC, vars).await,
            };
            let page = &data["sync"];
            for item in page["items"].as_array().into_iter().flatten() {
                let id = item["id"].as_str().unwrap_or_default().to_owned();
                if item["operation"] == "UPSERT" {
                    self.rows.insert(id, item["node"].clone());
                } else {
                    self.rows.remove(&id);
                    self.deletes_seen.push(id);
                }
            }
            self.token = page["nextToken"].as_str().map(str::to_owned);
            if page["hasMore"] == false {
                break;
            }
        }
    }

    fn titles(&self) -> Vec<String> {
        let mut titles: Vec<String> = self
            .rows
            .values()
            .filter_map(|row| row["title"].as_str().map(str::to_owned))
            .collect();
        titles.sort();
        titles
    }
}

const CREATE: &str =
    "mutation($i: CreateArticleInput!) { createArticle(input: $i) { article { id version } } }";

db_test!(async fn the_feed_mirrors_the_public_view_with_deletions_and_scheduled_articles(app) {
    app.seed_demo().await;
    let editor = app.user(UserRole::Editor).await;
    let mut mirror = Mirror::default();
    mirror.catch_up(&app, None, json!({ "first": 3 })).await;
    assert_eq!(mirror.rows.len(), 2 + 9 + 8 + 7 + 2 + 1, "sections, institutions, people, positions, agreements, the article");
    let section = app.query(r#"{ section(slug: "events") { id } }"#, json!({})).await["section"]["id"].clone();

    let create = |title: &'static str| {
        let (app, token, section) = (&app, editor.token.clone(), section.clone());
        async move {
            app.query_as(&token, CREATE, json!({ "i": { "title": title, "body": "x", "section": section } })).await["createArticle"]["article"]["id"].clone()
        }
    };
    let kept = create("Kept").await;
    let unpublished = create("Unpublished").await;
    let deleted = create("Deleted").await;
    let draft = create("Still a draft").await;
    for id in [&kept, &unpublished, &deleted] {
        app.query_as(&editor.token, "mutation($id: ID!) { publishArticle(id: $id) { article { id } } }", json!({ "id": id })).await;
    }
    mirror.catch_up(&app, None, json!({ "first": 2 })).await;
    assert!(mirror.titles().contains(&"Deleted".to_owned()));
    app.query_as(&editor.token, "mutation($id: ID!) { unpublishArticle(id: $id) { article { id } } }", json!({ "id": unpublished })).await;
    app.query_as(&editor.token, "mutation($id: ID!) { deleteArticle(id: $id, version: 2) { deletedId } }", json!({ "id": deleted })).await;
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    app.query_as(&editor.token, "mutation($id: ID!, $at: DateTime) { publishArticle(id: $id, at: $at) { article { id } } }", json!({ "id": draft, "at": at })).await;

    mirror.catch_up(&app, None, json!({ "first": 2 })).await;
    let titles = mirror.titles();
    assert!(titles.contains(&"Kept".to_owned()));
    assert!(!titles.contains(&"Unpublished".to_owned()), "unpublished is a deletion from the public view");
    assert!(!titles.contains(&"Deleted".to_owned()));
    assert!(!titles.contains(&"Still a draft".to_owned()), "scheduled, not yet public");
    assert!(mirror.deletes_seen.contains(&deleted.as_str().unwrap_or_default().to_owned()));

    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    mirror.catch_up(&app, None, json!({ "first": 2 })).await;
    assert!(mirror.titles().contains(&"Still a draft".to_owned()), "a scheduled article enters the feed when its time comes");

    // The mirror equals the public view.
    let public = app.query("{ articles(first: 100) { edges { node { title } } } }", json!({})).await;
    let mut expected: Vec<String> = public["articles"]["edges"].as_array().into_iter().flatten().filter_map(|edge| edge["node"]["title"].as_str().map(str::to_owned)).collect();
    expected.sort();
    assert_eq!(mirror.titles(), expected);
});

db_test!(async fn filtering_by_type_keeps_that_types_deletions_and_drafts_need_a_right(app) {
    app.seed_demo().await;
    let editor = app.user(UserRole::Editor).await;
    let author = app.user(UserRole::Author).await;
    let admin = app.user(UserRole::Admin).await;
    let token_with = |scopes: Value| {
        let (app, admin) = (&app, &admin);
        async move {
            app.query_as(&admin.token, "mutation($s: [String!]!) { createApiToken(name: \"mirror\", scopes: $s) { token } }", json!({ "s": scopes }))
                .await["createApiToken"]["token"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        }
    };
    let integrator = token_with(json!(["content:read", "content:drafts"])).await;
    let reader = token_with(json!(["content:read"])).await;
    let mut articles_only = Mirror::default();
    articles_only.catch_up(&app, None, json!({ "types": ["ARTICLE"] })).await;
    assert_eq!(articles_only.rows.len(), 1);
    let mut with_drafts = Mirror::default();
    with_drafts.catch_up(&app, Some(&integrator), json!({ "types": ["ARTICLE"], "drafts": true })).await;

    let person = app.query_as(&editor.token, r#"mutation { createPerson(input: { name: "Someone" }) { person { id } } }"#, json!({})).await;
    let section = app.query(r#"{ section(slug: "events") { id } }"#, json!({})).await["section"]["id"].clone();
    let draft = app.query_as(&editor.token, CREATE, json!({ "i": { "title": "Draft", "body": "x", "section": section } })).await;
    let seeded = app.query(r#"{ article(slug: "szpu-gxmpc-pairing-assistance-agreement-2024") { id version } }"#, json!({})).await;
    app.query_as(&editor.token, "mutation($id: ID!, $v: Int!) { deleteArticle(id: $id, version: $v) { deletedId } }", json!({ "id": seeded["article"]["id"], "v": seeded["article"]["version"] })).await;

    articles_only.catch_up(&app, None, json!({ "types": ["ARTICLE"] })).await;
    assert!(articles_only.rows.is_empty(), "the deletion of an article reaches an article-only reader");
    assert!(!articles_only.deletes_seen.contains(&person["createPerson"]["person"]["id"].as_str().unwrap_or_default().to_owned()));
    with_drafts.catch_up(&app, Some(&integrator), json!({ "types": ["ARTICLE"], "drafts": true })).await;
    assert_eq!(with_drafts.titles(), ["Draft"], "integrators may mirror drafts");
    assert!(draft["createArticle"]["article"]["id"].is_string());

    let (code, _) = app.error_as(None, SYNC, json!({ "drafts": true })).await;
    assert_eq!(code, "UNAUTHENTICATED");
    let (code, _) = app.error_as(Some(&author.token), SYNC, json!({ "drafts": true })).await;
    assert_eq!(code, "FORBIDDEN");
    // A token to read content reads what the public reads: its feed has no drafts.
    let (code, _) = app.error_as(Some(&reader), SYNC, json!({ "drafts": true })).await;
    assert_eq!(code, "FORBIDDEN", "`content:read` does not mirror drafts");
    let mut reading = Mirror::default();
    reading.catch_up(&app, Some(&reader), json!({ "types": ["ARTICLE"] })).await;
    assert!(reading.titles().is_empty(), "`content:read` sees no draft: {:?}", reading.titles());
    let (code, field) = app.error_as(Some(&admin.token), "mutation { createApiToken(name: \"x\", scopes: [\"content:write\"]) { token } }", json!({})).await;
    assert_eq!((code.as_str(), field.as_deref()), ("BAD_USER_INPUT", Some("scopes")), "an unknown scope is refused");
    let (code, field) = app.error_as(None, SYNC, json!({ "t": "not-a-token" })).await;
    assert_eq!((code.as_str(), field.as_deref()), ("BAD_USER_INPUT", Some("token")));
});
