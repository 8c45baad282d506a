//! The seed page round trip: every fact of the demo content comes back through GraphQL.

use newsdesk_tests::db_test;
use serde_json::{Value, json};

fn example(name: &str) -> String {
    let path = format!("{}/../examples/queries/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

fn find<'a>(items: &'a Value, key: &str, value: &str) -> &'a Value {
    items
        .as_array()
        .and_then(|items| items.iter().find(|item| item[key] == value))
        .unwrap_or_else(|| panic!("no item with {key} = {value} in {items}"))
}

db_test!(async fn every_fact_of_the_seed_page_comes_back(app) {
    app.seed_demo().await;
    let data = app.query(&example("seed_article.graphql"), json!({})).await;
    let article = &data["article"];

    assert_eq!(
        article["title"],
        "Shenzhen Polytechnic University (SZPU) and Guangxi Modern Polytechnic College Sign a New Round of Pairing Assistance Agreement"
    );
    assert_eq!(article["locale"], "EN");
    assert_eq!(article["status"], "PUBLISHED");
    // "Date: Apr 12, 2024", midnight in Shenzhen.
    assert_eq!(article["publishedAt"], "2024-04-11T16:00:00+00:00");

    // "Position : Home > News & Events > Events > Content"
    let crumbs: Vec<&str> = article["breadcrumb"].as_array().into_iter().flatten().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(crumbs, ["News & Events", "Events"]);
    assert_eq!(article["section"]["slug"], "events");

    // The body, as text and as HTML paragraphs.
    let text = article["bodyText"].as_str().unwrap_or_default();
    assert!(text.starts_with("On April 9th, to further deepen"), "{text}");
    assert!(text.contains("the Guangdong-Guangxi Vocational Colleges Pairing Assistance Work Agreement"));
    assert!(text.contains("since the signing of the counterpart cooperation agreement in 2019"));
    assert!(text.ends_with("The heads of the Pairing Support Office and the School Union participated in the event."));
    assert_eq!(text.split("\n\n").count(), 4, "four paragraphs");
    assert_eq!(article["bodyHtml"].as_str().unwrap_or_default().matches("<p>").count(), 4);

    // "The scene of the signing ceremony."
    assert_eq!(article["media"][0]["caption"], "The scene of the signing ceremony.");

    // "(Pairing Support Office, Feng Min)"
    let byline = &article["byline"];
    assert_eq!(byline["text"], "Pairing Support Office, Feng Min");
    assert_eq!(byline["institution"]["parent"]["slug"], "szpu");
    assert_eq!(byline["authors"][0]["name"], "Feng Min");
    assert_eq!(byline["authors"][0]["nameZh"], Value::Null, "not on the page, so not invented");

    // The seven officials, each with the position the page gives, current or former.
    let people = &article["mentionedPeople"];
    let expected = [
        ("Liu Zhanshan", "Deputy Director", false, "moe-department-of-vocational-and-adult-education"),
        ("Ge Weiwei", "First-level Inspector", false, "moe-department-of-minority-education"),
        ("Wu Yanling", "Second-level Inspector", true, "guangdong-department-of-education"),
        ("Kong Xianling", "Director", true, "hechi-city-propaganda-department"),
        ("Wei Weisong", "Party Secretary", true, "guangxi-modern-polytechnic-college"),
        ("Huang Shaoguang", "President", true, "guangxi-modern-polytechnic-college"),
        ("Xu Jianling", "President", true, "szpu"),
    ];
    assert_eq!(people.as_array().map(Vec::len), Some(7));
    for (index, (name, title, current, institution)) in expected.into_iter().enumerate() {
        let mention = &people[index];
        assert_eq!(mention["person"]["name"], name);
        assert!(mention["roles"].as_array().is_some_and(|roles| roles.contains(&json!("ATTENDEE"))));
        let position = &mention["person"]["positions"][0];
        assert_eq!(position["title"], title, "{name}");
        assert_eq!(position["isCurrent"], current, "{name}");
        assert_eq!(position["institution"]["slug"], institution, "{name}");
    }
    assert_eq!(
        people[0]["titleAsPrinted"],
        "former Deputy Director of the Department of Vocational and Adult Education of the Ministry of Education"
    );
    assert_eq!(people[0]["person"]["positions"][0]["institution"]["parent"]["name"], "Ministry of Education");
    assert_eq!(people[1]["person"]["positions"][0]["institution"]["parent"]["name"], "Ministry of Education");
    assert_eq!(people[6]["roles"], json!(["ATTENDEE", "SPEAKER"]));

    // Every institution on the page, with the hierarchy and the university's own details.
    let institutions = &article["mentionedInstitutions"];
    assert_eq!(institutions.as_array().map(Vec::len), Some(9));
    let szpu = find(institutions, "slug", "szpu");
    assert_eq!(szpu["name"], "Shenzhen Polytechnic University");
    assert_eq!(szpu["shortName"], "SZPU");
    assert_eq!(szpu["kind"], "UNIVERSITY");
    assert_eq!(szpu["motto"], "We value morals and profession equally and make ceaseless self-improvement");
    assert_eq!(szpu["address"], "No. 7098 Liuxian Avenue, Nanshan District, Shenzhen, Guangdong");
    assert_eq!(szpu["postcode"], "518055");
    assert_eq!(find(institutions, "slug", "szpu-school-union")["parent"]["slug"], "szpu");
    assert_eq!(find(institutions, "slug", "szpu-pairing-support-office")["kind"], "OFFICE");
    assert_eq!(find(institutions, "slug", "ministry-of-education")["kind"], "MINISTRY");
    assert_eq!(find(institutions, "slug", "hechi-city-propaganda-department")["city"], "Hechi");
    assert_eq!(find(institutions, "slug", "guangxi-modern-polytechnic-college")["kind"], "COLLEGE");

    // The 2024 agreement: parties, three-year term, five areas, and its 2019 predecessor.
    let agreement = find(&article["relatedAgreements"], "kind", "PAIRING_ASSISTANCE");
    assert_eq!(agreement["title"], "Guangdong-Guangxi Vocational Colleges Pairing Assistance Work Agreement");
    assert_eq!(agreement["signedOn"], "2024-04-09");
    assert_eq!(agreement["effectiveFrom"], "2024-04-09");
    assert_eq!(agreement["effectiveUntil"], "2027-04-08");
    assert_eq!(
        agreement["areasOfCooperation"],
        json!([
            "Curriculum and professional group development",
            "Cadre exchanges",
            "Faculty development",
            "Enhancement of international education standards",
            "Cultivation of innovative and entrepreneurial talents"
        ])
    );
    assert_eq!(
        agreement["parties"],
        json!([
            { "role": "SUPPORTING", "institution": { "slug": "szpu", "name": "Shenzhen Polytechnic University" } },
            { "role": "SUPPORTED", "institution": { "slug": "guangxi-modern-polytechnic-college", "name": "Guangxi Modern Polytechnic College" } }
        ])
    );
    assert_eq!(agreement["predecessor"]["kind"], "COUNTERPART_COOPERATION");
    assert_eq!(agreement["predecessor"]["signedYear"], 2019);
    assert_eq!(agreement["predecessor"]["status"], "EXPIRED", "replaced by the 2024 round");
    let lineage: Vec<i64> = agreement["lineage"].as_array().into_iter().flatten().filter_map(|a| a["signedYear"].as_i64()).collect();
    assert_eq!(lineage, [2019, 2024]);

    assert_eq!(article["translations"], json!([]));
    assert_eq!(article["jsonLd"]["@type"], "NewsArticle");
    assert_eq!(article["jsonLd"]["datePublished"], "2024-04-11T16:00:00+00:00");
    assert_eq!(article["jsonLd"]["author"][0]["name"], "Feng Min");
    assert_eq!(article["jsonLd"]["sourceOrganization"]["name"], "Pairing Support Office");
});
