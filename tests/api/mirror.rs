//! A mirror of every entity type, kept through the sync feed while an editor makes random
//! creates, updates, publications, unpublications and deletes (cascading ones included), equals
//! the view through the API at the end, entity for entity: for the public and for an editor
//! mirroring drafts. And a draft that never went public leaves no trace in the public feed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use entities::enums::UserRole;
use newsdesk_tests::{TestApp, db_test};
use serde_json::{Value, json};

/// What the mirror keeps of each entity: its own fields and the ids it points at.
const FIELDS: &str = "fragment F on Node { id
  ... on Section { slug name position parent { id } }
  ... on Institution { slug name kind parent { id } }
  ... on Person { slug name nameZh }
  ... on Position { title isCurrent person { id } institution { id } }
  ... on Agreement { slug title kind predecessor { id } parties { institution { id } role } signatories { person { id } institution { id } } }
  ... on Article { slug title status locale section { id } translationOf { id }
    byline { institution { id } authors { id } }
    mentionedPeople { person { id } roles }
    mentionedInstitutions { id } relatedAgreements { id } }
}";

/// A pseudo-random sequence (xorshift), the same for every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &'a [String]) -> Option<&'a String> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }

    fn some(&mut self, items: &[String], most: usize) -> Vec<String> {
        let mut chosen: Vec<String> = (0..self.below(most + 1))
            .filter_map(|_| self.pick(items).cloned())
            .collect();
        chosen.sort();
        chosen.dedup();
        chosen
    }
}

/// The ids of what the demo holds and what the writer made, by type.
#[derive(Default)]
struct Known {
    sections: Vec<String>,
    institutions: Vec<String>,
    people: Vec<String>,
    positions: Vec<String>,
    agreements: Vec<String>,
    articles: Vec<String>,
    /// Deleted: the mirrors must not hold them.
    gone: Vec<String>,
}

impl Known {
    fn all(&self) -> BTreeSet<String> {
        [
            &self.gone,
            &self.sections,
            &self.institutions,
            &self.people,
            &self.positions,
            &self.agreements,
            &self.articles,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
    }
}

/// An editor's mutation; a refusal (a delete of something still in use, a stale version) is
/// part of the game and must change nothing.
async fn mutate(app: &TestApp, token: &str, query: &str, variables: Value) -> Option<Value> {
    let body = app
        .post_graphql_as(Some(token), query, variables)
        .await
        .json();
    if let Some(errors) = body.get("errors") {
        let code = errors[0]["extensions"]["code"].as_str().unwrap_or_default();
        assert!(
            matches!(code, "CONFLICT" | "BAD_USER_INPUT" | "NOT_FOUND"),
            "a refusal, not a failure: {body}"
        );
        return None;
    }
    Some(body["data"].clone())
}

async fn version(app: &TestApp, token: &str, id: &str) -> Option<i64> {
    let data = app
        .query_as(
            token,
            "query($id: ID!) { node(id: $id) { ... on Section { version } ... on Institution { version } ... on Person { version } ... on Position { version } ... on Agreement { version } ... on Article { version } } }",
            json!({ "id": id }),
        )
        .await;
    data["node"]["version"].as_i64()
}

fn created(data: Option<Value>, field: &str, entity: &str) -> Option<String> {
    data?[field][entity]["id"].as_str().map(str::to_owned)
}

/// After a delete that went through, `id` is gone (what its deletion took with it stays in the
/// lists: writes naming it are refused).
fn deleted(data: Option<Value>, list: &mut Vec<String>, id: &str, gone: &mut Vec<String>) {
    if data.is_some() {
        list.retain(|known| known != id);
        gone.push(id.to_owned());
    }
}

/// One random write.
async fn write_once(app: &TestApp, token: &str, rng: &mut Rng, known: &mut Known, step: usize) {
    let events = known.sections[0].clone();
    match rng.below(22) {
        0 => {
            let parent = rng.pick(&known.institutions).cloned();
            let data = mutate(app, token, "mutation($i: CreateInstitutionInput!) { createInstitution(input: $i) { institution { id } } }",
                json!({ "i": { "name": format!("Institution {step}"), "kind": "UNIVERSITY", "parent": parent } })).await;
            known
                .institutions
                .extend(created(data, "createInstitution", "institution"));
        }
        1 => {
            if let Some(id) = rng.pick(&known.institutions).cloned() {
                let Some(version) = version(app, token, &id).await else {
                    return;
                };
                mutate(app, token, "mutation($i: UpdateInstitutionInput!) { updateInstitution(input: $i) { institution { id } } }",
                    json!({ "i": { "id": id, "version": version, "name": format!("Renamed institution {step}"), "kind": "COLLEGE" } })).await;
            }
        }
        2 => {
            if let Some(id) = rng.pick(&known.institutions).cloned() {
                let Some(version) = version(app, token, &id).await else {
                    return;
                };
                let data = mutate(app, token, "mutation($id: ID!, $v: Int!) { deleteInstitution(id: $id, version: $v) { deletedId } }", json!({ "id": id, "v": version })).await;
                deleted(data, &mut known.institutions, &id, &mut known.gone);
            }
        }
        3 | 4 => {
            let data = mutate(
                app,
                token,
                "mutation($i: CreatePersonInput!) { createPerson(input: $i) { person { id } } }",
                json!({ "i": { "name": format!("Person {step}") } }),
            )
            .await;
            known.people.extend(created(data, "createPerson", "person"));
        }
        5 => {
            if let Some(id) = rng.pick(&known.people).cloned() {
                let Some(version) = version(app, token, &id).await else {
                    return;
                };
                mutate(app, token, "mutation($i: UpdatePersonInput!) { updatePerson(input: $i) { person { id } } }",
                    json!({ "i": { "id": id, "version": version, "name": format!("Renamed person {step}"), "nameZh": "改名" } })).await;
            }
        }
        6 | 7 => {
            if let Some(id) = rng.pick(&known.people).cloned() {
                let Some(version) = version(app, token, &id).await else {
                    return;
                };
                let data = mutate(app, token, "mutation($id: ID!, $v: Int!) { deletePerson(id: $id, version: $v) { deletedId } }", json!({ "id": id, "v": version })).await;
                deleted(data, &mut known.people, &id, &mut known.gone);
            }
        }
        8 | 9 => {
            let (Some(person), Some(institution)) = (
                rng.pick(&known.people).cloned(),
                rng.pick(&known.institutions).cloned(),
            ) else {
                return;
            };
            let data = mutate(app, token, "mutation($i: CreatePositionInput!) { createPosition(input: $i) { position { id } } }",
                json!({ "i": { "person": person, "institution": institution, "title": format!("Title {step}") } })).await;
            known
                .positions
                .extend(created(data, "createPosition", "position"));
        }
        10 if rng.below(2) == 0 => {
            if let Some(id) = rng.pick(&known.positions).cloned() {
                let Some(version) = version(app, token, &id).await else {
                    return;
                };
                let data = mutate(app, token, "mutation($id: ID!, $v: Int!) { deletePosition(id: $id, version: $v) { deletedId } }", json!({ "id": id, "v": version })).await;
                deleted(data, &mut known.positions, &id, &mut known.gone);
            }
        }
        10 => {
            if let Some(id) = rng.pick(&known.positions).cloned() {
                let Some(version) = version(app, token, &id).await else {
                    return;
                };
                let (Some(person), Some(institution)) = (
                    rng.pick(&known.people).cloned(),
                    rng.pick(&known.institutions).cloned(),
                ) else {
                    return;
                };
                mutate(app, token, "mutation($i: UpdatePositionInput!) { updatePosition(input: $i) { position { id } } }",
                    json!({ "i": { "id": id, "version": version, "person": person, "institution": institution, "title": format!("Retitled {step}"), "isCurrent": false } })).await;
            }
        }
        11 => {
            let parties: Vec<Value> = rng
                .some(&known.institutions, 3)
                .into_iter()
                .map(|id| json!({ "institution": id, "role": "PARTY" }))
                .collect();
            let signatories: Vec<Value> = rng
                .some(&known.people, 2)
                .into_iter()
                .map(|id| json!({ "person": id, "institution": rng.pick(&known.institutions) }))
                .collect();
            let predecessor = rng.pick(&known.agreements).cloned();
            let data = mutate(app, token, "mutation($i: CreateAgreementInput!) { createAgreement(input: $i) { agreement { id } } }",
                json!({ "i": { "title": format!("Agreement {step}"), "kind": "MEMORANDUM", "parties": parties, "signatories": signatories, "predecessor": predecessor } })).await;
            known
                .agreements
                .extend(created(data, "createAgreement", "agreement"));
        }
        12 => {
            if let Some(id) = rng.pick(&known.agreements).cloned() {
                let Some(version) = version(app, token, &id).await else {
                    return;
                };
                let data = mutate(app, token, "mutation($id: ID!, $v: Int!) { deleteAgreement(id: $id, version: $v) { deletedId } }", json!({ "id": id, "v": version })).await;
                deleted(data, &mut known.agreements, &id, &mut known.gone);
            }
        }
        13..=15 => {
            let locale = if rng.below(2) == 0 { "EN" } else { "ZH" };
            let original = rng
                .pick(&known.articles)
                .cloned()
                .filter(|_| rng.below(3) == 0);
            let people: Vec<Value> = rng
                .some(&known.people, 2)
                .into_iter()
                .map(|id| json!({ "person": id, "roles": ["ATTENDEE"] }))
                .collect();
            let input = json!({
                "title": format!("Article {step}"), "body": "Text.", "section": events, "locale": locale,
                "translationOf": original, "sourceInstitution": rng.pick(&known.institutions),
                "authors": rng.some(&known.people, 2), "people": people,
                "institutions": rng.some(&known.institutions, 2), "agreements": rng.some(&known.agreements, 1),
            });
            let data = mutate(
                app,
                token,
                "mutation($i: CreateArticleInput!) { createArticle(input: $i) { article { id } } }",
                json!({ "i": input }),
            )
            .await;
            known
                .articles
                .extend(created(data, "createArticle", "article"));
        }
        16 | 17 => {
            if let Some(id) = rng.pick(&known.articles).cloned() {
                mutate(
                    app,
                    token,
                    "mutation($id: ID!) { publishArticle(id: $id) { article { id } } }",
                    json!({ "id": id }),
                )
                .await;
            }
        }
        18 => {
            if let Some(id) = rng.pick(&known.articles).cloned() {
                mutate(
                    app,
                    token,
                    "mutation($id: ID!) { unpublishArticle(id: $id) { article { id } } }",
                    json!({ "id": id }),
                )
                .await;
            }
        }
        19 => {
            if let Some(id) = rng.pick(&known.articles).cloned() {
                let Some(version) = version(app, token, &id).await else {
                    return;
                };
                mutate(app, token, "mutation($i: UpdateArticleInput!) { updateArticle(input: $i) { article { id } } }",
                    json!({ "i": { "id": id, "version": version, "title": format!("Retitled article {step}"), "institutions": rng.some(&known.institutions, 2) } })).await;
            }
        }
        20 => {
            if let Some(id) = rng.pick(&known.articles).cloned() {
                let Some(version) = version(app, token, &id).await else {
                    return;
                };
                let data = mutate(app, token, "mutation($id: ID!, $v: Int!) { deleteArticle(id: $id, version: $v) { deletedId } }", json!({ "id": id, "v": version })).await;
                deleted(data, &mut known.articles, &id, &mut known.gone);
            }
        }
        _ => {
            if rng.below(2) == 0 {
                let data = mutate(app, token, "mutation($i: CreateSectionInput!) { createSection(input: $i) { section { id } } }",
                    json!({ "i": { "name": format!("Section {step}"), "parent": events } })).await;
                known
                    .sections
                    .extend(created(data, "createSection", "section"));
            } else if known.sections.len() > 1 {
                let id = known.sections[1 + rng.below(known.sections.len() - 1)].clone();
                let Some(version) = version(app, token, &id).await else {
                    return;
                };
                let data = mutate(app, token, "mutation($id: ID!, $v: Int!) { deleteSection(id: $id, version: $v) { deletedId } }", json!({ "id": id, "v": version })).await;
                deleted(data, &mut known.sections, &id, &mut known.gone);
            }
        }
    }
}

/// A copy of what one caller may see, kept through the feed.
struct Mirror {
    token: Option<String>,
    rows: BTreeMap<String, Value>,
    /// The caller's access token; `None` for the public.
    caller: Option<String>,
    drafts: bool,
}

impl Mirror {
    /// Reads one page of the feed; returns whether more was waiting.
    async fn pull(&mut self, app: &TestApp) -> bool {
        let query = format!(
            "query($t: String, $d: Boolean!) {{ sync(token: $t, first: 7, includeDrafts: $d) {{ nextToken hasMore items {{ id operation node {{ ...F }} }} }} }} {FIELDS}"
        );
        let variables = json!({ "t": self.token, "d": self.drafts });
        let body = app
            .post_graphql_as(self.caller.as_deref(), &query, variables)
            .await
            .json();
        if let Some(errors) = body.get("errors").and_then(Value::as_array) {
            // Something this page names was deleted while the page was read: the feed says
            // so, and reading the same page again gives a consistent answer.
            assert!(
                errors
                    .iter()
                    .all(|error| error["extensions"]["code"] == "NOT_FOUND"),
                "{body}"
            );
            return true;
        }
        let page = &body["data"]["sync"];
        for item in page["items"].as_array().into_iter().flatten() {
            let id = item["id"].as_str().unwrap_or_default().to_owned();
            match item["operation"].as_str() {
                Some("UPSERT") => {
                    self.rows.insert(id, item["node"].clone());
                }
                _ => {
                    self.rows.remove(&id);
                }
            }
        }
        self.token = page["nextToken"].as_str().map(str::to_owned);
        page["hasMore"] == true
    }

    /// What the API shows the same caller of every id in `ids`.
    async fn api_view(&self, app: &TestApp, ids: &BTreeSet<String>) -> BTreeMap<String, Value> {
        let query = format!("query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ...F }} }} {FIELDS}");
        let ids: Vec<&String> = ids.iter().collect();
        let mut view = BTreeMap::new();
        for chunk in ids.chunks(100) {
            let variables = json!({ "ids": chunk });
            let data = match &self.caller {
                Some(token) => app.query_as(token, &query, variables).await,
                None => app.query(&query, variables).await,
            };
            for node in data["nodes"].as_array().into_iter().flatten() {
                if let Some(id) = node["id"].as_str() {
                    view.insert(id.to_owned(), node.clone());
                }
            }
        }
        view
    }
}

async fn demo_ids(app: &TestApp, editor: &str) -> Known {
    let data = app
        .query_as(editor, r#"{ section(slug: "events") { id } sections { id } institutions(first: 100) { nodes { id positions { id } } } people(first: 100) { nodes { id } } agreements(first: 100) { nodes { id } } articles(first: 100) { nodes { id } } }"#, json!({}))
        .await;
    let ids = |list: &Value| -> Vec<String> {
        list.as_array()
            .into_iter()
            .flatten()
            .filter_map(|node| node["id"].as_str().map(str::to_owned))
            .collect()
    };
    let events = data["section"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut sections = vec![events.clone()];
    sections.extend(
        ids(&data["sections"])
            .into_iter()
            .filter(|id| *id != events),
    );
    Known {
        // The first is where articles are filed; the others are never deleted while in use.
        sections,
        institutions: ids(&data["institutions"]["nodes"]),
        people: ids(&data["people"]["nodes"]),
        positions: data["institutions"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|node| ids(&node["positions"]))
            .collect(),
        agreements: ids(&data["agreements"]["nodes"]),
        articles: ids(&data["articles"]["nodes"]),
        gone: Vec::new(),
    }
}

db_test!(async fn mirrors_kept_through_the_feed_equal_the_api_entity_for_entity(app) {
    app.seed_demo().await;
    let editor = app.user(UserRole::Editor).await;
    let app = Arc::new(app);
    let mut known = demo_ids(&app, &editor.token).await;
    assert!(known.positions.len() > 3 && known.articles.len() == 1, "the demo content is there");
    let mut public = Mirror { token: None, rows: BTreeMap::new(), caller: None, drafts: false };
    let mut drafts = Mirror { token: None, rows: BTreeMap::new(), caller: Some(editor.token.clone()), drafts: true };
    // The initial pass, before any write.
    while public.pull(&app).await {}
    while drafts.pull(&app).await {}

    let writer = {
        let (app, token) = (app.clone(), editor.token.clone());
        tokio::spawn(async move {
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
            for step in 0..240 {
                write_once(&app, &token, &mut rng, &mut known, step).await;
            }
            known
        })
    };
    // Both mirrors follow the feed while the writes go on.
    while !writer.is_finished() {
        public.pull(&app).await;
        drafts.pull(&app).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let known = writer.await.unwrap_or_else(|error| panic!("the writer failed: {error}"));
    while public.pull(&app).await {}
    while drafts.pull(&app).await {}

    let ids = known.all();
    for mirror in [&public, &drafts] {
        let view = mirror.api_view(&app, &ids).await;
        let who = if mirror.drafts { "an editor's mirror of drafts" } else { "the public mirror" };
        for id in ids.iter() {
            assert_eq!(mirror.rows.get(id), view.get(id), "{who}, entity {id}");
        }
        assert_eq!(mirror.rows.len(), view.len(), "{who} holds nothing else");
    }
    // The run did what it set out to: deletes that cascaded, and drafts that stayed drafts.
    let admin = app.user(UserRole::Admin).await;
    for (kind, action) in [("Person", "deletePerson"), ("Institution", "deleteInstitution"), ("Agreement", "deleteAgreement"), ("Article", "deleteArticle"), ("Article", "unpublishArticle")] {
        let audit = app.query_as(&admin.token, "query($t: String) { auditLog(first: 100, entityType: $t) { action } }", json!({ "t": kind })).await;
        assert!(audit["auditLog"].as_array().into_iter().flatten().any(|entry| entry["action"] == action), "the run did {action}: {audit}");
    }
    assert!(drafts.rows.len() > public.rows.len(), "some drafts stayed drafts");
});

const SYNC_IDS: &str = "query($t: String, $d: Boolean!) { sync(token: $t, first: 500, includeDrafts: $d) { nextToken items { id operation } } }";

db_test!(async fn a_draft_that_never_went_public_leaves_no_trace_in_the_public_feed(app) {
    app.seed_demo().await;
    let editor = app.user(UserRole::Editor).await;
    let mut tokens = Vec::new();
    for drafts in [false, true] {
        let mut token: Option<String> = None;
        loop {
            let data = app.query_as(&editor.token, SYNC_IDS, json!({ "t": token, "d": drafts })).await;
            let next = data["sync"]["nextToken"].as_str().map(str::to_owned);
            let done = data["sync"]["items"].as_array().is_none_or(Vec::is_empty);
            token = next;
            if done {
                break;
            }
        }
        tokens.push(token);
    }
    let section = app.query(r#"{ section(slug: "events") { id } }"#, json!({})).await["section"]["id"].clone();
    let create = "mutation($i: CreateArticleInput!) { createArticle(input: $i) { article { id version } } }";
    // A draft, created, edited and deleted without ever being published.
    let draft = app.query_as(&editor.token, create, json!({ "i": { "title": "Never public", "body": "x", "section": section } })).await["createArticle"]["article"].clone();
    let edited = app.query_as(&editor.token, "mutation($i: UpdateArticleInput!) { updateArticle(input: $i) { article { version } } }", json!({ "i": { "id": draft["id"], "version": draft["version"], "title": "Still not public" } })).await;
    app.query_as(&editor.token, "mutation($id: ID!, $v: Int!) { deleteArticle(id: $id, version: $v) { deletedId } }", json!({ "id": draft["id"], "v": edited["updateArticle"]["article"]["version"] })).await;
    // An article that was public, then deleted: the public hears of both.
    let story = app.query_as(&editor.token, create, json!({ "i": { "title": "Public once", "body": "x", "section": section } })).await["createArticle"]["article"].clone();
    let published = app.query_as(&editor.token, "mutation($id: ID!) { publishArticle(id: $id) { article { version } } }", json!({ "id": story["id"] })).await;
    app.query_as(&editor.token, "mutation($id: ID!, $v: Int!) { deleteArticle(id: $id, version: $v) { deletedId } }", json!({ "id": story["id"], "v": published["publishArticle"]["article"]["version"] })).await;

    let public = app.query(SYNC_IDS, json!({ "t": tokens[0], "d": false })).await;
    let seen: Vec<(String, String)> = public["sync"]["items"].as_array().into_iter().flatten()
        .map(|item| (item["id"].as_str().unwrap_or_default().to_owned(), item["operation"].as_str().unwrap_or_default().to_owned()))
        .collect();
    assert_eq!(seen, vec![(story["id"].as_str().unwrap_or_default().to_owned(), "DELETE".to_owned())], "the public hears only of what it could see");
    let editors = app.query_as(&editor.token, SYNC_IDS, json!({ "t": tokens[1], "d": true })).await;
    let ids: BTreeSet<String> = editors["sync"]["items"].as_array().into_iter().flatten().filter_map(|item| item["id"].as_str().map(str::to_owned)).collect();
    assert!(ids.contains(draft["id"].as_str().unwrap_or_default()), "a mirror of drafts hears of the draft: {editors}");
});
