//! The editorial write path: who may do what, the workflow, validation, revisions, the audit
//! log and the change log.

use entities::enums::{InstitutionKind, UserRole};
use newsdesk::ids::{Kind, encode};
use newsdesk_tests::fixtures;
use newsdesk_tests::{TestApp, TestUser, db_test};
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { id slug version status } } }";
const UPDATE: &str = "mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { article { id title version } } }";
const PUBLISH: &str = "mutation($id: ID!, $at: DateTime) { publishArticle(id: $id, at: $at) { article { status publishedAt version } } }";
const UNPUBLISH: &str = "mutation($id: ID!) { unpublishArticle(id: $id) { article { status } } }";
const ARCHIVE: &str = "mutation($id: ID!) { archiveArticle(id: $id) { article { status } } }";
const DELETE: &str = "mutation($id: ID!, $version: Int!) { deleteArticle(id: $id, version: $version) { deletedId } }";
const BY_SLUG: &str = "query($slug: String!) { article(slug: $slug) { id status title version } }";

struct Newsroom {
    section: String,
    admin: TestUser,
    editor: TestUser,
    author: TestUser,
    other_author: TestUser,
    integrator: String,
}

async fn newsroom(app: &TestApp) -> Newsroom {
    let section = fixtures::section(app.db(), "news", None).await;
    let admin = app.user(UserRole::Admin).await;
    let created = app
        .query_as(
            &admin.token,
            r#"mutation { createApiToken(name: "sync", scopes: ["content:read"]) { token } }"#,
            json!({}),
        )
        .await;
    Newsroom {
        section: encode(Kind::Section, section),
        editor: app.user(UserRole::Editor).await,
        author: app.user(UserRole::Author).await,
        other_author: app.user(UserRole::Author).await,
        integrator: created["createApiToken"]["token"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        admin,
    }
}

async fn create(app: &TestApp, as_user: &TestUser, section: &str, title: &str) -> Value {
    app.query_as(
        &as_user.token,
        CREATE,
        json!({ "input": { "title": title, "body": "Some *body*.", "section": section } }),
    )
    .await["createArticle"]["article"]
        .clone()
}

fn code(result: Result<Value, (String, Option<String>)>) -> String {
    match result {
        Ok(_) => "OK".into(),
        Err((code, _)) => code,
    }
}

async fn attempt(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Result<Value, (String, Option<String>)> {
    let body = app.post_graphql_as(token, query, variables).await.json();
    if body.get("errors").is_some() {
        let error = &body["errors"][0];
        Err((
            error["extensions"]["code"]
                .as_str()
                .unwrap_or("<none>")
                .to_owned(),
            error["extensions"]["field"].as_str().map(str::to_owned),
        ))
    } else {
        Ok(body["data"].clone())
    }
}

db_test!(async fn the_permission_matrix_holds_for_every_article_mutation(app) {
    let room = newsroom(&app).await;
    let callers: [(&str, Option<&str>); 6] = [
        ("anonymous", None),
        ("integrator", Some(&room.integrator)),
        ("author", Some(&room.author.token)),
        ("other author", Some(&room.other_author.token)),
        ("editor", Some(&room.editor.token)),
        ("admin", Some(&room.admin.token)),
    ];
    let expected_create = ["UNAUTHENTICATED", "FORBIDDEN", "OK", "OK", "OK", "OK"];
    // On the author's own draft.
    let expected_update = ["UNAUTHENTICATED", "FORBIDDEN", "OK", "FORBIDDEN", "OK", "OK"];
    let expected_publish = ["UNAUTHENTICATED", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "OK", "OK"];
    let expected_delete = ["UNAUTHENTICATED", "FORBIDDEN", "OK", "FORBIDDEN", "OK", "OK"];
    let expected_admin = ["UNAUTHENTICATED", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "OK"];

    for (index, (name, token)) in callers.iter().enumerate() {
        let input = json!({ "input": { "title": format!("By {name}"), "body": "x", "section": room.section } });
        assert_eq!(code(attempt(&app, *token, CREATE, input).await), expected_create[index], "createArticle as {name}");

        let draft = create(&app, &room.author, &room.section, &format!("Draft for {name}")).await;
        let update = json!({ "input": { "id": draft["id"], "version": draft["version"], "title": "Changed" } });
        assert_eq!(code(attempt(&app, *token, UPDATE, update).await), expected_update[index], "updateArticle as {name}");
        let id = json!({ "id": draft["id"] });
        assert_eq!(code(attempt(&app, *token, PUBLISH, id.clone()).await), expected_publish[index], "publishArticle as {name}");
        assert_eq!(code(attempt(&app, *token, UNPUBLISH, id.clone()).await), expected_publish[index], "unpublishArticle as {name}");
        assert_eq!(code(attempt(&app, *token, ARCHIVE, id.clone()).await), expected_publish[index], "archiveArticle as {name}");

        let draft = create(&app, &room.author, &room.section, &format!("Doomed for {name}")).await;
        let delete = json!({ "id": draft["id"], "version": draft["version"] });
        assert_eq!(code(attempt(&app, *token, DELETE, delete).await), expected_delete[index], "deleteArticle as {name}");

        let draft = create(&app, &room.author, &room.section, &format!("Previewed for {name}")).await;
        let preview = "mutation($id: ID!) { createPreviewToken(articleId: $id) { token } }";
        assert_eq!(code(attempt(&app, *token, preview, json!({ "id": draft["id"] })).await), expected_update[index], "createPreviewToken as {name}");
        let revisions = app
            .query_as(&room.author.token, "query($s: String!) { article(slug: $s) { revisions { id } } }", json!({ "s": draft["slug"] }))
            .await;
        let restore = "mutation($r: ID!) { restoreArticleRevision(revisionId: $r, version: 1) { article { id } } }";
        let revision = revisions["article"]["revisions"][0]["id"].clone();
        assert_eq!(code(attempt(&app, *token, restore, json!({ "r": revision })).await), expected_update[index], "restoreArticleRevision as {name}");

        let made = app
            .query_as(&room.admin.token, r#"mutation { createApiToken(name: "victim", scopes: ["content:read"]) { apiToken { id } } }"#, json!({}))
            .await;
        let revoke = "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }";
        let id = made["createApiToken"]["apiToken"]["id"].clone();
        assert_eq!(code(attempt(&app, *token, revoke, json!({ "id": id })).await), expected_admin[index], "revokeApiToken as {name}");

        let token_mutation = r#"mutation { createApiToken(name: "t", scopes: ["content:read"]) { token } }"#;
        assert_eq!(code(attempt(&app, *token, token_mutation, json!({})).await), expected_admin[index], "createApiToken as {name}");
        assert_eq!(code(attempt(&app, *token, "{ auditLog { action } }", json!({})).await), expected_admin[index], "auditLog as {name}");
    }

    // An author cannot change their own article once an editor has published it.
    let draft = create(&app, &room.author, &room.section, "Soon public").await;
    app.query_as(&room.editor.token, PUBLISH, json!({ "id": draft["id"] })).await;
    let update = json!({ "input": { "id": draft["id"], "version": 2, "title": "Sneaky" } });
    assert_eq!(code(attempt(&app, Some(&room.author.token), UPDATE, update).await), "FORBIDDEN");
});

db_test!(async fn drafts_scheduled_and_archived_articles_stay_private_until_their_time(app) {
    let room = newsroom(&app).await;
    let draft = create(&app, &room.author, &room.section, "A draft").await;
    let slug = draft["slug"].as_str().unwrap_or_default().to_owned();
    let list = "{ articles { totalCount edges { node { slug } } } }";

    // A draft: its author and editors see it through the same queries; nobody else does.
    assert_eq!(app.query(BY_SLUG, json!({ "slug": slug })).await["article"], Value::Null);
    assert_eq!(app.query_as(&room.integrator, BY_SLUG, json!({ "slug": slug })).await["article"], Value::Null);
    assert_eq!(app.query_as(&room.other_author.token, BY_SLUG, json!({ "slug": slug })).await["article"], Value::Null);
    assert_eq!(app.query_as(&room.author.token, BY_SLUG, json!({ "slug": slug })).await["article"]["status"], "DRAFT");
    assert_eq!(app.query_as(&room.editor.token, list, json!({})).await["articles"]["totalCount"], 1);
    assert_eq!(app.query(list, json!({})).await["articles"]["totalCount"], 0);

    // A preview link opens the draft for a reviewer without an account.
    let preview = app
        .query_as(&room.author.token, "mutation($id: ID!) { createPreviewToken(articleId: $id, expiresInSeconds: 600) { token } }", json!({ "id": draft["id"] }))
        .await["createPreviewToken"]["token"]
        .clone();
    let opened = app.query("query($t: String!) { articlePreview(token: $t) { title status } }", json!({ "t": preview })).await;
    assert_eq!(opened["articlePreview"]["status"], "DRAFT");
    let admin = app.user(UserRole::Admin).await;
    let audit = app.query_as(&admin.token, "query($id: ID!) { auditLog(entity: $id) { action actor } }", json!({ "id": draft["id"] })).await;
    assert!(audit["auditLog"].as_array().into_iter().flatten().any(|entry| entry["action"] == "createPreviewToken" && entry["actor"] == room.author.email.as_str()), "who handed out a preview link is recorded: {audit}");
    assert_eq!(app.error_as(None, "{ articlePreview(token: \"forged\") { title } }", json!({})).await.0, "BAD_USER_INPUT");
    let past = chrono::Utc::now().timestamp() - 120;
    let id = newsdesk::ids::decode("id", draft["id"].as_str().unwrap_or_default()).map(|(_, id)| id).unwrap_or_default();
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({ "iss": "newsdesk", "aud": "newsdesk-preview", "sub": format!("article:{id}"), "exp": past, "nbf": past - 600, "iat": past - 600, "jti": "x" }),
        &jsonwebtoken::EncodingKey::from_secret(newsdesk_tests::TEST_JWT_SECRET.as_bytes()),
    )
    .unwrap_or_default();
    let (code, _) = app.error_as(None, "query($t: String!) { articlePreview(token: $t) { title } }", json!({ "t": expired })).await;
    assert_eq!(code, "BAD_USER_INPUT", "an expired preview link is refused");

    // Scheduled two seconds ahead: invisible now, visible by itself afterwards, with no job run.
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let published = app.query_as(&room.editor.token, PUBLISH, json!({ "id": draft["id"], "at": at })).await;
    assert_eq!(published["publishArticle"]["article"]["status"], "PUBLISHED");
    assert_eq!(app.query(BY_SLUG, json!({ "slug": slug })).await["article"], Value::Null, "scheduled, not yet public");
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(app.query(BY_SLUG, json!({ "slug": slug })).await["article"]["title"], "A draft", "public once its time has come");
    assert_eq!(app.query(list, json!({})).await["articles"]["totalCount"], 1);

    // Archived: gone again for the public, still there for editors.
    app.query_as(&room.editor.token, ARCHIVE, json!({ "id": draft["id"] })).await;
    assert_eq!(app.query(BY_SLUG, json!({ "slug": slug })).await["article"], Value::Null);
    assert_eq!(app.query_as(&room.editor.token, BY_SLUG, json!({ "slug": slug })).await["article"]["status"], "ARCHIVED");
    let node = app.query("query($id: ID!) { node(id: $id) { id } }", json!({ "id": draft["id"] })).await;
    assert_eq!(node["node"], Value::Null);
});

db_test!(async fn invalid_input_names_its_field_and_a_stale_version_overwrites_nothing(app) {
    let room = newsroom(&app).await;
    let token = Some(room.editor.token.as_str());
    let institution = fixtures::institution(app.db(), "office", InstitutionKind::Office, None).await;
    let base = json!({ "title": "A title", "body": "x", "section": room.section });
    let with = |patch: Value| {
        let mut input = base.clone();
        if let (Some(target), Some(source)) = (input.as_object_mut(), patch.as_object()) {
            for (key, value) in source {
                target.insert(key.clone(), value.clone());
            }
        }
        json!({ "input": input })
    };
    let cases = [
        (json!({ "title": "   " }), "BAD_USER_INPUT", "input.title"),
        (json!({ "slug": "Not A Slug" }), "BAD_USER_INPUT", "input.slug"),
        (json!({ "section": encode(Kind::Section, 999_999) }), "BAD_USER_INPUT", "input.section"),
        (json!({ "section": encode(Kind::Institution, institution) }), "BAD_USER_INPUT", "input.section"),
        (json!({ "authors": [encode(Kind::Person, 424_242)] }), "BAD_USER_INPUT", "input.authors"),
        (json!({ "media": [{ "url": "javascript:alert(1)" }] }), "BAD_USER_INPUT", "input.media.url"),
        (json!({ "media": [{ "width": -5 }] }), "BAD_USER_INPUT", "input.media.width"),
        (json!({ "tags": ["Bad Tag"] }), "BAD_USER_INPUT", "input.tags"),
        (json!({ "sourceInstitution": "garbage" }), "BAD_USER_INPUT", "input.sourceInstitution"),
    ];
    for (patch, expected_code, expected_field) in cases {
        let (code, field) = app.error_as(token, CREATE, with(patch.clone())).await;
        assert_eq!((code.as_str(), field.as_deref()), (expected_code, Some(expected_field)), "{patch}");
    }

    // Slugs: generated from the title (Chinese transliterated), deduplicated; a given clash is a field error.
    let first = app.query_as(&room.editor.token, CREATE, with(json!({ "title": "对口帮扶 新一轮" }))).await;
    assert_eq!(first["createArticle"]["article"]["slug"], "dui-kou-bang-fu-xin-yi-lun");
    let second = app.query_as(&room.editor.token, CREATE, with(json!({ "title": "对口帮扶 新一轮" }))).await;
    assert_eq!(second["createArticle"]["article"]["slug"], "dui-kou-bang-fu-xin-yi-lun-2");
    let (code, field) = app.error_as(token, CREATE, with(json!({ "slug": "dui-kou-bang-fu-xin-yi-lun" }))).await;
    assert_eq!((code.as_str(), field.as_deref()), ("CONFLICT", Some("input.slug")));
    let zh = app.query_as(&room.editor.token, CREATE, with(json!({ "slug": "dui-kou-bang-fu-xin-yi-lun", "locale": "ZH" }))).await;
    assert_eq!(zh["createArticle"]["article"]["slug"], "dui-kou-bang-fu-xin-yi-lun", "unique per locale");

    // Markdown is stored as written and served sanitised.
    let hostile = app
        .query_as(&room.editor.token, CREATE, with(json!({ "title": "Hostile", "body": "Hi <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>" })))
        .await;
    let slug = hostile["createArticle"]["article"]["slug"].clone();
    let body = app.query_as(&room.editor.token, "query($s: String!) { article(slug: $s) { bodyHtml bodyMarkdown } }", json!({ "s": slug })).await;
    let html = body["article"]["bodyHtml"].as_str().unwrap_or_default();
    assert!(!html.contains("<script") && !html.contains("javascript:") && !html.contains("onerror"), "{html}");
    assert!(body["article"]["bodyMarkdown"].as_str().unwrap_or_default().contains("<script>"), "the source is kept");

    // Optimistic concurrency.
    let article = first["createArticle"]["article"].clone();
    let saved = app.query_as(&room.editor.token, UPDATE, json!({ "input": { "id": article["id"], "version": 1, "title": "First save" } })).await;
    assert_eq!(saved["updateArticle"]["article"]["version"], 2);
    let (code, field) = app.error_as(token, UPDATE, json!({ "input": { "id": article["id"], "version": 1, "title": "Lost update" } })).await;
    assert_eq!((code.as_str(), field.as_deref()), ("CONFLICT", Some("version")));
    let current = app.query_as(&room.editor.token, BY_SLUG, json!({ "slug": "dui-kou-bang-fu-xin-yi-lun" })).await;
    assert_eq!(current["article"]["title"], "First save", "nothing was overwritten");
    assert_eq!(current["article"]["version"], 2);
});

db_test!(async fn every_save_is_a_revision_that_can_be_restored_and_every_mutation_is_audited(app) {
    let room = newsroom(&app).await;
    let article = create(&app, &room.editor, &room.section, "Version one").await;
    app.query_as(&room.editor.token, UPDATE, json!({ "input": { "id": article["id"], "version": 1, "title": "Version two", "tags": ["events"] } })).await;
    app.query_as(&room.editor.token, PUBLISH, json!({ "id": article["id"] })).await;

    let revisions = app
        .query_as(&room.editor.token, "query($s: String!) { article(slug: $s) { version revisions { id version title status } } }", json!({ "s": article["slug"] }))
        .await;
    let list = revisions["article"]["revisions"].as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 3, "create, update, publish: {revisions}");
    assert_eq!(list[2]["title"], "Version one");
    assert_eq!(list[0]["status"], "PUBLISHED");

    let restored = app
        .query_as(&room.editor.token, "mutation($r: ID!) { restoreArticleRevision(revisionId: $r, version: 3) { article { title version status tags { slug } } } }", json!({ "r": list[2]["id"] }))
        .await;
    let article_after = &restored["restoreArticleRevision"]["article"];
    assert_eq!(article_after["title"], "Version one");
    assert_eq!(article_after["version"], 4, "a restore is a new revision");
    assert_eq!(article_after["status"], "PUBLISHED", "the workflow state is kept");
    assert_eq!(article_after["tags"], json!([]), "links come back as they were");
    let public = app.query(BY_SLUG, json!({ "slug": article["slug"] })).await;
    assert_eq!(public["article"]["title"], "Version one");
    assert_eq!(app.query(&format!("{{ article(slug: {}) {{ revisions {{ id }} }} }}", article["slug"]), json!({})).await["article"]["revisions"], json!([]), "the public sees no revisions");

    let audit = app.query_as(&room.admin.token, "query($e: ID!) { auditLog(entity: $e) { actor action entityType } }", json!({ "e": article["id"] })).await;
    let actions: Vec<&str> = audit["auditLog"].as_array().into_iter().flatten().filter_map(|entry| entry["action"].as_str()).collect();
    assert_eq!(actions, ["restoreArticleRevision", "publishArticle", "updateArticle", "createArticle"]);
    assert_eq!(audit["auditLog"][0]["actor"], room.editor.email.as_str());
});

db_test!(async fn every_write_appends_to_the_change_log_in_order(app) {
    let room = newsroom(&app).await;
    let article = create(&app, &room.editor, &room.section, "Logged").await;
    let id = article["id"].clone();
    app.query_as(&room.editor.token, PUBLISH, json!({ "id": id })).await;
    app.query_as(&room.editor.token, UNPUBLISH, json!({ "id": id })).await;
    let current = app.query_as(&room.editor.token, BY_SLUG, json!({ "slug": article["slug"] })).await;
    app.query_as(&room.editor.token, DELETE, json!({ "id": id, "version": current["article"]["version"] })).await;

    let rows = entities::change::Entity::find()
        .order_by_asc(entities::change::Column::Seq)
        .all(app.db())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let seen: Vec<(String, bool)> = rows.iter().map(|row| (format!("{:?}", row.op), row.public)).collect();
    assert_eq!(
        seen,
        [("Upsert".into(), false), ("Upsert".into(), true), ("Upsert".into(), false), ("Delete".into(), false)],
        "create (private), publish (public), unpublish (private), delete"
    );
    assert!(rows.windows(2).all(|pair| pair[0].seq < pair[1].seq));
    assert!(rows.iter().all(|row| row.entity_type == entities::enums::EntityType::Article));
});

db_test!(async fn editors_saving_at_once_all_succeed_and_nothing_is_lost(app) {
    let room = newsroom(&app).await;
    let mut ids = Vec::new();
    for n in 0..24 {
        let created = app
            .query_as(
                &room.editor.token,
                CREATE,
                json!({ "input": { "title": format!("Story {n}"), "body": "Text.", "section": room.section } }),
            )
            .await;
        ids.push(created["createArticle"]["article"]["id"].as_str().unwrap_or_default().to_owned());
    }
    // Every article renamed at once (on SQLite the writers queue for the one write lock).
    let saves = ids.iter().enumerate().map(|(n, id)| {
        let app = &app;
        let token = room.editor.token.clone();
        async move {
            app.query_as(
                &token,
                UPDATE,
                json!({ "input": { "id": id, "version": 1, "title": format!("Renamed {n}") } }),
            )
            .await
        }
    });
    let saved = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        futures_util::future::join_all(saves),
    )
    .await
    .unwrap_or_else(|_| panic!("concurrent saves never finished"));
    for (n, data) in saved.iter().enumerate() {
        assert_eq!(data["updateArticle"]["article"]["title"], format!("Renamed {n}"));
        assert_eq!(data["updateArticle"]["article"]["version"], 2);
    }
    let rows = entities::article::Entity::find().all(app.db()).await.unwrap_or_default();
    let renamed = rows.iter().filter(|row| row.title.starts_with("Renamed ")).count();
    assert_eq!(renamed, 24, "a save was lost");
});
