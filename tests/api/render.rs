//! Article list nodes rendered straight from the prefetched rows give exactly what the resolvers
//! give, and anything the direct path does not cover is left to the resolvers.

use entities::enums::InstitutionKind;
use newsdesk_tests::fixtures::{self, ArticleSpec};
use newsdesk_tests::{TestApp, db_test};
use serde_json::{Value, json};

/// Every field the direct path renders (keep it so when the renderer learns a field), through a
/// named fragment, an inline fragment, aliases, `__typename` and a field asked for twice.
const NODE: &str = r#"
    __typename
    id
    slug
    headline: title
    title
    summary
    locale
    localeFallbackFrom
    status
    version
    publishedAt
    createdAt
    updatedAt
    bodyMarkdown
    bodyText
    bodyHtml
    section { __typename id slug name nameZh position version parent { slug } children { slug } breadcrumb { slug } }
    breadcrumb { slug name }
    byline {
      __typename
      text
      institution { ...Unit }
      authors { id slug name nameZh version }
    }
    media { __typename id position url caption altText credit width height }
    mentionedPeople {
      roles
      titleAsPrinted
      person {
        slug
        name
        positions { id title titleZh isCurrent startedOn endedOn version person { slug } institution { ...Unit } }
      }
    }
    mentionedInstitutions { ...Unit }
    tags { __typename id slug name }
    ... { id slug }
"#;

const UNIT: &str = r#"
fragment Unit on Institution {
  __typename id slug name nameZh shortName shortNameZh kind region city address postcode website
  motto mottoZh version parent { slug name parent { slug } }
}
"#;

/// A list query whose nodes select `node`.
fn list_query(node: &str) -> String {
    format!(
        "query {{ articles(first: 10) {{ edges {{ cursor node {{ {node} }} }} nodes {{ {node} }} }} }} {UNIT}"
    )
}

fn counts(app: &TestApp) -> (u64, u64) {
    let stats = &app.engine.rendering;
    (stats.direct(), stats.by_resolvers())
}

/// Content with every relation a list node shows: the demo (the seed article) and one more
/// article with a tag, a photo, an author and a nested section.
async fn content(app: &TestApp) -> usize {
    app.seed_demo().await;
    let db = app.db();
    let top = fixtures::section(db, "campus", None).await;
    let below = fixtures::section(db, "campus-life", Some(top)).await;
    let parent = fixtures::institution(db, "ministry", InstitutionKind::Ministry, None).await;
    let unit =
        fixtures::institution(db, "press-office", InstitutionKind::Office, Some(parent)).await;
    let author = fixtures::person(db, "writer").await;
    fixtures::position(db, author, unit, "Editor", None, None).await;
    let mut spec = ArticleSpec::published("open-day", below, 1);
    spec.source_institution = Some(unit);
    let article = fixtures::article(db, spec).await;
    fixtures::author(db, article, author).await;
    fixtures::mention_person(db, article, author, entities::enums::MentionRole::Speaker).await;
    fixtures::mention_institution(db, article, parent).await;
    fixtures::tag(db, article, "open-day").await;
    fixtures::photo(db, article, 0).await;
    let data = app
        .query("{ articles(first: 10) { nodes { id } } }", json!({}))
        .await;
    data["articles"]["nodes"].as_array().map_or(0, Vec::len)
}

db_test!(async fn list_nodes_render_directly_and_as_the_resolvers_do(app) {
    let nodes = content(&app).await;
    assert!(nodes >= 2, "the content has {nodes} visible articles");

    let before = counts(&app);
    let direct = app.query(&list_query(NODE), json!({})).await;
    let after = counts(&app);
    assert_eq!(after.0 - before.0, 2 * nodes as u64, "every node (edges and nodes) rendered directly");
    assert_eq!(after.1, before.1, "no node left to the resolvers");

    // A fragment on an interface is the resolvers' to apply: the same nodes, the slow way.
    let resolved = app
        .query(&list_query(&format!("{NODE} ... on Node {{ id }}")), json!({}))
        .await;
    let later = counts(&app);
    assert_eq!(later.0, after.0, "nothing rendered directly");
    assert_eq!(later.1 - after.1, 2 * nodes as u64);
    assert_eq!(direct, resolved);

    // What the rendered nodes hold, so that the comparison compares something.
    let open_day = direct["articles"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|node| node["slug"] == "open-day")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(open_day["__typename"], "Article");
    assert_eq!(open_day["headline"], open_day["title"]);
    assert_eq!(open_day["section"]["parent"]["slug"], "campus");
    assert_eq!(open_day["breadcrumb"], json!([{ "slug": "campus", "name": open_day["breadcrumb"][0]["name"] }, { "slug": "campus-life", "name": open_day["section"]["name"] }]));
    assert_eq!(open_day["byline"]["institution"]["parent"]["slug"], "ministry");
    assert_eq!(open_day["byline"]["authors"][0]["slug"], "writer");
    assert!(open_day["byline"]["text"].as_str().is_some_and(|text| text.contains(", ")));
    assert_eq!(open_day["mentionedPeople"][0]["roles"], json!(["SPEAKER"]));
    assert_eq!(open_day["mentionedPeople"][0]["person"]["positions"][0]["title"], "Editor");
    assert_eq!(open_day["mentionedInstitutions"][0]["slug"], "ministry");
    assert_eq!(open_day["tags"][0]["slug"], "open-day");
    assert_eq!(open_day["media"][0]["position"], 0);
    let others_with_people = direct["articles"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|node| node["slug"] != "open-day")
        .filter(|node| node["mentionedPeople"].as_array().is_some_and(|people| !people.is_empty()))
        .count();
    assert!(others_with_people > 0, "the seed article names people");
});

db_test!(async fn selections_the_direct_path_does_not_cover_are_resolved(app) {
    let nodes = content(&app).await as u64;
    // An argument, fields it does not render, an object asked for twice: each
    // leaves the node to the resolvers, and the answer is theirs.
    let cases = [
        "slug mentionedPeople { person { positions(asOf: \"2020-01-01\") { title } } }",
        "slug jsonLd",
        "slug section { slug } section { name }",
        "slug relatedAgreements { slug }",
    ];
    for node in cases {
        let before = counts(&app);
        let query = format!("query {{ articles(first: 10) {{ nodes {{ {node} }} }} }}");
        let data = app.query(&query, json!({})).await;
        let after = counts(&app);
        assert_eq!(after.1 - before.1, nodes, "left to the resolvers: {node}");
        assert_eq!(after.0, before.0, "not rendered directly: {node}");
        assert_eq!(data["articles"]["nodes"].as_array().map(Vec::len), Some(nodes as usize));
    }
    let merged = app
        .query("{ articles(first: 1) { nodes { section { slug } section { name } } } }", json!({}))
        .await;
    let section = &merged["articles"]["nodes"][0]["section"];
    assert!(section["slug"].is_string() && section["name"].is_string(), "merged: {section}");

    // A list (or an edge's node) asked for twice is merged by async-graphql, which a node written
    // as JSON could not take part in: such documents are resolved, and nothing asked is lost.
    let documents = [
        "{ articles(first: 10) { nodes { slug } } articles(first: 10) { nodes { title } } }",
        "{ ...A ...B } fragment A on Query { articles(first: 10) { nodes { slug } } } fragment B on Query { articles(first: 10) { nodes { title } } }",
        "{ articles(first: 10) { edges { node { slug } node { title } } } }",
    ];
    for document in documents {
        let before = counts(&app);
        let data = app.query(document, json!({})).await;
        let after = counts(&app);
        assert_eq!(after.0, before.0, "not rendered directly: {document}");
        let items: Vec<Value> = ["nodes", "edges"]
            .iter()
            .filter_map(|key| data["articles"][key].as_array())
            .flatten()
            .cloned()
            .collect();
        assert!(items.len() >= nodes as usize, "{data}");
        for item in items {
            let node = if item.get("node").is_some() { &item["node"] } else { &item };
            assert!(node["slug"].is_string() && node["title"].is_string(), "{document}: {data}");
        }
    }
});
