//! Drafts, archived and scheduled articles never reach the public, on any read path.

use chrono::{Duration, Utc};
use entities::enums::{AgreementKind, ArticleStatus, InstitutionKind, Locale, MentionRole};
use newsdesk::ids::{Kind, encode};
use newsdesk_tests::fixtures::{self, ArticleSpec};
use newsdesk_tests::{TestApp, db_test};
use serde_json::{Value, json};

struct World {
    visible: i64,
    hidden: Vec<(&'static str, i64)>,
    hidden_photo: i64,
}

/// One published article and four the public must not see, all linked to the same section,
/// person, institution, agreement and tag.
async fn world(app: &TestApp) -> World {
    let db = app.db();
    let parent = fixtures::section(db, "news", None).await;
    let section = fixtures::section(db, "events", Some(parent)).await;
    let person = fixtures::person(db, "some-one").await;
    let institution =
        fixtures::institution(db, "some-college", InstitutionKind::College, None).await;
    let agreement = fixtures::agreement(
        db,
        "some-agreement",
        AgreementKind::Memorandum,
        (None, None),
        None,
    )
    .await;

    let now = Utc::now();
    let mut specs = vec![("visible", ArticleSpec::published("visible", section, 1))];
    let mut draft = ArticleSpec::published("draft", section, 1);
    draft.status = ArticleStatus::Draft;
    let mut archived = ArticleSpec::published("archived", section, 1);
    archived.status = ArticleStatus::Archived;
    let mut scheduled = ArticleSpec::published("scheduled", section, 1);
    scheduled.published_at = Some(now + Duration::hours(2));
    let mut undated = ArticleSpec::published("undated", section, 1);
    undated.published_at = None;
    specs.extend([
        ("draft", draft),
        ("archived", archived),
        ("scheduled", scheduled),
        ("undated", undated),
    ]);

    let mut ids = Vec::new();
    for (name, spec) in specs {
        let id = fixtures::article(db, spec).await;
        fixtures::mention_person(db, id, person, MentionRole::Attendee).await;
        fixtures::mention_institution(db, id, institution).await;
        fixtures::relate_agreement(db, id, agreement).await;
        fixtures::tag(db, id, "news").await;
        ids.push((name, id));
    }
    let visible = ids[0].1;
    // A draft Chinese translation of the visible article.
    let mut translation = ArticleSpec::published("visible", section, 1);
    translation.locale = Locale::Zh;
    translation.status = ArticleStatus::Draft;
    translation.translation_of = Some(visible);
    let translation = fixtures::article(db, translation).await;
    let mut hidden: Vec<(&'static str, i64)> = ids[1..].to_vec();
    hidden.push(("draft translation", translation));
    let hidden_photo = fixtures::photo(db, hidden[0].1, 0).await;
    World {
        visible,
        hidden,
        hidden_photo,
    }
}

fn slugs(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|edge| edge["node"]["slug"].as_str().map(str::to_owned))
        .collect()
}

db_test!(async fn drafts_archived_and_scheduled_articles_are_invisible_on_every_path(app) {
    let world = world(&app).await;

    for slug in ["draft", "archived", "scheduled", "undated"] {
        let data = app.query("query($s: String!) { article(slug: $s) { slug } }", json!({ "s": slug })).await;
        assert_eq!(data["article"], Value::Null, "article(slug: {slug})");
    }
    let data = app.query(r#"{ article(slug: "visible") { slug locale translations { slug } } }"#, json!({})).await;
    assert_eq!(data["article"]["slug"], "visible");
    assert_eq!(data["article"]["locale"], "EN");
    assert_eq!(data["article"]["translations"], json!([]), "the draft translation stays hidden");
    let data = app.query(r#"{ article(slug: "visible", locale: ZH) { slug } }"#, json!({})).await;
    assert_eq!(data["article"], Value::Null);

    let list = "{ articles(first: 100) { totalCount edges { node { slug } } } }";
    let data = app.query(list, json!({})).await;
    assert_eq!(slugs(&data["articles"]), ["visible"]);
    assert_eq!(data["articles"]["totalCount"], 1);

    for (name, id) in &world.hidden {
        let data = app
            .query("query($id: ID!) { node(id: $id) { id } }", json!({ "id": encode(Kind::Article, *id) }))
            .await;
        assert_eq!(data["node"], Value::Null, "node({name})");
    }
    let ids: Vec<String> = std::iter::once(world.visible)
        .chain(world.hidden.iter().map(|(_, id)| *id))
        .map(|id| encode(Kind::Article, id))
        .collect();
    let data = app.query("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": ids })).await;
    let found: Vec<&Value> = data["nodes"].as_array().into_iter().flatten().filter(|node| !node.is_null()).collect();
    assert_eq!(found.len(), 1, "only the visible article: {data}");
    let data = app
        .query("query($id: ID!) { node(id: $id) { id } }", json!({ "id": encode(Kind::Media, world.hidden_photo) }))
        .await;
    assert_eq!(data["node"], Value::Null, "a draft's photo");

    let relations = r#"{
      section(slug: "news") { articles(first: 100) { totalCount edges { node { slug } } } }
      person(slug: "some-one") { articles(first: 100) { totalCount edges { node { slug } } } }
      institution(slug: "some-college") { articles(first: 100) { totalCount edges { node { slug } } } }
      agreement(slug: "some-agreement") { articles(first: 100) { totalCount edges { node { slug } } } }
    }"#;
    let data = app.query(relations, json!({})).await;
    for root in ["section", "person", "institution", "agreement"] {
        assert_eq!(slugs(&data[root]["articles"]), ["visible"], "{root}.articles");
        assert_eq!(data[root]["articles"]["totalCount"], 1, "{root}.articles totalCount");
    }
    let data = app.query(r#"{ articles(filter: { tag: "news" }) { edges { node { slug tags { slug articles { totalCount } } } } } }"#, json!({})).await;
    assert_eq!(slugs(&data["articles"]), ["visible"]);
    assert_eq!(data["articles"]["edges"][0]["node"]["tags"][0]["articles"]["totalCount"], 1, "tag.articles");
});
