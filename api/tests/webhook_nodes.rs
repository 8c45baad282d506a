//! Webhooks with two api processes on one PostgreSQL: each delivery is made by one node, and
//! killing both nodes mid-delivery and restarting them loses nothing.

mod common;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{BIN, free_port, http, wait_until_healthy};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

const SECRET: &str = "a shared secret for both api processes, 32+ bytes";

fn command(url: &str, schema: &str) -> Command {
    let mut command = Command::new(BIN);
    command
        .env("DATABASE_URL", url)
        .env("NEWSDESK_DATABASE_SCHEMA", schema)
        .env("NEWSDESK_JWT_SECRET", SECRET)
        .env("NEWSDESK_SEED_DEMO", "never")
        .env("NEWSDESK_LOG", "warn")
        .env("NEWSDESK_WEBHOOK_POLL_MS", "20")
        // The receiver runs on this machine.
        .env("NEWSDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true")
        .env("NEWSDESK_WEBHOOK_RETRY_BASE_MS", "100")
        .env("NEWSDESK_WEBHOOK_TIMEOUT_MS", "1000")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn start(url: &str, schema: &str, port: u16) -> Child {
    let mut child = command(url, schema)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        // Each node keeps its own search index.
        .env(
            "NEWSDESK_DATA_DIR",
            std::env::temp_dir().join(format!("newsdesk-wh-{schema}-{port}")),
        )
        .spawn()
        .unwrap_or_else(|error| panic!("{error}"));
    wait_until_healthy(&mut child, port);
    child
}

fn graphql(port: u16, token: &str, query: &str, variables: Value) -> Value {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let (status, body) = http(
        port,
        "POST",
        "/graphql",
        &body,
        Some(token).filter(|token| !token.is_empty()),
    )
    .unwrap_or_else(|| panic!("no answer on {port}"));
    let body: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    assert!(
        status.contains("200") && body.get("errors").is_none(),
        "{status}: {body}"
    );
    body["data"].clone()
}

/// Every request the receiver got: webhook id → how many times.
type Seen = Arc<Mutex<HashMap<String, usize>>>;

async fn receiver(delay: Duration) -> (Seen, String) {
    let seen: Seen = Arc::default();
    let state = seen.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let state = state.clone();
            async move {
                let id = headers
                    .get("webhook-id")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                if let Ok(mut seen) = state.lock() {
                    *seen.entry(id).or_default() += 1;
                }
                // Slow enough that a delivery can be caught in flight.
                tokio::time::sleep(delay).await;
                "ok"
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
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (seen, format!("http://127.0.0.1:{port}/hook"))
}

fn create_articles(ports: [u16; 2], token: &str, section: &str, count: usize, prefix: &str) {
    for index in 0..count {
        graphql(
            ports[index % 2],
            token,
            "mutation($i: CreateArticleInput!) { createArticle(input: $i) { article { id } } }",
            json!({ "i": { "title": format!("{prefix} {index}"), "body": "x", "section": section } }),
        );
    }
}

async fn wait_for(seen: &Seen, distinct: usize) -> HashMap<String, usize> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let snapshot = seen.lock().map(|seen| seen.clone()).unwrap_or_default();
        if snapshot.len() >= distinct || Instant::now() > deadline {
            return snapshot;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_deliver_each_change_once_and_a_crash_loses_nothing() {
    let Ok(url) = std::env::var("NEWSDESK_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set NEWSDESK_TEST_POSTGRES_URL"
        );
        eprintln!("skipped: set NEWSDESK_TEST_POSTGRES_URL to run it");
        return;
    };
    let schema = format!("wh{}", std::process::id());
    let admin_db = Database::connect(url.as_str())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    admin_db
        .execute_unprepared(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let added = command(&url, &schema)
        .args([
            "user",
            "add",
            "--email",
            "admin@example.org",
            "--role",
            "admin",
        ])
        .env("NEWSDESK_USER_PASSWORD", "the admin's long password")
        .status();
    assert!(added.is_ok_and(|status| status.success()));
    assert!(
        command(&url, &schema)
            .args(["seed", "--demo"])
            .status()
            .is_ok_and(|status| status.success())
    );

    let (seen, hook) = receiver(Duration::from_millis(300)).await;
    let ports = [free_port(), free_port()];
    let mut nodes: Vec<Child> = ports
        .iter()
        .map(|port| start(&url, &schema, *port))
        .collect();
    let login = graphql(
        ports[0],
        "",
        r#"mutation { login(email: "admin@example.org", password: "the admin's long password") { accessToken } }"#,
        json!({}),
    );
    let token = login["login"]["accessToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    graphql(
        ports[1],
        &token,
        "mutation($url: String!) { createWebhookEndpoint(input: { url: $url, entityTypes: [ARTICLE], includeDrafts: true }) { secret } }",
        json!({ "url": hook }),
    );
    let section = graphql(
        ports[0],
        &token,
        r#"{ section(slug: "events") { id } }"#,
        json!({}),
    )["section"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // Two nodes share the work; no delivery is made twice.
    create_articles(ports, &token, &section, 10, "Calm");
    let calm = wait_for(&seen, 10).await;
    assert_eq!(calm.len(), 10, "every change delivered");
    assert!(
        calm.values().all(|count| *count == 1),
        "each delivery made by one node: {calm:?}"
    );

    // Kill both nodes while deliveries are in flight, then restart them.
    create_articles(ports, &token, &section, 5, "Crash");
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.lock().map(|seen| seen.len()).unwrap_or_default() < 11 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for node in &mut nodes {
        let _ = node.kill();
        let _ = node.wait();
    }
    let at_crash = seen.lock().map(|seen| seen.len()).unwrap_or_default();
    assert!(
        at_crash < 15,
        "the crash came mid-delivery ({at_crash} of 15 seen)"
    );
    nodes = ports
        .iter()
        .map(|port| start(&url, &schema, *port))
        .collect();
    let after = wait_for(&seen, 15).await;
    assert_eq!(after.len(), 15, "nothing was lost across the crash");

    // Every delivery ends delivered.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pending = graphql(
            ports[0],
            &token,
            "{ webhookDeliveries(status: PENDING, first: 100) { id } }",
            json!({}),
        );
        if pending["webhookDeliveries"]
            .as_array()
            .is_some_and(Vec::is_empty)
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries still pending: {pending}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let delivered = graphql(
        ports[1],
        &token,
        "{ webhookDeliveries(status: DELIVERED, first: 100) { id } }",
        json!({}),
    );
    assert_eq!(
        delivered["webhookDeliveries"].as_array().map(Vec::len),
        Some(15)
    );
    let requests: usize = seen
        .lock()
        .map(|seen| seen.values().sum())
        .unwrap_or_default();
    eprintln!(
        "15 changes delivered by two nodes across a crash; {requests} requests in all (at least once)"
    );

    for node in &mut nodes {
        let _ = node.kill();
        let _ = node.wait();
    }
    let _ = admin_db
        .execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await;
}
