//! Webhooks against a real HTTP receiver started by the test: signatures, retries, dead
//! letters and replays.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use entities::enums::UserRole;
use hmac::{Hmac, Mac};
use newsdesk_tests::{TestApp, TestUser, db_test};
use serde_json::{Value, json};

const ARGS: &[&str] = &[
    // The receiver runs on this machine.
    "--webhook-allow-private-networks",
    "true",
    "--webhook-poll-ms",
    "20",
    "--webhook-retry-base-ms",
    "50",
    "--webhook-max-attempts",
    "3",
];

#[derive(Clone, Default)]
struct Receiver {
    /// Headers and body of every request, in order.
    seen: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    /// Statuses to answer, in order; 200 once they run out.
    script: Arc<Mutex<Vec<u16>>>,
}

impl Receiver {
    async fn start(script: Vec<u16>) -> (Self, String) {
        let receiver = Self {
            seen: Arc::default(),
            script: Arc::new(Mutex::new(script)),
        };
        let state = receiver.clone();
        let router = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let state = state.clone();
                async move {
                    if let Ok(mut seen) = state.seen.lock() {
                        seen.push((headers, body));
                    }
                    let status = state
                        .script
                        .lock()
                        .ok()
                        .and_then(|mut script| (!script.is_empty()).then(|| script.remove(0)))
                        .unwrap_or(200);
                    StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        let port = listener
            .local_addr()
            .map(|addr| addr.port())
            .unwrap_or_default();
        // Redirects: to the same host (followed) and to another host name (refused).
        let router = router
            .route(
                "/same-host",
                axum::routing::post(|| async { axum::response::Redirect::temporary("/hook") }),
            )
            .route(
                "/other-host",
                axum::routing::post(move || async move {
                    axum::response::Redirect::temporary(&format!("http://localhost:{port}/hook"))
                }),
            );
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        (receiver, format!("http://127.0.0.1:{port}/hook"))
    }

    fn requests(&self) -> Vec<(HeaderMap, String)> {
        self.seen
            .lock()
            .map(|seen| seen.clone())
            .unwrap_or_default()
    }

    async fn wait_for(&self, count: usize) -> Vec<(HeaderMap, String)> {
        for _ in 0..200 {
            let requests = self.requests();
            if requests.len() >= count {
                return requests;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "expected {count} webhook requests, got {}",
            self.requests().len()
        );
    }
}

async fn endpoint(app: &TestApp, admin: &TestUser, url: &str, types: Value) -> String {
    let created = app
        .query_as(&admin.token, "mutation($url: String!, $types: [SyncType!]) { createWebhookEndpoint(input: { url: $url, entityTypes: $types, includeDrafts: true }) { secret endpoint { id } } }", json!({ "url": url, "types": types }))
        .await;
    created["createWebhookEndpoint"]["secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The app's webhook worker, with private networks allowed or not.
fn worker(app: &TestApp, allow_private_networks: bool) -> tokio::task::JoinHandle<()> {
    let settings = newsdesk::webhooks::Settings {
        allow_private_networks,
        ..newsdesk::webhooks::Settings::from_config(&app.state.config)
    };
    newsdesk::webhooks::spawn_worker(
        app.state.db.background.clone(),
        settings,
        app.state.changes.head(),
    )
    .unwrap_or_else(|error| panic!("{error}"))
}

async fn create_article(app: &TestApp, editor: &TestUser, title: &str) {
    let section = app
        .query(r#"{ section(slug: "events") { id } }"#, json!({}))
        .await["section"]["id"]
        .clone();
    app.query_as(
        &editor.token,
        "mutation($i: CreateArticleInput!) { createArticle(input: $i) { article { id } } }",
        json!({ "i": { "title": title, "body": "x", "section": section } }),
    )
    .await;
}

fn verify(secret: &str, headers: &HeaderMap, body: &str) -> bool {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let key = STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .unwrap_or_default();
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(&key) else {
        return false;
    };
    mac.update(
        format!(
            "{}.{}.{}",
            header("webhook-id"),
            header("webhook-timestamp"),
            body
        )
        .as_bytes(),
    );
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    header("webhook-signature")
        .split(' ')
        .any(|signature| signature == expected)
}

db_test!(async fn a_change_is_delivered_signed_and_retried_until_it_succeeds(app, ARGS) {
    app.seed_demo().await;
    let admin = app.user(UserRole::Admin).await;
    let editor = app.user(UserRole::Editor).await;
    let (receiver, url) = Receiver::start(vec![500, 503]).await;
    let secret = endpoint(&app, &admin, &url, json!(["ARTICLE"])).await;
    let worker = worker(&app, true);
    create_article(&app, &editor, "Hooked").await;

    let requests = receiver.wait_for(3).await;
    let ids: Vec<String> = requests.iter().map(|(headers, _)| headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()).collect();
    assert!(ids.iter().all(|id| id == &ids[0] && id.starts_with("msg_")), "retries keep the message id: {ids:?}");
    for (headers, body) in &requests {
        assert!(verify(&secret, headers, body), "the signature verifies: {body}");
        let event: Value = serde_json::from_str(body).unwrap_or_default();
        assert_eq!(event["type"], "article.upsert");
        assert_eq!(event["data"]["public"], false, "a new article is a draft");
    }
    assert!(!verify("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &requests[0].0, &requests[0].1), "another secret does not verify");

    tokio::time::sleep(Duration::from_millis(200)).await;
    let deliveries = app
        .query_as(&admin.token, "{ webhookDeliveries(status: DELIVERED) { attemptCount attempts { statusCode durationMs } } }", json!({}))
        .await;
    let statuses: Vec<i64> = deliveries["webhookDeliveries"][0]["attempts"].as_array().into_iter().flatten().filter_map(|attempt| attempt["statusCode"].as_i64()).collect();
    assert_eq!(statuses, [500, 503, 200], "every attempt is recorded");

    // A person is not an article: the filtered endpoint gets nothing more.
    app.query_as(&editor.token, r#"mutation { createPerson(input: { name: "Not delivered" }) { person { id } } }"#, json!({})).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.requests().len(), 3);
    worker.abort();
});

db_test!(async fn a_delivery_out_of_attempts_is_dead_until_replayed(app, ARGS) {
    app.seed_demo().await;
    let admin = app.user(UserRole::Admin).await;
    let editor = app.user(UserRole::Editor).await;
    let (receiver, url) = Receiver::start(vec![500, 500, 500]).await;
    endpoint(&app, &admin, &url, json!([])).await;
    let worker = worker(&app, true);
    create_article(&app, &editor, "Doomed").await;
    receiver.wait_for(3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.requests().len(), 3, "no fourth attempt");

    let dead = app.query_as(&admin.token, "{ webhookDeliveries(status: DEAD) { id attemptCount lastStatus } }", json!({})).await;
    assert_eq!(dead["webhookDeliveries"][0]["attemptCount"], 3);
    assert_eq!(dead["webhookDeliveries"][0]["lastStatus"], 500);
    let id = dead["webhookDeliveries"][0]["id"].clone();
    app.query_as(&admin.token, "mutation($id: ID!) { replayWebhookDelivery(id: $id) { status } }", json!({ "id": id })).await;
    receiver.wait_for(4).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let delivered = app.query_as(&admin.token, "{ webhookDeliveries(status: DELIVERED) { id } }", json!({})).await;
    assert_eq!(delivered["webhookDeliveries"][0]["id"], id, "the replay got through");
    worker.abort();
});

db_test!(async fn only_admins_manage_webhooks_and_urls_are_checked(app) {
    let admin = app.user(UserRole::Admin).await;
    let editor = app.user(UserRole::Editor).await;
    let create = r#"mutation($url: String!) { createWebhookEndpoint(input: { url: $url }) { secret } }"#;
    let (code, _) = app.error_as(Some(&editor.token), create, json!({ "url": "http://127.0.0.1:9/hook" })).await;
    assert_eq!(code, "FORBIDDEN");
    let (code, field) = app.error_as(Some(&admin.token), create, json!({ "url": "file:///etc/passwd" })).await;
    assert_eq!((code.as_str(), field.as_deref()), ("BAD_USER_INPUT", Some("url")));
    let (code, _) = app.error_as(Some(&editor.token), "{ webhookDeliveries { id } }", json!({})).await;
    assert_eq!(code, "FORBIDDEN");
    // Nothing inward: this machine, the networks behind it, a cloud's metadata service.
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ] {
        let (code, field) = app.error_as(Some(&admin.token), create, json!({ "url": url })).await;
        assert_eq!((code.as_str(), field.as_deref()), ("BAD_USER_INPUT", Some("url")), "{url}");
    }
});

db_test!(async fn a_delivery_to_an_inward_address_is_refused_when_it_is_made(app, ARGS) {
    app.seed_demo().await;
    let admin = app.user(UserRole::Admin).await;
    let editor = app.user(UserRole::Editor).await;
    let (receiver, url) = Receiver::start(vec![]).await;
    // Registered while private networks were allowed, by address and by name.
    endpoint(&app, &admin, &url, json!(["ARTICLE"])).await;
    endpoint(&app, &admin, &url.replace("127.0.0.1", "localhost"), json!(["ARTICLE"])).await;
    // A node that does not allow them delivers.
    let worker = worker(&app, false);
    create_article(&app, &editor, "Kept inside").await;
    let mut errors = Vec::new();
    for _ in 0..100 {
        let attempts = app.query_as(&admin.token, "{ webhookDeliveries { attempts { statusCode error } } }", json!({})).await;
        errors = attempts["webhookDeliveries"].as_array().into_iter().flatten().filter_map(|delivery| delivery["attempts"][0]["error"].as_str().map(str::to_owned)).collect();
        if errors.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(errors.len(), 2, "both deliveries were attempted: {errors:?}");
    assert!(errors.iter().all(|error| error.contains("public address")), "{errors:?}");
    assert!(receiver.requests().is_empty(), "nothing reached the receiver");
    worker.abort();
});

db_test!(async fn redirects_are_followed_only_to_the_same_host(app, ARGS) {
    app.seed_demo().await;
    let admin = app.user(UserRole::Admin).await;
    let editor = app.user(UserRole::Editor).await;
    let (receiver, url) = Receiver::start(vec![]).await;
    endpoint(&app, &admin, &url.replace("/hook", "/other-host"), json!(["ARTICLE"])).await;
    let worker = worker(&app, true);
    create_article(&app, &editor, "Redirected").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(receiver.requests().is_empty(), "a redirect to another host is not followed");
    let attempts = app.query_as(&admin.token, "{ webhookDeliveries { attempts { statusCode } } }", json!({})).await;
    assert_eq!(attempts["webhookDeliveries"][0]["attempts"][0]["statusCode"], 307);

    endpoint(&app, &admin, &url.replace("/hook", "/same-host"), json!(["PERSON"])).await;
    app.query_as(&editor.token, r#"mutation { createPerson(input: { name: "Followed" }) { person { id } } }"#, json!({})).await;
    let requests = receiver.wait_for(1).await;
    assert!(requests[0].1.contains("person.upsert"), "a same-host redirect is followed");
    worker.abort();
});

db_test!(async fn a_public_endpoint_hears_nothing_of_a_draft_that_never_went_public(app, ARGS) {
    app.seed_demo().await;
    let admin = app.user(UserRole::Admin).await;
    let editor = app.user(UserRole::Editor).await;
    let (receiver, url) = Receiver::start(vec![]).await;
    app.query_as(&admin.token, "mutation($url: String!) { createWebhookEndpoint(input: { url: $url }) { endpoint { includeDrafts } } }", json!({ "url": url })).await;
    let worker = worker(&app, true);
    let section = app.query(r#"{ section(slug: "events") { id } }"#, json!({})).await["section"]["id"].clone();
    let create = "mutation($i: CreateArticleInput!) { createArticle(input: $i) { article { id version } } }";
    let delete = "mutation($id: ID!, $v: Int!) { deleteArticle(id: $id, version: $v) { deletedId } }";
    let draft = app.query_as(&editor.token, create, json!({ "i": { "title": "Never public", "body": "x", "section": section } })).await["createArticle"]["article"].clone();
    let edited = app.query_as(&editor.token, "mutation($i: UpdateArticleInput!) { updateArticle(input: $i) { article { version } } }", json!({ "i": { "id": draft["id"], "version": draft["version"], "title": "Still a draft" } })).await;
    app.query_as(&editor.token, delete, json!({ "id": draft["id"], "v": edited["updateArticle"]["article"]["version"] })).await;
    let story = app.query_as(&editor.token, create, json!({ "i": { "title": "Public once", "body": "x", "section": section } })).await["createArticle"]["article"].clone();
    let published = app.query_as(&editor.token, "mutation($id: ID!) { publishArticle(id: $id) { article { version } } }", json!({ "id": story["id"] })).await;
    app.query_as(&editor.token, delete, json!({ "id": story["id"], "v": published["publishArticle"]["article"]["version"] })).await;

    let requests = receiver.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let events: Vec<(String, String)> = receiver.requests().iter().map(|(_, body)| {
        let event: Value = serde_json::from_str(body).unwrap_or_default();
        (event["type"].as_str().unwrap_or_default().to_owned(), event["data"]["id"].as_str().unwrap_or_default().to_owned())
    }).collect();
    let story_id = story["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(events, vec![("article.upsert".to_owned(), story_id.clone()), ("article.delete".to_owned(), story_id)], "only the public article, published then deleted: {requests:?}");
    worker.abort();
});
