//! Sections, institutions, people, positions and agreements through the write API.

use entities::enums::{ArticleStatus, UserRole};
use newsdesk_tests::fixtures::{self, ArticleSpec};
use newsdesk_tests::{TestApp, db_test};
use serde_json::{Value, json};

const CREATE_SECTION: &str = "mutation($i: CreateSectionInput!) { createSection(input: $i) { section { id slug version } } }";
const UPDATE_SECTION: &str = "mutation($i: UpdateSectionInput!) { updateSection(input: $i) { section { id name version } } }";
const DELETE_SECTION: &str =
    "mutation($id: ID!, $v: Int!) { deleteSection(id: $id, version: $v) { deletedId } }";
const CREATE_INSTITUTION: &str = "mutation($i: CreateInstitutionInput!) { createInstitution(input: $i) { institution { id slug version } } }";
const UPDATE_INSTITUTION: &str = "mutation($i: UpdateInstitutionInput!) { updateInstitution(input: $i) { institution { id name version } } }";
const DELETE_INSTITUTION: &str =
    "mutation($id: ID!, $v: Int!) { deleteInstitution(id: $id, version: $v) { deletedId } }";
const CREATE_PERSON: &str =
    "mutation($i: CreatePersonInput!) { createPerson(input: $i) { person { id slug version } } }";
const UPDATE_PERSON: &str =
    "mutation($i: UpdatePersonInput!) { updatePerson(input: $i) { person { id name version } } }";
const DELETE_PERSON: &str =
    "mutation($id: ID!, $v: Int!) { deletePerson(id: $id, version: $v) { deletedId } }";
const CREATE_POSITION: &str = "mutation($i: CreatePositionInput!) { createPosition(input: $i) { position { id version isCurrent } } }";
const UPDATE_POSITION: &str = "mutation($i: UpdatePositionInput!) { updatePosition(input: $i) { position { id title version } } }";
const DELETE_POSITION: &str =
    "mutation($id: ID!, $v: Int!) { deletePosition(id: $id, version: $v) { deletedId } }";
const CREATE_AGREEMENT: &str = "mutation($i: CreateAgreementInput!) { createAgreement(input: $i) { agreement { id slug version status(on: \"2025-01-01\") } } }";
const UPDATE_AGREEMENT: &str = "mutation($i: UpdateAgreementInput!) { updateAgreement(input: $i) { agreement { id title version } } }";
const DELETE_AGREEMENT: &str =
    "mutation($id: ID!, $v: Int!) { deleteAgreement(id: $id, version: $v) { deletedId } }";

fn merge(base: &Value, extra: Value) -> Value {
    let mut merged = base.clone();
    if let (Some(target), Some(source)) = (merged.as_object_mut(), extra.as_object()) {
        for (key, value) in source {
            target.insert(key.clone(), value.clone());
        }
    }
    merged
}

async fn outcome(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> String {
    let body = app.post_graphql_as(token, query, variables).await.json();
    match body["errors"][0]["extensions"]["code"].as_str() {
        Some(code) => code.to_owned(),
        None => "OK".to_owned(),
    }
}

db_test!(async fn an_editor_builds_the_whole_model_through_the_api(app) {
    let editor = app.user(UserRole::Editor).await;
    let t = editor.token.as_str();
    let news = app.query_as(t, CREATE_SECTION, json!({ "i": { "name": "News & Events" } })).await["createSection"]["section"].clone();
    assert_eq!(news["slug"], "news-events");
    let events = app.query_as(t, CREATE_SECTION, json!({ "i": { "name": "Events", "parent": news["id"] } })).await["createSection"]["section"].clone();

    let ministry = app.query_as(t, CREATE_INSTITUTION, json!({ "i": { "name": "Ministry of Education", "kind": "MINISTRY" } })).await["createInstitution"]["institution"].clone();
    let department = app
        .query_as(t, CREATE_INSTITUTION, json!({ "i": { "name": "Department of Vocational and Adult Education", "kind": "DEPARTMENT", "parent": ministry["id"] } }))
        .await["createInstitution"]["institution"]
        .clone();
    let szpu = app
        .query_as(t, CREATE_INSTITUTION, json!({ "i": { "name": "Shenzhen Polytechnic University", "shortName": "SZPU", "kind": "UNIVERSITY", "website": "https://www.szpu.edu.cn/", "postcode": "518055" } }))
        .await["createInstitution"]["institution"]
        .clone();
    let college = app.query_as(t, CREATE_INSTITUTION, json!({ "i": { "name": "Guangxi Modern Polytechnic College", "kind": "COLLEGE" } })).await["createInstitution"]["institution"].clone();

    let liu = app.query_as(t, CREATE_PERSON, json!({ "i": { "name": "Liu Zhanshan" } })).await["createPerson"]["person"].clone();
    let xu = app.query_as(t, CREATE_PERSON, json!({ "i": { "name": "Xu Jianling", "nameZh": "许建领" } })).await["createPerson"]["person"].clone();
    let former = app
        .query_as(t, CREATE_POSITION, json!({ "i": { "person": liu["id"], "institution": department["id"], "title": "Deputy Director", "isCurrent": false } }))
        .await;
    assert_eq!(former["createPosition"]["position"]["isCurrent"], false, "a former title with no known end");
    app.query_as(t, CREATE_POSITION, json!({ "i": { "person": xu["id"], "institution": szpu["id"], "title": "President" } })).await;

    let earlier = app
        .query_as(t, CREATE_AGREEMENT, json!({ "i": { "title": "Counterpart cooperation", "kind": "COUNTERPART_COOPERATION", "signedYear": 2019 } }))
        .await["createAgreement"]["agreement"]
        .clone();
    let agreement = app
        .query_as(t, CREATE_AGREEMENT, json!({ "i": {
            "title": "Pairing Assistance Work Agreement", "kind": "PAIRING_ASSISTANCE",
            "signedOn": "2024-04-09", "effectiveFrom": "2024-04-09", "effectiveUntil": "2027-04-08",
            "areasOfCooperation": ["Cadre exchanges", "Faculty development"],
            "predecessor": earlier["id"],
            "parties": [{ "institution": szpu["id"], "role": "SUPPORTING" }, { "institution": college["id"], "role": "SUPPORTED" }],
            "signatories": [{ "person": xu["id"], "institution": szpu["id"] }]
        } }))
        .await["createAgreement"]["agreement"]
        .clone();
    assert_eq!(agreement["status"], "ACTIVE");

    let article = app
        .query_as(t, "mutation($i: CreateArticleInput!) { createArticle(input: $i) { article { id slug } } }", json!({ "i": {
            "title": "SZPU signs a new round", "body": "On April 9th ...", "section": events["id"],
            "sourceInstitution": szpu["id"], "authors": [xu["id"]],
            "people": [{ "person": liu["id"], "roles": ["ATTENDEE"], "titleAsPrinted": "former Deputy Director" }],
            "institutions": [szpu["id"], department["id"]], "agreements": [agreement["id"]],
            "media": [{ "caption": "The scene of the signing ceremony.", "url": "https://example.org/a.jpg", "width": 800, "height": 600 }],
            "tags": ["pairing-assistance"]
        } }))
        .await["createArticle"]["article"]
        .clone();
    app.query_as(t, "mutation($id: ID!) { publishArticle(id: $id) { article { id } } }", json!({ "id": article["id"] })).await;

    let read = app
        .query("query($s: String!) { article(slug: $s) { breadcrumb { name } byline { text } mentionedPeople { titleAsPrinted person { positions { title isCurrent institution { parent { name } } } } } relatedAgreements { lineage { title } signatories { person { nameZh } } parties { role } } tags { slug } media { width } } }", json!({ "s": article["slug"] }))
        .await;
    let read = &read["article"];
    assert_eq!(read["breadcrumb"], json!([{ "name": "News & Events" }, { "name": "Events" }]));
    assert_eq!(read["byline"]["text"], "Shenzhen Polytechnic University, Xu Jianling");
    assert_eq!(read["mentionedPeople"][0]["person"]["positions"][0]["institution"]["parent"]["name"], "Ministry of Education");
    assert_eq!(read["relatedAgreements"][0]["lineage"].as_array().map(Vec::len), Some(2));
    assert_eq!(read["relatedAgreements"][0]["signatories"][0]["person"]["nameZh"], "许建领");
    assert_eq!(read["tags"][0]["slug"], "pairing-assistance");

    // Updates carry the version; a stale one is refused and changes nothing.
    let updated = app.query_as(t, UPDATE_PERSON, json!({ "i": { "id": xu["id"], "version": 1, "name": "Xu Jian-ling" } })).await;
    assert_eq!(updated["updatePerson"]["person"]["version"], 2);
    let (code, field) = app.error_as(Some(t), UPDATE_PERSON, json!({ "i": { "id": xu["id"], "version": 1, "name": "Lost" } })).await;
    assert_eq!((code.as_str(), field.as_deref()), ("CONFLICT", Some("version")));
    let (code, _) = app.error_as(Some(t), DELETE_SECTION, json!({ "id": events["id"], "v": 1 })).await;
    assert_eq!(code, "CONFLICT", "a section that holds articles cannot go");
    let (code, _) = app.error_as(Some(t), DELETE_INSTITUTION, json!({ "id": ministry["id"], "v": 1 })).await;
    assert_eq!(code, "CONFLICT", "a ministry with departments cannot go");
    app.query_as(t, DELETE_AGREEMENT, json!({ "id": earlier["id"], "v": 1 })).await;
    let lineage = app.query("query($s: String!) { agreement(slug: $s) { predecessor { slug } } }", json!({ "s": agreement["slug"] })).await;
    assert_eq!(lineage["agreement"]["predecessor"], Value::Null, "successors lose a deleted predecessor");
});

db_test!(async fn catalog_input_is_validated_field_by_field(app) {
    let editor = app.user(UserRole::Editor).await;
    let t = Some(editor.token.as_str());
    let a = app.query_as(&editor.token, CREATE_INSTITUTION, json!({ "i": { "name": "A", "kind": "OTHER" } })).await["createInstitution"]["institution"].clone();
    let b = app.query_as(&editor.token, CREATE_INSTITUTION, json!({ "i": { "name": "B", "kind": "OTHER", "parent": a["id"] } })).await["createInstitution"]["institution"].clone();
    let person = app.query_as(&editor.token, CREATE_PERSON, json!({ "i": { "name": "P" } })).await["createPerson"]["person"].clone();
    let position = json!({ "person": person["id"], "institution": a["id"], "title": "Dean" });
    let agreement = json!({ "title": "An agreement", "kind": "MEMORANDUM" });
    let cases = [
        (CREATE_INSTITUTION, json!({ "i": { "name": "", "kind": "OTHER" } }), "BAD_USER_INPUT", "input.name"),
        (CREATE_INSTITUTION, json!({ "i": { "name": "X", "kind": "OTHER", "website": "ftp://x" } }), "BAD_USER_INPUT", "input.website"),
        (CREATE_INSTITUTION, json!({ "i": { "name": "X", "kind": "OTHER", "slug": "a" } }), "CONFLICT", "input.slug"),
        (UPDATE_INSTITUTION, json!({ "i": { "id": a["id"], "version": 1, "name": "A", "kind": "OTHER", "parent": b["id"] } }), "BAD_USER_INPUT", "input.parent"),
        (CREATE_POSITION, json!({ "i": merge(&position, json!({ "startedOn": "2020-01-01", "endedOn": "2019-01-01" })) }), "BAD_USER_INPUT", "input.endedOn"),
        (CREATE_POSITION, json!({ "i": merge(&position, json!({ "endedOn": "2019-01-01", "isCurrent": true })) }), "BAD_USER_INPUT", "input.isCurrent"),
        (CREATE_POSITION, json!({ "i": merge(&position, json!({ "person": a["id"] })) }), "BAD_USER_INPUT", "input.person"),
        (CREATE_AGREEMENT, json!({ "i": merge(&agreement, json!({ "effectiveFrom": "2024-01-01", "effectiveUntil": "2023-01-01" })) }), "BAD_USER_INPUT", "input.effectiveUntil"),
        (CREATE_AGREEMENT, json!({ "i": merge(&agreement, json!({ "signedOn": "2024-01-01", "signedYear": 2019 })) }), "BAD_USER_INPUT", "input.signedYear"),
        (CREATE_AGREEMENT, json!({ "i": merge(&agreement, json!({ "parties": [{ "institution": person["id"], "role": "PARTY" }] })) }), "BAD_USER_INPUT", "input.parties"),
        (CREATE_SECTION, json!({ "i": { "name": "S", "slug": "Not Valid" } }), "BAD_USER_INPUT", "input.slug"),
    ];
    for (query, variables, expected_code, expected_field) in cases {
        let (code, field) = app.error_as(t, query, variables.clone()).await;
        assert_eq!((code.as_str(), field.as_deref()), (expected_code, Some(expected_field)), "{variables}");
    }
});

db_test!(async fn only_editors_and_admins_change_the_catalog_and_every_change_is_journaled(app) {
    let section = fixtures::section(app.db(), "existing", None).await;
    let mut spec = ArticleSpec::published("holder", section, 1);
    spec.status = ArticleStatus::Draft;
    fixtures::article(app.db(), spec).await;
    let admin = app.user(UserRole::Admin).await;
    let editor = app.user(UserRole::Editor).await;
    let author = app.user(UserRole::Author).await;
    let token = app
        .query_as(&admin.token, r#"mutation { createApiToken(name: "sync", scopes: ["content:read"]) { token } }"#, json!({}))
        .await["createApiToken"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let callers: [(&str, Option<&str>, &str); 5] = [
        ("anonymous", None, "UNAUTHENTICATED"),
        ("integrator", Some(&token), "FORBIDDEN"),
        ("author", Some(&author.token), "FORBIDDEN"),
        ("editor", Some(&editor.token), "OK"),
        ("admin", Some(&admin.token), "OK"),
    ];
    for (name, caller, expected) in callers {
        // Fixtures made by an admin for the update and delete attempts.
        let made = |query: &'static str, input: Value, root: &'static str, key: &'static str| {
            let app = &app;
            let admin = admin.token.clone();
            async move { app.query_as(&admin, query, json!({ "i": input })).await[root][key].clone() }
        };
        let section = made(CREATE_SECTION, json!({ "name": format!("S {name}") }), "createSection", "section").await;
        let institution = made(CREATE_INSTITUTION, json!({ "name": format!("I {name}"), "kind": "OTHER" }), "createInstitution", "institution").await;
        let person = made(CREATE_PERSON, json!({ "name": format!("P {name}") }), "createPerson", "person").await;
        let position_input = json!({ "person": person["id"], "institution": institution["id"], "title": "T" });
        let position = made(CREATE_POSITION, position_input.clone(), "createPosition", "position").await;
        let agreement = made(CREATE_AGREEMENT, json!({ "title": format!("A {name}"), "kind": "OTHER" }), "createAgreement", "agreement").await;

        let attempts = [
            ("createSection", CREATE_SECTION, json!({ "i": { "name": "New" } })),
            ("updateSection", UPDATE_SECTION, json!({ "i": { "id": section["id"], "version": 1, "name": "Renamed" } })),
            ("createInstitution", CREATE_INSTITUTION, json!({ "i": { "name": "New", "kind": "OTHER" } })),
            ("updateInstitution", UPDATE_INSTITUTION, json!({ "i": { "id": institution["id"], "version": 1, "name": "Renamed", "kind": "OTHER" } })),
            ("createPerson", CREATE_PERSON, json!({ "i": { "name": "New" } })),
            ("updatePerson", UPDATE_PERSON, json!({ "i": { "id": person["id"], "version": 1, "name": "Renamed" } })),
            ("createPosition", CREATE_POSITION, json!({ "i": position_input })),
            ("updatePosition", UPDATE_POSITION, json!({ "i": merge(&position_input, json!({ "id": position["id"], "version": 1, "title": "Renamed" })) })),
            ("createAgreement", CREATE_AGREEMENT, json!({ "i": { "title": "New", "kind": "OTHER" } })),
            ("updateAgreement", UPDATE_AGREEMENT, json!({ "i": { "id": agreement["id"], "version": 1, "title": "Renamed", "kind": "OTHER" } })),
        ];
        for (mutation, query, variables) in attempts {
            assert_eq!(outcome(&app, caller, query, variables).await, expected, "{mutation} as {name}");
        }
        let version = if expected == "OK" { 2 } else { 1 };
        let deletes = [
            ("deletePosition", DELETE_POSITION, &position),
            ("deletePerson", DELETE_PERSON, &person),
            ("deleteInstitution", DELETE_INSTITUTION, &institution),
            ("deleteAgreement", DELETE_AGREEMENT, &agreement),
            ("deleteSection", DELETE_SECTION, &section),
        ];
        for (mutation, query, target) in deletes {
            let result = outcome(&app, caller, query, json!({ "id": target["id"], "v": version })).await;
            assert_eq!(result, expected, "{mutation} as {name}");
        }
    }

    // Every successful catalog mutation is in the audit log and the change log.
    let audit = app.query_as(&admin.token, "{ auditLog(first: 100, entityType: \"Person\") { action actor } }", json!({})).await;
    let actions: Vec<&str> = audit["auditLog"].as_array().into_iter().flatten().filter_map(|entry| entry["action"].as_str()).collect();
    // Per caller: the admin's fixture; for editor and admin also create, update and delete.
    assert_eq!(actions.iter().filter(|action| **action == "createPerson").count(), 5 + 2);
    assert_eq!(actions.iter().filter(|action| **action == "updatePerson").count(), 2);
    assert_eq!(actions.iter().filter(|action| **action == "deletePerson").count(), 2);
    let unknown = app.error_as(Some(&admin.token), "{ auditLog(entityType: \"Persons\") { action } }", json!({})).await;
    assert_eq!(unknown, ("BAD_USER_INPUT".to_owned(), Some("entityType".to_owned())), "an entity type that does not exist is named");
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let person_changes = entities::change::Entity::find()
        .filter(entities::change::Column::EntityType.eq("Person"))
        .count(app.db())
        .await
        .unwrap_or_default();
    assert_eq!(person_changes, 11, "one change-log row per person write");
});
