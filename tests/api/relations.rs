//! Relations both ways, with the date arguments and the list filters.

use chrono::{Duration, Utc};
use entities::enums::{AgreementKind, InstitutionKind, Locale, MentionRole, PartyRole};
use newsdesk::ids::{Kind, encode};
use newsdesk_tests::db_test;
use newsdesk_tests::fixtures::{self, ArticleSpec, day};
use serde_json::{Value, json};

fn field(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item[key].as_str().map(str::to_owned))
        .collect()
}

fn node_slugs(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|edge| edge["node"]["slug"].as_str().map(str::to_owned))
        .collect()
}

db_test!(async fn positions_as_of_a_day_before_during_and_after(app) {
    let db = app.db();
    let college = fixtures::institution(db, "college", InstitutionKind::College, None).await;
    let ana = fixtures::person(db, "ana").await;
    let bo = fixtures::person(db, "bo").await;
    fixtures::position(db, ana, college, "Dean", Some(day(2018, 1, 1)), Some(day(2020, 12, 31))).await;
    fixtures::position(db, ana, college, "President", Some(day(2021, 1, 1)), None).await;
    fixtures::position(db, bo, college, "Dean", Some(day(2021, 1, 1)), None).await;

    let query = r#"query($on: Date) {
      person(slug: "ana") { positions(asOf: $on) { title isCurrent } }
      institution(slug: "college") { people(asOf: $on) { slug } positions(asOf: $on) { title person { slug } } }
    }"#;
    let before = app.query(query, json!({ "on": "2017-06-01" })).await;
    assert_eq!(before["person"]["positions"], json!([]));
    assert_eq!(before["institution"]["people"], json!([]));

    let during = app.query(query, json!({ "on": "2020-12-31" })).await;
    assert_eq!(field(&during["person"]["positions"], "title"), ["Dean"], "the last day counts");
    assert_eq!(field(&during["institution"]["people"], "slug"), ["ana"]);

    let after = app.query(query, json!({ "on": "2022-03-01" })).await;
    assert_eq!(field(&after["person"]["positions"], "title"), ["President"]);
    let mut people = field(&after["institution"]["people"], "slug");
    people.sort();
    assert_eq!(people, ["ana", "bo"]);

    let all = app.query(query, json!({ "on": null })).await;
    assert_eq!(all["person"]["positions"], json!([{ "title": "President", "isCurrent": true }, { "title": "Dean", "isCurrent": false }]));
});

db_test!(async fn agreements_active_at_a_day_before_during_and_after_and_their_chain(app) {
    let db = app.db();
    let szpu = fixtures::institution(db, "szpu", InstitutionKind::University, None).await;
    let gx = fixtures::institution(db, "gx", InstitutionKind::College, None).await;
    let signer = fixtures::person(db, "signer").await;
    let first = fixtures::agreement(db, "first", AgreementKind::CounterpartCooperation, (Some(day(2019, 5, 1)), None), None).await;
    let second = fixtures::agreement(
        db,
        "second",
        AgreementKind::PairingAssistance,
        (Some(day(2024, 4, 9)), Some(day(2027, 4, 8))),
        Some(first),
    )
    .await;
    for agreement in [first, second] {
        fixtures::party(db, agreement, szpu, PartyRole::Supporting).await;
        fixtures::party(db, agreement, gx, PartyRole::Supported).await;
    }
    fixtures::signatory(db, second, signer, Some(szpu)).await;

    let query = r#"query($on: Date!) {
      agreements(filter: { activeAt: $on }) { totalCount edges { node { slug status(on: $on) } } }
      institution(slug: "szpu") { agreements(activeAt: $on) { edges { node { slug } } } }
    }"#;
    let cases = [
        ("2019-04-30", vec![]),
        ("2020-01-01", vec!["first"]),
        ("2024-04-08", vec!["first"]),
        ("2024-04-09", vec!["second"]),
        ("2027-04-08", vec!["second"]),
        ("2027-04-09", vec![]),
    ];
    for (on, expected) in cases {
        let data = app.query(query, json!({ "on": on })).await;
        assert_eq!(node_slugs(&data["agreements"]), expected, "agreements active at {on}");
        assert_eq!(node_slugs(&data["institution"]["agreements"]), expected, "institution.agreements at {on}");
        for edge in data["agreements"]["edges"].as_array().into_iter().flatten() {
            assert_eq!(edge["node"]["status"], "ACTIVE", "status agrees with the filter at {on}");
        }
    }
    let statuses = app
        .query(r#"{ a: agreement(slug: "second") { s1: status(on: "2024-01-01") s2: status(on: "2025-01-01") s3: status(on: "2028-01-01") } }"#, json!({}))
        .await;
    assert_eq!(statuses["a"], json!({ "s1": "UPCOMING", "s2": "ACTIVE", "s3": "EXPIRED" }));

    let chain = app
        .query(r#"{ agreement(slug: "first") { successors { slug } lineage { slug } parties { role institution { slug } } } person(slug: "signer") { signedAgreements { edges { node { slug signatories { person { slug } institution { slug } } } } } } }"#, json!({}))
        .await;
    assert_eq!(field(&chain["agreement"]["successors"], "slug"), ["second"]);
    assert_eq!(field(&chain["agreement"]["lineage"], "slug"), ["first", "second"]);
    assert_eq!(chain["agreement"]["parties"][1], json!({ "role": "SUPPORTED", "institution": { "slug": "gx" } }));
    assert_eq!(node_slugs(&chain["person"]["signedAgreements"]), ["second"]);

    let filtered = app
        .query(
            "query($party: ID!) { agreements(filter: { kind: PAIRING_ASSISTANCE, party: $party }) { edges { node { slug } } } }",
            json!({ "party": encode(Kind::Institution, gx) }),
        )
        .await;
    assert_eq!(node_slugs(&filtered["agreements"]), ["second"]);
});

db_test!(async fn article_filters_narrow_the_list(app) {
    let db = app.db();
    let news = fixtures::section(db, "news", None).await;
    let events = fixtures::section(db, "events", Some(news)).await;
    let other = fixtures::section(db, "other", None).await;
    let person = fixtures::person(db, "writer").await;
    let office = fixtures::institution(db, "office", InstitutionKind::Office, None).await;

    let top = fixtures::article(db, ArticleSpec::published("top", news, 1)).await;
    let nested = fixtures::article(db, ArticleSpec::published("nested", events, 48)).await;
    let mut zh = ArticleSpec::published("zh", other, 24 * 10);
    zh.locale = Locale::Zh;
    zh.source_institution = Some(office);
    let zh = fixtures::article(db, zh).await;
    fixtures::author(db, nested, person).await;
    fixtures::mention_person(db, top, person, MentionRole::Quoted).await;
    fixtures::tag(db, zh, "feature").await;

    let query = "query($f: ArticleFilterInput) { articles(filter: $f) { totalCount edges { node { slug } } } }";
    let run = |filter: Value| {
        let app = &app;
        async move { node_slugs(&app.query(query, json!({ "f": filter })).await["articles"]) }
    };
    assert_eq!(run(json!({ "section": encode(Kind::Section, news) })).await, ["top", "nested"]);
    assert_eq!(
        run(json!({ "section": encode(Kind::Section, news), "includeSubsections": false })).await,
        ["top"]
    );
    assert_eq!(run(json!({ "locale": "ZH" })).await, ["zh"]);
    assert_eq!(run(json!({ "tag": "feature" })).await, ["zh"]);
    assert_eq!(run(json!({ "person": encode(Kind::Person, person) })).await, ["top", "nested"], "mentions and bylines");
    assert_eq!(run(json!({ "institution": encode(Kind::Institution, office) })).await, ["zh"], "byline unit");
    let since = (Utc::now() - Duration::hours(72)).to_rfc3339();
    let until = (Utc::now() - Duration::hours(24)).to_rfc3339();
    assert_eq!(run(json!({ "publishedFrom": since, "publishedBefore": until })).await, ["nested"]);

    let (code, _) = app
        .query_error(query, json!({ "f": { "section": encode(Kind::Person, person) } }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "an ID of the wrong type");
    let body = app.post_graphql(query, json!({ "f": { "person": "nonsense" } })).await.json();
    assert_eq!(body["errors"][0]["extensions"]["field"], "filter.person");
});

db_test!(async fn institutions_filter_by_kind_and_parent_and_walk_the_tree(app) {
    let db = app.db();
    let ministry = fixtures::institution(db, "ministry", InstitutionKind::Ministry, None).await;
    fixtures::institution(db, "dept-a", InstitutionKind::Department, Some(ministry)).await;
    fixtures::institution(db, "dept-b", InstitutionKind::Department, Some(ministry)).await;
    fixtures::institution(db, "province-dept", InstitutionKind::Department, None).await;

    let data = app
        .query(
            "query($p: ID!) { byKind: institutions(filter: { kind: DEPARTMENT }) { totalCount } byParent: institutions(filter: { parent: $p }) { edges { node { slug parent { slug } } } } top: institutions(filter: { topLevelOnly: true }) { edges { node { slug children { slug } } } } }",
            json!({ "p": encode(Kind::Institution, ministry) }),
        )
        .await;
    assert_eq!(data["byKind"]["totalCount"], 3);
    assert_eq!(node_slugs(&data["byParent"]), ["dept-a", "dept-b"]);
    assert_eq!(data["byParent"]["edges"][0]["node"]["parent"]["slug"], "ministry");
    assert_eq!(node_slugs(&data["top"]), ["ministry", "province-dept"]);
    assert_eq!(field(&data["top"]["edges"][0]["node"]["children"], "slug"), ["dept-a", "dept-b"]);
});

db_test!(async fn an_institutions_and_a_persons_articles_come_from_every_way_of_naming_them(app) {
    let db = app.db();
    let section = fixtures::section(db, "news", None).await;
    let college = fixtures::institution(db, "a-college", InstitutionKind::College, None).await;
    let person = fixtures::person(db, "a-person").await;
    let mut from_college = ArticleSpec::published("from-the-college", section, 1);
    from_college.source_institution = Some(college);
    fixtures::article(db, from_college).await;
    let naming = fixtures::article(db, ArticleSpec::published("naming-both", section, 2)).await;
    let both_ways = fixtures::article(db, {
        let mut spec = ArticleSpec::published("both-ways", section, 3);
        spec.source_institution = Some(college);
        spec
    })
    .await;
    let written = fixtures::article(db, ArticleSpec::published("written-by", section, 4)).await;
    fixtures::article(db, ArticleSpec::published("unrelated", section, 5)).await;
    fixtures::mention_institution(db, naming, college).await;
    fixtures::mention_institution(db, both_ways, college).await;
    fixtures::mention_person(db, naming, person, MentionRole::Attendee).await;
    fixtures::mention_person(db, both_ways, person, MentionRole::Speaker).await;
    fixtures::author(db, both_ways, person).await;
    fixtures::author(db, written, person).await;

    let data = app
        .query(
            r#"{
              institution(slug: "a-college") { articles(first: 10) { totalCount edges { node { slug } } } }
              person(slug: "a-person") { articles(first: 10) { totalCount edges { node { slug } } } }
              page: institution(slug: "a-college") { articles(first: 1) { pageInfo { hasNextPage } edges { node { slug } } } }
            }"#,
            json!({}),
        )
        .await;
    // Newest first, each once however many ways it names them.
    assert_eq!(node_slugs(&data["institution"]["articles"]), ["from-the-college", "naming-both", "both-ways"]);
    assert_eq!(data["institution"]["articles"]["totalCount"], 3);
    assert_eq!(node_slugs(&data["person"]["articles"]), ["naming-both", "both-ways", "written-by"]);
    assert_eq!(data["person"]["articles"]["totalCount"], 3);
    assert_eq!(node_slugs(&data["page"]["articles"]), ["from-the-college"]);
    assert_eq!(data["page"]["articles"]["pageInfo"]["hasNextPage"], true);
});

db_test!(async fn a_list_reads_bodies_only_when_asked_and_then_however_they_are_asked(app) {
    let db = app.db();
    let section = fixtures::section(db, "news", None).await;
    fixtures::article(db, ArticleSpec::published("story", section, 1)).await;
    // Without a body field the list skips the column; every other field is as stored.
    let plain = app
        .query("{ articles(first: 1) { nodes { slug title } } }", json!({}))
        .await;
    assert_eq!(field(&plain["articles"]["nodes"], "slug"), ["story"]);
    // Asked through a fragment spread, an inline fragment, `nodes`, and inside JSON-LD.
    let query = "fragment Body on Article { bodyMarkdown } \
        { a: articles(first: 1) { edges { node { ...Body } } } \
          b: articles(first: 1) { edges { node { ... on Article { bodyText } } } } \
          c: articles(first: 1) { nodes { bodyHtml } } \
          d: articles(first: 1) { nodes { jsonLd } } }";
    let data = app.query(query, json!({})).await;
    assert_eq!(data["a"]["edges"][0]["node"]["bodyMarkdown"], "Body of story.");
    assert_eq!(data["b"]["edges"][0]["node"]["bodyText"], "Body of story.");
    assert_eq!(data["c"]["nodes"][0]["bodyHtml"], "<p>Body of story.</p>\n");
    assert_eq!(data["d"]["nodes"][0]["jsonLd"]["articleBody"], "Body of story.");
});
